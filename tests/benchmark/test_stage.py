"""The benchmark stage on tiny inline tables: every number worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import polars as pl

from matcher.benchmark.stage import BenchmarkOptions, benchmark_frames
from matcher.normalize.currency import rate

AS_OF = date(2026, 6, 1)
VACANCIES = pl.DataFrame(
    [
        {
            "scenario_id": "",
            "vacancy_id": "v1",
            "is_open": True,
            "role": "Senior Backend Engineer",
            "seniority": "senior",
            "occupation_code": "15-1252",
            "location_name": "Austin, TX",
            "title_core": "backend engineer",
            "city": "Austin",
            "country_code": "US",
            "currency": "USD",
            "annual_min": D("100000"),
            "annual_max": D("120000"),
        },
    ],
    schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)},
)


def posting(pid: str, company: str, low: int | None, high: int | None, **fields: Any) -> dict[str, Any]:
    row = {
        "posting_id": pid,
        "job_title": "Backend Engineer",
        "title_core": "backend engineer",
        "seniority": "senior",
        "url": f"https://jobs.example/{pid}",
        "date_posted": date(2026, 5, 20),
        "country_code": "US",
        "city": "Austin",
        "is_remote": False,
        "annual_min": None if low is None else D(low),
        "annual_max": None if high is None else D(high),
        "currency": "USD",
        "is_estimate": False,
        "salary_status": "ok" if low else "missing",
        "salary_string": None,
        "company": company,
    }
    row.update(fields)
    return row


def frames(
    postings: list[dict[str, Any]], exclusions: pl.DataFrame | None = None, **options: Any
) -> dict[str, pl.DataFrame]:
    clean = pl.DataFrame(
        postings, schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)}
    )
    matches = pl.DataFrame(
        [
            {
                "scenario_id": "",
                "vacancy_id": "v1",
                "rank": i + 1,
                "posting_id": p["posting_id"],
                "score": 90.0 - i * 0.1,
                "title": 100.0,
                "seniority": 100.0,
                "geography": 100.0 if p["country_code"] == "US" else 0.0,
                "recency": 90.0,
                "skills": None,
                "age_days": 12,
                "skills_shared": 0,
            }
            for i, p in enumerate(postings)
        ],
        schema_overrides={"skills": pl.Float64},
    )
    return benchmark_frames(
        VACANCIES, clean, matches, BenchmarkOptions(as_of=AS_OF, **options), exclusions=exclusions
    )


def test_the_benchmark_by_hand() -> None:
    postings = [
        # midpoints 100k, 110k, 120k, 130k, 140k from five companies
        posting("a1", "A", 95_000, 105_000),
        posting("b1", "B", 105_000, 115_000),
        posting("c1", "C", 115_000, 125_000),
        posting("d1", "D", 125_000, 135_000),
        posting("e1", "E", 135_000, 145_000),
        posting("a2", "a", 95_000, 105_000),  # a repost of a1 (same company, title, place, pay): counts once
        posting("f1", "F", 990_000, 1_010_000),  # an absurd outlier: trimmed (MAD)
        posting("g1", "G", 60_000, 80_000, is_estimate=True),  # an estimate: its own columns only
        posting("h1", "H", None, None),  # no salary: matched, not in the percentiles
        posting("i1", "I", 80_000, 90_000, country_code="DE", city="Berlin"),  # abroad: not this market
    ]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    # employer-posted midpoints in thousands: 100, 110, 120, 130, 140, 1000 -> median 125; deviations
    # 25 15 5 5 15 875 -> MAD 15 -> limit 3.5 x 1.4826 x 15 = 77.8: the 1,000k outlier goes
    assert bench["n_outliers_trimmed"] == 1
    # p50 of 100..140 = 120k; p25 = 110k; p75 = 130k; p10 = 104k (rank 0.4); p90 = 136k (rank 3.6)
    assert (bench["p10"], bench["p25"], bench["p50"], bench["p75"], bench["p90"]) == (
        D("104000.00"),
        D("110000.00"),
        D("120000.00"),
        D("130000.00"),
        D("136000.00"),
    )
    assert bench["n_postings"] == 5 and bench["n_companies"] == 5
    assert bench["n_reposts_collapsed"] == 1
    assert bench["compa_ratio"] == D("0.917")  # band midpoint 110k / 120k = 0.9166...
    assert (
        bench["band_min_percentile"] == 20.0 and bench["band_max_percentile"] == 60.0
    )  # 100k: 1 of 5; 120k: 3
    assert bench["confidence"] == "low"  # 5 postings (< 15)
    assert bench["verdict"] == "insufficient data"  # low confidence gives no verdict
    assert (bench["n_estimated"], bench["p50_estimated"]) == (1, D("70000.00"))
    assert bench["n_matched"] == 8  # the repost and the foreign posting are out; the others count


def test_each_company_counts_at_most_cap_times() -> None:
    many = [posting(f"x{i}", "X", 200_000 + i * 1000, 200_000 + i * 1000) for i in range(6)]
    others = [posting(f"{c}1", c, 100_000, 100_000) for c in "ABCD"]
    bench = frames(many + others, company_cap=2)["vacancy_benchmarks"].row(0, named=True)
    # X keeps its two best-scoring postings (x0, x1); A-D one each: 100k x 4, 200k, 201k -> median 100k
    assert bench["n_postings"] == 6 and bench["n_capped"] == 4 and bench["p50"] == D("100000.00")


def test_foreign_salaries_are_converted_as_of_each_posting_date() -> None:
    postings = [posting(f"{c}1", c, 100_000, 100_000, currency="EUR") for c in "ABCDE"]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    factor, _ = rate("EUR", "USD", on=date(2026, 5, 20))
    assert bench["p50"] == (D(100_000) * factor).quantize(D("0.01"))


def test_verdicts_need_medium_confidence() -> None:
    postings = [posting(f"c{i}", f"C{i}", 140_000 + i * 100, 140_000 + i * 100) for i in range(20)]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    # 20 postings, 20 companies: medium; the band max 120k < p25 (~140.5k): below the market
    assert (bench["confidence"], bench["verdict"]) == ("medium", "below")


def test_hiring_intent_windows_and_trend() -> None:
    dates = [date(2026, 5, 25), date(2026, 5, 20), date(2026, 4, 1), date(2026, 2, 1)]
    postings = [posting(f"a{i}", "A", 100_000 + i, 100_000 + i, date_posted=d) for i, d in enumerate(dates)]
    hiring = frames(postings, company_cap=10)["competitor_hiring"]
    row = hiring.filter((pl.col("scope") == "vacancy") & (pl.col("company") == "A")).row(0, named=True)
    # within 30 days of June 1: May 25 and May 20; within 90: also April 1 (Feb 1 is older)
    assert (row["postings_30d"], row["postings_90d"]) == (2, 3)
    assert row["trend"] == "rising"  # 2 in the last 30 days against 1 in the 60 before (0.5 per 30 days)
    assert row["seniority_mix"] == "senior 3"
    market = hiring.filter(pl.col("scope") == "market").row(0, named=True)
    assert (market["company"], market["postings_90d"], market["vacancies_matched"]) == ("A", 3, 1)
