"""Sandbox profiles: each plays one alternative the vendor documents leave room for, over real HTTP.

Raw httpx only (no client code): these tests pin what the profiles serve, so the clients' own tests can be
written against them.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from matcher.cli import app as cli_app
from matcher.common.errors import SandboxError
from matcher.sandbox import (
    PROFILES,
    FloqerSettings,
    FlowstateSettings,
    SandboxApp,
    SandboxConfig,
    SandboxServer,
)
from matcher.sandbox.floqer import LIFECYCLE_STATUSES, ROW_QUIRKS, SALARY_NUMBERS

SEED = 11
WORKFLOW = "6f1c0a52-3a8e-4e0b-9a57-1d2c3b4a5f60"
FILTERS = {"job_title_or": ["engineer", "analyst"], "posted_at_max_age_days": 60}
BROAD = {"posted_at_max_age_days": 180}


def config(*profiles: str, **overrides: Any) -> SandboxConfig:
    """A small, fast sandbox (800 postings, no rate limits unless asked) under ``profiles``."""
    settings: dict[str, Any] = {
        "seed": SEED,
        "n_postings": 800,
        "floqer_rate_per_minute": None,
        "floqer_rate_per_day": None,
        "profiles": profiles,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


class Calls:
    """Raw HTTP against one sandbox."""

    def __init__(self, sandbox: SandboxServer, http: httpx.Client) -> None:
        self.sandbox, self.http = sandbox, http
        self.base = f"{sandbox.floqer_url}/api/v1/sources"
        self.org = f"{sandbox.flowstate_url}/org/{sandbox.org_id}"
        self.floqer_auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
        self.flowstate_auth = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}

    # Floqer
    def preview(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"{self.base}/track_job_postings/preview", headers=self.floqer_auth, json=body)

    def create(self, **body: Any) -> str:
        body.setdefault("name", "profiles")
        body.setdefault("filters", FILTERS)
        body.setdefault("expiration_date", "2027-06-01")
        response = self.http.post(f"{self.base}/track_job_postings", headers=self.floqer_auth, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["source_instance_id"])

    def listing(self, **params: Any) -> httpx.Response:
        return self.http.get(self.base, headers=self.floqer_auth, params=params)

    def data(self, source: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.base}/{source}/data", headers=self.floqer_auth, params=params)

    def rows(self, source: str) -> list[Any]:
        """Every row of a source in the default ("rows") shape."""
        rows: list[Any] = []
        page = 1
        while True:
            response = self.data(source, page_no=page, page_size=200)
            assert response.status_code == 200, response.text
            data = response.json()["data"]
            rows.extend(data["rows"])
            if page * 200 >= data["total_count"]:
                return rows
            page += 1

    def sync(self, source: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"{self.base}/{source}/sync", headers=self.floqer_auth, json=body)

    def set_status(self, source: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.patch(f"{self.base}/{source}/status", headers=self.floqer_auth, json=body)

    # Flowstate
    def flowstate(self, path: str, *, key: str | None = None, **params: Any) -> httpx.Response:
        headers = self.flowstate_auth if key is None else {"Authorization": f"Bearer {key}"}
        return self.http.get(f"{self.org}{path}", headers=headers, params=params)

    def all_vacancies(self, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.flowstate("/vacancies", page=page, limit=9, excludeFilled="false", **params).json()
            found.extend(body["data"])
            if not body["meta"]["hasNextPage"]:
                assert len(found) == body["meta"]["total"]
                return found
            page += 1

    # control API
    def control(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        url = f"{self.sandbox.control_url}{path}"
        return self.http.request(method, url, json=body, params=params)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def serve(*profiles: str, **overrides: Any) -> SandboxServer:
    return SandboxServer(config(*profiles, **overrides))


def _flowstate_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and error["message"] and error["errorId"].startswith("err_")
    return error


# -- the registry -------------------------------------------------------------------------------------------
def test_the_profile_names_are_fixed_and_described() -> None:
    assert list(PROFILES) == [
        "resource-types",
        "vacancies-only-key",
        "no-source-listing",
        "paged-listing",
        "data-alt-shape",
        "data-list",
        "string-retry-after",
        "deleted-source",
        "strict",
        "vacancy-quirks",
        "posting-quirks",
        "small-pages",
        "page-size-cap",
        "page-past-end",
        "flowstate-before-1.2",
        "all",
    ]
    for name, profile in PROFILES.items():
        assert profile.name == name
        assert profile.description and "\n" not in profile.description
        assert profile.contract and profile.changes()
        SandboxConfig(profiles=(name,))  # every knob path exists (applied when an app starts)
    assert set(PROFILES["all"].includes) == set(PROFILES) - {
        "all",
        "paged-listing",
        "data-list",
        "page-size-cap",
    }


def test_unknown_profile_names_the_valid_ones() -> None:
    with pytest.raises(SandboxError) as caught:
        SandboxConfig(profiles=("strict", "lenient"))
    message = str(caught.value)
    assert "'lenient'" in message
    assert all(name in message for name in PROFILES)


def test_profiles_compose_without_changing_the_given_config() -> None:
    given = config("strict", "resource-types")
    with SandboxServer(given) as sandbox:
        effective = sandbox.app.config
        assert sandbox.profiles == ("strict", "resource-types")
        assert effective.floqer.strict and effective.flowstate.strict_sort
        assert effective.flowstate.max_limit == 100
        assert effective.flowstate.work_types_path == "resource-types"
    assert not given.floqer.strict and given.flowstate.work_types_path == "both"  # untouched
    assert SandboxApp(config("strict,resource-types")).profiles == ("strict", "resource-types")
    # the later profile wins a knob; "all" expands in place
    assert SandboxApp(config("all", "paged-listing")).config.floqer.source_listing == "paged"
    assert SandboxApp(config("paged-listing", "all")).config.floqer.source_listing == "absent"


def test_no_profile_is_the_default_reading() -> None:
    app = SandboxApp(config())
    assert app.profiles == () and app.profile_sources == {} and app.quirk_vacancies == {}
    assert app.config.floqer == FloqerSettings() and app.config.flowstate == FlowstateSettings()
    assert app.config.flowstate_key_scopes is None and app.faults.rules() == []


def default_conversation(sandbox: SandboxServer, http: httpx.Client) -> list[bytes]:
    """Requests whose answers the profiles change; with no profile they must answer as they always did."""
    calls = Calls(sandbox, http)
    bodies = []
    for path in (
        "/vacancies?limit=200&excludeFilled=false",
        "/vacancies?sortBy=createdAt&sortDir=desc",
        "/work-types",
        "/resource-types",
        "/locations?sortBy=createdAt",
        "/job-roles",
    ):
        bodies.append(http.get(calls.org + path, headers=calls.flowstate_auth).content)
    start = (sandbox.clock.now() - timedelta(days=5)).date().isoformat()
    bodies.append(calls.preview({"filters": FILTERS}).content)
    bodies.append(calls.preview({"filters": FILTERS, "start_date": start}).content)
    bodies.append(
        calls.preview({"filters": {"job_title_or": [], "company_name_or": None, "remote": ""}}).content
    )
    body = {"name": "baseline", "filters": FILTERS, "expiration_date": "2027-01-01"}
    created = http.post(f"{calls.base}/track_job_postings", headers=calls.floqer_auth, json=body)
    bodies.append(created.content)
    source = created.json()["data"]["source_instance_id"]
    sandbox.clock.advance(timedelta(days=2))
    bodies.append(calls.listing().content)
    bodies.append(calls.data(source, page_no=2, page_size=7).content)
    bodies.append(calls.sync(source, {"workflow_id": WORKFLOW, "run": "none"}).content)
    bodies.append(calls.set_status(source, {"status": "paused", "note": "x"}).content)
    bodies.append(calls.data(source, page_size=200).content)
    return bodies


def test_the_default_answers_are_pinned_byte_for_byte(http: httpx.Client) -> None:
    with serve() as sandbox:
        bodies = default_conversation(sandbox, http)
    # sha256 of these bodies: the sandbox as it was before profiles existed (commit 72468b6), re-pinned when
    # part-time bands became what they pay at their fte, and when companies got a hiring momentum (issue 17:
    # the reposts drawn after it, so the posting ids, moved); a deliberate change to the default answers
    # re-pins it
    digest = hashlib.sha256(b"\n".join(bodies)).hexdigest()
    assert digest == "fc2a7da68cb8382dec05a2193ab66fc3827e89571795e4b35225b7873afd0da5"


# -- Flowstate: resource-types, vacancies-only-key -----------------------------------------------------------
def test_resource_types_serves_only_the_v1_1_name(http: httpx.Client) -> None:
    with serve("resource-types") as sandbox:
        calls = Calls(sandbox, http)
        _flowstate_error(calls.flowstate("/work-types"), 404, "NOT_FOUND")
        _flowstate_error(calls.flowstate("/work-types/clx2w3x4y5z6"), 404, "NOT_FOUND")
        listed = calls.flowstate("/resource-types")
        assert listed.status_code == 200
        assert {"Full-time", "Part-time"} <= {r["name"] for r in listed.json()["data"]}
        one = calls.flowstate("/resource-types/clx2w3x4y5z6").json()["data"]
        assert one["name"] == "Full-time" and one["appliesToType"] == "employee"
    with serve() as sandbox:  # today: both names
        calls = Calls(sandbox, http)
        assert calls.flowstate("/work-types").json() == calls.flowstate("/resource-types").json()


def test_vacancies_only_key_is_forbidden_the_reference_lists(http: httpx.Client) -> None:
    with serve("vacancies-only-key") as sandbox:
        calls = Calls(sandbox, http)
        for path in ("/locations", "/locations/clx3g2h1j0k9", "/job-roles", "/work-types", "/resource-types"):
            error = _flowstate_error(calls.flowstate(path), 403, "FORBIDDEN")
            assert "scope" in error["message"]
        assert calls.flowstate("/vacancies").status_code == 200
        assert calls.flowstate("/vacancies/clx5v6w7x8y9z0a1").status_code == 200
        created = http.post(
            f"{calls.org}/vacancies", headers=calls.flowstate_auth, json={"role": "Nurse", "status": "open"}
        )
        assert created.status_code == 201
        read_only = sandbox.keys.flowstate_read_only
        assert calls.flowstate("/vacancies", key=read_only).status_code == 200
        _flowstate_error(calls.flowstate("/locations", key=read_only), 403, "FORBIDDEN")


def test_key_scopes_as_a_knob(http: httpx.Client) -> None:
    with serve(flowstate_key_scopes=("vacancies:read", "locations:read")) as sandbox:
        calls = Calls(sandbox, http)
        assert calls.flowstate("/locations").status_code == 200
        _flowstate_error(calls.flowstate("/job-roles"), 403, "FORBIDDEN")


# -- Floqer: the source listing ------------------------------------------------------------------------------
def test_no_source_listing_is_a_flat_404(http: httpx.Client) -> None:
    with serve("no-source-listing") as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        response = calls.listing()
        assert response.status_code == 404
        assert response.json() == {
            "status": 404,
            "error": "Not Found",
            "message": "Cannot GET /api/v1/sources",
        }
        sandbox.clock.advance(timedelta(minutes=2))
        assert calls.rows(source)  # the rest works


def test_paged_listing_pages(http: httpx.Client) -> None:
    with serve("paged-listing") as sandbox:
        calls = Calls(sandbox, http)
        created = []
        for i in range(5):
            created.append(calls.create(name=f"source {i}"))
            sandbox.clock.advance(timedelta(seconds=1))  # the listing is in creation order
        seen: list[str] = []
        for page in (1, 2, 3, 4):
            response = calls.listing(page_no=page, page_size=50)
            assert response.status_code == 200
            body = response.json()
            assert body["status"] == 200 and set(body["data"]) == {
                "sources",
                "total_count",
                "page_no",
                "page_size",
            }
            data = body["data"]
            assert (data["total_count"], data["page_no"], data["page_size"]) == (5, page, 2)  # capped at 2
            assert len(data["sources"]) == [2, 2, 1, 0][page - 1]
            seen += [s["source_instance_id"] for s in data["sources"]]
            assert all(
                s["status"] == "active" and s["source_id"] == "track_job_postings" for s in data["sources"]
            )
        assert seen == created
        default = calls.listing().json()["data"]
        assert default["page_no"] == 1 and default["page_size"] == 2
        assert calls.listing(page_size=1).json()["data"]["page_size"] == 1
        bad = calls.listing(page_no=0)
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "page_no"
    with serve("paged-listing", floqer=FloqerSettings(listing_page_size=4)) as sandbox:  # the cap is a knob
        calls = Calls(sandbox, http)
        for i in range(5):
            calls.create(name=f"source {i}")
        assert calls.listing(page_size=50).json()["data"]["page_size"] == 2  # the profile sets 2


def test_listing_page_size_knob(http: httpx.Client) -> None:
    with serve(floqer=FloqerSettings(source_listing="paged", listing_page_size=3)) as sandbox:
        calls = Calls(sandbox, http)
        for i in range(4):
            calls.create(name=f"source {i}")
        data = calls.listing(page_size=10).json()["data"]
        assert (len(data["sources"]), data["page_size"], data["total_count"]) == (3, 3, 4)


# -- Floqer: /data shapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("profile", "shape"), [("data-alt-shape", "data"), ("data-list", "list")])
def test_data_in_other_shapes(http: httpx.Client, profile: str, shape: str) -> None:
    with serve(profile) as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        sandbox.clock.advance(timedelta(minutes=2))
        expected = sandbox.app.source_rows(source)
        assert len(expected) > 10
        got: list[Any] = []
        page = 1
        while True:
            body = calls.data(source, page_no=page, page_size=10).json()
            assert set(body) == {"status", "data"} and body["status"] == 200
            if shape == "data":
                assert set(body["data"]) == {"data"}  # no total_count, page_no or page_size
                rows = body["data"]["data"]
            else:
                rows = body["data"]
            assert isinstance(rows, list)
            got += rows
            if len(rows) < 10:
                break
            page += 1
        assert got == expected
        assert calls.data(source, page_size=201).status_code == 400  # paging is still checked


# -- paging the documents leave open: smaller pages, errors past the end, older tenants ---------------
def test_small_pages_serve_fewer_rows_than_asked_and_say_so(http: httpx.Client) -> None:
    with serve("small-pages", n_postings=3000) as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create(filters=BROAD)
        sandbox.clock.advance(timedelta(minutes=2))
        expected = sandbox.app.source_rows(source)
        assert len(expected) > 100
        first = calls.data(source, page_no=1, page_size=200).json()["data"]
        assert (len(first["rows"]), first["page_size"], first["total_count"]) == (50, 50, len(expected))
        second = calls.data(source, page_no=2, page_size=200).json()["data"]["rows"]
        assert first["rows"] + second == expected[:100]  # pages of 50: page 2 is rows 51-100
        body = calls.flowstate("/vacancies", page=1, limit=100, excludeFilled="false").json()
        assert len(body["data"]) == 20 and body["meta"] == {"page": 1, "limit": 20}
        served = sandbox.app.served_vacancies()
        assert len(served) > 20 and [v["id"] for v in body["data"]] == [v["id"] for v in served[:20]]


def test_page_size_cap_refuses_larger_pages_in_nests_shape(http: httpx.Client) -> None:
    with serve("page-size-cap", n_postings=3000) as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create(filters=BROAD)
        sandbox.clock.advance(timedelta(minutes=2))
        refused = calls.data(source, page_no=1, page_size=200)
        assert refused.status_code == 400
        body = refused.json()
        assert set(body) == {"statusCode", "message", "error"} and body["statusCode"] == 400
        assert (
            isinstance(body["message"], list)
            and "page_size" in body["message"][0]
            and "100" in body["message"][0]
        )
        assert len(calls.data(source, page_no=1, page_size=100).json()["data"]["rows"]) == 100


def test_page_past_end_is_a_404_and_an_empty_page_is_null(http: httpx.Client) -> None:
    with serve("page-past-end") as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        empty = calls.data(source, page_no=1, page_size=200).json()["data"]  # before the first fetch
        assert empty["rows"] is None and empty["total_count"] == 0
        sandbox.clock.advance(timedelta(minutes=2))
        total = len(sandbox.app.source_rows(source))
        last = -(-total // 50)
        assert len(calls.data(source, page_no=last, page_size=50).json()["data"]["rows"]) == total - 50 * (
            last - 1
        )
        past = calls.data(source, page_no=last + 1, page_size=50)
        assert past.status_code == 404 and set(past.json()) == {"status", "error", "message"}
        assert "out of range" in past.json()["message"]


def test_flowstate_before_1_2_knows_no_exclude_filled_and_serves_empty_metadata_as_a_list(
    http: httpx.Client,
) -> None:
    with serve("flowstate-before-1.2") as sandbox:
        calls = Calls(sandbox, http)
        error = _flowstate_error(
            calls.flowstate("/vacancies", excludeFilled="false"), 400, "VALIDATION_ERROR"
        )
        assert [d["field"] for d in error["details"]] == ["excludeFilled"]
        body = calls.flowstate("/vacancies", limit=100).json()
        assert body["meta"]["total"] == len(sandbox.app.served_vacancies()) == 28  # filled ones too
        assert any(v["status"] == "filled" for v in body["data"])
        stored = {v["id"]: v["metadata"] for v in sandbox.app.served_vacancies()}
        shown = {v["id"]: v["metadata"] for v in body["data"]}
        assert shown == {k: ([] if m == {} else m) for k, m in stored.items()}
        assert [] in shown.values()
        empty = next(k for k, m in stored.items() if m == {})
        assert calls.flowstate(f"/vacancies/{empty}").json()["data"]["metadata"] == []


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"page_size_cap": 0}, "page_size_cap"),
        ({"over_page_cap": "ignore"}, "over_page_cap"),
        ({"past_end": "410"}, "past_end"),
        ({"empty_rows": "none"}, "empty_rows"),
        ({"bad_request_shape": "xml"}, "bad_request_shape"),
    ],
)
def test_bad_paging_knobs_are_refused_naming_the_knob(knobs: dict[str, Any], message: str) -> None:
    with pytest.raises(SandboxError, match=message):
        FloqerSettings(**knobs)


@pytest.mark.parametrize("knob", ["over_limit", "list_meta", "exclude_filled", "empty_metadata"])
def test_bad_flowstate_knobs_are_refused_naming_the_knob(knob: str) -> None:
    with pytest.raises(SandboxError, match=knob):
        FlowstateSettings(**{knob: "sideways"})


# -- Floqer: 429 with a string retryAfter --------------------------------------------------------------------
def test_string_retry_after(http: httpx.Client) -> None:
    with serve("string-retry-after", floqer_rate_per_minute=3) as sandbox:
        calls = Calls(sandbox, http)
        rules = calls.control("GET", "/faults").json()["rules"]
        assert [(r["endpoint"], r["kind"], r["times"]) for r in rules] == [("floqer.data", "rate_limit", 2)]
        source = calls.create()
        sandbox.clock.advance(timedelta(minutes=2))
        for _ in range(2):  # the startup faults: the first two /data requests
            response = calls.data(source)
            assert response.status_code == 429
            assert response.json() == {
                "status": 429,
                "error": "Too Many Requests",
                "message": "Rate limit exceeded. Try again in 2 seconds.",
                "retryAfter": "2",
            }
            assert "retry-after" not in response.headers
        limited = calls.listing()  # the fourth request in a minute: the real limiter speaks the same way
        assert limited.status_code == 429
        assert isinstance(limited.json()["retryAfter"], str) and limited.json()["retryAfter"].isdigit()
    with serve("string-retry-after") as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        sandbox.clock.advance(timedelta(minutes=2))
        assert [calls.data(source).status_code for _ in range(3)] == [429, 429, 200]


# -- Floqer: deleted and completed sources -------------------------------------------------------------------
def test_deleted_and_completed_sources(http: httpx.Client) -> None:
    with serve("deleted-source") as sandbox:
        calls = Calls(sandbox, http)
        ids = sandbox.profile_sources
        assert set(ids) == {"deleted", "completed"}
        assert calls.control("GET", "/info").json()["profile_sources"] == ids
        listing = {s["source_instance_id"]: s for s in calls.listing().json()["data"]}
        assert listing[ids["deleted"]]["status"] == "deleted"
        assert listing[ids["completed"]]["status"] == "completed"

        gone = ids["deleted"]
        expected = {"status": 404, "error": "Not Found", "message": f"Source {gone} not found"}
        assert calls.data(gone).status_code == 404 and calls.data(gone).json() == expected
        assert calls.set_status(gone, {"status": "active"}).json() == expected
        sync = calls.sync(gone, {"workflow_id": WORKFLOW, "field_mapping": {}})
        assert sync.status_code == 404 and f"Source {gone} not found" in sync.text  # as for an unknown id
        assert sandbox.app.source_rows(gone) == []

        done = ids["completed"]
        rows = calls.rows(done)
        assert rows and rows == sandbox.app.source_rows(done)
        sandbox.clock.advance(timedelta(days=3))
        assert calls.rows(done) == rows  # no more scheduled runs
        assert listing[done]["lead_count"] == len(rows)
        assert calls.set_status(done, {"status": "active"}).status_code == 400
    with serve("deleted-source") as again, serve("deleted-source", seed=SEED + 1) as other:
        assert again.profile_sources == ids  # fixed from the seed
        assert set(other.profile_sources.values()).isdisjoint(ids.values())


def test_any_source_moves_to_any_status(http: httpx.Client) -> None:
    with serve() as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        sandbox.clock.advance(timedelta(minutes=2))
        rows = calls.rows(source)
        moved = calls.control("POST", "/sources", {"source_instance_id": source, "status": "deleted"})
        assert moved.status_code == 200 and moved.json()["status"] == "deleted"
        assert calls.data(source).status_code == 404
        assert calls.listing().json()["data"][0]["status"] == "deleted"
        assert calls.control("GET", "/sources").json()["sources"][0]["status"] == "deleted"
        calls.control("POST", "/sources", {"source_instance_id": source, "status": "active"})
        assert calls.rows(source) == rows
        for status in LIFECYCLE_STATUSES:
            assert sandbox.app.set_source_status(source, status)["status"] == status
        sandbox.app.set_source_status(source, "expired")
        assert calls.set_status(source, {"status": "active"}).status_code == 400
        bad = calls.control("POST", "/sources", {"source_instance_id": source, "status": "gone"})
        assert bad.status_code == 400 and "expected one of" in bad.json()["error"]
        unknown = calls.control("POST", "/sources", {"source_instance_id": "nope", "status": "paused"})
        assert unknown.status_code == 400
        with pytest.raises(SandboxError):
            sandbox.app.set_source_status(source, "archived")


# -- strict --------------------------------------------------------------------------------------------------
def test_strict_preview_ignores_start_date(http: httpx.Client) -> None:
    for profiles, ignored in (((), False), (("strict",), True)):
        with serve(*profiles) as sandbox:
            calls = Calls(sandbox, http)
            start = (sandbox.clock.now() - timedelta(days=5)).date().isoformat()
            without = calls.preview({"filters": FILTERS}).json()["data"]
            with_start = calls.preview({"filters": FILTERS, "start_date": start}).json()["data"]
            assert (with_start == without) is ignored
            if not ignored:  # the default applies it
                assert with_start["metadata"]["total_results"] < without["metadata"]["total_results"]
                assert all(r["date_posted"] >= start for r in with_start["data"])
            bad = calls.preview({"filters": FILTERS, "start_date": "soon"})
            assert bad.status_code == 400  # accepted means: still a valid date


def test_strict_refuses_what_the_default_lets_by(http: httpx.Client) -> None:
    with serve() as lenient, serve("strict") as strict:
        answers = {}
        for name, sandbox in (("default", lenient), ("strict", strict)):
            calls = Calls(sandbox, http)
            source = calls.create()
            all_empty = {"job_title_or": [], "company_name_or": None, "remote": "", "job_title_not": []}
            answers[name] = {
                "sync": calls.sync(source, {"workflow_id": WORKFLOW, "run": "none"}),
                "sync_mapped": calls.sync(
                    source, {"workflow_id": WORKFLOW, "field_mapping": {"input.job_title": "job_title"}}
                ),
                "empty": calls.preview({"filters": all_empty}),
                "some_empty": calls.preview({"filters": {**all_empty, "remote": True}}),
                "status": calls.set_status(source, {"status": "paused", "reason": "holiday"}),
                "status_ok": calls.set_status(source, {"status": "active"}),
                "sort_created": calls.flowstate("/vacancies", sortBy="createdAt"),
                "sort_start": calls.flowstate("/vacancies", sortBy="targetStartDate"),
                "sort_role": calls.flowstate("/vacancies", sortBy="role", sortDir="desc"),
                "locations_created": calls.flowstate("/locations", sortBy="createdAt"),
                "locations_name": calls.flowstate("/locations", sortBy="name"),
                "locations_order": calls.flowstate("/locations", sortBy="sortOrder"),
                "limit_101": calls.flowstate("/vacancies", limit=101),
                "limit_100": calls.flowstate("/vacancies", limit=100),
            }
        assert all(r.status_code < 300 for r in answers["default"].values())
        got = answers["strict"]
        assert got["sync"].status_code == 400
        assert (
            set(got["sync"].json()) == {"error"} and "field_mapping" in got["sync"].json()["error"]["message"]
        )
        assert got["empty"].status_code == 400 and got["empty"].json()["errors"][0]["field"] == "filters"
        assert got["status"].status_code == 400 and got["status"].json()["errors"][0]["field"] == "reason"
        for key in ("sort_created", "locations_created"):
            error = _flowstate_error(got[key], 400, "VALIDATION_ERROR")
            assert [d["field"] for d in error["details"]] == ["sortBy"]
        assert [
            d["field"] for d in _flowstate_error(got["limit_101"], 400, "VALIDATION_ERROR")["details"]
        ] == ["limit"]
        for key in ("sync_mapped", "some_empty", "status_ok", "sort_start", "sort_role", "locations_name"):
            assert got[key].status_code == 200, (key, got[key].text)
        assert got["locations_order"].status_code == 200 and got["limit_100"].status_code == 200


def test_strict_as_knobs(http: httpx.Client) -> None:
    floqer, flowstate = FloqerSettings(strict=True), FlowstateSettings(strict_sort=True)
    with serve(floqer=floqer, flowstate=flowstate) as sandbox:
        calls = Calls(sandbox, http)
        assert calls.preview({"filters": {"job_title_or": []}}).status_code == 400
        assert calls.flowstate("/vacancies", sortBy="createdAt").status_code == 400
        assert calls.flowstate("/vacancies", limit=150).status_code == 200  # max_limit is its own knob


# -- vacancy-quirks ------------------------------------------------------------------------------------------
def test_vacancy_quirks(http: httpx.Client) -> None:
    with serve("vacancy-quirks") as sandbox:
        calls = Calls(sandbox, http)
        ids = sandbox.app.quirk_vacancies
        assert set(ids) == {
            "metadata_null",
            "thousands_separators",
            "open_but_filled",
            "filled_by_contractor",
            "half_fte",
            "permanent",
            "freelance",
        }
        listed = calls.all_vacancies()
        assert len(listed) == 28 + 7
        assert listed == sandbox.app.served_vacancies()
        by_id = {v["id"]: v for v in listed}
        quirky = {name: by_id[vid] for name, vid in ids.items()}
        assert "metadata" in quirky["metadata_null"] and quirky["metadata_null"]["metadata"] is None
        assert (quirky["thousands_separators"]["salaryMin"], quirky["thousands_separators"]["salaryMax"]) == (
            "120,000.00",
            "150,000.00",
        )
        assert quirky["open_but_filled"]["status"] == "open" and quirky["open_but_filled"]["isFilled"] is True
        contractor = quirky["filled_by_contractor"]
        assert contractor["status"] == "open" and contractor["filledByLiveContractorId"].startswith("clxc")
        assert quirky["half_fte"]["fte"] == 0.5
        work_types = {w["id"]: w for w in calls.flowstate("/work-types").json()["data"]}
        assert work_types[quirky["permanent"]["workTypeId"]]["name"] == "Permanent"
        assert work_types[quirky["permanent"]["workTypeId"]]["appliesToType"] == "employee"
        assert work_types[quirky["freelance"]["workTypeId"]]["name"] == "Freelance"
        assert work_types[quirky["freelance"]["workTypeId"]]["appliesToType"] == "contractor"
        locations = {loc["id"] for loc in calls.flowstate("/locations").json()["data"]}
        roles = {r["id"] for r in calls.flowstate("/job-roles").json()["data"]}
        for vacancy in quirky.values():
            assert vacancy["updatedAt"] and vacancy["createdAt"]
            assert vacancy["geographyId"] in locations and vacancy["jobRoleId"] in roles
            assert calls.flowstate(f"/vacancies/{vacancy['id']}").json()["data"] == vacancy
        # the scenarios see them too
        scenario = calls.all_vacancies(scenarioId="scn_expansion")
        assert set(ids.values()) <= {v["id"] for v in scenario}
        assert scenario == sandbox.app.served_vacancies("scn_expansion")
        # sorting and writes cope with the odd band
        assert calls.flowstate("/vacancies", sortBy="salaryMax").status_code == 200
        patched = http.patch(
            f"{calls.org}/vacancies/{ids['thousands_separators']}",
            headers=calls.flowstate_auth,
            json={"description": "Streaming pipelines."},
        )
        assert patched.status_code == 200 and patched.json()["data"]["salaryMin"] == "120,000.00"


def test_vacancy_quirks_are_fixed_by_the_seed_and_realistic() -> None:
    one, two = SandboxApp(config("vacancy-quirks")), SandboxApp(config("vacancy-quirks"))
    assert one.served_vacancies() == two.served_vacancies()
    other = SandboxApp(config("vacancy-quirks", seed=SEED + 1))
    assert set(other.quirk_vacancies.values()).isdisjoint(one.quirk_vacancies.values())
    # in the demo's market, each quirk vacancy's role has postings in its country
    demo = SandboxApp(SandboxConfig(profiles=("vacancy-quirks",)))
    countries = {loc["id"]: loc["countryCode"] for loc in demo.market.locations}
    for vacancy_id in demo.quirk_vacancies.values():
        vacancy = next(v for v in demo.served_vacancies() if v["id"] == vacancy_id)
        hits = [
            p
            for p in demo.market.postings
            if vacancy["role"].lower() in p["job_title"].lower()
            and p.get("country_code") == countries[vacancy["geographyId"]]
        ]
        assert len(hits) >= 5, vacancy["role"]


# -- posting-quirks ------------------------------------------------------------------------------------------
def _kinds(row: dict[str, Any], original: dict[str, Any]) -> set[str]:
    found = set()
    if type(row.get("remote")) is int:
        found.add("int_flags")
    if isinstance(row.get("employment_statuses"), str):
        found.add("string_statuses")
    if row.get("date_posted") != original.get("date_posted"):
        found.add("date_posted_time")
    if isinstance(row.get("reposted"), str):
        found.add("string_reposted")
    if " " in str(row.get("discovered_at")):
        found.add("discovered_at_space")
    if any(isinstance(row.get(k), str) for k in SALARY_NUMBERS):
        found.add("string_salaries")
    if "country_code" not in row:
        found.add("nested_locations")
    if "company_object" in row and "company_object" not in original:
        found.add("nested_company")
    return found


def _broad_source(sandbox: SandboxServer, http: httpx.Client) -> tuple[Calls, str]:
    calls = Calls(sandbox, http)
    source = calls.create(filters={"posted_at_max_age_days": 180})
    sandbox.clock.advance(timedelta(days=3))
    return calls, source


def test_posting_quirks(http: httpx.Client) -> None:
    with serve("posting-quirks") as sandbox:
        calls, source = _broad_source(sandbox, http)
        rows = calls.rows(source)
        assert len(rows) > 300
        assert rows == calls.rows(source) == sandbox.app.source_rows(source)  # stored: re-reads agree
        market = {p["id"]: p for p in sandbox.app.market.postings}
        quirked: dict[Any, set[str]] = {}
        for row in rows:
            original = market[row["id"]]
            plain = {k: v for k, v in row.items() if k not in ("matching_phrases", "matching_words")}
            if plain != {
                k: v for k, v in original.items() if k not in ("matching_phrases", "matching_words")
            }:
                quirked[row["id"]] = _kinds(row, original)
                assert 1 <= len(quirked[row["id"]]) <= 2, (row["id"], quirked[row["id"]])
                # the same posting: id, title, company and place keep their meaning
                assert row["job_title"] == original["job_title"] and row["company"] == original["company"]
                if "nested_locations" in quirked[row["id"]]:
                    assert row["locations"][0]["country_code"] == original["country_code"]
                    assert not {"location", "city", "state_code", "country_code"} & set(row)
                if "nested_company" in quirked[row["id"]]:
                    assert row["company_object"]["name"] == original["name"]
                    assert not {"name", "domain", "industry", "employee_count"} & set(row)
        share = len(quirked) / len(rows)
        assert 0.09 <= share <= 0.21, share
        assert set().union(*quirked.values()) == set(ROW_QUIRKS)
        assert any(len(row.get("locations") or ()) == 2 for row in rows if row["id"] in quirked)
        for row in rows:
            if "int_flags" in quirked.get(row["id"], ()):
                assert row["remote"] in (0, 1) and row["hybrid"] in (0, 1)
            if "discovered_at_space" in quirked.get(row["id"], ()):
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["discovered_at"])
            if "date_posted_time" in quirked.get(row["id"], ()):
                assert row["date_posted"] == "" or re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", row["date_posted"]
                )
        first = calls.data(source, page_size=200).content
    with serve("posting-quirks") as again:  # the same seed quirks the same rows the same way
        calls, source = _broad_source(again, http)
        assert calls.data(source, page_size=200).content == first
    with serve() as plain:  # no profile: rows exactly as the market made them
        calls, source = _broad_source(plain, http)
        market = {p["id"]: p for p in plain.app.market.postings}
        for row in calls.rows(source):
            assert {k: v for k, v in row.items() if not k.startswith("matching_")} == {
                k: v for k, v in market[row["id"]].items() if not k.startswith("matching_")
            }


def test_row_quirks_share_is_a_knob(http: httpx.Client) -> None:
    with serve(floqer=FloqerSettings(row_quirks=1.0)) as sandbox:
        calls, source = _broad_source(sandbox, http)
        rows = calls.rows(source)
        assert len(sandbox.app.floqer.quirks) == len({r["id"] for r in rows})
    with pytest.raises(SandboxError):
        FloqerSettings(row_quirks=1.5)


# -- all, and the truth over HTTP ----------------------------------------------------------------------------
def test_all_profiles_at_once(http: httpx.Client) -> None:
    with serve("all") as sandbox:
        calls = Calls(sandbox, http)
        assert "paged-listing" not in sandbox.profiles and "data-list" not in sandbox.profiles
        assert calls.flowstate("/work-types").status_code == 404
        _flowstate_error(calls.flowstate("/resource-types"), 403, "FORBIDDEN")
        assert calls.listing().status_code == 404
        assert calls.flowstate("/vacancies", sortBy="createdAt").status_code == 400
        # flowstate-before-1.2 and small-pages: no excludeFilled, pages of 20 with meta {page, limit}
        _flowstate_error(calls.flowstate("/vacancies", excludeFilled="false"), 400, "VALIDATION_ERROR")
        listed: list[dict[str, Any]] = []
        for page in range(1, 4):
            body = calls.flowstate("/vacancies", page=page, limit=100).json()
            assert body["meta"] == {"page": page, "limit": 20}
            listed += body["data"]
        assert len(listed) == 35 and [v["id"] for v in listed] == [
            v["id"] for v in sandbox.app.served_vacancies()
        ]
        assert calls.data(sandbox.profile_sources["deleted"]).status_code == 429  # startup faults first
        assert calls.data(sandbox.profile_sources["deleted"]).json()["retryAfter"] == "2"
        assert calls.data(sandbox.profile_sources["deleted"]).status_code == 404
        completed_rows = sandbox.app.source_rows(sandbox.profile_sources["completed"])
        completed = calls.data(sandbox.profile_sources["completed"], page_size=200).json()
        assert completed["data"]["data"] == completed_rows[:50]  # small-pages: 50 at most
        info = calls.control("GET", "/info").json()
        assert info["profiles"] == list(sandbox.profiles)
        assert set(info["quirk_vacancies"]) == set(sandbox.app.quirk_vacancies)


def test_served_truth_over_http(http: httpx.Client) -> None:
    with serve("vacancy-quirks", "deleted-source") as sandbox:
        calls = Calls(sandbox, http)
        source = calls.create()
        sandbox.clock.advance(timedelta(minutes=2))
        served = calls.control("GET", "/served").json()
        assert served["vacancies"] == calls.all_vacancies()
        assert served["source_rows"][source] == [r["id"] for r in calls.rows(source)]
        assert served["source_rows"][sandbox.profile_sources["deleted"]] == []
        completed = sandbox.profile_sources["completed"]
        assert served["source_rows"][completed] == [r["id"] for r in calls.rows(completed)]
        scenario = calls.control("GET", "/served", scenarioId="scn_hiring_freeze").json()
        assert scenario["vacancies"] == calls.all_vacancies(scenarioId="scn_hiring_freeze")
        assert calls.control("GET", "/served", scenarioId="scn_nope").status_code == 400


# -- the command line ----------------------------------------------------------------------------------------
def test_profiles_command_lists_every_profile() -> None:
    result = CliRunner().invoke(cli_app, ["sandbox", "profiles"])
    assert result.exit_code == 0, result.output
    for name in PROFILES:
        assert name in result.output
    assert "[rows]" in result.output  # rich markup is escaped


def test_serve_with_a_bad_profile_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "matcher", "sandbox", "serve", "--port", "0", "--profile", "strict,lenient"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr + result.stdout
    assert lines[0].startswith("error: invalid configuration: --profile: unknown sandbox profile 'lenient'")
    assert "valid profiles: resource-types, vacancies-only-key" in lines[0]


def test_serve_prints_profiles_and_source_ids() -> None:
    args = ["sandbox", "serve", "--port", "0", "--postings", "800", "--seed", str(SEED)]
    args += ["--profile", "deleted-source,strict", "--profile", "resource-types"]
    process = subprocess.Popen(
        [sys.executable, "-m", "matcher", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    text = "".join(lines)
    assert "profiles  deleted-source, strict, resource-types" in text
    expected = SandboxApp(config("deleted-source")).profile_sources
    for status, source_id in expected.items():
        assert re.search(rf"source\s+{status}\s+{source_id}", text), text
