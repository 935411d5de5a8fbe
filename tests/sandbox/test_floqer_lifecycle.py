"""The ongoing source lives in sandbox time: create, first fetch, new rows only, pause, resume, expire."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from matcher.sandbox import SandboxServer

FILTERS = {"job_title_or": ["engineer", "developer"], "posted_at_max_age_days": 60}


class FloqerCalls:
    """A tiny raw client for these tests (the real client arrives with ingestion)."""

    def __init__(self, sandbox: SandboxServer, http: httpx.Client) -> None:
        self.sandbox, self.http = sandbox, http
        self.base = f"{sandbox.floqer_url}/api/v1/sources"
        self.auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}

    def create(self, **body: Any) -> str:
        body.setdefault("name", "lifecycle")
        body.setdefault("filters", FILTERS)
        body.setdefault("expiration_date", (self.sandbox.clock.now() + timedelta(days=10)).date().isoformat())
        response = self.http.post(f"{self.base}/track_job_postings", headers=self.auth, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["source_instance_id"])

    def rows(self, source: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self.http.get(
                f"{self.base}/{source}/data?page_no={page}&page_size=200", headers=self.auth
            )
            assert response.status_code == 200, response.text
            data = response.json()["data"]
            rows.extend(data["rows"])
            if page * 200 >= data["total_count"]:
                assert len(rows) == data["total_count"]
                return rows
            page += 1

    def status(self, source: str) -> dict[str, Any]:
        listing = self.http.get(self.base, headers=self.auth).json()["data"]
        return next(s for s in listing if s["source_instance_id"] == source)

    def set_status(self, source: str, status: str) -> httpx.Response:
        return self.http.patch(f"{self.base}/{source}/status", headers=self.auth, json={"status": status})

    def sync(self, source: str, **body: Any) -> httpx.Response:
        return self.http.post(f"{self.base}/{source}/sync", headers=self.auth, json=body)


@pytest.fixture
def floqer(sandbox: SandboxServer, http: httpx.Client) -> FloqerCalls:
    return FloqerCalls(sandbox, http)


def _discovered(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["discovered_at"] + "+00:00")


def test_the_whole_lifecycle(sandbox: SandboxServer, floqer: FloqerCalls) -> None:
    clock = sandbox.clock
    source = floqer.create()
    assert floqer.rows(source) == []  # create returns at once; the first fetch runs after
    assert floqer.status(source)["status"] == "active"

    clock.advance(timedelta(minutes=2))
    first = floqer.rows(source)
    assert first
    first_run = clock.now()
    assert all(_discovered(r) <= first_run for r in first)
    assert all({"engineer", "developer"} & {p.lower() for p in r["matching_phrases"]} for r in first)
    assert floqer.status(source)["lead_count"] == len(first)

    clock.advance(timedelta(days=1))
    second = floqer.rows(source)
    new = second[len(first) :]
    assert second[: len(first)] == first  # no order_by: import order, new rows appended
    assert new, "a day of market activity should bring new postings"
    assert all(_discovered(r) > first_run - timedelta(minutes=2) for r in new)
    ids = [r["id"] for r in second]
    assert len(ids) == len(set(ids))  # never imported twice

    assert floqer.set_status(source, "paused").json() == {
        "status": 200,
        "data": {"source_instance_id": source, "status": "paused"},
    }
    clock.advance(timedelta(days=2))
    assert floqer.rows(source) == second
    assert floqer.status(source)["status"] == "paused"

    assert floqer.set_status(source, "active").json()["data"]["status"] == "active"
    clock.advance(timedelta(days=1))
    resumed = floqer.rows(source)
    assert len(resumed) > len(second)  # the run after resuming picks up what appeared while paused
    assert len({r["id"] for r in resumed}) == len(resumed)

    clock.advance(timedelta(days=10))
    assert floqer.status(source)["status"] == "expired"
    final = floqer.rows(source)
    clock.advance(timedelta(days=3))
    assert floqer.rows(source) == final
    refused = floqer.set_status(source, "active")
    assert refused.status_code == 400
    assert "expired" in refused.json()["message"]


def test_max_count_caps_each_run(sandbox: SandboxServer, floqer: FloqerCalls) -> None:
    source = floqer.create(max_count=7)
    sandbox.clock.advance(timedelta(minutes=2))
    assert len(floqer.rows(source)) == 7
    sandbox.clock.advance(timedelta(days=1))
    assert 7 < len(floqer.rows(source)) <= 14


def test_running_out_of_credits_pauses_the_source(
    sandbox: SandboxServer, floqer: FloqerCalls, http: httpx.Client
) -> None:
    assert http.post(f"{sandbox.control_url}/credits", json={"credits": 4}).json() == {"credits": 4}
    source = floqer.create()
    sandbox.clock.advance(timedelta(minutes=2))
    assert len(floqer.rows(source)) == 4
    assert floqer.status(source)["status"] == "paused_out_of_credits"
    sandbox.clock.advance(timedelta(days=1))
    assert len(floqer.rows(source)) == 4
    http.post(f"{sandbox.control_url}/credits", json={"credits": 100_000})
    assert floqer.set_status(source, "active").json()["data"]["status"] == "active"
    sandbox.clock.advance(timedelta(days=1))
    assert len(floqer.rows(source)) > 4
    assert floqer.status(source)["status"] == "active"


def test_newest_first_sources_get_new_rows_at_the_front(sandbox: SandboxServer, floqer: FloqerCalls) -> None:
    filters = dict(FILTERS, order_by=[{"field": "date_posted", "desc": True}])
    source = floqer.create(filters=filters)
    sandbox.clock.advance(timedelta(minutes=2))
    first = floqer.rows(source)
    sandbox.clock.advance(timedelta(days=2))
    later = floqer.rows(source)
    dates = [r["date_posted"] for r in later]
    assert dates == sorted(dates, reverse=True)
    new_ids = {r["id"] for r in later} - {r["id"] for r in first}
    assert new_ids
    assert later[0]["id"] in new_ids  # the newest posting of the later run sorts to the front


def test_start_date_limits_the_first_fetch(sandbox: SandboxServer, floqer: FloqerCalls) -> None:
    start = (sandbox.clock.now() - timedelta(days=5)).date().isoformat()
    source = floqer.create(start_date=start)
    sandbox.clock.advance(timedelta(minutes=2))
    rows = floqer.rows(source)
    assert rows
    assert min(r["date_posted"] for r in rows) >= start


WORKFLOW = "6f1c0a52-3a8e-4e0b-9a57-1d2c3b4a5f60"


def test_sync_spends_credits_only_when_it_runs(
    sandbox: SandboxServer, floqer: FloqerCalls, http: httpx.Client
) -> None:
    source = floqer.create()
    sandbox.clock.advance(timedelta(minutes=2))
    rows = len(floqer.rows(source))
    before = http.get(f"{sandbox.control_url}/credits").json()["credits"]
    mapping = {"input.job_title": "job_title", "input.company": "company"}
    none = floqer.sync(source, workflow_id=WORKFLOW, field_mapping=mapping, run="none").json()["data"]
    assert (none["rows_pushed"], none["credits_used"]) == (rows, 0)
    ten = floqer.sync(source, workflow_id=WORKFLOW, field_mapping=mapping, run="first_10").json()["data"]
    assert ten["credits_used"] == min(10, rows)
    full = floqer.sync(source, workflow_id=WORKFLOW, field_mapping=mapping).json()["data"]
    assert full["run"] == "all" and full["push_existing"] is True and full["credits_used"] == rows
    after = http.get(f"{sandbox.control_url}/credits").json()["credits"]
    assert before - after == min(10, rows) + rows


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"workflow_id": WORKFLOW, "field_mapping": {"input.salary": "salary_string"}}, 400, "unknown_input"),
        ({"workflow_id": WORKFLOW, "field_mapping": {"input.Job_Title": "job_title"}}, 400, "unknown_input"),
        ({"workflow_id": "not-a-uuid"}, 400, "invalid_body"),
        ({"workflow_id": WORKFLOW, "run": "some"}, 400, "invalid_body"),
        ({"workflow_id": WORKFLOW, "surprise": 1}, 400, "invalid_body"),
        ({"workflow_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found"),
    ],
)
def test_sync_errors_use_the_nested_form(
    sandbox: SandboxServer, floqer: FloqerCalls, body: dict[str, Any], status: int, code: str
) -> None:
    source = floqer.create()
    response = floqer.sync(source, **body)
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == code


def test_legacy_create_names_the_id_source_id(http: httpx.Client) -> None:
    from matcher.sandbox import FloqerSettings
    from tests.conftest import sandbox_config

    with SandboxServer(sandbox_config(floqer=FloqerSettings(legacy_create_id=True))) as sandbox:
        body = {"name": "old", "filters": {"remote": True}, "expiration_date": "2027-01-01"}
        response = http.post(
            f"{sandbox.floqer_url}/api/v1/sources/track_job_postings",
            headers={"Authorization": f"Bearer {sandbox.keys.floqer}"},
            json=body,
        )
        assert set(response.json()["data"]) == {"source_id", "name", "created_at"}
