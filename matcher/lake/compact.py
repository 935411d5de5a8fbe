"""``matcher lake compact``: rewrite each raw table's many small parts as one part, safe to kill anywhere.

>>> compact_lake("data/lake", run_id=run_id, lock=Lake("data/lake").lock(run_id=run_id))  # doctest: +SKIP
CompactSummary(run_id=..., tables=[CompactedTable(table='raw_postings', parts_before=26, rows=5048, ...)])

Per raw table, holding the lake's lock: the table's rows, de-duplicated on its natural key (first landed
wins) and in landing order, are written to ``part-<run_id>-000001.parquet.tmp`` (fsynced); the run's
manifest (``state/runs/<run_id>.json``, ``kind: compact``) records the new part and the parts it replaces;
the temp file is renamed in (directory fsynced); then the old parts are removed. Killed

- before the rename: the old parts are untouched; the temp file is swept by the next lock holder;
- after the rename, before (or while) removing: the new part and some old parts hold the same rows; every
  reader de-duplicates on the natural key (``matcher.connect``, normalize, ingest's key sets), so nothing is
  lost or counted twice, and the next ``compact`` finds the manifest still ``running`` and removes them.

The manifest counts no landed rows (``totals.landed: 0``): the rows were counted by the runs that landed
them, and ``Lake.recover_manifests`` sees the new part's run as accounted for.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matcher.common.errors import DataError
from matcher.lake.files import atomic_file, fsync_dir, write_json
from matcher.lake.layout import RAW_TABLES, TABLES, Table, is_lake
from matcher.lake.sql import quote, run, view_sql

RUNS = Path("state") / "runs"


@dataclass(frozen=True, kw_only=True)
class CompactedTable:
    """One raw table rewritten: ``parts_before`` parts (``rows_before`` rows) became one of ``rows``."""

    table: str
    parts_before: int
    rows_before: int
    rows: int
    part: str


@dataclass(kw_only=True)
class CompactSummary:
    """What ``compact_lake`` did; ``finished`` names the earlier, interrupted compactions it completed."""

    run_id: str
    tables: list[CompactedTable] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # raw tables already in one part (or none)
    finished: list[str] = field(default_factory=list)
    seconds: float = 0.0


def compact_lake(
    lake: Path | str,
    *,
    run_id: str,
    lock: contextlib.AbstractContextManager[Any],
    min_parts: int = 2,
    crash: Callable[[str], None] | None = None,
) -> CompactSummary:
    """Rewrite every raw table of ``lake`` that has at least ``min_parts`` parts as a single part.

    Args:
        lake: the lake folder.
        run_id: this run's id (``matcher.ingest.lake.new_run_id()``): names the new parts and the manifest.
        lock: the lake's lock, entered here (``Lake(lake).lock(run_id=run_id)``): no ingest writes meanwhile.
        min_parts: a table with fewer parts is left as it is.
        crash: tests only: called with ``"after_rename"`` after each new part is renamed in.

    Raises:
        DataError: ``lake`` is not a lake.
        LakeBusyError (from ``lock``): another run holds the lake.
    """
    import duckdb

    root = Path(lake)
    if not is_lake(root):
        raise DataError("lake", str(root), "a lake folder (with raw/ or state/ in it)")
    started = time.perf_counter()
    summary = CompactSummary(run_id=run_id)
    with lock:
        summary.finished = finish_interrupted(root)
        manifest: dict[str, Any] = {
            "run_id": run_id,
            "kind": "compact",
            "status": "running",
            "started_at": datetime.now(UTC).isoformat(),
            "tables": {},
            "entities": {},
            "totals": {"landed": 0, "quarantined": 0},
        }
        connection = duckdb.connect(":memory:")
        try:
            for table in RAW_TABLES:
                parts = table.files(root)
                if len(parts) < max(min_parts, 2):
                    summary.skipped.append(table.name)
                    continue
                done = _compact_table(connection, root, table, parts, run_id, manifest, crash)
                summary.tables.append(done)
        finally:
            connection.close()
        summary.seconds = time.perf_counter() - started
        manifest.update(
            status="ok",
            finished_at=datetime.now(UTC).isoformat(),
            duration_seconds=round(summary.seconds, 3),
            finished_interrupted=summary.finished,
        )
        if summary.tables:  # a run that changed nothing leaves no manifest
            write_json(root / RUNS / f"{run_id}.json", manifest)
    return summary


def _compact_table(
    connection: Any,
    root: Path,
    table: Table,
    parts: list[Path],
    run_id: str,
    manifest: dict[str, Any],
    crash: Callable[[str], None] | None,
) -> CompactedTable:
    directory = root / table.directory
    final = directory / f"part-{run_id}-000001.parquet"
    rows_before = run(
        connection,
        f"SELECT count(*) FROM read_parquet([{', '.join(quote(str(p)) for p in parts)}], union_by_name=true)",
        what=table.name,
    ).fetchall()[0][0]
    query = _in_landing_order(table, parts)
    with atomic_file(final) as temp:
        written = run(
            connection,
            f"COPY ({query}) TO {quote(str(temp))} (FORMAT parquet, COMPRESSION zstd)",
            what=table.name,
        ).fetchall()
        rows = int(written[0][0]) if written else 0
        # recorded before the rename: a kill after it leaves a manifest saying which parts to remove
        manifest["tables"][table.name] = {
            "directory": table.directory,
            "part": final.name,
            "replaced": [p.name for p in parts],
            "parts_before": len(parts),
            "rows_before": int(rows_before),
            "rows": rows,
            "state": "renaming",
        }
        write_json(root / RUNS / f"{run_id}.json", manifest)
    if crash is not None:
        crash("after_rename")
    _remove(parts)
    fsync_dir(directory)
    manifest["tables"][table.name]["state"] = "done"
    write_json(root / RUNS / f"{run_id}.json", manifest)
    return CompactedTable(
        table=table.name, parts_before=len(parts), rows_before=int(rows_before), rows=rows, part=final.name
    )


def _in_landing_order(table: Table, parts: list[Path]) -> str:
    """The table's rows over ``parts`` as its view keeps them (one per natural key), first landed first:
    "first landed wins" still holds between the new part and parts landed later."""
    return (
        f"{view_sql(table, Path(), files=parts)} ORDER BY ingested_at NULLS LAST, filename, file_row_number"
    )


def _remove(parts: list[Path]) -> None:
    for part in parts:
        part.unlink(missing_ok=True)


def finish_interrupted(root: Path) -> list[str]:
    """Complete the compactions killed after a rename: remove the parts their new part replaced (the
    rows are in it) and mark them ``ok``; returns their run ids. Call it holding the lock."""
    finished = []
    runs = root / RUNS
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else []:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not ours to judge: ingest reports unreadable manifests
        if not isinstance(manifest, dict) or manifest.get("kind") != "compact":
            continue
        if manifest.get("status") != "running":
            continue
        for name, entry in dict(manifest.get("tables") or {}).items():
            table = TABLES.get(name)
            if table is None or not table.raw or not isinstance(entry, dict):
                continue
            directory = root / table.directory
            if (directory / str(entry.get("part"))).is_file():
                old = [str(name) for name in entry.get("replaced", [])]
                _remove(
                    [
                        directory / name
                        for name in old
                        if name.startswith("part-") and name != entry.get("part")
                    ]
                )
                fsync_dir(directory)
                entry["state"] = "done"
            else:  # killed before the rename: the old parts are all there; the temp file is swept
                entry["state"] = "abandoned"
        manifest.update(status="ok", recovered=True, recovered_at=datetime.now(UTC).isoformat())
        write_json(path, manifest)
        finished.append(str(manifest.get("run_id", path.stem)))
    return finished
