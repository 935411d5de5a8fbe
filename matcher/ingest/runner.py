"""One ingest run: Floqer sources and Flowstate vacancies into the lake, exactly once, with a manifest.

The runner coordinates; the clients fetch, the models validate, the lake stores. One failure costs one
entity: a source that cannot be read (deleted, forbidden, down) or a Flowstate list that fails is recorded
with its reason in the manifest, and the others go on. The reference lists (locations, job roles, work
types) are optional: a key scoped to vacancies only still lands every vacancy.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from matcher.common.errors import (
    AuthenticationError,
    ForbiddenError,
    MatcherError,
    NotFoundError,
    PagingLimitError,
    TimedOutError,
    UnreachableError,
    WaitTooLongError,
)
from matcher.ingest.floqer import MAX_PAGE_SIZE, FloqerClient, SourceListing, warning_text
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import MAX_TEXT_CHARS, TRUNCATED
from matcher.ingest.lake import Lake, dumps_exact, new_run_id
from matcher.ingest.models import JobRole, Location, PostingRow, Vacancy, WorkType, validate_tolerantly

log = logging.getLogger("matcher.ingest")

META = {"run_id": pl.String, "ingested_at": pl.Datetime("us", "UTC"), "page_no": pl.Int64}
SCHEMAS: dict[str, dict[str, Any]] = {
    "floqer_postings": {
        "posting_id": pl.String,
        "source_instance_id": pl.String,
        "date_posted": pl.Date,
        "discovered_at": pl.Datetime("us"),
        "job_title": pl.String,
        "company": pl.String,
        "raw_json": pl.String,
        **META,
    },
    "floqer_posting_sources": {"posting_id": pl.String, "source_instance_id": pl.String, **META},
    "flowstate_vacancies": {
        "scenario_id": pl.String,
        "vacancy_id": pl.String,
        "updated_at": pl.String,
        "status": pl.String,
        "raw_json": pl.String,
        **META,
    },
    "flowstate_vacancy_events": {
        "scenario_id": pl.String,
        "vacancy_id": pl.String,
        "event": pl.String,
        "last_updated_at": pl.String,
        **META,
    },
    "quarantine": {
        "source": pl.String,
        "entity": pl.String,
        "source_instance_id": pl.String,
        "raw_sha": pl.String,
        "reason": pl.String,
        "raw_json": pl.String,
        **META,
    },
}
for _entity in ("locations", "job_roles", "work_types"):
    SCHEMAS[f"flowstate_{_entity}"] = {
        "entity_id": pl.String,
        "content_sha": pl.String,
        "raw_json": pl.String,
        **META,
    }
REFERENCE_MODELS = {"locations": Location, "job_roles": JobRole, "work_types": WorkType}
LIVE = ""  # scenario_id of live (non-scenario) data


OUTCOMES = ("landed", "warning", "failed")


@dataclass
class EntityStats:
    """What happened to one entity (a Floqer source, a Flowstate list) in one run: a manifest line.

    ``outcome`` is "landed" (all well), "warning" (it landed, with something to look at) or "failed" (it
    could not be read; ``reason`` says why in one line). One entity failing never stops the others.
    """

    rows_seen: int = 0
    landed: int = 0
    duplicates_skipped: int = 0
    quarantined: int = 0
    pages: int = 0
    outcome: str = "landed"
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    fields_coerced: dict[str, int] = field(
        default_factory=dict
    )  # field path -> rows read in its obvious form
    fields_nulled: dict[str, int] = field(default_factory=dict)  # field path -> rows where it was unusable
    # JSON path -> strings that were not valid Unicode (a lone surrogate, a byte that is not UTF-8), landed
    # with U+FFFD in place of each bad code point
    text_repaired: dict[str, int] = field(default_factory=dict)
    # JSON path -> strings longer than ``MAX_TEXT_CHARS``, landed cut to that length
    text_truncated: dict[str, int] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. the path that answered, a source's status

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.outcome == "landed":
            self.outcome = "warning"

    def fail(self, reason: str) -> None:
        self.outcome = "failed"
        self.reason = reason

    def count_repairs(self, paths: list[str], where: str) -> None:
        """Record the strings the HTTP layer repaired (``ApiClient.take_repairs``) in the page ``where``."""
        cut = [p.removesuffix(TRUNCATED) for p in paths if p.endswith(TRUNCATED)]
        paths = [p for p in paths if not p.endswith(TRUNCATED)]
        for name in cut:
            key = re.sub(r"\[\d*\]", "[]", name)
            self.text_truncated[key] = self.text_truncated.get(key, 0) + 1
        if cut:
            shown = ", ".join(cut[:5]) + (f" and {len(cut) - 5} more" if len(cut) > 5 else "")
            self.warn(
                f"{where}: {len(cut)} text value(s) longer than {MAX_TEXT_CHARS:,} characters landed cut to "
                f"that length: {shown}"
            )
        if not paths:
            return
        for name in paths:
            key = re.sub(r"\[\d*\]", "[]", name)
            self.text_repaired[key] = self.text_repaired.get(key, 0) + 1
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        self.warn(
            f"{where}: {len(paths)} text value(s) not valid Unicode (a lone surrogate or a byte that is not "
            f"UTF-8) landed with U+FFFD in place of each bad character: {shown}"
        )

    def count_fields(self, coerced: Iterable[str], nulled: Iterable[str]) -> None:
        for name in coerced:
            key = re.sub(r"\[\d*\]", "[]", name)
            self.fields_coerced[key] = self.fields_coerced.get(key, 0) + 1
        for name in nulled:
            key = re.sub(r"\[\d*\]", "[]", name)
            self.fields_nulled[key] = self.fields_nulled.get(key, 0) + 1


@dataclass(kw_only=True)
class IngestOptions:
    land_personal_data: bool = False  # hiring_team names and profile URLs
    page_size: int = MAX_PAGE_SIZE
    scenarios: tuple[str | None, ...] = (None,)
    strict: bool = False  # a source that no longer imports (expired, paused, completed, deleted) fails
    max_pages: int = 10_000  # pages read per source (or list) and run at most: a server that never ends
    check_listing: bool = True  # read Floqer's source listing for each source's status (optional)
    on_page: Callable[[str, int, int | None], None] | None = None  # (what, rows so far, total) for progress


class IngestRun:
    """One run over one lake; call ``floqer`` and/or ``flowstate``, then ``finish`` for the manifest."""

    def __init__(
        self, lake: Lake, options: IngestOptions | None = None, *, run_id: str | None = None
    ) -> None:
        self.lake = lake
        self.options = options or IngestOptions()
        self.run_id = run_id or new_run_id()
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC)
        self.stats: dict[str, EntityStats] = {}
        self.retries: dict[str, int] = {}
        self.source_statuses: dict[str, str] = {}  # Floqer source id -> its lifecycle status in the listing

    def _stats(self, name: str) -> EntityStats:
        return self.stats.setdefault(name, EntityStats())

    def _meta(self, page_no: int) -> dict[str, Any]:
        return {"run_id": self.run_id, "ingested_at": datetime.now(UTC), "page_no": page_no}

    # -- Floqer ------------------------------------------------------------------------------------------
    def floqer(self, client: FloqerClient, source_ids: Iterable[str]) -> None:
        """Land every row of each source; a source that cannot be read fails alone."""
        source_ids = list(source_ids)
        postings = {k[0] for k in self.lake.keys("floqer_postings")}
        links = self.lake.keys("floqer_posting_sources")
        quarantined = self.lake.keys("quarantine")
        account_down: str | None = None  # the host or the key is wrong: every other source would fail alike
        listing: SourceListing | None = None
        if self.options.check_listing and source_ids:
            listing, account_down = self._floqer_listing(client)
        for source_id in source_ids:
            stats = self._stats(f"floqer:{source_id}")
            if account_down is not None:
                stats.fail(account_down)
                continue
            if listing is not None:
                self._lifecycle(source_id, listing, stats)
            try:
                self._floqer_source(client, source_id, stats, postings, links, quarantined)
            except MatcherError as exc:
                stats.fail(_source_failure(source_id, exc))  # shown once, from the manifest
                if _account_wide(exc):
                    account_down = _not_tried("floqer", f"floqer:{source_id}")
        self.retries["floqer"] = client.api.stats.retries

    def _floqer_listing(self, client: FloqerClient) -> tuple[SourceListing | None, str | None]:
        """(the source listing or None, why no source should be tried): a listing the account does not offer
        is a warning; a host that cannot be reached or a key refused fails it, and the sources with it."""
        stats = self._stats("floqer:listing")
        try:
            listing = client.listing()
        except MatcherError as exc:
            if _account_wide(exc):
                stats.fail(_one_line(exc))
                return None, _not_tried("floqer", "floqer:listing")
            listing = SourceListing(sources=[], available=False, reason=_one_line(exc))
        if listing.available:
            del self.stats["floqer:listing"]
            return listing, None
        stats.warn(
            f"source listing unavailable ({listing.reason}); each recorded source is read directly and "
            "its lifecycle status is not checked"
        )
        return None, None

    def _lifecycle(self, source_id: str, listing: SourceListing, stats: EntityStats) -> None:
        info = listing.get(source_id)
        if info is None:
            stats.warn("not in your account's source listing (deleted, or created with another key?)")
            return
        self.source_statuses[source_id] = info.status
        stats.detail["status"] = info.status
        attention = info.needs_attention
        if attention is None:
            return
        if self.options.strict:
            stats.fail(f"{info.name or source_id} is {attention} (--strict)")
        else:
            stats.warn(f"{info.name or source_id} is {attention}")

    def _floqer_source(
        self,
        client: FloqerClient,
        source_id: str,
        stats: EntityStats,
        postings: set[str],
        links: set[tuple[Any, ...]],
        quarantined: set[tuple[Any, ...]],
    ) -> None:
        cursor_key = f"floqer:{source_id}"
        client.api.take_repairs()  # what earlier requests repaired is theirs, not this source's
        size = self.options.page_size
        cursor = self.lake.cursor(cursor_key)
        start = int(cursor.get("next_page", 1)) if cursor.get("page_size") == size else 1
        for attempt in range(3):
            total = self._floqer_pass(client, source_id, start, stats, postings, links, quarantined)
            known = sum(1 for _, s in links if s == source_id) + sum(
                1 for q in quarantined if q[0] == f"floqer:{source_id}"
            )
            if total is None or known >= total:  # without a total_count, an empty page ended the source
                return
            # Fewer rows known than the source holds: rows were inserted before the cursor (a newest-first
            # source) or shifted between page reads. Read it all again; duplicates are skipped.
            log.info(
                "floqer %s: %d of %d rows known after pass %d; rescanning",
                source_id,
                known,
                total,
                attempt + 1,
            )
            start = 1
        missing = (total or 0) - known
        stats.detail["unaccounted"] = missing
        stats.warn(
            f"{missing} of {total} rows could not be accounted for after 3 passes (the run is incomplete: "
            "exit code 4)"
        )

    def _floqer_pass(
        self,
        client: FloqerClient,
        source_id: str,
        start: int,
        stats: EntityStats,
        postings: set[str],
        links: set[tuple[Any, ...]],
        quarantined: set[tuple[Any, ...]],
    ) -> int | None:
        size = self.options.page_size
        total: int | None = None
        this_pass: set[str] = set()  # the ids this pass has read: a page of only these brings nothing new
        for page in client.iter_pages(source_id, start_page=start, page_size=size):
            stats.pages += 1
            ids = {str(r.get("id")) for r in page.rows if isinstance(r, dict)}
            repeated = (
                bool(page.rows)
                and ids <= this_pass
                and len(ids) == sum(1 for r in page.rows if isinstance(r, dict))
            )
            this_pass |= ids
            total = page.total_count
            stats.count_repairs(client.api.take_repairs(), f"page {page.page_no}")
            for warning in page.warnings:  # the server's own notes on the source: recorded once each
                text = f"Floqer: {warning_text(warning)}"
                if text not in stats.warnings:
                    stats.warn(text)
            new_postings: list[dict[str, Any]] = []
            new_links: list[dict[str, Any]] = []
            bad: list[dict[str, Any]] = []
            meta = self._meta(page.page_no)
            for raw in page.rows:
                stats.rows_seen += 1
                checked = validate_tolerantly(PostingRow, raw, required=POSTING_NEEDS)
                row = checked.record
                stats.count_fields(checked.coerced, checked.nulled)
                reason = checked.reason if row is None else _unusable_id(row.id)
                if row is None or reason is not None:
                    self._quarantine(
                        bad, quarantined, "floqer", "posting", source_id, raw, reason or "", meta, stats
                    )
                    continue
                pid = row.posting_id
                if not _first_time((pid, source_id), links, stats):
                    continue
                new_links.append({"posting_id": pid, "source_instance_id": source_id, **meta})
                if not _first_time(pid, postings, stats):  # found before by another source: a link only
                    continue
                stats.landed += 1
                new_postings.append(
                    {
                        "posting_id": pid,
                        "source_instance_id": source_id,
                        "date_posted": row.date_posted,
                        "discovered_at": _naive_utc(row.discovered_at),
                        "job_title": row.job_title,
                        "company": row.company,
                        "raw_json": dumps_exact(self._landable(raw)),
                        **meta,
                    }
                )
            self.lake.append("floqer_postings", new_postings, SCHEMAS["floqer_postings"], run_id=self.run_id)
            self.lake.append(
                "floqer_posting_sources", new_links, SCHEMAS["floqer_posting_sources"], run_id=self.run_id
            )
            self.lake.append("quarantine", bad, SCHEMAS["quarantine"], run_id=self.run_id)
            self.lake.crash.hit("after_write")
            self.lake.move_cursor(  # past a page only when it was full at the size the server pages by
                f"floqer:{source_id}",
                {
                    "next_page": page.page_no + 1 if page.full else page.page_no,
                    "page_size": size,
                    "total_count": total,
                },
            )
            if self.options.on_page:
                self.options.on_page(f"floqer {source_id[:8]}", page.page_no * size, total)
            if not page.last and not repeated and stats.pages >= self.options.max_pages:
                raise PagingLimitError(
                    f"floqer:{source_id}: stopped after {stats.pages} pages ([ingest] max_pages = "
                    f"{self.options.max_pages}) and the server still had more (total_count {total}); the "
                    "rows read so far landed",
                    service="floqer",
                )
            if repeated:  # the server repeats rows this pass already read: more pages would bring nothing new
                text = (
                    f"page {page.page_no} brought nothing new (only rows this pass had already read, "
                    f"total_count {total}): paging stopped"
                )
                if text not in stats.warnings:
                    stats.warn(text)
                return total  # the caller reads the source again (three passes at most) if rows are missing
        return total

    def _landable(self, raw: dict[str, Any]) -> dict[str, Any]:
        if self.options.land_personal_data or "hiring_team" not in raw:
            return raw
        return {k: v for k, v in raw.items() if k != "hiring_team"}

    def _quarantine(
        self,
        bad: list[dict[str, Any]],
        quarantined: set[tuple[Any, ...]],
        source: str,
        entity: str,
        source_instance_id: str,
        raw: Any,
        reason: str,
        meta: dict[str, Any],
        stats: EntityStats,
    ) -> None:
        text = dumps_exact(self._landable(raw) if isinstance(raw, dict) else raw)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = (f"{source}:{source_instance_id}" if source_instance_id else source, entity, sha)
        if not _first_time(key, quarantined, stats):
            return
        stats.quarantined += 1
        bad.append(
            {
                "source": key[0],
                "entity": entity,
                "source_instance_id": source_instance_id,
                "raw_sha": sha,
                "reason": reason,
                "raw_json": text,
                **meta,
            }
        )

    # -- Flowstate ---------------------------------------------------------------------------------------
    def flowstate(self, client: FlowstateClient) -> None:
        """Land the reference lists (optional: a key may lack their scope) and each scenario's vacancies."""
        quarantined = self.lake.keys("quarantine")
        account_down: str | None = None  # the host or the key is wrong: every other list would fail alike
        for resource, model in REFERENCE_MODELS.items():
            stats = self._stats(f"flowstate:{resource}")
            if account_down is not None:
                stats.fail(account_down)
                continue
            try:
                self._flowstate_reference(client, resource, model, quarantined, stats)
            except (ForbiddenError, NotFoundError) as exc:
                stats.warn(
                    f"not readable ({_one_line(exc)}); vacancies still land, and normalization goes without "
                    f"{resource.replace('_', ' ')}"
                )
            except MatcherError as exc:
                stats.fail(_one_line(exc))
                if _account_wide(exc):
                    account_down = _not_tried("flowstate", f"flowstate:{resource}")
        versions = self.lake.keys("flowstate_vacancies")
        for scenario in self.options.scenarios:
            scenario_id = scenario or LIVE
            stats = self._stats(stats_name(scenario_id))
            if account_down is not None:
                stats.fail(account_down)
                continue
            try:
                self._flowstate_vacancies(client, scenario, versions, quarantined, stats)
            except MatcherError as exc:  # the list was not read to its end: no vacancy is called disappeared
                stats.fail(_one_line(exc))
                if _account_wide(exc):
                    account_down = _not_tried("flowstate", stats_name(scenario_id))
        self.retries["flowstate"] = client.api.stats.retries

    def _flowstate_reference(
        self,
        client: FlowstateClient,
        resource: str,
        model: Any,
        quarantined: set[tuple[Any, ...]],
        stats: EntityStats,
    ) -> None:
        table = f"flowstate_{resource}"
        known = self.lake.keys(table)
        fresh: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        meta = self._meta(1)
        client.api.take_repairs()  # what earlier requests repaired is theirs, not this list's
        items = client.list_resource(resource)
        stats.count_repairs(client.api.take_repairs(), resource)
        path = client.resource_paths.get(resource)
        if path:
            stats.detail["path"] = f"/{path}"
        for raw in items:
            stats.rows_seen += 1
            checked = validate_tolerantly(model, raw, required=REFERENCE_NEEDS)
            stats.count_fields(checked.coerced, checked.nulled)
            if checked.record is None:
                reason = checked.reason or ""
                self._quarantine(bad, quarantined, "flowstate", resource, "", raw, reason, meta, stats)
                continue
            text = dumps_exact(raw)
            key = (checked.record.id, hashlib.sha256(text.encode("utf-8")).hexdigest())
            if not _first_time(key, known, stats):
                continue
            stats.landed += 1
            fresh.append({"entity_id": key[0], "content_sha": key[1], "raw_json": text, **meta})
        stats.pages += 1
        self.lake.append(table, fresh, SCHEMAS[table], run_id=self.run_id)
        self.lake.append("quarantine", bad, SCHEMAS["quarantine"], run_id=self.run_id)
        if stats.quarantined:
            stats.warn(f"{stats.quarantined} record(s) quarantined")

    def _flowstate_vacancies(
        self,
        client: FlowstateClient,
        scenario: str | None,
        versions: set[tuple[Any, ...]],
        quarantined: set[tuple[Any, ...]],
        stats: EntityStats,
    ) -> None:
        scenario_id = scenario or LIVE
        client.api.take_repairs()
        seen: dict[str, str] = {}
        total: int | None = None
        for attempt in range(2):
            for page in client.vacancy_pages(scenario_id=scenario):
                stats.pages += 1
                total = page.total
                stats.count_repairs(client.api.take_repairs(), f"page {page.page}")
                self._vacancy_page(page.items, page.page, scenario_id, seen, versions, quarantined, stats)
                self.lake.crash.hit("after_write")
                if self.options.on_page:
                    what = f"flowstate vacancies{' ' + scenario_id if scenario_id else ''}"
                    self.options.on_page(what, len(seen), page.total)
            # The list is read in the server's default order (by role), which an edit between two page
            # reads can shift: when fewer distinct vacancies were seen than the list's total, read it again.
            if total is None or len(seen) >= total:
                break
            if attempt == 0:
                log.info("flowstate vacancies: %d of %d seen; reading the list again", len(seen), total)
        if total is not None and len(seen) < total:
            stats.warn(f"{total - len(seen)} of {total} vacancies could not be read after 2 passes")
        self._vacancy_events(scenario_id, seen, stats)

    def _vacancy_page(
        self,
        items: list[Any],
        page_no: int,
        scenario_id: str,
        seen: dict[str, str],
        versions: set[tuple[Any, ...]],
        quarantined: set[tuple[Any, ...]],
        stats: EntityStats,
    ) -> None:
        meta = self._meta(page_no)
        fresh: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        for raw in items:
            stats.rows_seen += 1
            checked = validate_tolerantly(Vacancy, raw, required=VACANCY_NEEDS)
            stats.count_fields(checked.coerced, checked.nulled)
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(raw_id, int) and not isinstance(raw_id, bool):
                raw_id = str(raw_id)  # an id sent as a number is the same vacancy as its text
            updated = raw.get("updatedAt") if isinstance(raw, dict) else None
            updated = updated if isinstance(updated, str) else ""
            if isinstance(raw_id, str) and raw_id:
                seen.setdefault(raw_id, updated)  # listed, even when quarantined: it has not disappeared
            vacancy = checked.record
            if vacancy is None:
                reason = checked.reason or ""
                self._quarantine(
                    bad, quarantined, "flowstate", "vacancy", scenario_id, raw, reason, meta, stats
                )
                continue
            key = (scenario_id, vacancy.id, updated)
            if not _first_time(key, versions, stats):
                continue
            stats.landed += 1
            fresh.append(
                {
                    "scenario_id": scenario_id,
                    "vacancy_id": vacancy.id,
                    "updated_at": updated,
                    "status": vacancy.status or "",
                    "raw_json": dumps_exact(raw),
                    **meta,
                }
            )
        self.lake.append("flowstate_vacancies", fresh, SCHEMAS["flowstate_vacancies"], run_id=self.run_id)
        self.lake.append("quarantine", bad, SCHEMAS["quarantine"], run_id=self.run_id)

    def _vacancy_events(self, scenario_id: str, seen: dict[str, str], stats: EntityStats) -> None:
        """Record vacancies that disappeared from (or came back to) the list since the last run."""
        key = f"flowstate:vacancies:{scenario_id or 'live'}"
        previous = self.lake.cursor(key).get("present", {})
        events = []
        meta = self._meta(0)
        existing = self.lake.keys("flowstate_vacancy_events")
        for vacancy_id, updated in sorted(previous.items()):
            if vacancy_id not in seen:
                events.append((vacancy_id, "disappeared", updated))
        for vacancy_id, updated in sorted(seen.items()):
            if (
                previous
                and vacancy_id not in previous
                and any(e[1] == vacancy_id and e[2] == "disappeared" for e in existing)
            ):
                events.append((vacancy_id, "reappeared", updated))
        rows = [
            {"scenario_id": scenario_id, "vacancy_id": v, "event": e, "last_updated_at": u, **meta}
            for v, e, u in events
            if (scenario_id, v, e, u) not in existing
        ]
        if rows:
            stats.warnings.append(
                f"{sum(1 for r in rows if r['event'] == 'disappeared')} vacancies disappeared"
            )
        self.lake.append(
            "flowstate_vacancy_events", rows, SCHEMAS["flowstate_vacancy_events"], run_id=self.run_id
        )
        self.lake.move_cursor(key, {"present": seen})

    # -- manifest ----------------------------------------------------------------------------------------
    def finish(self) -> dict[str, Any]:
        """Write and return the manifest; ``status`` is "ok", "incomplete" (nothing failed, but a source
        holds rows that could not be accounted for), "partial" (some entity failed) or "failed" (some entity
        failed, none succeeded and none brought a row)."""
        outcomes = {o: sum(1 for s in self.stats.values() if s.outcome == o) for o in OUTCOMES}
        readers = [s for name, s in self.stats.items() if name != "floqer:listing"]  # what lands rows
        if not outcomes["failed"]:
            status = "ok"
        elif not any(s.outcome == "landed" or s.rows_seen for s in readers):
            status = "failed"  # nothing was read: no list succeeded and none brought a row
        else:
            status = "partial"
        unaccounted = sum(int(s.detail.get("unaccounted", 0)) for s in self.stats.values())
        if status == "ok" and unaccounted:
            status = "incomplete"  # everything was read, but a source holds rows the run could not land
        manifest = {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "status": status,
            "outcomes": outcomes,
            "failed": {name: s.reason for name, s in sorted(self.stats.items()) if s.outcome == "failed"},
            "retries": self.retries,
            "entities": {name: asdict(stats) for name, stats in sorted(self.stats.items())},
            "totals": {
                key: sum(getattr(s, key) for s in self.stats.values())
                for key in ("rows_seen", "landed", "duplicates_skipped", "quarantined", "pages")
            }
            | {"unaccounted": unaccounted},
        }
        self.lake.write_manifest(manifest)
        return manifest


POSTING_NEEDS = ("id",)  # the natural key: without it a row cannot be landed exactly once
VACANCY_NEEDS = ("id",)
REFERENCE_NEEDS = ("id",)


def _unusable_id(value: Any) -> str | None:
    """Why a posting id cannot be a key (a boolean, an empty string), or None."""
    if isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        return f"id: got {value!r}, expected an integer or a non-empty string"
    return None


def _naive_utc(instant: datetime | None) -> datetime | None:
    """The lake's ``discovered_at``: UTC without a zone (a zoned time is converted, not relabelled)."""
    if instant is None:
        return None
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.replace(tzinfo=None)


def stats_name(scenario_id: str) -> str:
    """The manifest's name of a scenario's vacancy list: ``flowstate:vacancies`` (live) or ``...@ID``."""
    return f"flowstate:vacancies{'@' + scenario_id if scenario_id else ''}"


def _account_wide(exc: MatcherError) -> bool:
    """A failure every other call to the same service would share: unreachable, key refused, told to wait,
    or no answer at all after every attempt (a server that takes connections and never answers)."""
    return isinstance(exc, UnreachableError | AuthenticationError | WaitTooLongError | TimedOutError)


def _not_tried(service: str, first: str) -> str:
    return f"not tried: {service} could not be used (see {first})"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _source_failure(source_id: str, exc: MatcherError) -> str:
    """One line on why a source could not be read, with what to do about it."""
    text = _one_line(exc)
    if isinstance(exc, NotFoundError):
        return (
            f"{text} -- the source is not found at Floqer (deleted?): `matcher floqer untrack {source_id}` "
            "stops polling it"
        )
    if isinstance(exc, ForbiddenError):
        return f"{text} -- the key lacks the sources:read scope, or the source belongs to another account"
    return text


def _first_time(key: Any, seen: set[Any], stats: EntityStats) -> bool:
    """Whether ``key`` is new to the lake (then it is remembered); a key already there is counted as a
    duplicate skipped: the one rule that makes landing exactly-once."""
    if key in seen:
        stats.duplicates_skipped += 1
        return False
    seen.add(key)
    return True
