"""``matcher lake compact``: rewrite each raw table's many small parts as one (matcher/lake/compact.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, LAKE, config_from
from matcher.ingest.lake import new_run_id
from matcher.lake.compact import compact_lake
from matcher.pipeline import Pipeline

lake_app = typer.Typer(help="Maintain the lake (compact its raw parts).", no_args_is_help=True)


@lake_app.command("compact")
def compact_command(
    lake: Path | None = LAKE,
    min_parts: int = typer.Option(
        2, "--min-parts", min=2, help="Compact a raw table with at least this many parts."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait for a running ingest to finish instead of failing."
    ),
    config_file: Path | None = CONFIG,
) -> None:
    """Rewrite each raw table's small part files as one part, holding the lake's lock (safe to kill)."""
    pipeline = Pipeline(config_from(config_file, lake))  # an s3:// lake: pulled, compacted, committed
    run_id = new_run_id()
    summary = compact_lake(
        pipeline.lake, run_id=run_id, lock=pipeline.locked(run_id, wait=wait), min_parts=min_parts
    )
    console = make_console()
    for run in summary.finished:
        console.print(f"finished the compaction {run} that was interrupted (removed the parts it replaced)")
    for done in summary.tables:
        console.print(
            f"{done.table}: {done.parts_before} parts ({done.rows_before:,} rows) -> "
            f"1 part ({done.rows:,} rows)"
        )
    if not summary.tables:
        console.print(f"nothing to compact: every raw table has fewer than {min_parts} parts")
    else:
        console.print(f"compacted in {summary.seconds:.1f} s (manifest: state/runs/{run_id}.json)")
