"""Floqer client: every endpoint of the Track Job Postings document, validated locally before sending.

>>> api = ApiClient(service="floqer", base_url="https://api.floqer.com", api_key=key)  # doctest: +SKIP
>>> FloqerClient(api).preview({"job_title_or": ["Data Engineer"]}).total_results     # doctest: +SKIP
412

A client fetches; it does not normalize. Credit-spending calls (``create``; ``sync`` with ``run`` other than
"none") are sent once and never retried automatically: a lost answer does not mean no credits were spent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from matcher.common.errors import BadRequestError, BadResponseError
from matcher.ingest.http import ApiClient

SOURCE_ID = "track_job_postings"
SORT_FIELDS = frozenset({"date_posted", "discovered_at", "salary", "job_title", "company", "num_jobs"})
PREVIEW_KEYS = frozenset({"filters", "start_date", "expiration_date", "max_count"})
CREATE_KEYS = PREVIEW_KEYS | {"name"}
SYNC_RUNS = ("none", "first_10", "all")
MAX_PAGE_SIZE = 200
MAX_LOOKBACK_DAYS = 180
STATUSES = ("active", "completed", "paused", "paused_out_of_credits", "expired", "deleted")
ATTENTION = {
    "expired": "expired: it no longer imports postings (create a new source to keep monitoring)",
    "paused_out_of_credits": "paused: out of Floqer credits (top up, then `matcher floqer status --resume`)",
    "paused": "paused: no new postings are imported until it is resumed",
}


@dataclass(frozen=True, kw_only=True)
class Preview:
    rows: list[dict[str, Any]]
    total_results: int
    capped: bool
    warnings: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class CreatedSource:
    source_instance_id: str
    name: str
    created_at: str
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class SourceInfo:
    """One item of the source listing."""

    source_instance_id: str
    name: str
    status: str
    lead_count: int | None
    created_at: str | None
    expiration_date: str | None
    raw: dict[str, Any]

    @property
    def needs_attention(self) -> str | None:
        """A warning to show when the source no longer imports (expired, paused, out of credits)."""
        return ATTENTION.get(self.status)


@dataclass(frozen=True, kw_only=True)
class DataPage:
    rows: list[Any]
    total_count: int
    page_no: int
    page_size: int


def validate_search_body(body: Mapping[str, Any], *, create: bool) -> list[str]:
    """Every problem the server would reject ``body`` for, found before anything is sent.

    >>> validate_search_body({"filters": {}, "colour": 1}, create=False)
    ["unknown top-level key 'colour'", 'filters must contain at least one filter key']
    """
    problems = [
        f"unknown top-level key {k!r}" for k in sorted(set(body) - (CREATE_KEYS if create else PREVIEW_KEYS))
    ]
    filters = body.get("filters")
    if filters is None:
        problems.append("filters is required")
    elif not isinstance(filters, Mapping):
        problems.append("filters must be an object")
    elif not filters:
        problems.append("filters must contain at least one filter key")
    else:
        order = filters.get("order_by")
        well_formed = isinstance(order, list) and all(
            isinstance(o, Mapping) and isinstance(o.get("field"), str) for o in order
        )
        if order not in (None, [], "") and not well_formed:
            problems.append("filters.order_by must be a list of {field, desc}")
        age = filters.get("posted_at_max_age_days")
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 1):
            problems.append(f"filters.posted_at_max_age_days must be a positive integer, got {age!r}")
    for key in ("start_date", "expiration_date"):
        if body.get(key) is not None and parse_iso_date(body[key]) is None:
            problems.append(f"{key} must be a valid date string (YYYY-MM-DD or ISO 8601), got {body[key]!r}")
    if "max_count" in body and body["max_count"] is not None:
        value = body["max_count"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not value > 0
            or math.isnan(value)
        ):
            problems.append(f"max_count must be a positive number, got {value!r}")
    if create:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append("name is required on create")
        if body.get("expiration_date") is None:
            problems.append("expiration_date is required on create")
    return problems


def parse_iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def dropped_sort_fields(filters: Mapping[str, Any]) -> list[str]:
    """``order_by`` fields the server will silently drop (worth a warning before sending)."""
    order = filters.get("order_by") or []
    return [o["field"] for o in order if isinstance(o, Mapping) and o.get("field") not in SORT_FIELDS]


class FloqerClient:
    """Floqer's Track Job Postings endpoints over an ``ApiClient``."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> FloqerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preview(self, filters: Mapping[str, Any], **options: Any) -> Preview:
        """A free sample page for ``filters`` (nothing is created, no credits spent)."""
        body = {"filters": dict(filters), **options}
        self._check(body, create=False)
        envelope = self.api.request_json("POST", f"/api/v1/sources/{SOURCE_ID}/preview", json_body=body)
        data = _data(envelope, "preview")
        metadata = data.get("metadata") or {}
        return Preview(
            rows=list(data.get("data") or []),
            total_results=int(metadata.get("total_results") or 0),
            capped=bool(metadata.get("capped", False)),
            warnings=list(envelope.get("warnings") or []),
        )

    def create(
        self, *, name: str, filters: Mapping[str, Any], expiration_date: str, **options: Any
    ) -> CreatedSource:
        """Create an ongoing source. Spends credits: sent once, never retried automatically."""
        body = {"name": name, "filters": dict(filters), "expiration_date": expiration_date, **options}
        self._check(body, create=True)
        envelope = self.api.request_json("POST", f"/api/v1/sources/{SOURCE_ID}", json_body=body, retry=False)
        data = _data(envelope, "create")
        source_id = data.get("source_instance_id") or data.get("source_id")  # older versions say source_id
        if not isinstance(source_id, str):
            raise BadResponseError(
                f"floqer create: no source_instance_id in {sorted(data)}", service="floqer"
            )
        return CreatedSource(
            source_instance_id=source_id,
            name=str(data.get("name") or name),
            created_at=str(data.get("created_at") or ""),
            warnings=list(envelope.get("warnings") or []),
        )

    def list_sources(self) -> list[SourceInfo]:
        envelope = self.api.request_json("GET", "/api/v1/sources")
        data = envelope.get("data") if isinstance(envelope, Mapping) else None
        items = data.get("sources", data.get("items", [])) if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise BadResponseError("floqer list: expected a list of sources", service="floqer")
        return [
            SourceInfo(
                source_instance_id=str(item.get("source_instance_id") or item.get("id")),
                name=str(item.get("name") or ""),
                status=str(item.get("status") or "unknown"),
                lead_count=item.get("lead_count"),
                created_at=item.get("created_at"),
                expiration_date=item.get("expiration_date"),
                raw=dict(item),
            )
            for item in items
            if isinstance(item, Mapping)
        ]

    def data_page(self, source_instance_id: str, page_no: int, page_size: int = MAX_PAGE_SIZE) -> DataPage:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise BadRequestError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}", service="floqer")
        envelope = self.api.request_json(
            "GET",
            f"/api/v1/sources/{_path_id(source_instance_id)}/data",
            params={"page_no": page_no, "page_size": page_size},
        )
        data = _data(envelope, "data")
        rows = data.get("rows")
        total = data.get("total_count")
        if not isinstance(rows, list) or isinstance(total, bool) or not isinstance(total, int):
            raise BadResponseError("floqer data: expected {rows: [...], total_count: int}", service="floqer")
        return DataPage(rows=rows, total_count=total, page_no=page_no, page_size=page_size)

    def iter_pages(
        self, source_instance_id: str, *, start_page: int = 1, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[DataPage]:
        """Pages from ``start_page`` until the last one, re-reading ``total_count`` as it grows."""
        page_no = start_page
        while True:
            page = self.data_page(source_instance_id, page_no, page_size)
            yield page
            if not page.rows or page_no * page_size >= page.total_count:
                return
            page_no += 1

    def sync(
        self,
        source_instance_id: str,
        *,
        workflow_id: str,
        field_mapping: Mapping[str, str],
        push_existing: bool = True,
        run: str = "all",
    ) -> dict[str, Any]:
        """Connect the source to a workflow. ``run`` other than "none" spends credits: never retried."""
        problems = []
        if run not in SYNC_RUNS:
            problems.append(f"run must be one of {', '.join(SYNC_RUNS)}, got {run!r}")
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", workflow_id):
            problems.append(f"workflow_id must be a UUID, got {workflow_id!r}")
        bad_keys = [k for k in field_mapping if not k.startswith("input.")]
        if bad_keys:
            problems.append(
                f"field_mapping keys must be workflow inputs like 'input.job_title', got {bad_keys}"
            )
        if problems:
            raise BadRequestError("floqer sync: " + "; ".join(problems), service="floqer", problems=problems)
        body = {
            "workflow_id": workflow_id,
            "field_mapping": dict(field_mapping),
            "push_existing": push_existing,
            "run": run,
        }
        envelope = self.api.request_json(
            "POST",
            f"/api/v1/sources/{_path_id(source_instance_id)}/sync",
            json_body=body,
            retry=run == "none",
        )
        return dict(_data(envelope, "sync"))

    def set_status(self, source_instance_id: str, status: str) -> str:
        """Pause ("paused") or resume ("active"); returns the source's new lifecycle status."""
        if status not in ("active", "paused"):
            raise BadRequestError(f'status must be "active" or "paused", got {status!r}', service="floqer")
        envelope = self.api.request_json(
            "PATCH", f"/api/v1/sources/{_path_id(source_instance_id)}/status", json_body={"status": status}
        )
        data = envelope.get("data") if isinstance(envelope, Mapping) else None
        if isinstance(data, Mapping):
            return str(data.get("status") or status)
        return str(data or status)

    def _check(self, body: Mapping[str, Any], *, create: bool) -> None:
        problems = validate_search_body(body, create=create)
        if problems:
            raise BadRequestError(
                "floqer request not sent: " + "; ".join(problems), service="floqer", problems=problems
            )


def _data(envelope: Any, what: str) -> Mapping[str, Any]:
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    if not isinstance(data, Mapping):
        raise BadResponseError(f"floqer {what}: the answer has no data object", service="floqer")
    return data


def _path_id(source_instance_id: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", source_instance_id):
        raise BadRequestError(f"source id {source_instance_id!r} is not a source UUID", service="floqer")
    return source_instance_id
