"""The match stage: ``lake/clean`` -> ``lake/matches/matches.parquet``.

For each open vacancy, every posting whose composite score reaches the floor, ranked, with each component
kept; ``explain_matches`` words any of them as a one-line explanation. Vectorized in Polars; the title's
fuzzy part runs in rapidfuzz (C++).

The title component depends only on the two titles, so it is computed once per distinct (vacancy title,
posting core) pair, and candidate generation is exact: a pair is left out only when an upper bound of its
title score is below ``title_floor``. Words: per word of the vacancy titles, the block of (titles, cores)
that have it (``_Words.lexical``); a pair sharing that one word has its token_set_ratio exactly, from the
lengths and the Indel distance of the two titles' other tokens (rapidfuzz ``cdist``, SIMD, a whole block at
once), so its lexical score is known; pairs sharing more words are bounded (``lexical_upper_bound``:
token_set_ratio bounded from lengths and characters in common) and compared as strings where the bound
cannot settle them; a pair sharing no word scores at most 40 (``NO_SHARED_WORD_BOUND``). Meaning:
every pair whose cosine can reach the floor (0.775 for 50), a blocked dense product. Occupation: every pair
of the same specific occupation. Only pairs whose title reaches ``title_floor`` are expanded to postings,
in batches of vacancies so memory stays bounded.

Components, each in [0, 100] (weights in ``MatchOptions``; a component that cannot be judged, such as skills
for a vacancy that lists none, is left out and the other weights are rescaled):

- title: ``matcher.match.titles`` (IDF-weighted token overlap and rapidfuzz token_set_ratio on core titles);
- seniority: 100 same level, 25 one level apart, 0 further; 50 when one of them names no level; not judged
  (null, its weight left out) when neither does ("Marketing Manager" and "Product Marketing Manager");
- geography: 100 same city, 85 same region (admin1), 70 same country, 40 a remote posting of no known
  country; a posting in another country (remote within it or not) is another market, no candidate
  (``same_country_only``, the default; else it scores 40 when remote, 0 when not);
- recency: 100 for a posting of the as-of day, falling linearly to 0 at ``recency_days``;
- skills: the share of the vacancy's skills the posting names.

``as_of`` is a cut-off: a posting published (``date_posted``) or discovered (``discovered_at``, UTC day) after
it is no candidate (``MatchSummary.excluded["after as-of"]``). The table records the day it was scored for in
its Parquet metadata (``matcher.as_of``, ``matches_as_of``), so a benchmark of another day can refuse it.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import fuzz, process

from matcher.common import defaults
from matcher.common.errors import NotReadyError
from matcher.lake.layout import TABLES
from matcher.lake.layout import path as lake_path
from matcher.match.titles import DICE_WEIGHT, FUZZ_WEIGHT, STOPWORDS
from matcher.normalize.titles import GENERIC, LEVELS, occupation_text

if TYPE_CHECKING:  # the model's libraries load when titles are embedded, not when the CLI starts
    from matcher.match.semantic import SemanticTitles, TitleVectorCache
    from matcher.match.weights import WordWeights

# paths relative to the lake, from its registry (matcher/lake/layout.py)
CLEAN_POSTINGS = TABLES["clean_postings"].path
CLEAN_VACANCIES = TABLES["clean_vacancies"].path
MATCHES = TABLES["matches"].path
AS_OF_KEY = "matcher.as_of"  # the matches table's Parquet metadata: the as-of day it was scored for
PAIRS_PER_BATCH = 1_000_000  # posting-level pairs per batch (BATCH_THREADS batches in memory at once)
# the seniority component one level apart: below what a same-level posting in another city of the country
# keeps (a level is a different job to pay for; another city is the same job)
ONE_LEVEL_APART = 25.0
LEVEL_POLICIES = ("exact", "adjacent", "any")
LEFT_OUT_SCHEMA = {"scenario_id": pl.String, "vacancy_id": pl.String, "reason": pl.String, "n": pl.Int64}
LEFT_OUT = TABLES["left_out"].path  # per vacancy, matches left out for their level
COMPONENTS = ("title", "seniority", "geography", "recency", "skills")
DEFAULT_WEIGHTS = {"title": 0.45, "seniority": 0.20, "geography": 0.20, "recency": 0.05, "skills": 0.10}
# Flowstate work type name -> the Floqer employment statuses that fit it. Pay is compared as annual
# full-time equivalents, so full- and part-time employment meet; contracts and internships are other markets.
# A name known here decides; else a name that says intern/internship; else the work type's appliesToType.
WORK_TYPE_FITS = {
    "full-time": ("full_time", "part_time"),
    "full time": ("full_time", "part_time"),
    "part-time": ("full_time", "part_time"),
    "part time": ("full_time", "part_time"),
    "fixed-term": ("full_time", "part_time", "contract", "temporary"),
    "contractor": ("contract", "temporary", "freelance"),
    "contract": ("contract", "temporary", "freelance"),
    "intern": ("internship",),
    "internship": ("internship",),
}
INTERNSHIP_FITS = ("internship",)
_INTERN = re.compile(r"\bintern(s|ship|ships)?\b")
# Flowstate appliesToType -> the statuses that fit it: employees are hired full- or part-time, or on
# fixed-term contracts (Floqer's "temporary"); contractors are contract, temporary or freelance work
APPLIES_TO_FITS = {
    "employee": ("full_time", "part_time", "temporary"),
    "contractor": ("contract", "temporary", "freelance"),
}


@dataclass
class MatchOptions:
    floor: float = defaults.MATCH_FLOOR
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    own_companies: tuple[str, ...] = ()  # our names and domains: never a competitor
    include_agencies: bool = defaults.INCLUDE_AGENCIES
    require_work_type: bool = defaults.REQUIRE_WORK_TYPE
    as_of: date | None = None
    recency_days: int = 365
    title_floor: float = (
        defaults.TITLE_FLOOR
    )  # below this title score a posting is not the same job, whatever else agrees
    # unused since candidate generation is exact (issue 15): kept, and checked, for configurations that set it
    block_max_df: float = 0.05
    # the same specific occupation lifts the title to at least this; a different one takes this share off
    same_country_only: bool = True  # a posting in another country (remote there or not) is another market
    # which postings' levels are matches: "exact" (the vacancy's level; a vacancy naming none is mid; a
    # posting naming none is kept), "adjacent" (also one level apart) or "any"; the others are left out and
    # counted per vacancy (``MatchSummary.left_out``, ``matches/left_out.parquet``)
    level_policy: str = defaults.LEVEL_POLICY
    # the meaning of the titles (all-MiniLM-L6-v2 sentence vectors, ``matcher.match.semantic``) as a second
    # reading beside the words: cosine SEMANTIC_FLOOR -> 0, SEMANTIC_FULL -> 100, the higher of the two counts
    semantic: bool = True
    # None: every posting title near enough in meaning to reach title_floor is a candidate (exact); a number
    # caps them at that many nearest per vacancy title (candidate generation is then no longer exact)
    semantic_candidates: int | None = None
    same_occupation_title: float = 70.0
    other_occupation_penalty: float = 0.5  # a share of the title score

    def __post_init__(self) -> None:
        """Refuse weights and floors that would make a score NaN (Polars counts NaN >= floor as a match).

        ``MatchOptions(weights={"title": float("nan")})`` -> ``ConfigError``; so does every weight 0 among
        title, seniority, geography and recency (a vacancy without skills would score 0/0).
        """
        from dataclasses import fields

        from matcher.common.errors import ConfigError

        def finite(value: object) -> bool:
            return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

        problems = [
            f"MatchOptions.{f.name}: got {getattr(self, f.name)!r}, expected a finite number"
            for f in fields(self)
            if isinstance(getattr(self, f.name), float) and not math.isfinite(getattr(self, f.name))
        ]
        weights = self.weights if isinstance(self.weights, dict) else {}
        for name, weight in weights.items():
            if name not in COMPONENTS:
                problems.append(f"MatchOptions.weights: got {name!r}, expected one of {list(COMPONENTS)}")
            elif not finite(weight) or weight < 0:
                problems.append(f"MatchOptions.weights[{name!r}]: got {weight!r}, expected a number >= 0")
        if not any(finite(weights.get(c)) and weights[c] > 0 for c in COMPONENTS[:4]):
            problems.append(
                f"MatchOptions.weights: got {self.weights!r}, expected at least one of "
                f"{', '.join(COMPONENTS[:4])} above 0"
            )
        for name in ("floor", "title_floor"):
            value = getattr(self, name)
            if not (finite(value) and 0 <= value <= 100):
                problems.append(f"MatchOptions.{name}: got {value!r}, expected a score in 0..100")
        if not (finite(self.recency_days) and self.recency_days >= 1):
            problems.append(f"MatchOptions.recency_days: got {self.recency_days!r}, expected >= 1")
        if not (finite(self.block_max_df) and 0 <= self.block_max_df <= 1):
            problems.append(f"MatchOptions.block_max_df: got {self.block_max_df!r}, expected a share in 0..1")
        if problems:
            raise ConfigError(dict.fromkeys(problems))


@dataclass
class MatchSummary:
    vacancies: int = 0
    postings: int = 0
    candidate_pairs: int = 0  # (vacancy, posting) pairs that candidate generation keeps
    core_pairs: int = 0  # distinct (vacancy, core title) pairs whose title score was computed
    compared_pairs: int = 0  # of those, the pairs rapidfuzz compared as strings (the rest: from lengths)
    scored_pairs: int = 0  # (vacancy, posting) pairs above the title floor: every component computed
    matches: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    as_of: date | None = None  # the day the matches were scored for (the cut-off and recency's reference)
    # per vacancy, matches (score >= floor) left out for their level: scenario_id, vacancy_id, reason, n
    left_out: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LEFT_OUT_SCHEMA))
    seconds: float = 0.0
    path: Path | None = None
    mode: str = "full"  # match_lake: "incremental" (only new or changed rows scored) or "full"
    rescored_postings: int = 0  # match_lake: the eligible postings scored by this run (new or changed)
    rescored_vacancies: int = 0  # match_lake: the open vacancies scored against every posting
    timings: dict[str, float] = field(default_factory=dict)  # match_lake: step -> seconds


# the clean postings' columns the stage reads (``match_lake`` reads no others: a fraction of the table)
POSTING_COLUMNS = (
    "posting_id", "company", "company_domain", "is_recruiting_agency", "date_posted", "discovered_at",
    "employment_statuses", "title_clean", "title_core", "seniority", "occupation_code", "title_confidence",
    "country_code", "admin1", "city", "is_remote", "skills",
)  # fmt: skip


def _token_list(column: str) -> pl.Expr:
    """The same tokens as ``matcher.match.titles.tokens``, as a list column."""
    words = pl.col(column).fill_null("").str.to_lowercase().str.split(" ")
    stemmed = words.list.eval(
        pl.when(
            (pl.element().str.len_chars() > 4)
            & pl.element().str.ends_with("s")
            & ~pl.element().str.contains("(ss|us|is)$")
        )
        .then(pl.element().str.slice(0, pl.element().str.len_chars() - 1))
        .otherwise(pl.element())
    )
    return stemmed.list.eval(pl.element().filter((pl.element() != "") & ~pl.element().is_in(list(STOPWORDS))))


def _occupation(frame: pl.DataFrame) -> list[pl.Expr]:
    """``_occ`` (the six-digit SOC code, null when unknown) and ``_occ_conf`` (how sure the coder was; 1.0
    when the table has no ``title_confidence``)."""
    code = (
        pl.col("occupation_code").cast(pl.String).str.slice(0, 7)
        if "occupation_code" in frame.columns
        else pl.lit(None, dtype=pl.String)
    )
    confidence = (
        pl.col("title_confidence").cast(pl.Float64).fill_null(0.0).clip(0.0, 1.0)
        if "title_confidence" in frame.columns
        else pl.lit(1.0)
    )
    return [code.alias("_occ"), pl.when(code.is_not_null()).then(confidence).alias("_occ_conf")]


GENERIC_TITLE = 40.0  # the most a title of one generic word scores against another title
SEMANTIC_FLOOR = 0.60  # cosine at or below which the meaning adds nothing ("data engineer" vs "nurse": 0.22)
SEMANTIC_FULL = 0.95  # from here the meaning says "the same title" ("nursing" vs "nurse manager": 0.96)


def _meaning_text(frame: pl.DataFrame, semantic: bool) -> pl.Expr:
    """``_stext``: what the semantic score compares, the clean title without the levels that do not change
    the job (``occupation_text``: "senior finance manager" -> "finance manager"); "" when not computed."""
    if not semantic or "title_clean" not in frame.columns:
        return pl.lit("").alias("_stext")
    distinct = frame.get_column("title_clean").drop_nulls().unique().to_list()
    mapping = {text: occupation_text(text) for text in distinct}
    return pl.col("title_clean").replace_strict(mapping, default="").fill_null("").alias("_stext")


# Candidate generation is exact: a (vacancy title, core) pair is left out only when an upper bound of its
# title score is below ``title_floor``. Scores are rounded to 2 decimals, so a score reaching the floor comes
# from a value >= floor - 0.005; a pair is kept when its bound reaches floor - SCORE_MARGIN (0.01), which
# also covers float sums taken in another order (1e-12 here).
SCORE_MARGIN = 0.01
# the semantic candidates' cosines come from a float32 matmul, the scores from a float32 dot product per
# pair: they differ by ~1e-6; candidates are taken this much lower
COSINE_MARGIN = 1e-4
# Lexical with no shared word: dice is 0, so the score is FUZZ_WEIGHT x token_set_ratio, at most 40, though
# token_set_ratio of disjoint token sets is not 0 (it compares the sorted strings: "data analyst" vs "date
# analyse" 83). Below a title floor of 40 (less the margin) a pair sharing no word can reach it.
NO_SHARED_WORD_BOUND = FUZZ_WEIGHT * 100
BATCH_THREADS = 2  # batches of vacancy titles scored at once (the machines have two cores)
CORE_PAIRS_PER_BATCH = 32_000_000  # (vacancy title, core) pairs sharing a word looked at per batch
BLOCK_CELLS = 1 << 21  # (vacancy title, core) Indel distances computed at once (``_Words.lexical``)


def semantic_cosine_floor(title_floor: float) -> float:
    """The lowest cosine whose semantic score (SEMANTIC_FLOOR -> 0, SEMANTIC_FULL -> 100) can reach
    ``title_floor``, less the margins for rounding: ``semantic_cosine_floor(50.0)`` -> 0.7749 (0.775 exactly
    less 0.35 x 0.01 / 100 and 1e-4)."""
    span = SEMANTIC_FULL - SEMANTIC_FLOOR
    return SEMANTIC_FLOOR + span * (title_floor - SCORE_MARGIN) / 100 - COSINE_MARGIN


def lexical_upper_bound(
    shared: npt.NDArray[np.float64],
    vacancy_weight: npt.NDArray[np.float64],
    core_weight: npt.NDArray[np.float64],
    capped: npt.NDArray[np.bool_],
    fuzz_upper: npt.NDArray[np.float64] | float = 100.0,
) -> npt.NDArray[np.float64]:
    """The most ``title_lexical`` can be, before rounding, given the weight two titles share and the most
    their token_set_ratio can be (``fuzz_upper``, 100 when unknown; ``token_set_parts`` bounds it from the
    lengths): ``DICE_WEIGHT x dice x 100 + FUZZ_WEIGHT x fuzz_upper``, and GENERIC_TITLE when ``capped``
    (one title is one generic word the other is not).

    ``lexical_upper_bound([1.5], [5.0], [4.0], [False])`` -> [60.0]: dice 1/3 -> 0.6 x 33.3 + 40.
    """
    shared, vw, cw = (np.asarray(x, dtype=np.float64) for x in (shared, vacancy_weight, core_weight))
    total = vw + cw
    dice = np.divide(2 * shared, total, out=np.zeros_like(total), where=total > 0)
    bound = DICE_WEIGHT * dice * 100 + FUZZ_WEIGHT * np.asarray(fuzz_upper, dtype=np.float64)
    return np.where(np.asarray(capped, dtype=bool), np.minimum(bound, GENERIC_TITLE), bound)


_ODD_SPACE = re.compile(r"[^\S ]")  # whitespace other than " ": rapidfuzz would split there too
_TOKEN_UNIT = float(2**20)  # the packed product's unit: shared tokens x 2**20 + their characters


def token_set_parts(
    a_tokens: npt.NDArray[Any],
    a_chars: npt.NDArray[Any],
    b_tokens: npt.NDArray[Any],
    b_chars: npt.NDArray[Any],
    shared_tokens: npt.NDArray[Any],
    shared_chars: npt.NDArray[Any],
    common_chars: npt.NDArray[Any] | None = None,
    indel: npt.NDArray[Any] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """rapidfuzz ``token_set_ratio`` from token counts and character lengths alone, where they decide it:
    (value, NaN where the strings must be compared; upper bound), both as rapidfuzz's float32.

    Inputs per pair: each title's distinct tokens and their characters (without spaces), and those the two
    share; optionally ``common_chars``, the characters the two titles' distinct tokens have in common as
    multisets (sum over characters of the lower count; a bucket of several characters counts as one, which
    only loosens it). token_set_ratio is the best of three ratios: the shared tokens against each side (a
    pure insertion, so its value follows from the lengths) and the two sides' unshared tokens, sorted and
    joined, against each other, which needs an Indel distance: the two lengths less twice their longest
    common subsequence, which is at most the shorter length and at most the characters the two unshared
    parts have in common (``common_chars`` less the shared tokens' characters, plus the spaces they can
    both have). When that bound is no more than the first two, the value is theirs; 100 when one set holds
    the other; 0 when a title is empty. ``indel``: that Indel distance itself (rapidfuzz ``Indel.distance``
    of the two unshared parts, each sorted and joined by spaces), which decides every value.

    >>> value, upper = token_set_parts(*(np.array([x]) for x in (2, 13, 3, 19, 2, 13)))  # data scientist
    >>> float(value[0]), float(upper[0])                                        # / senior data scientist
    (100.0, 100.0)
    """
    na, la, nb, lb, ns, ls = (np.asarray(x, dtype=np.float64) for x in (
        a_tokens, a_chars, b_tokens, b_chars, shared_tokens, shared_chars
    ))  # fmt: skip
    sect = np.where(ns > 0, ls + ns - 1, 0.0)
    only_a, only_b = na - ns, nb - ns
    ab = np.where(only_a > 0, la - ls + only_a - 1, 0.0)
    ba = np.where(only_b > 0, lb - ls + only_b - 1, 0.0)
    joined = (sect != 0).astype(np.float64)
    sect_ab, sect_ba = sect + joined + ab, sect + joined + ba
    lensum = sect_ab + sect_ba
    lcs = np.minimum(ab, ba)
    if common_chars is not None:
        spaces = np.clip(np.minimum(only_a, only_b) - 1, 0.0, None)
        lcs = np.minimum(lcs, np.asarray(common_chars, dtype=np.float64) - ls + spaces)
    distance = ab + ba - 2 * lcs if indel is None else np.asarray(indel, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sides = np.where(lensum > 0, 100 - 100 * distance / lensum, 100.0)
        ratio_ab = np.where(sect > 0, 100 - 100 * (joined + ab) / (sect + sect_ab), 0.0)
        ratio_ba = np.where(sect > 0, 100 - 100 * (joined + ba) / (sect + sect_ba), 0.0)
    known = np.maximum(ratio_ab, ratio_ba)
    empty = (na == 0) | (nb == 0)
    subset = (ns > 0) & ((only_a == 0) | (only_b == 0))
    decided = (sect > 0) & (sides <= known) if indel is None else np.ones_like(known, dtype=bool)
    value = np.where(empty, 0.0, np.where(subset, 100.0, np.where(decided, np.maximum(known, sides), np.nan)))
    upper = np.where(empty, 0.0, np.where(subset, 100.0, np.maximum(known, sides)))
    return value.astype(np.float32).astype(np.float64), upper.astype(np.float32).astype(np.float64)


def title_lexical() -> pl.Expr:
    """``title_lexical`` from ``_shared``, ``_wv``, ``_wc`` (IDF weights), ``_fuzz`` (token_set_ratio) and
    ``_capped`` (one title is one generic word the other is not: "engineer" is a subset of every title with
    it, token_set_ratio says 100, so it scores at most GENERIC_TITLE)."""
    total = pl.col("_wv") + pl.col("_wc")
    dice = pl.when(total > 0).then(2 * pl.col("_shared") / total).otherwise(0.0)
    lexical = (DICE_WEIGHT * dice * 100 + FUZZ_WEIGHT * pl.col("_fuzz")).round(2)
    return (
        pl.when(pl.col("_capped"))
        .then(pl.min_horizontal(lexical, pl.lit(GENERIC_TITLE)))
        .otherwise(lexical)
        .alias("title_lexical")
    )


@dataclass
class _Meaning:
    """Semantic scores of (vacancy title, core) pairs and every pair close enough in meaning to reach the
    title floor, computed per distinct text."""

    vacancy_text: npt.NDArray[np.int64] | None = None  # _k -> vacancy text index (-1: none)
    core_text: npt.NDArray[np.int64] | None = None  # _c -> posting text index (-1: none)
    titles: SemanticTitles | None = None
    near: pl.DataFrame | None = None  # (_k, _c) pairs whose meaning alone can reach the title floor

    @classmethod
    def build(
        cls,
        keys: pl.DataFrame,
        cores: pl.DataFrame,
        options: MatchOptions,
        cache: TitleVectorCache | None,
    ) -> _Meaning:
        if not options.semantic:
            return cls()
        v_texts = sorted({t for t in keys["_stext"].to_list() if t})
        c_texts = sorted({t for t in cores["_stext"].to_list() if t})
        if not v_texts or not c_texts:
            return cls()
        from matcher.match.semantic import SemanticTitles

        titles = SemanticTitles.build(v_texts, c_texts, cache=cache)
        v_index = {t: i for i, t in enumerate(v_texts)}
        c_index = {t: i for i, t in enumerate(c_texts)}
        vacancy_text = np.array([v_index.get(t, -1) for t in keys["_stext"].to_list()], dtype=np.int64)
        core_text = np.array([c_index.get(t, -1) for t in cores["_stext"].to_list()], dtype=np.int64)
        # every pair of texts whose cosine can reach the floor (all of them: no top-k unless asked), mapped
        # back to every vacancy title and core carrying those texts
        vi, ci = titles.pairs_at_least(
            semantic_cosine_floor(options.title_floor), k=options.semantic_candidates
        )
        near = (
            pl.DataFrame({"_vt": vacancy_text})
            .with_row_index("_k")
            .join(pl.DataFrame({"_vt": vi, "_ct": ci}), on="_vt")
            .join(pl.DataFrame({"_ct": core_text}).with_row_index("_c"), on="_ct")
            .select("_k", "_c")
        )
        return cls(vacancy_text, core_text, titles, near)

    def candidates(self, start: int, stop: int) -> pl.DataFrame:
        """The (``_k``, ``_c``) pairs near in meaning for vacancy titles ``start`` <= _k < ``stop``."""
        if self.near is None:
            return pl.DataFrame(schema={"_k": pl.UInt32, "_c": pl.UInt32})
        return self.near.filter(pl.col("_k").is_between(start, stop - 1))

    def scores(self, pairs: pl.DataFrame) -> pl.Series:
        """The semantic score of each (``_k``, ``_c``) pair, mapped to [0, 100]; null when not computed."""
        if self.titles is None or self.vacancy_text is None or self.core_text is None or not pairs.height:
            return pl.Series("title_semantic", [None] * pairs.height, dtype=pl.Float64)
        vi = self.vacancy_text[pairs["_k"].to_numpy()]
        ci = self.core_text[pairs["_c"].to_numpy()]
        known = (vi >= 0) & (ci >= 0)
        cosine = np.zeros(len(vi), dtype=np.float64)
        cosine[known] = self.titles.pair_scores(vi[known], ci[known]) / 100
        mapped = np.clip((cosine - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR), 0.0, 1.0) * 100
        return pl.Series("title_semantic", np.round(mapped, 2)).set(pl.Series(~known), None)


@dataclass
class _Words:
    """The IDF-weighted words of the distinct vacancy titles (``_k``) and posting cores (``_c``) as sparse
    matrices, so that ``weights @ cores`` is the weight every (vacancy title, core) pair shares at once.

    IDF from document frequency over postings: ``log((n + 1) / (df + 1)) + 1``; a vacancy word no posting has
    weighs as the rarest, ``log(n + 1) + 1`` (it adds to the vacancy's total, never to what is shared).
    """

    weights: Any  # scipy CSR (_k x word): the IDF weight of each vacancy title's words seen in postings
    cores: Any  # scipy CSR (word x _c): 1 where the core has the word
    vacancy_weight: npt.NDArray[np.float64]  # _k -> total weight of its words
    core_weight: npt.NDArray[np.float64]  # _c -> total weight of its words
    vacancy_generic: npt.NDArray[np.int64]  # _k -> 0, or 1 + the index of its one generic word
    core_generic: npt.NDArray[np.int64]
    reach: npt.NDArray[np.int64]  # _k -> (core, word) pairs its words meet: the sparse product's work
    # for token_set_ratio from lengths (``token_set_parts``): per title its distinct tokens and characters;
    # the product's imaginary part is the shared tokens x 2**20 + their characters; odd: a title with
    # whitespace other than " " (rapidfuzz splits it otherwise), always compared as strings
    vacancy_tokens: npt.NDArray[np.float64]
    vacancy_chars: npt.NDArray[np.float64]
    core_tokens: npt.NDArray[np.float64]
    core_chars: npt.NDArray[np.float64]
    vacancy_odd: npt.NDArray[np.bool_]
    core_odd: npt.NDArray[np.bool_]
    vacancy_letters: npt.NDArray[np.uint8]  # _k x CHAR_BUCKETS: its distinct tokens' characters, counted
    core_letters: npt.NDArray[np.uint8]
    # per word (``_t``) of the vacancy titles: the titles and cores that have it (ordered by _k, _c; from
    # ``*_start[t]`` to ``*_start[t + 1]``), each with its other distinct tokens sorted and joined (what
    # token_set_ratio compares when that word is the one the two share)
    group_k: npt.NDArray[np.int64]
    group_k_rest: npt.NDArray[Any]
    group_k_start: npt.NDArray[np.int64]
    group_c: npt.NDArray[np.int64]
    group_c_rest: npt.NDArray[Any]
    group_c_start: npt.NDArray[np.int64]
    word_weight: npt.NDArray[np.float64]  # _t -> its IDF weight
    word_chars: npt.NDArray[np.float64]  # _t -> its characters
    cores_by_column: Any  # ``cores`` as scipy CSC (its columns, the cores, sliced at once)
    cores_by_core: Any  # ``cores`` transposed, scipy CSR (_c x word)

    @classmethod
    def build(
        cls, keys: pl.DataFrame, cores: pl.DataFrame, postings: int, frozen: WordWeights | None = None
    ) -> _Words:
        """``frozen``: document frequencies kept from an earlier corpus (``WordWeights``) instead of the
        ``postings`` the cores count; a word they lack weighs as the rarest (df 0)."""
        import scipy.sparse as sp  # type: ignore[import-untyped]

        c_tok = (
            cores.select("_c", "_n", pl.col("_text").str.split(" ").alias("token"))
            .explode("token")
            .filter(pl.col("token") != "")
            .unique(["_c", "token"])
        )
        words = c_tok.group_by("token").agg(pl.col("_n").sum().alias("_df"), pl.len().alias("_cores"))
        if frozen is not None:
            postings = frozen.postings
            words = (
                words.drop("_df")
                .join(frozen.frequencies.select("token", pl.col("df").alias("_df")), on="token", how="left")
                .with_columns(pl.col("_df").fill_null(0))
            )
        words = (
            words.sort("token")
            .with_row_index("_t")
            .with_columns(((pl.lit(postings + 1) / (pl.col("_df") + 1)).log() + 1.0).alias("w"))
        )
        unseen = math.log(postings + 1) + 1.0
        c_tok = c_tok.join(words.select("token", "_t", "w"), on="token")
        v_tok = (
            keys.select("_k", pl.col("_text").str.split(" ").alias("token"))
            .explode("token")
            .filter(pl.col("token") != "")
            .unique(["_k", "token"])
            .join(words.select("token", "_t", "w", "_cores"), on="token", how="left")
        )
        if frozen is not None:  # a vacancy word none of these cores has still weighs what the corpus says
            v_tok = (
                v_tok.join(
                    frozen.frequencies.select("token", pl.col("df").alias("_df")), on="token", how="left"
                )
                .with_columns(pl.col("w").fill_null((pl.lit(postings + 1) / (pl.col("_df") + 1)).log() + 1.0))
                .drop("_df")
            )
        nk, nc, nt = keys.height, cores.height, words.height
        # the words of the vacancy titles seen in postings: the groups of ``lexical``, listed per core in
        # Python on a thread of their own while the rest is built (numpy, scipy and Polars release the GIL)
        seen_words = v_tok.filter(pl.col("_t").is_not_null()).unique("token")
        index = dict(zip(seen_words["token"].to_list(), seen_words["_t"].to_list(), strict=True))
        background = ThreadPoolExecutor(max_workers=1)
        core_groups = background.submit(_groups, cores["_text"].to_list(), index, nt)
        background.shutdown(wait=False)
        seen = v_tok.filter(pl.col("_t").is_not_null()).with_columns(
            (pl.col("token").str.len_chars().cast(pl.Float64) + _TOKEN_UNIT).alias("_packed")
        )
        # real part: the IDF weight; imaginary: one token unit + its characters (exact integers in float64)
        weights = sp.csr_matrix(
            (
                seen["w"].to_numpy() + 1j * seen["_packed"].to_numpy(),
                (seen["_k"].to_numpy(), seen["_t"].to_numpy()),
            ),
            shape=(nk, nt),
        )
        indicator = sp.csr_matrix(
            (np.ones(c_tok.height), (c_tok["_t"].to_numpy(), c_tok["_c"].to_numpy())), shape=(nt, nc)
        )

        def per(frame: pl.DataFrame, key: str, size: int, value: pl.Expr) -> npt.NDArray[Any]:
            out = np.zeros(size, dtype=np.float64)
            sums = frame.group_by(key).agg(value.sum().alias("_s"))
            out[sums[key].to_numpy()] = sums["_s"].to_numpy()
            return out

        generic = {word: i + 1 for i, word in enumerate(sorted(GENERIC))}
        chars = pl.col("token").str.len_chars()

        vacancy_letters, core_letters = _letters(v_tok, "_k", nk), _letters(c_tok, "_c", nc)

        def odd(texts: list[str]) -> npt.NDArray[np.bool_]:
            return np.array([_ODD_SPACE.search(t) is not None for t in texts], dtype=bool)

        group_k, group_k_rest, group_k_start = _groups(keys["_text"].to_list(), index, nt)
        word_weight = np.zeros(nt)
        word_weight[words["_t"].to_numpy()] = words["w"].to_numpy()
        word_chars = np.zeros(nt)
        word_chars[words["_t"].to_numpy()] = words["token"].str.len_chars().to_numpy()

        built: dict[str, Any] = {
            "weights": weights,
            "cores": indicator,
            "vacancy_weight": per(v_tok, "_k", nk, pl.col("w").fill_null(unseen)),
            "core_weight": per(c_tok, "_c", nc, pl.col("w")),
            "vacancy_generic": np.array([generic.get(t, 0) for t in keys["_text"].to_list()], dtype=np.int64),
            "core_generic": np.array([generic.get(t, 0) for t in cores["_text"].to_list()], dtype=np.int64),
            "reach": per(v_tok, "_k", nk, pl.col("_cores").fill_null(0)).astype(np.int64),
            "vacancy_tokens": per(v_tok, "_k", nk, pl.col("token").is_not_null()),
            "vacancy_chars": per(v_tok, "_k", nk, chars),
            "core_tokens": per(c_tok, "_c", nc, pl.col("token").is_not_null()),
            "core_chars": per(c_tok, "_c", nc, chars),
            "vacancy_odd": odd(keys["_text"].to_list()) | (vacancy_letters == 255).any(axis=1),
            "core_odd": odd(cores["_text"].to_list()) | (core_letters == 255).any(axis=1),
            "vacancy_letters": vacancy_letters,
            "core_letters": core_letters,
            "group_k": group_k,
            "group_k_rest": group_k_rest,
            "group_k_start": group_k_start,
            "word_weight": word_weight,
            "word_chars": word_chars,
            "cores_by_column": indicator.tocsc(),
            "cores_by_core": indicator.T.tocsr(),
        }
        group_c, group_c_rest, group_c_start = core_groups.result()
        return cls(
            **built,
            group_c=group_c,
            group_c_rest=group_c_rest,
            group_c_start=group_c_start,
        )

    def pair_shared(self, k: npt.NDArray[np.int64], c: npt.NDArray[np.int64]) -> tuple[Any, Any]:
        """(shared weight, shared tokens x 2**20 + their characters) of given (_k, _c) pairs."""
        if not len(k):
            return np.zeros(0), np.zeros(0)
        both = self.weights[k].multiply(self.cores_by_core[c])
        total = np.asarray(both.sum(axis=1)).ravel()
        return total.real.copy(), total.imag.copy()

    def lexical(
        self, start: int, stop: int, reach_floor: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Any, Any, npt.NDArray[np.float64], int]:
        """Every pair of vacancy titles ``start`` <= _k < ``stop`` and cores sharing a word whose lexical
        score can reach ``reach_floor``: (_k, _c, shared weight, packed shared tokens and characters,
        token_set_ratio or NaN where the strings must still be compared, pairs looked at).

        Per word, the titles and the cores that have it (``_group``), on BATCH_THREADS threads.
        """
        words = np.unique(self.weights[start:stop].indices).tolist()
        with ThreadPoolExecutor(max_workers=BATCH_THREADS) as pool:
            done = list(pool.map(lambda word: self._group(word, start, stop, reach_floor), words))
        single = [part for parts, _, _ in done for part in parts]
        general = [part for _, parts, _ in done for part in parts]
        return (*self._gather(single, general, reach_floor), sum(n for _, _, n in done))

    def _group(
        self, t: int, start: int, stop: int, reach_floor: float
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
        """The pairs of vacancy titles ``start`` <= _k < ``stop`` and cores that both have word ``t``: (those
        sharing that word only that can reach ``reach_floor``, as (_k, _c, Indel distance, t); the others,
        as (_k, _c, shared weight, packed); pairs looked at).

        For a pair sharing one word, token_set_ratio follows exactly from the lengths and the Indel distance
        of the two titles' other tokens, sorted and joined, which rapidfuzz ``cdist`` computes for the whole
        block at once (SIMD, the cores as queries); pairs sharing more words, and titles rapidfuzz would
        split elsewhere, are handed on to be bounded (``fuzz``) and compared as strings where needed.
        """
        from rapidfuzz.distance import Indel

        k_lo, k_hi = self.group_k_start[t], self.group_k_start[t + 1]
        at = k_lo + np.searchsorted(self.group_k[k_lo:k_hi], [start, stop])
        ks, k_rest = self.group_k[at[0] : at[1]], self.group_k_rest[at[0] : at[1]]
        c_lo, c_hi = self.group_c_start[t], self.group_c_start[t + 1]
        cs, c_rest = self.group_c[c_lo:c_hi], self.group_c_rest[c_lo:c_hi]
        if not len(ks) or not len(cs):
            return [], [], 0
        single: list[tuple[Any, ...]] = []
        general: list[tuple[Any, ...]] = []
        # the pairs sharing another word besides t: the product of the titles' other words and the cores
        others = self.weights[ks].tocsr(copy=True)
        others.data[others.indices == t] = 0
        others.eliminate_zeros()
        more = (others @ self.cores_by_column[:, cs]).tocoo()
        w, unit = self.word_weight[t], _TOKEN_UNIT + self.word_chars[t]
        general.append((ks[more.row], cs[more.col], w + more.data.real, unit + more.data.imag))
        odd_k, odd_c = self.vacancy_odd[ks], self.core_odd[cs]
        if odd_k.any() or odd_c.any():
            rows, cols = np.nonzero(odd_k[:, None] | odd_c[None, :])
            general.append((ks[rows], cs[cols], *self.pair_shared(ks[rows], cs[cols])))
        # the one-shared-word pairs: lengths per side, the Indel distance per pair
        chars = self.word_chars[t]
        a_n, b_n = self.vacancy_tokens[ks] - 1, self.core_tokens[cs] - 1
        ab = np.where(a_n > 0, self.vacancy_chars[ks] - chars + a_n - 1, 0.0)
        ba = np.where(b_n > 0, self.core_chars[cs] - chars + b_n - 1, 0.0)
        sect_ab, sect_ba = chars + 1 + ab, chars + 1 + ba
        ratio_ab = 100 - 100 * (1 + ab) / (chars + sect_ab)
        ratio_ba = 100 - 100 * (1 + ba) / (chars + sect_ba)
        # float32 for the screen, a margin for its rounding; the kept pairs' values are exact (``_gather``);
        # arrays are (core, title): the cores are cdist's queries
        a32 = np.where(a_n > 0, ratio_ab, np.inf).astype(np.float32)[None, :]
        b32 = np.where(b_n > 0, ratio_ba, np.inf).astype(np.float32)[:, None]
        lens = sect_ab.astype(np.float32)[None, :] + sect_ba.astype(np.float32)[:, None]
        dice = np.float32(2 * w * DICE_WEIGHT * 100) / (
            self.vacancy_weight[ks].astype(np.float32)[None, :]
            + self.core_weight[cs].astype(np.float32)[:, None]
        )
        generic_k, generic_c = self.vacancy_generic[ks], self.core_generic[cs]
        capped = None
        if generic_k.any() or generic_c.any():
            capped = generic_k[None, :] != generic_c[:, None]
        skip_c, skip_k = odd_c, odd_k
        floor = np.float32(reach_floor - 1e-3)
        step = max(1, BLOCK_CELLS // len(ks))
        for lo in range(0, len(cs), step):
            hi = min(lo + step, len(cs))
            distance = process.cdist(c_rest[lo:hi], k_rest, scorer=Indel.distance, dtype=np.int32, workers=1)
            sides = np.float32(100) - np.float32(100) * distance.astype(np.float32) / lens[lo:hi]
            ratio = np.minimum(np.maximum(np.maximum(a32, b32[lo:hi]), sides), np.float32(100))
            score = dice[lo:hi] + np.float32(FUZZ_WEIGHT) * ratio
            if capped is not None:
                score = np.where(capped[lo:hi], np.minimum(score, np.float32(GENERIC_TITLE)), score)
            # the pairs handed on: sharing another word, or an odd title
            inside = (more.col >= lo) & (more.col < hi)
            score[more.col[inside] - lo, more.row[inside]] = -1
            score[skip_c[lo:hi], :] = -1
            score[:, skip_k] = -1
            cols, rows = np.nonzero(score >= floor)
            single.append((ks[rows], cs[cols + lo], distance[cols, rows], np.full(len(rows), t)))
        return single, general, len(ks) * len(cs)

    def _gather(
        self, single: list[tuple[Any, ...]], general: list[tuple[Any, ...]], reach_floor: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Any, Any, npt.NDArray[np.float64]]:
        """The kept pairs of ``lexical``: the one-word pairs with their exact
        token_set_ratio, the others bounded (``fuzz``: NaN where rapidfuzz must compare them)."""
        n_cores = len(self.core_weight)

        def cat(parts: list[tuple[Any, ...]], at: int, dtype: Any) -> Any:
            return np.concatenate([p[at] for p in parts]).astype(dtype) if parts else np.zeros(0, dtype)

        gk, gc, g_shared, g_packed = (
            cat(general, i, d) for i, d in enumerate((np.int64,) * 2 + (np.float64,) * 2)
        )
        _, first = np.unique(gk * n_cores + gc, return_index=True)
        gk, gc, g_shared, g_packed = gk[first], gc[first], g_shared[first], g_packed[first]
        hopeful = np.flatnonzero(
            lexical_upper_bound(g_shared, self.vacancy_weight[gk], self.core_weight[gc], self.capped(gk, gc))
            >= reach_floor
        )
        gk, gc, g_shared, g_packed = gk[hopeful], gc[hopeful], g_shared[hopeful], g_packed[hopeful]
        g_value, g_upper = self.fuzz(gk, gc, g_packed)
        bound = lexical_upper_bound(
            g_shared, self.vacancy_weight[gk], self.core_weight[gc], self.capped(gk, gc), g_upper
        )
        kept = bound >= reach_floor
        gk, gc, g_shared, g_packed, g_value = (
            gk[kept],
            gc[kept],
            g_shared[kept],
            g_packed[kept],
            g_value[kept],
        )

        sk, sc, distance, word = (cat(single, i, np.int64) for i in range(4))
        chars = self.word_chars[word]
        s_value, _ = token_set_parts(
            self.vacancy_tokens[sk],
            self.vacancy_chars[sk],
            self.core_tokens[sc],
            self.core_chars[sc],
            np.ones(len(sk)),
            chars,
            indel=distance,
        )
        s_shared = self.word_weight[word]
        kept = (
            lexical_upper_bound(
                s_shared, self.vacancy_weight[sk], self.core_weight[sc], self.capped(sk, sc), s_value
            )
            >= reach_floor
        )
        return (
            np.concatenate([sk[kept], gk]),
            np.concatenate([sc[kept], gc]),
            np.concatenate([s_shared[kept], g_shared]),
            np.concatenate([_TOKEN_UNIT + chars[kept], g_packed]),
            np.concatenate([s_value[kept], g_value]),
        )

    def shared(self, start: int, stop: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Any, Any]:
        """Every pair of vacancy titles ``start`` <= _k < ``stop`` and cores sharing a word: (_k, _c, shared
        weight, shared tokens x 2**20 + their characters), ordered by _k then _c."""
        product = (self.weights[start:stop] @ self.cores).tocsr()
        product.sum_duplicates()
        product.sort_indices()
        rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(product.indptr))
        return rows, product.indices.astype(np.int64), product.data.real.copy(), product.data.imag.copy()

    def fuzz(
        self,
        k: npt.NDArray[np.int64],
        c: npt.NDArray[np.int64],
        packed: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``token_set_parts`` of (_k, _c) pairs given their packed shared tokens: (value or NaN, upper
        bound); a pair with an odd title is NaN and 100."""
        tokens = np.floor(packed / _TOKEN_UNIT)
        common = np.zeros(len(k), dtype=np.float64)
        for at in range(0, len(k), 1 << 18):  # 256k pairs x 37 buckets at once
            part = slice(at, at + (1 << 18))
            both = np.minimum(self.vacancy_letters[k[part]], self.core_letters[c[part]])
            common[part] = both.sum(axis=1, dtype=np.int32)
        value, upper = token_set_parts(
            self.vacancy_tokens[k],
            self.vacancy_chars[k],
            self.core_tokens[c],
            self.core_chars[c],
            tokens,
            packed - tokens * _TOKEN_UNIT,
            common,
        )
        odd = self.vacancy_odd[k] | self.core_odd[c]
        value[odd], upper[odd] = np.nan, 100.0
        return value, upper

    def capped(self, k: npt.NDArray[np.int64], c: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """One of the two titles is one generic word and the other is not the same word."""
        capped: npt.NDArray[np.bool_] = self.vacancy_generic[k] != self.core_generic[c]
        return capped


CHAR_BUCKETS = 37  # a-z, 0-9, and one bucket for every other character


def _groups(
    texts: list[str], index: dict[str, int], words: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Per word of ``index`` (word -> ``_t``), the titles (positions in ``texts``) that have it, each with its
    other distinct tokens sorted and joined by spaces (as token_set_ratio joins them): (titles, their other
    tokens, start offsets per word), ordered by word, then title.

    ``_groups(["b a", "a"], {"a": 0}, 1)`` -> ([0, 1], ["b", ""], [0, 2]).
    """
    owners: list[int] = []
    word_of: list[int] = []
    rests: list[str] = []
    for at, text in enumerate(texts):
        distinct = sorted({token for token in text.split(" ") if token})
        for position, token in enumerate(distinct):
            word = index.get(token)
            if word is not None:
                owners.append(at)
                word_of.append(word)
                rests.append(" ".join(distinct[:position] + distinct[position + 1 :]))
    word_ids = np.array(word_of, dtype=np.int64)
    order = np.argsort(word_ids, kind="stable")
    start = np.zeros(words + 1, dtype=np.int64)
    np.cumsum(np.bincount(word_ids, minlength=words), out=start[1:])
    rest = np.empty(len(rests), dtype=object)
    rest[:] = rests
    return np.array(owners, dtype=np.int64)[order], rest[order], start


def _letters(tokens: pl.DataFrame, key: str, size: int) -> npt.NDArray[np.uint8]:
    """``size`` x CHAR_BUCKETS: per title (``key``), the characters of its distinct tokens (``token``)
    counted per bucket (a-z, 0-9, the rest together), at most 255 (a title with more of one is odd: its
    pairs are always compared as strings)."""
    text = "".join(tokens["token"].to_list())
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    lookup = np.full(128, CHAR_BUCKETS - 1, dtype=np.int64)
    lookup[ord("a") : ord("z") + 1] = np.arange(26)
    lookup[ord("0") : ord("9") + 1] = np.arange(26, 36)
    bucket = np.where(points < 128, lookup[np.minimum(points, 127)], CHAR_BUCKETS - 1)
    owner = np.repeat(tokens[key].to_numpy().astype(np.int64), tokens["token"].str.len_chars().to_numpy())
    counts = np.bincount(owner * CHAR_BUCKETS + bucket, minlength=size * CHAR_BUCKETS)
    return np.minimum(counts, 255).astype(np.uint8).reshape(size, CHAR_BUCKETS)


def _occupation_column(frame: pl.DataFrame) -> pl.Expr:
    if "occupation_code" in frame.columns:
        return pl.col("occupation_code").cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def occupation_fit(options: MatchOptions) -> list[pl.Expr]:
    """The title component from the words (``title_lexical``), the meaning (``title_semantic``, when computed:
    the higher of the two counts) and the two occupations.

    - ``same``: the same specific six-digit SOC occupation: at least ``options.same_occupation_title`` times
      the lower of the two coders' confidences ("Assembler" and "Assembly Line Worker" share no word but are
      one job);
    - ``different``: both coded, different occupations: the lexical score less ``options.
      other_occupation_penalty`` of it (a share), times the lower of the two coders' confidences, half of
      that inside one SOC broad group (the first five digits: software developers and software testers);
      "Registered Veterinary Nurse" is not a registered nurse however many words they share;
    - ``unknown``: either has no occupation, or both have the same "All Other" residual (code ending in 9):
      the lexical score alone.
    """
    v, p = pl.col("_vocc"), pl.col("_pocc")
    known = v.is_not_null() & p.is_not_null()
    same = known & (v == p)
    fit = (
        pl.when(same & ~v.str.ends_with("9"))
        .then(pl.lit("same"))
        .when(known & (v != p))
        .then(pl.lit("different"))
        .otherwise(pl.lit("unknown"))
    )
    confidence = pl.min_horizontal(pl.col("_vocc_conf").fill_null(0.0), pl.col("_pocc_conf").fill_null(0.0))
    broad = v.str.slice(0, 6) == p.str.slice(0, 6)
    share = options.other_occupation_penalty * confidence * pl.when(broad).then(0.5).otherwise(1.0)
    lexical = pl.max_horizontal(pl.col("title_lexical"), pl.col("title_semantic").fill_null(0.0))
    title = (
        pl.when(fit == "same")
        .then(pl.max_horizontal(lexical, options.same_occupation_title * confidence))
        .when(fit == "different")
        .then(lexical * (1.0 - share))
        .otherwise(lexical)
        .round(2)
    )
    return [fit.alias("occupation_fit"), title.alias("title")]


def posted_after(as_of: date) -> pl.Expr:
    """Postings published or discovered after ``as_of`` (the UTC day of ``discovered_at``): not yet in the
    market of that day. Null when neither date says so and one is unknown; needs both columns."""
    return (pl.col("date_posted") > as_of) | (pl.col("discovered_at").dt.date() > as_of)


def _eligible_postings(
    postings: pl.DataFrame, options: MatchOptions, summary: MatchSummary, as_of: date
) -> pl.DataFrame:
    own = [name.lower() for name in options.own_companies]
    named = pl.col("company").str.to_lowercase().is_in(own) | pl.col(
        "company_domain"
    ).str.to_lowercase().is_in(own)
    is_own = (named if own else pl.lit(False)).fill_null(False)  # no names: no lowercasing of every company
    agency = pl.col("is_recruiting_agency").fill_null(False) & (not options.include_agencies)
    no_title = pl.col("title_core").is_null()
    if "discovered_at" not in postings.columns:
        postings = postings.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("discovered_at"))
    after = posted_after(as_of).fill_null(False)
    flags = postings.select(
        after.alias("after as-of"), is_own.alias("own company"), agency.alias("recruiting agency"),
        no_title.alias("no title"),
    )  # fmt: skip
    summary.excluded = {name: int(flags[name].sum()) for name in flags.columns}
    return postings.filter(~flags.select(pl.any_horizontal(pl.all())).to_series())


def _applies_to(vacancies: pl.DataFrame) -> pl.Expr:
    """The work type's ``appliesToType`` (null when the clean table predates it)."""
    if "work_type_applies_to" in vacancies.columns:
        return pl.col("work_type_applies_to").cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def _codes(*columns: pl.Series) -> dict[str, int]:
    """One integer code per distinct string across ``columns`` (cheap equality tests on millions of pairs)."""
    values = pl.concat([c.cast(pl.String).drop_nulls() for c in columns]).unique().sort()
    return {v: i for i, v in enumerate(values.to_list())}


@dataclass(frozen=True)
class PostingCorpus:
    """What the title score takes from the whole posting set: the eligible postings and, per word of their
    core titles, how many of them have it (the IDF in ``_Words``), so a part of the set scores as the whole.

    ``PostingCorpus.combine([PostingCorpus.of(part, options, as_of) for part in parts])`` equals
    ``PostingCorpus.of(whole, options, as_of)`` (``document_frequency`` in token order).
    """

    postings: int  # eligible postings (``_eligible_postings``)
    document_frequency: pl.DataFrame  # token (String), _df (Int64): eligible postings whose core has it
    meaning_texts: tuple[str, ...] = ()  # the distinct texts the semantic score embeds, sorted

    @classmethod
    def of(cls, postings: pl.DataFrame, options: MatchOptions, as_of: date) -> PostingCorpus:
        from matcher.match.weights import WordWeights  # the one count of words over postings

        post = _eligible_postings(postings, options, MatchSummary(), as_of)
        counted = WordWeights.from_postings(post).frequencies
        df = counted.select("token", pl.col("df").cast(pl.Int64).alias("_df"))
        texts = post.select(_meaning_text(post, options.semantic)).get_column("_stext").unique().sort()
        return cls(post.height, df, tuple(t for t in texts.to_list() if t))

    def word_weights(self) -> WordWeights:
        """The corpus's document frequencies as the title score's word weights (``matcher.match.weights``)."""
        from matcher.match.weights import WordWeights

        frequencies = self.document_frequency.select("token", pl.col("_df").cast(pl.UInt32).alias("df"))
        return WordWeights(postings=self.postings, frequencies=frequencies, refreshed=True)

    @classmethod
    def combine(cls, parts: list[PostingCorpus]) -> PostingCorpus:
        frames = [p.document_frequency for p in parts]
        df = (
            pl.concat(frames).group_by("token").agg(pl.col("_df").sum()).sort("token")
            if frames
            else pl.DataFrame(schema={"token": pl.String, "_df": pl.Int64})
        )
        texts = sorted({t for p in parts for t in p.meaning_texts})
        return cls(sum(p.postings for p in parts), df, tuple(texts))


def vacancy_meaning_texts(vacancies: pl.DataFrame, options: MatchOptions) -> list[str]:
    """The distinct texts of the open vacancies' titles the semantic score embeds, sorted, as
    ``match_frames`` embeds them (before the posting texts: ``PostingCorpus.meaning_texts``)."""
    vac = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null())
    texts = vac.select(_meaning_text(vac, options.semantic)).get_column("_stext").to_list()
    return sorted({t for t in texts if t})


def match_frames(
    vacancies: pl.DataFrame,
    postings: pl.DataFrame,
    options: MatchOptions | None = None,
    *,
    vector_cache: TitleVectorCache | None = None,
    sink: Callable[[pl.DataFrame], None] | None = None,
    word_weights: WordWeights | None = None,
) -> tuple[pl.DataFrame, MatchSummary]:
    """Score and rank ``postings`` (clean) for each open vacancy in ``vacancies`` (clean).

    ``word_weights``: the title words' document frequencies to score with (``matcher.match.weights``: the
    lake's, ``lake_word_weights``); None: computed from ``postings`` (after the filters), as before issue 16.

    The matches come out in batches of whole vacancies, in (scenario_id, vacancy_id, rank) order: returned as
    one frame, or, with ``sink``, handed to it batch by batch (the frame returned is then empty), so the
    matches held in memory at once are one batch's, however many there are.

    The title component depends only on the two core titles, so it is computed once per distinct pair of
    cores (a few thousand, not millions); only core pairs reaching ``title_floor`` are expanded to postings,
    where the other components are computed on integer-coded columns.
    """
    options = options or MatchOptions()
    as_of = options.as_of or date.today()

    summary = MatchSummary(as_of=as_of)
    vac = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null())
    post = _eligible_postings(postings, options, summary, as_of)
    summary.vacancies, summary.postings = vac.height, post.height
    if not vac.height or not post.height:
        return pl.DataFrame(schema=MATCH_SCHEMA), summary
    vac = (
        vac.sort("scenario_id", "vacancy_id")
        .with_row_index("_v")
        .with_columns(
            _token_list("title_core").list.join(" ").alias("_text"),
            *_occupation(vac),
            _meaning_text(vac, options.semantic),
        )
    )
    post = post.with_row_index("_p")

    # distinct posting cores (a core title with its occupation and, for the semantic score, the title it
    # means) and distinct vacancy titles (the same three, with the coder's confidence): the title score
    # depends on nothing else, so it is computed once per (vacancy title, core) pair. The postings are
    # grouped once by the columns the three come from, the three computed per group
    keys = ["_text", "_occ", "_stext"]
    by = ["title_core", *(c for c in ("occupation_code", "title_clean") if c in post.columns)]
    code, confidence = _occupation(post)
    combos = post.group_by(by).agg(pl.col("_p"), confidence.max())
    cores = (
        combos.with_columns(
            _token_list("title_core").list.join(" ").alias("_text"),
            code,
            _meaning_text(combos, options.semantic),
        )
        .group_by(keys)
        .agg(pl.col("_p").explode(), pl.col("_occ_conf").max())
        .with_columns(pl.col("_p").list.len().alias("_n"))
        .sort(keys, nulls_last=True)
        .with_row_index("_c")
    )
    members = cores.select("_c", "_p").explode("_p")
    core_of = np.zeros(post.height, dtype=np.uint32)
    core_of[members["_p"].to_numpy()] = members["_c"].to_numpy()
    cores = cores.drop("_p")
    post = post.with_columns(pl.Series("_c", core_of))
    v_keys = [*keys, "_occ_conf"]
    titles = (
        vac.group_by(v_keys).agg(pl.len().alias("_nv")).sort(v_keys, nulls_last=True).with_row_index("_k")
    )
    vac = vac.join(titles.select(*v_keys, "_k"), on=v_keys, how="left", nulls_equal=True).sort("_v")
    meaning = _Meaning.build(titles, cores, options, vector_cache)
    words = _Words.build(titles, cores, post.height, word_weights)

    # candidate generation, exact: per (vacancy title, core) pair, kept unless its title score cannot reach
    # title_floor (see SCORE_MARGIN): the pairs sharing words whose lexical upper bound reaches it (all of
    # them, from one sparse product per batch), every pair near enough in meaning, the same specific
    # occupation (its title is lifted); below a floor of NO_SHARED_WORD_BOUND every pair
    reach_floor = options.title_floor - SCORE_MARGIN
    every_pair = reach_floor <= NO_SHARED_WORD_BOUND
    v_texts = np.array(titles["_text"].to_list(), dtype=object)
    c_texts = np.array(cores["_text"].to_list(), dtype=object)
    c_sizes = cores.select("_c", "_n", pl.col("_occ").alias("_pocc"), pl.col("_occ_conf").alias("_pocc_conf"))
    v_occ = titles.select("_k", "_nv", pl.col("_occ").alias("_vocc"), pl.col("_occ_conf").alias("_vocc_conf"))
    # a specific occupation (not a SOC "All Other" residual, whose code ends in 9) makes candidates alone
    specific = pl.col("_occ").is_not_null() & ~pl.col("_occ").str.ends_with("9")
    c_occ = cores.filter(specific).select("_c", "_occ")
    k_occ = titles.filter(specific).select("_k", "_occ")
    # batches of vacancy titles whose sparse product stays bounded (a title of common words meets many cores)
    work = np.full(titles.height, cores.height) if every_pair else np.maximum(words.reach, 1)
    bounds = [0]
    load = 0
    for index, size in enumerate(work.tolist()):
        if load and load + size > CORE_PAIRS_PER_BATCH:
            bounds.append(index)
            load = 0
        load += size
    bounds.append(titles.height)

    def score_batch(start: int, stop: int) -> tuple[pl.DataFrame, int, int, int]:
        """The kept (vacancy title, core) pairs of vacancy titles ``start`` <= _k < ``stop``, with the
        counts of core pairs scored, (vacancy, posting) candidate pairs and pairs compared as strings."""
        schema = {"_k": pl.UInt32, "_c": pl.UInt32, "_shared": pl.Float64, "_packed": pl.Float64}
        lexical_fuzz = None  # token_set_ratio of the lexical pairs where it is already known
        if every_pair:
            rows, cols, shared, packed = words.shared(start, stop)
            cells = (rows - start) * cores.height + cols
            dense = np.zeros((stop - start) * cores.height)
            dense_packed = np.zeros((stop - start) * cores.height)
            dense[cells], dense_packed[cells] = shared, packed
            lexical = pl.DataFrame(
                {
                    "_k": np.repeat(np.arange(start, stop), cores.height),
                    "_c": np.tile(np.arange(cores.height), stop - start),
                    "_shared": dense,
                    "_packed": dense_packed,
                },
                schema=schema,
            )
        else:
            # per shared word, every pair that can reach the floor, its token_set_ratio exact where the
            # pair shares that word only (``_Words.lexical``)
            k, c, shared, packed, lexical_fuzz, _ = words.lexical(start, stop, reach_floor)
            lexical = pl.DataFrame({"_k": k, "_c": c, "_shared": shared, "_packed": packed}, schema=schema)
        same_occupation = (
            k_occ.filter(pl.col("_k").is_between(start, stop - 1)).join(c_occ, on="_occ").select("_k", "_c")
        )
        extra = (
            pl.concat([same_occupation, meaning.candidates(start, stop)])
            .unique()
            .join(lexical, on=["_k", "_c"], how="anti")
            .sort("_k", "_c")
        )
        # the weight those share (0: no shared word)
        extra_shared, extra_packed = words.pair_shared(
            extra["_k"].to_numpy().astype(np.int64), extra["_c"].to_numpy().astype(np.int64)
        )
        pairs = pl.concat(
            [
                lexical,
                extra.with_columns(pl.Series("_shared", extra_shared), pl.Series("_packed", extra_packed)),
            ]
        )
        k = pairs["_k"].to_numpy().astype(np.int64)
        c = pairs["_c"].to_numpy().astype(np.int64)
        # token_set_ratio from the lengths where they decide it, else rapidfuzz on aligned arrays of
        # references to the distinct titles (no copy per pair)
        packed_all = pairs["_packed"].to_numpy()
        if lexical_fuzz is None:
            fuzzy, _ = words.fuzz(k, c, packed_all)
        else:  # settled for the lexical pairs by the bound above; the extra pairs' here
            n = len(lexical_fuzz)
            fuzzy = np.concatenate([lexical_fuzz, words.fuzz(k[n:], c[n:], packed_all[n:])[0]])
        compare = np.flatnonzero(np.isnan(fuzzy))
        if len(compare):
            fuzzy[compare] = process.cpdist(
                v_texts[k[compare]], c_texts[c[compare]], scorer=fuzz.token_set_ratio, workers=-1
            )
        pairs = pairs.drop("_packed").with_columns(
            pl.Series("_wv", words.vacancy_weight[k]),
            pl.Series("_wc", words.core_weight[c]),
            pl.Series("_capped", words.capped(k, c)),
            pl.Series("_fuzz", fuzzy, dtype=pl.Float64),
        )
        # each side's size and occupation by position (c_sizes' row i is core i, v_occ's title i)
        pairs = pl.concat(
            [
                pairs.with_columns(title_lexical(), meaning.scores(pairs).alias("title_semantic")),
                c_sizes.drop("_c").gather(c),
                v_occ.drop("_k").gather(k),
            ],
            how="horizontal",
        ).with_columns(*occupation_fit(options))
        # the kept pairs, one row per vacancy of the title (joined here, per batch: joining all the kept pairs
        # at once held them twice, the peak of a 10k x 10M run)
        reached = (
            pairs.filter(pl.col("title") >= options.title_floor)
            .select("_k", "_c", "title", "title_lexical", "title_semantic", "occupation_fit", "_n")
            .join(vacancy_titles, on="_k")
            .select("_v", "_c", "title", "title_lexical", "title_semantic", "occupation_fit", "_n")
        )
        # the (vacancy, posting) pairs of candidate cores
        candidates = int((pairs["_n"].cast(pl.Int64) * pairs["_nv"]).sum())
        return reached, pairs.height, candidates, len(compare)

    # batches of vacancy titles on BATCH_THREADS threads: numpy, scipy, rapidfuzz and Polars release the GIL
    vacancy_titles = vac.select("_v", "_k")
    kept_cores: list[pl.DataFrame] = []
    with ThreadPoolExecutor(max_workers=BATCH_THREADS) as pool:
        for reached, n_scored, n_candidates, n_compared in _in_order(
            pool, lambda batch: score_batch(*batch), itertools.pairwise(bounds)
        ):
            kept_cores.append(reached)
            summary.core_pairs += n_scored
            summary.candidate_pairs += n_candidates
            summary.compared_pairs += n_compared
    # one frame over the batches' buffers (no copy; there is always one batch, maybe empty)
    core_pairs = pl.concat(kept_cores, rechunk=False)
    kept_cores.clear()

    # expand to postings, on integer codes
    level = {name: i for i, name in enumerate(LEVELS)}
    places = _codes(
        vac["country_code"], post["country_code"], vac["city"], post["city"], vac["admin1"], post["admin1"]
    )
    # one id per set of employment statuses, sorted once per distinct list (not per posting)
    raw = pl.col("employment_statuses").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    lists = (
        post.group_by(raw.alias("_raw"))
        .agg(pl.col("_p"))
        .with_columns(pl.col("_raw").list.sort().alias("_es"))
    )
    status_ids = lists.select("_es").unique().sort("_es").with_row_index("_es_id")
    members = lists.join(status_ids, on="_es").select("_es_id", "_p").explode("_p")
    status_of = np.zeros(post.height, dtype=np.uint32)
    status_of[members["_p"].to_numpy()] = members["_es_id"].to_numpy()
    post = post.with_columns(pl.Series("_es_id", status_of))
    v_cols = vac.select(
        "_v",
        pl.col("seniority").replace_strict(level, default=None, return_dtype=pl.Int8).alias("_vl"),
        _level_defaulted(vac).alias("_vdef"),
        *(pl.col(c).replace_strict(places, default=None, return_dtype=pl.Int32).alias(f"_v{c}")
          for c in ("country_code", "admin1", "city")),
        (pl.col("skills").list.len().fill_null(0) > 0).alias("_v_has_skills"),
    )  # fmt: skip
    # one integer per (work type name, applies-to) of the vacancies: the work-type test is on integers
    work_types = vac.select(pl.col("work_type_name").alias("_wt"), _applies_to(vac).alias("_wa"))
    kinds = work_types.unique().sort("_wt", "_wa", nulls_last=True).with_row_index("_wtid")
    v_cols = v_cols.with_columns(
        work_types.join(kinds, on=["_wt", "_wa"], how="left", nulls_equal=True, maintain_order="left")
        .get_column("_wtid")
        .cast(pl.Int64)
    )
    p_cols = post.select(
        "_p",
        "_c",
        pl.col("seniority").replace_strict(level, default=None, return_dtype=pl.Int8).alias("_pl"),
        *(pl.col(c).replace_strict(places, default=None, return_dtype=pl.Int32).alias(f"_p{c}")
          for c in ("country_code", "admin1", "city")),
        pl.col("is_remote").fill_null(False).alias("_remote"),
        pl.col("date_posted"),
        "_es_id",
    ).sort("_c")  # fmt: skip
    # the postings of core c are rows core_start[c] .. core_start[c + 1] of p_cols
    core_start = np.zeros(cores.height + 1, dtype=np.int64)
    np.cumsum(np.bincount(p_cols["_c"].to_numpy(), minlength=cores.height), out=core_start[1:])
    allowed = None
    if options.require_work_type:
        combos = kinds.join(status_ids, how="cross")
        verdicts = [_fits(wt, list(es), wa) for wt, wa, es in combos.select("_wt", "_wa", "_es").iter_rows()]
        fitting = combos.filter(pl.Series(verdicts, dtype=pl.Boolean))
        # (work type, statuses) pairs that fit, as one integer: _wtid x statuses + _es_id
        allowed = fitting.select(pl.col("_wtid").cast(pl.Int64) * status_ids.height + pl.col("_es_id"))
        summary.excluded["work type does not fit"] = 0
    # vacancies in batches, so the posting-level pairs in memory at once stay bounded
    kept: list[pl.DataFrame] = []
    left_out: list[pl.DataFrame] = []
    if options.level_policy not in LEVEL_POLICIES:
        raise ValueError(f"level_policy: got {options.level_policy!r}, expected one of {LEVEL_POLICIES}")
    # the kept pairs' rows in vacancy order: a batch of whole vacancies is a range of it (one gather per
    # batch, not a scan of every kept pair per batch)
    by_vacancy = core_pairs["_v"].arg_sort().to_numpy()
    per_vacancy = core_pairs.group_by("_v").agg(pl.len().alias("_rows"), pl.col("_n").sum()).sort("_v")
    groups: list[tuple[int, int]] = []  # row ranges of by_vacancy
    first = stop = load = 0
    for rows, size in per_vacancy.select("_rows", "_n").iter_rows():
        if stop > first and load + size > PAIRS_PER_BATCH:
            groups.append((first, stop))
            first, load = stop, 0
        stop += rows
        load += size
    if stop > first:
        groups.append((first, stop))

    def expand(group: tuple[int, int]) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
        """One batch of whole vacancies: (their ranked matches, matches left out for level per vacancy,
        counts: pairs scored, left out for work type and for country)."""
        chosen = core_pairs.gather(by_vacancy[group[0] : group[1]]).select(
            "_v", "_c", "title", "title_lexical", "title_semantic", "occupation_fit"
        )
        # each (vacancy, core) pair to its core's postings, by position (v_cols' row i is vacancy i)
        c = chosen["_c"].to_numpy().astype(np.int64)
        lengths = core_start[c + 1] - core_start[c]
        rows = np.repeat(core_start[c] - np.cumsum(lengths) + lengths, lengths) + np.arange(
            int(lengths.sum()), dtype=np.int64
        )
        left = chosen.drop("_c").gather(np.repeat(np.arange(len(c)), lengths))
        pairs = pl.concat([left, p_cols.gather(rows), v_cols.drop("_v").gather(left["_v"])], how="horizontal")
        counts = {"scored": pairs.height}
        if allowed is not None:
            before = pairs.height
            key = pl.col("_wtid") * status_ids.height + pl.col("_es_id").cast(pl.Int64)
            pairs = pairs.filter(key.is_in(allowed.to_series().implode()))
            counts["work type does not fit"] = before - pairs.height
        if options.same_country_only:
            before = pairs.height
            pairs = pairs.filter(~_abroad())
            counts["another country"] = before - pairs.height
        scored = _skills_and_score(_components(pairs, options, as_of), vac, post, options)
        matched = scored.filter(pl.col("score") >= options.floor)
        admitted = _level_admits(options.level_policy)
        other_level = matched.filter(~admitted).group_by("_v").agg(pl.len().alias("n"))
        return _ranked(matched.filter(admitted), vac, post), other_level, counts

    # batches of vacancies on BATCH_THREADS threads, handed on in order
    with ThreadPoolExecutor(max_workers=BATCH_THREADS) as pool:
        for ranked, other_level, batch_counts in _in_order(pool, expand, groups):
            summary.scored_pairs += batch_counts.pop("scored")
            for reason, n in batch_counts.items():
                summary.excluded[reason] = summary.excluded.get(reason, 0) + n
            left_out.append(other_level)
            summary.matches += ranked.height
            if sink is None:
                kept.append(ranked)
            elif ranked.height:
                sink(ranked)
    if left_out:
        counts = pl.concat(left_out).group_by("_v").agg(pl.col("n").sum())
        summary.left_out = (
            counts.join(vac.select("_v", "scenario_id", "vacancy_id"), on="_v")
            .with_columns(pl.lit("another level").alias("reason"), pl.col("n").cast(pl.Int64))
            .select("scenario_id", "vacancy_id", "reason", "n")
            .sort("scenario_id", "vacancy_id")
        )
        summary.excluded["another level"] = int(summary.left_out["n"].sum())
    if not kept:
        return pl.DataFrame(schema=MATCH_SCHEMA), summary
    return pl.concat(kept), summary


_T = TypeVar("_T")
_R = TypeVar("_R")


def _in_order(
    pool: ThreadPoolExecutor, work: Callable[[_T], _R], items: Iterable[_T], ahead: int = BATCH_THREADS + 1
) -> Iterator[_R]:
    """``pool.map(work, items)`` with at most ``ahead`` items in flight: ``Executor.map`` submits every item
    at once, so results the consumer has not taken yet pile up in memory (one batch's matches each)."""
    pending: deque[Future[_R]] = deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _ranked(matched: pl.DataFrame, vac: pl.DataFrame, post: pl.DataFrame) -> pl.DataFrame:
    """A batch of whole vacancies' matches with their ids and ranks, in MATCH_SCHEMA, in (scenario_id,
    vacancy_id, rank) order (``_v`` follows that order: batches come out in it too)."""
    frame = matched.join(vac.select("_v", "scenario_id", "vacancy_id"), on="_v").join(
        post.select("_p", "posting_id"), on="_p"
    )
    frame = frame.sort(["_v", "score", "posting_id"], descending=[False, True, False]).with_columns(
        pl.int_range(1, pl.len() + 1).over("_v").alias("rank")
    )
    return frame.select(pl.col(name).cast(dtype) for name, dtype in MATCH_SCHEMA.items()).sort(
        "scenario_id", "vacancy_id", "rank"
    )


def work_type_fits(name: str | None, applies_to: str | None = None) -> tuple[str, ...] | None:
    """The Floqer employment statuses that fit a Flowstate work type; None: unknown, everything fits.

    A name in ``WORK_TYPE_FITS`` decides ("Fixed-term"); else a name that says intern or internship
    ("Summer Intern"); else ``appliesToType`` (employee or contractor: ``APPLIES_TO_FITS``).
    """
    key = " ".join((name or "").lower().replace("_", " ").split())
    if key in WORK_TYPE_FITS:
        return WORK_TYPE_FITS[key]
    if _INTERN.search(key):
        return INTERNSHIP_FITS
    return APPLIES_TO_FITS.get((applies_to or "").strip().lower())


def _fits(work_type: str | None, statuses: list[str], applies_to: str | None = None) -> bool:
    """Whether a posting with ``statuses`` fits the work type (any one status fits; none given fits)."""
    fits = work_type_fits(work_type, applies_to)
    if fits is None or not statuses:
        return True
    return any(
        " ".join((status or "").lower().replace("-", " ").split()).replace(" ", "_") in fits
        for status in statuses
    )


def _level_admits(policy: str) -> pl.Expr:
    """Whether a pair's posting level is a match under ``policy`` (on the integer-coded ``_vl``, ``_pl``): a
    vacancy naming no level is mid, as normalize reads it; a posting naming none is always admitted."""
    if policy == "any":
        return pl.lit(True)
    vacancy = pl.col("_vl").fill_null(LEVELS.index("mid")).cast(pl.Int16)
    distance = (vacancy - pl.col("_pl").cast(pl.Int16)).abs()
    return (distance <= (1 if policy == "adjacent" else 0)).fill_null(True)


def _abroad() -> pl.Expr:
    """A posting in another country than the vacancy's, both known: another market. A remote posting with a
    country is remote within it ("United Kingdom (Remote)"); one with no country may be anywhere."""
    v, p = pl.col("_vcountry_code"), pl.col("_pcountry_code")
    return (v.is_not_null() & p.is_not_null() & (v != p)).fill_null(False)


def _level_defaulted(vac: pl.DataFrame) -> pl.Expr:
    """Whether a vacancy's role names no level (normalize planned it at mid: ``seniority_source`` default)."""
    if "seniority_source" not in vac.columns:
        return pl.col("seniority").is_null()
    return (pl.col("seniority_source") == "default").fill_null(pl.col("seniority").is_null())


def _others_weigh(options: MatchOptions) -> bool:
    """Whether title, geography and recency weigh anything: a seniority left unjudged then leaves a score."""
    return sum(float(options.weights.get(c, 0.0)) for c in ("title", "geography", "recency")) > 0


def _recency(options: MatchOptions, as_of: date) -> tuple[pl.Expr, pl.Expr]:
    """(age in days, recency) from ``date_posted``: 100 on the as-of day, 0 at ``recency_days``."""
    age = (pl.lit(as_of) - pl.col("date_posted")).dt.total_days().clip(lower_bound=0)
    return age, recency_at(age, options)


def recency_at(age: pl.Expr, options: MatchOptions) -> pl.Expr:
    """The recency component of a posting ``age`` days old (Int64; null: no date): 100 at 0 days, 0 from
    ``recency_days`` on, in hundredths."""
    return (100.0 * (1 - age / options.recency_days)).clip(0.0, 100.0).fill_null(0.0).round(2)


def _composite(
    options: MatchOptions, recency: pl.Expr | None = None
) -> tuple[pl.Expr, pl.Expr, dict[str, float]]:
    """(the weighted sum of title, seniority, geography and recency (the column, or ``recency``); the weight
    it is out of; the weights): seniority is null (not judged) when neither title names a level, and its
    weight leaves the base."""
    weights = {c: float(options.weights.get(c, 0.0)) for c in COMPONENTS}
    column = {c: pl.col(c) for c in ("title", "seniority", "geography", "recency")}
    if recency is not None:
        column["recency"] = recency
    partial = pl.sum_horizontal([column[c].fill_null(0.0) * weights[c] for c in column])
    base = sum(weights[c] for c in ("title", "seniority", "geography", "recency")) - pl.when(
        pl.col("seniority").is_null()
    ).then(weights["seniority"]).otherwise(0.0)
    return partial, base, weights


def composite_score(options: MatchOptions, recency: pl.Expr | None = None) -> pl.Expr:
    """The composite ``score`` from the five component columns (skills null: not judged, left out); with
    ``recency``, that expression in place of the recency column."""
    partial, base, weights = _composite(options, recency)
    numerator = partial + pl.col("skills").fill_null(0.0) * weights["skills"]
    denominator = base + pl.when(pl.col("skills").is_null()).then(0.0).otherwise(weights["skills"])
    return (numerator / denominator).round(2).alias("score")


def _components(pairs: pl.DataFrame, options: MatchOptions, as_of: date) -> pl.DataFrame:
    """Seniority, geography and recency for every (vacancy, posting) pair, from integer-coded columns."""
    distance = (pl.col("_vl").cast(pl.Int16) - pl.col("_pl").cast(pl.Int16)).abs()
    seniority = (
        pl.when((pl.col("_vl").is_null() | pl.col("_vdef")) & pl.col("_pl").is_null())
        .then(None if _others_weigh(options) else 50.0)  # neither names a level: no evidence, not judged
        .when(distance.is_null())
        .then(50.0)
        .when(distance == 0)
        .then(100.0)
        .when(distance == 1)
        .then(ONE_LEVEL_APART)
        .otherwise(0.0)
    )
    same_country = pl.col("_vcountry_code").is_not_null() & (
        pl.col("_vcountry_code") == pl.col("_pcountry_code")
    )
    geography = (
        pl.when(same_country & pl.col("_vcity").is_not_null() & (pl.col("_vcity") == pl.col("_pcity")))
        .then(100.0)
        .when(same_country & pl.col("_vadmin1").is_not_null() & (pl.col("_vadmin1") == pl.col("_padmin1")))
        .then(85.0)
        .when(same_country)
        .then(70.0)
        .when(pl.col("_remote"))
        .then(40.0)
        .otherwise(0.0)
    )
    age, recency = _recency(options, as_of)
    return pairs.select(
        "_v",
        "_p",
        "_c",
        "title",
        "title_lexical",
        "title_semantic",
        "occupation_fit",
        "_v_has_skills",
        seniority.alias("seniority"),
        "_vl",
        "_pl",
        geography.alias("geography"),
        recency.alias("recency"),
        age.alias("age_days"),
    )


def _skills_and_score(
    pairs: pl.DataFrame, vac: pl.DataFrame, post: pl.DataFrame, options: MatchOptions
) -> pl.DataFrame:
    """The composite score; skills are compared only for pairs that could still reach the floor."""
    partial, base, weights = _composite(options)
    best = (partial + weights["skills"] * 100) / (base + weights["skills"])
    without = partial / base
    # unrounded, less the rounding margin: a pair whose rounded score reaches the floor is kept (the floor
    # is applied to the rounded score; the incremental match relies on every such pair being stored)
    hopeful = pairs.filter(
        pl.when(pl.col("_v_has_skills")).then(best).otherwise(without) >= options.floor - SCORE_MARGIN
    )
    v_sk = vac.select("_v", pl.col("skills").alias("_vs"))
    p_sk = post.select("_p", pl.col("skills").fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("_ps"))
    with_skills = (
        hopeful.filter(pl.col("_v_has_skills"))
        .join(v_sk, on="_v")
        .join(p_sk, on="_p")
        .with_columns(pl.col("_vs").list.set_intersection("_ps").list.len().alias("skills_shared"))
        .with_columns((100.0 * pl.col("skills_shared") / pl.col("_vs").list.len()).round(2).alias("skills"))
        .drop("_vs", "_ps")
    )
    without_skills = hopeful.filter(~pl.col("_v_has_skills")).with_columns(
        pl.lit(None, dtype=pl.Float64).alias("skills"), pl.lit(0, dtype=pl.UInt32).alias("skills_shared")
    )
    frame = pl.concat([with_skills, without_skills], how="diagonal_relaxed")
    return frame.with_columns(composite_score(options))


def explain_matches(matches: pl.DataFrame, vacancies: pl.DataFrame, postings: pl.DataFrame) -> pl.DataFrame:
    """``matches`` (rows of the matches table) with an ``explanation``: each component with its evidence.

    Built on demand (for the top matches a report shows) rather than stored for millions of pairs.
    """
    v = vacancies.select(
        "scenario_id",
        "vacancy_id",
        pl.col("title_core").alias("v_core"),
        pl.col("seniority").alias("v_seniority"),
        pl.col("country_code").alias("v_country"),
        pl.col("city").alias("v_city"),
        _occupation_column(vacancies).alias("v_occ"),
        _token_list("title_core").alias("_vt"),
    )
    p = postings.select(
        "posting_id",
        pl.col("title_core").alias("p_core"),
        pl.col("seniority").alias("p_seniority"),
        pl.col("country_code").alias("p_country"),
        pl.col("city").alias("p_city"),
        pl.col("is_remote").alias("_remote"),
        _occupation_column(postings).alias("p_occ"),
        _token_list("title_core").alias("_pt"),
    )
    frame = matches.join(v, on=["scenario_id", "vacancy_id"], how="left").join(p, on="posting_id", how="left")
    tokens = pl.col("_vt").list.set_intersection("_pt").list.sort().list.join(" ")
    fit = pl.col("occupation_fit") if "occupation_fit" in frame.columns else pl.lit("unknown")
    lexical = pl.col("title_lexical") if "title_lexical" in frame.columns else pl.col("title")
    semantic = pl.col("title_semantic") if "title_semantic" in frame.columns else pl.lit(None, pl.Float64)
    meaning = (
        pl.when(semantic.is_not_null() & (semantic > lexical))
        .then(pl.format(", meaning {}", semantic))
        .otherwise(pl.lit(""))
    )
    occupation = (
        pl.when(fit == "same")
        .then(pl.format("same occupation {}", pl.col("v_occ")))
        .when(fit == "different")
        .then(pl.format("occupation {} vs {}", pl.col("v_occ"), pl.col("p_occ")))
        .otherwise(pl.lit("occupation not compared"))
    )
    moved = (
        pl.when(lexical != pl.col("title")).then(pl.format(", words alone {}", lexical)).otherwise(pl.lit(""))
    )
    explanation = pl.format(
        "title {} ({} vs {}; shared: {}; {}{}{}) | seniority {} ({} vs {}) | geography {} ({}/{} vs {}/{}) | "
        "recency {} ({} days) | skills {} ({} shared)",
        pl.col("title"),
        pl.col("v_core"),
        pl.col("p_core"),
        pl.when(tokens == "").then(pl.lit("none")).otherwise(tokens),
        occupation,
        moved,
        meaning,
        pl.col("seniority").cast(pl.String).fill_null("not judged"),
        pl.col("v_seniority").fill_null("?"),
        pl.col("p_seniority").fill_null("?"),
        pl.col("geography"),
        pl.col("v_country").fill_null("?"),
        pl.col("v_city").fill_null("?"),
        pl.col("p_country").fill_null("?"),
        pl.when(pl.col("_remote")).then(pl.lit("remote")).otherwise(pl.col("p_city").fill_null("?")),
        pl.col("recency"),
        pl.col("age_days").fill_null(-1),
        pl.col("skills").cast(pl.String).fill_null("n/a"),
        pl.col("skills_shared"),
    )
    return frame.with_columns(explanation.alias("explanation")).select(*matches.columns, "explanation")


MATCH_SCHEMA: dict[str, Any] = {
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "rank": pl.Int64,
    "posting_id": pl.String,
    "score": pl.Float64,
    "title": pl.Float64,
    "seniority": pl.Float64,
    "geography": pl.Float64,
    "recency": pl.Float64,
    "skills": pl.Float64,
    "age_days": pl.Int64,
    "skills_shared": pl.UInt32,
    "title_lexical": pl.Float64,
    "title_semantic": pl.Float64,
    "occupation_fit": pl.String,
}


def match_lake(lake: Path | str, options: MatchOptions | None = None, *, full: bool = False) -> MatchSummary:
    """Read the clean tables, write ``matches/matches.parquet`` and ``matches/left_out.parquet``
    (atomically), scoring only the pairs of new or changed postings and vacancies since the last run
    (``matcher.match.incremental``); ``full``: score every pair again. Both write the same tables."""
    from matcher.match.incremental import match_lake_incremental

    lake = Path(lake)
    if not lake_path(lake, "clean_postings").exists() or not lake_path(lake, "clean_vacancies").exists():
        raise NotReadyError(f"lake {lake}: no clean tables yet: run `matcher normalize` first")
    path = lake_path(lake, "matches")
    for stale in path.parent.glob(".matches-*"):  # parts a killed run of an earlier version left
        shutil.rmtree(stale, ignore_errors=True)
    return match_lake_incremental(lake, options or MatchOptions(), full=full)


def matches_as_of(path: Path | str) -> date | None:
    """The as-of day a matches table (``lake/matches/matches.parquet``) was scored for; None: not recorded
    (written before matcher recorded it) or unreadable as a date."""
    recorded = pl.read_parquet_metadata(path).get(AS_OF_KEY)
    try:
        return None if recorded is None else date.fromisoformat(recorded)
    except ValueError:
        return None
