"""Salary text -> exact amounts, currency, period and annual figures.

>>> info = parse_salary("£45,000 – £55,000 per annum")
>>> (info.min_amount, info.max_amount, info.currency, info.period, info.annual_max)
(Decimal('45000'), Decimal('55000'), 'GBP', 'year', Decimal('55000'))
>>> parse_salary("₹ 12-18 LPA").annual_min
Decimal('1200000')
>>> parse_salary("$55 - $65 an hour", country="US").annual_min   # 55 x 2080 hours
Decimal('114400')
>>> parse_salary("competitive") is None
True

Amounts stay ``Decimal`` from the text to the annual figure: no float ever touches money. Unparseable text
gives None, never a guess; ``explain_salary`` says why. Annualization uses the per-country conventions in
``matcher/reference/countries.csv`` (hours, days, weeks and payments per year), not constants in code.

Number reading is locale-free on purpose: a separator followed by exactly three digits groups thousands
("45.000", "120,000", "1,20,000", "120'000"), one followed by one or two digits at the end is a decimal
mark ("45,50", "55.5"), and when both marks appear the last one is the decimal mark ("45.000,00").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

import pycountry

from matcher.common.reference import conventions_for

PERIODS = ("hour", "day", "week", "month", "year")
DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "SGD", "NZD", "HKD"})  # what a default may make of "$"
MAX_TEXT = 500  # salary strings are short; longer text is not a salary string

_SYMBOLS = (
    ("US$", "USD"),
    ("C$", "CAD"),
    ("CA$", "CAD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("S$", "SGD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("R$", "BRL"),
    ("£", "GBP"),
    ("€", "EUR"),
    ("₹", "INR"),
    ("¥", "JPY"),
    ("₩", "KRW"),
    ("zł", "PLN"),
)
_CURRENCY_CODES = frozenset(c.alpha_3 for c in pycountry.currencies)  # ISO 4217 (pycountry)
_WORDLIKE_CODES = frozenset(
    {"ALL", "TOP", "CUP", "MOP", "SOS", "BOB"}
)  # real codes, but usually English words
_THREE_CAPITALS = re.compile(
    r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])"
)  # then looked up: faster than 180 branches
# three capitals right before or after an amount that are no ISO 4217 code: an unknown currency, not noise
_CODE_BY_AMOUNT = re.compile(r"(?<![A-Za-z])([A-Z]{3})\s*(?=\d)|(?<=\d)\s*([A-Z]{3})(?![A-Za-z])")
_NOT_CURRENCIES = frozenset({"OTE", "DOE", "LPA", "PTO", "CTC", "EST", "TBD", "PER", "AND", "BASE", "GROSS"})
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RUPEES = re.compile(r"(?<![A-Za-z])rs\.?(?=\s*\d)", re.I)
_PERIOD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "hour",
        re.compile(
            r"(per\s*hour|an\s*hour|a\s*hour|hourly|/\s*h(ou)?r\b|/\s*h\b|\bph\b|p/h\b|\bp\.h\.)", re.I
        ),
    ),
    ("day", re.compile(r"(per\s*day|a\s*day|/\s*day\b|daily|day\s*rate|p/d\b)", re.I)),
    ("week", re.compile(r"(per\s*week|a\s*week|/\s*w(ee)?k\b|weekly|p/w\b)", re.I)),
    ("month", re.compile(r"(per\s*month|a\s*month|/\s*mo(nth)?\b|monthly|\bpcm\b|p/m\b)", re.I)),
    (
        "year",
        re.compile(
            r"(per\s*annum|per\s*year|a\s*year|/\s*y(ea)?r\b|annual|annually|\bp\.?\s?a\.?(?!\w)|yearly|\blpa\b|\bctc\b)",
            re.I,
        ),
    ),
)
_LAKH = re.compile(r"\b(lpa|lakhs?|lacs?|lakh\s+per\s+annum)\b", re.I)
_CRORE = re.compile(r"\b(crores?|cr)\b", re.I)
_ESTIMATE = re.compile(r"(glassdoor\s+est|employer\s+est|\bestimated?\b|\best\.)", re.I)
_MODIFIERS = {
    "ote": re.compile(r"\bote\b", re.I),
    "doe": re.compile(r"\bdoe\b|depending on experience", re.I),
    "pro_rata": re.compile(r"pro[\s-]?rata", re.I),
    "plus_super": re.compile(r"\+\s*super", re.I),
    "plus_bonus": re.compile(r"\+\s*bonus", re.I),
    "plus_equity": re.compile(r"\+\s*(equity|stock|options)", re.I),
    "up_to": re.compile(r"\bup\s*to\b", re.I),
    "from": re.compile(r"^\s*(from|starting at)\b", re.I),
}
# Substrings (case-insensitive, as the patterns are) that any match of the patterns below must contain:
# when the hint finds none, those patterns cannot match and are not searched.
_MODIFIER_HINT = re.compile(r"ote|doe|depending|rata|\+|up|from|starting", re.I)  # _MODIFIERS
_RARE_HINT = re.compile(r"lpa|lakh|lac|cr|est|rs", re.I)  # _LAKH, _CRORE, _ESTIMATE, _RUPEES
_NUMBER = re.compile(
    r"(?<![\w.,'’])"
    r"(\d{1,3}(?:[,.'’\u202f\u00a0]\d{2,3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(\s*[kK](?![a-zA-Z]))?"
    r"(?!\s*%)"
)
_RANGE_GAP = re.compile(r"^\s*[A-Za-z$£€₹¥'’]*\s*(-|–|—|to|and|bis|à|a)\s*[A-Za-z$£€₹¥]*\s*$", re.I)


@dataclass(frozen=True, kw_only=True)
class SalaryInfo:
    """A parsed salary: exact amounts per ``period`` in ``currency``, and the same as annual amounts."""

    min_amount: Decimal
    max_amount: Decimal
    currency: str
    period: str
    annual_min: Decimal
    annual_max: Decimal
    is_estimate: bool = False
    modifiers: tuple[str, ...] = ()


def parse_salary(
    text: str | None, *, country: str | None = None, currency: str | None = None
) -> SalaryInfo | None:
    """Parse free salary text; None when it holds no salary that can be read without guessing.

    Args:
        text: the salary string as published.
        country: ISO country of the posting (resolves a bare "$" and the annualization conventions).
        currency: the currency to assume when the text names none (e.g. a structured ``salary_currency``).
    """
    return explain_salary(text, country=country, currency=currency)[0]


@dataclass(frozen=True, kw_only=True)
class SalaryText:
    """What a salary text says by itself, before a country or a default currency is applied."""

    low: Decimal
    high: Decimal
    period: str
    code: str | None  # a currency the text names (symbol, ISO code, rupees or lakh)
    dollar: bool  # a bare "$", resolved by country
    is_estimate: bool
    modifiers: tuple[str, ...]


def explain_salary(
    text: object, *, country: str | None = None, currency: str | None = None
) -> tuple[SalaryInfo | None, str | None]:
    """``parse_salary`` plus the reason when the result is None (for the clean table's reason column)."""
    read, reason = read_salary_text(text)
    if read is None:
        return None, reason
    return finish_salary(read, country=country, currency=currency)


def read_salary_text(text: object) -> tuple[SalaryText | None, str | None]:
    """The country-free half of parsing: amounts, period, named currency, flags (or why there are none).

    The normalize stage runs this once per distinct text and applies ``finish_salary``'s rules as columns.
    """
    if text is None:
        return None, "no salary text"
    if not isinstance(text, str):
        return None, f"salary text: got {type(text).__name__}, expected a string"
    cleaned = _clean(text)
    if not cleaned:
        return None, "empty salary text"
    if len(cleaned) > MAX_TEXT:
        return None, f"salary text is {len(cleaned)} characters, longer than any salary string ({MAX_TEXT})"
    numbers = _amounts(cleaned)
    if not numbers:
        return None, f"no amount in {cleaned[:60]!r}"
    rare = _RARE_HINT.search(cleaned) is not None  # one search instead of four when none can match
    lakh = rare and _LAKH.search(cleaned) is not None
    crore = rare and _CRORE.search(cleaned) is not None
    for match in _CODE_BY_AMOUNT.finditer(cleaned):
        token = match.group(1) or match.group(2)
        if token not in _CURRENCY_CODES and token not in _NOT_CURRENCIES:
            return None, f"unknown currency {token!r} (expected an ISO 4217 code)"
    period = _period(cleaned, lakh=lakh or crore)
    scale = Decimal(100_000) if lakh else Decimal(10_000_000) if crore else Decimal(1)
    low, high = numbers
    low, high = low * scale, high * scale
    if period is None:
        if high < 1000:
            return None, f"no pay period in {cleaned[:60]!r} and {high} is too small for an annual salary"
        period = "year"
    if low <= 0 or high <= 0:
        return None, f"non-positive amount in {cleaned[:60]!r}"
    if low > high:
        low, high = high, low
    return SalaryText(
        low=_tidy(low),
        high=_tidy(high),
        period=period,
        code=_named_currency(cleaned, lakh=lakh or crore, rupees=rare),
        dollar="$" in cleaned,
        is_estimate=rare and _ESTIMATE.search(cleaned) is not None,
        modifiers=_modifiers(cleaned),
    ), None


def finish_salary(
    read: SalaryText, *, country: str | None = None, currency: str | None = None
) -> tuple[SalaryInfo | None, str | None]:
    """The country-dependent half: the currency of a bare "$" or of no symbol, and annualization."""
    code = read.code or resolve_currency(dollar=read.dollar, country=country, fallback=currency)
    if code is None:
        return None, f"no currency in the salary text and none known for country {country!r}"
    return SalaryInfo(
        min_amount=read.low,
        max_amount=read.high,
        currency=code,
        period=read.period,
        annual_min=_tidy(annualize(read.low, read.period, country)),
        annual_max=_tidy(annualize(read.high, read.period, country)),
        is_estimate=read.is_estimate,
        modifiers=read.modifiers,
    ), None


def annualize(amount: Decimal, period: str, country: str | None = None) -> Decimal:
    """An amount per ``period`` as an annual amount, with the country's conventions.

    >>> annualize(Decimal("4500"), "month", "ES")   # 14 payments a year in Spain
    Decimal('63000')
    """
    return amount * _periods_per_year(period, country)


def deannualize(amount: Decimal, period: str, country: str | None = None) -> Decimal:
    """The inverse of ``annualize``."""
    return amount / _periods_per_year(period, country)


def periods_per_year(period: str, country: str | None) -> Decimal:
    """How many of ``period`` a year holds in ``country`` (hours, days, weeks, payments)."""
    return _periods_per_year(period, country)


def _periods_per_year(period: str, country: str | None) -> Decimal:
    conventions = conventions_for(country)
    table = {
        "year": 1,
        "month": conventions.payments_per_year,
        "week": conventions.weeks_per_year,
        "day": conventions.days_per_year,
        "hour": conventions.hours_per_year,
    }
    if period not in table:
        raise ValueError(f"period: got {period!r}, expected one of {', '.join(PERIODS)}")
    return Decimal(table[period])


FTE_SCALE = Decimal("0.000001")  # full-time equivalents are kept to 6 decimal places, like source amounts
FTE_MAX_DIGITS = 20  # integer digits of the Decimal(26, 6) amount columns


def read_fte(value: str | None) -> tuple[Decimal, str | None]:
    """The full-time equivalent a band is divided by, and why the band is kept as stated (or None).

    Flowstate's ``fte`` defaults to 1.0: missing or null is 1. A number in (0, 1] is used as is (its exact
    digits); anything else (0, negative, above 1, not a number) keeps the band as stated (factor 1), and the
    reason says so.

    >>> read_fte("0.6")
    (Decimal('0.6'), None)
    >>> read_fte(None)
    (Decimal('1'), None)
    >>> read_fte("1.5")[1]
    "fte '1.5': expected a number in (0, 1]; the band is compared as stated"
    """
    if value is None:
        return Decimal(1), None
    unusable = f"fte {value[:40]!r}: expected a number in (0, 1]; the band is compared as stated"
    try:
        fte = Decimal(value.strip())
    except InvalidOperation:
        return Decimal(1), unusable
    if not fte.is_finite() or not Decimal(0) < fte <= Decimal(1):
        return Decimal(1), unusable
    return fte, None


def full_time_equivalent(amount: Decimal, fte: Decimal) -> Decimal | None:
    """``amount`` (paid at ``fte``) as a full-time amount: ``amount / fte``, exact Decimal arithmetic rounded
    half-even to 6 decimal places only at the end; None when the result would not fit a Decimal(26, 6).

    >>> full_time_equivalent(Decimal("60000.00"), Decimal("0.6"))
    Decimal('100000.000000')
    >>> full_time_equivalent(Decimal("100000"), Decimal("0.6"))
    Decimal('166666.666667')
    """
    with localcontext() as context:
        context.prec = 80
        result = (amount / fte).quantize(FTE_SCALE, rounding=ROUND_HALF_EVEN)
    if abs(result) >= Decimal(10) ** FTE_MAX_DIGITS:
        return None
    return result


def _tidy(amount: Decimal) -> Decimal:
    """Drop a fractional part of zero ("120000.00" -> 120000) without ever rounding a real fraction."""
    if amount != amount.to_integral_value():
        return amount.normalize()
    try:
        return amount.quantize(Decimal(1))
    except InvalidOperation:  # more digits than the context holds (absurd amounts): keep the value as is
        return amount


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():  # the same, without a category lookup per character
        text = _ASCII_CONTROL.sub(" ", text)
    elif text.isprintable():  # no character of category C (nor other separators than space): nothing to do
        pass
    else:
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"^\s*employer\s+provided\s+salary\s*:?", "", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def _modifiers(text: str) -> tuple[str, ...]:
    if not _MODIFIER_HINT.search(text):  # one search instead of eight when none can match
        return ()
    return tuple(name for name, pattern in _MODIFIERS.items() if pattern.search(text))


def _named_currency(text: str, *, lakh: bool, rupees: bool = True) -> str | None:
    for symbol, code in _SYMBOLS:
        if symbol in text:
            return code
    for found in _THREE_CAPITALS.finditer(text):
        if found.group(1) in _CURRENCY_CODES and found.group(1) not in _WORDLIKE_CODES:
            return found.group(1)
    if (rupees and _RUPEES.search(text)) or lakh:
        return "INR"
    return None


def resolve_currency(*, dollar: bool, country: str | None, fallback: str | None) -> str | None:
    """The currency of a text that names none: a bare "$" by country, else the default, else the country's."""
    conventions = conventions_for(country)
    if dollar:
        if fallback and fallback.upper() in DOLLAR_CURRENCIES:
            return fallback.upper()
        return conventions.dollar_currency or "USD"
    if fallback:
        return fallback.upper()
    return conventions.currency or None


def _period(text: str, *, lakh: bool) -> str | None:
    for period, pattern in _PERIOD_PATTERNS:
        if pattern.search(text):
            return period
    return "year" if lakh else None


def _amounts(text: str) -> tuple[Decimal, Decimal] | None:
    """The first amount, and the second when the two form a range ("45 - 55", "45K to 55K")."""
    matches = [m for m in _NUMBER.finditer(text) if not _is_noise(text, m)]
    if not matches:
        return None
    values = []
    for match in matches[:2]:
        value = _number(match.group(1))
        if value is None:
            return None
        values.append((value, bool(match.group(2)), match))
    first, first_k, first_match = values[0]
    if len(values) == 2 and _RANGE_GAP.match(text[first_match.end() : values[1][2].start()]):
        second, second_k, _ = values[1]
        if second_k or (first_k and second < 1000):
            first_k = first_k or first < 1000
            second_k = True
        low = first * 1000 if first_k else first
        high = second * 1000 if second_k else second
        return low, high
    single = first * 1000 if first_k else first
    return single, single


def _is_noise(text: str, match: re.Match[str]) -> bool:
    """Numbers that are not pay: requisition ids, percentages, "401(k)", years in "2024 bonus"."""
    before = text[max(0, match.start() - 4) : match.start()].lower()
    return "#" in before or "req" in before or text[match.end() : match.end() + 3] == "(k)"


def _number(token: str) -> Decimal | None:
    """A number token read without a locale (see the module docstring)."""
    text = token.replace("'", "").replace("’", "").replace("\u202f", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        text = text.replace(group_mark, "").replace(decimal_mark, ".")
    else:
        for mark in (",", "."):
            if mark in text:
                parts = text.split(mark)
                if len(parts) == 2 and len(parts[1]) in (1, 2):
                    text = parts[0] + "." + parts[1]  # a decimal mark
                else:
                    text = "".join(parts)  # grouping (thousands, or Indian lakh groups)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
