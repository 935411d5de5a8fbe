"""``matcher ingest`` and ``matcher floqer ...``: land both services in the lake, manage Floqer sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, LAKE, config_from, floqer_client, flowstate_client
from matcher.common.config import Config
from matcher.common.errors import ConfigError
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.lake import Lake, new_run_id
from matcher.ingest.runner import IngestOptions, IngestRun

console = make_console()
err = make_console(stderr=True)
SOURCES_STATE = "floqer_sources.json"


def recorded_sources(lake: Lake) -> dict[str, Any]:
    return lake.read_state(SOURCES_STATE)


def record_source(lake: Lake, source_id: str, **info: Any) -> None:
    sources = recorded_sources(lake)
    sources[source_id] = {**sources.get(source_id, {}), **info}
    lake.write_state(SOURCES_STATE, sources)


def run_ingest(
    config: Config, *, only: str | None = None, wait: bool = False, progress: bool = True
) -> dict[str, Any]:
    """One ingest run over ``config``'s lake; returns the manifest."""
    lake = Lake(config.lake)
    options = IngestOptions(
        land_personal_data=config.land_personal_data,
        page_size=config.page_size,
        scenarios=(None, *config.flowstate.scenarios),
    )
    run = IngestRun(lake, options, run_id=new_run_id())
    with lake.lock(run_id=run.run_id, wait=wait), _progress(progress) as bar:
        tasks: dict[str, Any] = {}

        def on_page(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=min(done, total or done), total=total)

        options.on_page = on_page
        if only in (None, "floqer"):
            with floqer_client(config) as client:
                run.floqer(client, _sources_to_poll(client, lake))
        if only in (None, "flowstate"):
            with flowstate_client(config) as fs_client:
                run.flowstate(fs_client)
        return run.finish()


def _sources_to_poll(client: FloqerClient, lake: Lake) -> list[str]:
    recorded = recorded_sources(lake)
    if not recorded:
        err.print(
            "[yellow]warning:[/] no Floqer source recorded in this lake: `matcher floqer create --confirm` "
            "or `matcher floqer track SOURCE_ID` first"
        )
        return []
    listing = {s.source_instance_id: s for s in client.list_sources()}
    for source_id in recorded:
        info = listing.get(source_id)
        if info is None:
            err.print(f"[yellow]warning:[/] Floqer source {source_id} is not in your account's listing")
        elif info.needs_attention:
            err.print(
                f"[yellow]warning:[/] Floqer source {source_id} ({info.name}) is {info.needs_attention}"
            )
        record_source(lake, source_id, status=info.status if info else "unknown")
    return sorted(recorded)


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


def print_manifest(manifest: dict[str, Any]) -> None:
    table = Table(title=f"ingest run {manifest['run_id']} ({manifest['duration_seconds']:.1f} s)")
    for column in ("entity", "rows seen", "landed", "duplicates skipped", "quarantined", "pages"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for name, stats in manifest["entities"].items():
        table.add_row(
            name,
            *(str(stats[k]) for k in ("rows_seen", "landed", "duplicates_skipped", "quarantined", "pages")),
        )
    totals = manifest["totals"]
    table.add_row(
        "[bold]total",
        *(
            f"[bold]{totals[k]}"
            for k in ("rows_seen", "landed", "duplicates_skipped", "quarantined", "pages")
        ),
    )
    console.print(table)
    retries = ", ".join(f"{k} {v}" for k, v in manifest["retries"].items()) or "none"
    console.print(f"retries: {retries}")
    for name, stats in manifest["entities"].items():
        for warning in stats["warnings"]:
            err.print(f"[yellow]warning:[/] {name}: {warning}")


def ingest_command(
    only: str | None = typer.Option(None, "--only", help="Ingest only 'floqer' or 'flowstate'."),
    source: list[str] = typer.Option(
        [], "--source", help="Also poll this Floqer source id (recorded for next time)."
    ),
    wait: bool = typer.Option(False, "--wait", help="Queue behind a run that holds the lake's lock."),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Land Floqer postings and Flowstate vacancies (with locations, job roles, work types) in the lake."""
    if only not in (None, "floqer", "flowstate"):
        raise ConfigError([f"--only: got {only!r}, expected floqer or flowstate"])
    config = config_from(config_file, lake)
    for source_id in source:
        record_source(Lake(config.lake), source_id, recorded_at=datetime.now(UTC).isoformat())
    manifest = run_ingest(config, only=only, wait=wait)
    print_manifest(manifest)
