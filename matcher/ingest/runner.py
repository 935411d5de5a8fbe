"""One ingest run: Floqer sources and Flowstate vacancies into the lake, exactly once, with a manifest.

The runner coordinates; the clients fetch, the models validate, the lake stores.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from pydantic import ValidationError

from matcher.ingest.floqer import MAX_PAGE_SIZE, FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.lake import Lake, dumps_exact, new_run_id
from matcher.ingest.models import JobRole, Location, PostingRow, Vacancy, WorkType

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


@dataclass
class EntityStats:
    """What happened to one entity in one run (a manifest line)."""

    rows_seen: int = 0
    landed: int = 0
    duplicates_skipped: int = 0
    quarantined: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class IngestOptions:
    land_personal_data: bool = False  # hiring_team names and profile URLs
    page_size: int = MAX_PAGE_SIZE
    scenarios: tuple[str | None, ...] = (None,)
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

    def _stats(self, name: str) -> EntityStats:
        return self.stats.setdefault(name, EntityStats())

    def _meta(self, page_no: int) -> dict[str, Any]:
        return {"run_id": self.run_id, "ingested_at": datetime.now(UTC), "page_no": page_no}

    # -- Floqer ------------------------------------------------------------------------------------------
    def floqer(self, client: FloqerClient, source_ids: Iterable[str]) -> None:
        postings = {k[0] for k in self.lake.keys("floqer_postings")}
        links = self.lake.keys("floqer_posting_sources")
        quarantined = self.lake.keys("quarantine")
        for source_id in source_ids:
            stats = self._stats(f"floqer:{source_id}")
            self._floqer_source(client, source_id, stats, postings, links, quarantined)
        self.retries["floqer"] = client.api.stats.retries

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
        size = self.options.page_size
        cursor = self.lake.cursor(cursor_key)
        start = int(cursor.get("next_page", 1)) if cursor.get("page_size") == size else 1
        for attempt in range(3):
            total = self._floqer_pass(client, source_id, start, stats, postings, links, quarantined)
            known = sum(1 for _, s in links if s == source_id) + sum(
                1 for q in quarantined if q[0] == f"floqer:{source_id}"
            )
            if total is None or known >= total:
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
        stats.warnings.append(
            f"{(total or 0) - known} of {total} rows could not be accounted for after 3 passes"
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
        for page in client.iter_pages(source_id, start_page=start, page_size=size):
            stats.pages += 1
            total = page.total_count
            new_postings: list[dict[str, Any]] = []
            new_links: list[dict[str, Any]] = []
            bad: list[dict[str, Any]] = []
            meta = self._meta(page.page_no)
            for raw in page.rows:
                stats.rows_seen += 1
                try:
                    row = PostingRow.model_validate(raw)
                except ValidationError as exc:
                    self._quarantine(
                        bad, quarantined, "floqer", "posting", source_id, raw, _reason(exc), meta, stats
                    )
                    continue
                pid = row.posting_id
                if (pid, source_id) in links:
                    stats.duplicates_skipped += 1
                    continue
                links.add((pid, source_id))
                new_links.append({"posting_id": pid, "source_instance_id": source_id, **meta})
                if pid in postings:  # found before by another source: recorded as a link only
                    stats.duplicates_skipped += 1
                    continue
                postings.add(pid)
                stats.landed += 1
                new_postings.append(
                    {
                        "posting_id": pid,
                        "source_instance_id": source_id,
                        "date_posted": row.date_posted,
                        "discovered_at": row.discovered_at.replace(tzinfo=None)
                        if row.discovered_at
                        else None,
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
            full = len(page.rows) >= size
            self.lake.move_cursor(
                f"floqer:{source_id}",
                {
                    "next_page": page.page_no + 1 if full else page.page_no,
                    "page_size": size,
                    "total_count": total,
                },
            )
            if self.options.on_page:
                self.options.on_page(f"floqer {source_id[:8]}", page.page_no * size, total)
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
        if key in quarantined:
            stats.duplicates_skipped += 1
            return
        quarantined.add(key)
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
        quarantined = self.lake.keys("quarantine")
        for resource, model in REFERENCE_MODELS.items():
            self._flowstate_reference(client, resource, model, quarantined)
        versions = self.lake.keys("flowstate_vacancies")
        for scenario in self.options.scenarios:
            self._flowstate_vacancies(client, scenario, versions, quarantined)
        self.retries["flowstate"] = client.api.stats.retries

    def _flowstate_reference(
        self, client: FlowstateClient, resource: str, model: Any, quarantined: set[tuple[Any, ...]]
    ) -> None:
        table = f"flowstate_{resource}"
        stats = self._stats(table.replace("_", ":", 1))
        known = self.lake.keys(table)
        fresh: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        meta = self._meta(1)
        for raw in client.list_resource(resource):
            stats.rows_seen += 1
            try:
                record = model.model_validate(raw)
            except ValidationError as exc:
                self._quarantine(bad, quarantined, "flowstate", resource, "", raw, _reason(exc), meta, stats)
                continue
            text = dumps_exact(raw)
            key = (record.id, hashlib.sha256(text.encode("utf-8")).hexdigest())
            if key in known:
                stats.duplicates_skipped += 1
                continue
            known.add(key)
            stats.landed += 1
            fresh.append({"entity_id": key[0], "content_sha": key[1], "raw_json": text, **meta})
        stats.pages += 1
        self.lake.append(table, fresh, SCHEMAS[table], run_id=self.run_id)
        self.lake.append("quarantine", bad, SCHEMAS["quarantine"], run_id=self.run_id)

    def _flowstate_vacancies(
        self,
        client: FlowstateClient,
        scenario: str | None,
        versions: set[tuple[Any, ...]],
        quarantined: set[tuple[Any, ...]],
    ) -> None:
        scenario_id = scenario or LIVE
        stats = self._stats(f"flowstate:vacancies{'@' + scenario_id if scenario_id else ''}")
        seen: dict[str, str] = {}
        for page in client.vacancy_pages(scenario_id=scenario):
            stats.pages += 1
            meta = self._meta(page.page)
            fresh: list[dict[str, Any]] = []
            bad: list[dict[str, Any]] = []
            for raw in page.items:
                stats.rows_seen += 1
                try:
                    vacancy = Vacancy.model_validate(raw)
                except ValidationError as exc:
                    self._quarantine(
                        bad, quarantined, "flowstate", "vacancy", scenario_id, raw, _reason(exc), meta, stats
                    )
                    continue
                updated = str(raw.get("updatedAt"))
                seen[vacancy.id] = updated
                key = (scenario_id, vacancy.id, updated)
                if key in versions:
                    stats.duplicates_skipped += 1
                    continue
                versions.add(key)
                stats.landed += 1
                fresh.append(
                    {
                        "scenario_id": scenario_id,
                        "vacancy_id": vacancy.id,
                        "updated_at": updated,
                        "status": vacancy.status,
                        "raw_json": dumps_exact(raw),
                        **meta,
                    }
                )
            self.lake.append("flowstate_vacancies", fresh, SCHEMAS["flowstate_vacancies"], run_id=self.run_id)
            self.lake.append("quarantine", bad, SCHEMAS["quarantine"], run_id=self.run_id)
            self.lake.crash.hit("after_write")
            if self.options.on_page:
                self.options.on_page(
                    f"flowstate vacancies{' ' + scenario_id if scenario_id else ''}", len(seen), page.total
                )
        self._vacancy_events(scenario_id, seen, stats)

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
        manifest = {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "retries": self.retries,
            "entities": {name: asdict(stats) for name, stats in sorted(self.stats.items())},
            "totals": {
                key: sum(getattr(s, key) for s in self.stats.values())
                for key in ("rows_seen", "landed", "duplicates_skipped", "quarantined", "pages")
            },
        }
        self.lake.write_manifest(manifest)
        return manifest


def _reason(exc: ValidationError) -> str:
    """A validation failure as one line: each field, the value received, what was expected."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "row"
        value = repr(error.get("input"))
        if len(value) > 60:
            value = value[:57] + "..."
        parts.append(f"{where}: got {value}, {error['msg'].lower()}")
    return "; ".join(parts)
