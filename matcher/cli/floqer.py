"""``matcher floqer ...``: plan, preview, create, list, status, sync, track and untrack Floqer sources.

Argument parsing and drawing only: every decision is ``matcher.sources``'s.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import typer
from rich.table import Table

from matcher.cli.ingest import console, err
from matcher.cli.options import CONFIG, LAKE, config_from
from matcher.common.errors import ConfigError
from matcher.match.plan import (
    DEFAULT_CREDITS_PER_ROW,
    DEFAULT_MAX_COUNT,
    DEFAULTED_SOURCE,
    MAX_LOOKBACK_DAYS,
    CostEstimate,
    MonitorPlan,
)
from matcher.pipeline import Pipeline
from matcher.sources import PLAN_STATE, CreatedRecord, Sources

floqer_app = typer.Typer(
    help="Floqer Track Job Postings sources: plan, preview, create, list, status, sync, track, untrack.",
    no_args_is_help=True,
)


def _warn(line: str) -> None:
    err.print(f"[yellow]warning:[/] {line}", highlight=False)


def _note(line: str) -> None:
    console.print(line, highlight=False)


def _sources(config_file: Path | None, lake: Path | None = None) -> Sources:
    return Sources(Pipeline(config_from(config_file, lake)), on_note=_note, on_warning=_warn)


FILTERS = typer.Option(
    ..., "--filters", help='Filters as JSON, or @file.json: {"job_title_or": ["Data Engineer"]}'
)


@floqer_app.command("preview")
def preview_command(filters: str = FILTERS, config_file: Path | None = CONFIG) -> None:
    """Preview matching postings (free: nothing is created, no credits spent)."""
    result = _sources(config_file).preview(filters)
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
        _warn(warning)


@floqer_app.command("plan")
def plan_command(
    preview: bool = typer.Option(
        True, "--preview/--no-preview", help="Preview each filter set (free) and estimate its credits."
    ),
    max_variants: int = typer.Option(6, "--max-variants", min=1, help="Title variants per vacancy, at most."),
    seniority: bool = typer.Option(
        True,
        "--seniority/--no-seniority",
        help="Filter by the vacancies' levels (job_seniority_or). With the filter, postings that carry no "
        "seniority are not imported; --no-seniority leaves it out.",
    ),
    max_count: int = typer.Option(
        DEFAULT_MAX_COUNT, "--max-count", min=1, help="Cap on postings imported per run, per filter set."
    ),
    credits_per_row: float = typer.Option(
        DEFAULT_CREDITS_PER_ROW,
        "--credits-per-row",
        min=0.0,
        help="Credits one imported row costs, for the estimate (Floqer does not publish the rate).",
    ),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Build filter sets (one source each) from the open vacancies, preview them, keep them for `create`."""
    sources = _sources(config_file, lake)
    result = sources.plan(
        max_variants=max_variants,
        seniority=seniority,
        max_count=max_count,
        credits_per_row=credits_per_row,
        preview=preview,
        on_plan=_print_plan,
    )
    if result.estimates is not None:
        _print_estimates(result.plan, result.estimates, credits_per_row)
    n = len(result.plan.filter_sets)
    console.print(
        f"plan kept in {sources.lake}/state/{PLAN_STATE}; create its {n} source{'s' * (n != 1)} with "
        "`matcher floqer create --confirm` (spends credits on every scheduled fetch)"
    )


def _print_plan(plan: MonitorPlan) -> None:
    searched = sum(v.searched for v in plan.vacancies)
    table = Table(
        title=f"monitor plan: {len(plan.vacancies)} open vacancies, {searched} searched in "
        f"{len(plan.filter_sets)} filter set(s)",
        title_justify="left",
    )
    for column in ("vacancy", "role", "country", "level -> job_seniority_or", "title variants", "set"):
        table.add_column(column)
    for v in plan.vacancies:
        index = plan.filter_set_of(v.vacancy_id)
        level = f"{v.level or '?'}{' (default)' if v.level_source == DEFAULTED_SOURCE else ''}"
        levels = ", ".join(v.seniorities) if v.seniorities is not None else "any"
        table.add_row(
            v.vacancy_id,
            v.role,
            v.country_code or "-",
            f"{level} -> {levels}",
            ", ".join(v.variants) or "(none: not searched)",
            "-" if index is None else str(index + 1),
        )
    console.print(table)
    for note in plan.notes:
        console.print(f"note: {note}", highlight=False)
    for warning in plan.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    sets = Table(title="filter sets (one Floqer source each)", title_justify="left")
    for column in ("set", "countries", "vacancies", "titles", "job_seniority_or", "max_count"):
        sets.add_column(column)
    for i, s in enumerate(plan.filter_sets):
        sets.add_row(
            str(i + 1),
            s.label,
            str(len(s.vacancy_ids)),
            str(len(s.titles)),
            ", ".join(s.seniorities) if s.seniorities else "any level",
            str(s.max_count),
        )
    console.print(sets)
    for i, s in enumerate(plan.filter_sets):
        console.print(f"filter set {i + 1}: {json.dumps(s.filters)}", highlight=False, soft_wrap=True)


def _print_estimates(plan: MonitorPlan, estimates: tuple[CostEstimate, ...], credits_per_row: float) -> None:
    table = Table(title="cost estimate from the free previews", title_justify="left")
    for column in (
        "set",
        "filter set",
        f"matches {MAX_LOOKBACK_DAYS}d",
        "1st fetch rows",
        "1st fetch credits",
        "rows/day",
        "credits/day",
    ):
        table.add_column(column, justify="left" if column in ("set", "filter set") else "right")
    totals = [0.0, 0.0, 0.0, 0.0, 0.0]
    for i, (s, estimate) in enumerate(zip(plan.filter_sets, estimates, strict=True)):
        e = estimate.to_json()
        levels = ", ".join(s.seniorities) if s.seniorities else "any level"
        values = [
            e["total_results"],
            e["first_fetch_rows"],
            e["first_fetch_credits"],
            e["daily_rows"],
            e["daily_credits"],
        ]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        table.add_row(
            str(i + 1),
            f"{s.label}: {len(s.titles)} title{'s' * (len(s.titles) != 1)}, {levels}",
            f"{_number(e['total_results'])}{' (capped)' if e['capped'] else ''}",
            *(_number(v) for v in values[1:]),
        )
    table.add_row("", "total", *(_number(v) for v in totals), end_section=True)
    console.print(table)
    empty = [f"{i + 1} ({s.label})" for i, (s, e) in enumerate(zip(plan.filter_sets, estimates, strict=True))
             if not e.total_results]  # fmt: skip
    if empty:
        console.print(
            f"note: filter set(s) {', '.join(empty)} matched no posting in the last {MAX_LOOKBACK_DAYS} "
            "days: such a source imports nothing until one appears",
            highlight=False,
        )
    console.print(
        f"matches: Floqer's best-effort count of postings in the last {MAX_LOOKBACK_DAYS} days (capped: at "
        "least that many); 1st fetch: the matches up to max_count; per day: matches / "
        f"{MAX_LOOKBACK_DAYS}, at most max_count a run (runs assumed daily)\n"
        f"credits: assumption: {_number(credits_per_row)} credit per imported row (Floqer bills per fetched "
        "row and does not publish the rate; --credits-per-row changes it)",
        highlight=False,
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@floqer_app.command("create")
def create_command(
    name: str | None = typer.Option(
        None,
        "--name",
        help="Display name (default per filter set: 'matcher: US, CA — 5 vacancies (plan date)'; with "
        "several filter sets, each is named 'NAME — its countries').",
    ),
    filters: str | None = typer.Option(
        None,
        "--filters",
        help="Filters as JSON or @file.json: one source (default: one source per filter set of "
        "`matcher floqer plan`).",
    ),
    expiration_date: str = typer.Option(
        (date.today() + timedelta(days=90)).isoformat(),
        "--expiration-date",
        help="Stop monitoring after this date.",
    ),
    max_count: int | None = typer.Option(
        None,
        "--max-count",
        min=1,
        help="Cap on postings imported per run (default: the plan's, per filter set; with --filters, "
        f"{DEFAULT_MAX_COUNT}).",
    ),
    only: list[int] = typer.Option(
        [],
        "--set",
        min=1,
        help="Create only this planned filter set (its number in `matcher floqer plan`; repeatable). Also "
        "the way to create again a set whose creation got no clear answer.",
    ),
    confirm: bool = typer.Option(
        False, "--confirm", help="Required: creating a source spends Floqer credits."
    ),
    broad: bool = typer.Option(
        False,
        "--broad",
        help="Allow --filters that only set the lookback or the order: every recent posting, all paid for.",
    ),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Create ongoing sources (spend credits: needs --confirm): one per planned filter set, or one from
    --filters; each is recorded as soon as it exists, and `matcher ingest` then polls it. Sets created
    already are skipped."""
    sources = _sources(config_file, lake)

    def created(record: CreatedRecord) -> None:
        source, cap = record.source, record.max_count
        console.print(
            f"created source {source.source_instance_id} ({source.name}, until {record.expiration_date}"
            f"{f', at most {cap} postings a run' if cap else ''}); recorded in {sources.lake}: "
            "`matcher ingest` polls it",
            highlight=False,
        )

    sources.create(
        confirm=confirm,
        filters=filters,
        name=name,
        expiration_date=expiration_date,
        max_count=max_count,
        only=only,
        broad=broad,
        on_created=created,
    )


@floqer_app.command("list")
def list_command(config_file: Path | None = CONFIG, lake: Path | None = LAKE) -> None:
    """List your Floqer sources and their status (and which of them this lake tracks)."""
    sources = _sources(config_file, lake)
    listing = sources.list()
    table = Table()
    if not listing.available:
        err.print(
            f"[yellow]warning:[/] Floqer's source listing is not available ({listing.reason}); "
            f"the sources this lake tracks ({sources.lake}):"
        )
        for column in ("source_instance_id", "name", "last status seen", "recorded"):
            table.add_column(column)
        for row in listing.rows:
            table.add_row(row.source_instance_id, row.name, row.status, row.recorded)
        console.print(table)
        return
    for column in ("source_instance_id", "name", "status", "rows", "expires", "tracked"):
        table.add_column(column)
    for row in listing.rows:
        table.add_row(
            row.source_instance_id,
            row.name,
            row.status,
            str(row.lead_count),
            str(row.expiration_date or ""),
            "yes" if row.tracked else "",
        )
    console.print(table)
    for row in listing.rows:
        if row.needs_attention:
            err.print(f"[yellow]warning:[/] {row.source_instance_id} ({row.name}) is {row.needs_attention}")


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
    sources = _sources(config_file)
    if pause or resume:
        console.print(f"{source_id}: {sources.pause(source_id) if pause else sources.resume(source_id)}")
        return
    found = sources.status(source_id)
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
    result = _sources(config_file).sync(
        source_id,
        workflow_id=workflow_id,
        mapping=mapping,
        run=run,
        push_existing=not no_push_existing,
        confirm=confirm,
    )
    console.print(json.dumps(result.answer, indent=2, default=str))
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}")


@floqer_app.command("untrack")
def untrack_command(
    source_id: str = typer.Argument(..., help="The source's UUID."),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Stop polling a source (its landed rows stay in the lake; nothing is changed at Floqer)."""
    change = _sources(config_file, lake).untrack(source_id)
    console.print(
        f"untracked {source_id}: `matcher ingest` no longer polls it; its rows stay in {change.lake} "
        "(to stop it at Floqer too: `matcher floqer status ID --pause`)"
    )


@floqer_app.command("track")
def track_command(
    source_id: str = typer.Argument(...),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Check that Floqer knows the source first (one free read)."
    ),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Record an existing source so `matcher ingest` polls it."""
    change = _sources(config_file, lake).track(source_id, check=check)
    console.print(f"recorded {source_id} in {change.lake}")
