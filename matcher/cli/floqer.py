"""``matcher floqer ...``: plan, preview, create, list, status, sync, track and untrack Floqer sources."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from matcher.cli.ingest import check_source, console, err, record_source, recorded_sources
from matcher.cli.options import CONFIG, LAKE, config_from, floqer_client
from matcher.common.config import Config
from matcher.common.errors import ConfigError, MatcherError, RateLimitedError, TransientError
from matcher.ingest.floqer import is_source_id, validate_filters, warning_text
from matcher.ingest.lake import Lake
from matcher.lake import layout
from matcher.match.plan import (
    DEFAULT_CREDITS_PER_ROW,
    DEFAULT_MAX_COUNT,
    DEFAULTED_SOURCE,
    MAX_LOOKBACK_DAYS,
    MonitorPlan,
    estimate_cost,
    plan_monitor,
)
from matcher.pipeline import SOURCES_STATE

floqer_app = typer.Typer(
    help="Floqer Track Job Postings sources: plan, preview, create, list, status, sync, track, untrack.",
    no_args_is_help=True,
)
PLAN_STATE = "floqer_plan.json"


def _filters(text: str) -> dict[str, Any]:
    raw = text
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError([f"--filters: {path} is not UTF-8 text; expected a JSON object"]) from None
        except OSError as exc:
            raise ConfigError([f"--filters: cannot read {path} ({exc.strerror or exc})"]) from None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        message = f"--filters: not valid JSON ({reason}); pass a JSON object or @file.json"
        raise ConfigError([message]) from None
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
    config = config_from(config_file)
    for note in validate_filters(parsed, allow_keys=config.floqer.extra_filter_keys)[1]:
        err.print(f"[yellow]warning:[/] {note}")
    with floqer_client(config) as client:
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
        err.print(f"[yellow]warning:[/] Floqer: {warning_text(warning)}")


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
    config = config_from(config_file, lake)
    clean = layout.path(config.lake, "clean_vacancies")
    if not clean.exists():
        raise ConfigError(
            [
                f"lake {config.lake}: no clean vacancies yet (run `matcher ingest --only flowstate`, then "
                "`matcher normalize`)"
            ]
        )
    plan = plan_monitor(
        pl.read_parquet(clean), config.own_companies, max_variants, seniority=seniority, max_count=max_count
    )
    _print_plan(plan)
    state: dict[str, Any] = {
        **plan.to_json(),
        "planned_at": datetime.now(UTC).isoformat(),
        "seniority": seniority,
        "max_count": max_count,
        "credits_per_row": credits_per_row,
    }
    store = Lake(config.lake)
    store.write_state(PLAN_STATE, state)  # kept before the previews: a failed preview keeps the plan
    if not plan.filter_sets:
        raise MatcherError(
            "no open vacancy has a searchable title: nothing to monitor (see the warnings above)"
        )
    if preview:
        with floqer_client(config) as client:
            for i, filter_set in enumerate(plan.filter_sets):
                result = client.preview(filter_set.filters, max_count=filter_set.max_count)
                estimate = estimate_cost(
                    result.total_results,
                    capped=result.capped,
                    max_count=filter_set.max_count,
                    credits_per_row=credits_per_row,
                )
                state["filter_sets"][i]["estimate"] = {
                    **estimate.to_json(),
                    "previewed_at": datetime.now(UTC).isoformat(),
                }
                state["filter_sets"][i]["server_warnings"] = result.warnings
                for warning in result.warnings:
                    where = f"filter set {i + 1} ({filter_set.label})"
                    err.print(f"[yellow]warning:[/] {where}: {warning_text(warning)}", highlight=False)
        store.write_state(PLAN_STATE, state)
        _print_estimates(plan, state["filter_sets"], credits_per_row)
    n = len(plan.filter_sets)
    console.print(
        f"plan kept in {config.lake}/state/{PLAN_STATE}; create its {n} source{'s' * (n != 1)} with "
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


def _print_estimates(plan: MonitorPlan, planned: list[dict[str, Any]], credits_per_row: float) -> None:
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
    for i, (s, entry) in enumerate(zip(plan.filter_sets, planned, strict=True)):
        e = entry["estimate"]
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
    empty = [f"{i + 1} ({s.label})" for i, (s, e) in enumerate(zip(plan.filter_sets, planned, strict=True))
             if not e["estimate"]["total_results"]]  # fmt: skip
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


def _planned_filters(config: Config) -> list[dict[str, Any]]:
    """The filter sets of the kept plan, each ``{index, name, filters, max_count, created}``; a plan in the
    older single-``filters`` format is one set (no max_count: Floqer's default, unless --max-count)."""
    plan = Lake(config.lake).read_state(PLAN_STATE)
    sets = plan.get("filter_sets")
    if isinstance(sets, list) and sets:
        return [
            {
                "index": i,
                "name": s.get("name") or f"matcher: filter set {i + 1} ({date.today().isoformat()})",
                "label": ", ".join(s.get("countries") or []) or "any country",
                "filters": s["filters"],
                "max_count": s.get("max_count"),
                "created": s.get("created"),
            }
            for i, s in enumerate(sets)
        ]
    if plan.get("filters"):
        planned = len(plan.get("vacancies", []))
        return [
            {
                "index": None,
                "name": f"matcher: {planned} open vacancies ({date.today().isoformat()})",
                "label": ", ".join(plan["filters"].get("job_country_code_or") or []) or "any country",
                "filters": plan["filters"],
                "max_count": None,
                "created": None,
            }
        ]
    if isinstance(sets, list):
        raise ConfigError([f"the plan in {config.lake} has no filter set (no open vacancy is searchable)"])
    raise ConfigError(
        [f"--filters: none given and no plan in {config.lake} (run `matcher floqer plan` first)"]
    )


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
    if not confirm:
        raise MatcherError(
            "creating a Floqer source spends credits on every scheduled fetch; add --confirm to proceed"
        )
    config = config_from(config_file, lake)
    store = Lake(config.lake)
    if filters is not None:
        if only:
            raise ConfigError(["--set: picks planned filter sets; it does not go with --filters"])
        if not name:
            raise ConfigError(["--name: required with --filters (the source's display name)"])
        chosen: list[dict[str, Any]] = [
            {
                "index": None,
                "name": name,
                "label": "",
                "filters": _filters(filters),
                "max_count": DEFAULT_MAX_COUNT,
            }
        ]
    else:
        planned = _planned_filters(config)
        chosen = _pending_sets(planned, only)
        if not chosen:
            raise MatcherError(
                f"{'the chosen' if only else 'every'} filter set of the plan in {config.lake} was created "
                "already (or may have been); run `matcher floqer plan` for a new plan, or create one source "
                "with --filters"
            )
        if name:
            for p in chosen:
                p["name"] = name if len(planned) == 1 else f"{name} — {p['label']}"
    chosen = _not_tracked_yet(chosen, recorded_sources(store), explicit=filters is not None)
    if not chosen:
        raise MatcherError(
            "nothing to create: every chosen filter set is tracked already with the same filters "
            "(`matcher floqer list`; `matcher floqer untrack ID` first to replace one)"
        )
    created: list[str] = []
    with floqer_client(config) as client:
        for position, p in enumerate(chosen):
            cap = max_count if max_count is not None else p["max_count"]
            try:
                source = client.create(
                    name=p["name"],
                    filters=p["filters"],
                    expiration_date=expiration_date,
                    max_count=cap,
                    broad=broad,
                )
            except MatcherError as exc:
                if p["index"] is None:  # one source (--filters, or an older plan): its error says it all
                    raise
                unclear = isinstance(exc, TransientError) and not isinstance(exc, RateLimitedError)
                if unclear and p["index"] is not None:  # it may exist: a later `create` must not repeat it
                    _mark_created(store, p["index"], None, p["name"], "", unconfirmed=str(exc))
                raise MatcherError(_create_failure(chosen, position, created, exc, unclear)) from None
            record_source(
                store,
                source.source_instance_id,
                name=source.name,
                created_at=source.created_at,
                expiration_date=expiration_date,
                max_count=cap,
                filters=p["filters"],
                server_warnings=source.warnings,  # what Floqer said about the filters, kept with the source
            )
            if p["index"] is not None:
                _mark_created(store, p["index"], source.source_instance_id, source.name, source.created_at)
            created.append(f"{source.source_instance_id} ({source.name})")
            console.print(
                f"created source {source.source_instance_id} ({source.name}, until {expiration_date}"
                f"{f', at most {cap} postings a run' if cap else ''}); recorded in {config.lake}: "
                "`matcher ingest` polls it",
                highlight=False,
            )
            for warning in source.warnings:
                err.print(f"[yellow]warning:[/] {source.name}: {warning_text(warning)}", highlight=False)


def _same_filters(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _not_tracked_yet(
    chosen: list[dict[str, Any]], tracked: dict[str, Any], *, explicit: bool
) -> list[dict[str, Any]]:
    """The sets whose filters no tracked source has already: a plan made again (or the same --filters)
    must not create, and pay for, the same monitor twice."""
    kept = []
    for p in chosen:
        twin = next(
            (sid for sid, info in tracked.items() if _same_filters(info.get("filters"), p["filters"])), None
        )
        if twin is None:
            kept.append(p)
            continue
        what = "these filters" if explicit else f"filter set {p['index'] + 1} ({p['label']})"
        console.print(
            f"{what}: already tracked as source {twin} with the same filters: skipped "
            f"(`matcher floqer untrack {twin}` first to create it again)",
            highlight=False,
        )
    return kept


def _pending_sets(planned: list[dict[str, Any]], only: list[int]) -> list[dict[str, Any]]:
    """The planned sets to create: those not created yet (of the ``--set`` numbers, when given); says which
    are skipped."""
    numbers = {p["index"] + 1 for p in planned if p["index"] is not None}
    unknown = sorted(set(only) - numbers)
    if unknown:
        raise ConfigError([f"--set: got {unknown}, the plan has filter sets {sorted(numbers) or 'none'}"])
    chosen = []
    for p in planned:
        done = p["created"] or {}
        if only and p["index"] + 1 not in only:
            continue
        if done.get("source_instance_id"):
            console.print(
                f"filter set {p['index'] + 1} ({p['label']}) was created already as "
                f"{done['source_instance_id']}: skipped",
                highlight=False,
            )
        elif done.get("unconfirmed") and not only:
            console.print(
                f"filter set {p['index'] + 1} ({p['label']}): its creation got no clear answer, so it may "
                "exist: skipped (check `matcher floqer list`; `matcher floqer track ID` records it if it "
                f"exists, `matcher floqer create --confirm --set {p['index'] + 1}` creates it if not)",
                highlight=False,
            )
        else:
            chosen.append(p)
    return chosen


def _mark_created(
    store: Lake, index: int, source_id: str | None, name: str, created_at: str, unconfirmed: str = ""
) -> None:
    """Note in the kept plan that filter set ``index`` exists (or may: ``unconfirmed`` says why), so a
    later `create` does not create it again."""
    plan = store.read_state(PLAN_STATE)
    sets = plan.get("filter_sets")
    if isinstance(sets, list) and index < len(sets):
        entry: dict[str, Any] = {"source_instance_id": source_id, "name": name, "created_at": created_at}
        if unconfirmed:
            entry.update(unconfirmed=unconfirmed, at=datetime.now(UTC).isoformat())
        sets[index]["created"] = entry
        store.write_state(PLAN_STATE, plan)


def _create_failure(
    chosen: list[dict[str, Any]], position: int, created: list[str], exc: MatcherError, unclear: bool
) -> str:
    """Which planned sets were created, which failed (and why), which were not tried."""
    failed = chosen[position]
    what = f"filter set {failed['index'] + 1} ({failed['label']})"
    parts = [
        f"created {len(created)} of {len(chosen)} source(s)"
        + (f" ({'; '.join(created)}; recorded: `matcher ingest` polls them)" if created else ""),
        f"not created: {what}: {exc}",
    ]
    rest = [f"{p['index'] + 1} ({p['label']})" for p in chosen[position + 1 :]]
    if rest:
        parts.append(f"not tried: filter set(s) {', '.join(rest)}")
    if unclear:
        parts.append(
            f"no clear answer came for {what}: it may exist at Floqer; check `matcher floqer list` "
            "(`matcher floqer track ID` records one that exists; "
            f"`matcher floqer create --confirm --set {failed['index'] + 1}` creates it again)"
        )
    parts.append("`matcher floqer create --confirm` again creates only the filter sets not created yet")
    return "; ".join(parts)


@floqer_app.command("list")
def list_command(config_file: Path | None = CONFIG, lake: Path | None = LAKE) -> None:
    """List your Floqer sources and their status (and which of them this lake tracks)."""
    config = config_from(config_file, lake)
    tracked = recorded_sources(Lake(config.lake))
    with floqer_client(config) as client:
        listing = client.listing()
    if not listing.available:
        err.print(
            f"[yellow]warning:[/] Floqer's source listing is not available ({listing.reason}); "
            f"the sources this lake tracks ({config.lake}):"
        )
        table = Table()
        for column in ("source_instance_id", "name", "last status seen", "recorded"):
            table.add_column(column)
        for source_id, info in sorted(tracked.items()):
            table.add_row(
                source_id,
                str(info.get("name") or ""),
                str(info.get("status") or "unknown"),
                str(info.get("created_at") or info.get("recorded_at") or ""),
            )
        console.print(table)
        return
    table = Table()
    for column in ("source_instance_id", "name", "status", "rows", "expires", "tracked"):
        table.add_column(column)
    for s in listing.sources:
        table.add_row(
            s.source_instance_id,
            s.name,
            s.status,
            str(s.lead_count),
            str(s.expiration_date or ""),
            "yes" if s.source_instance_id in tracked else "",
        )
    console.print(table)
    for s in listing.sources:
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
        listing = client.listing()
    if not listing.available:
        raise MatcherError(
            f"source {source_id}: its status cannot be read here: Floqer's source listing is not available "
            f"({listing.reason})"
        )
    found = listing.get(source_id)
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
    warnings = result.pop("warnings", [])
    console.print(json.dumps(result, indent=2, default=str))
    for warning in warnings:
        err.print(f"[yellow]warning:[/] Floqer: {warning_text(warning)}")


@floqer_app.command("untrack")
def untrack_command(
    source_id: str = typer.Argument(..., help="The source's UUID."),
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Stop polling a source (its landed rows stay in the lake; nothing is changed at Floqer)."""
    config = config_from(config_file, lake)
    store = Lake(config.lake)
    sources = recorded_sources(store)
    if source_id not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise MatcherError(f"source {source_id} is not tracked in {config.lake} (tracked: {known})")
    del sources[source_id]
    store.write_state(SOURCES_STATE, sources)
    console.print(
        f"untracked {source_id}: `matcher ingest` no longer polls it; its rows stay in {config.lake} "
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
    if not is_source_id(source_id):
        raise ConfigError([f"SOURCE_ID: got {source_id!r}, expected a Floqer source id (a UUID)"])
    config = config_from(config_file, lake)
    if check:
        check_source(config, source_id)
    record_source(Lake(config.lake), source_id, recorded_at=datetime.now(UTC).isoformat())
    console.print(f"recorded {source_id} in {config.lake}")
