"""Flowstate vacancies as real services send them: filled flags, FTE, amounts as text, null metadata, and raw
lakes without the reference lists (a key without their scopes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from matcher.common.errors import ConfigError
from matcher.ingest.lake import Lake, dumps_exact
from matcher.ingest.runner import SCHEMAS
from matcher.normalize import stage
from matcher.normalize.currency import convert_currency
from matcher.normalize.stage import NormalizeOptions, normalize_lake
from tests.normalize.test_stage import META, _vacancy

UPDATED = "2026-04-01T00:00:00Z"
BERLIN = {"id": "loc-1", "name": "Berlin, Germany", "countryCode": "DE", "defaultCurrencyCode": "EUR"}
FULL_TIME = {"id": "wt-1", "name": "Full-time", "appliesToType": "employee"}
ROLE = {"id": "role-1", "name": "Data Engineering"}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def write_vacancies(
    lake: Lake, vacancies: list[dict[str, Any]], *, raw_json: dict[str, str] | None = None
) -> None:
    lake.append(
        "flowstate_vacancies",
        [
            {
                "scenario_id": "",
                "vacancy_id": v["id"],
                "updated_at": v["updatedAt"],
                "status": v.get("status"),
                "raw_json": (raw_json or {}).get(v["id"]) or dumps_exact(v),
                **META,
            }
            for v in vacancies
        ],
        SCHEMAS["flowstate_vacancies"],
        run_id="r1",
    )


def write_records(lake: Lake, table: str, records: list[dict[str, Any]]) -> None:
    lake.append(
        f"flowstate_{table}",
        [{"entity_id": r["id"], "content_sha": r["id"], "raw_json": dumps_exact(r), **META} for r in records],
        SCHEMAS[f"flowstate_{table}"],
        run_id="r1",
    )


def write_references(lake: Lake) -> None:
    write_records(lake, "locations", [BERLIN])
    write_records(lake, "work_types", [FULL_TIME])
    write_records(lake, "job_roles", [ROLE])


def clean_vacancies(root: Path, band_basis: str = "paid") -> dict[str, dict[str, Any]]:
    normalize_lake(root, NormalizeOptions(workers=1, as_of=date(2026, 7, 1), band_basis=band_basis))
    frame = pl.read_parquet(root / "clean" / "vacancies.parquet")
    return {row["vacancy_id"]: row for row in frame.to_dicts()}


# -- openness ------------------------------------------------------------------------------------------------


def test_a_filled_vacancy_is_not_open_whatever_its_status_says(lake: Lake) -> None:
    write_vacancies(
        lake,
        [
            _vacancy("open", UPDATED),
            _vacancy("flag", UPDATED, isFilled=True),
            _vacancy("flag-false", UPDATED, isFilled=False, filledByLiveEmployeeId=None),
            _vacancy("contractor", UPDATED, filledByLiveContractorId="clxc0000000000ab"),
            _vacancy("employee", UPDATED, filledByLiveEmployeeId="clxe0000000000cd"),
            _vacancy("blank-id", UPDATED, filledByLiveEmployeeId=""),
            _vacancy("filled", UPDATED, status="filled", filledByLiveEmployeeId="clxe0000000000ef"),
            _vacancy("on-hold", UPDATED, status="on_hold"),
        ],
    )
    write_references(lake)
    rows = clean_vacancies(lake.root)
    opened = {vid for vid, row in rows.items() if row["is_open"]}
    assert opened == {"open", "flag-false", "blank-id"}
    assert {vid for vid, row in rows.items() if row["is_filled"]} == {
        "flag",
        "contractor",
        "employee",
        "filled",
    }
    reasons = {vid: row["closed_reason"] for vid, row in rows.items()}
    assert reasons == {
        "open": None,
        "flag": "isFilled true",
        "flag-false": None,
        "contractor": "filled by contractor clxc0000000000ab",
        "employee": "filled by employee clxe0000000000cd",
        "blank-id": None,
        "filled": "status filled; filled by employee clxe0000000000ef",
        "on-hold": "status on_hold",
    }
    assert rows["contractor"]["filled_by_contractor_id"] == "clxc0000000000ab"
    assert rows["employee"]["filled_by_employee_id"] == "clxe0000000000cd"
    assert rows["blank-id"]["filled_by_employee_id"] is None


def test_a_vacancy_that_disappeared_says_so(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED), _vacancy("v2", UPDATED, isFilled=True)])
    lake.append(
        "flowstate_vacancy_events",
        [
            {"scenario_id": "", "vacancy_id": vid, "event": "disappeared", "last_updated_at": UPDATED, **META}
            for vid in ("v1", "v2")
        ],
        SCHEMAS["flowstate_vacancy_events"],
        run_id="r1",
    )
    rows = clean_vacancies(lake.root)
    assert rows["v1"]["is_open"] is False and rows["v1"]["closed_reason"] == "disappeared from the list"
    assert rows["v2"]["closed_reason"] == "isFilled true; disappeared from the list"


# -- FTE -----------------------------------------------------------------------------------------------------


def test_a_part_time_band_is_compared_as_its_full_time_equivalent(lake: Lake) -> None:
    write_vacancies(
        lake,
        [
            _vacancy("half", UPDATED, fte=Decimal("0.5"), salaryMin="30000.00", salaryMax="40000.00"),
            _vacancy("sixty", UPDATED, fte="0.6", salaryMin="60000.00", salaryMax="70000.00"),
            _vacancy("full", UPDATED, fte=Decimal("1.0")),
            _vacancy("no-fte", UPDATED),
            _vacancy("null-fte", UPDATED, fte=None),
        ],
    )
    write_references(lake)
    rows = clean_vacancies(lake.root)
    half = rows["half"]
    assert (half["salary_min"], half["salary_max"]) == (Decimal("30000"), Decimal("40000"))  # as written
    assert (half["fte"], half["fte_factor"]) == ("0.5", Decimal("0.5"))
    assert (half["annual_min"], half["annual_max"]) == (Decimal("60000"), Decimal("80000"))
    assert (half["salary_status"], half["salary_reason"]) == ("ok", None)
    expected = convert_currency(Decimal("80000"), "EUR", "USD", on=date(2026, 7, 1))
    assert half["annual_max_reporting"] == expected.amount.quantize(Decimal("0.01"))  # the FTE band converted
    sixty = rows["sixty"]
    # 60000 / 0.6 = 100000 exactly; 70000 / 0.6 = 116666.666..., rounded half-even to 6 places
    assert (sixty["annual_min"], sixty["annual_max"]) == (Decimal("100000"), Decimal("116666.666667"))
    for vid in ("full", "no-fte", "null-fte"):
        row = rows[vid]
        assert row["fte_factor"] == Decimal(1), vid
        assert (row["annual_min"], row["annual_max"]) == (Decimal("70000"), Decimal("90000")), vid
        assert row["salary_status"] == "ok", vid
    assert rows["no-fte"]["fte"] is None and rows["full"]["fte"] == "1.0"


@pytest.mark.parametrize("fte", ["0", "-0.5", "1.5", "half", "", "NaN"])
def test_an_unusable_fte_keeps_the_band_as_stated_and_says_so(lake: Lake, fte: str) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, fte=fte)])
    write_references(lake)
    row = clean_vacancies(lake.root)["v1"]
    assert (row["annual_min"], row["annual_max"]) == (Decimal("70000"), Decimal("90000"))
    assert row["fte_factor"] == Decimal(1)
    assert row["salary_status"] == "partial"
    assert row["salary_reason"] == f"fte {fte!r}: expected a number in (0, 1]; the band is compared as stated"
    assert row["annual_min_reporting"] is not None  # still converted


def test_bands_read_as_full_time_pay_when_configured(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("half", UPDATED, fte="0.5", salaryMin="30000.00", salaryMax="40000.00")])
    write_references(lake)
    half = clean_vacancies(lake.root, band_basis="full_time")["half"]
    assert (half["fte"], half["fte_factor"]) == ("0.5", Decimal("1"))  # fte kept, not applied
    assert (half["annual_min"], half["annual_max"]) == (Decimal("30000"), Decimal("40000"))
    with pytest.raises(ConfigError, match="band_basis: got 'hourly', expected one of paid, full_time"):
        clean_vacancies(lake.root, band_basis="hourly")


def test_an_unusable_fte_on_a_missing_band_is_still_missing(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, fte="2", salaryMin=None, salaryMax=None)])
    write_references(lake)
    row = clean_vacancies(lake.root)["v1"]
    assert (row["salary_status"], row["salary_reason"]) == ("missing", "no salaryMin or salaryMax")


# -- amounts as text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["120,000.00", " 120000 ", "120000", "120,000", "  120,000.00  ", "120000.00"],
)
def test_amounts_with_thousands_separators_or_spaces_are_read_exactly(lake: Lake, text: str) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, salaryMin=text, salaryMax="150,000.50")])
    write_references(lake)
    row = clean_vacancies(lake.root)["v1"]
    assert (row["salary_status"], row["salary_reason"]) == ("ok", None)
    assert (row["annual_min"], row["annual_max"]) == (Decimal("120000.00"), Decimal("150000.50"))
    assert row["salary_min_source"] == text  # the text as received


@pytest.mark.parametrize(
    "text", ["120.000,00", "120,00", "1,20,000", "120.000", "12,0000", "$120,000", "1 20 000"]
)
def test_ambiguous_amounts_stay_invalid_and_name_the_field_and_value(lake: Lake, text: str) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, salaryMin=text)])
    write_references(lake)
    row = clean_vacancies(lake.root)["v1"]
    assert row["salary_status"] == "invalid" and row["annual_min"] is None
    assert (
        row["salary_reason"]
        == f"salaryMin '{text}': expected a decimal amount such as 120000.00 or 120,000.00"
    )


def test_both_unreadable_amounts_are_named(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, salaryMin="lots", salaryMax="more")])
    write_references(lake)
    reason = clean_vacancies(lake.root)["v1"]["salary_reason"]
    assert (
        reason
        == "salaryMin 'lots', salaryMax 'more': expected a decimal amount such as 120000.00 or 120,000.00"
    )


# -- metadata null -------------------------------------------------------------------------------------------


def test_null_metadata_normalizes_like_an_empty_object(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, metadata=None), _vacancy("v2", UPDATED)])
    write_references(lake)
    rows = clean_vacancies(lake.root)
    for column in ("is_open", "annual_min", "salary_status", "country_code", "city", "title_core", "skills"):
        assert rows["v1"][column] == rows["v2"][column], column
    assert rows["v1"]["is_open"] is True and rows["v1"]["salary_status"] == "ok"


# -- reference lists absent ----------------------------------------------------------------------------------


def test_a_raw_lake_without_reference_tables_normalizes(lake: Lake) -> None:
    write_vacancies(
        lake,
        [
            _vacancy("gbp", UPDATED, currencyCode="GBP", geographyId="clxloc00000001"),
            _vacancy("usd", UPDATED, currencyCode="usd", geographyId="clxloc00000002"),
            _vacancy("eur", UPDATED, currencyCode="EUR", geographyId="clxloc00000003"),
            _vacancy("none", UPDATED, currencyCode=None, geographyId="clxloc00000004"),
            _vacancy("no-geo", UPDATED, currencyCode="XYZ", geographyId=None),
        ],
    )
    rows = clean_vacancies(lake.root)
    assert sorted(rows) == ["eur", "gbp", "no-geo", "none", "usd"]
    unread = "location record {} not available (the locations list could not be read)"
    gbp = rows["gbp"]
    assert (gbp["country_code"], gbp["city"], gbp["location_status"]) == ("GB", None, "partial")
    assert gbp["location_reason"] == (
        unread.format("clxloc00000001")
        + "; country GB inferred from currencyCode GBP (the only country using it in countries.csv)"
    )
    assert (rows["usd"]["country_code"], rows["usd"]["location_status"]) == ("US", "partial")
    eur = rows["eur"]  # EUR belongs to several countries: no hint
    assert (eur["country_code"], eur["location_status"]) == (None, "missing")
    assert eur["location_reason"] == unread.format("clxloc00000003")
    assert rows["no-geo"]["location_reason"] == "no geographyId given"
    # the band is still read in its currencyCode; without one, the reason says there is no location to ask
    assert (gbp["salary_status"], gbp["currency"], gbp["annual_min"]) == ("ok", "GBP", Decimal("70000"))
    assert rows["none"]["salary_status"] == "invalid"
    assert rows["none"]["salary_reason"] == (
        "currencyCode missing and no location record to take a defaultCurrencyCode from"
    )
    for row in rows.values():
        assert row["work_type_name"] is None and row["job_role_name"] is None
        assert row["title_core"] == "data engineer" and row["is_open"] is True
        assert (row["location_status"] == "ok") == (row["location_reason"] is None)


def test_a_location_missing_from_a_list_that_was_read(lake: Lake) -> None:
    write_vacancies(lake, [_vacancy("v1", UPDATED, geographyId="clxgone", currencyCode="EUR")])
    write_references(lake)
    row = clean_vacancies(lake.root)["v1"]
    assert (row["location_status"], row["location_reason"]) == (
        "missing",
        "location record clxgone not in the locations list",
    )


def test_currencies_of_one_country_only_are_hints() -> None:
    hints = stage._currency_countries()
    assert hints["GBP"] == "GB" and hints["CHF"] == "CH"
    assert "EUR" not in hints  # DE, FR, NL, IE, ES share it
