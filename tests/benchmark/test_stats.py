"""Benchmark statistics, worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.benchmark.stats import (
    MIN_TRIM_N,
    compa_ratio,
    confidence,
    indicative,
    percentile,
    percentile_rank,
    trim_outliers,
    verdict,
)


def test_percentiles_interpolate_linearly() -> None:
    values = [D(100), D(200), D(300), D(400), D(500)]
    # rank = (n - 1) * q / 100 = 4q/100: p10 -> 0.4 -> 100 + 0.4 * 100 = 140; p25 -> 1 -> 200; p50 -> 2 -> 300
    assert [percentile(values, q) for q in (10, 25, 50, 75, 90)] == [D(140), D(200), D(300), D(400), D(460)]
    assert percentile([D(7)], 90) == D(7)
    assert percentile([], 50) is None


def test_percentile_rank_counts_values_at_or_below() -> None:
    values = [D(100), D(200), D(300), D(400)]
    assert percentile_rank(values, D(200)) == 50.0  # 100 and 200 of 4
    assert percentile_rank(values, D(50)) == 0.0
    assert percentile_rank(values, D(1000)) == 100.0


def test_outliers_beyond_three_and_a_half_robust_sigmas_are_trimmed() -> None:
    values = [D(v) for v in (80, 85, 90, 95, 100, 105, 110, 115, 120, 1000)]
    # ten values: median 102.5; deviations 22.5 17.5 12.5 7.5 2.5 2.5 7.5 12.5 17.5 897.5 -> MAD 12.5;
    # limit 3.5 x 1.4826 x 12.5 = 64.86: only 1000 is further out
    kept, dropped = trim_outliers(values)
    assert kept == values[:9] and dropped == 1
    assert trim_outliers([D(5)] * 6 + [D(6), D(7), D(8), D(90)]) == (
        [D(5)] * 6 + [D(6), D(7), D(8), D(90)],
        0,
    )  # MAD 0 (six of ten equal): no spread to judge by


def test_no_outlier_trim_below_min_trim_n() -> None:
    assert MIN_TRIM_N == 10
    # the case: five salaries, median 102; deviations 2 1 0 28 58 -> MAD 2; limit 3.5 x 1.4826 x 2 =
    # 10.4 would drop 130 and 160, two of five: below ten values nothing is trimmed
    five = [D(100), D(101), D(102), D(130), D(160)]
    assert trim_outliers(five) == (five, 0)
    nine = [D(v) for v in (80, 85, 90, 95, 100, 105, 110, 115, 1000)]  # nine: kept whole, 1000 included
    assert trim_outliers(nine) == (nine, 0)
    assert trim_outliers(five, min_n=5) == (five[:3], 2)  # the old rule, asked for explicitly


@pytest.mark.parametrize(
    ("level", "p50", "expected"),
    [("none", D(100), True), ("none", None, False), ("low", D(100), False), ("high", D(100), False)],
)
def test_percentiles_of_a_none_confidence_pool_are_indicative(
    level: str, p50: D | None, expected: bool
) -> None:
    assert indicative(level, p50) is expected


def test_compa_ratio_is_band_midpoint_over_market_median() -> None:
    assert compa_ratio(D(120000), D(160000), D(140000)) == D(1)  # midpoint 140,000
    assert compa_ratio(D(90000), D(110000), D(125000)) == D("0.8")
    assert compa_ratio(None, D(1), D(1)) is None


@pytest.mark.parametrize(
    ("n", "companies", "p25", "p50", "p75", "expected"),
    [
        (4, 4, 90, 100, 110, "none"),  # under 5 postings
        (30, 2, 90, 100, 110, "none"),  # under 3 companies
        (14, 5, 90, 100, 110, "low"),
        (49, 10, 90, 100, 110, "medium"),
        (50, 10, 80, 100, 140, "high"),  # IQR 60 = 60% of the median: still tight
        (50, 10, 80, 100, 141, "medium"),  # IQR 61 > 60
    ],
)
def test_confidence_rules(n: int, companies: int, p25: int, p50: int, p75: int, expected: str) -> None:
    assert confidence(n_postings=n, n_companies=companies, p25=D(p25), p50=D(p50), p75=D(p75)) == expected


@pytest.mark.parametrize(
    ("level", "band", "expected"),
    [
        ("medium", (70, 95), "below"),  # band max 95 < p25 100
        ("high", (130, 150), "above"),  # band min 130 > p75 120
        ("high", (95, 105), "within"),
        ("medium", (100, 120), "within"),  # touching the quartiles is within
        ("low", (70, 95), "insufficient data"),
        ("none", (130, 150), "insufficient data"),
    ],
)
def test_verdict_rules(level: str, band: tuple[int, int], expected: str) -> None:
    assert verdict(level=level, band_min=D(band[0]), band_max=D(band[1]), p25=D(100), p75=D(120)) == expected


amounts = st.lists(st.integers(min_value=1, max_value=10**7).map(D), min_size=1, max_size=60)


@given(amounts)
def test_percentiles_are_ordered_and_inside_the_data(values: list[D]) -> None:
    ps = [percentile(values, q) for q in (10, 25, 50, 75, 90)]
    assert all(p is not None for p in ps)
    assert ps == sorted(ps)  # type: ignore[type-var]
    assert min(values) <= ps[0] and ps[-1] <= max(values)  # type: ignore[operator]
    assert percentile(list(reversed(values)), 50) == ps[2]  # order of input does not matter


@given(amounts)
def test_trimming_keeps_the_median_region_and_loses_nothing_silently(values: list[D]) -> None:
    kept, dropped = trim_outliers(values)
    assert len(kept) + dropped == len(values)
    assert len(kept) >= (len(values) + 1) // 2  # at least the half nearest the median stays
