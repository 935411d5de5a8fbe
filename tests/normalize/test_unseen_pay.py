"""Pay strings of markets first measured for issue 12 (Germany, the Netherlands, France, Italy, Poland): pay
inside a sentence beside numbers that are not pay (postcodes, weekly hours, a French département, a
percentage) and words glued to the amount by a scraper. The strings are written here in the families' forms,
not copied from the labelled samples (``bench/data/real_postings``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.normalize.salary import parse_salary

D = Decimal


# -- pay: numbers that are not money beside the amount -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        # a postcode and weekly hours before the pay
        (
            "Ort: 80331 München, 40 Stunden/Woche, Gehalt: EUR 62.000",
            "DE",
            (D(62000), D(62000), "EUR", "year"),
        ),
        # a département number in brackets before a range in k€
        ("CDI – Lyon (69) – 45-52K€ – télétravail", "FR", (D(45000), D(52000), "EUR", "year")),
        ("Nantes (44) - 38 à 45 k€", "FR", (D(38000), D(45000), "EUR", "year")),
        # a percentage is never cut to its first digits ("100%" holds no "10")
        ("100% remote, up to 140 PLN/h", "PL", (D(140), D(140), "PLN", "hour")),
        ("80-100% Pensum, CHF 110'000 - 125'000", "CH", (D(110000), D(125000), "CHF", "year")),
        # the amounts alone are read as before
        ("45 000 - 52 000 € par an", "FR", (D(45000), D(52000), "EUR", "year")),
        ("₹ 12-18 LPA", "IN", (D(1200000), D(1800000), "INR", "year")),
    ],
)
def test_pay_beside_other_numbers(
    text: str, country: str, expected: tuple[Decimal, Decimal, str, str]
) -> None:
    info = parse_salary(text, country=country)
    assert info is not None, text
    assert (info.min_amount, info.max_amount, info.currency, info.period) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jahresgehalt bis zu70.000 €", (D(70000), D(70000), "EUR", "year")),
        ("Vergütung von14,50 €/Stunde", (D("14.5"), D("14.5"), "EUR", "hour")),
        ("Gehalt: ca.4.200 € brutto/Monat", (D(4200), D(4200), "EUR", "month")),
        ("Salaris tot wel€4.800 per maand", (D(4800), D(4800), "EUR", "month")),
    ],
)
def test_a_word_glued_to_the_amount(text: str, expected: tuple[Decimal, Decimal, str, str]) -> None:
    info = parse_salary(text, country="DE")
    assert info is not None, text
    assert (info.min_amount, info.max_amount, info.currency, info.period) == expected


@given(
    postcode=st.integers(min_value=10_000, max_value=99_999),
    hours=st.integers(min_value=20, max_value=42),
    low=st.integers(min_value=30, max_value=90),
    spread=st.integers(min_value=1, max_value=40),
)
def test_property_postcodes_and_hours_are_not_pay(postcode: int, hours: int, low: int, spread: int) -> None:
    """Whatever the postcode and the hours, the pay read is the range beside the currency."""
    high = low + spread
    text = f"Standort: {postcode} Musterstadt, {hours} Std./Woche, Gehalt {low}.000 - {high}.000 € brutto"
    info = parse_salary(text, country="DE")
    assert info is not None, text
    assert (info.min_amount, info.max_amount) == (D(low * 1000), D(high * 1000))


@given(
    word=st.sampled_from(["bis zu", "von", "ab", "max.", "ca.", "tot wel", "jusqu'à"]),
    amount=st.integers(min_value=1, max_value=150).map(lambda k: k * 1000),
)
def test_property_a_glued_word_reads_as_the_spaced_one(word: str, amount: int) -> None:
    """A scraper that dropped the space between a word and the amount changes nothing."""
    grouped = f"{amount:,}".replace(",", ".")
    spaced = parse_salary(f"Gehalt {word} {grouped} € brutto", country="DE")
    glued = parse_salary(f"Gehalt {word}{grouped} € brutto", country="DE")
    assert spaced is not None
    assert glued == spaced


@given(percent=st.integers(min_value=10, max_value=100), amount=st.integers(min_value=10, max_value=300))
def test_property_a_percentage_is_no_amount(percent: int, amount: int) -> None:
    info = parse_salary(f"{percent}% remote, {amount} PLN/h", country="PL")
    assert info is not None
    assert (info.min_amount, info.max_amount, info.period) == (D(amount), D(amount), "hour")
