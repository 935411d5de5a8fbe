"""Which postings' employment types fit a vacancy's work type: a known name, an intern name, else
Flowstate's ``appliesToType``; unknown both, everything fits."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from matcher.match.stage import MatchOptions, _fits, match_frames, work_type_fits
from tests.match.test_scoring import AS_OF, POSTING_COLUMNS, VACANCY_COLUMNS, posting, vacancy

STATUSES = ["full_time", "part_time", "contract", "temporary", "freelance", "internship"]


@pytest.mark.parametrize(
    ("name", "applies_to", "fits"),
    [
        # a known name decides, whatever appliesToType says
        ("Full-time", "employee", {"full_time", "part_time"}),
        ("FULL TIME", None, {"full_time", "part_time"}),
        ("Full_Time", None, {"full_time", "part_time"}),
        ("Part-time", "contractor", {"full_time", "part_time"}),
        ("Fixed-term", "employee", {"full_time", "part_time", "contract", "temporary"}),
        ("Contractor", "employee", {"contract", "temporary", "freelance"}),
        # names that say intern or internship
        ("Intern", None, {"internship"}),
        ("Summer Internship", "employee", {"internship"}),
        ("Interns (paid)", "contractor", {"internship"}),
        # other names: appliesToType decides
        ("Permanent", "employee", {"full_time", "part_time", "temporary"}),
        ("Regular", "Employee", {"full_time", "part_time", "temporary"}),
        ("Temp to perm", "employee", {"full_time", "part_time", "temporary"}),
        ("Freelance", "contractor", {"contract", "temporary", "freelance"}),
        ("International assignment", "employee", {"full_time", "part_time", "temporary"}),  # not an intern
        (None, "contractor", {"contract", "temporary", "freelance"}),
    ],
)
def test_fits_by_name_then_applies_to(name: str | None, applies_to: str | None, fits: set[str]) -> None:
    assert set(work_type_fits(name, applies_to) or ()) == fits
    assert {s for s in STATUSES if _fits(name, [s], applies_to)} == fits


@pytest.mark.parametrize(("name", "applies_to"), [("Permanent", None), ("Regular", "robot"), (None, None)])
def test_unknown_name_and_applies_to_fits_everything(name: str | None, applies_to: str | None) -> None:
    assert work_type_fits(name, applies_to) is None
    assert all(_fits(name, [s], applies_to) for s in [*STATUSES, "something_else"])


def test_any_fitting_status_fits_and_none_given_fits() -> None:
    assert _fits("Permanent", ["contract", "full_time"], "employee")
    assert not _fits("Permanent", ["contract", "freelance"], "employee")
    assert _fits("Permanent", [], "employee")
    assert _fits("Freelance", ["Full-Time", "CONTRACT"], "contractor")  # statuses read case- and dash-free
    assert not _fits("Freelance", ["Full-Time"], "contractor")


def run(vacancies: list[dict[str, Any]], postings: list[dict[str, Any]], **options: Any) -> pl.DataFrame:
    schema = {**VACANCY_COLUMNS, "work_type_applies_to": pl.String}
    matches, _ = match_frames(
        pl.DataFrame(vacancies, schema=schema, orient="row"),
        pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
        MatchOptions(as_of=AS_OF, **options),
    )
    return matches


POSTINGS = [
    posting("full", employment_statuses=["full_time"]),
    posting("part", employment_statuses=["part_time"]),
    posting("temp", employment_statuses=["temporary"]),
    posting("contract", employment_statuses=["contract"]),
    posting("freelance", employment_statuses=["freelance"]),
    posting("intern", employment_statuses=["internship"]),
    posting("none", employment_statuses=None),
]


def matched(vacancies: list[dict[str, Any]]) -> dict[str, set[str]]:
    matches = run(vacancies, POSTINGS)
    return {
        vid: set(matches.filter(pl.col("vacancy_id") == vid)["posting_id"])
        for vid in [v["vacancy_id"] for v in vacancies]
    }


def test_the_stage_fits_postings_by_applies_to_when_the_name_is_unknown() -> None:
    vacancies = [
        vacancy(vacancy_id="perm", work_type_name="Permanent", work_type_applies_to="employee"),
        vacancy(vacancy_id="free", work_type_name="Freelance", work_type_applies_to="contractor"),
        vacancy(vacancy_id="fixed", work_type_name="Fixed-term", work_type_applies_to="employee"),
        vacancy(vacancy_id="intern", work_type_name="Summer Intern", work_type_applies_to="employee"),
        vacancy(vacancy_id="unknown", work_type_name="Permanent", work_type_applies_to=None),
        vacancy(vacancy_id="no-list", work_type_name=None, work_type_applies_to=None),
    ]
    everything = {p["posting_id"] for p in POSTINGS}
    assert matched(vacancies) == {
        "perm": {"full", "part", "temp", "none"},
        "free": {"contract", "temp", "freelance", "none"},
        "fixed": {"full", "part", "temp", "contract", "none"},
        "intern": {"intern", "none"},
        "unknown": everything,
        "no-list": everything,
    }


def test_work_type_can_be_ignored_and_old_clean_tables_still_match() -> None:
    vacancies = [vacancy(vacancy_id="perm", work_type_name="Permanent", work_type_applies_to="employee")]
    assert run(vacancies, POSTINGS, require_work_type=False).height == len(POSTINGS)
    # a clean table from before work_type_applies_to: the name alone decides (unknown: everything fits)
    old, _ = match_frames(
        pl.DataFrame([vacancy(work_type_name="Permanent")], schema=VACANCY_COLUMNS, orient="row"),
        pl.DataFrame(POSTINGS, schema=POSTING_COLUMNS, orient="row"),
        MatchOptions(as_of=AS_OF),
    )
    assert old.height == len(POSTINGS)
