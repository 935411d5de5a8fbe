"""Floqer rows as real services send them: nested ``locations[]``, flags as 1/0 or strings, a single
employment status as a string, amounts as strings; and the amount reading shared with Flowstate bands."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ingest.lake import Lake
from matcher.normalize import stage
from tests.normalize.test_stage import clean_postings, posting, write_postings

AUSTIN = {
    "name": "Austin, TX",
    "city": "Austin",
    "state": "Texas",
    "state_code": "TX",
    "country_code": "US",
    "latitude": 30.2672,
    "longitude": -97.7431,
    "admin1_code": "TX",
}
LONDON = {"name": "London, UK", "city": "London", "state": "England", "country_code": "GB", "latitude": 51.5}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def nested(posting_id: int, locations: Any, **fields: Any) -> dict[str, Any]:
    """A posting without the flat place fields, with ``locations`` instead."""
    row = posting(posting_id, locations=locations, **fields)
    for key in ("location", "city", "state_code", "country_code"):
        del row[key]
    return row


def test_nested_locations_are_read_when_the_flat_fields_are_absent(lake: Lake) -> None:
    write_postings(
        lake,
        [
            nested(1, [AUSTIN]),
            nested(2, [LONDON, AUSTIN, {"name": "Remote, UK", "country_code": "gb"}]),
            nested(3, []),
            nested(4, None),
            posting(5, locations=[LONDON]),  # flat fields present: they win
        ],
    )
    rows = clean_postings(lake.root, workers=1)
    one = rows["1"]
    assert (one["location"], one["city_source"], one["state_code"], one["country_code_source"]) == (
        "Austin, TX",
        "Austin",
        "TX",
        "US",
    )
    assert (one["country_code"], one["admin1"], one["city"], one["location_status"]) == (
        "US",
        "TX",
        "Austin",
        "ok",
    )
    assert (one["n_locations"], one["country_codes"]) == (1, ["US"])
    two = rows["2"]  # a multi-location posting: the first place is its place; every country is kept
    assert (two["country_code"], two["city"], two["n_locations"]) == ("GB", "London", 3)
    assert two["country_codes"] == ["GB", "US"]
    for pid in ("3", "4"):
        assert (rows[pid]["location_status"], rows[pid]["n_locations"], rows[pid]["country_codes"]) == (
            "missing",
            0,
            [],
        )
    five = rows["5"]
    assert (five["location"], five["city"], five["n_locations"], five["country_codes"]) == (
        "Austin, TX",
        "Austin",
        1,
        ["GB"],
    )


def test_flat_postings_count_one_place(lake: Lake) -> None:
    write_postings(lake, [posting(1), posting(2, country_codes=["US", "CA"]), posting(3, country_code="us")])
    rows = clean_postings(lake.root, workers=1)
    assert (rows["1"]["n_locations"], rows["1"]["country_codes"]) == (1, ["US"])
    assert rows["2"]["country_codes"] == ["US", "CA"]
    assert rows["3"]["country_codes"] == ["US"]


def test_a_malformed_locations_list_loses_only_its_own_places(lake: Lake) -> None:
    write_postings(lake, [nested(1, "Austin, TX"), nested(2, [AUSTIN]), posting(3)])
    rows = clean_postings(lake.root, workers=1)
    assert rows["1"]["location_status"] == "missing" and rows["1"]["n_locations"] == 0
    assert (rows["2"]["city"], rows["3"]["city"]) == ("Austin", "Austin")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, True), (0, False), ("true", True), ("false", False), ("1", True), ("0", False), (" TRUE ", True),
     (True, True), (False, False), (None, None), ("maybe", None), (2, None)],
)  # fmt: skip
def test_flags_as_numbers_and_strings(lake: Lake, value: Any, expected: bool | None) -> None:
    write_postings(lake, [posting(1, remote=value, hybrid=value, reposted=value, is_recruiting_agency=value)])
    row = clean_postings(lake.root, workers=1)["1"]
    assert (row["remote"], row["hybrid"], row["reposted"], row["is_recruiting_agency"]) == (expected,) * 4


def test_remote_one_makes_a_remote_posting(lake: Lake) -> None:
    write_postings(lake, [posting(1, remote=1, city=None, state_code=None, location="United States")])
    row = clean_postings(lake.root, workers=1)["1"]
    assert (row["is_remote"], row["arrangement"], row["location_status"]) == (True, "remote", "ok")


@pytest.mark.parametrize("malformed", [False, True])
def test_a_single_employment_status_is_a_one_element_list(lake: Lake, malformed: bool) -> None:
    rows = [
        posting(1, employment_statuses="full_time"),
        posting(2, employment_statuses=["contract", "temporary"]),
    ]
    if malformed:  # a row that sends the decoder field by field must not change the reading
        rows.append(posting(3, job_title=["not", "a", "title"]))
    write_postings(lake, rows)
    clean = clean_postings(lake.root, workers=1)
    assert clean["1"]["employment_statuses"] == ["full_time"]
    assert clean["2"]["employment_statuses"] == ["contract", "temporary"]


@pytest.mark.parametrize("malformed", [False, True])
def test_nested_locations_survive_the_field_by_field_decoder(lake: Lake, malformed: bool) -> None:
    rows = [nested(1, [LONDON, AUSTIN])]
    if malformed:
        rows.append(posting(2, job_title={"not": "a title"}))
    write_postings(lake, rows)
    row = clean_postings(lake.root, workers=1)["1"]
    assert (row["city"], row["n_locations"], row["country_codes"]) == ("London", 2, ["GB", "US"])


@pytest.mark.parametrize(
    ("low", "high"),
    [("120000", "150000"), ("120,000", "150,000.00"), (" 120000.00 ", "150000"), (120000, "150,000")],
)
def test_structured_amounts_as_strings(lake: Lake, low: Any, high: Any) -> None:
    write_postings(lake, [posting(1, min_annual_salary=low, max_annual_salary=high, salary_currency="USD")])
    row = clean_postings(lake.root, workers=1)["1"]
    assert (row["salary_status"], row["salary_source"]) == ("ok", "structured")
    assert (row["annual_min"], row["annual_max"]) == (Decimal(120000), Decimal(150000))


def test_ambiguous_structured_amounts_stay_invalid(lake: Lake) -> None:
    write_postings(lake, [posting(1, min_annual_salary="120.000,00", salary_currency="EUR")])
    row = clean_postings(lake.root, workers=1)["1"]
    assert row["salary_status"] == "invalid"
    assert (
        row["salary_reason"]
        == "min_annual_salary/max_annual_salary 120.000,00/null: expected decimal amounts"
    )


# -- the amount reading ------------------------------------------------------------------------------------


def read(texts: list[str | None]) -> list[Decimal | None]:
    frame = pl.DataFrame({"x": texts}, schema={"x": pl.String})
    return frame.select(stage.read_amount("x"))["x"].to_list()


def test_read_amount_examples() -> None:
    texts = ["120,000.00", " 120000 ", "1,234,567.5", "-1,000", "120.000,00", "120,00", "1,20,000", "120.000",
             "12,0000", ",120", "120,000.", "1.5", "120000.10", None, "", "abc"]  # fmt: skip
    assert read(texts) == [
        Decimal("120000"),
        Decimal("120000"),
        Decimal("1234567.5"),
        Decimal("-1000"),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        Decimal("1.5"),
        Decimal("120000.10"),
        None,
        None,
        None,
    ]


AMOUNTS = st.decimals(
    min_value=Decimal("-99999999999999999.99"),
    max_value=Decimal("99999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@settings(deadline=None)
@given(st.lists(AMOUNTS, min_size=1, max_size=50))
def test_amounts_with_thousands_separators_read_back_exactly(amounts: list[Decimal]) -> None:
    """Any 2-place amount formatted with thousands separators (and padded) reads back as the same Decimal."""
    assert read([f"{amount:,.2f}" for amount in amounts]) == amounts
    assert read([f" {amount:,} " for amount in amounts]) == amounts
    assert read([f"{amount:.2f}" for amount in amounts]) == amounts
