"""``matcher floqer plan`` -> preview -> ``create --confirm`` -> ``ingest`` against the sandbox: filter sets
per country group, a cost estimate from the free previews, one source per set."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.ingest.lake import Lake
from matcher.match.plan import _ROLE_WORDS, plan_monitor, title_variants
from matcher.sandbox import SandboxServer
from matcher.sandbox.faults import FaultRule
from tests.test_cli_floqer import _invoke, env  # noqa: F401  (env is a fixture)


def test_title_variants_keep_the_specialism() -> None:
    assert title_variants("backend engineer", "15-1252") == (
        "backend engineer",
        "backend software engineer",
        "back end engineer",
        "backend developer",
        "back end developer",
    )
    assert title_variants("data engineer", "15-1243")[0] == "data engineer"
    assert "data architect" not in title_variants("data engineer", "15-1243")  # another role
    assert title_variants("engineer", "15-1252") == ("engineer",)  # only role words: no aliases
    assert title_variants("backend engineer", None) == ("backend engineer",)
    assert len(title_variants("software engineer", "15-1252", max_variants=3)) == 3


def test_the_plan_from_a_vacancies_table() -> None:
    vacancies = pl.DataFrame(
        {
            "vacancy_id": ["v1", "v2", "v3"],
            "role": ["Senior Backend Engineer", "Operations Manager", "Closed role"],
            "title_core": ["backend engineer", "operations", "chef"],
            "title_clean": ["senior backend engineer", "operations manager", "chef"],
            "occupation_code": ["15-1252", "11-1021", None],
            "country_code": ["DE", "US", "FR"],
            "seniority": ["senior", "manager", "mid"],
            "seniority_source": ["title", "title", "default"],
            "is_open": [True, True, False],
        }
    )
    plan = plan_monitor(vacancies, own_companies=("Northwind Analytics", "northwind-analytics.com"))
    de, us = plan.filter_sets  # the closed vacancy's France is not searched
    assert (de.countries, us.countries) == (("DE",), ("US",))
    for s in plan.filter_sets:
        assert s.filters["company_name_not"] == ["Northwind Analytics"]  # a domain is not a company name
        assert s.filters["posted_at_max_age_days"] == 180
        assert s.max_count == 1000
    assert {"backend engineer", "back end developer"} <= set(de.filters["job_title_or"])
    assert "operations manager" not in de.filters["job_title_or"]  # a US role is not searched in Germany
    # "manager" was read as the level: the core "operations" alone would find every operations job
    assert "operations" not in us.filters["job_title_or"]
    assert "operations manager" in us.filters["job_title_or"]
    assert de.filters["job_seniority_or"] == ["senior"]
    assert us.filters["job_seniority_or"] == ["mid_level", "senior"]
    assert [v.vacancy_id for v in plan.vacancies] == ["v1", "v2"]


def _plan_demo(env: dict[str, str], *args: str) -> tuple[int, str]:  # noqa: F811
    for command in (("ingest", "--only", "flowstate"), ("normalize",)):
        code, out = _invoke(env, *command)
        assert code == 0, out
    return _invoke(env, "floqer", "plan", *args)


def test_plan_preview_create_ingest_end_to_end(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = _invoke(env, "floqer", "plan")
    assert code == 1 and "no clean vacancies yet" in out and "matcher ingest --only flowstate" in out

    code, out = _plan_demo(env)
    assert code == 0, out
    lake = Lake(tmp_path / "lake")
    plan = lake.read_state("floqer_plan.json")
    open_vacancies = pl.read_parquet(tmp_path / "lake" / "clean" / "vacancies.parquet").filter("is_open")
    assert len(plan["vacancies"]) == open_vacancies.height > 0
    sets = plan["filter_sets"]
    # one set per country of the demo's open vacancies (no two countries plan the same titles)
    countries = [c for s in sets for c in s["countries"]]
    assert sorted(countries) == sorted(set(open_vacancies["country_code"].drop_nulls()))
    assert len(sets) == len(countries) > 1
    for s in sets:
        country_vacancies = open_vacancies.filter(pl.col("country_code").is_in(s["countries"]))
        assert sorted(s["vacancy_ids"]) == sorted(country_vacancies["vacancy_id"])
        assert s["filters"]["job_country_code_or"] == s["countries"]
        assert s["filters"]["job_title_or"] == s["titles"]
        assert set(s["filters"]["job_seniority_or"]) <= {"c_level", "staff", "senior", "mid_level", "junior"}
        assert s["max_count"] == 1000
        assert s["name"].startswith(f"matcher: {', '.join(s['countries'])} — ")
        estimate = s["estimate"]
        assert estimate["first_fetch_rows"] == min(estimate["total_results"], 1000)
        assert estimate["first_fetch_credits"] == estimate["first_fetch_rows"]  # 1 credit per row
        assert estimate["daily_rows"] == pytest.approx(estimate["total_results"] / 180, abs=0.01)
    us = next(s for s in sets if s["countries"] == ["US"])
    de = next(s for s in sets if s["countries"] == ["DE"])
    assert "backend engineer" in us["titles"] and "backend engineer" not in de["titles"]  # US-only role
    assert "staff" in us["filters"]["job_seniority_or"]  # the Staff Platform Engineer
    assert "filter sets (one Floqer source each)" in out and "cost estimate from the free previews" in out
    assert "assumption: 1 credit per imported row" in out
    total_line = next(line for line in out.splitlines() if "│ total" in line)
    assert str(sum(s["estimate"]["total_results"] for s in sets)) in total_line
    assert f"create its {len(sets)} sources with `matcher floqer create --confirm`" in out
    empty = [s for s in sets if not s["estimate"]["total_results"]]
    assert ("matched no posting in the last 180 days" in out) == bool(empty)

    code, out = _invoke(env, "floqer", "create")
    assert code == 1 and "spends credits" in out and "--confirm" in out
    assert lake.read_state("floqer_sources.json") == {}  # nothing created

    code, out = _invoke(env, "floqer", "create", "--confirm", "--expiration-date", "2027-03-01")
    assert code == 0, out
    recorded = lake.read_state("floqer_sources.json")
    assert len(recorded) == len(sets) == out.count("created source ")
    kept = lake.read_state("floqer_plan.json")["filter_sets"]
    for planned in kept:
        source_id = planned["created"]["source_instance_id"]
        assert recorded[source_id]["name"] == planned["name"]
        assert recorded[source_id]["expiration_date"] == "2027-03-01"
        assert recorded[source_id]["max_count"] == 1000
        source = sandbox.app.floqer.sources[source_id]  # what was planned is what was created
        assert set(source.spec.title_or) == set(planned["titles"])
        assert source.spec.countries == set(planned["countries"])
        assert source.spec.seniorities == set(planned["filters"]["job_seniority_or"])
        assert source.max_count == 1000

    code, out = _invoke(env, "floqer", "create", "--confirm")  # a second time: nothing new
    assert code == 1 and "was created already" in out
    assert len(lake.read_state("floqer_sources.json")) == len(sets)

    sandbox.clock.advance(timedelta(minutes=2))
    code, out = _invoke(env, "ingest", "--only", "floqer")
    assert code == 0, out
    parts = sorted((tmp_path / "lake" / "raw" / "floqer" / "postings").glob("*.parquet"))
    landed = pl.concat([pl.read_parquet(p) for p in parts], how="diagonal_relaxed")
    assert landed.height > 0
    by_source = {s["created"]["source_instance_id"]: s for s in kept}
    for row in landed.iter_rows(named=True):
        planned = by_source[row["source_instance_id"]]
        raw = json.loads(row["raw_json"])
        assert any(v in row["job_title"].lower() for v in planned["titles"])
        assert raw.get("country_code") in planned["countries"]  # each source stays in its own countries
        assert raw.get("seniority") in planned["filters"]["job_seniority_or"]


def test_plan_without_seniority_and_with_another_cap(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = _plan_demo(env, "--no-seniority", "--max-count", "20", "--credits-per-row", "2")
    assert code == 0, out
    sets = Lake(tmp_path / "lake").read_state("floqer_plan.json")["filter_sets"]
    for s in sets:
        assert "job_seniority_or" not in s["filters"] and s["seniorities"] is None
        assert s["max_count"] == 20
        e = s["estimate"]
        assert e["first_fetch_rows"] == min(e["total_results"], 20)
        assert e["first_fetch_credits"] == 2 * e["first_fetch_rows"]
    assert "assumption: 2 credit per imported row" in out


def test_plan_prints_every_server_warning(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("matcher.match.plan.MAX_LOOKBACK_DAYS", 365)  # above Floqer's cap: the server warns
    code, out = _plan_demo(env, "--no-seniority")
    assert code == 0, out
    sets = Lake(tmp_path / "lake").read_state("floqer_plan.json")["filter_sets"]
    warned = [line for line in out.splitlines() if "capped at 180 days" in line]
    assert len(warned) == len(sets) > 1  # every set's warning
    assert warned[0].startswith(f"warning: filter set 1 ({', '.join(sets[0]['countries'])}): filters.")


def test_create_stops_at_a_refusal_keeps_what_exists_and_resumes(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = _plan_demo(env, "--no-preview")
    assert code == 0, out
    assert "cost estimate" not in out
    lake = Lake(tmp_path / "lake")
    sets = lake.read_state("floqer_plan.json")["filter_sets"]
    assert all("estimate" not in s for s in sets) and len(sets) > 3
    sandbox.faults.add(
        FaultRule(endpoint="floqer.create", kind="rate_limit", after=2, times=1, params={"retry_after": 1})
    )

    code, out = _invoke(env, "floqer", "create", "--confirm")
    assert code == 1
    recorded = lake.read_state("floqer_sources.json")
    assert len(recorded) == 2 == len(sandbox.app.floqer.sources)  # the first two exist and are recorded
    assert f"created 2 of {len(sets)} source(s)" in out
    assert f"not created: filter set 3 ({', '.join(sets[2]['countries'])})" in out
    assert "not tried: filter set(s) 4 (" in out
    assert "creates only the filter sets not created yet" in out
    assert "may exist" not in out  # a 429 is a clear no

    code, out = _invoke(env, "floqer", "create", "--confirm")  # never retried on its own: the user re-runs
    assert code == 0, out
    assert "filter set 1 (" in out and "was created already" in out
    assert len(lake.read_state("floqer_sources.json")) == len(sets) == len(sandbox.app.floqer.sources)


def test_a_create_without_a_clear_answer_is_not_repeated(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = _plan_demo(env, "--no-preview")
    assert code == 0, out
    lake = Lake(tmp_path / "lake")
    n = len(lake.read_state("floqer_plan.json")["filter_sets"])
    # the nasty case: the server creates the 2nd source, then the connection drops before the answer
    sandbox.faults.add(FaultRule(endpoint="floqer.create", kind="drop", after=1, params={"when": "after"}))
    code, out = _invoke(env, "floqer", "create", "--confirm")
    assert code == 1
    assert "not created: filter set 2 (" in out and "it may exist at Floqer" in out
    assert "`matcher floqer create --confirm --set 2` creates it again" in out
    assert len(sandbox.app.floqer.sources) == 2 and len(lake.read_state("floqer_sources.json")) == 1

    code, out = _invoke(env, "floqer", "create", "--confirm")  # the rest, not set 2 a second time
    assert code == 0, out
    assert "filter set 2 (" in out and "no clear answer" in out
    assert len(sandbox.app.floqer.sources) == n  # one source per set: nothing created twice
    assert len(lake.read_state("floqer_sources.json")) == n - 1

    code, out = _invoke(env, "floqer", "create", "--confirm", "--set", "9")
    assert code == 1 and f"--set: got [9], the plan has filter sets {list(range(1, n + 1))}" in out
    code, out = _invoke(env, "floqer", "create", "--confirm", "--set", "2")  # the user decides
    assert code == 0, out
    assert len(sandbox.app.floqer.sources) == n + 1


def test_create_prints_the_servers_warnings(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    lake = Lake(tmp_path / "lake")
    filters = {
        "job_title_or": ["data engineer"],
        "job_country_code_or": ["DE"],
        "posted_at_max_age_days": 365,
    }
    lake.write_state("floqer_plan.json", {"version": 2, "filter_sets": [
        {"name": "matcher: DE — 1 vacancy (2026-11-02)", "countries": ["DE"], "titles": ["data engineer"],
         "seniorities": None, "vacancy_ids": ["v1"], "filters": filters, "max_count": 5},
    ]})  # fmt: skip
    code, out = _invoke(env, "floqer", "create", "--confirm", "--name", "mine")
    assert code == 0, out
    assert "created source " in out and "(mine, until" in out and "at most 5 postings a run" in out
    assert "warning: mine: filters.posted_at_max_age_days" in out and "capped at 180 days" in out


def test_create_from_a_plan_in_the_older_format(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    lake = Lake(tmp_path / "lake")
    filters = {"job_title_or": ["data engineer"], "job_country_code_or": ["DE", "US"]}
    lake.write_state("floqer_plan.json", {"filters": filters, "vacancies": [{"vacancy_id": "a"}, {}]})
    code, out = _invoke(env, "floqer", "create", "--confirm", "--max-count", "7")
    assert code == 0, out
    ((source_id, recorded),) = lake.read_state("floqer_sources.json").items()
    assert recorded["name"].startswith("matcher: 2 open vacancies (")
    source = sandbox.app.floqer.sources[source_id]
    assert source.spec.countries == {"DE", "US"} and source.max_count == 7


def test_plan_notes_junk_titles_and_warns_about_vacancies_it_cannot_place(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    clean = tmp_path / "lake" / "clean"
    clean.mkdir(parents=True)
    table = pl.DataFrame(
        {
            "vacancy_id": ["ok", "bare", "req", "remote"],
            "role": ["Data Engineer", "Senior Engineer, Team 7", "REQ-12345", "Data Engineer"],
            "title_core": ["data engineer", "engineer", "", "data engineer"],
            "title_clean": ["data engineer", "senior engineer", "", "data engineer"],
            "occupation_code": [None, None, None, None],
            "country_code": ["DE", "DE", "US", None],
            "seniority": ["mid", "senior", "mid", "mid"],
            "seniority_source": ["default", "title", "default", "default"],
            "is_open": [True, True, True, True],
        }
    )
    table.write_parquet(clean / "vacancies.parquet")
    code, out = _invoke(env, "floqer", "plan", "--no-preview")
    assert code == 0, out
    assert "note: vacancy bare ('Senior Engineer, Team 7'): title 'engineer' left out (no distinctive" in out
    assert "warning: vacancy bare ('Senior Engineer, Team 7'): no searchable title; it is not searched" in out
    assert "warning: vacancy req ('REQ-12345'): no searchable title" in out
    assert "warning: vacancy remote ('Data Engineer'): no country; searched in every country" in out
    sets = Lake(tmp_path / "lake").read_state("floqer_plan.json")["filter_sets"]
    assert [(s["countries"], s["vacancy_ids"]) for s in sets] == [(["DE"], ["ok"]), ([], ["remote"])]
    assert "job_country_code_or" not in sets[1]["filters"]

    table.filter(pl.col("vacancy_id").is_in(["bare", "req"])).write_parquet(clean / "vacancies.parquet")
    code, out = _invoke(env, "floqer", "plan")
    assert code == 1 and "no open vacancy has a searchable title: nothing to monitor" in out
    code, out = _invoke(env, "floqer", "create", "--confirm")  # the empty plan replaced the previous one
    assert code == 1 and "has no filter set" in out


def test_create_with_filters_needs_a_name(env: dict[str, str]) -> None:  # noqa: F811
    filters = json.dumps({"job_title_or": ["Data Engineer"]})
    code, out = _invoke(env, "floqer", "create", "--filters", filters, "--confirm")
    assert code == 1 and "--name: required with --filters" in out


@pytest.mark.parametrize("args", [(), ("--filters", '{"job_title_or": ["x"]}', "--name", "n")])
def test_create_without_a_plan_or_confirm_refuses(env: dict[str, str], args: tuple[str, ...]) -> None:  # noqa: F811
    code, out = _invoke(env, "floqer", "create", *args)
    assert code == 1 and "add --confirm" in out


@given(
    st.lists(
        st.sampled_from(
            "backend front end data software product platform engineer developer manager x".split()
        ),
        max_size=4,
    ).map(" ".join),
    st.sampled_from(["15-1252", "15-1243", "11-2021", "15-2051", None]),
    st.integers(1, 8),
)
def test_variants_start_with_the_core_and_keep_its_distinctive_words(
    core: str, code: str | None, max_variants: int
) -> None:
    variants = title_variants(core, code, max_variants)
    folded = " ".join(core.lower().split())
    assert bool(variants) == bool(folded)
    if folded:
        assert variants[0] == folded and len(variants) <= max_variants and len(set(variants)) == len(variants)
        for alias in variants[1:]:
            joined = alias.replace(" ", "")
            assert all(word in joined for word in folded.split() if word not in _ROLE_WORDS)
