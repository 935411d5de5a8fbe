"""``matcher ingest`` and ``matcher floqer ...``: land both services in the lake, manage Floqer sources."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, LAKE, config_from, floqer_client, flowstate_client
from matcher.common.config import Config
from matcher.common.errors import ConfigError, MatcherError
from matcher.ingest.floqer import FloqerClient, dropped_sort_fields
from matcher.ingest.lake import Lake, new_run_id
from matcher.ingest.runner import IngestOptions, IngestRun
from matcher.match.plan import MAX_LOOKBACK_DAYS, plan_monitor

floqer_app = typer.Typer(
    help="Floqer Track Job Postings sources: plan, preview, create, list, status, sync, track.",
    no_args_is_help=True,
)
console = make_console()
err = make_console(stderr=True)
SOURCES_STATE = "floqer_sources.json"
PLAN_STATE = "floqer_plan.json"


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


# -- matcher floqer ... ------------------------------------------------------------------------------------
def _filters(text: str) -> dict[str, Any]:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError([f"--filters: not valid JSON ({exc}); pass a JSON object or @file.json"]) from None
    if not isinstance(value, dict):
        raise ConfigError([f"--filters: got {type(value).__name__}, expected a JSON object"])
    return value


FILTERS = typer.Option(
    ..., "--filters", help='Filters as JSON, or @file.json: {"job_title_or": ["Data Engineer"]}'
)


@floqer_app.command("preview")
def preview_command(filters: str = FILTERS, config_file: Path | None = CONFIG) -> None:
    """Preview matching postings (free: nothing is created, no credits spent)."""
    parsed = _filters(filters)
    for dropped in dropped_sort_fields(parsed):
        err.print(f"[yellow]warning:[/] order_by field {dropped!r} is not sortable; Floqer drops it")
    with floqer_client(config_from(config_file)) as client:
        result = client.preview(parsed)
    console.print(
        f"{result.total_results} matching postings{' (capped)' if result.capped else ''}; "
        f"first {len(result.rows)}:"
    )
    table = Table()
    for column in ("date_posted", "company", "job_title", "location"):
        table.add_column(column)
    for row in result.rows[:25]:
        table.add_row(*(str(row.get(c) or "") for c in ("date_posted", "company", "job_title", "location")))
    console.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning.get('field')}: {warning.get('message')}")


@floqer_app.command("plan")
def plan_command(
    preview: bool = typer.Option(True, "--preview/--no-preview", help="Preview the plan (free)."),
    max_variants: int = typer.Option(6, "--max-variants", min=1, help="Title variants per vacancy, at most."),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Build a monitor's filters from the open vacancies, show and preview them, keep them for `create`."""
    config = config_from(config_file, lake)
    clean = config.lake / "clean" / "vacancies.parquet"
    if not clean.exists():
        raise ConfigError(
            [
                f"lake {config.lake}: no clean vacancies yet (run `matcher ingest --only flowstate`, then "
                "`matcher normalize`)"
            ]
        )
    plan = plan_monitor(pl.read_parquet(clean), config.own_companies, max_variants)
    table = Table(title=f"monitor plan: {len(plan.vacancies)} open vacancies", title_justify="left")
    for column in ("vacancy", "role", "country", "title variants (job_title_or)"):
        table.add_column(column)
    for v in plan.vacancies:
        table.add_row(v.vacancy_id, v.role, v.country_code or "-", ", ".join(v.variants))
    console.print(table)
    console.print_json(json.dumps({"filters": plan.filters}), indent=None)
    store = Lake(config.lake)
    store.write_state(PLAN_STATE, {**plan.to_json(), "planned_at": datetime.now(UTC).isoformat()})
    if preview:
        with floqer_client(config) as client:
            result = client.preview(plan.filters)
        console.print(
            f"preview (free): {result.total_results} matching postings"
            f"{' (capped)' if result.capped else ''} in the last {MAX_LOOKBACK_DAYS} days"
        )
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {warning.get('field')}: {warning.get('message')}")
    console.print(
        f"plan kept in {config.lake}/state/{PLAN_STATE}; create the source with "
        "`matcher floqer create --confirm` (spends credits on every scheduled fetch)"
    )


def _planned_filters(config: Config) -> tuple[dict[str, Any], int]:
    plan = Lake(config.lake).read_state(PLAN_STATE)
    if not plan.get("filters"):
        raise ConfigError(
            [f"--filters: none given and no plan in {config.lake} (run `matcher floqer plan` first)"]
        )
    return plan["filters"], len(plan.get("vacancies", []))


@floqer_app.command("create")
def create_command(
    name: str | None = typer.Option(
        None, "--name", help="Display name (default: 'matcher: N open vacancies (date)')."
    ),
    filters: str | None = typer.Option(
        None, "--filters", help="Filters as JSON or @file.json (default: the plan of `matcher floqer plan`)."
    ),
    expiration_date: str = typer.Option(
        (date.today() + timedelta(days=90)).isoformat(),
        "--expiration-date",
        help="Stop monitoring after this date.",
    ),
    max_count: int | None = typer.Option(
        None, "--max-count", min=1, help="Cap on postings imported per run."
    ),
    confirm: bool = typer.Option(
        False, "--confirm", help="Required: creating a source spends Floqer credits."
    ),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Create an ongoing source (spends credits: needs --confirm); `matcher ingest` then polls it."""
    if not confirm:
        raise MatcherError(
            "creating a Floqer source spends credits on every scheduled fetch; add --confirm to proceed"
        )
    config = config_from(config_file, lake)
    options = {"max_count": max_count} if max_count else {}
    if filters is None:
        chosen, planned = _planned_filters(config)
        name = name or f"matcher: {planned} open vacancies ({date.today().isoformat()})"
    else:
        chosen = _filters(filters)
    if not name:
        raise ConfigError(["--name: required with --filters (the source's display name)"])
    with floqer_client(config) as client:
        created = client.create(name=name, filters=chosen, expiration_date=expiration_date, **options)
    record_source(
        Lake(config.lake),
        created.source_instance_id,
        name=created.name,
        created_at=created.created_at,
        expiration_date=expiration_date,
    )
    console.print(
        f"created source {created.source_instance_id} ({created.name}, until {expiration_date}); "
        f"recorded in {config.lake}: `matcher ingest` polls it"
    )


@floqer_app.command("list")
def list_command(config_file: Path | None = CONFIG) -> None:
    """List your Floqer sources and their status."""
    with floqer_client(config_from(config_file)) as client:
        sources = client.list_sources()
    table = Table()
    for column in ("source_instance_id", "name", "status", "rows", "expires"):
        table.add_column(column)
    for s in sources:
        table.add_row(s.source_instance_id, s.name, s.status, str(s.lead_count), str(s.expiration_date or ""))
    console.print(table)
    for s in sources:
        if s.needs_attention:
            err.print(f"[yellow]warning:[/] {s.source_instance_id} ({s.name}) is {s.needs_attention}")


@floqer_app.command("status")
def status_command(
    source_id: str = typer.Argument(..., help="The source's UUID."),
    pause: bool = typer.Option(False, "--pause"),
    resume: bool = typer.Option(False, "--resume"),
    config_file: Path | None = CONFIG,
) -> None:
    """Pause or resume a source (or show its status with neither flag)."""
    if pause and resume:
        raise ConfigError(["--pause and --resume: choose one"])
    with floqer_client(config_from(config_file)) as client:
        if pause or resume:
            console.print(f"{source_id}: {client.set_status(source_id, 'paused' if pause else 'active')}")
            return
        found = next((s for s in client.list_sources() if s.source_instance_id == source_id), None)
    if found is None:
        raise MatcherError(f"source {source_id} is not in your Floqer account's listing")
    console.print(f"{source_id}: {found.status}, {found.lead_count} rows, expires {found.expiration_date}")
    if found.needs_attention:
        err.print(f"[yellow]warning:[/] {found.needs_attention}")


@floqer_app.command("sync")
def sync_command(
    source_id: str = typer.Argument(...),
    workflow_id: str = typer.Option(..., "--workflow"),
    mapping: list[str] = typer.Option([], "--map", help="input.job_title=job_title (repeatable)"),
    run: str = typer.Option("all", "--run", help="none | first_10 | all (first_10 and all spend credits)"),
    no_push_existing: bool = typer.Option(False, "--no-push-existing"),
    confirm: bool = typer.Option(
        False, "--confirm", help="Required unless --run none: running spends credits."
    ),
    config_file: Path | None = CONFIG,
) -> None:
    """Connect a source to a Floqer workflow."""
    if run != "none" and not confirm:
        raise MatcherError(f"sync with --run {run} spends Floqer credits; add --confirm (or use --run none)")
    pairs = {}
    for item in mapping:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError([f"--map: got {item!r}, expected input.name=row_field"])
        pairs[key] = value
    with floqer_client(config_from(config_file)) as client:
        result = client.sync(
            source_id,
            workflow_id=workflow_id,
            field_mapping=pairs,
            push_existing=not no_push_existing,
            run=run,
        )
    console.print(json.dumps(result, indent=2, default=str))


@floqer_app.command("track")
def track_command(
    source_id: str = typer.Argument(...), config_file: Path | None = CONFIG, lake: Path | None = LAKE
) -> None:
    """Record an existing source so `matcher ingest` polls it."""
    config = config_from(config_file, lake)
    record_source(Lake(config.lake), source_id, recorded_at=datetime.now(UTC).isoformat())
    console.print(f"recorded {source_id} in {config.lake}")
