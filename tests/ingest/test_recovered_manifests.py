"""Issue 13 (finding 15): rows a killed run landed are accounted for by a recovered manifest."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import polars as pl

from matcher.ingest.lake import TABLES
from tests.ingest.conftest import Wiring
from tests.ingest.test_crash import _ingest
from tests.ingest.test_crash import source as source


def _rows_by_run(root: Path) -> dict[str, dict[str, int]]:
    """run_id -> table -> rows, read from the rows themselves (their run_id column)."""
    found: dict[str, dict[str, int]] = {}
    for table, (folder, _) in TABLES.items():
        parts = sorted((root / folder).glob("part-*.parquet"))
        if not parts:
            continue
        counts = pl.scan_parquet(parts).group_by("run_id").len().collect()
        for run_id, n in counts.iter_rows():
            found.setdefault(run_id, {})[table] = n
    return found


def test_a_killed_runs_rows_get_a_recovered_manifest_on_the_next_run(
    wired: Wiring,
    source: str,
    tmp_path: Path,
) -> None:
    lake = tmp_path / "lake"
    crashed = _ingest(wired.sandbox, lake, source, crash="after_write:2")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    rerun = _ingest(wired.sandbox, lake, source)
    assert rerun.returncode == 0, rerun.stderr
    assert "ended without a manifest (killed): recovered one" in rerun.stderr

    manifests = {p.stem: json.loads(p.read_text()) for p in (lake / "state" / "runs").glob("*.json")}
    by_run = _rows_by_run(lake)
    assert set(by_run) <= set(manifests)  # every row's run has a manifest
    killed = [m for m in manifests.values() if m["status"] == "killed"]
    assert len(killed) == 1 and killed[0]["recovered"] is True
    assert killed[0]["tables"] == by_run[killed[0]["run_id"]]  # counts of the rows that landed
    assert killed[0]["totals"]["landed"] > 0
    # the manifests account for every posting in the lake, and a third run recovers nothing more
    postings = sum(n.get("floqer_postings", 0) for n in by_run.values())
    counted = sum(m["tables"].get("floqer_postings", 0) for m in killed) + sum(
        m["entities"].get(f"floqer:{source}", {}).get("landed", 0) for m in manifests.values()
    )
    assert counted == postings
    again = _ingest(wired.sandbox, lake, source)
    assert again.returncode == 0 and "recovered" not in again.stderr
