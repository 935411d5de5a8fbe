"""The match stage: ``lake/clean`` -> ``lake/matches/matches.parquet``.

For each open vacancy, every posting whose composite score reaches the floor, ranked, with each component
kept and a one-line explanation. Vectorized in Polars; the title's fuzzy part runs in rapidfuzz (C++).

Candidate generation (blocking) keeps the cost proportional to plausible pairs, not vacancies x postings: a
posting is a candidate for a vacancy when it shares one of the vacancy's rarest core-title tokens, or has the
same occupation code in the same country.

Components, each in [0, 100] (weights in ``MatchOptions``; a component that cannot be judged, such as skills
for a vacancy that lists none, is left out and the other weights are rescaled):

- title: ``matcher.match.titles`` (IDF-weighted token overlap and rapidfuzz token_set_ratio on core titles);
- seniority: 100 same level, 50 one level apart, 0 further; 50 when either is unknown;
- geography: 100 same city, 85 same region (admin1), 70 same country, 40 a remote posting elsewhere, 0 else;
- recency: 100 for a posting of the as-of day, falling linearly to 0 at ``recency_days``;
- skills: the share of the vacancy's skills the posting names.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process

from matcher.match.titles import DICE_WEIGHT, FUZZ_WEIGHT, STOPWORDS
from matcher.normalize.titles import LEVELS

CLEAN_POSTINGS = "clean/postings.parquet"
CLEAN_VACANCIES = "clean/vacancies.parquet"
MATCHES = "matches/matches.parquet"
COMPONENTS = ("title", "seniority", "geography", "recency", "skills")
DEFAULT_WEIGHTS = {"title": 0.45, "seniority": 0.20, "geography": 0.20, "recency": 0.05, "skills": 0.10}
# Flowstate work type name -> the Floqer employment statuses that fit it
# Flowstate work type name -> the Floqer employment statuses that fit it. Pay is compared as annual
# full-time equivalents, so full- and part-time employment meet; contracts and internships are other markets.
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


@dataclass
class MatchOptions:
    floor: float = 50.0
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    own_companies: tuple[str, ...] = ()  # our names and domains: never a competitor
    include_agencies: bool = False
    require_work_type: bool = True
    as_of: date | None = None
    recency_days: int = 365
    block_tokens: int = 2


@dataclass
class MatchSummary:
    vacancies: int = 0
    postings: int = 0
    candidate_pairs: int = 0
    matches: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    path: Path | None = None


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


def _eligible_postings(postings: pl.DataFrame, options: MatchOptions, summary: MatchSummary) -> pl.DataFrame:
    own = [name.lower() for name in options.own_companies]
    is_own = pl.col("company").str.to_lowercase().is_in(own) | pl.col(
        "company_domain"
    ).str.to_lowercase().is_in(own)
    agency = pl.col("is_recruiting_agency").fill_null(False) & (not options.include_agencies)
    no_title = pl.col("title_core").is_null()
    summary.excluded = {
        "own company": int(postings.select(is_own.fill_null(False).sum()).item()),
        "recruiting agency": int(postings.select(agency.sum()).item()),
        "no title": int(postings.select(no_title.sum()).item()),
    }
    return postings.filter(~is_own.fill_null(False) & ~agency & ~no_title)


def _work_type_fits() -> pl.Expr:
    name = pl.col("work_type_name").str.to_lowercase()
    statuses = pl.col("employment_statuses")
    checks = [
        name.eq(wt) & pl.any_horizontal([statuses.list.contains(s) for s in allowed])
        for wt, allowed in WORK_TYPE_FITS.items()
    ]
    known = name.is_in(list(WORK_TYPE_FITS))
    no_info = name.is_null() | ~known | statuses.is_null() | (statuses.list.len() == 0)
    return no_info | pl.any_horizontal(checks)


def match_frames(
    vacancies: pl.DataFrame, postings: pl.DataFrame, options: MatchOptions | None = None
) -> tuple[pl.DataFrame, MatchSummary]:
    """Score and rank ``postings`` (clean) for each open vacancy in ``vacancies`` (clean)."""
    options = options or MatchOptions()
    summary = MatchSummary()
    as_of = options.as_of or date.today()
    vac = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null())
    post = _eligible_postings(postings, options, summary)
    summary.vacancies, summary.postings = vac.height, post.height
    vac = vac.with_columns(pl.concat_str(["scenario_id", "vacancy_id"], separator="/").alias("_v"))
    post = post.with_row_index("_p")
    if not vac.height or not post.height:
        return pl.DataFrame(schema=MATCH_SCHEMA), summary

    p_tok = post.select("_p", _token_list("title_core").alias("token")).explode("token").drop_nulls("token")
    n = post.height
    idf = (
        p_tok.unique()
        .group_by("token")
        .len()
        .select("token", ((pl.lit(n + 1) / (pl.col("len") + 1)).log() + 1.0).alias("w"))
    )
    unseen = math.log(n + 1) + 1.0
    v_tok = (
        vac.select("_v", _token_list("title_core").alias("token"))
        .explode("token")
        .drop_nulls("token")
        .unique()
        .join(idf, on="token", how="left")
        .with_columns(pl.col("w").fill_null(unseen))
    )
    p_tok = p_tok.unique().join(idf, on="token", how="left")
    p_weight = p_tok.group_by("_p").agg(pl.col("w").sum().alias("_wp"))
    v_weight = v_tok.group_by("_v").agg(pl.col("w").sum().alias("_wv"))

    # candidate generation: the vacancy's rarest tokens, and same occupation in the same country
    rare = (
        v_tok.sort(["_v", "w", "token"], descending=[False, True, False])
        .group_by("_v")
        .head(options.block_tokens)
    )
    by_token = rare.join(p_tok.select("_p", "token"), on="token").select("_v", "_p")
    by_occupation = (
        vac.select("_v", "occupation_code", "country_code")
        .drop_nulls()
        .join(
            post.select("_p", "occupation_code", "country_code").drop_nulls(),
            on=["occupation_code", "country_code"],
        )
        .select("_v", "_p")
    )
    pairs = pl.concat([by_token, by_occupation]).unique()
    summary.candidate_pairs = pairs.height

    shared = (
        pairs.join(v_tok.select("_v", "token", "w"), on="_v")
        .join(p_tok.select("_p", "token"), on=["_p", "token"])
        .group_by("_v", "_p")
        .agg(pl.col("w").sum().alias("_shared"), pl.col("token").sort().alias("shared_tokens"))
    )
    v_cols = vac.select(
        "_v",
        "scenario_id",
        "vacancy_id",
        pl.col("title_core").alias("v_core"),
        pl.col("seniority").alias("v_seniority"),
        pl.col("country_code").alias("v_country"),
        pl.col("admin1").alias("v_admin1"),
        pl.col("city").alias("v_city"),
        pl.col("skills").alias("v_skills"),
        "work_type_name",
        _token_list("title_core").list.join(" ").alias("v_text"),
    )
    p_cols = post.select(
        "_p",
        "posting_id",
        "company",
        pl.col("title_core").alias("p_core"),
        pl.col("seniority").alias("p_seniority"),
        pl.col("country_code").alias("p_country"),
        pl.col("admin1").alias("p_admin1"),
        pl.col("city").alias("p_city"),
        "is_remote",
        "date_posted",
        pl.col("skills").alias("p_skills"),
        "employment_statuses",
        _token_list("title_core").list.join(" ").alias("p_text"),
    )
    frame = (
        pairs.join(v_cols, on="_v")
        .join(p_cols, on="_p")
        .join(shared, on=["_v", "_p"], how="left")
        .join(v_weight, on="_v", how="left")
        .join(p_weight, on="_p", how="left")
    )
    if options.require_work_type:
        before = frame.height
        frame = frame.filter(_work_type_fits())
        summary.excluded["work type does not fit"] = before - frame.height
    fuzzy = process.cpdist(
        frame["v_text"].to_list(), frame["p_text"].to_list(), scorer=fuzz.token_set_ratio, workers=-1
    )
    frame = frame.with_columns(pl.Series("_fuzz", fuzzy, dtype=pl.Float64))
    frame = _components(frame, options, as_of)
    frame = frame.filter(pl.col("score") >= options.floor)
    frame = frame.sort(["_v", "score", "posting_id"], descending=[False, True, False]).with_columns(
        pl.int_range(1, pl.len() + 1).over("_v").alias("rank")
    )
    summary.matches = frame.height
    return frame.select(list(MATCH_SCHEMA)), summary


def _components(frame: pl.DataFrame, options: MatchOptions, as_of: date) -> pl.DataFrame:
    dice = (2 * pl.col("_shared").fill_null(0.0) / (pl.col("_wv") + pl.col("_wp"))).fill_nan(0.0)
    title = (DICE_WEIGHT * dice * 100 + FUZZ_WEIGHT * pl.col("_fuzz")).round(2)
    level = {name: i for i, name in enumerate(LEVELS)}
    distance = (
        pl.col("v_seniority").replace_strict(level, default=None, return_dtype=pl.Int32)
        - pl.col("p_seniority").replace_strict(level, default=None, return_dtype=pl.Int32)
    ).abs()
    seniority = pl.when(distance.is_null()).then(50.0).otherwise((100.0 - 50.0 * distance).clip(0.0, 100.0))
    same_country = pl.col("v_country").is_not_null() & (pl.col("v_country") == pl.col("p_country"))
    geography = (
        pl.when(same_country & pl.col("v_city").is_not_null() & (pl.col("v_city") == pl.col("p_city")))
        .then(100.0)
        .when(same_country & pl.col("v_admin1").is_not_null() & (pl.col("v_admin1") == pl.col("p_admin1")))
        .then(85.0)
        .when(same_country)
        .then(70.0)
        .when(pl.col("is_remote").fill_null(False))
        .then(40.0)
        .otherwise(0.0)
    )
    age = (pl.lit(as_of) - pl.col("date_posted")).dt.total_days().clip(lower_bound=0)
    recency = (100.0 * (1 - age / options.recency_days)).clip(0.0, 100.0).fill_null(0.0).round(2)
    v_skills = pl.col("v_skills").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    p_skills = pl.col("p_skills").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    n_shared = v_skills.list.set_intersection(p_skills).list.len()
    skills = (
        pl.when(v_skills.list.len() == 0)
        .then(None)
        .otherwise(100.0 * n_shared / v_skills.list.len())
        .round(2)
    )
    frame = frame.with_columns(
        title.alias("title"),
        seniority.alias("seniority"),
        geography.alias("geography"),
        recency.alias("recency"),
        skills.alias("skills"),
        age.alias("age_days"),
        n_shared.alias("skills_shared"),
    )
    weights = {c: float(options.weights.get(c, 0.0)) for c in COMPONENTS}
    numerator = pl.sum_horizontal([pl.col(c).fill_null(0.0) * w for c, w in weights.items()])
    denominator = pl.sum_horizontal(
        [pl.when(pl.col(c).is_null()).then(0.0).otherwise(w) for c, w in weights.items()]
    )
    frame = frame.with_columns((numerator / denominator).round(2).alias("score"))
    explanation = pl.format(
        "title {} ({} vs {}; shared: {}) | seniority {} ({} vs {}) | geography {} ({}/{} vs {}/{}) | "
        "recency {} ({} days) | skills {} ({} shared)",
        pl.col("title"),
        pl.col("v_core"),
        pl.col("p_core"),
        pl.col("shared_tokens")
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        .list.join(" ")
        .replace("", "none"),
        pl.col("seniority"),
        pl.col("v_seniority").fill_null("?"),
        pl.col("p_seniority").fill_null("?"),
        pl.col("geography"),
        pl.col("v_country").fill_null("?"),
        pl.col("v_city").fill_null("?"),
        pl.col("p_country").fill_null("?"),
        pl.when(pl.col("is_remote")).then(pl.lit("remote")).otherwise(pl.col("p_city").fill_null("?")),
        pl.col("recency"),
        pl.col("age_days").fill_null(-1),
        pl.col("skills").cast(pl.String).fill_null("n/a"),
        pl.col("skills_shared"),
    )
    return frame.with_columns(explanation.alias("explanation"))


MATCH_SCHEMA: dict[str, Any] = {
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "rank": pl.Int64,
    "posting_id": pl.String,
    "company": pl.String,
    "score": pl.Float64,
    "title": pl.Float64,
    "seniority": pl.Float64,
    "geography": pl.Float64,
    "recency": pl.Float64,
    "skills": pl.Float64,
    "explanation": pl.String,
}


def match_lake(lake: Path | str, options: MatchOptions | None = None) -> MatchSummary:
    """Read the clean tables, write ``matches/matches.parquet`` (atomically)."""
    lake = Path(lake)
    started = time.perf_counter()
    postings = pl.read_parquet(lake / CLEAN_POSTINGS)
    vacancies = pl.read_parquet(lake / CLEAN_VACANCIES)
    matches, summary = match_frames(vacancies, postings, options)
    path = lake / MATCHES
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".parquet.tmp")
    matches.write_parquet(temp)
    os.replace(temp, path)
    summary.path = path
    summary.seconds = time.perf_counter() - started
    return summary
