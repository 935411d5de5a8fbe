"""A part-time vacancy is benchmarked as its full-time equivalent: raw lake, normalize, benchmark, report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl

from matcher.benchmark.stage import BenchmarkOptions, benchmark_frames
from matcher.ingest.lake import Lake
from matcher.normalize.stage import NormalizeOptions, normalize_lake
from matcher.report.html import render_report
from tests.benchmark.test_stage import AS_OF, posting
from tests.normalize.test_vacancy_semantics import write_records, write_vacancies

AUSTIN = {"id": "loc-tx", "name": "Austin, TX", "countryCode": "US", "defaultCurrencyCode": "USD"}
PART_TIME = {"id": "wt-pt", "name": "Part-time", "appliesToType": "employee"}
# employer-posted midpoints 100k, 101k, ..., 119k from 20 companies: p25 104.75k, p50 109.5k, p75 114.25k
MARKET = [posting(f"c{i}", f"C{i}", 100_000 + i * 1000, 100_000 + i * 1000) for i in range(20)]


def clean_vacancies(tmp_path: Path, **fields: Any) -> pl.DataFrame:
    lake = Lake(tmp_path / "lake")
    vacancy = {
        "id": "v-half",
        "role": "Senior Backend Engineer",
        "status": "open",
        "fte": D("0.5"),
        "geographyId": "loc-tx",
        "workTypeId": "wt-pt",
        "salaryMin": "50000.00",
        "salaryMax": "60000.00",
        "currencyCode": "USD",
        "updatedAt": "2026-04-01T00:00:00Z",
        "metadata": {},
    }
    write_vacancies(lake, [vacancy | fields])
    write_records(lake, "locations", [AUSTIN])
    write_records(lake, "work_types", [PART_TIME])
    normalize_lake(lake.root, NormalizeOptions(workers=1, as_of=AS_OF))
    return pl.read_parquet(lake.root / "clean" / "vacancies.parquet")


def benchmark(vacancies: pl.DataFrame) -> dict[str, pl.DataFrame]:
    clean = pl.DataFrame(
        MARKET, schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)}
    )
    matches = pl.DataFrame(
        [
            {
                "scenario_id": "",
                "vacancy_id": vacancies["vacancy_id"][0],
                "rank": i + 1,
                "posting_id": p["posting_id"],
                "score": 90.0,
                "title": 100.0,
                "seniority": 100.0,
                "geography": 100.0,
                "recency": 90.0,
                "skills": None,
                "age_days": 12,
                "skills_shared": 0,
            }
            for i, p in enumerate(MARKET)
        ],
        schema_overrides={"skills": pl.Float64},
    )
    return benchmark_frames(vacancies, clean, matches, BenchmarkOptions(as_of=AS_OF, company_cap=3))


def test_the_compa_ratio_and_verdict_use_the_full_time_equivalent(tmp_path: Path) -> None:
    frames = benchmark(clean_vacancies(tmp_path))
    row = frames["vacancy_benchmarks"].row(0, named=True)
    # the band as written is 50k-60k at 0.5 FTE: 100k-120k full-time, centred on the market
    assert (row["band_min"], row["band_max"]) == (D("100000.00"), D("120000.00"))
    assert (row["band_min_stated"], row["band_max_stated"], row["fte"]) == (
        D("50000.00"),
        D("60000.00"),
        D("0.5"),
    )
    assert row["p50"] == D("109500.00")
    assert row["compa_ratio"] == D("1.005")  # 110k / 109.5k; the written band would say 0.502
    assert (row["confidence"], row["verdict"]) == ("medium", "within")  # the written band would be "below"
    assert (row["band_min_percentile"], row["band_max_percentile"]) == (5.0, 100.0)  # 100k: 1 of 20


def test_a_full_time_vacancy_is_unchanged(tmp_path: Path) -> None:
    frames = benchmark(clean_vacancies(tmp_path, fte=None, salaryMin="100000.00", salaryMax="120000.00"))
    row = frames["vacancy_benchmarks"].row(0, named=True)
    assert (row["band_min"], row["band_max"], row["fte"]) == (D("100000.00"), D("120000.00"), D(1))
    assert (row["band_min_stated"], row["band_max_stated"]) == (row["band_min"], row["band_max"])
    assert (row["compa_ratio"], row["verdict"]) == (D("1.005"), "within")


def test_the_report_says_the_band_is_a_full_time_equivalent(tmp_path: Path) -> None:
    html = render_report(benchmark(clean_vacancies(tmp_path)), as_of=date(2026, 6, 1))
    assert "Bands are full-time equivalents" in html
    assert "100,000–120,000 USD (the full-time equivalent of 50,000–60,000 USD at 0.5 FTE)" in html
