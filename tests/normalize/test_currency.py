"""convert_currency: ECB rates as of a date, the rate date recorded, no silent fallbacks."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.common.errors import DataError
from matcher.normalize import currency as fx
from matcher.normalize.currency import convert_currency, install_fx_file


def test_weekend_uses_the_friday_rate_and_says_so() -> None:
    saturday = convert_currency(Decimal(100), "EUR", "USD", on=date(2024, 7, 6))
    friday = convert_currency(Decimal(100), "EUR", "USD", on=date(2024, 7, 5))
    assert saturday.rate_date == date(2024, 7, 5) == friday.rate_date
    assert saturday.amount == friday.amount
    assert saturday.requested_date == date(2024, 7, 6)


def test_a_date_after_the_newest_rate_uses_the_last_one() -> None:
    later = convert_currency(Decimal(1), "GBP", "USD", on=date(2099, 1, 1))
    assert later.rate_date < date(2099, 1, 1)
    assert later.rate_date == convert_currency(Decimal(1), "GBP", "USD", on=later.rate_date).rate_date


def test_cross_rates_go_through_the_euro() -> None:
    day = date(2024, 3, 1)
    usd = convert_currency(Decimal(1), "EUR", "USD", on=day).rate
    gbp = convert_currency(Decimal(1), "EUR", "GBP", on=day).rate
    assert convert_currency(Decimal(1), "GBP", "USD", on=day).rate == usd / gbp
    assert convert_currency(Decimal(5), "USD", "usd", on=day).amount == 5


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("XYZ", "USD", date(2024, 1, 1)), "currency"),
        (("USD", "EUR", date(1990, 1, 1)), "date"),
    ],
)
def test_what_it_cannot_convert_is_a_clear_error(args: tuple[str, str, date], field: str) -> None:
    source, target, day = args
    with pytest.raises(DataError) as info:
        convert_currency(Decimal(1), source, target, on=day)
    assert info.value.field == field


def test_money_is_never_a_float() -> None:
    with pytest.raises(DataError, match="money is never a float"):
        convert_currency(1.5, "USD", "EUR", on=date(2024, 1, 2))  # type: ignore[arg-type]


@settings(max_examples=60)
@given(
    amount=st.decimals(min_value=Decimal("1"), max_value=Decimal("10000000"), places=2),
    pair=st.sampled_from([("GBP", "USD"), ("INR", "EUR"), ("CHF", "JPY"), ("AUD", "CAD"), ("USD", "SGD")]),
    day=st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 6, 30)),
)
def test_a_to_b_to_a_returns_the_amount(amount: Decimal, pair: tuple[str, str], day: date) -> None:
    there = convert_currency(amount, pair[0], pair[1], on=day)
    back = convert_currency(there.amount, pair[1], pair[0], on=day)
    assert abs(back.amount - amount) <= Decimal("0.000001") * amount


def test_a_newer_ecb_file_can_be_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "eurofxref-hist.csv"
    history.write_text("Date,USD,GBP,\n2031-01-03,1.2000,0.8000,\n2031-01-02,1.1000,0.9000,\n")
    target = tmp_path / "fx" / "eurofxref-hist.csv"
    assert install_fx_file(history, target) == (date(2031, 1, 2), date(2031, 1, 3))
    monkeypatch.setenv(fx.FX_FILE_ENV, str(target))
    result = convert_currency(Decimal(100), "GBP", "USD", on=date(2031, 1, 5))  # a Sunday after the last rate
    assert result.rate_date == date(2031, 1, 3)
    assert result.amount == Decimal(100) * Decimal("1.2") / Decimal("0.8")
    bad = tmp_path / "nonsense.csv"
    bad.write_text("hello")
    with pytest.raises(DataError, match="an ECB reference-rate history file"):
        install_fx_file(bad, tmp_path / "fx2" / "x.csv")


def test_the_parsed_ecb_file_is_cached_and_a_rewritten_file_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The converter comes from the on-disk cache in the next process (here: after the in-process cache is
    cleared), and a file rewritten at the same path is parsed again, not served from that cache."""
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "eurofxref-hist.csv"
    target.write_text("Date,USD,\n2031-01-02,1.1000,\n")
    monkeypatch.setenv(fx.FX_FILE_ENV, str(target))
    fx._converter.cache_clear()
    rate = convert_currency(Decimal(100), "EUR", "USD", on=date(2031, 1, 2)).rate
    assert rate == Decimal("1.1") and len(list((tmp_path / "cache").glob("fx-*.pickle"))) == 1
    fx._converter.cache_clear()
    fx._rate_per_eur.cache_clear()
    assert convert_currency(Decimal(100), "EUR", "USD", on=date(2031, 1, 2)).rate == Decimal("1.1")
    target.write_text("Date,USD,\n2031-01-02,1.2500,\n")
    os.utime(target, ns=(1, 1))  # another modification time whatever the clock's resolution
    fx._converter.cache_clear()
    fx._rate_per_eur.cache_clear()
    assert convert_currency(Decimal(100), "EUR", "USD", on=date(2031, 1, 2)).rate == Decimal("1.25")
    fx._converter.cache_clear()
    fx._rate_per_eur.cache_clear()
