"""Crash safety: SIGKILL a real ``matcher ingest`` at named points; a re-run equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matcher.ingest.lake import TABLES, Lake
from matcher.sandbox import SandboxServer
from tests.ingest.conftest import Wiring

VOLATILE = ["run_id", "ingested_at"]


def ingest_env(sandbox: SandboxServer, lake: Path, crash: str | None = None) -> dict[str, str]:
    """The environment of a `matcher ingest` subprocess against ``sandbox`` (crashing at ``crash``)."""
    env = dict(
        os.environ,
        FLOQER_BASE_URL=sandbox.floqer_url,
        FLOQER_API_KEY=sandbox.keys.floqer,
        FLOWSTATE_BASE_URL=sandbox.flowstate_url,
        FLOWSTATE_API_KEY=sandbox.keys.flowstate,
        FLOWSTATE_ORG_ID=sandbox.org_id,
        MATCHER_LAKE=str(lake),
    )
    env.pop("MATCHER_CRASH_AT", None)
    if crash:
        env["MATCHER_CRASH_AT"] = crash
    return env


def _ingest(
    sandbox: SandboxServer, lake: Path, source: str, crash: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matcher", "ingest", "--source", source],
        env=ingest_env(sandbox, lake, crash),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=lake.parent,
    )


def _snapshot(root: Path) -> dict[str, pl.DataFrame]:
    lake = Lake(root)
    tables = {}
    for table in TABLES:
        frame = lake.read(table)
        if frame.height:
            frame = frame.drop(VOLATILE)
            tables[table] = frame.sort(frame.columns)
    return tables


@pytest.fixture
def source(wired: Wiring) -> str:
    source_id = wired.create_source(posted_at_max_age_days=120)
    wired.sandbox.clock.advance(timedelta(minutes=2))
    return source_id


@pytest.mark.parametrize("crash", ["during_write:3", "after_write:2", "after_cursor:4", "after_write:7"])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(
    wired: Wiring, source: str, tmp_path: Path, crash: str
) -> None:
    clean = _ingest(wired.sandbox, tmp_path / "clean", source)
    assert clean.returncode == 0, clean.stderr
    crashed = _ingest(wired.sandbox, tmp_path / "crashed", source, crash=crash)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    rerun = _ingest(wired.sandbox, tmp_path / "crashed", source)
    assert rerun.returncode == 0, rerun.stderr
    expected, actual = _snapshot(tmp_path / "clean"), _snapshot(tmp_path / "crashed")
    assert sorted(actual) == sorted(expected)
    for table, frame in expected.items():
        assert_frame_equal(actual[table], frame, check_row_order=True)
    postings = actual["floqer_postings"]["posting_id"]
    assert postings.n_unique() == postings.len()
    assert not list((tmp_path / "crashed").rglob("*.tmp"))


def test_a_second_run_on_a_locked_lake_exits_with_a_clear_message(
    wired: Wiring, source: str, tmp_path: Path
) -> None:
    lake = Lake(tmp_path / "lake")
    with lake.lock(run_id="held-by-test"):
        result = _ingest(wired.sandbox, tmp_path / "lake", source)
    assert result.returncode == 1
    assert "locked by run held-by-test" in result.stderr
    assert "Traceback" not in result.stderr
    assert _ingest(wired.sandbox, tmp_path / "lake", source).returncode == 0
