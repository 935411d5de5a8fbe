"""The benchmark stage: matches + clean tables -> the three reports' frames.

Per open vacancy, from its matches at or above ``min_score``:

0. level-true: under ``level_policy`` "exact" (the default) only postings at the vacancy's level count; a
   posting whose level is unknown (neither its title nor Floqer names one) is read as ``mid``, the level a
   vacancy naming none gets, so it counts for mid vacancies only (``n_unknown_level`` says how many did).
   "adjacent" admits postings one level apart, "any" every level. What was left out is ``n_other_level``
   (with the match stage's ``left_out``: the match stage applies the same policy to matches) and the
   ``benchmark_pool`` rows with reason ``other_level``;
1. reposts collapse: the same company, core title, place and pay count once (the best-scoring copy);
2. each company counts at most ``company_cap`` postings (its best-scoring ones), so one employer's many
   openings cannot make the market;
3. salaries: annual midpoints converted to the vacancy's currency at the ECB rate as of each posting's date;
   employer-posted salaries only (estimates are summarized in their own columns, never mixed in); outliers
   beyond 3.5 robust sigmas (MAD) trimmed, from ``MIN_TRIM_N`` (10) salaries up;
4. p10..p90, compa-ratio, the band edges' percentile ranks, confidence and verdict
   (``matcher.benchmark.stats``); ``percentiles_indicative`` marks percentiles of a ``none``-confidence pool.

The pool (named in ``vacancy_benchmarks.pool``, e.g. "national US", "metro Austin; peers: 201-500
employees"): by default every company's postings in the vacancy's country (``pool_by`` "national").
``pool_by`` "metro" (the vacancy's city) or "region" (its admin1) uses the local postings instead when, after
steps 0-3, they hold at least ``local_min_salaries`` (15) salaries from 3 companies: what a verdict needs
(medium confidence); else the national pool, and the name says why ("national US (metro Austin: 6 salaries
from 4 companies, a local pool needs 15 from 3)"). ``peer_sizes`` (Floqer ``employee_count`` bands such as
"201-500"), ``peer_industries`` and ``peer_funding_stages`` restrict the pool to peer companies (a company
whose attribute is unknown is no peer); empty (the default) admits every company. Postings left out are
counted as "not a peer company" / "outside the local pool" in ``left_out``.

``as_of`` is a cut-off: a posting published or discovered after it is in no pool and no hiring window. The
matches table records the as-of day it was scored for (Parquet metadata ``matcher.as_of``); ``benchmark_lake``
refuses matches scored for another day (``MatchesAsOfError``) rather than reuse them.

Hiring intent: per vacancy and competitor, matching postings in the 30 and 90 days before ``as_of``, the
trend between the two windows and the seniority mix; and the same per company across all open vacancies.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from matcher.benchmark import why
from matcher.benchmark.exclusions import empty_exclusions
from matcher.benchmark.stats import (
    MIN_TRIM_N,
    PERCENTILES,
    compa_ratio,
    confidence,
    indicative,
    interpolate,
    outlier_limit,
    percentile_ranks,
    verdict,
)
from matcher.common import defaults
from matcher.common.errors import MatcherError, NotReadyError
from matcher.lake.files import write_parquet_atomic
from matcher.lake.layout import TABLES
from matcher.lake.layout import path as lake_path
from matcher.match.stage import (
    COMPONENTS,
    LEVEL_POLICIES,
    MatchOptions,
    explain_matches,
    matches_as_of,
    posted_after,
)
from matcher.normalize.currency import rate_table
from matcher.normalize.titles import LEVELS

MONEY = pl.Decimal(26, 2)
SAME_COUNTRY = 70.0  # the geography component of a posting in the vacancy's country (see matcher.match.stage)
TREND_UP, TREND_DOWN = 1.25, 0.8
UNKNOWN_LEVEL_READ_AS = "mid"  # a posting naming no level is read as a vacancy naming none is (normalize)
KEYS = ["scenario_id", "vacancy_id"]


class MatchesAsOfError(MatcherError):
    """The matches table was scored for another as-of day than the benchmark's (or records none)."""


@dataclass
class BenchmarkOptions:
    min_score: float = defaults.BENCHMARK_MIN_SCORE
    same_country_only: bool = (
        True  # pay markets are national: postings abroad inform matches, not the benchmark
    )
    company_cap: int = defaults.COMPANY_CAP
    # which postings count in the salary pool by level: "exact" (the vacancy's level; unknown read as mid),
    # "adjacent" (also one level apart), "any" (every level, as matched)
    level_policy: str = defaults.LEVEL_POLICY
    top_k: int = defaults.TOP_K
    as_of: date | None = None
    # the match stage's options: with them, a vacancy without a verdict also counts what the match stage's
    # filters (own company, agency, work type, country, level) left out of its pool (``benchmark.why``)
    match: MatchOptions | None = None
    # the Flowstate tenant and org the vacancies come from, recorded in every row (``flowstate_tenant``,
    # ``flowstate_org_id``): ``matcher publish`` writes only to the same org
    flowstate_tenant: str | None = None
    flowstate_org_id: str | None = None
    # whether the lake is the demo's (``state/demo.json``): recorded in every row (``demo_lake``), so
    # ``matcher publish`` never writes a benchmark computed from synthetic postings
    demo_lake: bool = False
    # the local market: "national" (the vacancy's country), "metro" (its city) or "region" (its admin1), used
    # when it holds ``local_min_salaries`` salaries from 3 companies, else the national pool
    pool_by: str = defaults.POOL_BY
    local_min_salaries: int = defaults.LOCAL_MIN_SALARIES
    # peer companies (the Floqer company attributes of each posting); empty: every company
    peer_sizes: tuple[str, ...] = ()  # employee-count bands (``defaults.SIZE_BANDS``): "201-500", "10001+"
    peer_industries: tuple[str, ...] = ()  # Floqer industries, case-insensitive: "Software Development"
    peer_funding_stages: tuple[str, ...] = ()  # Floqer funding stages, case-insensitive: "Series B"

    def __post_init__(self) -> None:
        problems = []
        if self.pool_by not in defaults.POOLS:
            problems.append(f"pool_by: got {self.pool_by!r}, expected one of {', '.join(defaults.POOLS)}")
        unknown = [band for band in self.peer_sizes if band not in defaults.SIZE_BANDS]
        if unknown:
            problems.append(
                f"peer_sizes: got {', '.join(map(repr, unknown))}, expected bands among "
                f"{', '.join(defaults.SIZE_BANDS)}"
            )
        if self.local_min_salaries < 1:
            problems.append(f"local_min_salaries: got {self.local_min_salaries}, expected 1 or more")
        if problems:
            raise ValueError("; ".join(problems))


def _with_postings(matches: pl.DataFrame, postings: pl.DataFrame, vacancies: pl.DataFrame) -> pl.DataFrame:
    fields = postings.select(
        "posting_id",
        "company",
        "job_title",
        "title_core",
        pl.col("seniority").alias("posting_seniority"),
        "url",
        "date_posted",
        (
            pl.col("discovered_at")
            if "discovered_at" in postings.columns
            else pl.lit(None, pl.Datetime("us"))
        ).alias("discovered_at"),
        pl.col("country_code").alias("posting_country"),
        pl.col("city").alias("posting_city"),
        _column(postings, "admin1").alias("posting_admin1"),
        _column(postings, "employee_count", pl.Int64).alias("employee_count"),
        _column(postings, "industry").alias("industry"),
        _column(postings, "funding_stage").alias("funding_stage"),
        "is_remote",
        "annual_min",
        "annual_max",
        pl.col("currency").alias("posting_currency"),
        "is_estimate",
        "salary_status",
        "salary_string",
    )
    bands = vacancies.select(
        "scenario_id",
        "vacancy_id",
        pl.col("currency").alias("vacancy_currency"),
        pl.col("seniority").alias("vacancy_seniority"),
        _column(vacancies, "country_code").alias("vacancy_country"),
        _column(vacancies, "city").alias("vacancy_city"),
        _column(vacancies, "admin1").alias("vacancy_admin1"),
        pl.col("annual_min").alias("band_min"),
        pl.col("annual_max").alias("band_max"),
    )
    return matches.join(fields, on="posting_id", how="left").join(
        bands, on=["scenario_id", "vacancy_id"], how="left"
    )


def _column(frame: pl.DataFrame, name: str, dtype: Any = pl.String) -> pl.Expr:
    """``frame``'s column ``name``, or nulls when a table from before it lacks it."""
    return pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype)


def _peers(options: BenchmarkOptions) -> pl.Expr:
    """Whether a posting's company is a peer under ``options`` (every company when none is configured); a
    company whose attribute is unknown is no peer."""
    tests = [pl.lit(True)]
    if options.peer_sizes:
        n = pl.col("employee_count")
        bands = [defaults.SIZE_BANDS[band] for band in options.peer_sizes]
        tests.append(
            pl.any_horizontal(n >= low if high is None else n.is_between(low, high) for low, high in bands)
        )
    for column, wanted in (
        ("industry", options.peer_industries),
        ("funding_stage", options.peer_funding_stages),
    ):
        if wanted:
            tests.append(
                pl.col(column).str.strip_chars().str.to_lowercase().is_in([w.lower() for w in wanted])
            )
    if len(tests) == 1:
        # the literal alone: Polars 2.1 refuses ``lit(True).fill_null(False)`` as the filter of a frame of
        # more than 16,384 rows ("filter predicate length of 2"), which made pools that large fail
        return tests[0]
    return pl.all_horizontal(tests).fill_null(False)


def peers_text(options: BenchmarkOptions) -> str | None:
    """The peer group in words: "201-500 or 501-1000 employees, industry Software Development"; None: every
    company."""
    parts = []
    if options.peer_sizes:
        parts.append(f"{' or '.join(options.peer_sizes)} employees")
    if options.peer_industries:
        parts.append(f"industry {' or '.join(options.peer_industries)}")
    if options.peer_funding_stages:
        parts.append(f"funding {' or '.join(options.peer_funding_stages)}")
    return ", ".join(parts) or None


def _local(pool_by: str) -> pl.Expr:
    """Whether a posting is in the vacancy's metro area (its city) or region (its admin1), in its country."""
    place = ("posting_city", "vacancy_city") if pool_by == "metro" else ("posting_admin1", "vacancy_admin1")
    posting, vacancy = (pl.col(c).str.strip_chars().str.to_lowercase() for c in place)
    return ((pl.col("posting_country") == pl.col("vacancy_country")) & (posting == vacancy)).fill_null(False)


def _level_fit() -> pl.Expr:
    """``same``, ``unknown`` (the posting names no level), ``adjacent`` (one level apart) or ``other``."""
    index = {name: i for i, name in enumerate(LEVELS)}
    posting = pl.col("posting_seniority").replace_strict(index, default=None, return_dtype=pl.Int16)
    vacancy = (
        pl.col("vacancy_seniority")
        .fill_null(UNKNOWN_LEVEL_READ_AS)
        .replace_strict(index, default=None, return_dtype=pl.Int16)
    )
    return (
        pl.when(pl.col("posting_seniority") == pl.col("vacancy_seniority").fill_null(UNKNOWN_LEVEL_READ_AS))
        .then(pl.lit("same"))
        .when(posting.is_null())
        .then(pl.lit("unknown"))
        .when((posting - vacancy).abs() == 1)
        .then(pl.lit("adjacent"))
        .otherwise(pl.lit("other"))
    )


def _level_counts(policy: str) -> pl.Expr:
    """Whether a posting's level lets it into the salary pool under ``policy``."""
    if policy not in LEVEL_POLICIES:
        raise ValueError(f"level_policy: got {policy!r}, expected one of {', '.join(LEVEL_POLICIES)}")
    if policy == "any":
        return pl.lit(True)
    unknown_ok = pl.col("vacancy_seniority").fill_null(UNKNOWN_LEVEL_READ_AS) == UNKNOWN_LEVEL_READ_AS
    if policy == "adjacent":
        index = {name: i for i, name in enumerate(LEVELS)}
        vacancy = (
            pl.col("vacancy_seniority")
            .fill_null(UNKNOWN_LEVEL_READ_AS)
            .replace_strict(index, default=None, return_dtype=pl.Int16)
        )
        unknown_ok = (vacancy - index[UNKNOWN_LEVEL_READ_AS]).abs() <= 1
    fit = pl.col("level_fit")
    return (
        (fit == "same") | ((fit == "unknown") & unknown_ok) | ((fit == "adjacent") & (policy == "adjacent"))
    )


def _dedupe_and_cap(frame: pl.DataFrame, cap: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(kept rows, per-vacancy counts of reposts collapsed and rows capped, the rows dropped with ``_drop``:
    ``repost`` or ``over the company cap``).

    Worked out on the few columns the keys need (with each row's index), then the kept rows are gathered
    from ``frame`` once, best-scoring first per vacancy."""
    key = ["scenario_id", "vacancy_id", "_company", "title_core", "_place", "annual_min", "annual_max"]
    ordered = (
        frame.select(
            *KEYS,
            "score",
            "posting_id",
            pl.col("company").str.to_lowercase().alias("_company"),
            "title_core",
            pl.coalesce("posting_city", "posting_country").alias("_place"),
            "annual_min",
            "annual_max",
        )
        .with_row_index("_row")
        .sort(["scenario_id", "vacancy_id", "score", "posting_id"], descending=[False, False, True, False])
    )
    # the best-scoring copy is each key's first row (a hash pass: 3x faster than a window over the key)
    ordered = ordered.with_columns((~pl.struct(key).is_first_distinct()).alias("_copy"))
    deduped = ordered.filter(~pl.col("_copy"))
    deduped = deduped.with_columns(pl.int_range(pl.len()).over([*KEYS, "_company"]).alias("_nth"))
    kept = frame[deduped.filter(pl.col("_nth") < cap)["_row"]]
    dropped = pl.concat(
        [
            ordered.filter(pl.col("_copy"))
            .select("scenario_id", "vacancy_id", "posting_id")
            .with_columns(pl.lit("repost").alias("_drop")),
            deduped.filter(pl.col("_nth") >= cap)
            .select("scenario_id", "vacancy_id", "posting_id")
            .with_columns(pl.lit("over the company cap").alias("_drop")),
        ]
    )
    counts = (
        ordered.group_by("scenario_id", "vacancy_id")
        .agg(pl.col("_copy").sum().alias("n_reposts_collapsed"))
        .join(
            deduped.group_by("scenario_id", "vacancy_id").agg(
                (pl.col("_nth") >= cap).sum().alias("n_capped")
            ),
            on=["scenario_id", "vacancy_id"],
            how="left",
        )
    )
    return kept, counts, dropped


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    """The rate from each posting's currency to its vacancy's as of the posting date (per distinct triple)."""
    pairs = frame.select(
        pl.col("posting_currency").alias("from_currency"),
        pl.col("vacancy_currency").alias("to_currency"),
        pl.col("date_posted").alias("on"),
    )
    return rate_table(pairs).select(
        pl.col("from_currency").alias("posting_currency"),
        pl.col("to_currency").alias("vacancy_currency"),
        pl.col("on").alias("date_posted"),
        pl.col("rate").alias("_rate"),
        pl.col("rate_date").alias("_rate_date"),
    )


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def _cents(column: str) -> pl.Expr:
    """A money column as whole cents, exactly (Int128: ``MONEY``'s 26 digits fit)."""
    return pl.col(column).cast(MONEY).to_physical().cast(pl.Int128)


def _cent_floor(x: Decimal | float | int) -> int:
    """The most cents at or below ``x``: a salary of ``c`` cents is ``<= x`` iff ``c <= _cent_floor(x)``."""
    return math.floor(Fraction(x) * 100)


def _ranked(rows: pl.DataFrame, value: str) -> pl.DataFrame:
    """``rows`` sorted by vacancy then ``value``, each ranked 0.. within its vacancy (``_i``)."""
    return rows.sort([*KEYS, value]).with_columns(pl.int_range(pl.len()).over(KEYS).alias("_i"))


def _sizes(rows: pl.DataFrame) -> dict[tuple[Any, Any], int]:
    """The number of rows per vacancy."""
    return {(a, b): n for a, b, n in rows.group_by(KEYS).agg(pl.len()).iter_rows()}


def _key_frame(items: list[tuple[Any, ...]], **columns: Any) -> pl.DataFrame:
    """Rows of (scenario_id, vacancy_id, *columns) as a frame."""
    schema = {"scenario_id": pl.String, "vacancy_id": pl.String, **columns}
    return pl.DataFrame(items, schema=schema, orient="row")


def _at_ranks(
    rows: pl.DataFrame, value: str, exponent: int, q: float, sizes: dict[tuple[Any, Any], int]
) -> dict[tuple[Any, Any], Decimal]:
    """Per vacancy in ``sizes`` (its number of rows) the q-th percentile of ``value``, as
    ``stats.percentile`` works it out. ``rows`` are ``_ranked`` by ``value``: an integer column in units of
    ``10 ** exponent``; only the two values the percentile lies between are read, as Decimals."""
    where = {key: percentile_ranks(n, q) for key, n in sizes.items() if n}
    wanted = _key_frame(
        [(*key, i) for key, (low, high, _) in where.items() for i in {low, high}], _i=pl.Int64
    )
    found = rows.select(*KEYS, "_i", value).join(wanted, on=[*KEYS, "_i"], how="semi", nulls_equal=True)
    at = {(a, b, i): Decimal(v).scaleb(exponent) for a, b, i, v in found.iter_rows()}
    return {
        key: interpolate(at[(*key, low)], at[(*key, high)], fraction)
        for key, (low, high, fraction) in where.items()
    }


def _whole(x: Decimal) -> int:
    if x != x.to_integral_value():
        raise ValueError(f"{x} is not a whole number")  # the scales below make every median whole
    return int(x)


def _trimmed(employer: pl.DataFrame, sizes: dict[tuple[Any, Any], int]) -> pl.DataFrame:
    """``employer`` (salaries ``_m`` in cents, ``_ranked``) without the outliers ``stats.trim_outliers``
    drops: from ``MIN_TRIM_N`` salaries up, those further from the median than ``outlier_limit(MAD)``."""
    judged = {key: n for key, n in sizes.items() if n >= max(MIN_TRIM_N, 3)}
    if not judged:
        return employer
    scale = 4  # in units of 10 ** -4: the median of cents (a half cent at most) and the deviations are whole
    centers = _at_ranks(employer, "_m", -2, 50, judged)
    centers_frame = _key_frame([(*key, _whole(c.scaleb(scale))) for key, c in centers.items()], _c=pl.Int128)
    deviations = employer.join(
        centers_frame, on=KEYS, how="left", nulls_equal=True, maintain_order="left"
    ).with_columns((pl.col("_m") * 10 ** (scale - 2) - pl.col("_c")).abs().alias("_d"))
    mads = _at_ranks(_ranked(deviations.filter(pl.col("_c").is_not_null()), "_d"), "_d", -scale, 50, judged)
    # the limit, in units of 10 ** -scale, as a whole number (a deviation is within it iff within its floor);
    # a MAD of zero trims nothing
    limits = _key_frame(
        [(*key, math.floor(Fraction(outlier_limit(mad)) * 10**scale)) for key, mad in mads.items() if mad],
        _limit=pl.Int128,
    )
    return (
        deviations.join(limits, on=KEYS, how="left", nulls_equal=True, maintain_order="left")
        .filter(pl.col("_limit").is_null() | (pl.col("_d") <= pl.col("_limit")))
        .drop("_c", "_d", "_limit")
        .with_columns(pl.int_range(pl.len()).over(KEYS).alias("_i"))
    )


def _pool_stats(
    kept: pl.DataFrame, bands: dict[tuple[Any, Any], tuple[Any, Any]] | None = None
) -> tuple[dict[tuple[Any, Any], dict[str, Any]], pl.DataFrame]:
    """Per vacancy of ``kept`` (its pool after reposts and the cap) the figures of its benchmark row:
    ``n_matched``, ``n_postings``, ``n_companies``, ``n_outliers_trimmed``, ``n_unknown_level``, ``ps`` (the
    percentiles), ``n_estimated``, ``p50_estimated`` and, for the vacancies in ``bands`` (their band's edges),
    ``at_or_below``: how many of its salaries lie at or below each edge; and the (scenario_id, vacancy_id,
    posting_id) whose salaries are in its percentiles.

    The numbers ``stats.trim_outliers``, ``percentile`` and ``percentile_rank`` give on each vacancy's list of
    Decimal salaries, worked out by Polars on whole cents: a median reads two values, the trim compares each
    salary with a per-vacancy limit, and only the values a percentile lies between are read as Decimals.
    """
    bands = bands or {}
    kept = kept.with_columns(pl.col(KEYS).cast(pl.String))  # as the per-vacancy frames below (_key_frame)
    salaried = (pl.col("salary_status") == "ok").fill_null(False) & pl.col("_mid").is_not_null()
    estimate = pl.col("is_estimate").fill_null(False)
    employer = _ranked(
        kept.filter(salaried & ~estimate).select(
            *KEYS, "posting_id", "company", "level_fit", _cents("_mid").alias("_m")
        ),
        "_m",
    )
    n_employer = _sizes(employer)
    within = _trimmed(employer, n_employer)
    # companies as stats counted them: Python's lower case of each distinct name (None: "")
    names = within.select(pl.col("company").unique())
    lower = names.with_columns(
        pl.Series("_company", [(c or "").lower() for c in names["company"].to_list()], dtype=pl.String)
    )
    edges = _key_frame(
        [
            (*key, None if low is None else _cent_floor(low), None if high is None else _cent_floor(high))
            for key, (low, high) in bands.items()
        ],
        _low=pl.Int128,
        _high=pl.Int128,
    )
    per = (
        within.join(lower, on="company", how="left", nulls_equal=True)
        .join(edges, on=KEYS, how="left", nulls_equal=True)
        .group_by(KEYS)
        .agg(
            pl.len().alias("n_postings"),
            pl.col("_company").n_unique().alias("n_companies"),
            (pl.col("level_fit") == "unknown").sum().alias("n_unknown_level"),
            (pl.col("_m") <= pl.col("_low")).sum().alias("_at_low"),
            (pl.col("_m") <= pl.col("_high")).sum().alias("_at_high"),
        )
    )
    n_within = {(r["scenario_id"], r["vacancy_id"]): r["n_postings"] for r in per.iter_rows(named=True)}
    ps = {q: _at_ranks(within, "_m", -2, q, n_within) for q in PERCENTILES}
    estimated = _ranked(kept.filter(salaried & estimate).select(*KEYS, _cents("_mid").alias("_m")), "_m")
    n_estimated = _sizes(estimated)
    p50_estimated = _at_ranks(estimated, "_m", -2, 50, n_estimated)
    out: dict[tuple[Any, Any], dict[str, Any]] = {
        key: {
            "n_matched": n,
            "n_postings": 0,
            "n_companies": 0,
            "n_outliers_trimmed": n_employer.get(key, 0),
            "n_unknown_level": 0,
            "ps": {q: ps[q].get(key) for q in PERCENTILES},
            "n_estimated": n_estimated.get(key, 0),
            "p50_estimated": p50_estimated.get(key),
            "at_or_below": (None, None),
        }
        for key, n in _sizes(kept).items()
    }
    for r in per.iter_rows(named=True):
        figures = out[(r["scenario_id"], r["vacancy_id"])]
        figures["n_outliers_trimmed"] -= r["n_postings"]
        figures.update({k: r[k] for k in ("n_postings", "n_companies", "n_unknown_level")})
        figures["at_or_below"] = (r["_at_low"], r["_at_high"])
    for key, (low, high) in bands.items():
        if key in out:
            at_low, at_high = out[key]["at_or_below"]
            out[key]["at_or_below"] = (None if low is None else at_low, None if high is None else at_high)
    counted = within.select(pl.col(c).cast(pl.String) for c in (*KEYS, "posting_id")).unique()
    return out, counted


NO_POOL: dict[str, Any] = {
    "n_matched": 0,
    "n_postings": 0,
    "n_companies": 0,
    "n_outliers_trimmed": 0,
    "n_unknown_level": 0,
    "ps": dict.fromkeys(PERCENTILES),
    "n_estimated": 0,
    "p50_estimated": None,
    "at_or_below": (None, None),
}


def _rank(at_or_below: int | None, n: int) -> float | None:
    """``stats.percentile_rank`` rounded to a tenth, from the number of salaries at or below the edge."""
    if at_or_below is None or not n:
        return None
    return round(100.0 * at_or_below / n, 1)


def _benchmark_row(vacancy: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """The vacancy's benchmark row from its pool's figures (``_pool_stats``)."""
    ps = figures["ps"]
    n_postings, n_companies = figures["n_postings"], figures["n_companies"]
    # the band as a full-time equivalent (normalize divides a part-time band by its fte), as market pay is
    band_min, band_max = vacancy["annual_min"], vacancy["annual_max"]
    level = confidence(n_postings=n_postings, n_companies=n_companies, p25=ps[25], p50=ps[50], p75=ps[75])
    ratio = compa_ratio(band_min, band_max, ps[50])
    at_low, at_high = figures["at_or_below"]
    return {
        "scenario_id": vacancy["scenario_id"],
        "vacancy_id": vacancy["vacancy_id"],
        "role": vacancy["role"],
        "seniority": vacancy["seniority"],
        "occupation_code": vacancy["occupation_code"],
        "location": vacancy["location_name"],
        "country_code": vacancy["country_code"],
        "currency": vacancy["currency"],
        "band_min": _money(band_min),
        "band_max": _money(band_max),
        "fte": vacancy.get("fte_factor"),
        "band_min_stated": _money(vacancy.get("salary_min")),
        "band_max_stated": _money(vacancy.get("salary_max")),
        "n_matched": figures["n_matched"],
        "n_postings": n_postings,
        "n_companies": n_companies,
        "n_outliers_trimmed": figures["n_outliers_trimmed"],
        "n_unknown_level": figures["n_unknown_level"],
        **{f"p{q}": _money(v) for q, v in ps.items()},
        "compa_ratio": None if ratio is None else ratio.quantize(Decimal("0.001")),
        "band_min_percentile": _rank(at_low, n_postings),
        "band_max_percentile": _rank(at_high, n_postings),
        "confidence": level,
        "percentiles_indicative": indicative(level, ps[50]),
        "verdict": verdict(level=level, band_min=band_min, band_max=band_max, p25=ps[25], p75=ps[75]),
        "n_estimated": figures["n_estimated"],
        "p50_estimated": _money(figures["p50_estimated"]),
        # the band and p50 in the reporting currency, at normalize's rate for the vacancy: across countries
        "reporting_currency": vacancy.get("reporting_currency"),
        "band_min_reporting": _money(vacancy.get("annual_min_reporting")),
        "band_max_reporting": _money(vacancy.get("annual_max_reporting")),
        "p50_reporting": _in_reporting(ps[50], vacancy.get("fx_rate")),
    }


def _in_reporting(amount: Decimal | None, rate: Decimal | float | None) -> Decimal | None:
    """``amount`` times the vacancy's rate to the reporting currency, to the cent (None without either)."""
    if amount is None or rate is None:
        return None
    return _money(amount * (rate if isinstance(rate, Decimal) else Decimal(str(rate))))


BENCHMARK_SCHEMA: dict[str, Any] = {
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "role": pl.String,
    "seniority": pl.String,
    "occupation_code": pl.String,
    "location": pl.String,
    "country_code": pl.String,
    "currency": pl.String,
    "band_min": MONEY,
    "band_max": MONEY,
    "fte": pl.Decimal(26, 6),
    "band_min_stated": MONEY,
    "band_max_stated": MONEY,
    "n_matched": pl.Int64,
    "n_postings": pl.Int64,
    "n_companies": pl.Int64,
    "n_outliers_trimmed": pl.Int64,
    "n_unknown_level": pl.Int64,
    "p10": MONEY,
    "p25": MONEY,
    "p50": MONEY,
    "p75": MONEY,
    "p90": MONEY,
    "compa_ratio": pl.Decimal(12, 3),
    "band_min_percentile": pl.Float64,
    "band_max_percentile": pl.Float64,
    "confidence": pl.String,
    "percentiles_indicative": pl.Boolean,
    "verdict": pl.String,
    "n_estimated": pl.Int64,
    "p50_estimated": MONEY,
    "reporting_currency": pl.String,
    "band_min_reporting": MONEY,
    "band_max_reporting": MONEY,
    "p50_reporting": MONEY,
}


def benchmark_frames(
    vacancies: pl.DataFrame,
    postings: pl.DataFrame,
    matches: pl.DataFrame,
    options: BenchmarkOptions | None = None,
    *,
    exclusions: pl.DataFrame | None = None,
    previous: pl.DataFrame | None = None,
    left_out: pl.DataFrame | None = None,
    planned: set[str] | None = None,
    vector_cache: Any = None,
) -> dict[str, pl.DataFrame]:
    """The report frames: ``vacancy_benchmarks``, ``vacancy_matches``, ``competitor_hiring``,
    ``benchmark_pool`` and ``excluded_matches``.

    ``exclusions`` (vacancy_id, posting_id[, reason]) strikes matches before anything is counted;
    ``previous`` (an earlier run's ``vacancy_benchmarks`` with ``run_at``) fills the ``*_previous`` columns.
    ``left_out`` (scenario_id, vacancy_id, reason, n: the match stage's ``MatchSummary.left_out``) adds the
    postings the match stage left out for their level to ``n_other_level``. ``planned``: the vacancy ids the
    Floqer plan searches (None: no plan). Each vacancy without a verdict gets ``left_out``, ``why_no_verdict``
    and ``suggested_change`` (``matcher.benchmark.why``; null for the others).
    """
    options = options or BenchmarkOptions()
    as_of = options.as_of or date.today()
    open_vacancies = vacancies.filter(pl.col("is_open"))
    struck = _excluded_matches(_exclusions(exclusions), matches, postings)
    all_matches = matches
    if struck.height:
        matches = matches.join(
            struck.select("vacancy_id", "posting_id"), on=["vacancy_id", "posting_id"], how="anti"
        )
    # only what a report shows or a benchmark counts is joined with the postings' fields
    wanted = matches.filter((pl.col("score") >= options.min_score) | (pl.col("rank") <= options.top_k))
    frame = _with_postings(wanted, postings, vacancies)
    # as_of is a cut-off: what was published or discovered after it is not in the market of that day
    frame = frame.filter(~posted_after(as_of).fill_null(False))
    in_pool = pl.col("score") >= options.min_score
    if options.same_country_only:
        in_pool = in_pool & (pl.col("geography") >= SAME_COUNTRY)
    # the wide frames (every match at or above the score, with the postings' fields: 2.3M rows at 1,000
    # vacancies x 1M postings) are dropped as soon as what reads them is done; what each feeds is taken
    # first: the top-k list, the hiring windows (which count every company's postings), the pool's rows
    top = frame.filter(pl.col("rank") <= options.top_k)
    eligible = frame.filter(in_pool)
    del frame
    hiring = _hiring(eligible, as_of)
    # level-true: the salary pool keeps the levels the policy admits (before reposts and the cap, so that a
    # company's postings at other levels cannot take the places of its postings at the vacancy's)
    leveled = eligible.filter(_peers(options)).with_columns(_level_fit().alias("level_fit"))
    del eligible
    leveled = leveled.join(
        _rates(leveled), on=["posting_currency", "vacancy_currency", "date_posted"], how="left"
    ).with_columns(
        ((pl.col("annual_min") + pl.col("annual_max")) / 2 * pl.col("_rate"))
        .round(2)
        .cast(MONEY)
        .alias("_mid")
    )
    admitted = _level_counts(options.level_policy)
    other_level = leveled.filter(~admitted)
    at_level = leveled.filter(admitted)
    del leveled
    national = _dedupe_and_cap(at_level, options.company_cap)
    kept, counts, dropped, pools = _choose_pools(at_level, national, open_vacancies, options)
    del at_level, national
    n_other_level = other_level.group_by("scenario_id", "vacancy_id").agg(pl.len().alias("n_other_level"))
    if left_out is not None and left_out.height:
        n_other_level = (
            pl.concat(
                [
                    n_other_level.with_columns(pl.col("n_other_level").cast(pl.Int64)),
                    left_out.filter(pl.col("reason") == "another level").select(
                        "scenario_id", "vacancy_id", pl.col("n").cast(pl.Int64).alias("n_other_level")
                    ),
                ]
            )
            .group_by("scenario_id", "vacancy_id")
            .agg(pl.col("n_other_level").sum())
        )
    listed = list(open_vacancies.sort("scenario_id", "vacancy_id").iter_rows(named=True))
    figures, counted = _pool_stats(
        kept, {(v["scenario_id"], v["vacancy_id"]): (v["annual_min"], v["annual_max"]) for v in listed}
    )
    rows = [_benchmark_row(v, figures.get((v["scenario_id"], v["vacancy_id"]), NO_POOL)) for v in listed]
    benchmarks = pl.DataFrame(rows, schema=BENCHMARK_SCHEMA, orient="row")
    # the salaries in the open vacancies' percentiles
    counted = counted.join(open_vacancies.select(KEYS), on=KEYS, how="semi", nulls_equal=True)
    n_excluded = struck.filter(pl.col("matched")).group_by("vacancy_id").agg(pl.len().alias("n_excluded"))
    benchmarks = (
        benchmarks.join(counts, on=["scenario_id", "vacancy_id"], how="left")
        .join(n_other_level, on=["scenario_id", "vacancy_id"], how="left")
        .join(n_excluded, on="vacancy_id", how="left")
        .join(pools, on=["scenario_id", "vacancy_id"], how="left", nulls_equal=True)
        .with_columns(
            pl.col("n_reposts_collapsed").fill_null(0),
            pl.col("n_capped").fill_null(0),
            pl.col("n_other_level").fill_null(0).cast(pl.Int64),
            pl.lit(options.level_policy).alias("level_policy"),
            pl.lit(options.flowstate_tenant, pl.String).alias("flowstate_tenant"),
            pl.lit(options.flowstate_org_id, pl.String).alias("flowstate_org_id"),
            pl.lit(options.demo_lake, pl.Boolean).alias("demo_lake"),
            pl.col("n_excluded").fill_null(0).cast(pl.Int64),
        )
    )
    undecided = benchmarks.filter(pl.col("verdict") == "insufficient data")
    funnel = _funnel(
        undecided.select("scenario_id", "vacancy_id"),
        vacancies,
        postings,
        all_matches,
        matches,
        struck,
        options,
        as_of,
        (kept, dropped, counted),
        vector_cache,
    )
    settings = {"min_score": options.min_score, "level_policy": options.level_policy}
    reasons = why.explain_no_verdict(undecided, funnel, vacancies, settings, planned=planned)
    benchmarks = benchmarks.join(reasons, on=["scenario_id", "vacancy_id"], how="left", nulls_equal=True)
    benchmarks = with_previous(benchmarks, previous).with_columns(pl.lit(as_of, pl.Date).alias("as_of"))
    benchmarks = benchmarks.select(
        "scenario_id", "vacancy_id", "as_of", pl.exclude("scenario_id", "vacancy_id", "as_of")
    )
    pool_frame = _pool(kept, other_level, counted)
    top = top.join(_rates(top), on=["posting_currency", "vacancy_currency", "date_posted"], how="left")
    top = explain_matches(top, vacancies, postings).with_columns(
        ((pl.col("annual_min") + pl.col("annual_max")) / 2 * pl.col("_rate"))
        .round(2)
        .cast(MONEY)
        .alias("salary_mid_vacancy_currency"),
    )
    pool = kept.select("scenario_id", "vacancy_id", "posting_id", pl.lit(True).alias("in_benchmark_pool"))
    top = top.join(pool, on=["scenario_id", "vacancy_id", "posting_id"], how="left").with_columns(
        pl.col("in_benchmark_pool").fill_null(False)
    )
    # the same job: what the benchmark would count if it had a salary (score, country, level); the rest of
    # the list are related postings, shown below and never counted
    top = top.with_columns(_level_fit().alias("level_fit")).with_columns(
        (in_pool & admitted).fill_null(False).alias("same_job")
    )
    vacancy_matches = top.select(
        "scenario_id",
        "vacancy_id",
        "rank",
        "posting_id",
        "score",
        "title",
        "seniority",
        "geography",
        "recency",
        "skills",
        "explanation",
        _components(options.match or MatchOptions()).alias("components"),
        "same_job",
        "in_benchmark_pool",
        "company",
        "job_title",
        "posting_seniority",
        "posting_city",
        "posting_country",
        "is_remote",
        "date_posted",
        "url",
        "salary_string",
        "is_estimate",
        pl.col("vacancy_currency").alias("currency"),
        "salary_mid_vacancy_currency",
    ).sort("scenario_id", "vacancy_id", "rank")
    return {
        "vacancy_benchmarks": benchmarks,
        "vacancy_matches": vacancy_matches,
        "competitor_hiring": hiring,
        "benchmark_pool": pool_frame,
        "excluded_matches": struck,
    }


def _choose_pools(
    admitted: pl.DataFrame,
    national: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    vacancies: pl.DataFrame,
    options: BenchmarkOptions,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per vacancy the pool it is benchmarked against: its local pool (``options.pool_by``) when that holds
    ``local_min_salaries`` salaries from ``VERDICT_COMPANIES`` companies, else the national one.

    Returns the chosen pools' (kept rows, repost and cap counts, dropped rows: a local pool's postings
    elsewhere in the country are dropped as ``why.LOCAL``) and (scenario_id, vacancy_id, pool, pool_scope).
    """
    keys = ["scenario_id", "vacancy_id"]
    kept, counts, dropped = national
    peers = peers_text(options)
    chosen: list[tuple[str, str]] = []
    rows = []
    local: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None = None
    figures: dict[tuple[Any, Any], dict[str, Any]] = {}
    if options.pool_by != "national":
        local = _dedupe_and_cap(admitted.filter(_local(options.pool_by)), options.company_cap)
        figures, _ = _pool_stats(local[0])
    for v in vacancies.iter_rows(named=True):
        key = (v["scenario_id"], v["vacancy_id"])
        country = v.get("country_code") or "?"
        name = f"national {country}" if options.same_country_only else "every country"
        scope, note = "national", None
        if local is not None:
            place = v.get("city") if options.pool_by == "metro" else v.get("admin1")
            if not place:
                note = f"the vacancy names no {'city' if options.pool_by == 'metro' else 'region'}"
            else:
                found = figures.get(key, NO_POOL)
                n, firms = found["n_postings"], found["n_companies"]
                if n >= options.local_min_salaries and firms >= why.VERDICT_COMPANIES:
                    chosen.append(key)
                    scope, name = options.pool_by, f"{options.pool_by} {place}"
                else:
                    note = (
                        f"{options.pool_by} {place}: {n:,} salaries from {firms:,} companies, a local pool "
                        f"needs {options.local_min_salaries} from {why.VERDICT_COMPANIES}"
                    )
        text = name + (f" ({note})" if note else "") + (f"; peers: {peers}" if peers else "")
        rows.append(
            {
                "scenario_id": v["scenario_id"],
                "vacancy_id": v["vacancy_id"],
                "pool": text,
                "pool_scope": scope,
            }
        )
    pools = pl.DataFrame(
        rows,
        schema={
            "scenario_id": pl.String,
            "vacancy_id": pl.String,
            "pool": pl.String,
            "pool_scope": pl.String,
        },
        orient="row",
    )
    if local is None or not chosen:
        return kept, counts, dropped, pools
    picked = pl.DataFrame(chosen, schema={"scenario_id": pl.String, "vacancy_id": pl.String}, orient="row")

    def pick(national_part: pl.DataFrame, local_part: pl.DataFrame) -> pl.DataFrame:
        return pl.concat(
            [
                national_part.join(picked, on=keys, how="anti", nulls_equal=True),
                local_part.join(picked, on=keys, how="semi", nulls_equal=True),
            ],
            how="diagonal_relaxed",
        )

    elsewhere = (
        admitted.join(picked, on=keys, how="semi", nulls_equal=True)
        .filter(~_local(options.pool_by))
        .select(*keys, "posting_id", pl.lit(why.LOCAL).alias("_drop"))
    )
    return (
        pick(kept, local[0]),
        pick(counts, local[1]),
        pl.concat([pick(dropped, local[2]), elsewhere]),
        pools,
    )


def _funnel(
    undecided: pl.DataFrame,
    vacancies: pl.DataFrame,
    postings: pl.DataFrame,
    all_matches: pl.DataFrame,
    matches: pl.DataFrame,
    struck: pl.DataFrame,
    options: BenchmarkOptions,
    as_of: date,
    pool: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    vector_cache: Any,
) -> pl.DataFrame:
    """Per (vacancy without a verdict, posting that matches it before any filter): the first reason that left
    it out of the pool, or ``counted`` (``matcher.benchmark.why``)."""
    keys = ["scenario_id", "vacancy_id"]
    schema = {
        "scenario_id": pl.String,
        "vacancy_id": pl.String,
        "posting_id": pl.String,
        "reason": pl.String,
        "score": pl.Float64,
    }
    if not undecided.height:
        return pl.DataFrame(
            schema={**schema, "company": pl.String, "_salaried": pl.Boolean, "_detail": pl.String}
        )
    kept, dropped, counted = pool
    parts: list[pl.DataFrame] = []
    if options.match is not None:
        chosen = vacancies.join(undecided, on=keys, how="semi", nulls_equal=True)
        match_options = replace(options.match, as_of=as_of)
        parts.append(
            why.match_stage_left_out(chosen, postings, all_matches, match_options, vector_cache=vector_cache)
        )
    mine = matches.join(undecided, on=keys, how="semi", nulls_equal=True)
    hit = struck.filter(pl.col("matched")).select("vacancy_id", "posting_id")
    parts.append(
        all_matches.join(undecided, on=keys, how="semi", nulls_equal=True)
        .join(hit, on=["vacancy_id", "posting_id"], how="semi")
        .select(*keys, "posting_id", pl.lit(why.ANALYST).alias("reason"), "score")
    )
    frame = _with_postings(mine, postings, vacancies).filter(~posted_after(as_of).fill_null(False))
    frame = frame.with_columns(_level_fit().alias("level_fit"))
    in_country = (pl.col("geography") >= SAME_COUNTRY) if options.same_country_only else pl.lit(True)
    ids = counted.with_columns(pl.lit(True).alias("_counted"))
    pooled = kept.select(*keys, "posting_id", "_mid").with_columns(pl.lit(True).alias("_kept"))
    frame = (
        frame.join(pooled, on=[*keys, "posting_id"], how="left", nulls_equal=True)
        .join(dropped, on=[*keys, "posting_id"], how="left", nulls_equal=True)
        .join(ids, on=[*keys, "posting_id"], how="left", nulls_equal=True)
    )
    has_salary = (pl.col("salary_status") == "ok") & pl.col("_mid").is_not_null()
    reason = (
        pl.when(pl.col("score") < options.min_score)
        .then(pl.lit(why.BELOW))
        .when(~in_country.fill_null(False))
        .then(pl.lit(why.OUTSIDE))
        .when(~_peers(options))
        .then(pl.lit(why.PEER))
        .when(~_level_counts(options.level_policy).fill_null(False))
        .then(pl.lit(why.LEVEL))
        .when(pl.col("_drop").is_not_null())
        .then(pl.col("_drop"))
        .when(pl.col("_counted").fill_null(False))
        .then(pl.lit(why.COUNTED))
        .when(pl.col("_kept").fill_null(False) & ~has_salary)
        .then(pl.lit(why.NO_SALARY))
        .when(pl.col("_kept").fill_null(False) & pl.col("is_estimate").fill_null(False))
        .then(pl.lit(why.ESTIMATE))
        .when(pl.col("_kept").fill_null(False))
        .then(pl.lit(why.OUTLIER))
        .otherwise(pl.lit(why.NO_SALARY))
    )
    parts.append(frame.select(*keys, "posting_id", reason.alias("reason"), "score"))
    rows = pl.concat([p.select(list(schema)).cast(schema) for p in parts])  # type: ignore[arg-type]
    statuses = (
        pl.col("employment_statuses").list.join("/")
        if "employment_statuses" in postings.columns
        else pl.lit(None, pl.String)
    )
    fields = postings.select(
        "posting_id",
        "company",
        (
            (pl.col("salary_status") == "ok")
            & ~pl.col("is_estimate").fill_null(False)
            & pl.col("annual_min").is_not_null()
        ).alias("_salaried"),
        statuses.alias("_statuses"),
        pl.col("seniority").fill_null("unknown").alias("_level"),
        pl.col("country_code").fill_null("unknown").alias("_country"),
    )
    detail = (
        pl.when(pl.col("reason") == why.WORK_TYPE)
        .then(pl.col("_statuses"))
        .when(pl.col("reason") == why.LEVEL)
        .then(pl.col("_level"))
        .when(pl.col("reason") == why.COUNTRY)
        .then(pl.col("_country"))
        .when((pl.col("reason") == why.BELOW) & pl.col("_salaried"))
        .then(pl.col("score").cast(pl.String))
        .otherwise(pl.lit(None, pl.String))
    )
    return (
        rows.join(fields, on="posting_id", how="left")
        .with_columns(pl.col("_salaried").fill_null(False), detail.alias("_detail"))
        .select(*schema, "company", "_salaried", "_detail")
    )


def _exclusions(frame: pl.DataFrame | None) -> pl.DataFrame:
    """Exclusions as (vacancy_id, posting_id, reason), one row per pair; a frame without reasons is fine."""
    if frame is None:
        return empty_exclusions().drop("line")
    if "reason" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("reason"))
    return frame.select(
        pl.col("vacancy_id").cast(pl.String),
        pl.col("posting_id").cast(pl.String),
        pl.col("reason").cast(pl.String),
    ).unique(["vacancy_id", "posting_id"], keep="first", maintain_order=True)


def _excluded_matches(
    exclusions: pl.DataFrame, matches: pl.DataFrame, postings: pl.DataFrame
) -> pl.DataFrame:
    """Each exclusion, whether it struck a real match (its best score) and the posting it names."""
    pairs = ["vacancy_id", "posting_id"]
    # only the excluded pairs' matches are read (a handful, against millions of matches)
    scores = (
        (matches if exclusions.height else matches.clear())
        .select(*pairs, "score")
        .join(exclusions.select(pairs), on=pairs, how="semi")
        .group_by(pairs)
        .agg(pl.col("score").max())
    )
    fields = postings.select("posting_id", "company", "job_title", "url")
    return (
        exclusions.join(scores, on=["vacancy_id", "posting_id"], how="left")
        .join(fields, on="posting_id", how="left")
        .select(
            "vacancy_id",
            "posting_id",
            "reason",
            pl.col("score").is_not_null().alias("matched"),
            "score",
            "company",
            "job_title",
            "url",
        )
        .sort("vacancy_id", "posting_id")
    )


def _pool(kept: pl.DataFrame, other_level: pl.DataFrame, counted: pl.DataFrame) -> pl.DataFrame:
    """Every posting in a vacancy's benchmark pool with its salary, and the matches left out for their level;
    ``counted``: in the percentiles; ``reason``: why (not)."""
    ids = counted.with_columns(pl.lit(True).alias("counted"))
    # only the columns the report reads (both frames come from the same leveled pool: the same columns)
    needed = [
        *("scenario_id", "vacancy_id", "posting_id", "company", "job_title", "score", "date_posted", "url"),
        *("vacancy_currency", "_mid", "is_estimate", "posting_seniority", "level_fit", "salary_status"),
    ]
    rows = pl.concat(
        [
            kept.select(needed).with_columns(pl.lit(True).alias("_in_pool")),
            other_level.select(needed).with_columns(pl.lit(False).alias("_in_pool")),
        ],
        how="diagonal_relaxed",
    )
    has_salary = (pl.col("salary_status") == "ok") & pl.col("_mid").is_not_null()
    return (
        rows.join(ids, on=["scenario_id", "vacancy_id", "posting_id"], how="left")
        .with_columns(pl.col("counted").fill_null(False))
        .with_columns(
            pl.when(~pl.col("_in_pool"))
            .then(pl.lit("other_level"))
            .when(pl.col("counted"))
            .then(pl.lit("counted"))
            .when(~has_salary)
            .then(pl.lit("no_salary"))
            .when(pl.col("is_estimate").fill_null(False))
            .then(pl.lit("estimate"))
            .otherwise(pl.lit("outlier"))
            .alias("reason")
        )
        .select(
            "scenario_id",
            "vacancy_id",
            "posting_id",
            "company",
            "job_title",
            "score",
            "date_posted",
            "url",
            pl.col("vacancy_currency").alias("currency"),
            pl.col("_mid").alias("salary_mid_vacancy_currency"),
            pl.col("is_estimate"),
            "posting_seniority",
            "level_fit",
            "counted",
            "reason",
        )
        .sort(["scenario_id", "vacancy_id", "score", "posting_id"], descending=[False, False, True, False])
    )


def _components(options: MatchOptions) -> pl.Expr:
    """Each judged component of a match's score as (``component``, ``score``, ``weight``): the weights are the
    match options' rescaled over the judged components (seniority or skills can be null: not judged), so
    ``sum(score * weight)`` is the match's score (up to rounding)."""
    weights = {c: float(options.weights.get(c, 0.0)) for c in COMPONENTS}
    judged = pl.sum_horizontal(
        pl.when(pl.col(c).is_not_null()).then(pl.lit(weights[c])).otherwise(0.0) for c in COMPONENTS
    )
    parts = [
        pl.when(pl.col(c).is_not_null()).then(
            pl.struct(
                pl.lit(c).alias("component"),
                pl.col(c).cast(pl.Float64).alias("score"),
                (weights[c] / judged).round(4).alias("weight"),
            )
        )
        for c in COMPONENTS
        if weights[c] > 0
    ]
    return pl.concat_list(parts).list.drop_nulls()


def _trend(recent: int, prior: int) -> str:
    if recent == 0 and prior == 0:
        return "none"
    if prior == 0:
        return "new"
    ratio = recent / (prior / 2)  # the last 30 days against the 30-day average of the 60 before
    return "rising" if ratio >= TREND_UP else "falling" if ratio <= TREND_DOWN else "steady"


def _trend_expr(recent: pl.Expr, prior: pl.Expr) -> pl.Expr:
    """``_trend`` as an expression: the same float arithmetic, per row."""
    ratio = recent.cast(pl.Float64) / (prior.cast(pl.Float64) / 2)
    return (
        pl.when((recent == 0) & (prior == 0))
        .then(pl.lit("none"))
        .when(prior == 0)
        .then(pl.lit("new"))
        .when(ratio >= TREND_UP)
        .then(pl.lit("rising"))
        .when(ratio <= TREND_DOWN)
        .then(pl.lit("falling"))
        .otherwise(pl.lit("steady"))
    )


HIRING_SCHEMA: dict[str, Any] = {
    "scope": pl.String,
    "vacancy_id": pl.String,
    "company": pl.String,
    "postings_30d": pl.Int64,
    "postings_90d": pl.Int64,
    "trend": pl.String,
    "seniority_mix": pl.List(pl.Struct({"level": pl.String, "n": pl.Int64})),
    "vacancies_matched": pl.Int64,
}


def _hiring(frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Per vacancy x company and per company across vacancies: 30/90-day counts, trend, seniority mix
    (levels by postings, most first, then by name)."""
    window = (
        frame.select("vacancy_id", "posting_id", "company", "posting_seniority", "date_posted")
        .filter((pl.col("date_posted") <= as_of) & (pl.col("date_posted") > as_of - timedelta(days=90)))
        .with_columns((pl.col("date_posted") > as_of - timedelta(days=30)).alias("_recent"))
    )
    fields: list[pl.Expr | str] = [
        pl.col("company").fill_null(""),
        pl.col("vacancy_id").alias("_vacancy"),
        pl.col("posting_seniority").fill_null("unknown").alias("_level"),
        "_recent",
    ]
    # each posting once per vacancy, and once in the market (with one of the vacancies it matches)
    items = pl.concat(
        [
            window.unique(["vacancy_id", "posting_id"]).select(
                pl.lit("vacancy").alias("scope"), "vacancy_id", *fields
            ),
            window.unique(["posting_id"]).select(
                pl.lit("market").alias("scope"), pl.lit(None, pl.String).alias("vacancy_id"), *fields
            ),
        ]
    )
    group = ["scope", "vacancy_id", "company"]
    mix = (
        items.group_by(*group, "_level")
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .sort([*group, "n", "_level"], descending=[False, False, False, True, False], nulls_last=True)
        .group_by(group, maintain_order=True)
        .agg(pl.struct(pl.col("_level").alias("level"), "n").alias("seniority_mix"))
    )
    counts = items.group_by(group).agg(
        pl.col("_recent").sum().cast(pl.Int64).alias("postings_30d"),
        pl.len().cast(pl.Int64).alias("postings_90d"),
        pl.col("_vacancy").n_unique().cast(pl.Int64).alias("vacancies_matched"),
    )
    # the market row: every vacancy the company's postings match, not the one kept with each posting
    spread = window.group_by(pl.col("company").fill_null("")).agg(
        pl.col("vacancy_id").n_unique().cast(pl.Int64).alias("_spread")
    )
    counts = (
        counts.join(spread, on="company", how="left")
        .with_columns(
            pl.when(pl.col("scope") == "market")
            .then(pl.col("_spread"))
            .otherwise(pl.col("vacancies_matched"))
            .alias("vacancies_matched")
        )
        .drop("_spread")
    )
    hiring = (
        counts.join(mix, on=group, how="left", nulls_equal=True)
        .with_columns(
            _trend_expr(pl.col("postings_30d"), pl.col("postings_90d") - pl.col("postings_30d")).alias(
                "trend"
            )
        )
        .select(pl.col(name).cast(dtype) for name, dtype in HIRING_SCHEMA.items())
    )
    return hiring.sort(
        ["scope", "vacancy_id", "postings_90d", "company"],
        descending=[True, False, True, False],
        nulls_last=True,
    )


HISTORY = Path(TABLES["benchmark_history"].directory)  # relative to the lake (matcher/lake/layout.py)
PREVIOUS_SCHEMA: dict[str, Any] = {
    "previous_run_at": pl.Datetime("us", "UTC"),
    "p50_previous": MONEY,
    "compa_ratio_previous": pl.Decimal(12, 3),
    "verdict_previous": pl.String,
}


def with_previous(benchmarks: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    """``benchmarks`` with the previous run's p50, compa-ratio and verdict per vacancy (null: none)."""
    if previous is None or not previous.height:
        return benchmarks.with_columns(
            pl.lit(None, dtype).alias(name) for name, dtype in PREVIOUS_SCHEMA.items()
        )
    earlier = previous.select(
        "scenario_id",
        "vacancy_id",
        pl.col("run_at").cast(PREVIOUS_SCHEMA["previous_run_at"]).alias("previous_run_at"),
        pl.col("p50").cast(MONEY).alias("p50_previous"),
        pl.col("compa_ratio").cast(PREVIOUS_SCHEMA["compa_ratio_previous"]).alias("compa_ratio_previous"),
        pl.col("verdict").alias("verdict_previous"),
    )
    return benchmarks.join(earlier, on=["scenario_id", "vacancy_id"], how="left")


def previous_benchmarks(lake: Path | str) -> pl.DataFrame | None:
    """The latest ``vacancy_benchmarks`` recorded by ``record_benchmarks`` in the lake, if any."""
    runs = TABLES["benchmark_history"].files(lake)
    return pl.read_parquet(runs[-1]) if runs else None


def record_benchmarks(lake: Path | str, benchmarks: pl.DataFrame, run_at: datetime | None = None) -> Path:
    """Keep this run's benchmarks in ``lake/benchmark/history`` so the next run can show what changed."""
    moment = (run_at or datetime.now(UTC)).astimezone(UTC)
    path = TABLES["benchmark_history"].file(lake, f"{moment:%Y%m%dT%H%M%S%fZ}")
    snapshot = benchmarks.drop([c for c in PREVIOUS_SCHEMA if c in benchmarks.columns]).with_columns(
        pl.lit(moment).cast(PREVIOUS_SCHEMA["previous_run_at"]).alias("run_at")
    )
    return write_parquet_atomic(snapshot, path)


def benchmark_lake(
    lake: Path | str,
    options: BenchmarkOptions | None = None,
    *,
    exclusions: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """The report frames from ``lake/clean`` and ``lake/matches`` (run normalize and match first), compared
    with the last run ``record_benchmarks`` kept. Reading only: nothing in the lake changes.

    ``options.as_of`` None means the day the matches were scored for; matches scored for another day than
    ``options.as_of`` (or recording none) raise ``MatchesAsOfError``: they are never reused silently.
    """
    root = Path(lake)
    options = options or BenchmarkOptions()
    needed = [lake_path(root, name) for name in ("clean_postings", "clean_vacancies", "matches")]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        step = "normalize" if not needed[0].exists() else "match"
        raise NotReadyError(f"lake {root}: {', '.join(missing)} missing: run `matcher {step}` first")
    matches_path = lake_path(root, "matches")
    scored_for = matches_as_of(matches_path)
    wanted = options.as_of
    if scored_for is None:
        again = f"`matcher match --as-of {wanted}`" if wanted else "`matcher match`"
        raise MatchesAsOfError(
            f"{matches_path} does not record the as-of day its matches were scored for; run {again}"
        )
    if wanted is not None and wanted != scored_for:
        raise MatchesAsOfError(
            f"matches were scored as of {scored_for}; run `matcher match --as-of {wanted}` "
            f"(or benchmark them with --as-of {scored_for})"
        )
    options = replace(options, as_of=scored_for)
    postings, vacancies, matches = (pl.read_parquet(p) for p in needed)
    side = lake_path(root, "left_out")
    vector_cache = None
    if options.match is not None and options.match.semantic:
        from matcher.match.semantic import TitleVectorCache

        vector_cache = TitleVectorCache.in_lake(root)
    return benchmark_frames(
        vacancies,
        postings,
        matches,
        options,
        exclusions=exclusions,
        previous=previous_benchmarks(root),
        left_out=pl.read_parquet(side) if side.exists() else None,
        planned=planned_vacancies(root),
        vector_cache=vector_cache,
    )


def planned_vacancies(lake: Path | str) -> set[str] | None:
    """The vacancy ids the lake's last Floqer plan searches (``state/floqer_plan.json``), or None when no
    plan was made (or it cannot be read)."""
    path = lake_path(Path(lake), "floqer_plan")
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    items = plan.get("vacancies") if isinstance(plan, dict) else None
    if not isinstance(items, list):
        return None
    return {
        str(v["vacancy_id"])
        for v in items
        if isinstance(v, dict) and v.get("vacancy_id") and v.get("filter_set") is not None
    }
