"""``matcher floqer ...``: plan, preview, create, list, status, sync, track and untrack Floqer sources."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from matcher.cli.ingest import console, err, record_source
from matcher.cli.options import CONFIG, LAKE, config_from, floqer_client
from matcher.common.config import Config
from matcher.common.errors import ConfigError, MatcherError
from matcher.ingest.floqer import dropped_sort_fields
from matcher.ingest.lake import Lake
from matcher.match.plan import MAX_LOOKBACK_DAYS, plan_monitor

floqer_app = typer.Typer(
    help="Floqer Track Job Postings sources: plan, preview, create, list, status, sync, track, untrack.",
    no_args_is_help=True,
)
PLAN_STATE = "floqer_plan.json"


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
