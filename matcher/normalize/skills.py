"""Skills: technology and skill slugs found in description text, merged with Floqer's technology slugs.

>>> extract_skills("You will work with Python, PostgreSQL and K8s; Go is a plus.")
['go', 'kubernetes', 'postgresql', 'python']

The vocabulary is reference data (``matcher/reference/skills.csv``: a slug, lower-case aliases, and aliases
that only count with their capitals, such as "Go" the language, never "go" the verb). Extraction is one
vectorized Polars expression (Rust regex over the whole column), so the normalize stage reads each
description once and the match stage never rescans text; ``extract_skills`` runs the same expression on one
string, so the two can never disagree.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import polars as pl

_KEEP = r"[^a-z0-9+#.\-]+"  # characters that can be part of an alias; the rest separates words
_KEEP_CASED = r"[^A-Za-z0-9+#.\-]+"
_TRAILING = r"[.\-]+( |$)"  # a full stop or dash ends a sentence, not an alias ("... in Node.js.")


@dataclass(frozen=True)
class Vocabulary:
    by_alias: dict[str, str]  # lower-case alias (words joined by one space) -> slug
    by_cased_alias: dict[str, str]  # alias that counts only with this exact case -> slug
    slugs: frozenset[str]


@functools.cache
def vocabulary() -> Vocabulary:
    text = resources.files("matcher.reference").joinpath("skills.csv").read_text(encoding="utf-8")
    by_alias: dict[str, str] = {}
    by_cased: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        slug = row["slug"].strip()
        for alias in filter(None, (a.strip() for a in row["aliases"].split("|"))):
            by_alias[" ".join(re.sub(_KEEP, " ", alias.lower()).split())] = slug  # "ci/cd" -> "ci cd"
        for alias in filter(None, (a.strip() for a in row["case_sensitive_aliases"].split("|"))):
            by_cased[alias] = slug
    return Vocabulary(by_alias, by_cased, frozenset(by_alias.values()) | frozenset(by_cased.values()))


def _pattern(aliases: list[str]) -> str:
    # longest first: Rust's regex alternation is leftmost-first, so "react native" beats "react"
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    return " (" + "|".join(re.escape(a).replace(r"\ ", " +").replace(" ", " +") for a in ordered) + ") "


def _spaced(expr: pl.Expr, keep: str) -> pl.Expr:
    """Words separated by two spaces and padded, so " alias " patterns may match side by side."""
    words = expr.str.replace_all(keep, " ").str.replace_all(_TRAILING, " ")
    return pl.lit("  ") + words.str.replace_all(" ", "  ") + pl.lit("  ")


def skills_expr(description: pl.Expr, technology_slugs: pl.Expr | None = None) -> pl.Expr:
    """A sorted, de-duplicated ``list[str]`` of skill slugs for each row.

    Args:
        description: a string column (null gives no skills from text).
        technology_slugs: an optional ``list[str]`` column (Floqer's ``job_technology_slugs``); its slugs are
            mapped through the vocabulary's aliases ("postgres" -> "postgresql") and kept when unknown.
    """
    vocab = vocabulary()
    text = description.fill_null("")
    lower = _spaced(text.str.to_lowercase(), _KEEP).str.extract_all(_pattern(list(vocab.by_alias)))
    found = lower.list.eval(pl.element().str.replace_all(" +", " ").str.strip_chars())
    found = found.list.eval(pl.element().replace_strict(vocab.by_alias, default=None, return_dtype=pl.String))
    parts = [found]
    if vocab.by_cased_alias:
        cased = _spaced(text, _KEEP_CASED).str.extract_all(_pattern(list(vocab.by_cased_alias)))
        cased = cased.list.eval(
            pl.element()
            .str.strip_chars()
            .replace_strict(vocab.by_cased_alias, default=None, return_dtype=pl.String)
        )
        parts.append(cased)
    if technology_slugs is not None:
        slugs = technology_slugs.fill_null(pl.lit([], dtype=pl.List(pl.String)))
        slugs = slugs.list.eval(pl.element().str.to_lowercase().str.strip_chars().replace(vocab.by_alias))
        parts.append(slugs)
    merged = pl.concat_list(parts)
    return (
        merged.list.eval(pl.element().filter(pl.element().is_not_null() & (pl.element() != "")))
        .list.unique(maintain_order=False)
        .list.sort()
    )


def extract_skills(text: str | None, technology_slugs: list[str] | None = None) -> list[str]:
    """The skills of one description (the stage's expression on a one-row frame)."""
    frame = pl.DataFrame(
        {"description": [text], "slugs": [technology_slugs or []]},
        schema={"description": pl.String, "slugs": pl.List(pl.String)},
    )
    result = frame.select(skills_expr(pl.col("description"), pl.col("slugs")).alias("skills"))
    return list(result["skills"][0])
