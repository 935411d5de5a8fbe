"""parse_salary: hand-checked formats, garbage, properties, and every salary string of the sandbox market."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from matcher.normalize.salary import PERIODS, annualize, deannualize, explain_salary, parse_salary
from matcher.sandbox.market import generate_market

D = Decimal

# (text, country, currency hint) -> (min, max, currency, period, annual_min, annual_max, is_estimate)
CASES = [
    # K suffixes on both ends; "Glassdoor est." marks an estimate
    (
        ("$53K-$91K (Glassdoor est.)", "US", None),
        (D(53000), D(91000), "USD", "year", D(53000), D(91000), True),
    ),
    (
        ("£45,000 - £55,000 per annum", None, None),
        (D(45000), D(55000), "GBP", "year", D(45000), D(55000), False),
    ),
    # 12 and 18 lakh = 1,200,000 and 1,800,000 rupees a year
    (("₹ 12-18 LPA", None, None), (D(1200000), D(1800000), "INR", "year", D(1200000), D(1800000), False)),
    (
        ("12 to 18 lakh per annum", None, None),
        (D(1200000), D(1800000), "INR", "year", D(1200000), D(1800000), False),
    ),
    # a K on the second number only applies to both: 120-150 thousand
    (("$120-150K", "US", None), (D(120000), D(150000), "USD", "year", D(120000), D(150000), False)),
    (("120k-150k", None, "USD"), (D(120000), D(150000), "USD", "year", D(120000), D(150000), False)),
    (("£45,000 – £55,000", None, None), (D(45000), D(55000), "GBP", "year", D(45000), D(55000), False)),
    (("50,000 to 60,000 EUR", None, None), (D(50000), D(60000), "EUR", "year", D(50000), D(60000), False)),
    # 55 an hour x 2,080 US hours = 114,400
    (("$55 an hour", "US", None), (D(55), D(55), "USD", "hour", D(114400), D(114400), False)),
    (
        ("$45.50 - $55.75 per hour", "US", None),
        (D("45.5"), D("55.75"), "USD", "hour", D(94640), D(115960), False),
    ),
    # 25 ph x 1,950 UK hours (37.5 h x 52) = 48,750
    (("£25 ph", "GB", None), (D(25), D(25), "GBP", "hour", D(48750), D(48750), False)),
    (("45.000 € - 55.000 €", "DE", None), (D(45000), D(55000), "EUR", "year", D(45000), D(55000), False)),
    (
        ("€ 45.000,00 – € 55.000,00", "DE", None),
        (D(45000), D(55000), "EUR", "year", D(45000), D(55000), False),
    ),
    # Indian grouping: 1,20,000 a month x 12 = 14,40,000
    (
        ("₹1,20,000 per month", "IN", None),
        (D(120000), D(120000), "INR", "month", D(1440000), D(1440000), False),
    ),
    (
        ("INR 15,00,000 - 20,00,000", None, None),
        (D(1500000), D(2000000), "INR", "year", D(1500000), D(2000000), False),
    ),
    (
        ("CHF 120'000 - 140'000", None, None),
        (D(120000), D(140000), "CHF", "year", D(120000), D(140000), False),
    ),
    # a bare $ is the country's dollar
    (
        ("$95,000 - $115,000 a year", "CA", None),
        (D(95000), D(115000), "CAD", "year", D(95000), D(115000), False),
    ),
    (
        ("$130,000 - $150,000 + super", "AU", None),
        (D(130000), D(150000), "AUD", "year", D(130000), D(150000), False),
    ),
    (
        ("$8,000 - $10,000 per month", "SG", None),
        (D(8000), D(10000), "SGD", "month", D(96000), D(120000), False),
    ),
    # Spain pays 14 times a year: 4,500 x 14 = 63,000; Switzerland 13 times: 9,000 x 13 = 117,000
    (("€4.500 per month", "ES", None), (D(4500), D(4500), "EUR", "month", D(63000), D(63000), False)),
    (("CHF 9,000 per month", "CH", None), (D(9000), D(9000), "CHF", "month", D(117000), D(117000), False)),
    (
        ("Employer Provided Salary: $120K - $150K", None, None),
        (D(120000), D(150000), "USD", "year", D(120000), D(150000), False),
    ),
    # 600 a day x 260 days = 156,000; 2,500 a week x 52 = 130,000
    (("$600 per day", "US", None), (D(600), D(600), "USD", "day", D(156000), D(156000), False)),
    (("$2,500 a week", "US", None), (D(2500), D(2500), "USD", "week", D(130000), D(130000), False)),
    (
        ("USD 120,000 - 150,000", None, None),
        (D(120000), D(150000), "USD", "year", D(120000), D(150000), False),
    ),
    (
        ("Estimated: Up to $84,000/yr", "US", None),
        (D(84000), D(84000), "USD", "year", D(84000), D(84000), True),
    ),
]


@pytest.mark.parametrize(("given_", "expected"), CASES)
def test_hand_checked_formats(
    given_: tuple[str, str | None, str | None], expected: tuple[object, ...]
) -> None:
    text, country, currency = given_
    info = parse_salary(text, country=country, currency=currency)
    assert info is not None, explain_salary(text, country=country, currency=currency)[1]
    got = (
        info.min_amount,
        info.max_amount,
        info.currency,
        info.period,
        info.annual_min,
        info.annual_max,
        info.is_estimate,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("text", "modifier"),
    [
        ("$140,000 - $160,000 OTE", "ote"),
        ("£50,000 - £60,000 DOE", "doe"),
        ("£30,000 pro rata", "pro_rata"),
        ("$130,000 - $150,000 + super", "plus_super"),
        ("Up to $150,000 a year", "up_to"),
        ("£60,000 - £70,000 + bonus", "plus_bonus"),
    ],
)
def test_modifiers_are_recorded(text: str, modifier: str) -> None:
    info = parse_salary(text, country="AU" if "super" in text else None)
    assert info is not None and modifier in info.modifiers


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "no salary text"),
        ("", "empty salary text"),
        ("   \x00\x07 ", "empty salary text"),
        ("competitive", "no amount"),
        ("N/A", "no amount"),
        ("-1", "1 is too small for an annual salary"),  # "-" is a dash, 1 the amount
        ("$1 - $2", "too small for an annual salary"),
        ("x" * 10_000, "longer than any salary string"),
        ("45 - 55", "55 is too small for an annual salary"),
        ("45,000 - 55,000", "no currency in the salary text and none known for country None"),
        (12345, "expected a string"),
    ],
)
def test_garbage_gives_none_with_a_reason(text: object, reason: str) -> None:
    info, why = explain_salary(text)
    assert info is None
    assert why is not None and reason in why


def test_negative_numbers_are_read_as_amounts_not_signs() -> None:
    info = parse_salary("-$50,000 - $60,000")  # a stray dash, not a negative salary
    assert info is not None and info.min_amount == 50000


@given(st.text(max_size=300), st.sampled_from([None, "US", "GB", "IN", "DE", "ZZ"]))
@example("10000000000000000000000000000", None)  # 29 digits: more than the decimal context holds
def test_never_raises_and_results_are_sane(text: str, country: str | None) -> None:
    info = parse_salary(text, country=country)
    if info is not None:
        assert 0 < info.min_amount <= info.max_amount
        assert 0 < info.annual_min <= info.annual_max
        assert info.period in PERIODS


amounts = st.integers(min_value=1, max_value=900).map(lambda n: Decimal(n) * 1000)


@given(
    low=amounts,
    extra=amounts,
    dash=st.sampled_from([" - ", "-", " – ", " to ", "–"]),
    symbol=st.sampled_from(["$", "£", "€", "CHF "]),
)
def test_formatted_ranges_round_trip_exactly(low: Decimal, extra: Decimal, dash: str, symbol: str) -> None:
    high = low + extra
    text = f"{symbol}{low:,}{dash}{symbol}{high:,} a year"
    info = parse_salary(text, country="US")
    assert info is not None
    assert (info.min_amount, info.max_amount, info.period) == (low, high, "year")


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2),
    period=st.sampled_from(PERIODS),
    country=st.sampled_from([None, "US", "GB", "DE", "ES", "CH", "IN", "AU", "ZZ"]),
)
def test_annualize_then_deannualize_round_trips(amount: Decimal, period: str, country: str | None) -> None:
    assert deannualize(annualize(amount, period, country), period, country) == amount


def test_parsing_is_idempotent_on_its_own_output() -> None:
    info = parse_salary("£45,000 – £55,000 per annum")
    assert info is not None
    again = parse_salary(f"£{info.min_amount:,} - £{info.max_amount:,} per annum")
    assert again == info


def test_every_salary_string_of_the_sandbox_market() -> None:
    """Text-only salaries: the parsed annual midpoint is the posting's own stated amount, for every one."""
    market = generate_market()
    checked = 0
    for row in market.postings:
        truth = market.posting_truth(row["id"])
        if not row["salary_string"] or row["min_annual_salary"] is not None or truth["is_outlier"]:
            continue
        info, why = explain_salary(row["salary_string"], country=row["country_code"])
        assert info is not None, (row["salary_string"], why)
        midpoint = (info.annual_min + info.annual_max) / 2
        assert abs(float(midpoint) / truth["annual_mid"] - 1) < 0.001, (row["salary_string"], truth)
        assert info.is_estimate == truth["is_estimate"], row["salary_string"]
        checked += 1
    assert checked > 1500


@pytest.mark.parametrize(
    ("text", "country", "currency", "annual"),
    [
        ("R 25 000 pm", "ZA", "ZAR", "300000"),  # a country countries.csv does not list: its currency
        ("R25,000 per month", "ZA", "ZAR", "300000"),  # "R" glued to the amount
        ("R 300 000 per annum", "ZA", "ZAR", "300000"),
        ("Rs25,000 per month", "IN", "INR", "300000"),
        ("$70,000", "NZ", "NZD", "70000"),  # a bare "$" in a dollar country is its dollar
        ("$25,000 mensuales", "MX", "MXN", "300000"),  # and in a peso country its peso
        ("$70,000", "ZA", "USD", "70000"),  # elsewhere a "$" stays the US dollar
        ("150,000", "JP", "JPY", "1800000"),  # no period, below a Japanese annual salary: monthly
        ("5,000,000", "JP", "JPY", "5000000"),  # no period, an annual salary
    ],
)
def test_every_country_has_its_currency(text: str, country: str, currency: str, annual: str) -> None:
    info = parse_salary(text, country=country)
    assert info is not None, explain_salary(text, country=country)
    assert (info.currency, info.annual_min) == (currency, Decimal(annual))


def test_countries_beyond_the_listed_conventions_get_the_documented_defaults() -> None:
    from matcher.common.reference import DEFAULT_CONVENTIONS, conventions_for, listed_country_conventions

    za = conventions_for("ZA")
    assert "ZA" not in listed_country_conventions()
    assert (za.currency, za.hours_per_year, za.payments_per_year) == (
        "ZAR",
        DEFAULT_CONVENTIONS.hours_per_year,
        DEFAULT_CONVENTIONS.payments_per_year,
    )
    assert conventions_for("ES").payments_per_year == 14  # a listed country keeps its own
    assert conventions_for("XX") == DEFAULT_CONVENTIONS


def test_the_stage_gives_a_country_beyond_the_list_its_currency(tmp_path: Path) -> None:
    """The vectorized stage reads the same table: a Johannesburg posting's "R 25 000 pm" is 300,000 ZAR a
    year, a Wellington posting's bare "$" is New Zealand dollars."""
    from matcher.ingest.lake import Lake
    from tests.normalize.test_stage import clean_postings, posting, write_postings

    lake = Lake(tmp_path / "lake")
    za = {"location": "Johannesburg", "city": "Johannesburg", "state_code": None, "country_code": "ZA"}
    nz = {"location": "Wellington", "city": "Wellington", "state_code": None, "country_code": "NZ"}
    write_postings(
        lake, [posting(1, salary_string="R 25 000 pm", **za), posting(2, salary_string="$70,000", **nz)]
    )
    rows = clean_postings(lake.root, workers=1)
    assert (rows["1"]["currency"], rows["1"]["annual_min"], rows["1"]["salary_period"]) == (
        "ZAR",
        Decimal(300000),
        "month",
    )
    assert (rows["2"]["currency"], rows["2"]["annual_min"]) == ("NZD", Decimal(70000))


def test_the_stage_reads_kr_by_the_postings_country_as_parse_salary_does(tmp_path: Path) -> None:
    """ "måned" is Danish as well as Norwegian: "kr" in a Copenhagen posting is DKK, in an Oslo one NOK, and a
    posting's own krone currency field wins over both; the stage's columns agree with ``parse_salary``."""
    from matcher.ingest.lake import Lake
    from tests.normalize.test_stage import clean_postings, posting, write_postings

    lake = Lake(tmp_path / "lake")
    dk = {"location": "København", "city": "København", "state_code": None, "country_code": "DK"}
    no = {"location": "Oslo", "city": "Oslo", "state_code": None, "country_code": "NO"}
    text = "kr 45 000 per måned"
    write_postings(
        lake,
        [
            posting(1, salary_string=text, **dk),
            posting(2, salary_string=text, **no),
            posting(3, salary_string=text, salary_currency="SEK", **dk),
            posting(4, salary_string="45-55 000 kr. om året", **dk),
        ],
    )
    rows = clean_postings(lake.root, workers=1)
    got = {k: (rows[k]["currency"], rows[k]["annual_min"], rows[k]["annual_max"]) for k in "1234"}
    assert got == {
        "1": ("DKK", Decimal(540000), Decimal(540000)),
        "2": ("NOK", Decimal(540000), Decimal(540000)),
        "3": ("SEK", Decimal(540000), Decimal(540000)),
        "4": ("DKK", Decimal(45000), Decimal(55000)),
    }
    for key, country, hint in (("1", "DK", None), ("2", "NO", None), ("3", "DK", "SEK")):
        info = parse_salary(text, country=country, currency=hint)
        assert info is not None and info.currency == rows[key]["currency"]


def test_the_stage_annualizes_pay_every_two_weeks(tmp_path: Path) -> None:
    """ "bi-weekly" holds "weekly" (it read as a week: twice the pay) and "per fortnight" named no period (a
    month: half); both are 26 payments a year in the stage's columns, as ``parse_salary`` reads them."""
    from matcher.ingest.lake import Lake
    from tests.normalize.test_stage import clean_postings, posting, write_postings

    lake = Lake(tmp_path / "lake")
    us = {"location": "Austin, TX", "city": "Austin", "state_code": "TX", "country_code": "US"}
    au = {"location": "Sydney NSW", "city": "Sydney", "state_code": "NSW", "country_code": "AU"}
    write_postings(
        lake,
        [
            posting(1, salary_string="$2,500 bi-weekly", **us),
            posting(2, salary_string="$2,000 per fortnight", **au),
            posting(3, salary_string="$1,200 weekly", **us),
        ],
    )
    rows = clean_postings(lake.root, workers=1)
    got = {k: (rows[k]["salary_period"], rows[k]["annual_min"]) for k in "123"}
    assert got == {
        "1": ("fortnight", Decimal(65000)),
        "2": ("fortnight", Decimal(52000)),
        "3": ("week", Decimal(62400)),
    }
    every = parse_salary("$2,500 every two weeks", country="US")
    assert parse_salary("$2,500 bi-weekly", country="US") == every
