"""``matcher ingest``: land both services in the lake. One source or list failing costs only itself.

Exit codes (documented in the README and docs/reliability.md): 0 everything landed (warnings allowed); 3 some
source or list failed while others landed (see the manifest's ``failed``); 4 nothing failed but a source
holds rows that could not be accounted for after three passes (``status: incomplete``,
``totals.unaccounted``); 1 nothing could be read (every source and list failed), or the command itself
could not run (configuration, lock, ...); 2 a usage error.
"""

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
from matcher.common.errors import ConfigError, MatcherError, NotFoundError
from matcher.ingest.floqer import is_source_id
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


EXIT_PARTIAL = 3  # some source or list failed, the others landed
EXIT_INCOMPLETE = 4  # nothing failed, but a source holds rows that could not be accounted for


def run_ingest(
    config: Config,
    *,
    only: str | None = None,
    wait: bool = False,
    progress: bool = True,
    strict: bool = False,
) -> dict[str, Any]:
    """One ingest run over ``config``'s lake; returns the manifest (its ``status``: ok, partial, failed)."""
    lake = Lake(config.lake)
    options = IngestOptions(
        land_personal_data=config.land_personal_data,
        page_size=config.page_size,
        max_pages=config.max_pages,
        scenarios=(None, *config.flowstate.scenarios),
        strict=strict,
    )
    run = IngestRun(lake, options, run_id=new_run_id())
    with lake.lock(run_id=run.run_id, wait=wait), _progress(progress) as bar:
        for orphan in lake.recover_manifests():  # rows of a killed run: account for them first
            err.print(
                f"run {orphan['run_id']} ended without a manifest (killed): recovered one from the "
                f"{orphan['totals']['landed']} row(s) it landed (state/runs/{orphan['run_id']}.json, "
                "status killed)",
                style="yellow",
                markup=False,
            )
        tasks: dict[str, Any] = {}

        def on_page(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=min(done, total or done), total=total)

        options.on_page = on_page
        if only in (None, "floqer"):
            with floqer_client(config) as client:
                run.floqer(client, _sources_to_poll(lake))
            for source_id, status in run.source_statuses.items():
                record_source(lake, source_id, status=status)
        if only in (None, "flowstate"):
            with flowstate_client(config) as fs_client:
                run.flowstate(fs_client)
        return run.finish()


def check_source(config: Config, source_id: str) -> None:
    """Refuse to track a source Floqer does not know: one free read of its first row (sources:read)."""
    with floqer_client(config) as client:
        try:
            client.data_page(source_id, 1, 1)
        except NotFoundError:
            raise MatcherError(
                f"source {source_id} is not found at Floqer (a typo, deleted, or created with another key): "
                "not tracked"
            ) from None


def _sources_to_poll(lake: Lake) -> list[str]:
    recorded = recorded_sources(lake)
    if not recorded:
        err.print(
            "[yellow]warning:[/] no Floqer source recorded in this lake: `matcher floqer create --confirm` "
            "or `matcher floqer track SOURCE_ID` first"
        )
    bad = sorted(s for s in recorded if not is_source_id(s))
    if bad:  # written by hand or by an older version: skipped, never sent to Floqer
        err.print(
            f"[yellow]warning:[/] {lake.root / 'state' / SOURCES_STATE}: skipped {len(bad)} entr"
            f"{'y' if len(bad) == 1 else 'ies'} that are not Floqer source ids: {bad[:3]!r}"
        )
    return sorted(s for s in recorded if is_source_id(s))


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


def exit_code(manifest: dict[str, Any]) -> int:
    """0 when nothing failed, ``EXIT_PARTIAL`` when some source or list failed, 1 when all did."""
    return {"ok": 0, "partial": EXIT_PARTIAL, "incomplete": EXIT_INCOMPLETE}.get(
        manifest.get("status", "ok"), 1
    )


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
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Land Floqer postings and Flowstate vacancies (with locations, job roles, work types) in the lake.

    Exit code 0: everything landed (warnings allowed); 3: some source or list failed, the others landed.
    """
    if only not in (None, "floqer", "flowstate"):
        raise ConfigError([f"--only: got {only!r}, expected floqer or flowstate"])
    bad = [s for s in source if not is_source_id(s)]
    if bad:
        raise ConfigError([f"--source: got {s!r}, expected a Floqer source id (a UUID)" for s in bad])
    config = config_from(config_file, lake)
    for source_id in source:
        check_source(config, source_id)
        record_source(Lake(config.lake), source_id, recorded_at=datetime.now(UTC).isoformat())
    manifest = run_ingest(config, only=only, wait=wait, strict=strict)
    print_manifest(manifest)
    raise typer.Exit(exit_code(manifest))
