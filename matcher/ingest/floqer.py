"""Floqer client: every endpoint of the Track Job Postings document, validated locally before sending.

>>> api = ApiClient(service="floqer", base_url="https://api.floqer.com", api_key=key)  # doctest: +SKIP
>>> FloqerClient(api).preview({"job_title_or": ["Data Engineer"]}).total_results     # doctest: +SKIP
412

A client fetches; it does not normalize. Credit-spending calls (``create``; ``sync`` with ``run`` other than
"none") are sent once and never retried automatically: a lost answer does not mean no credits were spent.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from matcher.common.errors import (
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    NotFoundError,
)
from matcher.ingest.http import ApiClient, smaller_page_size
from matcher.ingest.http import json_count as _count

log = logging.getLogger("matcher.ingest.floqer")

SOURCE_ID = "track_job_postings"
SORT_FIELDS = frozenset({"date_posted", "discovered_at", "salary", "job_title", "company", "num_jobs"})
PREVIEW_KEYS = frozenset({"filters", "start_date", "expiration_date", "max_count"})
CREATE_KEYS = PREVIEW_KEYS | {"name"}
SYNC_RUNS = ("none", "first_10", "all")
MAX_PAGE_SIZE = 200
MAX_LOOKBACK_DAYS = 180
STATUSES = ("active", "completed", "paused", "paused_out_of_credits", "expired", "deleted")
# a source in one of these imports nothing any more, whatever is done at Floqer (a paused one can resume)
ENDED_STATUSES = frozenset({"expired", "completed", "deleted"})
ATTENTION = {
    "expired": "expired: it no longer imports postings (create a new source to keep monitoring)",
    "paused_out_of_credits": "paused: out of credits (top up, then `matcher floqer status ID --resume`)",
    "paused": "paused: no new postings are imported until it is resumed",
    "completed": "completed: it no longer imports postings (create a new source to keep monitoring)",
    "deleted": "deleted at Floqer: its rows can no longer be read (`matcher floqer untrack` stops it)",
}
# The filter vocabulary of the document's field catalogue (section 5), with the type each value must have.
# The document calls these "common keys" of a richer vocabulary: a key outside it is refused unless the
# caller allows it by name (a typo such as "job_title_of" would otherwise import every recent posting).
LIST_FILTERS = frozenset(
    {
        "job_title_or",
        "job_title_not",
        "job_description_pattern_or",
        "job_technology_slug_or",
        "job_country_code_or",
        "job_seniority_or",
        "company_name_or",
        "company_name_not",
    }
)
BOOL_FILTERS = frozenset({"remote", "hybrid"})
COUNT_FILTERS = frozenset({"posted_at_max_age_days", "min_employee_count", "max_employee_count"})
FILTER_KEYS = LIST_FILTERS | BOOL_FILTERS | COUNT_FILTERS | {"order_by"}
# Keys that narrow the postings to a set someone chose: titles, countries, technologies, companies, levels,
# a work arrangement, a headcount bound. Exclusions (``*_not``), the lookback and the order narrow nothing on
# their own: a filter set without one of these imports every recent posting and pays for all of them.
SELECTIVE = frozenset(
    {
        "job_title_or",
        "job_description_pattern_or",
        "job_technology_slug_or",
        "job_country_code_or",
        "job_seniority_or",
        "company_name_or",
        "remote",
        "hybrid",
        "min_employee_count",
        "max_employee_count",
    }
)
# The imported row fields of the document's field catalogue (section 5): what a sync's field_mapping may map
ROW_FIELDS = frozenset(
    """id job_title normalized_title url final_url source_url date_posted discovered_at description reposted
    date_reposted easy_apply manager_roles matching_phrases matching_words job_technology_slugs keyword_slugs
    seniority employment_statuses remote hybrid location short_location long_location city state_code
    postal_code country country_code countries country_codes cities continents latitude longitude
    salary_string salary_currency min_annual_salary max_annual_salary min_annual_salary_usd
    max_annual_salary_usd avg_annual_salary_usd company company_domain hiring_team name domain industry
    industry_id company_country company_country_code employee_count employee_count_range logo linkedin_url
    linkedin_id url_source is_recruiting_agency yc_batch num_jobs num_jobs_last_30_days num_technologies
    founded_year annual_revenue_usd annual_revenue_usd_readable total_funding_usd last_funding_round_date
    last_funding_round_amount_readable funding_stage investors publicly_traded_symbol publicly_traded_exchange
    company_keywords company_tags technology_slugs company_object locations""".split()
)
# Seen in the job API Floqer mirrors (CONTRACT-NOTES: inferred): other values draw a warning, not a refusal.
SENIORITIES = ("c_level", "staff", "senior", "mid_level", "junior")


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
    """One page of a source's rows; ``total_count`` is None when the server does not send it.

    ``page_size`` is the size asked for; ``server_page_size`` a smaller size the server says it used.
    ``full``: the page holds as many rows as the server pages by (a cursor may move past it); ``last``: no
    page follows it (``iter_pages`` decides, from the page and the count).
    """

    rows: list[Any]
    total_count: int | None
    page_no: int
    page_size: int
    warnings: list[dict[str, Any]] = field(default_factory=list)
    server_page_size: int | None = None
    full: bool = False
    last: bool = True


@dataclass(frozen=True, kw_only=True)
class SourceListing:
    """The caller's sources, or why they could not be listed (the listing's path is only inferred)."""

    sources: list[SourceInfo]
    available: bool = True
    reason: str | None = None

    def get(self, source_instance_id: str) -> SourceInfo | None:
        return next((s for s in self.sources if s.source_instance_id == source_instance_id), None)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _is_blank(value: Any) -> bool:
    """Empty as Floqer reads it: null, "", [], {}, or a list of blank strings only."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(isinstance(v, str) and not v.strip() for v in value)
    return _is_empty(value)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _nearest(key: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(key, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def validate_filters(
    filters: Any, *, allow_keys: Iterable[str] = (), require_selective: bool = True
) -> tuple[list[str], list[str]]:
    """(problems, warnings) of a ``filters`` object, checked against the documented vocabulary.

    A problem blocks the request: an unknown key (the nearest valid one is named), a value of the wrong
    type, a filter set with no non-empty value, or (``require_selective``) one that only sets the lookback
    or the order and so would import every recent posting. Warnings do not block: a seniority outside the
    values seen in the wild, a country code that is not two letters, a lookback above Floqer's cap.

    >>> validate_filters({"job_title_of": ["Data Engineer"]})[0]
    ["filters.job_title_of: not a documented filter key (did you mean 'job_title_or'?)", ...]
    """
    problems: list[str] = []
    warnings: list[str] = []
    if not isinstance(filters, Mapping):
        return [f"filters: got {type(filters).__name__}, expected an object"], warnings
    allowed = FILTER_KEYS | set(allow_keys)
    for key in sorted(set(filters) - allowed, key=str):
        near = _nearest(str(key), FILTER_KEYS)
        hint = f" (did you mean {near!r}?)" if near else ""
        problems.append(
            f"filters.{key}: not a documented filter key{hint}; documented keys: "
            f"{', '.join(sorted(FILTER_KEYS))} (allow another key by name if Floqer documents it)"
        )
    for key, value in filters.items():
        where = f"filters.{key}"
        if _is_empty(value) or key not in FILTER_KEYS:
            continue
        if key in LIST_FILTERS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{where}: got {_shown(value)}, expected an array of strings")
                continue
            blank = [v for v in value if not v.strip()]
            if blank:  # Floqer ignores empty values: [""] is no filter at all
                warnings.append(f"{where}: {len(blank)} empty value(s) ignored")
            if key == "job_seniority_or":
                odd = [v for v in value if v not in SENIORITIES]
                if odd:
                    warnings.append(
                        f"{where}: {odd} not among the seniorities seen in Floqer rows "
                        f"({', '.join(SENIORITIES)}); postings may not match"
                    )
            if key == "job_country_code_or":
                odd = [v for v in value if not re.fullmatch(r"[A-Za-z]{2}", v.strip())]
                if odd:
                    warnings.append(f"{where}: {odd} are not ISO 3166-1 alpha-2 codes like 'US'")
            if key == "job_description_pattern_or":
                for pattern in value:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        problems.append(f"{where}: pattern {pattern!r} is not a valid pattern ({exc})")
        elif key in BOOL_FILTERS:
            if not isinstance(value, bool):
                problems.append(f"{where}: got {_shown(value)}, expected true or false")
        elif key in COUNT_FILTERS:
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if "age" in key else 0):
                expected = "a positive integer" if "age" in key else "a non-negative integer"
                problems.append(f"{where}: got {_shown(value)}, expected {expected}")
            elif key == "posted_at_max_age_days" and value > MAX_LOOKBACK_DAYS:
                warnings.append(
                    f"{where}: {value} is above Floqer's cap; it will be read as {MAX_LOOKBACK_DAYS}"
                )
        elif key == "order_by":
            well_formed = isinstance(value, list) and all(
                isinstance(o, Mapping)
                and isinstance(o.get("field"), str)
                and isinstance(o.get("desc", True), bool)
                for o in value
            )
            if not well_formed:
                problems.append(f"{where}: got {_shown(value)}, expected a list of {{field, desc}}")
            else:
                dropped = [o["field"] for o in value if o["field"] not in SORT_FIELDS]
                if dropped:
                    warnings.append(
                        f"{where}: {dropped} not sortable ({', '.join(sorted(SORT_FIELDS))}); "
                        "Floqer drops them"
                    )
    present = {k for k, v in filters.items() if not _is_blank(v)}
    if not present:
        problems.append(
            "filters: no filter has a value (empty arrays, strings and null are ignored): "
            "Floqer would refuse it, or import every recent posting"
        )
    elif (
        require_selective
        and not present & (SELECTIVE | set(allow_keys)) - {"min_employee_count"}
        and not (_positive(filters.get("min_employee_count")))
    ):
        problems.append(
            f"filters: only {', '.join(sorted(present))} set: that selects every recent posting and spends "
            "credits on all of them; add titles, countries, technologies, companies or levels "
            "(or --broad if that is what you mean)"
        )
    return problems, warnings


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_search_body(
    body: Mapping[str, Any],
    *,
    create: bool,
    allow_keys: Iterable[str] = (),
    require_selective: bool = True,
) -> list[str]:
    """Every problem the server would reject ``body`` for, or that would spend credits on postings nobody
    asked for, found before anything is sent (see ``validate_filters``).

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
        problems.extend(
            validate_filters(filters, allow_keys=allow_keys, require_selective=require_selective)[0]
        )
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
    """Floqer's Track Job Postings endpoints over an ``ApiClient``.

    Args:
        api: the HTTP seam.
        allow_filter_keys: filter keys to accept besides the documented vocabulary (the document calls
            its list "common keys"; name others here once Floqer documents them to you).
    """

    MAX_LISTING_PAGES = 500

    def __init__(self, api: ApiClient, *, allow_filter_keys: Iterable[str] = ()) -> None:
        self.api = api
        self.allow_filter_keys = frozenset(allow_filter_keys)
        self.page_size_cap: int | None = None  # a smaller page_size the server asked for (a 400)

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> FloqerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preview(self, filters: Mapping[str, Any], **options: Any) -> Preview:
        """A free sample page for ``filters`` (nothing is created, no credits spent)."""
        body = {"filters": dict(filters), **options}
        self._check(body, create=False, broad=True)
        envelope = self.api.request_json("POST", f"/api/v1/sources/{SOURCE_ID}/preview", json_body=body)
        data = _data(envelope, "preview")
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        rows = _rows_of(data)
        total = _count(metadata.get("total_results"))
        return Preview(
            rows=rows or [],
            total_results=total if total is not None else len(rows or []),
            capped=metadata.get("capped") is True,
            warnings=_warnings(envelope),
        )

    def create(
        self,
        *,
        name: str,
        filters: Mapping[str, Any],
        expiration_date: str,
        max_count: int | None = None,
        start_date: str | None = None,
        broad: bool = False,
    ) -> CreatedSource:
        """Create an ongoing source. Spends credits: checked first, sent once, never retried automatically.

        ``broad`` allows a filter set that only sets the lookback or the order (every recent posting).
        """
        body: dict[str, Any] = {"name": name, "filters": dict(filters), "expiration_date": expiration_date}
        if max_count is not None:
            body["max_count"] = max_count
        if start_date is not None:
            body["start_date"] = start_date
        self._check(body, create=True, broad=broad)
        envelope = self.api.request_json("POST", f"/api/v1/sources/{SOURCE_ID}", json_body=body, retry=False)
        data = _data(envelope, "create")
        source_id = data.get("source_instance_id") or data.get("source_id") or data.get("id")
        if not isinstance(source_id, str) or not source_id:
            raise BadResponseError(
                f"floqer POST /api/v1/sources/{SOURCE_ID}: the source may have been created, but the answer "
                f"names no source_instance_id (keys {sorted(data)}); check `matcher floqer list` before "
                "creating it again",
                service="floqer",
            )
        return CreatedSource(
            source_instance_id=source_id,
            name=str(data.get("name") or name),
            created_at=str(data.get("created_at") or ""),
            warnings=_warnings(envelope),
        )

    def list_sources(self, page_size: int = 100) -> list[SourceInfo]:
        """Every source of the caller, reading the listing page by page when it is paged.

        The listing's path (``GET /api/v1/sources``) is inferred: a 404 raises ``NotFoundError``; use
        ``listing()`` where the listing is optional.
        """
        found: dict[str, SourceInfo] = {}
        page_no = 1
        previous: list[str] | None = None
        while page_no <= self.MAX_LISTING_PAGES:
            envelope = self.api.request_json(
                "GET", "/api/v1/sources", params={"page_no": page_no, "page_size": page_size}
            )
            items, total, has_more = _listing_page(envelope)
            ids = [_source_info(item).source_instance_id for item in items]
            if ids == previous:  # the server ignores page_no: this page was seen already
                break
            for item in items:
                info = _source_info(item)
                found.setdefault(info.source_instance_id, info)
            previous = ids
            if not items:
                break
            if has_more is not None:
                more = has_more
            elif total is not None:
                more = len(found) < total
            else:
                more = len(items) >= page_size  # a full page with no count: there may be another
            if not more:
                break
            page_no += 1
        return list(found.values())

    def listing(self) -> SourceListing:
        """The source listing, or why this account has none to give (404/403, or an answer of another
        shape). A service that cannot be reached still raises."""
        try:
            return SourceListing(sources=self.list_sources())
        except (NotFoundError, ForbiddenError, BadResponseError) as exc:
            return SourceListing(sources=[], available=False, reason=str(exc))

    def data_page(self, source_instance_id: str, page_no: int, page_size: int = MAX_PAGE_SIZE) -> DataPage:
        """One page of a source's rows. Accepts ``{rows, total_count}`` (the inferred shape), rows under
        ``data`` or ``items`` as preview returns them, or ``data`` as the list itself; ``total_count`` may
        be missing (then the caller pages until an empty page); ``rows: null`` is an empty page.

        A 400 that names ``page_size`` (a server whose cap is below the documented 200) is asked again with
        the cap it names, else 100, 50, 20; the cap is remembered (``page_size_cap``) for later pages."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise BadRequestError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}", service="floqer")
        path = f"/api/v1/sources/{_path_id(source_instance_id)}/data"
        size = min(page_size, self.page_size_cap or page_size)
        try:
            envelope = self.api.request_json("GET", path, params={"page_no": page_no, "page_size": size})
        except BadRequestError as exc:
            cap = smaller_page_size(exc, size, r"page[_ ]?size")
            if cap is None:
                raise
            log.warning(
                "floqer GET %s: page_size %d refused (%s); asking %d rows a page from now on",
                path,
                size,
                " ".join(str(exc).split())[:200],
                cap,
            )
            self.page_size_cap = cap
            return self.data_page(source_instance_id, page_no, page_size)
        data = envelope.get("data") if isinstance(envelope, Mapping) else None
        echoed: Any = None
        if isinstance(data, list):
            rows: list[Any] | None = data
            total = _count(envelope.get("total_count"))
        elif isinstance(data, Mapping):
            rows = _rows_of(data)
            total = _count(data.get("total_count", data.get("total")))
            if total is None and isinstance(data.get("metadata"), Mapping):
                total = _count(data["metadata"].get("total_count", data["metadata"].get("total_results")))
            echoed = _count(data.get("page_size"))
        elif data is None and isinstance(envelope, Mapping) and "data" in envelope:
            rows, total = [], None  # "data": null: nothing on this page
        else:
            rows, total = None, None
        if rows is None:
            shape = sorted(data) if isinstance(data, Mapping) else type(data).__name__
            raise BadResponseError(
                f"floqer GET {path}: expected rows under data.rows, data.data or data (got {shape})",
                service="floqer",
            )
        server_size = echoed if echoed is not None and 1 <= echoed < size else None
        full = bool(rows) and len(rows) >= (server_size or size)
        return DataPage(
            rows=rows,
            total_count=total,
            page_no=page_no,
            page_size=size,
            warnings=_warnings(envelope),
            server_page_size=server_size,
            full=full,
            last=not full,
        )

    def iter_pages(
        self, source_instance_id: str, *, start_page: int = 1, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[DataPage]:
        """Pages from ``start_page`` until the last one: an empty page, a short page whose ``total_count``
        says it is the last, or the page that reaches ``total_count`` (re-read on every page, as it grows).
        A server that answers the same rows for the next page number (it ignores ``page_no``) ends the
        paging.

        The documents leave the server room to page by a smaller size than asked (a lower cap, or the
        default 20 when ``page_size`` is ignored): the size it echoes is used, and a page shorter than asked
        whose ``total_count`` says more rows follow is not the last one (its length is the server's size).
        Without a ``total_count`` a short page cannot tell, so the next page is read too: only an empty page
        (or a repeated one) ends such a source.
        A page past the end answered 404 or 400 (instead of empty) ends the paging when page 1 still
        answers; that page's ``total_count`` is the one reported."""
        page_no = start_page
        previous: list[Any] | None = None
        learned: int | None = None  # the server's page size, when it pages by fewer rows than asked
        while True:
            try:
                page = self.data_page(source_instance_id, page_no, page_size)
            except (NotFoundError, BadRequestError) as exc:
                if page_no <= 1:
                    raise
                first = self.data_page(source_instance_id, 1, page_size)  # raises when the source is gone
                log.info(
                    "floqer %s: page %d answered %s while page 1 answers: read as the end of the rows",
                    source_instance_id,
                    page_no,
                    exc.status,
                )
                yield DataPage(
                    rows=[],
                    total_count=first.total_count,
                    page_no=page_no,
                    page_size=first.page_size,
                    last=True,
                )
                return
            if previous is not None and page.rows and page.rows == previous:
                return
            page = _with_end(page, learned)
            if not page.last and len(page.rows) < page.page_size:
                learned = max(learned or 0, len(page.rows))
            yield page
            if page.last:
                return
            previous = page.rows
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
        """Connect the source to a workflow. ``run`` other than "none" spends credits: never retried.

        The answer's ``warnings`` (server notes such as credits running out) are under ``"warnings"``.
        """
        problems = []
        if run not in SYNC_RUNS:
            problems.append(f"run must be one of {', '.join(SYNC_RUNS)}, got {run!r}")
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", workflow_id):
            problems.append(f"workflow_id must be a UUID, got {workflow_id!r}")
        if not field_mapping:
            problems.append(
                "field_mapping is empty: map at least one workflow input (input.job_title=job_title)"
            )
        bad_keys = [k for k in field_mapping if not k.startswith("input.")]
        if bad_keys:
            problems.append(
                f"field_mapping keys must be workflow inputs like 'input.job_title', got {bad_keys}"
            )
        for key, value in field_mapping.items():
            if value not in ROW_FIELDS | self.allow_filter_keys:
                near = _nearest(str(value), ROW_FIELDS)
                hint = f" (did you mean {near!r}?)" if near else ""
                problems.append(
                    f"field_mapping {key}: {value!r} is not a row field of the document's catalogue{hint}; "
                    "the workflow would run on empty inputs"
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
        result = dict(_data(envelope, "sync"))
        warnings = _warnings(envelope)
        if warnings:
            result["warnings"] = warnings
        return result

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

    def _check(self, body: Mapping[str, Any], *, create: bool, broad: bool) -> None:
        problems = validate_search_body(
            body, create=create, allow_keys=self.allow_filter_keys, require_selective=not broad
        )
        if problems:
            raise BadRequestError(
                "floqer request not sent: " + "; ".join(problems), service="floqer", problems=problems
            )


def _rows_of(data: Mapping[str, Any]) -> list[Any] | None:
    for key in ("rows", "data", "items", "results"):
        value = data.get(key)
        if isinstance(value, list):
            return value
    for key in ("rows", "data", "items", "results"):
        if key in data and data[key] is None:  # "rows": null on an empty page
            return []
    return None


def _with_end(page: DataPage, learned: int | None) -> DataPage:
    """``page`` with ``full`` and ``last`` decided from its rows, its count and the server's page size
    (echoed, or ``learned`` from an earlier page shorter than asked while the count said more)."""
    if not page.rows:
        return dataclasses.replace(page, full=False, last=True)
    size = page.server_page_size or learned or page.page_size
    total = page.total_count
    if len(page.rows) >= size:
        done = total is not None and page.page_no * size >= total
        return dataclasses.replace(page, full=True, last=done)
    if total is None:  # a short page and no count: maybe the last, maybe the server's smaller page size
        return dataclasses.replace(page, full=False, last=False)  # the next page (empty, or more) decides
    for guess in (page.page_size, size):  # a short last page at the size asked (or the server's)
        if (page.page_no - 1) * guess + len(page.rows) >= total:
            return dataclasses.replace(page, full=False, last=True)
    # shorter than asked while the count says more rows follow: the server pages by this many rows
    return dataclasses.replace(page, full=True, last=False)


def _warnings(envelope: Any) -> list[dict[str, Any]]:
    """The envelope's ``warnings`` as objects (a bare string becomes ``{"message": ...}``)."""
    raw = envelope.get("warnings") if isinstance(envelope, Mapping) else None
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [dict(w) if isinstance(w, Mapping) else {"message": str(w)} for w in raw]


def warning_text(warning: Mapping[str, Any]) -> str:
    """One line for a server warning: ``field: message (code)``."""
    field_name, message, code = warning.get("field"), warning.get("message"), warning.get("code")
    text = str(message or code or warning)
    if field_name:
        text = f"{field_name}: {text}"
    if code and message:
        text += f" ({code})"
    return text


def _listing_page(envelope: Any) -> tuple[list[Mapping[str, Any]], int | None, bool | None]:
    """(items, total, has_more) of one listing answer, in the shapes seen or documented."""
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    total: int | None = None
    has_more: bool | None = None
    if isinstance(data, list):
        items: Any = data
        total = _count(envelope.get("total_count"))
    elif isinstance(data, Mapping):
        items = next(
            (data[k] for k in ("sources", "items", "data", "rows") if isinstance(data.get(k), list)), None
        )
        total = _count(data.get("total_count", data.get("total")))
        flag = data.get("has_more", data.get("hasNextPage", data.get("has_next_page")))
        has_more = flag if isinstance(flag, bool) else None
    else:
        items = None
    if not isinstance(items, list):
        raise BadResponseError(
            "floqer GET /api/v1/sources: expected a list of sources under data", service="floqer"
        )
    return [item for item in items if isinstance(item, Mapping)], total, has_more


def _source_info(item: Mapping[str, Any]) -> SourceInfo:
    count = _count(item.get("lead_count"))
    # the older API version names the instance's UUID ``source_id`` (as its create answer does); the
    # documented listing's ``source_id`` is the source type, "track_job_postings"
    older = item.get("source_id") if item.get("source_id") != SOURCE_ID else None
    return SourceInfo(
        source_instance_id=str(item.get("source_instance_id") or item.get("id") or older or ""),
        name=str(item.get("name") or ""),
        status=str(item.get("status") or "unknown").strip().lower(),  # "Paused" is paused
        lead_count=count,
        created_at=item.get("created_at") if isinstance(item.get("created_at"), str) else None,
        expiration_date=item.get("expiration_date") if isinstance(item.get("expiration_date"), str) else None,
        raw=dict(item),
    )


def _data(envelope: Any, what: str) -> Mapping[str, Any]:
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    if not isinstance(data, Mapping):
        raise BadResponseError(f"floqer {what}: the answer has no data object", service="floqer")
    return data


def _path_id(source_instance_id: str) -> str:
    if not is_source_id(source_instance_id):
        raise BadRequestError(
            f"source id: got {source_instance_id!r}, expected a source UUID (letters, digits, '-', '_')",
            service="floqer",
        )
    return source_instance_id


def is_source_id(text: str) -> bool:
    """Whether ``text`` can be a source id in a URL path (the UUID create returns, or an older id)."""
    return bool(re.fullmatch(r"[A-Za-z0-9_-]{1,100}", text))
