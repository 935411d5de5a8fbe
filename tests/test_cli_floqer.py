"""``matcher floqer ...`` and ``matcher ingest`` against the sandbox, as a user types them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.benchmark.stage import PREVIOUS_SCHEMA
from matcher.cli import app
from matcher.ingest.lake import Lake
from matcher.report.writer import load_reports
from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_env

WORKFLOW = "6f1c0a52-3a8e-4e0b-9a57-1d2c3b4a5f60"


@pytest.fixture
def env(sandbox: SandboxServer, tmp_path: Path) -> dict[str, str]:
    return sandbox_env(sandbox, tmp_path / "lake")


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_preview_create_list_status_sync_ingest(
    sandbox: SandboxServer, env: dict[str, str], tmp_path: Path
) -> None:
    filters = json.dumps({"job_title_or": ["Data Engineer"], "posted_at_max_age_days": 90})
    code, out = _invoke(env, "floqer", "preview", "--filters", filters)
    assert code == 0, out
    assert "matching postings; first 25" in out and "Data Engineer" in out

    code, out = _invoke(
        env,
        "floqer",
        "create",
        "--name",
        "DE market",
        "--filters",
        filters,
        "--expiration-date",
        "2026-11-20",
        "--confirm",
    )
    assert code == 0, out
    source_id = out.split("created source ")[1].split(" ")[0]
    assert source_id in Lake(tmp_path / "lake").read_state("floqer_sources.json")

    code, out = _invoke(env, "floqer", "list")
    assert code == 0 and source_id in out and "active" in out

    code, out = _invoke(env, "floqer", "status", source_id, "--pause")
    assert (code, out.strip()) == (0, f"{source_id}: paused")
    code, out = _invoke(env, "floqer", "list")
    assert "no new postings are imported until it is resumed" in out
    code, out = _invoke(env, "floqer", "status", source_id, "--resume")
    assert out.strip() == f"{source_id}: active"

    sandbox.clock.advance(timedelta(minutes=2))
    code, out = _invoke(
        env, "floqer", "sync", source_id, "--workflow", WORKFLOW, "--map", "input.job_title=job_title"
    )
    assert code == 1 and "spends Floqer credits; add --confirm" in out
    code, out = _invoke(
        env,
        "floqer",
        "sync",
        source_id,
        "--workflow",
        WORKFLOW,
        "--map",
        "input.job_title=job_title",
        "--run",
        "none",
    )
    assert code == 0, out
    assert json.loads(out)["credits_used"] == 0

    code, out = _invoke(env, "ingest")
    assert code == 0, out
    landed = Lake(tmp_path / "lake").read("floqer_postings").height
    assert landed > 0
    assert f"floqer:{source_id}" in out and "flowstate:vacancies" in out

    sandbox.clock.advance(timedelta(days=30))  # past the expiration date
    code, out = _invoke(env, "ingest", "--only", "floqer")
    assert code == 0, out
    assert "is expired: it no longer imports postings" in out


def test_bad_filters_are_a_clear_error(env: dict[str, str]) -> None:
    code, out = _invoke(env, "floqer", "preview", "--filters", "{not json")
    assert code == 1
    assert "--filters: not valid JSON" in out
    code, out = _invoke(env, "floqer", "preview", "--filters", "{}")
    assert code == 1
    assert "floqer request not sent: filters must contain at least one filter key" in out


def test_ingest_with_no_recorded_source_says_so(env: dict[str, str]) -> None:
    code, out = _invoke(env, "ingest", "--only", "floqer")
    assert code == 0
    assert "no Floqer source recorded in this lake" in out


def test_run_does_the_whole_batch_and_reruns(
    sandbox: SandboxServer, env: dict[str, str], tmp_path: Path
) -> None:
    filters = json.dumps({"posted_at_max_age_days": 120})
    code, out = _invoke(
        env,
        "floqer",
        "create",
        "--name",
        "all",
        "--filters",
        filters,
        "--expiration-date",
        "2026-12-31",
        "--confirm",
        "--broad",
    )
    assert code == 0, out
    sandbox.clock.advance(timedelta(days=2))
    reports = tmp_path / "reports"
    code, out = _invoke(env, "run", "--as-of", "2026-11-04", "--reports", str(reports))
    assert code == 0, out
    for stage in ("ingest", "normalize", "match", "benchmark + reports"):
        assert stage in out
    frames = load_reports(reports)
    assert frames["vacancy_benchmarks"].height > 0 and frames["vacancy_matches"].height > 0
    first = frames["vacancy_benchmarks"]
    code, out = _invoke(env, "run", "--as-of", "2026-11-04", "--reports", str(reports))
    assert code == 0, out
    second = load_reports(reports)["vacancy_benchmarks"]
    previous = list(PREVIOUS_SCHEMA)
    assert second.drop(previous).equals(first.drop(previous))  # re-runnable: same lake, same reports
    assert first["previous_run_at"].is_null().all() and second["previous_run_at"].is_not_null().all()
    assert second["p50_previous"].equals(first["p50"], check_names=False)  # ... and it knows the last run
    code, out = _invoke(env, "benchmark", "--as-of", "not-a-date", "--reports", str(reports))
    assert code == 1 and "--as-of: got 'not-a-date', expected a date as YYYY-MM-DD" in out
