"""``matcher ingest``: land both services in the lake. One source or list failing costs only itself.

Exit codes (documented in the README and docs/reliability.md): 0 everything landed (warnings allowed); 3 some
source or list failed while others landed (see the manifest's ``failed``); 4 nothing failed but a source
holds rows that could not be accounted for after three passes (``status: incomplete``,
``totals.unaccounted``); 1 nothing could be read (every source and list failed), or the command itself
could not run (configuration, lock, ...); 2 a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, JSON, LAKE, config_from, emit_json
from matcher.common.config import Config
from matcher.common.errors import ConfigError
from matcher.ingest.floqer import is_source_id
from matcher.ingest.lake import Lake
from matcher.pipeline import EXIT_INCOMPLETE, EXIT_PARTIAL, SOURCES_STATE, IngestResult, Pipeline

console = make_console()
err = make_console(stderr=True)


def recorded_sources(lake: Lake) -> dict[str, Any]:
    return lake.read_state(SOURCES_STATE)


def record_source(lake: Lake, source_id: str, **info: Any) -> None:
    sources = recorded_sources(lake)
    sources[source_id] = {**sources.get(source_id, {}), **info}
    lake.write_state(SOURCES_STATE, sources)


def check_source(config: Config, source_id: str) -> None:
    """Refuse to track a source Floqer does not know: one free read of its first row (sources:read)."""
    Pipeline(config).check_source(source_id)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoProgress()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


COUNTS = ("rows_seen", "landed", "duplicates_skipped", "quarantined", "pages")


def print_manifest(manifest: dict[str, Any]) -> None:
    """The run as a table (one line per source and list, with its outcome), then its warnings and failures."""
    table = Table(title=f"ingest run {manifest['run_id']} ({manifest['duration_seconds']:.1f} s)")
    table.add_column("entity", no_wrap=True)
    table.add_column("outcome")
    for column in ("seen", "landed", "dupes", "quarant.", "pages"):
        table.add_column(column, justify="right")
    colour = {"landed": "green", "warning": "yellow", "failed": "red"}
    for name, stats in manifest["entities"].items():
        outcome = stats.get("outcome", "landed")
        table.add_row(
            name, f"[{colour.get(outcome, 'white')}]{outcome}", *(str(stats.get(k, 0)) for k in COUNTS)
        )
    totals = manifest["totals"]
    table.add_row("[bold]total", "", *(f"[bold]{totals[k]}" for k in COUNTS))
    console.print(table)
    retries = ", ".join(f"{k} {v}" for k, v in manifest["retries"].items()) or "none"
    console.print(f"retries: {retries}")
    for name, stats in manifest["entities"].items():
        for warning in stats["warnings"]:
            err.print(f"[yellow]warning:[/] {name}: {warning}")
        nulled = stats.get("fields_nulled") or {}
        if nulled:
            listed = ", ".join(f"{k} {v}" for k, v in sorted(nulled.items()))
            err.print(
                f"[yellow]warning:[/] {name}: unusable values set to null (rows kept whole in raw_json): "
                f"{listed}"
            )
    failed = (manifest.get("failed") or {}).items()  # causes first, then what was not tried because of them
    for name, reason in sorted(failed, key=lambda item: str(item[1]).startswith("not tried")):
        err.print(f"[red]failed:[/] {name}: {reason}")
    if manifest.get("status") == "partial":
        err.print(
            f"[red]ingest partly failed[/]: {len(manifest['failed'])} of {len(manifest['entities'])} "
            f"sources and lists failed, the others landed (exit code {EXIT_PARTIAL})"
        )
    elif manifest.get("status") == "incomplete":
        err.print(
            f"[red]ingest incomplete[/]: {manifest['totals'].get('unaccounted', 0)} row(s) a source holds "
            f"could not be accounted for after 3 passes (exit code {EXIT_INCOMPLETE})"
        )
    elif manifest.get("status") == "failed":
        err.print("[red]ingest failed[/]: no source or list could be read (exit code 1)")


STRICT = typer.Option(
    False,
    "--strict",
    help="Fail (exit 3) when a Floqer source no longer imports: expired, paused, completed or deleted.",
)


def ingest_command(
    only: str | None = typer.Option(None, "--only", help="Ingest only 'floqer' or 'flowstate'."),
    source: list[str] = typer.Option(
        [],
        "--source",
        help="Also poll this Floqer source id (checked at Floqer first, then tracked for later ingests).",
    ),
    wait: bool = typer.Option(False, "--wait", help="Queue behind a run that holds the lake's lock."),
    strict: bool = STRICT,
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Land Floqer postings and Flowstate vacancies (with locations, job roles, work types) in the lake.

    Exit code 0: everything landed (warnings allowed); 3: some source or list failed, the others landed;
    4: a source holds rows that could not be accounted for; 1: nothing could be read, or the command could
    not run (configuration, the lake's lock).
    """
    if only not in (None, "floqer", "flowstate"):
        raise ConfigError([f"--only: got {only!r}, expected floqer or flowstate"])
    bad = [s for s in source if not is_source_id(s)]
    if bad:
        raise ConfigError([f"--source: got {s!r}, expected a Floqer source id (a UUID)" for s in bad])
    result = ingest(Pipeline(config_from(config_file, lake)), only=only, sources=source, wait=wait,
                    strict=strict, progress=not json_out)  # fmt: skip
    if json_out:
        emit_json(result)
    else:
        print_ingest(result)
    raise typer.Exit(result.exit_code)


def ingest(pipeline: Pipeline, *, progress: bool = True, call: Any = None, **options: Any) -> IngestResult:
    """``pipeline.ingest(**options)`` (or ``call(**options)``) with a progress bar on stderr."""
    with _progress(progress) as bar:
        tasks: dict[str, Any] = {}

        def on_page(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=min(done, total or done), total=total)

        pipeline.on_page = on_page
        try:
            return (call or pipeline.ingest)(**options)
        finally:
            pipeline.on_page = None


def print_ingest(result: IngestResult) -> None:
    """The run's warnings (recovered runs, sources skipped), then its manifest."""
    for warning in result.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False)
    print_manifest(result.manifest)
