"""Issue 13: a kill-and-rerun loop: SIGKILL a real ``matcher ingest`` at >= 20 seeded random points, rerun.

Each iteration takes a fresh lake on one shared sandbox and kills the subprocess either at one of the lake's
named crash points (``MATCHER_CRASH_AT=during_write|after_write|after_cursor:N``, N random) or after a random
delay (a kill anywhere: mid-request, mid-write, while writing the manifest). A kill counts only when the
process really died of SIGKILL (a point it never reached, or a run that finished first, is not counted).
After the rerun the lake must equal an uninterrupted run's: 0 rows lost, 0 duplicated (by each table's
natural key), every row's ``run_id`` has a manifest (recovered ones count), and every Parquet file reads.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matcher.ingest.lake import CRASH_POINTS, TABLES
from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_config
from tests.ingest.conftest import wire
from tests.ingest.test_crash import _snapshot, ingest_env

SEED = 13
KILLS_WANTED = 20


def _command(
    sandbox: SandboxServer, lake: Path, source: str, crash: str | None
) -> tuple[list[str], dict[str, str]]:
    env = ingest_env(sandbox, lake, crash)
    return [sys.executable, "-m", "matcher", "ingest", "--source", source], env


def _run(sandbox: SandboxServer, lake: Path, source: str, crash: str | None = None) -> int:
    args, env = _command(sandbox, lake, source, crash)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=lake.parent)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


def _run_killed_after(sandbox: SandboxServer, lake: Path, source: str, delay: float) -> int:
    args, env = _command(sandbox, lake, source, None)
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=lake.parent
    )
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return process.wait(timeout=60)


def _check_lake(root: Path) -> None:
    """Every Parquet file reads; no natural key twice; every row's run_id has a manifest."""
    manifests = {p.stem for p in (root / "state" / "runs").glob("*.json")}
    for path in (root / "state" / "runs").glob("*.json"):
        json.loads(path.read_text())
    for table, (folder, keys) in TABLES.items():
        parts = sorted((root / folder).glob("part-*.parquet"))
        if not parts:
            continue
        frame = pl.concat([pl.read_parquet(p) for p in parts], how="diagonal_relaxed")
        assert frame.select(keys).is_duplicated().sum() == 0, table
        assert set(frame["run_id"].unique().to_list()) <= manifests, table


@pytest.mark.slow
@pytest.mark.timeout(480)  # 20 kills and reruns, each a fresh `matcher` process: 60-80 s, more on a busy host
def test_random_kills_then_reruns_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    with SandboxServer(sandbox_config()) as sandbox:
        wiring = wire(sandbox)
        try:
            source = wiring.create_source(posted_at_max_age_days=30)
        finally:
            wiring.floqer.api.close()
            wiring.flowstate.api.close()
        sandbox.clock.advance(timedelta(minutes=2))
        clean = tmp_path / "clean"
        started = time.monotonic()
        assert _run(sandbox, clean, source) == 0
        full_run = time.monotonic() - started
        expected = _snapshot(clean)
        assert expected["floqer_postings"].height > 0
        kills: list[str] = []
        tried = 0
        while len(kills) < KILLS_WANTED and tried < 3 * KILLS_WANTED:
            tried += 1
            lake = tmp_path / f"killed-{tried}"
            if rng.random() < 0.5:
                point = f"{rng.choice(CRASH_POINTS)}:{rng.randint(1, 6)}"
                code = _run(sandbox, lake, source, crash=point)
            else:
                point = f"after {rng.uniform(0.3, max(0.4, full_run)):.2f} s"
                code = _run_killed_after(sandbox, lake, source, float(point.split()[1]))
            if code != -signal.SIGKILL:
                assert code == 0, (point, code)  # the point was never reached: an ordinary run
                continue
            kills.append(point)
            assert _run(sandbox, lake, source) == 0, point
            actual = _snapshot(lake)
            assert sorted(actual) == sorted(expected), point
            for table, frame in expected.items():
                assert_frame_equal(actual[table], frame, check_row_order=True)
            _check_lake(lake)
            assert not list(lake.rglob("*.tmp")), point
    print(f"kill points exercised: {len(kills)} of {tried} tried: {kills}")
    assert len(kills) >= KILLS_WANTED, kills
