"""``matcher floqer plan`` -> preview -> ``create --confirm`` -> ``ingest`` against the sandbox."""

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
            "is_open": [True, True, False],
        }
    )
    plan = plan_monitor(vacancies, own_companies=("Northwind Analytics", "northwind-analytics.com"))
    assert plan.filters["job_country_code_or"] == ["DE", "US"]  # the closed vacancy's France is not
    assert plan.filters["company_name_not"] == ["Northwind Analytics"]  # a domain is not a company name
    assert "chef" not in plan.filters["job_title_or"]
    assert {"backend engineer", "back end developer"} <= set(plan.filters["job_title_or"])
    # "manager" was read as the level: the core "operations" alone would find every operations job
    assert "operations" not in plan.filters["job_title_or"]
    assert "operations manager" in plan.filters["job_title_or"]
    assert plan.filters["posted_at_max_age_days"] == 180
    assert [v.vacancy_id for v in plan.vacancies] == ["v1", "v2"]


def test_plan_preview_create_ingest_end_to_end(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out = _invoke(env, "floqer", "plan")
    assert code == 1 and "no clean vacancies yet" in out and "matcher ingest --only flowstate" in out

    code, out = _invoke(env, "ingest", "--only", "flowstate")
    assert code == 0, out
    code, out = _invoke(env, "normalize")
    assert code == 0, out
    code, out = _invoke(env, "floqer", "plan")
    assert code == 0, out
    lake = Lake(tmp_path / "lake")
    plan = lake.read_state("floqer_plan.json")
    open_vacancies = pl.read_parquet(tmp_path / "lake" / "clean" / "vacancies.parquet").filter("is_open")
    assert len(plan["vacancies"]) == open_vacancies.height > 0
    assert set(plan["filters"]["job_country_code_or"]) == set(open_vacancies["country_code"].drop_nulls())
    total = int(out.split("preview (free): ")[1].split(" ")[0])
    assert total > 0
    assert "matcher floqer create --confirm" in out

    code, out = _invoke(env, "floqer", "create")
    assert code == 1 and "spends credits" in out and "--confirm" in out
    assert lake.read_state("floqer_sources.json") == {}  # nothing created

    code, out = _invoke(env, "floqer", "create", "--confirm", "--expiration-date", "2027-03-01")
    assert code == 0, out
    source_id = out.split("created source ")[1].split(" ")[0]
    recorded = lake.read_state("floqer_sources.json")[source_id]
    assert recorded["name"].startswith(f"matcher: {len(plan['vacancies'])} open vacancies")
    assert recorded["expiration_date"] == "2027-03-01"
    spec = sandbox.app.floqer.sources[source_id].spec  # what was planned is what was created
    assert set(spec.title_or) == set(plan["filters"]["job_title_or"])
    assert spec.countries == set(plan["filters"]["job_country_code_or"])

    sandbox.clock.advance(timedelta(minutes=2))
    code, out = _invoke(env, "ingest", "--only", "floqer")
    assert code == 0, out
    parts = sorted((tmp_path / "lake" / "raw" / "floqer" / "postings").glob("*.parquet"))
    landed = pl.concat([pl.read_parquet(p) for p in parts], how="diagonal_relaxed")
    assert landed.height > 0
    titles = landed["job_title"].str.to_lowercase()
    variants = plan["filters"]["job_title_or"]
    assert titles.map_elements(lambda t: any(v in t for v in variants), return_dtype=pl.Boolean).all()
    countries = {json.loads(raw).get("country_code") for raw in landed["raw_json"]}
    assert countries <= set(plan["filters"]["job_country_code_or"])


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
