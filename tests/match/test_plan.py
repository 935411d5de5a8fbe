"""``plan_monitor``: filter sets per country group, levels in Floqer's vocabulary, no junk titles, a cap."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.common.errors import DataError
from matcher.match.plan import (
    DEFAULT_MAX_COUNT,
    DEFAULTED_LEVEL_SENIORITIES,
    FLOQER_SENIORITIES,
    SENIORITY_FOR_LEVEL,
    estimate_cost,
    junk_reason,
    plan_monitor,
)
from matcher.normalize.titles import LEVELS

PLANNED_ON = date(2026, 12, 1)
COLUMNS = (
    "vacancy_id role title_core title_clean occupation_code country_code seniority seniority_source".split()
)


def _vacancies(*rows: dict[str, Any]) -> pl.DataFrame:
    """A clean vacancies table: each row gives at least vacancy_id, title_core and country_code."""
    filled = [
        {
            "role": row.get("title_core", "").title(),
            "title_clean": row.get("title_core", ""),
            "occupation_code": None,
            "seniority": "mid",
            "seniority_source": "default",
            "is_open": True,
            **row,
        }
        for row in rows
    ]
    schema = dict.fromkeys(COLUMNS, pl.String) | {"is_open": pl.Boolean}
    return pl.DataFrame(filled, schema=schema)


def _plan(*rows: dict[str, Any], **options: Any) -> Any:
    return plan_monitor(_vacancies(*rows), planned_on=PLANNED_ON, **options)


def test_a_us_only_role_is_never_searched_in_germany() -> None:
    plan = _plan(
        {"vacancy_id": "us", "title_core": "backend engineer", "country_code": "US", "seniority": "senior",
         "seniority_source": "title"},
        {"vacancy_id": "de", "title_core": "data engineer", "country_code": "DE", "seniority": "senior",
         "seniority_source": "title"},
    )  # fmt: skip
    by_country = {s.countries: s for s in plan.filter_sets}
    assert set(by_country) == {("US",), ("DE",)}
    assert by_country[("US",)].filters["job_title_or"] == ["backend engineer"]
    assert by_country[("DE",)].filters["job_title_or"] == ["data engineer"]
    assert by_country[("DE",)].filters["job_country_code_or"] == ["DE"]
    assert by_country[("US",)].vacancy_ids == ("us",)
    for s in plan.filter_sets:
        assert s.filters["job_seniority_or"] == ["senior"]
        assert s.filters["posted_at_max_age_days"] == 180
        assert s.filters["order_by"] == [{"field": "date_posted", "desc": True}]
        assert s.max_count == DEFAULT_MAX_COUNT


def test_countries_with_identical_titles_and_levels_share_one_set() -> None:
    plan = _plan(
        {"vacancy_id": "gb", "title_core": "data scientist", "country_code": "GB"},
        {"vacancy_id": "ca", "title_core": "data scientist", "country_code": "CA"},
        {"vacancy_id": "us", "title_core": "data scientist", "country_code": "US", "seniority": "senior",
         "seniority_source": "title"},  # same title, another level: its own set
        {"vacancy_id": "de", "title_core": "nurse", "country_code": "DE"},
    )  # fmt: skip
    assert [s.countries for s in plan.filter_sets] == [("CA", "GB"), ("DE",), ("US",)]
    merged = plan.filter_sets[0]
    assert merged.filters["job_country_code_or"] == ["CA", "GB"]
    assert merged.vacancy_ids == ("ca", "gb")
    assert merged.name == "matcher: CA, GB — 2 vacancies (2026-12-01)"
    assert plan.filter_sets[2].name == "matcher: US — 1 vacancy (2026-12-01)"
    assert plan.filter_set_of("gb") == plan.filter_set_of("ca") == 0


def test_titles_of_one_country_are_pooled_and_their_levels_too() -> None:
    plan = _plan(
        {"vacancy_id": "a", "title_core": "backend engineer", "country_code": "US", "seniority": "staff",
         "seniority_source": "title"},
        {"vacancy_id": "b", "title_core": "registered nurse", "country_code": "US"},
    )  # fmt: skip
    (only,) = plan.filter_sets
    assert only.filters["job_title_or"] == ["backend engineer", "registered nurse"]
    assert only.filters["job_seniority_or"] == ["mid_level", "senior", "staff"]  # Floqer's order, low first


def test_a_vacancy_without_a_country_is_searched_everywhere_in_its_own_set() -> None:
    plan = _plan(
        {"vacancy_id": "here", "title_core": "data analyst", "country_code": "US"},
        {"vacancy_id": "nowhere", "title_core": "data analyst", "country_code": None},
    )
    assert [s.countries for s in plan.filter_sets] == [("US",), ()]  # not merged with the US set
    anywhere = plan.filter_sets[1]
    assert "job_country_code_or" not in anywhere.filters
    assert anywhere.label == "any country"
    assert anywhere.name.startswith("matcher: any country — 1 vacancy")
    assert any("nowhere" in w and "no country" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("title", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x", "single letters"),
        ("n/a", "single letters"),
        ("123", "a number or requisition code"),
        ("r12345", "a number or requisition code"),
        ("jr-0042 a1b2", "a number or requisition code"),
        ("engineer", "no distinctive word"),
        ("manager", "no distinctive word"),
        ("senior manager", "no distinctive word"),
        ("head of", "no distinctive word"),
        ("engineer ii", "no distinctive word"),
        ("req 4411 engineer", "no distinctive word"),
        ("vacancy 12", "no distinctive word"),
        ("tbd", "no distinctive word"),
        ("ingenieur", "no distinctive word"),
    ],
)
def test_junk_titles(title: str, why: str) -> None:
    reason = junk_reason(title)
    assert reason is not None and reason.startswith(why)


@pytest.mark.parametrize(
    "title",
    ["data engineer", "technical recruiter", "team assistant", "nurse", "fp&a analyst", "ux designer",
     "qa engineer", "head of data", "operations manager", "データサイエンティスト"],
)  # fmt: skip
def test_real_titles_are_not_junk(title: str) -> None:
    assert junk_reason(title) is None


def test_junk_titles_are_dropped_with_a_note_and_a_vacancy_without_title_is_not_searched() -> None:
    plan = _plan(
        {"vacancy_id": "ok", "title_core": "data engineer", "country_code": "DE"},
        {"vacancy_id": "bare", "title_core": "engineer", "title_clean": "senior engineer",
         "country_code": "DE", "role": "Senior Engineer, Team 7"},
        {"vacancy_id": "code", "title_core": "", "title_clean": "", "country_code": "US",
         "role": "REQ-12345"},
        {"vacancy_id": "letter", "title_core": "x", "country_code": "US", "role": "X"},
    )  # fmt: skip
    (only,) = plan.filter_sets  # the US vacancies are not searched at all
    assert only.filters["job_title_or"] == ["data engineer"]
    assert only.vacancy_ids == ("ok",)
    assert any("bare" in n and "'engineer'" in n and "no distinctive word" in n for n in plan.notes)
    assert any("letter" in n and "'x'" in n for n in plan.notes)
    not_searched = {w.split()[1] for w in plan.warnings if "not searched" in w}
    assert not_searched == {"bare", "code", "letter"}
    assert plan.filter_set_of("code") is None
    state = plan.to_json()
    bare = next(v for v in state["vacancies"] if v["vacancy_id"] == "bare")
    assert bare["variants"] == [] and bare["filter_set"] is None
    assert bare["dropped"][0]["title"] == "engineer"


def test_no_searchable_title_gives_no_filter_set() -> None:
    plan = _plan({"vacancy_id": "v", "title_core": "manager", "country_code": "US"})
    assert plan.filter_sets == () and plan.warnings


def test_seniority_mapping_covers_every_level_in_floqers_vocabulary() -> None:
    assert set(SENIORITY_FOR_LEVEL) == set(LEVELS)
    assert {s for values in SENIORITY_FOR_LEVEL.values() for s in values} <= set(FLOQER_SENIORITIES)
    assert set(FLOQER_SENIORITIES) == {"c_level", "staff", "senior", "mid_level", "junior"}
    assert SENIORITY_FOR_LEVEL["intern"] == ("junior",)
    assert SENIORITY_FOR_LEVEL["principal"] == ("staff",)
    assert SENIORITY_FOR_LEVEL["director"] == SENIORITY_FOR_LEVEL["vp"] == ("c_level",)
    assert DEFAULTED_LEVEL_SENIORITIES == ("mid_level", "senior")


@pytest.mark.parametrize(
    ("level", "source", "expected"),
    [
        ("mid", "default", ["mid_level", "senior"]),  # the role names no level
        ("mid", "title", ["mid_level"]),  # "Engineer II": the level is stated
        ("senior", "title", ["senior"]),
        ("intern", "title", ["junior"]),
        ("manager", "title", ["mid_level", "senior"]),
        ("vp", "title", ["c_level"]),
        (None, None, None),  # unknown: every level
    ],
)
def test_a_vacancys_level_in_floqers_vocabulary(
    level: str | None, source: str | None, expected: list[str] | None
) -> None:
    plan = _plan(
        {"vacancy_id": "v", "title_core": "data engineer", "country_code": "DE", "seniority": level,
         "seniority_source": source},
    )  # fmt: skip
    assert plan.filter_sets[0].filters.get("job_seniority_or") == expected
    assert (expected is None) == any("level None unknown" in w for w in plan.warnings)


def test_no_seniority_leaves_the_filter_out() -> None:
    plan = _plan(
        {"vacancy_id": "a", "title_core": "data engineer", "country_code": "DE", "seniority": "senior",
         "seniority_source": "title"},
        {"vacancy_id": "b", "title_core": "data engineer", "country_code": "NL"},
        seniority=False,
    )  # fmt: skip
    (only,) = plan.filter_sets  # levels no longer split the two countries
    assert only.countries == ("DE", "NL")
    assert "job_seniority_or" not in only.filters
    assert only.seniorities is None and not plan.warnings


def test_max_count_and_own_companies_in_every_set() -> None:
    rows = (
        {"vacancy_id": "a", "title_core": "data engineer", "country_code": "DE"},
        {"vacancy_id": "b", "title_core": "nurse", "country_code": "US"},
    )
    plan = _plan(*rows, max_count=50, own_companies=("Northwind", "northwind.com"))
    assert [s.max_count for s in plan.filter_sets] == [50, 50]
    assert all(s.filters["company_name_not"] == ["Northwind"] for s in plan.filter_sets)
    assert [s["max_count"] for s in plan.to_json()["filter_sets"]] == [50, 50]
    with pytest.raises(DataError, match="max_count"):
        _plan(*rows, max_count=0)


def test_the_plan_state() -> None:
    plan = _plan(
        {"vacancy_id": "a", "title_core": "data engineer", "country_code": "DE"},
        {"vacancy_id": "b", "title_core": "nurse", "country_code": "US"},
    )
    state = plan.to_json()
    assert state["version"] == 2
    assert [s["countries"] for s in state["filter_sets"]] == [["DE"], ["US"]]
    assert set(state["filter_sets"][0]) == {
        "name", "countries", "titles", "seniorities", "vacancy_ids", "filters", "max_count"
    }  # fmt: skip
    assert [v["filter_set"] for v in state["vacancies"]] == [1, 2]  # numbered as printed, from 1


def test_cost_estimate() -> None:
    many = estimate_cost(5400, max_count=1000)
    assert (many.first_fetch_rows, many.first_fetch_credits) == (1000, 1000.0)
    assert many.daily_rows == pytest.approx(30.0)
    assert estimate_cost(5400, max_count=1000, credits_per_row=2.5).first_fetch_credits == 2500.0
    assert estimate_cost(360_000, max_count=1000).daily_rows == 1000  # a run imports max_count at most
    few = estimate_cost(90, capped=True, max_count=1000)
    assert (few.first_fetch_rows, few.daily_rows, few.to_json()["capped"]) == (90, 0.5, True)
    assert estimate_cost(0, max_count=10).to_json()["first_fetch_credits"] == 0


TITLES = [
    "backend engineer", "data engineer", "data scientist", "registered nurse", "product manager",
    "engineer", "manager", "x", "", "123", "r4411", "senior ii", "operations", "fp&a analyst",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(TITLES),
            st.sampled_from(["US", "DE", "GB", "IN", None]),
            st.sampled_from([*LEVELS, None]),
            st.sampled_from(["title", "default"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.booleans(),
)
def test_every_country_is_searched_only_with_its_own_titles(
    rows: list[tuple[str, str | None, str | None, str]], seniority: bool
) -> None:
    plan = _plan(
        *(
            {
                "vacancy_id": f"v{i}",
                "title_core": t,
                "country_code": c,
                "seniority": lv,
                "seniority_source": src,
            }
            for i, (t, c, lv, src) in enumerate(rows)
        ),
        seniority=seniority,
    )
    by_id = {v.vacancy_id: v for v in plan.vacancies}
    for s in plan.filter_sets:
        assert s.titles and s.max_count == DEFAULT_MAX_COUNT
        assert all(junk_reason(t) is None for t in s.filters["job_title_or"])  # no junk is ever sent
        assert set(s.filters.get("job_seniority_or", [])) <= set(FLOQER_SENIORITIES)
        assert ("job_seniority_or" in s.filters) <= seniority
        members = [by_id[i] for i in s.vacancy_ids]
        # a set searches exactly its vacancies' titles, in exactly their countries
        assert set(s.titles) == {t for v in members for t in v.variants}
        assert set(s.countries) == {v.country_code for v in members if v.country_code}
        assert all(v.country_code is None for v in members) == (not s.countries)
    for v in plan.vacancies:
        holding = [s for s in plan.filter_sets if v.vacancy_id in s.vacancy_ids]
        assert len(holding) == (1 if v.variants else 0)
        # every set that searches this vacancy's country searches its titles
        for s in plan.filter_sets:
            if v.variants and (v.country_code in s.countries or (v.country_code is None and not s.countries)):
                assert set(v.variants) <= set(s.titles)
                assert s is holding[0]
