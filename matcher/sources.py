"""Floqer Track Job Postings sources as library calls: plan, preview, create, list, status, pause, resume,
sync, track and untrack, over one ``Pipeline``'s configuration and lake.

>>> sources = Sources(Pipeline(load_config("matcher.toml")))          # doctest: +SKIP
>>> plan = sources.plan(max_variants=6)                               # doctest: +SKIP
>>> [s.label for s in plan.plan.filter_sets], plan.estimates[0].first_fetch_credits  # doctest: +SKIP
(['DE', 'US'], 412.0)
>>> sources.create(confirm=True).created[0].source.source_instance_id  # doctest: +SKIP
'4c2f...'

Every decision lives here: what is refused (spending credits without ``confirm``, a set created already, a
source not tracked), what is warned about, and what is kept in the lake's state (``floqer_plan.json``: the
plan, its estimates and which sets were created; ``floqer_sources.json``: the sources ``ingest`` polls).
The CLI (``matcher floqer ...``) only parses arguments and draws the results.

Lines worth showing while a call runs, because a later step may still fail (a preview's warnings, a set
skipped, a source created), go to ``on_note`` and ``on_warning`` (default: the ``matcher.sources`` logger).

Errors (all ``MatcherError``: one line each)::

    MatcherError
    ├── ConfigError               bad --filters, --set or --map; no plan; no clean vacancies yet
    ├── ConfirmationRequiredError spending credits (create, sync with a run) without ``confirm=True``
    ├── EmptyPlanError            no open vacancy has a searchable title: nothing to monitor
    ├── NothingToCreateError      every chosen filter set exists already (or may)
    ├── CreateIncompleteError     a create stopped midway; ``created`` lists the sources that exist
    └── UnknownSourceError        a source not tracked in this lake, or not in the account's listing
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from matcher.common.errors import ConfigError, MatcherError, RateLimitedError, TransientError
from matcher.ingest.floqer import ENDED_STATUSES, CreatedSource, is_source_id, validate_filters, warning_text
from matcher.ingest.lake import Lake, new_run_id
from matcher.lake import layout
from matcher.match.plan import (
    DEFAULT_CREDITS_PER_ROW,
    DEFAULT_MAX_COUNT,
    CostEstimate,
    MonitorPlan,
    estimate_cost,
    plan_monitor,
)
from matcher.pipeline import SOURCES_STATE, Pipeline

log = logging.getLogger("matcher.sources")

PLAN_STATE = layout.path("", "floqer_plan").name  # the file's name in the lake's state folder
DEFAULT_EXPIRATION_DAYS = 90

Notify = Callable[[str], None]


class ConfirmationRequiredError(MatcherError):
    """The call spends Floqer credits and ``confirm`` was not given."""


class EmptyPlanError(MatcherError):
    """The plan has no filter set: no open vacancy has a searchable title."""


class NothingToCreateError(MatcherError):
    """Every chosen filter set was created already, or is tracked already with the same filters."""


class CreateIncompleteError(MatcherError):
    """A create stopped midway: ``created`` exist and are recorded; the message says what failed and why."""

    def __init__(self, message: str, *, created: Sequence[CreatedRecord], unclear: bool) -> None:
        super().__init__(message)
        self.created = list(created)
        self.unclear = unclear  # no clear answer came: the failed set may exist at Floqer


class UnknownSourceError(MatcherError):
    """A source this lake does not track, or that the account's listing does not hold."""


# -- results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PreviewResult:
    """A free preview: the first matching rows, Floqer's count and its warnings (as text)."""

    rows: list[dict[str, Any]]
    total_results: int
    capped: bool
    notes: list[str] = field(default_factory=list)  # our own checks of the filters
    warnings: list[str] = field(default_factory=list)  # what Floqer said


@dataclass(frozen=True, kw_only=True)
class PlanResult:
    """The kept plan: its filter sets (one source each) and, when previewed, each set's cost estimate."""

    plan: MonitorPlan
    state: dict[str, Any]  # what ``floqer_plan.json`` holds
    path: Path
    credits_per_row: float
    estimates: tuple[CostEstimate, ...] | None = None  # None: not previewed


@dataclass(frozen=True, kw_only=True)
class CreatedRecord:
    """One source created and recorded in the lake (``filter_set``: its 0-based index in the plan)."""

    source: CreatedSource
    expiration_date: str
    max_count: int | None
    filter_set: int | None


@dataclass(frozen=True, kw_only=True)
class CreateResult:
    created: list[CreatedRecord]
    skipped: list[str] = field(default_factory=list)  # the sets not created, and why


@dataclass(frozen=True, kw_only=True)
class SourceRow:
    """One source with its lifecycle flags: from Floqer's listing, or (``listed`` False) from the lake."""

    source_instance_id: str
    name: str
    status: str  # Floqer's lifecycle status; unlisted: the last status seen, or "unknown"
    lead_count: int | None = None
    expiration_date: str | None = None
    tracked: bool = False  # this lake polls it
    recorded: str = ""  # unlisted: when it was created or recorded
    needs_attention: str | None = None  # expired, paused, out of credits: it no longer imports
    listed: bool = True


@dataclass(frozen=True, kw_only=True)
class SourceList:
    rows: list[SourceRow]
    available: bool = True  # False: Floqer's listing could not be read; ``rows`` are the tracked sources
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    answer: dict[str, Any]  # Floqer's answer, its warnings taken out
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class TrackChange:
    source_instance_id: str
    lake: Path


# -- inputs -------------------------------------------------------------------------------------------------


def read_filters(text: str) -> dict[str, Any]:
    """Filters from JSON text, or from a file with ``@path``: ``'{"job_title_or": ["x"]}'`` -> a dict."""
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


def _filters_of(filters: str | Mapping[str, Any]) -> dict[str, Any]:
    return read_filters(filters) if isinstance(filters, str) else dict(filters)


def read_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["input.job_title=job_title"]`` -> ``{"input.job_title": "job_title"}``."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError([f"--map: got {item!r}, expected input.name=row_field"])
        pairs[key] = value
    return pairs


# -- the sources ---------------------------------------------------------------------------------------------


class Sources:
    """The Floqer sources of one pipeline's configuration and lake.

    Args:
        pipeline: where the configuration, the clients and the lake come from.
        on_note: called with a notice as it happens (a set skipped); default: logged at info.
        on_warning: called with a warning as it happens (a preview's server warning); default: logged.
    """

    def __init__(
        self, pipeline: Pipeline, *, on_note: Notify | None = None, on_warning: Notify | None = None
    ) -> None:
        self.pipeline = pipeline
        self.on_note: Notify = on_note or log.info
        self.on_warning: Notify = on_warning or log.warning

    @property
    def lake(self) -> Path:
        return self.pipeline.lake

    def _store(self) -> Lake:
        return Lake(self.lake)

    def _writing(self) -> contextlib.AbstractContextManager[Any]:
        """An ``s3://`` lake: hold its lock and commit the state written in the block (a local lake's state
        files are written atomically without the lock, as before)."""
        if self.pipeline.remote is None:
            return contextlib.nullcontext()
        return self.pipeline.locked(new_run_id(), wait=True)

    # -- preview and plan ------------------------------------------------------------------------------

    def preview(self, filters: str | Mapping[str, Any]) -> PreviewResult:
        """Matching postings for ``filters`` (free: nothing is created, no credits spent)."""
        parsed = _filters_of(filters)
        notes = validate_filters(parsed, allow_keys=self.pipeline.config.floqer.extra_filter_keys)[1]
        for note in notes:
            self.on_warning(note)
        with self.pipeline.floqer_client() as client:
            result = client.preview(parsed)
        return PreviewResult(
            rows=result.rows,
            total_results=result.total_results,
            capped=result.capped,
            notes=notes,
            warnings=[f"Floqer: {warning_text(w)}" for w in result.warnings],
        )

    def plan(
        self,
        *,
        max_variants: int = 6,
        seniority: bool = True,
        max_count: int = DEFAULT_MAX_COUNT,
        credits_per_row: float = DEFAULT_CREDITS_PER_ROW,
        preview: bool = True,
        on_plan: Callable[[MonitorPlan], None] | None = None,
    ) -> PlanResult:
        """Filter sets (one source each) from the open clean vacancies, kept in ``state/floqer_plan.json``
        for ``create``; with ``preview``, each set is previewed (free) and its credits estimated.

        ``on_plan`` sees the plan as soon as it is kept, before the previews (which may fail: the plan
        stays kept). Raises ``EmptyPlanError`` when no vacancy is searchable (the empty plan is kept, so
        a later ``create`` does not use an older one).
        """
        config = self.pipeline.config
        clean = layout.path(config.lake, "clean_vacancies")
        if not clean.exists():
            raise ConfigError(
                [
                    f"lake {config.lake}: no clean vacancies yet (run `matcher ingest --only flowstate`, "
                    "then `matcher normalize`)"
                ]
            )
        plan = plan_monitor(
            pl.read_parquet(clean),
            config.own_companies,
            max_variants,
            seniority=seniority,
            max_count=max_count,
        )
        state: dict[str, Any] = {
            **plan.to_json(),
            "planned_at": datetime.now(UTC).isoformat(),
            "seniority": seniority,
            "max_count": max_count,
            "credits_per_row": credits_per_row,
        }
        store = self._store()
        with self._writing():
            store.write_state(PLAN_STATE, state)  # kept before the previews: a failed preview keeps the plan
        if on_plan is not None:
            on_plan(plan)
        path = layout.path(config.lake, "floqer_plan")
        if not plan.filter_sets:
            raise EmptyPlanError(
                "no open vacancy has a searchable title: nothing to monitor (see the warnings above)"
            )
        if not preview:
            return PlanResult(plan=plan, state=state, path=path, credits_per_row=credits_per_row)
        estimates = []
        with self.pipeline.floqer_client() as client:
            for i, filter_set in enumerate(plan.filter_sets):
                result = client.preview(filter_set.filters, max_count=filter_set.max_count)
                estimate = estimate_cost(
                    result.total_results,
                    capped=result.capped,
                    max_count=filter_set.max_count,
                    credits_per_row=credits_per_row,
                )
                estimates.append(estimate)
                state["filter_sets"][i]["estimate"] = {
                    **estimate.to_json(),
                    "previewed_at": datetime.now(UTC).isoformat(),
                }
                state["filter_sets"][i]["server_warnings"] = result.warnings
                for warning in result.warnings:
                    self.on_warning(f"filter set {i + 1} ({filter_set.label}): {warning_text(warning)}")
        with self._writing():
            store.write_state(PLAN_STATE, state)
        return PlanResult(
            plan=plan, state=state, path=path, credits_per_row=credits_per_row, estimates=tuple(estimates)
        )

    def planned_sets(self) -> list[dict[str, Any]]:
        """The filter sets of the kept plan, each ``{index, name, label, filters, max_count, created}``; a
        plan in the older single-``filters`` format is one set (index None, Floqer's default max_count)."""
        lake = self.lake
        plan = self._store().read_state(PLAN_STATE)
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
            raise ConfigError([f"the plan in {lake} has no filter set (no open vacancy is searchable)"])
        raise ConfigError([f"--filters: none given and no plan in {lake} (run `matcher floqer plan` first)"])

    # -- create --------------------------------------------------------------------------------------

    def create(
        self,
        *,
        confirm: bool,
        filters: str | Mapping[str, Any] | None = None,
        name: str | None = None,
        expiration_date: str | None = None,
        max_count: int | None = None,
        only: Sequence[int] = (),
        broad: bool = False,
        on_created: Callable[[CreatedRecord], None] | None = None,
    ) -> CreateResult:
        """Create ongoing sources (spends credits: refused without ``confirm``): one per planned filter set
        not created yet (``only``: these set numbers, from 1), or one from ``filters`` (then ``name`` is
        required). Each is recorded in the lake as soon as it exists (``on_created`` sees it then), and the
        plan notes it, so a later call does not create it again; a set whose filters a tracked source has
        already is skipped.

        Raises ``CreateIncompleteError`` when one fails midway (the ones before it exist and are recorded).
        """
        if not confirm:
            raise ConfirmationRequiredError(
                "creating a Floqer source spends credits on every scheduled fetch; add --confirm to proceed"
            )
        expiration_date = (
            expiration_date or (date.today() + timedelta(days=DEFAULT_EXPIRATION_DAYS)).isoformat()
        )
        store = self._store()
        skipped: list[str] = []

        def skip(note: str) -> None:
            skipped.append(note)
            self.on_note(note)

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
                    "filters": _filters_of(filters),
                    "max_count": DEFAULT_MAX_COUNT,
                }
            ]
        else:
            planned = self.planned_sets()
            chosen = _pending_sets(planned, only, skip)
            if not chosen:
                raise NothingToCreateError(
                    f"{'the chosen' if only else 'every'} filter set of the plan in {self.lake} was created "
                    "already (or may have been); run `matcher floqer plan` for a new plan, or create one "
                    "source with --filters"
                )
            if name:
                for p in chosen:
                    p["name"] = name if len(planned) == 1 else f"{name} — {p['label']}"
        chosen = _not_tracked_yet(chosen, self.pipeline.tracked_sources(), skip, explicit=filters is not None)
        if not chosen:
            raise NothingToCreateError(
                "nothing to create: every chosen filter set is tracked already with the same filters "
                "(`matcher floqer list`; `matcher floqer untrack ID` first to replace one)"
            )
        created: list[CreatedRecord] = []
        with self._writing(), self.pipeline.floqer_client() as client:
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
                    if unclear:  # it may exist: a later `create` must not repeat it
                        _mark_created(store, p["index"], None, p["name"], "", unconfirmed=str(exc))
                    message = _create_failure(chosen, position, created, exc, unclear)
                    raise CreateIncompleteError(message, created=created, unclear=unclear) from None
                self.pipeline.track_source(
                    source.source_instance_id,
                    name=source.name,
                    created_at=source.created_at,
                    expiration_date=expiration_date,
                    max_count=cap,
                    filters=p["filters"],
                    server_warnings=source.warnings,  # what Floqer said about the filters, kept with it
                )
                if p["index"] is not None:
                    _mark_created(
                        store, p["index"], source.source_instance_id, source.name, source.created_at
                    )
                record = CreatedRecord(
                    source=source, expiration_date=expiration_date, max_count=cap, filter_set=p["index"]
                )
                created.append(record)
                if on_created is not None:
                    on_created(record)
                for warning in source.warnings:
                    self.on_warning(f"{source.name}: {warning_text(warning)}")
        return CreateResult(created=created, skipped=skipped)

    # -- the account's sources -------------------------------------------------------------------------

    def list(self) -> SourceList:
        """The account's sources with their lifecycle flags and whether this lake tracks them; when Floqer's
        listing is not available, the sources this lake tracks, with the last status seen."""
        tracked = self.pipeline.tracked_sources()
        with self.pipeline.floqer_client() as client:
            listing = client.listing()
        if not listing.available:
            return SourceList(
                available=False,
                reason=listing.reason,
                rows=[
                    SourceRow(
                        source_instance_id=source_id,
                        name=str(info.get("name") or ""),
                        status=str(info.get("status") or "unknown"),
                        tracked=True,
                        recorded=str(info.get("created_at") or info.get("recorded_at") or ""),
                        listed=False,
                    )
                    for source_id, info in sorted(tracked.items())
                ],
            )
        return SourceList(
            rows=[
                SourceRow(
                    source_instance_id=s.source_instance_id,
                    name=s.name,
                    status=s.status,
                    lead_count=s.lead_count,
                    expiration_date=s.expiration_date,
                    tracked=s.source_instance_id in tracked,
                    needs_attention=s.needs_attention,
                )
                for s in listing.sources
            ]
        )

    def status(self, source_id: str) -> SourceRow:
        """One source's status from the account's listing."""
        with self.pipeline.floqer_client() as client:
            listing = client.listing()
        if not listing.available:
            raise MatcherError(
                f"source {source_id}: its status cannot be read here: Floqer's source listing is not "
                f"available ({listing.reason})"
            )
        found = listing.get(source_id)
        if found is None:
            raise UnknownSourceError(f"source {source_id} is not in your Floqer account's listing")
        return SourceRow(
            source_instance_id=found.source_instance_id,
            name=found.name,
            status=found.status,
            lead_count=found.lead_count,
            expiration_date=found.expiration_date,
            tracked=source_id in self.pipeline.tracked_sources(),
            needs_attention=found.needs_attention,
        )

    def pause(self, source_id: str) -> str:
        """Pause a source at Floqer (it imports nothing until resumed); returns its new status."""
        with self.pipeline.floqer_client() as client:
            return client.set_status(source_id, "paused")

    def resume(self, source_id: str) -> str:
        """Resume a paused source; returns its new status."""
        with self.pipeline.floqer_client() as client:
            return client.set_status(source_id, "active")

    def sync(
        self,
        source_id: str,
        *,
        workflow_id: str,
        mapping: Mapping[str, str] | Iterable[str],
        run: str = "all",
        push_existing: bool = True,
        confirm: bool = False,
    ) -> SyncResult:
        """Connect a source to a Floqer workflow; a ``run`` other than "none" spends credits (needs
        ``confirm``). ``mapping``: ``{"input.job_title": "job_title"}`` or ``["input.job_title=job_title"]``.
        """
        if run != "none" and not confirm:
            raise ConfirmationRequiredError(
                f"sync with --run {run} spends Floqer credits; add --confirm (or use --run none)"
            )
        pairs = dict(mapping) if isinstance(mapping, Mapping) else read_mapping(mapping)
        with self.pipeline.floqer_client() as client:
            answer = client.sync(
                source_id, workflow_id=workflow_id, field_mapping=pairs, push_existing=push_existing, run=run
            )
        warnings = answer.pop("warnings", [])
        return SyncResult(answer=answer, warnings=[f"Floqer: {warning_text(w)}" for w in warnings])

    # -- this lake's tracked sources -------------------------------------------------------------------

    def track(self, source_id: str, *, check: bool = True) -> TrackChange:
        """Record an existing source so ``ingest`` polls it (``check``: one free read first, so a source
        Floqer does not know is refused)."""
        if not is_source_id(source_id):
            raise ConfigError([f"SOURCE_ID: got {source_id!r}, expected a Floqer source id (a UUID)"])
        if check:
            self.pipeline.check_source(source_id)
        self.pipeline.track_source(source_id, recorded_at=datetime.now(UTC).isoformat())
        return TrackChange(source_instance_id=source_id, lake=self.lake)

    def untrack(self, source_id: str) -> TrackChange:
        """Stop polling a source: its landed rows stay in the lake; nothing is changed at Floqer."""
        store = self._store()
        with self._writing():
            sources = store.read_state(SOURCES_STATE)
            if source_id not in sources:
                known = ", ".join(sorted(sources)) or "none"
                raise UnknownSourceError(
                    f"source {source_id} is not tracked in {self.lake} (tracked: {known})"
                )
            del sources[source_id]
            store.write_state(SOURCES_STATE, sources)
        return TrackChange(source_instance_id=source_id, lake=self.lake)


# -- create's bookkeeping ------------------------------------------------------------------------------------


def _same_filters(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _not_tracked_yet(
    chosen: list[dict[str, Any]], tracked: dict[str, Any], skip: Notify, *, explicit: bool
) -> list[dict[str, Any]]:
    """The sets whose filters no tracked source has already: a plan made again (or the same --filters)
    must not create, and pay for, the same monitor twice."""
    kept = []
    for p in chosen:
        twins = [sid for sid, info in tracked.items() if _same_filters(info.get("filters"), p["filters"])]
        if not twins:
            kept.append(p)
            continue
        # a twin that stopped importing (expired, deleted, completed: the status ingest last saw) monitors
        # nothing any more: the warning that said so told the user to create a new source, so create it
        live = [sid for sid in twins if str(tracked[sid].get("status") or "") not in ENDED_STATUSES]
        what = (
            "these filters"
            if explicit or p["index"] is None
            else f"filter set {p['index'] + 1} ({p['label']})"
        )
        if not live:
            for twin in twins:
                skip(
                    f"{what}: tracked source {twin} with the same filters is {tracked[twin]['status']}: "
                    f"creating a new one (`matcher floqer untrack {twin}` stops polling the old one)"
                )
            kept.append(p)
            continue
        twin = live[0]
        skip(
            f"{what}: already tracked as source {twin} with the same filters: skipped "
            f"(`matcher floqer untrack {twin}` first to create it again)"
        )
    return kept


def _pending_sets(planned: list[dict[str, Any]], only: Sequence[int], skip: Notify) -> list[dict[str, Any]]:
    """The planned sets to create: those not created yet (of the ``only`` numbers, when given)."""
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
            skip(
                f"filter set {p['index'] + 1} ({p['label']}) was created already as "
                f"{done['source_instance_id']}: skipped"
            )
        elif done.get("unconfirmed") and not only:
            skip(
                f"filter set {p['index'] + 1} ({p['label']}): its creation got no clear answer, so it may "
                "exist: skipped (check `matcher floqer list`; `matcher floqer track ID` records it if it "
                f"exists, `matcher floqer create --confirm --set {p['index'] + 1}` creates it if not)"
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
    chosen: list[dict[str, Any]],
    position: int,
    created: list[CreatedRecord],
    exc: MatcherError,
    unclear: bool,
) -> str:
    """Which planned sets were created, which failed (and why), which were not tried."""
    failed = chosen[position]
    what = f"filter set {failed['index'] + 1} ({failed['label']})"
    done = [f"{c.source.source_instance_id} ({c.source.name})" for c in created]
    parts = [
        f"created {len(created)} of {len(chosen)} source(s)"
        + (f" ({'; '.join(done)}; recorded: `matcher ingest` polls them)" if done else ""),
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
