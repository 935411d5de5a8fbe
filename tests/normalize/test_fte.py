"""Full-time equivalents of part-time bands: exact Decimal arithmetic, the documented rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.normalize.salary import full_time_equivalent, read_fte

UNUSABLE = "expected a number in (0, 1]; the band is compared as stated"


@pytest.mark.parametrize(
    ("text", "factor"),
    [(None, "1"), ("1", "1"), ("1.0", "1.0"), ("0.5", "0.5"), (" 0.6 ", "0.6"), ("0.000001", "0.000001")],
)
def test_usable_fte(text: str | None, factor: str) -> None:
    assert read_fte(text) == (Decimal(factor), None)


@pytest.mark.parametrize("text", ["0", "0.0", "-0.5", "1.01", "2", "half", "", "NaN", "Infinity", "1e400"])
def test_unusable_fte_keeps_the_band(text: str) -> None:
    assert read_fte(text) == (Decimal(1), f"fte {text!r}: {UNUSABLE}")


def test_division_is_exact_and_rounds_half_even_at_six_places() -> None:
    assert full_time_equivalent(Decimal("30000.00"), Decimal("0.5")) == Decimal("60000")
    assert full_time_equivalent(Decimal("70000"), Decimal("0.6")) == Decimal("116666.666667")
    assert full_time_equivalent(Decimal("0.000001"), Decimal("0.5")) == Decimal("0.000002")
    # 0.0000005 exactly: half-even keeps the even 0.000000, not 0.000001
    assert full_time_equivalent(Decimal("0.000001"), Decimal("2")) == Decimal("0.000000")
    assert full_time_equivalent(Decimal("99999999999999999999"), Decimal("0.5")) is None  # would not fit


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2),
    st.integers(min_value=1, max_value=1000),
)
def test_a_band_paid_at_fte_comes_back_full_time(full_time: Decimal, per_mille: int) -> None:
    """full_time x fte (exact) divided by fte is full_time again: no float, no drift."""
    fte = Decimal(per_mille) / 1000
    assert full_time_equivalent(full_time * fte, fte) == full_time
