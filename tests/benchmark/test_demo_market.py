"""The demo's market looks like a market: postings continue up to the as-of day, and companies' hiring
rises, holds and falls (``matcher.sandbox.market``: each company's momentum)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import polars as pl

from matcher.report.writer import load_reports
from matcher.sandbox.market import MarketConfig, _future_day, generate_market


def test_the_demo_shows_rising_steady_and_falling_companies_hiring_lately(
    demo_outputs: tuple[Path, Path],
) -> None:
    lake, reports = demo_outputs
    frames = load_reports(reports)
    as_of = frames["vacancy_benchmarks"]["as_of"][0]
    postings = pl.read_parquet(lake / "clean" / "postings.parquet")
    # postings run up to the as-of day: the last week holds some
    assert postings.filter(pl.col("date_posted") > as_of - timedelta(days=7)).height > 0
    market = frames["competitor_hiring"].filter(pl.col("scope") == "market")
    trends = Counter(market["trend"])
    assert trends["rising"] and trends["steady"] and trends["falling"], trends
    # most companies posted a matching job in the last 30 days
    assert (market["postings_30d"] > 0).sum() > market.height / 2, market.select("company", "postings_30d")


def test_momentum_shapes_the_days_after_the_anchor() -> None:
    # a steady company's days after the anchor are even; a rising one's last 90 days (75% of them) hold
    # 1.5 x 60 then 2.4 x 30: its last 30 days 0.75 x 72 / 162 = 33.3%; a falling one's 0.8 x 60 then
    # 0.35 x 30: 0.75 x 10.5 / 58.5 = 13.5%; the first 30 days are the same whatever the momentum
    def last_30(momentum: str) -> float:
        days = [_future_day(i / 1000, 120, momentum) for i in range(1000)]
        assert all(0 <= d < 120 for d in days) and days == sorted(days)
        assert days[:250] == [i / 1000 * 120 for i in range(250)]
        return sum(1 for d in days if d >= 90) / len(days)

    assert abs(last_30("steady") - 0.25) < 0.01
    assert abs(last_30("rising") - 0.75 * 72 / 162) < 0.01
    assert abs(last_30("falling") - 0.75 * 10.5 / 58.5) < 0.01
    # and in the generated market, the postings discovered in the last 30 days before the market's end
    market = generate_market(MarketConfig(seed=3, n_postings=3000))
    end = market.config.anchor + timedelta(days=market.config.future_days)
    recent = sum(1 for d in market.discovered_at if end - d <= timedelta(days=30))
    prior = sum(1 for d in market.discovered_at if timedelta(days=30) < end - d <= timedelta(days=90))
    assert 0.6 < recent / (prior / 2) < 1.6  # the market as a whole neither booms nor dies
