"""The normalize stage over a raw lake written the way ingest writes it."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matcher.ingest.lake import Lake, dumps_exact
from matcher.ingest.runner import SCHEMAS
from matcher.normalize import stage
from matcher.normalize.currency import convert_currency
from matcher.normalize.salary import parse_salary
from matcher.normalize.stage import NormalizeOptions, normalize_lake
from matcher.sandbox.market import MarketConfig, generate_market

META = {"run_id": "r1", "ingested_at": datetime(2026, 11, 2, tzinfo=UTC), "page_no": 1}


def posting(posting_id: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": posting_id,
        "job_title": "Senior Backend Engineer",
        "date_posted": "2026-06-01",
        "seniority": "senior",
        "location": "Austin, TX",
        "city": "Austin",
        "state_code": "TX",
        "country_code": "US",
        "remote": False,
        "hybrid": False,
        "salary_string": None,
        "salary_currency": None,
        "min_annual_salary": None,
        "max_annual_salary": None,
        "company": "Acme",
        "company_domain": "acme.com",
        "is_recruiting_agency": False,
        "description": "We use Python and PostgreSQL.",
        "job_technology_slugs": ["python"],
        "employment_statuses": ["full_time"],
    }
    row.update(fields)
    return row


def write_postings(lake: Lake, rows: list[dict[str, Any]], *, raw_json: dict[int, str] | None = None) -> None:
    records = []
    for row in rows:
        records.append(
            {
                "posting_id": str(row["id"]),
                "source_instance_id": "src-1",
                "date_posted": date.fromisoformat(row["date_posted"]) if row.get("date_posted") else None,
                "discovered_at": datetime(2026, 6, 1, 8, 0),
                "job_title": row["job_title"] if isinstance(row.get("job_title"), str) else None,
                "company": row.get("company"),
                "raw_json": (raw_json or {}).get(row["id"]) or dumps_exact(row),
                **META,
            }
        )
    lake.append("floqer_postings", records, SCHEMAS["floqer_postings"], run_id="r1")


def clean_postings(root: Path, **options: Any) -> dict[str, dict[str, Any]]:
    normalize_lake(root, NormalizeOptions(**options))
    frame = pl.read_parquet(root / "clean" / "postings.parquet")
    return {row["posting_id"]: row for row in frame.to_dicts()}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def test_structured_salary_wins_and_keeps_its_exact_digits(lake: Lake) -> None:
    write_postings(
        lake,
        [
            posting(
                1,
                min_annual_salary=Decimal("123456.78"),
                max_annual_salary=Decimal("150000.10"),
                salary_currency="GBP",
                salary_string="$1 - $2 an hour",  # ignored: the structured fields win
            )
        ],
    )
    row = clean_postings(lake.root, workers=1)["1"]
    assert row["min_annual_salary"] == "123456.78"  # the source digits, as text
    assert row["annual_min"] == Decimal("123456.78") and row["annual_max"] == Decimal("150000.10")
    assert (row["salary_source"], row["currency"], row["salary_status"]) == ("structured", "GBP", "ok")
    # the reporting amount is the ECB conversion as of the posting date, rounded to cents at the end
    expected = convert_currency(Decimal("123456.78"), "GBP", "USD", on=date(2026, 6, 1))
    assert row["annual_min_reporting"] == expected.amount.quantize(Decimal("0.01"))
    assert row["fx_rate_date"] == expected.rate_date


def test_text_salary_is_parsed_and_annualized(lake: Lake) -> None:
    write_postings(lake, [posting(1, salary_string="$55 - $65 an hour")])
    row = clean_postings(lake.root, workers=1)["1"]
    # 55 and 65 an hour x 2,080 US working hours = 114,400 and 135,200 a year
    assert (row["salary_min"], row["salary_max"], row["salary_period"]) == (Decimal(55), Decimal(65), "hour")
    assert (row["annual_min"], row["annual_max"]) == (Decimal(114400), Decimal(135200))
    assert (row["salary_source"], row["currency"], row["salary_status"]) == ("text", "USD", "ok")
    assert row["annual_max_reporting"] == Decimal("135200.00")  # USD to USD


def test_text_salaries_match_parse_salary_row_by_row(lake: Lake) -> None:
    """The stage reads each text once and applies country rules as columns: the same as parse_salary."""
    market = generate_market(MarketConfig(n_postings=2_500))
    rows = [p for p in market.postings if p["salary_string"] and p["min_annual_salary"] is None]
    currencies = [None, "CAD", "EUR", None]
    write_postings(
        lake,
        [
            posting(
                int(p["id"]),
                salary_string=p["salary_string"],
                salary_currency=currencies[i % 4],
                location=p["location"],
                city=p["city"],
                state_code=p["state_code"],
                country_code=p["country_code"] if i % 5 else None,
            )
            for i, p in enumerate(rows)
        ],
    )
    clean = clean_postings(lake.root, workers=1)
    checked = 0
    for row in clean.values():
        info = parse_salary(
            row["salary_string"], country=row["country_code"], currency=row["salary_currency"]
        )
        if info is None:
            assert row["salary_status"] == "invalid" and row["annual_min"] is None
            continue
        assert (row["currency"], row["salary_period"], row["annual_min"], row["annual_max"]) == (
            info.currency,
            info.period,
            info.annual_min,
            info.annual_max,
        ), row["salary_string"]
        assert row["is_estimate"] == info.is_estimate and row["salary_modifiers"] == list(info.modifiers)
        checked += 1
    assert checked > 500


def test_pay_without_a_period_is_monthly_below_an_annual_salary_as_parse_salary_says(lake: Lake) -> None:
    """The stage decides a period-less text's period from its currency after the currency is known (the
    text's sign, the posting's currency field or its country), as ``parse_salary`` does."""
    cases = [  # salary_string, salary_currency, country_code, the period
        ("12.000 - 15.000 zł", None, "PL", "month"),
        ("180 000 zł", None, "PL", "year"),
        ("8.000,00", None, "BR", "month"),  # the currency from the country
        ("8.000,00", "BRL", None, "month"),  # from the posting's currency field
        ("8.000,00", None, None, "year"),  # no currency known: no period decided either (invalid)
        ("$4,000 - $6,000", None, "US", "month"),
        ("$4,000 - $6,000", None, "MX", "month"),  # Mexican pesos (a bare "$" there): a month's pay
        ("£10,000 pro rata", None, "GB", "year"),
        ("3.440 € brutto im Monat", None, "DE", "month"),
        ("45.000 €", None, "DE", "year"),
    ]
    write_postings(
        lake,
        [
            posting(
                i,
                salary_string=text,
                salary_currency=currency,
                country_code=country,
                location=None,  # the country is the field's alone
                city=None,
                state_code=None,
            )
            for i, (text, currency, country, _) in enumerate(cases, start=1)
        ],
    )
    clean = clean_postings(lake.root, workers=1)
    for i, (text, currency, country, period) in enumerate(cases, start=1):
        row = clean[str(i)]
        assert row["country_code"] == country, text
        info = parse_salary(text, country=country, currency=currency)
        if info is None:
            assert row["salary_status"] == "invalid" and row["annual_min"] is None, text
            continue
        got = (row["salary_period"], row["annual_min"], row["annual_max"])
        assert got == (info.period, info.annual_min, info.annual_max), text
        assert info.period == period, text


def test_seniority_comes_from_floqer_only_when_the_title_names_none(lake: Lake) -> None:
    write_postings(
        lake,
        [
            posting(1, job_title="Data Scientist", seniority="junior"),
            posting(2, job_title="Staff SWE", seniority="junior"),
        ],
    )
    rows = clean_postings(lake.root, workers=1)
    assert (rows["1"]["seniority"], rows["1"]["seniority_source"]) == ("junior", "floqer")
    assert (rows["2"]["seniority"], rows["2"]["seniority_source"]) == ("staff", "title")


def test_company_attributes_flat_or_nested(lake: Lake) -> None:
    nested = posting(2, company_object={"name": "Hire Co", "domain": "hire.co", "is_recruiting_agency": True})
    for key in ("company", "company_domain", "is_recruiting_agency"):
        del nested[key]
    write_postings(lake, [posting(1, is_recruiting_agency=True), nested])
    rows = clean_postings(lake.root, workers=1)
    assert rows["1"]["is_recruiting_agency"] is True
    assert (rows["2"]["company"], rows["2"]["company_domain"], rows["2"]["is_recruiting_agency"]) == (
        "Hire Co",
        "hire.co",
        True,
    )


def test_floqer_flags_and_skills(lake: Lake) -> None:
    write_postings(lake, [posting(1, remote=True, location="United States", city=None, state_code=None)])
    row = clean_postings(lake.root, workers=1)["1"]
    assert (row["country_code"], row["is_remote"], row["arrangement"], row["location_status"]) == (
        "US",
        True,
        "remote",
        "ok",
    )
    assert row["skills"] == ["postgresql", "python"]  # the description's, merged with job_technology_slugs


GARBAGE: dict[int, dict[str, Any]] = {
    1: {"job_title": "", "salary_string": "", "location": ""},
    2: {"job_title": "x" * 10_000, "salary_string": "9" * 10_000, "location": "y" * 10_000},
    3: {"job_title": "\x00\x01\x1b[31m", "salary_string": "\x00€\x07", "location": "\x00\x01"},
    4: {"salary_string": "-1"},
    5: {"salary_string": "N/A", "job_title": "N/A"},
    6: {"min_annual_salary": Decimal("-5000"), "max_annual_salary": Decimal("10000")},
    7: {"min_annual_salary": Decimal("90000"), "max_annual_salary": Decimal("80000")},
    8: {"min_annual_salary": "lots", "max_annual_salary": None},
    9: {"salary_string": "XYZ 50,000 - 60,000 a year"},
    10: {"min_annual_salary": Decimal("50000"), "salary_currency": "XYZ"},
    11: {
        "job_title": "Engineer \ud7ff\ufffd",
        "country_code": "ZZ",
        "city": None,
        "state_code": None,
        "location": None,
    },
}


def test_garbage_never_raises_keeps_the_row_and_says_why(lake: Lake) -> None:
    rows = [posting(i, **fields) for i, fields in GARBAGE.items()]
    broken = {99: '{"id": 99, "job_title": "Nurse", "salary_string": "$1'}  # truncated JSON
    write_postings(lake, [*rows, posting(99)], raw_json=broken)
    clean = clean_postings(lake.root, workers=1)
    assert sorted(clean, key=int) == [str(i) for i in [*GARBAGE, 99]]  # nothing dropped
    assert clean["1"]["title_status"] == "missing" and clean["1"]["salary_status"] == "missing"
    for pid in ("4", "5"):
        assert clean[pid]["salary_status"] == "invalid" and clean[pid]["annual_min"] is None
        assert clean[pid]["salary_reason"].startswith("salary_string ")
    assert clean["6"]["salary_reason"] == "min_annual_salary -5000.000000: expected a positive amount"
    assert clean["7"]["salary_reason"].startswith("min_annual_salary 90000.000000 > max_annual_salary")
    assert (
        clean["8"]["salary_reason"]
        == "min_annual_salary/max_annual_salary lots/null: expected decimal amounts"
    )
    assert clean["8"]["min_annual_salary"] == "lots"  # the source value is kept beside the null
    for pid in ("6", "7", "8"):
        assert clean[pid]["salary_status"] == "invalid" and clean[pid]["annual_min"] is None
    # an unknown currency: amounts kept in it, no reporting amount, and the reason names the currency
    assert clean["10"]["salary_status"] == "partial" and clean["10"]["annual_min_reporting"] is None
    assert "XYZ" in clean["10"]["salary_reason"]
    assert clean["11"]["location_status"] == "missing" or "ZZ" in (clean["11"]["location_reason"] or "")
    assert clean["5"]["title_status"] == "invalid"
    assert clean["5"]["title_reason"] == "job_title 'N/A': a placeholder, not a title"
    assert clean["9"]["salary_status"] == "invalid"
    assert clean["9"]["salary_reason"].endswith("unknown currency 'XYZ' (expected an ISO 4217 code)")
    assert clean["99"]["title_status"] == "invalid"
    assert clean["99"]["title_reason"] == "raw_json is not a JSON object with an id"
    for row in clean.values():
        for group in ("title", "salary", "location"):
            assert row[f"{group}_status"] in stage.STATUSES
            assert (row[f"{group}_status"] == "ok") == (row[f"{group}_reason"] is None), (
                row["posting_id"],
                group,
            )


def test_one_malformed_row_changes_nothing_for_the_others(tmp_path: Path) -> None:
    rows = [
        posting(1, company_object={"name": "N", "domain": "n.io", "is_recruiting_agency": False}),
        posting(2, salary_string="€4.500 per month", country_code="ES", location="Madrid, Spain"),
        posting(3, remote=True, job_technology_slugs=["k8s"]),
    ]
    clean_lake, mixed_lake = Lake(tmp_path / "clean"), Lake(tmp_path / "mixed")
    write_postings(clean_lake, rows)  # every row decodes in one pass
    # a row whose shape does not fit (a list where text belongs) sends the stage field by field
    write_postings(mixed_lake, [*rows, posting(4, job_title=["not", "a", "string"], remote="maybe")])
    expected = clean_postings(clean_lake.root, workers=1)
    mixed = clean_postings(mixed_lake.root, workers=1)
    assert {k: mixed[k] for k in expected} == expected
    assert mixed["4"]["remote"] is None and mixed["4"]["title_status"] in ("invalid", "partial", "missing")


def test_each_distinct_value_is_normalized_once(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[str] = Counter()
    real = stage.title_part_values

    def counting(title: str | None) -> tuple[Any, ...]:
        calls[title or ""] += 1
        return real(title)

    monkeypatch.setattr(stage, "title_part_values", counting)
    titles = ["Senior Backend Engineer", "DATA  SCIENTIST", "Nurse"]
    # requisition ids, case and doubled spaces do not change a title's normalization: one call per title
    rows = [
        posting(i, job_title=f"{titles[i % 3]} - R{1000 + i}" if i % 2 else titles[i % 3]) for i in range(300)
    ]
    write_postings(lake, rows)
    clean = clean_postings(lake.root, workers=1)
    assert len(clean) == 300
    assert calls == Counter({"senior backend engineer": 1, "data scientist": 1, "nurse": 1})
    assert {clean[str(i)]["title_clean"] for i in range(300)} == {
        "senior backend engineer",
        "data scientist",
        "nurse",
    }


def test_worker_processes_give_the_same_table(
    lake: Lake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = [
        posting(
            i, job_title=f"Engineer {i % 40}", salary_string=f"${50 + i % 30},000 a year", location="Berlin"
        )
        for i in range(400)
    ]
    write_postings(lake, rows)
    serial = pl.read_parquet(normalize_lake(lake.root, NormalizeOptions(workers=1)).paths[0])
    monkeypatch.setattr(stage, "PARALLEL_FROM", 10)
    parallel = pl.read_parquet(normalize_lake(lake.root, NormalizeOptions(workers=2), full=True).paths[0])
    assert serial.equals(parallel)


def test_a_rerun_gives_the_same_table(lake: Lake) -> None:
    write_postings(lake, [posting(i, salary_string="£45,000 – £55,000 per annum") for i in range(20)])
    first = pl.read_parquet(normalize_lake(lake.root, NormalizeOptions(workers=1)).paths[0])
    second = pl.read_parquet(normalize_lake(lake.root, NormalizeOptions(workers=1), full=True).paths[0])
    assert first.equals(second)
    assert not list((lake.root / "clean").glob("*.tmp"))


def _vacancy(vacancy_id: str, updated: str, **fields: Any) -> dict[str, Any]:
    row = {
        "id": vacancy_id,
        "role": "Senior Data Engineer",
        "status": "open",
        "geographyId": "loc-1",
        "jobRoleId": "role-1",
        "workTypeId": "wt-1",
        "salaryMin": "70000.00",
        "salaryMax": "90000.00",
        "currencyCode": "EUR",
        "description": "Spark and Airflow.",
        "updatedAt": updated,
        "metadata": {},
    }
    row.update(fields)
    return row


def test_vacancies_newest_version_with_references_and_exact_band(lake: Lake) -> None:
    versions = [
        _vacancy("v1", "2026-03-01T00:00:00Z", salaryMin="60000.00"),
        _vacancy("v1", "2026-04-01T00:00:00Z", salaryMin="70000.10"),
        _vacancy("v2", "2026-04-01T00:00:00Z", status="filled", salaryMax="abc"),
        _vacancy("v3", "2026-04-01T00:00:00Z", currencyCode=None),
    ]
    lake.append(
        "flowstate_vacancies",
        [
            {
                "scenario_id": "",
                "vacancy_id": v["id"],
                "updated_at": v["updatedAt"],
                "status": v["status"],
                "raw_json": dumps_exact(v),
                **META,
            }
            for v in versions
        ],
        SCHEMAS["flowstate_vacancies"],
        run_id="r1",
    )
    location = {"id": "loc-1", "name": "Berlin, Germany", "countryCode": "DE", "defaultCurrencyCode": "EUR"}
    lake.append(
        "flowstate_locations",
        [{"entity_id": "loc-1", "content_sha": "a", "raw_json": dumps_exact(location), **META}],
        SCHEMAS["flowstate_locations"],
        run_id="r1",
    )
    lake.append(
        "flowstate_vacancy_events",
        [{"scenario_id": "", "vacancy_id": "v3", "event": "disappeared", "last_updated_at": "x", **META}],
        SCHEMAS["flowstate_vacancy_events"],
        run_id="r1",
    )
    normalize_lake(lake.root, NormalizeOptions(workers=1, as_of=date(2026, 7, 1)))
    rows = {r["vacancy_id"]: r for r in pl.read_parquet(lake.root / "clean" / "vacancies.parquet").to_dicts()}
    assert sorted(rows) == ["v1", "v2", "v3"]
    v1 = rows["v1"]
    assert (v1["salary_min_source"], v1["annual_min"], v1["annual_max"]) == (
        "70000.10",
        Decimal("70000.10"),
        Decimal("90000"),
    )
    assert (v1["country_code"], v1["city"], v1["seniority"], v1["occupation_code"]) == (
        "DE",
        "Berlin",
        "senior",
        "15-1243",
    )
    expected = convert_currency(Decimal("90000"), "EUR", "USD", on=date(2026, 7, 1))
    assert v1["annual_max_reporting"] == expected.amount.quantize(Decimal("0.01"))
    assert v1["skills"] == ["airflow", "spark"] and v1["is_open"] is True
    assert rows["v2"]["is_open"] is False and rows["v2"]["salary_status"] == "invalid"
    assert rows["v2"]["salary_reason"] == (
        "salaryMax 'abc': expected a decimal amount such as 120000.00 or 120,000.00"
    )
    assert rows["v3"]["currency"] == "EUR"  # from the location's defaultCurrencyCode
    assert rows["v3"]["is_listed"] is False and rows["v3"]["is_open"] is False


JUNK = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["", "-1", "N/A", "\x00", "$", "XYZ 5", "1e309", "NaN", "  ", "😀" * 5]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
)
FIELDS = ["job_title", "salary_string", "location", "city", "country_code", "min_annual_salary", "remote",
          "salary_currency", "seniority", "description", "job_technology_slugs"]  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, JUNK)), min_size=1, max_size=6))
@example([{"salary_string": "100000000000000000000"}])  # found by the property: too large for the columns
def test_any_junk_in_any_field_never_raises_and_keeps_every_row(
    tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    lake = Lake(tmp_path / f"lake-{uuid.uuid4().hex}")
    write_postings(lake, [posting(i, **fields) for i, fields in enumerate(rows)])
    clean = clean_postings(lake.root, workers=1)
    assert sorted(clean, key=int) == [str(i) for i in range(len(rows))]
    for row in clean.values():
        for group in ("title", "salary", "location"):
            assert row[f"{group}_status"] in stage.STATUSES
            assert (row[f"{group}_status"] == "ok") == (row[f"{group}_reason"] is None)
        if row["annual_min"] is not None:
            assert 0 < row["annual_min"] <= row["annual_max"]
