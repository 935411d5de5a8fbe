"""``matcher.sources`` without the CLI: a plan kept from a small vacancies table, the refusals, the state."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matcher.common.config import Config
from matcher.common.errors import ConfigError
from matcher.ingest.lake import Lake
from matcher.lake import layout
from matcher.pipeline import Pipeline
from matcher.sandbox import SandboxServer
from matcher.sources import (
    ConfirmationRequiredError,
    EmptyPlanError,
    NothingToCreateError,
    Sources,
    UnknownSourceError,
    read_filters,
    read_mapping,
)
from tests.conftest import sandbox_env

SOURCE = "0b7e2c1a-5d3f-4e8a-9c6b-2f1d0e9a8b7c"


def _sources(lake: Path, notes: list[str] | None = None, warnings: list[str] | None = None) -> Sources:
    return Sources(
        Pipeline(Config(lake=lake)),
        on_note=None if notes is None else notes.append,
        on_warning=None if warnings is None else warnings.append,
    )


def _clean_vacancies(lake: Path, **columns: list[object]) -> None:
    table = {
        "vacancy_id": ["v1", "v2", "v3"],
        "role": ["Senior Backend Engineer", "Data Engineer", "Chef"],
        "title_core": ["backend engineer", "data engineer", "chef"],
        "title_clean": ["senior backend engineer", "data engineer", "chef"],
        "occupation_code": ["15-1252", "15-1243", None],
        "country_code": ["DE", "DE", "FR"],
        "seniority": ["senior", "mid", "mid"],
        "seniority_source": ["title", "default", "default"],
        "is_open": [True, True, False],
        **columns,
    }
    path = layout.path(lake, "clean_vacancies")
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(table).write_parquet(path)


def test_plan_keeps_one_filter_set_per_country_of_the_open_vacancies(tmp_path: Path) -> None:
    _clean_vacancies(tmp_path)
    seen = []
    result = _sources(tmp_path).plan(preview=False, max_count=20, on_plan=seen.append)
    # two open vacancies, both in Germany: one set; the closed French one is not searched
    (only,) = result.plan.filter_sets
    assert seen == [result.plan] and result.estimates is None
    assert only.countries == ("DE",) and sorted(only.vacancy_ids) == ["v1", "v2"] and only.max_count == 20
    assert {"backend engineer", "data engineer"} <= set(only.filters["job_title_or"])
    kept = Lake(tmp_path).read_state("floqer_plan.json")
    assert kept == result.state and kept["max_count"] == 20 and kept["seniority"] is True
    assert result.path == layout.path(tmp_path, "floqer_plan") and result.path.exists()
    planned = _sources(tmp_path).planned_sets()
    assert [(p["index"], p["label"], p["created"]) for p in planned] == [(0, "DE", None)]


def test_plan_refuses_without_clean_vacancies_or_a_searchable_title(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no clean vacancies yet"):
        _sources(tmp_path).plan(preview=False)
    _clean_vacancies(tmp_path, title_core=["", "", ""], title_clean=["", "", ""], role=["REQ-1", "x", "y"])
    with pytest.raises(EmptyPlanError, match="nothing to monitor"):
        _sources(tmp_path).plan(preview=False)
    assert Lake(tmp_path).read_state("floqer_plan.json")["filter_sets"] == []  # kept: replaces an older plan
    with pytest.raises(ConfigError, match="has no filter set"):
        _sources(tmp_path).create(confirm=True)


def test_spending_credits_needs_confirm(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    with pytest.raises(ConfirmationRequiredError, match="add --confirm"):
        sources.create(confirm=False, filters={"job_title_or": ["x"]}, name="n")
    with pytest.raises(ConfirmationRequiredError, match="--run all spends Floqer credits"):
        sources.sync(SOURCE, workflow_id=SOURCE, mapping={"input.job_title": "job_title"})
    assert Lake(tmp_path).read_state("floqer_sources.json") == {}  # nothing recorded, nothing sent
    with pytest.raises(ConfigError, match="no plan in"):
        sources.create(confirm=True)
    with pytest.raises(ConfigError, match="--name: required with --filters"):
        sources.create(confirm=True, filters='{"job_title_or": ["x"]}')


def test_track_and_untrack_edit_the_lakes_sources(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    with pytest.raises(ConfigError, match="expected a Floqer source id"):
        sources.track("not/an id", check=False)
    change = sources.track(SOURCE, check=False)
    assert (change.source_instance_id, change.lake) == (SOURCE, tmp_path)
    assert list(Lake(tmp_path).read_state("floqer_sources.json")) == [SOURCE]
    assert sources.untrack(SOURCE).source_instance_id == SOURCE
    assert Lake(tmp_path).read_state("floqer_sources.json") == {}
    with pytest.raises(UnknownSourceError, match=rf"source {SOURCE} is not tracked in .* \(tracked: none\)"):
        sources.untrack(SOURCE)


def test_inputs_are_read_with_one_clear_error(tmp_path: Path) -> None:
    assert read_filters('{"job_title_or": ["x"]}') == {"job_title_or": ["x"]}
    (tmp_path / "f.json").write_text('{"job_country_code_or": ["DE"]}', encoding="utf-8")
    assert read_filters(f"@{tmp_path / 'f.json'}") == {"job_country_code_or": ["DE"]}
    with pytest.raises(ConfigError, match="got list, expected a JSON object"):
        read_filters("[1]")
    assert read_mapping(["input.job_title=job_title"]) == {"input.job_title": "job_title"}
    with pytest.raises(ConfigError, match=r"expected input\.name=row_field"):
        read_mapping(["input.job_title"])


def test_create_records_each_source_and_skips_it_the_next_time(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in sandbox_env(sandbox, tmp_path).items():
        monkeypatch.setenv(key, value)
    _clean_vacancies(tmp_path)
    notes: list[str] = []
    sources = Sources(Pipeline(None), on_note=notes.append, on_warning=notes.append)
    planned = sources.plan(max_count=5)
    assert planned.estimates is not None and planned.estimates[0].max_count == 5
    seen = []
    result = sources.create(confirm=True, expiration_date="2027-01-01", on_created=seen.append)
    (record,) = result.created
    assert seen == result.created and record.filter_set == 0 and record.max_count == 5
    source_id = record.source.source_instance_id
    tracked = Lake(tmp_path).read_state("floqer_sources.json")
    assert tracked[source_id]["expiration_date"] == "2027-01-01"
    kept = Lake(tmp_path).read_state("floqer_plan.json")["filter_sets"][0]
    assert kept["created"]["source_instance_id"] == source_id
    with pytest.raises(NothingToCreateError, match="was created already"):
        sources.create(confirm=True)
    assert notes[-1] == f"filter set 1 (DE) was created already as {source_id}: skipped"
    (row,) = sources.list().rows
    assert (row.source_instance_id, row.tracked, row.needs_attention) == (source_id, True, None)
    assert sources.pause(source_id) == "paused"
    assert sources.status(source_id).needs_attention
    assert sources.resume(source_id) == "active"
