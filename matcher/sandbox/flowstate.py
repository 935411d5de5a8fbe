"""The sandbox's Flowstate: vacancies and what they reference, per ``shared/api/flowstate-vacancies.txt``.

Endpoints (under ``{flowstate base}/org/{orgId}``)::

    GET    /vacancies            vacancies:read    page, limit (<= 200), search, sortBy, sortDir, scenarioId,
                                                   excludeFilled (default true: filled vacancies hidden)
    GET    /vacancies/{id}       vacancies:read    scenarioId honoured too
    POST   /vacancies            vacancies:write   201
    PATCH  /vacancies/{id}       vacancies:write   ``metadata`` is REPLACED wholesale, never merged
    DELETE /vacancies/{id}       vacancies:write   204
    GET    /locations[/{id}]     locations:read
    GET    /job-roles[/{id}]     job-roles:read
    GET    /work-types[/{id}]    work-types:read   also served as /resource-types (the v1.1 name, its
                                                   scope resource-types:read); ``work_types_path`` keeps one

Errors are ``{"error": {"code", "message", "details"?: [{"field", "message"}], "errorId"}}``. Money is kept
exact: request bodies are parsed with ``Decimal`` and amounts are stored and answered as two-decimal strings.

``FlowstateSettings`` holds the knobs the profiles turn: the work types' path, ``limit``'s maximum and
whether a larger one is a 400 or clamped, ``meta`` without ``total``/``hasNextPage``, a tenant before v1.2
(``excludeFilled`` unknown), an empty ``metadata`` served as ``[]``, strict ``sortBy``, the quirk vacancies.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from matcher.common.errors import SandboxError
from matcher.sandbox.http import Request, Response, Route, empty_response, json_response
from matcher.sandbox.market import Market

VACANCY_STATUSES = ("open", "filled", "cancelled", "on_hold")
VACANCY_FIELDS = (
    "id",
    "role",
    "description",
    "status",
    "fte",
    "targetStartDate",
    "targetFillDate",
    "jobRoleId",
    "workTypeId",
    "geographyId",
    "salaryMin",
    "salaryMax",
    "currencyCode",
    "filledByLiveEmployeeId",
    "hiringManagerId",
    "metadata",
    "createdAt",
    "updatedAt",
)
READ_ONLY = frozenset({"id", "createdAt", "updatedAt"})
WRITABLE = frozenset(VACANCY_FIELDS) - READ_ONLY | {"externalId", "filledByLiveContractorId"}
SORTABLE: dict[str, tuple[str, ...]] = {
    "vacancies": (
        "role",
        "status",
        "fte",
        "targetStartDate",
        "targetFillDate",
        "salaryMin",
        "salaryMax",
        "currencyCode",
        "createdAt",
        "updatedAt",
    ),
    "locations": ("name", "countryCode", "region", "sortOrder", "createdAt", "updatedAt"),
    "job-roles": ("name", "sortOrder", "externalId"),
    "work-types": ("name", "appliesToType", "sortOrder", "createdAt", "updatedAt"),
}
# strict_sort: only what the document shows (sortBy=targetStartDate in its example, role the default) for
# vacancies; reference lists are sorted by their default only (sortOrder), or by name
STRICT_SORTABLE: dict[str, tuple[str, ...]] = {
    "vacancies": ("role", "targetStartDate"),
    "locations": ("sortOrder", "name"),
    "job-roles": ("sortOrder", "name"),
    "work-types": ("sortOrder", "name"),
}
WORK_TYPE_PATHS = ("both", "work-types", "resource-types")
DEFAULT_SORT = {
    "vacancies": "role",
    "locations": "sortOrder",
    "job-roles": "sortOrder",
    "work-types": "sortOrder",
}
REFERENCES = {"jobRoleId": "job-roles", "workTypeId": "work-types", "geographyId": "locations"}
ERROR_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "INTERNAL_ERROR",
    503: "INTERNAL_ERROR",
    504: "INTERNAL_ERROR",
}


@dataclass(kw_only=True)
class FlowstateSettings:
    """Knobs of the sandbox's Flowstate tenant (profiles set them; see ``matcher/sandbox/profiles.py``)."""

    max_limit: int = 200  # "max 200 on older pages, 100 on newer ones"
    # where work types are served: both names, or only /work-types, or only /resource-types (v1.1)
    work_types_path: Literal["both", "work-types", "resource-types"] = "both"
    strict_sort: bool = False  # sortBy only as documented (``STRICT_SORTABLE``)
    vacancy_quirks: bool = False  # add the vacancies (and work types) with rare documented fields
    over_limit: Literal["reject", "clamp"] = "reject"  # a limit above max_limit: 400, or served at the max
    list_meta: Literal["full", "page-limit"] = "full"  # "page-limit": meta {page, limit} only
    # "unknown": a tenant before v1.2, whose lists know no excludeFilled (400 naming it) and hide nothing
    exclude_filled: Literal["supported", "unknown"] = "supported"
    empty_metadata: Literal["object", "array"] = "object"  # an empty metadata served as {} or [] (PHP)

    def __post_init__(self) -> None:
        choices = {
            "work_types_path": WORK_TYPE_PATHS,
            "over_limit": ("reject", "clamp"),
            "list_meta": ("full", "page-limit"),
            "exclude_filled": ("supported", "unknown"),
            "empty_metadata": ("object", "array"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise SandboxError(
                    f"FlowstateSettings: {name}: got {getattr(self, name)!r}, expected one of {allowed}"
                )


class ErrorIds:
    """Deterministic ``errorId`` values (``err_000001``, ...), so responses repeat byte for byte."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"err_{self.count:06d}"


def flowstate_error(
    status: int, message: str, error_ids: ErrorIds, *, details: list[dict[str, str]] | None = None
) -> Response:
    error: dict[str, Any] = {"code": ERROR_CODES.get(status, "INTERNAL_ERROR"), "message": message}
    if details:
        error["details"] = details
    error["errorId"] = error_ids.next()
    return json_response(status, {"error": error})


def iso_seconds(instant: datetime) -> str:
    """``2026-03-11T09:30:00Z``, Flowstate's timestamp shape."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: Any) -> Decimal | None:
    """An exact amount from a JSON string or number with at most two decimals; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return None
    return amount


class FlowstateService:
    """State and endpoints of the sandbox's Flowstate tenant. Not thread-safe: the app serializes calls."""

    def __init__(self, *, market: Market, org_id: str, settings: FlowstateSettings, seed: int) -> None:
        self.org_id = org_id
        self.settings = settings
        self.errors = ErrorIds()
        self.records: dict[str, dict[str, dict[str, Any]]] = {
            "vacancies": {v["id"]: json.loads(json.dumps(v)) for v in market.vacancies},
            "locations": {r["id"]: dict(r) for r in market.locations},
            "job-roles": {r["id"]: dict(r) for r in market.job_roles},
            "work-types": {r["id"]: dict(r) for r in market.work_types},
        }
        self.scenarios: dict[str, dict[str, Any]] = {s["id"]: s for s in market.scenarios}
        self._ids = random.Random(f"flowstate-ids-{seed}")
        self.quirk_ids: dict[str, str] = {}  # quirk name -> vacancy id (vacancy_quirks)
        if settings.vacancy_quirks:
            self._add_quirks(seed)

    # -- routing -----------------------------------------------------------------------------------------
    def resolve(self, method: str, path: str) -> Route | None:
        """The route for a path below the Flowstate base (``/org/{orgId}/...``), or None."""
        parts = path.strip("/").split("/")
        if not 3 <= len(parts) <= 4 or parts[0] != "org":
            return None
        resource = "work-types" if parts[2] == "resource-types" else parts[2]
        if resource not in SORTABLE:
            return None
        if resource == "work-types" and self.settings.work_types_path not in ("both", parts[2]):
            return None
        name = resource.replace("-", "_")
        read, write = f"{parts[2]}:read", f"{parts[2]}:write"
        params = {"org_id": parts[1]}
        if len(parts) == 3:
            if method == "GET":
                return Route(f"flowstate.{name}.list", read, self._lister(resource), params)
            if method == "POST" and resource == "vacancies":
                return Route("flowstate.vacancies.create", write, self.create_vacancy, params)
            return None
        params["item_id"] = parts[3]
        if method == "GET":
            return Route(f"flowstate.{name}.get", read, self._getter(resource), params)
        if resource == "vacancies" and method == "PATCH":
            return Route("flowstate.vacancies.update", write, self.update_vacancy, params)
        if resource == "vacancies" and method == "DELETE":
            return Route("flowstate.vacancies.delete", write, self.delete_vacancy, params)
        return None

    def error(self, status: int, message: str, details: list[dict[str, str]] | None = None) -> Response:
        return flowstate_error(status, message, self.errors, details=details)

    # -- reads -------------------------------------------------------------------------------------------
    def _view(self, resource: str, scenario_id: str | None) -> dict[str, dict[str, Any]] | Response:
        records = self.records[resource]
        if resource != "vacancies" or not scenario_id:
            return records
        scenario = self.scenarios.get(scenario_id)
        if scenario is None:
            return self.error(404, f"Scenario {scenario_id} not found")
        view = {k: dict(v) for k, v in records.items() if k not in set(scenario.get("removed", ()))}
        for vacancy_id, changes in scenario.get("overrides", {}).items():
            if vacancy_id in view:
                view[vacancy_id].update(changes)
        for added in scenario.get("added", ()):
            view[added["id"]] = dict(added)
        return view

    def _lister(self, resource: str) -> Callable[..., Response]:
        def handler(request: Request, now: datetime, *, org_id: str) -> Response:
            return self.list_records(request, resource)

        return handler

    def _getter(self, resource: str) -> Callable[..., Response]:
        def handler(request: Request, now: datetime, *, org_id: str, item_id: str) -> Response:
            view = self._view(resource, request.param("scenarioId"))
            if isinstance(view, Response):
                return view
            record = view.get(item_id)
            if record is None:
                label = resource.rstrip("s").replace("-", " ").capitalize()
                return self.error(404, f"{label} {item_id} not found")
            return json_response(200, {"data": self._shown(record)})

        return handler

    def list_records(self, request: Request, resource: str) -> Response:
        details: list[dict[str, str]] = []
        page = _positive_int(request, "page", 1, details)
        limit = _positive_int(request, "limit", 20, details)
        if limit > self.settings.max_limit:
            if self.settings.over_limit == "clamp":
                limit = self.settings.max_limit
            else:
                details.append(
                    {"field": "limit", "message": f"limit must be at most {self.settings.max_limit}"}
                )
        sort_by = request.param("sortBy") or DEFAULT_SORT[resource]
        sortable = (STRICT_SORTABLE if self.settings.strict_sort else SORTABLE)[resource]
        if sort_by not in sortable:
            allowed = ", ".join(sortable)
            details.append({"field": "sortBy", "message": f"sortBy {sort_by!r} is not one of: {allowed}"})
        sort_dir = (request.param("sortDir") or "asc").lower()
        if sort_dir not in ("asc", "desc"):
            details.append({"field": "sortDir", "message": f"sortDir must be asc or desc, got {sort_dir!r}"})
        exclude_filled = self.settings.exclude_filled == "supported"
        raw_exclude = request.param("excludeFilled")
        if raw_exclude is not None and not exclude_filled:
            details.append({"field": "excludeFilled", "message": "unknown query parameter excludeFilled"})
        elif raw_exclude is not None:
            if raw_exclude.lower() not in ("true", "false"):
                details.append({"field": "excludeFilled", "message": "excludeFilled must be true or false"})
            exclude_filled = raw_exclude.lower() != "false"
        if details:
            return self.error(400, "Invalid query parameters", details)
        view = self._view(resource, request.param("scenarioId"))
        if isinstance(view, Response):
            return view
        items = list(view.values())
        if resource == "vacancies" and exclude_filled:
            items = [v for v in items if v.get("status") != "filled"]
        search = (request.param("search") or "").strip().lower()
        if search:
            fields = ("role", "description") if resource == "vacancies" else ("name", "description")
            items = [r for r in items if any(search in str(r.get(f) or "").lower() for f in fields)]
        items = _ordered(items, sort_by, sort_dir)
        total = len(items)
        start = (page - 1) * limit
        meta: dict[str, Any] = {"page": page, "limit": limit}
        if self.settings.list_meta == "full":
            meta |= {"total": total, "hasNextPage": start + limit < total}
        served = [self._shown(item) for item in items[start : start + limit]]
        return json_response(200, {"data": served, "meta": meta})

    def _shown(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record as served: an empty ``metadata`` as ``[]`` when ``empty_metadata`` is "array"."""
        if self.settings.empty_metadata == "array" and record.get("metadata") == {}:
            return {**record, "metadata": []}
        return record

    def served_vacancies(self, scenario_id: str | None = None) -> list[dict[str, Any]]:
        """Every vacancy the list serves with ``excludeFilled=false`` (live data, or a scenario's), in the
        list's default order (copies)."""
        if scenario_id and scenario_id not in self.scenarios:
            raise SandboxError(f"scenario {scenario_id!r}: no such scenario; known: {sorted(self.scenarios)}")
        view = self._view("vacancies", scenario_id)
        assert not isinstance(view, Response)
        items = _ordered(list(view.values()), DEFAULT_SORT["vacancies"], "asc")
        return [json.loads(json.dumps(v)) for v in items]

    def _add_quirks(self, seed: int) -> None:
        """The ``vacancy-quirks`` profile: vacancies (and two work types) with rare documented fields.

        Deterministic from the seed; realistic roles the market has postings for, in existing locations.
        """
        rng = random.Random(f"vacancy-quirks-{seed}")
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

        def new_id(prefix: str) -> str:
            return prefix + "".join(rng.choice(alphabet) for _ in range(16 - len(prefix)))

        work_types = self.records["work-types"]
        stamp = {"createdAt": "2026-02-02T08:00:00Z", "updatedAt": "2026-02-02T08:00:00Z"}
        for name, applies in (("Permanent", "employee"), ("Freelance", "contractor")):
            record: dict[str, Any] = {
                "id": new_id("clxw"),
                "name": name,
                "appliesToType": applies,
                "isActive": True,
                "sortOrder": len(work_types) + 1,
                **stamp,
            }
            work_types[record["id"]] = record
        types = {r["name"]: r["id"] for r in work_types.values()}
        places = {r["name"]: r["id"] for r in self.records["locations"].values()}
        roles = {r["name"]: r["id"] for r in self.records["job-roles"].values()}
        # (quirk, role, description, job role, work type, location, band, currency, changes)
        plan: list[tuple[str, str, str, str, str, str, tuple[int, int], str, dict[str, Any]]] = [
            (
                "metadata_null",
                "Backend Engineer",
                "Order management services.",
                "Software Engineering",
                "Full-time",
                "London, UK",
                (70000, 90000),
                "GBP",
                {"metadata": None},
            ),
            (
                "thousands_separators",
                "Data Engineer",
                "Streaming pipelines for the risk team.",
                "Data Engineering",
                "Full-time",
                "New York, NY",
                (120000, 150000),
                "USD",
                {"salaryMin": "120,000.00", "salaryMax": "150,000.00"},
            ),
            (
                "open_but_filled",
                "Product Manager",
                "Partner integrations roadmap.",
                "Product Management",
                "Full-time",
                "London, UK",
                (65000, 85000),
                "GBP",
                {"isFilled": True},
            ),
            (
                "filled_by_contractor",
                "Frontend Engineer",
                "Design system components, on contract.",
                "Software Engineering",
                "Contractor",
                "Bengaluru, India",
                (2000000, 2800000),
                "INR",
                {"filledByLiveContractorId": f"clxc{rng.randrange(16**12):012x}"},
            ),
            (
                "half_fte",
                "Data Analyst",
                "Half-time reporting for the sales team.",
                "Data Science",
                "Part-time",
                "New York, NY",
                (75000, 95000),
                "USD",
                {"fte": 0.5},
            ),
            (
                "permanent",
                "Software Engineer",
                "Core platform, permanent position.",
                "Software Engineering",
                "Permanent",
                "Toronto, Canada",
                (100000, 125000),
                "CAD",
                {},
            ),
            (
                "freelance",
                "Product Designer",
                "Freelance design for the marketing site.",
                "Design",
                "Freelance",
                "Toronto, Canada",
                (85000, 105000),
                "CAD",
                {},
            ),
        ]
        for i, (quirk, role, text, job_role, work_type, place, (low, high), currency, changes) in enumerate(
            plan
        ):
            jitter = 1 + rng.uniform(-0.04, 0.04)
            created = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
            created += timedelta(days=i * 6, minutes=rng.randrange(600))
            updated = created + timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(600))
            vacancy: dict[str, Any] = {
                "id": new_id("clxq"),
                "role": role,
                "description": text,
                "status": "open",
                "fte": 0.6 if work_type == "Part-time" else 1.0,
                "targetStartDate": (date(2026, 12, 1) + timedelta(days=rng.randrange(120))).isoformat(),
                "targetFillDate": (date(2026, 11, 15) + timedelta(days=rng.randrange(90))).isoformat(),
                "jobRoleId": roles[job_role],
                "workTypeId": types[work_type],
                "geographyId": places[place],
                "salaryMin": f"{Decimal(round(low * jitter / 1000) * 1000):.2f}",
                "salaryMax": f"{Decimal(round(high * jitter / 1000) * 1000):.2f}",
                "currencyCode": currency,
                "filledByLiveEmployeeId": None,
                "hiringManagerId": f"clxm{rng.randrange(16**12):012x}",
                "metadata": {},
                "createdAt": iso_seconds(created),
                "updatedAt": iso_seconds(updated),
            }
            vacancy.update(changes)
            self.records["vacancies"][vacancy["id"]] = vacancy
            self.quirk_ids[quirk] = vacancy["id"]

    # -- writes ------------------------------------------------------------------------------------------
    def create_vacancy(self, request: Request, now: datetime, *, org_id: str) -> Response:
        body = self._parse(request)
        if isinstance(body, Response):
            return body
        details = self._validate(body, creating=True)
        if details:
            return self.error(400, "Validation failed", details)
        conflict = self._external_id_conflict(body.get("externalId"), None)
        if conflict:
            return conflict
        vacancy: dict[str, Any] = dict.fromkeys(VACANCY_FIELDS)
        vacancy.update({"id": self._new_id(), "fte": 1.0, "metadata": {}})
        vacancy.update(_stored(body))
        vacancy["createdAt"] = vacancy["updatedAt"] = iso_seconds(now)
        self.records["vacancies"][vacancy["id"]] = vacancy
        return json_response(201, {"data": self._shown(vacancy)})

    def update_vacancy(self, request: Request, now: datetime, *, org_id: str, item_id: str) -> Response:
        vacancy = self.records["vacancies"].get(item_id)
        if vacancy is None:
            return self.error(404, f"Vacancy {item_id} not found")
        body = self._parse(request)
        if isinstance(body, Response):
            return body
        details = self._validate(body, creating=False, current=vacancy)
        if details:
            return self.error(400, "Validation failed", details)
        conflict = self._external_id_conflict(body.get("externalId"), item_id)
        if conflict:
            return conflict
        vacancy.update(_stored(body))  # metadata, when sent, replaces the stored object wholesale
        vacancy["updatedAt"] = iso_seconds(now)
        return json_response(200, {"data": self._shown(vacancy)})

    def delete_vacancy(self, request: Request, now: datetime, *, org_id: str, item_id: str) -> Response:
        if self.records["vacancies"].pop(item_id, None) is None:
            return self.error(404, f"Vacancy {item_id} not found")
        return empty_response(204)

    # -- helpers -----------------------------------------------------------------------------------------
    def _parse(self, request: Request) -> dict[str, Any] | Response:
        try:
            body = json.loads(request.body or b"null", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            return self.error(400, f"Request body is not valid JSON: {exc}")
        if not isinstance(body, dict):
            return self.error(400, "Request body must be a JSON object")
        return body

    def _validate(
        self, body: dict[str, Any], *, creating: bool, current: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        details: list[dict[str, str]] = []

        def bad(field_name: str, message: str) -> None:
            details.append({"field": field_name, "message": message})

        for key in sorted(body):
            if key in READ_ONLY:
                bad(key, f"{key} is read-only")
            elif key not in WRITABLE:
                bad(key, f"{key} is not a vacancy field")
        if creating:
            for key in ("role", "status"):
                if key not in body:
                    bad(key, f"{key} is required")
        if "role" in body and (not isinstance(body["role"], str) or not body["role"].strip()):
            bad("role", "role must be a non-empty string")
        if "status" in body and body["status"] not in VACANCY_STATUSES:
            bad("status", f"status must be one of {', '.join(VACANCY_STATUSES)}, got {body['status']!r}")
        if "fte" in body:
            fte = body["fte"]
            if isinstance(fte, bool) or not isinstance(fte, int | Decimal) or not 0 < fte <= 1:
                bad("fte", f"fte must be a number in (0, 1], got {fte!r}")
        for key in ("targetStartDate", "targetFillDate"):
            if body.get(key) is not None and not _is_date(body[key]):
                bad(key, f"{key} must be an ISO 8601 date (YYYY-MM-DD), got {body[key]!r}")
        for key, resource in REFERENCES.items():
            value = body.get(key)
            if value is not None and value not in self.records[resource]:
                bad(key, f"{key} {value!r} does not exist")
        amounts: dict[str, Decimal | None] = {}
        for key in ("salaryMin", "salaryMax"):
            if body.get(key) is not None:
                amounts[key] = money(body[key])
                if amounts[key] is None:
                    bad(key, f"{key} must be a non-negative decimal with at most 2 places, got {body[key]!r}")
            elif current is not None and key not in body and current.get(key) is not None:
                amounts[key] = _stored_amount(current[key])
        low, high = amounts.get("salaryMin"), amounts.get("salaryMax")
        if low is not None and high is not None and low > high:
            bad("salaryMax", f"salaryMax {high} is below salaryMin {low}")
        code = body.get("currencyCode")
        if code is not None and not (
            isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()
        ):
            bad("currencyCode", f"currencyCode must be an ISO 4217 code like USD, got {code!r}")
        if "metadata" in body and not isinstance(body["metadata"], dict):
            bad("metadata", "metadata must be an object")
        for key in ("description", "filledByLiveEmployeeId", "hiringManagerId", "externalId"):
            if body.get(key) is not None and not isinstance(body[key], str):
                bad(key, f"{key} must be a string or null")
        return details

    def _external_id_conflict(self, external_id: Any, own_id: str | None) -> Response | None:
        if external_id is None:
            return None
        for vacancy in self.records["vacancies"].values():
            if vacancy.get("externalId") == external_id and vacancy["id"] != own_id:
                return self.error(
                    409, f"externalId {external_id!r} is already used by vacancy {vacancy['id']}"
                )
        return None

    def _new_id(self) -> str:
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        while True:
            candidate = "clx" + "".join(self._ids.choice(alphabet) for _ in range(13))
            if candidate not in self.records["vacancies"]:
                return candidate


def _stored(body: dict[str, Any]) -> dict[str, Any]:
    """A validated body in stored shape: amounts as two-decimal strings, fte as a JSON number."""
    stored = dict(body)
    for key in ("salaryMin", "salaryMax"):
        if stored.get(key) is not None:
            amount = money(stored[key])
            assert amount is not None
            stored[key] = f"{amount:.2f}"
    if isinstance(stored.get("fte"), Decimal | int):
        stored["fte"] = float(stored["fte"])
    if isinstance(stored.get("metadata"), dict):
        stored["metadata"] = _plain_json(stored["metadata"])
    return stored


def _plain_json(value: Any) -> Any:
    """Metadata back to plain JSON types: Decimals parsed from the body become ints or floats again."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    return value


def _stored_amount(value: Any) -> Decimal | None:
    """A stored band amount as a Decimal; tolerates thousands separators ("120,000.00")."""
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def _ordered(items: list[dict[str, Any]], sort_by: str, sort_dir: str) -> list[dict[str, Any]]:
    """Records sorted by one field (ties and missing values by id), missing values last."""
    items = sorted(items, key=lambda r: str(r.get("id")))
    present = [r for r in items if r.get(sort_by) is not None]
    missing = [r for r in items if r.get(sort_by) is None]
    present.sort(key=lambda r: _sort_key(r.get(sort_by), sort_by), reverse=sort_dir == "desc")
    return present + missing


def _sort_key(value: Any, field_name: str) -> Any:
    if field_name in ("salaryMin", "salaryMax"):
        return _stored_amount(value) or Decimal(0)
    if isinstance(value, str):
        return value.lower()
    return value


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _positive_int(request: Request, name: str, default: int, details: list[dict[str, str]]) -> int:
    raw = request.param(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        details.append({"field": name, "message": f"{name} must be a positive integer, got {raw!r}"})
        return default
    if value < 1:
        details.append({"field": name, "message": f"{name} must be a positive integer, got {value}"})
        return default
    return value
