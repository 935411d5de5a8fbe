"""Flowstate client: vacancies (list, get, create, update, delete) and the records they reference.

>>> api = ApiClient(service="flowstate", base_url=BASE, api_key=key)   # doctest: +SKIP
>>> FlowstateClient(api, org_id="org_1").list_vacancies()              # doctest: +SKIP

Lists ask for ``limit=100`` (the newer pages' maximum) and ``excludeFilled=false`` so status changes to
"filled" are seen, and send no ``sortBy``: the document shows only ``role`` (its default) and
``targetStartDate``, so the list is read in the server's default order and de-duplicated by id. Work types
are ``/resource-types`` since v1.1 and ``/work-types`` before: the client asks for the current name, falls
back to the older one on 404, and remembers which answered. ``update`` is read-modify-write: Flowstate may
replace ``metadata`` wholesale on PATCH, so the client reads the vacancy first and sends the merged object.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from matcher.common.errors import BadRequestError, BadResponseError, NotFoundError
from matcher.ingest.http import ApiClient, json_count, smaller_page_size

log = logging.getLogger("matcher.ingest.flowstate")
_T = TypeVar("_T")
PAGE_LIMIT = 100
MAX_PAGES = 10_000  # a list that never ends (a server repeating pages) stops here
# resource -> the paths it has gone by, the current name first (work types: renamed in v1.1)
RESOURCES: dict[str, tuple[str, ...]] = {
    "locations": ("locations",),
    "job_roles": ("job-roles",),
    "work_types": ("resource-types", "work-types"),
}


@dataclass(frozen=True, kw_only=True)
class ListPage:
    items: list[Any]
    page: int
    limit: int
    total: int | None
    has_next_page: bool


class FlowstateClient:
    """Flowstate's vacancies and reference resources over an ``ApiClient``."""

    def __init__(self, api: ApiClient, *, org_id: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", org_id):
            raise BadRequestError(
                f"FLOWSTATE_ORG_ID: got {org_id!r}, expected an organization id", service="flowstate"
            )
        self.api = api
        self.org_id = org_id
        self.resource_paths: dict[str, str] = {}  # resource -> the path that answered
        self.exclude_filled = True  # False once a server (before v1.2) refused the parameter

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> FlowstateClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- vacancies ---------------------------------------------------------------------------------------
    def vacancy_pages(
        self, *, scenario_id: str | None = None, search: str | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[ListPage]:
        params: dict[str, Any] = {"excludeFilled": "false"}
        if scenario_id:
            params["scenarioId"] = scenario_id
        if search:
            params["search"] = search
        return self._pages("vacancies", params, limit)

    def list_vacancies(
        self, *, scenario_id: str | None = None, search: str | None = None
    ) -> list[dict[str, Any]]:
        return [v for page in self.vacancy_pages(scenario_id=scenario_id, search=search) for v in page.items]

    def get_vacancy(
        self, vacancy_id: str, *, scenario_id: str | None = None, exact_numbers: bool = False
    ) -> dict[str, Any]:
        """One vacancy; ``exact_numbers``: its numbers keep their text (``JsonNumber``), to write back."""
        params = {"scenarioId": scenario_id} if scenario_id else None
        path = self._path("vacancies", vacancy_id)
        return self._one(self.api.request_json("GET", path, params=params, exact_numbers=exact_numbers))

    def create_vacancy(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a vacancy (not retried automatically: a lost answer may still have created it)."""
        for key in ("role", "status"):
            if not fields.get(key):
                raise BadRequestError(f"vacancy {key} is required", service="flowstate")
        return self._one(
            self.api.request_json("POST", self._path("vacancies"), json_body=_jsonable(fields), retry=False)
        )

    def update_vacancy(
        self, vacancy_id: str, changes: Mapping[str, Any], *, merge_metadata: bool = True
    ) -> dict[str, Any]:
        """PATCH ``changes``; with ``merge_metadata`` stored metadata is read first and merged key by key.

        The other keys' values go back as they were read (a ``1.10`` stays ``1.10``, ``1E300`` stays
        ``1E300``): numbers are read as ``JsonNumber`` and written back from their text."""
        body = dict(changes)
        if merge_metadata and "metadata" in body:
            current = self.get_vacancy(vacancy_id, exact_numbers=True)
            merged = dict(current.get("metadata") or {})
            merged.update(body["metadata"] or {})
            body["metadata"] = merged
        return self._one(
            self.api.request_json("PATCH", self._path("vacancies", vacancy_id), json_body=_jsonable(body))
        )

    def delete_vacancy(self, vacancy_id: str) -> None:
        self.api.request_json("DELETE", self._path("vacancies", vacancy_id))

    # -- referenced resources ----------------------------------------------------------------------------
    def list_resource(self, resource: str) -> list[dict[str, Any]]:
        """All ``locations``, ``job_roles`` or ``work_types`` (under whichever name the server knows)."""
        return self._by_any_name(
            resource, lambda path: [item for page in self._pages(path, {}, PAGE_LIMIT) for item in page.items]
        )

    def get_resource(self, resource: str, item_id: str) -> dict[str, Any]:
        return self._by_any_name(
            resource, lambda path: self._one(self.api.request_json("GET", self._path(path, item_id)))
        )

    # -- helpers -----------------------------------------------------------------------------------------
    def _by_any_name(self, resource: str, call: Callable[[str], _T]) -> _T:
        """``call(path)`` with the resource's current path; on 404, with each older name in turn."""
        if resource not in RESOURCES:
            raise BadRequestError(
                f"resource: got {resource!r}, expected one of {sorted(RESOURCES)}", service="flowstate"
            )
        known = self.resource_paths.get(resource)
        names = (known,) if known else RESOURCES[resource]
        for i, path in enumerate(names):
            try:
                result = call(path)
            except NotFoundError:
                if i + 1 < len(names):  # (a missing record is missing under the older name too)
                    continue
                raise
            self.resource_paths[resource] = path
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _path(self, resource: str, item_id: str | None = None) -> str:
        path = f"/org/{self.org_id}/{resource}"
        if item_id is not None:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", item_id):
                raise BadRequestError(f"id: got {item_id!r}, expected a Flowstate id", service="flowstate")
            path += f"/{item_id}"
        return path

    def _pages(self, resource: str, params: Mapping[str, Any], limit: int) -> Iterator[ListPage]:
        """Pages until ``meta.hasNextPage`` is false (or, without it, until ``meta.total`` items or a page
        shorter than the page size: the ``meta.limit`` the server says it used when that is below the one
        asked); a page that repeats the previous one, or ``MAX_PAGES``, ends the list. ``total`` and
        ``limit`` may be numeric strings. A server older than v1.2 that refuses ``excludeFilled`` (a 400
        naming it) is asked again without it: it hides no filled vacancy anyway; one that refuses the
        ``limit`` (a cap below the documented 100) is asked again with the cap it names, else 50, 20."""
        page = 1
        seen = 0
        previous: list[Any] | None = None
        params = dict(params)
        if "excludeFilled" in params and not self.exclude_filled:
            del params["excludeFilled"]
        while page <= MAX_PAGES:
            path = self._path(resource)
            try:
                body = self.api.request_json("GET", path, params={**params, "page": page, "limit": limit})
            except BadRequestError as exc:
                smaller = smaller_page_size(exc, limit, "limit")
                if smaller is not None and page == 1:  # a tenant whose cap is below the documented 100
                    log.warning(
                        "flowstate GET %s: limit %d refused (%s); asking %d a page",
                        path,
                        limit,
                        " ".join(str(exc).split())[:200],
                        smaller,
                    )
                    limit = smaller
                    continue
                if "excludeFilled" not in params or "excludefilled" not in _said(exc).lower():
                    raise
                log.warning(
                    "flowstate GET %s: excludeFilled refused (%s); listing without it (before v1.2 filled "
                    "vacancies are listed anyway)",
                    path,
                    " ".join(str(exc).split())[:200],
                )
                self.exclude_filled = False
                del params["excludeFilled"]
                continue
            items = body.get("data") if isinstance(body, Mapping) else None
            if items is None and isinstance(body, Mapping) and "data" in body:
                items = []  # "data": null: an empty list
            if not isinstance(items, list):
                raise BadResponseError(
                    f"flowstate GET {path}: expected {{data: [...], meta}}", service="flowstate"
                )
            if previous is not None and items and items == previous:
                return
            meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
            total = json_count(meta.get("total"))
            echoed = json_count(meta.get("limit"))
            size = echoed if echoed is not None and 1 <= echoed < limit else limit
            seen += len(items)
            flag = meta.get("hasNextPage")
            if isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
                flag = flag.strip().lower() == "true"
            if isinstance(flag, bool):
                has_next = flag
            elif total is not None:
                has_next = seen < total
            else:
                has_next = len(items) >= size
            yield ListPage(items=items, page=page, limit=limit, total=total, has_next_page=has_next)
            if not has_next or not items:
                return
            previous = items
            page += 1

    @staticmethod
    def _one(body: Any) -> dict[str, Any]:
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
            raise BadResponseError("flowstate: expected {data: {...}}", service="flowstate")
        return dict(body["data"])


def _said(exc: BadRequestError) -> str:
    return " ".join([str(exc), *exc.problems])


def _jsonable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Money goes out as exact decimal strings, the shape Flowstate shows ("120000.00"), never as floats."""
    body = dict(fields)
    for key in ("salaryMin", "salaryMax"):
        if isinstance(body.get(key), Decimal | int):
            amount = Decimal(body[key])
            exponent = amount.as_tuple().exponent
            body[key] = f"{amount:.2f}" if isinstance(exponent, int) and exponent >= -2 else str(amount)
    return body
