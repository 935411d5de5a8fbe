"""The sandbox's Floqer: the Track Job Postings source, per ``shared/api/floqer-track-job-postings.txt``.

Endpoints (under the Floqer base URL)::

    POST  /api/v1/sources/track_job_postings/preview   sources:read   free sample page
    POST  /api/v1/sources/track_job_postings           sources:write  create an ongoing source
    GET   /api/v1/sources                              sources:read   the caller's sources
    GET   /api/v1/sources/{id}/data                    sources:read   rows imported so far, paginated
    POST  /api/v1/sources/{id}/sync                    sources:write  push rows to a workflow (credits)
    PATCH /api/v1/sources/{id}/status                  sources:write  pause / resume

A created source lives in sandbox time: its first fetch runs ``first_fetch_delay`` after create, then every
``run_interval``; each run imports the market's postings discovered since the previous run that match the
filters (capped by ``max_count``, one credit per row), until ``expiration_date`` passes. Runs happen lazily:
every request first brings every source up to the clock's "now".

Choices the documents leave open, made here on purpose and written down in docs/sandbox.md: a 400 body is
``{"status", "error", "message", "errors": [{"field", "code", "message"}]}``; ``sync`` errors use the nested
``{"error": {"code", "message"}}`` form (so clients must read both forms); preview returns up to 25 rows; the
default posted-date lookback is 30 days; ``/data`` lists rows in import order, or in the source's ``order_by``
order when it has one (so new rows of a newest-first source appear at the front).

``FloqerSettings`` also holds the knobs the profiles (``profiles.py``) turn: the listing absent or paged, the
``/data`` body in another shape, ``retryAfter`` as a string, strictness, type quirks in imported rows, a
deleted and a completed source at startup, and ``/data``'s paging: a page size cap below 200 (clamped or a
400), a page past the end as a 404 or 400, ``rows: null`` on an empty page, 400s in NestJS's shape.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from typing import Any, Literal

from matcher.common.errors import SandboxError
from matcher.sandbox.faults import FaultRule
from matcher.sandbox.http import Request, Response, Route, json_response
from matcher.sandbox.market import Market, catalog

SOURCE_ID = "track_job_postings"
SORT_FIELDS = ("date_posted", "discovered_at", "salary", "job_title", "company", "num_jobs")
PREVIEW_KEYS = frozenset({"filters", "start_date", "expiration_date", "max_count"})
CREATE_KEYS = PREVIEW_KEYS | {"name"}
SYNC_KEYS = frozenset({"workflow_id", "field_mapping", "push_existing", "run"})
SYNC_RUNS = ("none", "first_10", "all")
LIST_FILTERS = (
    "job_title_or",
    "job_title_not",
    "job_description_pattern_or",
    "job_technology_slug_or",
    "job_country_code_or",
    "job_seniority_or",
    "company_name_or",
    "company_name_not",
)
BOOL_FILTERS = ("remote", "hybrid")
INT_FILTERS = ("posted_at_max_age_days", "min_employee_count", "max_employee_count")
PREVIEW_ROWS = 25
DEFAULT_LOOKBACK_DAYS = 30
MAX_LOOKBACK_DAYS = 180
TOTAL_RESULTS_CAP = 10_000
MAX_PAGE_SIZE = 200
LIFECYCLE_STATUSES = ("active", "completed", "paused", "paused_out_of_credits", "expired", "deleted")
SOURCE_LISTINGS = ("list", "paged", "absent")
DATA_SHAPES = ("rows", "data", "list")
OVER_CAP = ("reject", "clamp")  # a page_size above the cap: a 400, or served at the cap without a word
PAST_END = ("empty", "404", "400")  # a page_no past the last page: an empty page, or an error
EMPTY_ROWS = ("list", "null")  # an empty page's rows: [] or null
BAD_REQUEST_SHAPES = ("errors", "message-list")
# The document's row fields that describe the company (nested in ``company_object`` by the job API it mirrors)
COMPANY_FIELDS = (
    "name",
    "domain",
    "industry",
    "industry_id",
    "company_country",
    "company_country_code",
    "employee_count",
    "employee_count_range",
    "logo",
    "linkedin_url",
    "linkedin_id",
    "url_source",
    "is_recruiting_agency",
    "yc_batch",
    "num_jobs",
    "num_jobs_last_30_days",
    "num_technologies",
    "founded_year",
    "annual_revenue_usd",
    "annual_revenue_usd_readable",
    "total_funding_usd",
    "last_funding_round_date",
    "last_funding_round_amount_readable",
    "funding_stage",
    "investors",
    "publicly_traded_symbol",
    "publicly_traded_exchange",
    "company_keywords",
    "company_tags",
    "technology_slugs",
)
# The document's flat location fields (the nested form holds them in a ``locations`` list instead)
LOCATION_FIELDS = (
    "location",
    "short_location",
    "long_location",
    "city",
    "state_code",
    "postal_code",
    "country",
    "country_code",
    "countries",
    "country_codes",
    "cities",
    "continents",
    "latitude",
    "longitude",
)
SALARY_NUMBERS = (
    "min_annual_salary",
    "max_annual_salary",
    "min_annual_salary_usd",
    "max_annual_salary_usd",
    "avg_annual_salary_usd",
)
ROW_QUIRKS = (
    "int_flags",
    "string_statuses",
    "date_posted_time",
    "string_reposted",
    "discovered_at_space",
    "string_salaries",
    "nested_locations",
    "nested_company",
)

# Workflows known to the sandbox account, with the inputs a field_mapping may fill.
WORKFLOWS: dict[str, frozenset[str]] = {
    "6f1c0a52-3a8e-4e0b-9a57-1d2c3b4a5f60": frozenset(
        {"input.job_title", "input.company", "input.company_domain", "input.url", "input.location"}
    ),
    "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70": frozenset({"input.company_domain", "input.job_title"}),
}


def flat_error(status: int, message: str, **extra: Any) -> Response:
    """Floqer's flat error body: ``{"status", "error": <HTTP reason>, "message"}``."""
    payload: dict[str, Any] = {"status": status, "error": HTTPStatus(status).phrase, "message": message}
    payload.update(extra)
    return json_response(status, payload)


def nested_error(status: int, code: str, message: str) -> Response:
    """The nested form some Floqer endpoints use: ``{"error": {"code", "message"}}``."""
    return json_response(status, {"error": {"code": code, "message": message}})


def bad_request(problems: list[dict[str, str]], shape: str = "errors") -> Response:
    """A 400 listing every problem: ``{"status", "error", "message", "errors": [{field, code, message}]}``,
    or with ``shape="message-list"`` NestJS's ``{"statusCode": 400, "message": [...], "error"}``."""
    if shape == "message-list":
        listed = [p["message"] for p in problems]
        return json_response(400, {"statusCode": 400, "message": listed, "error": "Bad Request"})
    count = len(problems)
    summary = "; ".join(p["message"] for p in problems)
    message = f"Invalid request body ({count} problem{'s' if count != 1 else ''}): {summary}"
    return flat_error(400, message, errors=problems)


def iso_millis(instant: datetime) -> str:
    """``2026-05-27T12:00:00.000Z``, the timestamp shape of Floqer's create response."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def parse_date(value: Any) -> date | None:
    """A date from "YYYY-MM-DD" or any ISO-like date-time string; None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10]) if len(text) == 10 else None
    except ValueError:
        return None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _company_attr(row: dict[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    nested = row.get("company_object")
    return nested.get(key) if isinstance(nested, dict) else None


@dataclass(frozen=True, kw_only=True)
class SearchSpec:
    """A validated ``filters`` object: what to match and how to order."""

    title_or: tuple[str, ...] = ()
    title_not: tuple[str, ...] = ()
    description_patterns: tuple[re.Pattern[str], ...] = ()
    technologies: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    seniorities: frozenset[str] = frozenset()
    companies_in: frozenset[str] = frozenset()
    companies_out: frozenset[str] = frozenset()
    remote: bool | None = None
    hybrid: bool | None = None
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    min_employees: int | None = None
    max_employees: int | None = None
    order_by: tuple[tuple[str, bool], ...] = ()

    def match(self, row: dict[str, Any]) -> tuple[list[str], list[str]] | None:
        """(matching_phrases, matching_words) when ``row`` matches, else None."""
        title = str(row.get("job_title") or "").lower()
        phrases: list[str] = []
        if self.title_or:
            phrases = [p for p in self.title_or if _phrase_in(p, title)]
            if not phrases:
                return None
        if any(_phrase_in(p, title) for p in self.title_not):
            return None
        if self.description_patterns:
            text = str(row.get("description") or "")
            hits = [p.pattern for p in self.description_patterns if p.search(text)]
            if not hits:
                return None
            phrases.extend(hits)
        words: list[str] = []
        if self.technologies:
            words = sorted(self.technologies.intersection(row.get("job_technology_slugs") or ()))
            if not words:
                return None
        if self.countries:
            codes = {str(c).upper() for c in (row.get("country_codes") or ())}
            codes.add(str(row.get("country_code") or "").upper())
            if not codes & self.countries:
                return None
        if self.seniorities and row.get("seniority") not in self.seniorities:
            return None
        company = str(row.get("company") or "").lower()
        if self.companies_in and company not in self.companies_in:
            return None
        if company in self.companies_out:
            return None
        if self.remote is not None and bool(row.get("remote")) is not self.remote:
            return None
        if self.hybrid is not None and bool(row.get("hybrid")) is not self.hybrid:
            return None
        if self.min_employees is not None or self.max_employees is not None:
            employees = _company_attr(row, "employee_count")
            if not isinstance(employees, int):
                return None
            if self.min_employees is not None and employees < self.min_employees:
                return None
            if self.max_employees is not None and employees > self.max_employees:
                return None
        for phrase in phrases:
            words.extend(w for w in re.findall(r"\w+", phrase.lower()) if w not in words)
        return phrases, words


def _phrase_in(phrase: str, title: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", title) is not None


def parse_filters(
    filters: Any, problems: list[dict[str, str]], warnings: list[dict[str, str]], *, strict: bool = False
) -> SearchSpec:
    """Validate ``filters`` the way the server does, appending every problem (not just the first).

    ``strict``: a ``filters`` object whose values are all empty is refused like an empty object.
    """
    if filters is None:
        problems.append(_problem("filters", "required", "filters is required"))
        return SearchSpec()
    if not isinstance(filters, dict):
        problems.append(
            _problem("filters", "invalid_type", f"filters must be an object, got {_kind(filters)}")
        )
        return SearchSpec()
    if not filters:
        problems.append(_problem("filters", "empty", "filters must contain at least one filter key"))
        return SearchSpec()
    if strict and all(_is_empty(v) for v in filters.values()):
        message = "filters must contain at least one filter key with a value (every value is empty)"
        problems.append(_problem("filters", "empty", message))
        return SearchSpec()
    spec: dict[str, Any] = {}
    for key, value in filters.items():
        where = f"filters.{key}"
        if key in LIST_FILTERS:
            if _is_empty(value):
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(_problem(where, "invalid_type", f"{where} must be an array of strings"))
                continue
            values = [v for v in value if v.strip()]
            if key == "job_description_pattern_or":
                compiled = []
                for pattern in values:
                    try:
                        compiled.append(re.compile(pattern, re.IGNORECASE))
                    except re.error as exc:
                        problems.append(_problem(where, "invalid_pattern", f"{where}: {pattern!r}: {exc}"))
                spec["description_patterns"] = tuple(compiled)
            elif key == "job_title_or":
                spec["title_or"] = tuple(values)
            elif key == "job_title_not":
                spec["title_not"] = tuple(values)
            elif key == "job_technology_slug_or":
                spec["technologies"] = frozenset(v.lower() for v in values)
            elif key == "job_country_code_or":
                spec["countries"] = frozenset(v.upper() for v in values)
            elif key == "job_seniority_or":
                spec["seniorities"] = frozenset(values)
            elif key == "company_name_or":
                spec["companies_in"] = frozenset(v.lower() for v in values)
            else:
                spec["companies_out"] = frozenset(v.lower() for v in values)
        elif key in BOOL_FILTERS:
            if value is None or value == "":
                continue
            if not isinstance(value, bool):
                problems.append(_problem(where, "invalid_type", f"{where} must be true or false"))
                continue
            spec[key] = value
        elif key in INT_FILTERS:
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(_problem(where, "invalid_value", f"{where} must be a non-negative integer"))
                continue
            if key == "posted_at_max_age_days":
                if value < 1:
                    problems.append(_problem(where, "invalid_value", f"{where} must be at least 1"))
                    continue
                if value > MAX_LOOKBACK_DAYS:
                    warnings.append(_problem(where, "capped", f"{where} capped at {MAX_LOOKBACK_DAYS} days"))
                spec["lookback_days"] = min(value, MAX_LOOKBACK_DAYS)
            elif key == "min_employee_count":
                spec["min_employees"] = value
            else:
                spec["max_employees"] = value
        elif key == "order_by":
            if _is_empty(value):
                continue
            if not isinstance(value, list):
                problems.append(
                    _problem(where, "invalid_type", f"{where} must be an array of {{field, desc}}")
                )
                continue
            order: list[tuple[str, bool]] = []
            for i, entry in enumerate(value):
                if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
                    problems.append(_problem(f"{where}[{i}]", "invalid_type", f"{where}[{i}] needs a field"))
                    continue
                desc = entry.get("desc", True)
                if not isinstance(desc, bool):
                    problems.append(_problem(f"{where}[{i}].desc", "invalid_type", "desc must be a boolean"))
                    continue
                if entry["field"] in SORT_FIELDS:  # the document: other sort fields are dropped silently
                    order.append((entry["field"], desc))
            spec["order_by"] = tuple(order)
        else:
            warnings.append(
                _problem(
                    where, "unknown_filter", f"{where} is not a filter the sandbox knows; it was ignored"
                )
            )
    return SearchSpec(**spec)


def _problem(field_name: str, code: str, message: str) -> dict[str, str]:
    return {"field": field_name, "code": code, "message": message}


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _sort_value(row: Any, name: str) -> Any:
    if not isinstance(row, dict):
        return None
    if name in ("date_posted", "discovered_at"):
        value = row.get(name)
        return value if isinstance(value, str) else None
    if name == "salary":
        for key in ("max_annual_salary_usd", "avg_annual_salary_usd", "min_annual_salary_usd"):
            value = row.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
        return None
    if name in ("job_title", "company"):
        value = row.get(name)
        return value.lower() if isinstance(value, str) else None
    value = _company_attr(row, "num_jobs")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sort_rows(rows: Sequence[Any], order: Sequence[tuple[str, bool]], key: Callable[[Any], Any]) -> list[Any]:
    """Rows ordered by several ``(field, desc)`` directives, stable, nulls last in either direction.

    ``key`` maps an item of ``rows`` to the posting row the fields are read from.
    """
    result = list(rows)
    for name, desc in reversed(order):
        present = [r for r in result if _sort_value(key(r), name) is not None]
        missing = [r for r in result if _sort_value(key(r), name) is None]
        present.sort(key=lambda r, n=name: _sort_value(key(r), n), reverse=desc)  # type: ignore[misc]
        result = present + missing
    return result


@dataclass(kw_only=True)
class Entry:
    """One row of a source's table; ``seq`` is its import sequence (the tie-break of every order)."""

    seq: int
    row: Any


@dataclass(kw_only=True)
class Source:
    """A created Track Job Postings source and everything it imported."""

    id: str
    name: str
    spec: SearchSpec
    start_date: date | None
    expiration_date: date
    max_count: int | None
    created_at: datetime
    next_run_at: datetime
    status: str = "active"
    last_run_at: datetime | None = None
    entries: list[Entry] = field(default_factory=list)
    imported_ids: set[Any] = field(default_factory=set)
    runs: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 0

    def add(self, rows: Iterable[dict[str, Any]], *, front: bool = False) -> int:
        new = []
        for row in rows:
            self.imported_ids.add(row.get("id"))
            new.append(Entry(seq=self.next_seq, row=row))
            self.next_seq += 1
        self.entries = new + self.entries if front else self.entries + new
        return len(new)

    def resort(self) -> None:
        if self.spec.order_by:
            self.entries = sort_rows(self.entries, self.spec.order_by, key=lambda e: e.row)

    def listing(self) -> dict[str, Any]:
        return {
            "source_instance_id": self.id,
            "name": self.name,
            "source_id": SOURCE_ID,
            "status": self.status,
            "lead_count": len(self.entries),
            "created_at": iso_millis(self.created_at),
            "expiration_date": self.expiration_date.isoformat(),
        }


@dataclass(kw_only=True)
class FloqerSettings:
    """Knobs of the sandbox's Floqer account (profiles set them; see ``matcher/sandbox/profiles.py``)."""

    credits: int = 1_000_000
    first_fetch_delay: timedelta = timedelta(minutes=1)
    run_interval: timedelta = timedelta(days=1)
    legacy_create_id: bool = False  # answer create with ``source_id`` (the older API version's name)
    # ``GET /api/v1/sources``: "list" (data: [items]), "paged" (data: {sources, total_count, page_no,
    # page_size}, page_size capped at ``listing_page_size``) or "absent" (a 404)
    source_listing: Literal["list", "paged", "absent"] = "list"
    listing_page_size: int = 2
    # ``/data``'s body: "rows" (data: {rows, total_count, page_no, page_size}), "data" (data: {data: [rows]},
    # preview's shape) or "list" (data: [rows])
    data_shape: Literal["rows", "data", "list"] = "rows"
    retry_after_as_string: bool = False  # 429 bodies carry retryAfter as a string ("2")
    # no lenient spots: preview ignores start_date, sync requires field_mapping, all-empty filters are a
    # 400, and so are unknown keys in a status body
    strict: bool = False
    row_quirks: float = 0.0  # share of imported rows given type quirks (kept in the source: re-reads agree)
    lifecycle_sources: bool = False  # start with a deleted and a completed source (``lifecycle_ids``)
    # ``/data`` paging: the largest page_size served ("max 200" leaves a lower cap open) and what a larger
    # one gets: "reject" (a 400 naming page_size) or "clamp" (served at the cap; the body's page_size says
    # so in the "rows" shape, the other shapes say nothing)
    page_size_cap: int = MAX_PAGE_SIZE
    over_page_cap: Literal["reject", "clamp"] = "reject"
    past_end: Literal["empty", "404", "400"] = "empty"  # a page_no past the last page (page 1 never is)
    empty_rows: Literal["list", "null"] = "list"  # an empty page's rows: [] or null
    bad_request_shape: Literal["errors", "message-list"] = "errors"  # the 400 body of /data

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SandboxError("FloqerSettings: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the knobs (empty when nothing is)."""
        found = []
        if self.source_listing not in SOURCE_LISTINGS:
            found.append(f"source_listing: got {self.source_listing!r}, expected one of {SOURCE_LISTINGS}")
        if self.data_shape not in DATA_SHAPES:
            found.append(f"data_shape: got {self.data_shape!r}, expected one of {DATA_SHAPES}")
        if isinstance(self.listing_page_size, bool) or not (
            isinstance(self.listing_page_size, int) and self.listing_page_size >= 1
        ):
            found.append(f"listing_page_size: got {self.listing_page_size!r}, expected a positive integer")
        if not 0.0 <= self.row_quirks <= 1.0:
            found.append(f"row_quirks: got {self.row_quirks!r}, expected a share in [0, 1]")
        if isinstance(self.page_size_cap, bool) or not (
            isinstance(self.page_size_cap, int) and 1 <= self.page_size_cap <= MAX_PAGE_SIZE
        ):
            found.append(f"page_size_cap: got {self.page_size_cap!r}, expected 1..{MAX_PAGE_SIZE}")
        for name, allowed in (
            ("over_page_cap", OVER_CAP),
            ("past_end", PAST_END),
            ("empty_rows", EMPTY_ROWS),
            ("bad_request_shape", BAD_REQUEST_SHAPES),
        ):
            if getattr(self, name) not in allowed:
                found.append(f"{name}: got {getattr(self, name)!r}, expected one of {allowed}")
        return found


class FloqerService:
    """State and endpoints of the sandbox's Floqer account. Not thread-safe: the app serializes calls."""

    def __init__(self, *, market: Market, settings: FloqerSettings, seed: int) -> None:
        self.market = market
        self.settings = settings
        self.seed = seed
        self.credits = settings.credits
        self.sources: dict[str, Source] = {}
        self._ids = random.Random(f"floqer-sources-{seed}")
        self._extra_salt = 0
        self.quirks: dict[Any, tuple[str, ...]] = {}  # posting id -> the quirks its imported rows carry
        self.lifecycle_ids: dict[str, str] = {}  # "deleted" / "completed" -> source id (lifecycle_sources)

    # -- routing -----------------------------------------------------------------------------------------
    def resolve(self, method: str, path: str) -> Route | None:
        """The route for a path below the Floqer base URL, or None when there is none."""
        parts = path.strip("/").split("/")
        if parts[:3] != ["api", "v1", "sources"]:
            return None
        rest = parts[3:]
        if rest == [SOURCE_ID, "preview"] and method == "POST":
            return Route("floqer.preview", "sources:read", self.preview, {})
        if rest == [SOURCE_ID] and method == "POST":
            return Route("floqer.create", "sources:write", self.create, {})
        if not rest and method == "GET" and self.settings.source_listing != "absent":
            return Route("floqer.list", "sources:read", self.list_sources, {})
        if len(rest) == 2 and rest[0] != SOURCE_ID:
            params = {"source_id": rest[0]}
            if rest[1] == "data" and method == "GET":
                return Route("floqer.data", "sources:read", self.data, params)
            if rest[1] == "sync" and method == "POST":
                return Route("floqer.sync", "sources:write", self.sync, params)
            if rest[1] == "status" and method == "PATCH":
                return Route("floqer.status", "sources:write", self.set_status, params)
        return None

    # -- time --------------------------------------------------------------------------------------------
    def advance(self, now: datetime) -> None:
        """Run every scheduled fetch that is due at ``now``, in time order, and expire finished sources."""
        for source in self.sources.values():
            while source.status == "active" and source.next_run_at <= now:
                if source.next_run_at.date() > source.expiration_date:
                    source.status = "expired"
                    break
                self._run(source, source.next_run_at)
                source.next_run_at += self.settings.run_interval
            if source.status in ("active", "paused") and now.date() > source.expiration_date:
                source.status = "expired"

    def _run(self, source: Source, at: datetime) -> None:
        market = self.market
        hi = bisect.bisect_right(market.discovered_at, at)
        lo = (
            0 if source.last_run_at is None else bisect.bisect_right(market.discovered_at, source.last_run_at)
        )
        oldest = (at - timedelta(days=source.spec.lookback_days)).date().isoformat()
        if source.start_date is not None:
            oldest = max(oldest, source.start_date.isoformat())
        found: list[dict[str, Any]] = []
        for row in market.postings[lo:hi]:
            if str(row.get("date_posted") or "") < oldest or row["id"] in source.imported_ids:
                continue
            hit = source.spec.match(row)
            if hit is not None:
                found.append(_with_matches(row, hit))
        ordered = sort_rows(found, source.spec.order_by or (("date_posted", True),), key=lambda r: r)
        if source.max_count is not None:
            ordered = ordered[: source.max_count]
        affordable = min(len(ordered), self.credits)
        imported = source.add(self._quirked(ordered[:affordable]))
        self.credits -= imported
        source.resort()
        source.last_run_at = at
        source.runs.append({"at": at.isoformat(), "found": len(found), "imported": imported})
        if affordable < len(ordered):
            source.status = "paused_out_of_credits"

    def next_slot(self, source: Source, after: datetime) -> datetime:
        """The first slot of the source's schedule at or after ``after``."""
        first = source.created_at + self.settings.first_fetch_delay
        if after <= first:
            return first
        steps = math.ceil((after - first) / self.settings.run_interval)
        return first + steps * self.settings.run_interval

    # -- endpoints ---------------------------------------------------------------------------------------
    def preview(self, request: Request, now: datetime) -> Response:
        body, problems, warnings = self._body(request, PREVIEW_KEYS)
        if body is None:
            return bad_request(problems)
        spec = parse_filters(body.get("filters"), problems, warnings, strict=self.settings.strict)
        self._check_dates(body, problems, create=False, now=now)
        max_count = self._check_max_count(body, problems)
        if problems:
            return bad_request(problems)
        start = parse_date(body.get("start_date")) if body.get("start_date") else None
        if self.settings.strict:  # the document: start_date is "Accepted but ignored on preview"
            start = None
        rows = self._search(spec, now, start)
        limit = PREVIEW_ROWS if max_count is None else min(PREVIEW_ROWS, max_count)
        metadata: dict[str, Any] = {"total_results": min(len(rows), TOTAL_RESULTS_CAP)}
        if len(rows) > TOTAL_RESULTS_CAP:
            metadata["capped"] = True
        payload: dict[str, Any] = {"status": 200, "data": {"data": rows[:limit], "metadata": metadata}}
        if warnings:
            payload["warnings"] = warnings
        return json_response(200, payload)

    def create(self, request: Request, now: datetime) -> Response:
        body, problems, warnings = self._body(request, CREATE_KEYS)
        if body is None:
            return bad_request(problems)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(_problem("name", "required", "name is required: a non-empty display name"))
        spec = parse_filters(body.get("filters"), problems, warnings, strict=self.settings.strict)
        self._check_dates(body, problems, create=True, now=now)
        max_count = self._check_max_count(body, problems)
        if problems:
            return bad_request(problems)
        assert isinstance(name, str)
        expiration = parse_date(body["expiration_date"])
        assert expiration is not None
        source_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        source = Source(
            id=source_id,
            name=name,
            spec=spec,
            start_date=parse_date(body.get("start_date")) if body.get("start_date") else None,
            expiration_date=expiration,
            max_count=max_count,
            created_at=now,
            next_run_at=now + self.settings.first_fetch_delay,
        )
        self.sources[source_id] = source
        id_key = "source_id" if self.settings.legacy_create_id else "source_instance_id"
        data = {id_key: source_id, "name": name, "created_at": iso_millis(now)}
        payload: dict[str, Any] = {"status": 201, "data": data}
        if warnings:
            payload["warnings"] = warnings
        return json_response(201, payload)

    def list_sources(self, request: Request, now: datetime) -> Response:
        items = [s.listing() for s in sorted(self.sources.values(), key=lambda s: (s.created_at, s.id))]
        if self.settings.source_listing != "paged":
            return json_response(200, {"status": 200, "data": items})
        problems: list[dict[str, str]] = []
        page_no = _int_param(request, "page_no", 1, problems, minimum=1)
        page_size = _int_param(request, "page_size", 20, problems, minimum=1)
        if problems:
            return bad_request(problems)
        page_size = min(page_size, self.settings.listing_page_size)
        offset = (page_no - 1) * page_size
        data = {
            "sources": items[offset : offset + page_size],
            "total_count": len(items),
            "page_no": page_no,
            "page_size": page_size,
        }
        return json_response(200, {"status": 200, "data": data})

    def data(
        self, request: Request, now: datetime, *, source_id: str, faults: Sequence[FaultRule] = ()
    ) -> Response:
        source = self._live(source_id)
        if source is None:
            return flat_error(404, f"Source {source_id} not found")
        settings = self.settings
        problems: list[dict[str, str]] = []
        page_no = _int_param(request, "page_no", 1, problems, minimum=1)
        cap = settings.page_size_cap
        page_size = _int_param(
            request,
            "page_size",
            20,
            problems,
            minimum=1,
            maximum=None if settings.over_page_cap == "clamp" else cap,
        )
        if problems:
            return bad_request(problems, settings.bad_request_shape)
        page_size = min(page_size, cap)
        if page_no > 1 and (page_no - 1) * page_size >= len(source.entries) and settings.past_end != "empty":
            last = max(1, -(-len(source.entries) // page_size))
            message = f"page_no {page_no} is out of range (last page {last})"
            if settings.past_end == "404":
                return flat_error(404, message)
            return bad_request([_problem("page_no", "out_of_range", message)], settings.bad_request_shape)
        for rule in faults:
            if rule.kind in ("insert_front", "append_rows"):
                self._inject(source, now, int(rule.params.get("count", 5)), front=rule.kind == "insert_front")
        offset = (page_no - 1) * page_size
        page = source.entries[offset : offset + page_size]
        for rule in faults:
            if rule.kind == "malformed_row" and page:
                index = min(int(rule.params.get("index", 0)), len(page) - 1)
                page[index].row = _malform(page[index].row, str(rule.params.get("how", "missing_id")))
        rows: list[Any] | None = [e.row for e in page]
        if not rows and settings.empty_rows == "null":
            rows = None
        if settings.data_shape == "list":
            return json_response(200, {"status": 200, "data": rows})
        if settings.data_shape == "data":
            return json_response(200, {"status": 200, "data": {"data": rows}})
        data = {
            "rows": rows,
            "total_count": len(source.entries),
            "page_no": page_no,
            "page_size": page_size,
        }
        return json_response(200, {"status": 200, "data": data})

    def sync(self, request: Request, now: datetime, *, source_id: str) -> Response:
        source = self._live(source_id)
        if source is None:
            return nested_error(404, "not_found", f"Source {source_id} not found")
        body, problems, _ = self._body(request, SYNC_KEYS)
        if body is None:
            return nested_error(400, "invalid_body", problems[0]["message"])
        workflow_id = body.get("workflow_id")
        if not isinstance(workflow_id, str) or not _is_uuid(workflow_id):
            problems.append(_problem("workflow_id", "invalid_value", "workflow_id must be a workflow UUID"))
        if self.settings.strict and "field_mapping" not in body:  # the document's body: not optional
            problems.append(_problem("field_mapping", "required", "field_mapping is required"))
        mapping = body.get("field_mapping", {})
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            problems.append(
                _problem("field_mapping", "invalid_type", "field_mapping must map inputs to fields")
            )
            mapping = {}
        push_existing = body.get("push_existing", True)
        if not isinstance(push_existing, bool):
            problems.append(_problem("push_existing", "invalid_type", "push_existing must be a boolean"))
        run = body.get("run", "all")
        if run not in SYNC_RUNS:
            problems.append(_problem("run", "invalid_value", f"run must be one of {', '.join(SYNC_RUNS)}"))
        if problems:
            return nested_error(400, "invalid_body", "; ".join(p["message"] for p in problems))
        assert isinstance(workflow_id, str)
        inputs = WORKFLOWS.get(workflow_id)
        if inputs is None:
            return nested_error(404, "not_found", f"Workflow {workflow_id} not found")
        unknown = sorted(k for k in mapping if k not in inputs)
        if unknown:
            return nested_error(400, "unknown_input", f"unknown input: {', '.join(unknown)}")
        pushed = len(source.entries) if push_existing else 0
        to_run = {"none": 0, "first_10": min(10, pushed), "all": pushed}[str(run)]
        spent = min(to_run, self.credits)
        self.credits -= spent
        data = {
            "source_instance_id": source.id,
            "workflow_id": workflow_id,
            "push_existing": push_existing,
            "run": run,
            "rows_pushed": pushed,
            "rows_run": spent,
            "credits_used": spent,
        }
        payload: dict[str, Any] = {"status": 200, "data": data}
        if spent < to_run:
            payload["warnings"] = [
                _problem("run", "out_of_credits", f"only {spent} of {to_run} rows were run")
            ]
        return json_response(200, payload)

    def set_status(self, request: Request, now: datetime, *, source_id: str) -> Response:
        source = self._live(source_id)
        if source is None:
            return flat_error(404, f"Source {source_id} not found")
        body, problems, _ = self._body(request, frozenset({"status"}))
        if body is None or (problems and self.settings.strict):
            return bad_request(problems)
        wanted = body.get("status")
        if wanted not in ("active", "paused"):
            return bad_request([_problem("status", "invalid_value", 'status must be "active" or "paused"')])
        if source.status in ("expired", "completed", "deleted"):
            message = f"Source {source.id} is {source.status}; it can no longer be paused or resumed"
            return bad_request([_problem("status", "invalid_state", message)])
        if wanted == "paused":
            source.status = "paused"
        elif source.status != "active":
            source.status = "active"
            source.next_run_at = self.next_slot(source, now)
        return json_response(
            200, {"status": 200, "data": {"source_instance_id": source.id, "status": source.status}}
        )

    # -- lifecycle control (the sandbox's control API, not Floqer's) ------------------------------------
    def seed_lifecycle_sources(self, now: datetime) -> dict[str, str]:
        """Create the ``deleted`` and ``completed`` sources of the ``deleted-source`` profile.

        Both were created ten days before ``now`` from fixed, seed-derived UUIDs and ran on their daily
        schedule until ``now`` (their rows cost no credits of the account as it starts); then one was deleted
        and the other completed. Returns {"deleted": id, "completed": id}.
        """
        ids = random.Random(f"floqer-lifecycle-sources-{self.seed}")
        credits = self.credits
        created = now - timedelta(days=10)
        plans = [
            ("deleted", "Deleted: engineering hires", ("engineer", "developer")),
            ("completed", "Completed: data and product hires", ("data", "analyst", "product", "designer")),
        ]
        for status, name, titles in plans:
            source = Source(
                id=str(uuid.UUID(int=ids.getrandbits(128), version=4)),
                name=name,
                spec=SearchSpec(title_or=titles),
                start_date=None,
                expiration_date=(now + timedelta(days=60)).date(),
                max_count=None,
                created_at=created,
                next_run_at=created + self.settings.first_fetch_delay,
            )
            self.sources[source.id] = source
            self.advance(now)
            source.status = status
            self.lifecycle_ids[status] = source.id
        self.credits = credits
        return dict(self.lifecycle_ids)

    def set_source_status(self, source_id: str, status: str, now: datetime) -> dict[str, Any]:
        """Move a source to any lifecycle status (``deleted``: 404 everywhere but the listing)."""
        if status not in LIFECYCLE_STATUSES:
            expected = ", ".join(LIFECYCLE_STATUSES)
            raise SandboxError(f"source status: got {status!r}, expected one of {expected}")
        source = self.sources.get(source_id)
        if source is None:
            raise SandboxError(f"source {source_id!r}: no such source")
        if status == "active" and source.status != "active":
            source.next_run_at = self.next_slot(source, now)
        source.status = status
        return source.listing()

    def source_rows(self, source_id: str) -> list[Any]:
        """Every row the source's ``/data`` serves, in order (none for a deleted source)."""
        source = self.sources.get(source_id)
        if source is None:
            raise SandboxError(f"source {source_id!r}: no such source")
        return [] if source.status == "deleted" else [e.row for e in source.entries]

    # -- helpers -----------------------------------------------------------------------------------------
    def _live(self, source_id: str) -> Source | None:
        """The source, unless it does not exist or was deleted (both are a 404)."""
        source = self.sources.get(source_id)
        return None if source is None or source.status == "deleted" else source

    def _quirked(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows as stored by the source: with ``row_quirks`` set, a share of them get type quirks.

        Whether a posting is quirked, and how, depends only on the seed and its id, so two sources that
        import the same posting store the same row.
        """
        share = self.settings.row_quirks
        if share <= 0:
            return list(rows)
        result = []
        for row in rows:
            rng = random.Random(f"{self.seed}-posting-quirks-{row.get('id')}")
            if rng.random() < share:
                row, names = quirk_row(row, rng)
                self.quirks[row.get("id")] = names
            result.append(row)
        return result

    def _body(
        self, request: Request, allowed: frozenset[str]
    ) -> tuple[dict[str, Any] | None, list[dict[str, str]], list[dict[str, str]]]:
        problems: list[dict[str, str]] = []
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            return None, [_problem("body", "invalid_json", f"body is not valid JSON: {exc}")], []
        if not isinstance(body, dict):
            return (
                None,
                [_problem("body", "invalid_type", f"body must be a JSON object, got {_kind(body)}")],
                [],
            )
        for key in sorted(set(body) - allowed):
            problems.append(_problem(key, "unknown_key", f"unknown top-level key {key!r}"))
        return body, problems, []

    def _check_dates(
        self, body: dict[str, Any], problems: list[dict[str, str]], *, create: bool, now: datetime
    ) -> None:
        for key in ("start_date", "expiration_date"):
            value = body.get(key)
            if value is None:
                if key == "expiration_date" and create:
                    problems.append(_problem(key, "required", "expiration_date is required on create"))
                continue
            parsed = parse_date(value)
            if parsed is None:
                problems.append(
                    _problem(key, "invalid_date", f"{key} must be a valid date string, got {value!r}")
                )
            elif key == "expiration_date" and create and parsed < now.date():
                message = f"expiration_date {value!r} is in the past (today is {now.date().isoformat()})"
                problems.append(_problem(key, "invalid_date", message))

    def _check_max_count(self, body: dict[str, Any], problems: list[dict[str, str]]) -> int | None:
        if "max_count" not in body or body["max_count"] is None:
            return None
        value = body["max_count"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value != value:
            problems.append(
                _problem("max_count", "invalid_value", f"max_count must be a positive number, got {value!r}")
            )
            return None
        return max(1, math.floor(value))

    def _search(self, spec: SearchSpec, now: datetime, start: date | None) -> list[dict[str, Any]]:
        hi = bisect.bisect_right(self.market.discovered_at, now)
        oldest = (now - timedelta(days=spec.lookback_days)).date().isoformat()
        if start is not None:
            oldest = max(oldest, start.isoformat())
        found = []
        for row in self.market.postings[:hi]:
            if str(row.get("date_posted") or "") < oldest:
                continue
            hit = spec.match(row)
            if hit is not None:
                found.append(_with_matches(row, hit))
        return sort_rows(found, spec.order_by or (("date_posted", True),), key=lambda r: r)

    def _inject(self, source: Source, now: datetime, count: int, *, front: bool) -> None:
        self._extra_salt += 1
        rows = self.market.extra_postings(count, discovered_at=now, salt=self._extra_salt)
        source.add(self._quirked(rows), front=front)


def _with_matches(row: dict[str, Any], hit: tuple[list[str], list[str]]) -> dict[str, Any]:
    copy = dict(row)
    copy["matching_phrases"], copy["matching_words"] = hit
    return copy


def quirk_row(row: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A copy of ``row`` with one or two type quirks real services send, and their names (``ROW_QUIRKS``).

    The row keeps its id and its meaning: only how values are typed or where they sit changes.
    """
    applicable = [
        name
        for name in ROW_QUIRKS
        if (name != "nested_company" or not isinstance(row.get("company_object"), dict))
        and (name != "string_salaries" or any(_is_number(row.get(k)) for k in SALARY_NUMBERS))
        and (name != "nested_locations" or "country_code" in row)
        and (name != "string_statuses" or isinstance(row.get("employment_statuses"), list))
    ]
    names = tuple(sorted(rng.sample(applicable, k=min(len(applicable), rng.choice((1, 1, 2))))))
    copy = dict(row)
    for name in names:
        if name == "int_flags":
            copy["remote"], copy["hybrid"] = int(bool(row.get("remote"))), int(bool(row.get("hybrid")))
        elif name == "string_statuses":
            copy["employment_statuses"] = ",".join(str(v) for v in row["employment_statuses"])
        elif name == "date_posted_time":
            posted = str(row.get("date_posted") or "")
            if posted and rng.random() < 0.75:
                hour, minute = rng.randrange(24), rng.choice((0, 15, 30, 45))
                copy["date_posted"] = f"{posted}T{hour:02d}:{minute:02d}:00Z"
            else:
                copy["date_posted"] = ""
        elif name == "string_reposted":
            copy["reposted"] = "true" if row.get("reposted") else "false"
        elif name == "discovered_at_space":
            copy["discovered_at"] = str(row.get("discovered_at") or "").replace("T", " ")
        elif name == "string_salaries":
            for key in SALARY_NUMBERS:
                if _is_number(row.get(key)):
                    value = row[key]
                    copy[key] = str(int(value)) if float(value).is_integer() else str(value)
        elif name == "nested_locations":
            locations = row.get("locations")
            if not isinstance(locations, list) or not locations:
                locations = [_location_entry(row)]
            else:
                locations = [dict(entry) for entry in locations]
            if rng.random() < 0.3:
                other = _other_city(row, rng)
                if other is not None:
                    locations.append(other)
            for key in LOCATION_FIELDS:
                copy.pop(key, None)
            copy["locations"] = locations
        else:  # nested_company
            copy["company_object"] = {key: copy.pop(key) for key in COMPANY_FIELDS if key in copy}
    return copy, names


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@functools.cache
def _cities() -> dict[tuple[str, str], list[Any]]:
    """The seed catalogue's cities by (country code, name): [cc, name, state, state_code, postal, ...]."""
    return {(str(c[0]), str(c[1])): c for c in catalog()["cities"]}


def _location_entry(row: dict[str, Any]) -> dict[str, Any]:
    """The nested ``locations`` entry for a row's flat location fields."""
    cc = row.get("country_code")
    city = _cities().get((str(cc), str(row.get("city"))))
    long_location = row.get("long_location")
    state = city[2] if city else None
    if state is None and isinstance(long_location, str) and long_location.count(", ") == 2:
        state = long_location.split(", ")[1]
    return {
        "name": long_location,
        "city": row.get("city"),
        "state": state,
        "state_code": row.get("state_code"),
        "country_code": cc,
        "latitude": row.get("latitude"),
        "longitude": row.get("longitude"),
        "admin1_code": row.get("state_code"),
    }


def _other_city(row: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    """A second place in the posting's country (a multi-location posting), or None when there is none."""
    cc = row.get("country_code")
    if not isinstance(cc, str):
        entries = row.get("locations")
        first = entries[0] if isinstance(entries, list) and entries else {}
        cc = first.get("country_code") if isinstance(first, dict) else None
    here = row.get("city")
    choices = [c for (code, name), c in sorted(_cities().items()) if code == cc and name != here]
    if not choices:
        return None
    city = rng.choice(choices)
    country = row.get("country") or cc
    return {
        "name": f"{city[1]}, {city[2]}, {country}",
        "city": city[1],
        "state": city[2],
        "state_code": city[3],
        "country_code": city[0],
        "latitude": city[5],
        "longitude": city[6],
        "admin1_code": city[3],
    }


def _malform(row: Any, how: str) -> Any:
    if not isinstance(row, dict):
        return row
    broken = dict(row)
    if how == "missing_id":
        broken.pop("id", None)
    elif how == "bad_date":
        broken["date_posted"] = "31/02/2026"
        broken["discovered_at"] = "yesterday"
    elif how == "wrong_type":
        broken["remote"] = "sometimes"
        broken["job_technology_slugs"] = "python, go"
        broken["min_annual_salary"] = {"amount": "lots"}
    else:
        return f"<row {row.get('id')} could not be serialized>"
    return broken


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _int_param(
    request: Request,
    name: str,
    default: int,
    problems: list[dict[str, str]],
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    raw = request.param(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(_problem(name, "invalid_value", f"{name} must be an integer, got {raw!r}"))
        return default
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        problems.append(_problem(name, "invalid_value", f"{name} must be {allowed}, got {value}"))
    return value
