"""End to end on the sandbox: the demo's reports against the seeded market's known medians."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from matcher.report.writer import REPORTS, load_reports
from matcher.sandbox import SandboxConfig
from matcher.sandbox.market import MarketConfig, generate_market


def test_the_demo_reports_the_seeded_medians_within_five_percent(demo_outputs: tuple[Path, Path]) -> None:
    lake, reports = demo_outputs
    for name in REPORTS:
        assert (reports / f"{name}.parquet").exists() and (reports / f"{name}.csv").exists()
    frames = load_reports(reports)
    benchmarks = frames["vacancy_benchmarks"]
    config = SandboxConfig()
    market = generate_market(
        MarketConfig(seed=config.seed, n_postings=config.n_postings, anchor=config.start)
    )
    assert market.truth, "the sandbox seeds vacancies whose market median is known"
    for truth in market.truth:
        row = benchmarks.filter(pl.col("vacancy_id") == truth["vacancy_id"]).row(0, named=True)
        assert row["currency"] == truth["currency"]
        expected = Decimal(truth["true_median_annual"])
        assert row["p50"] is not None, truth["vacancy_id"]
        assert abs(row["p50"] / expected - 1) <= Decimal("0.05"), (truth["vacancy_id"], row["p50"], expected)
        assert row["confidence"] in ("medium", "high")
    # every open vacancy has a row; every match row explains itself
    open_ids = set(
        pl.read_parquet(lake / "clean" / "vacancies.parquet").filter(pl.col("is_open"))["vacancy_id"]
    )
    assert set(benchmarks["vacancy_id"]) == open_ids
    matches = frames["vacancy_matches"]
    assert matches.height and matches["explanation"].str.starts_with("title ").all()
    assert frames["competitor_hiring"].height
