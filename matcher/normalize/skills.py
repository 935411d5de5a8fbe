"""Skills: technology and skill slugs found in description text, merged with Floqer's technology slugs.

>>> extract_skills("You will work with Python, PostgreSQL and K8s; Go is a plus.")
['go', 'kubernetes', 'postgresql', 'python']

The vocabulary is reference data (``matcher/reference/skills.csv``: a slug, lower-case aliases, and aliases
that only count with their capitals, such as "Go" the language, never "go" the verb). Extraction is
vectorized in Polars (Rust regex over the whole column, then joins), so the normalize stage reads each
description once and the match stage never rescans text; ``extract_skills`` runs the same code on one
string, so the two can never disagree.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import polars as pl

# Aliases whose symbols no regex word boundary can frame are spelled out first (Aho-Corasick, one pass).
_SPELLED = {"c++": " cplusplus ", "c#": " csharp ", ".net": " dotnet "}


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
            by_alias[" ".join(alias.lower().split())] = slug
        for alias in filter(None, (a.strip() for a in row["case_sensitive_aliases"].split("|"))):
            by_cased[alias] = slug
    return Vocabulary(by_alias, by_cased, frozenset(by_alias.values()) | frozenset(by_cased.values()))


def _spell(text: str) -> str:
    for symbol, word in _SPELLED.items():
        text = text.replace(symbol, word)
    return " ".join(text.split())


def _pattern(aliases: list[str]) -> str:
    """One alternation, longest first (Rust's regex is leftmost-first: "react native" beats "react")."""
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    return (
        r"(?-u:\b)(?:"
        + "|".join(re.escape(a).replace(r"\ ", " ").replace(" ", r"\s+") for a in ordered)
        + r")(?-u:\b)"
    )


def _cased_pattern(aliases: list[str]) -> str:
    """Cased aliases framed by characters that cannot extend them ("Go" but not "Go-to-market")."""
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    alternation = "|".join(re.escape(a) for a in ordered)
    return rf"(?:^|[^A-Za-z0-9.\-])(?:{alternation})(?:[^A-Za-z0-9+#\-]|$)"


def add_skills(
    frame: pl.DataFrame, description: str, technology_slugs: str | None = None, *, name: str = "skills"
) -> pl.DataFrame:
    """``frame`` with a sorted, de-duplicated ``list[str]`` column of skill slugs.

    Args:
        description: the name of a string column (null gives no skills from text).
        technology_slugs: the name of an optional ``list[str]`` column (Floqer's ``job_technology_slugs``);
            its slugs are mapped through the vocabulary's aliases ("postgres" -> "postgresql") and kept when
            unknown.
    """
    # computed once per distinct (description, slugs): reposts and templated postings repeat them
    keys = [description] if technology_slugs is None else [description, technology_slugs]
    groups = (
        frame.select(keys).with_row_index("_rows").group_by(keys, maintain_order=True).agg(pl.col("_rows"))
    )
    if groups.height == frame.height:
        return _add_skills(frame, description, technology_slugs, name=name)
    groups = _add_skills(groups, description, technology_slugs, name=name)
    skills = groups.select("_rows", name).explode("_rows").sort("_rows").get_column(name)
    return frame.with_columns(skills.alias(name))


def _add_skills(
    frame: pl.DataFrame, description: str, technology_slugs: str | None = None, *, name: str = "skills"
) -> pl.DataFrame:
    """``add_skills`` row by row (each row's text scanned, however often it repeats)."""
    vocab = vocabulary()
    spelled = {_spell(alias): slug for alias, slug in vocab.by_alias.items()}
    rows = frame.select(pl.col(description).fill_null("").alias("_text")).with_row_index("_row")
    lower = pl.col("_text").str.to_lowercase().str.replace_many(list(_SPELLED), list(_SPELLED.values()))
    found = [
        rows.select("_row", lower.str.extract_all(_pattern(list(spelled))).alias("_m"))
        .explode("_m")
        .select(
            "_row",
            pl.col("_m").str.replace_all(r"\s+", " ").replace_strict(spelled, default=None).alias("_s"),
        )
    ]
    if vocab.by_cased_alias:
        cased = pl.col("_text").str.extract_all(_cased_pattern(list(vocab.by_cased_alias)))
        found.append(
            rows.select("_row", cased.alias("_m"))
            .explode("_m")
            .select(
                "_row",
                pl.col("_m")
                .str.replace_all(r"^[^A-Za-z0-9]|[^A-Za-z0-9+#]$", "")
                .replace_strict(vocab.by_cased_alias, default=None)
                .alias("_s"),
            )
        )
    if technology_slugs is not None:
        given = frame.select(pl.col(technology_slugs).alias("_m")).with_row_index("_row").explode("_m")
        slug = pl.col("_m").str.to_lowercase().str.strip_chars()
        found.append(given.select("_row", slug.replace(vocab.by_alias).alias("_s")))
    long = pl.concat(found).filter(pl.col("_s").is_not_null() & (pl.col("_s") != ""))
    per_row = long.group_by("_row").agg(pl.col("_s").unique().sort().alias(name))
    joined = rows.select("_row").join(per_row, on="_row", how="left", maintain_order="left")
    skills = joined[name].fill_null(pl.lit([], dtype=pl.List(pl.String)))
    return frame.with_columns(skills.alias(name))


def extract_skills(text: str | None, technology_slugs: list[str] | None = None) -> list[str]:
    """The skills of one description (the stage's expression on a one-row frame)."""
    frame = pl.DataFrame(
        {"description": [text], "slugs": [technology_slugs or []]},
        schema={"description": pl.String, "slugs": pl.List(pl.String)},
    )
    return list(add_skills(frame, "description", "slugs")["skills"][0])
