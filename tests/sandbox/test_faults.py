"""Each kind of fault, over a real socket, as a client will meet it."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from matcher.sandbox import FaultRule, SandboxServer
from tests.conftest import sandbox_config


def _source(sandbox: SandboxServer, http: httpx.Client, **filters: Any) -> str:
    body = {
        "name": "faults",
        "filters": filters or {"posted_at_max_age_days": 60},
        "expiration_date": (sandbox.clock.now() + timedelta(days=30)).date().isoformat(),
    }
    auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
    response = http.post(f"{sandbox.floqer_url}/api/v1/sources/track_job_postings", headers=auth, json=body)
    sandbox.clock.advance(timedelta(minutes=2))
    return f"{sandbox.floqer_url}/api/v1/sources/{response.json()['data']['source_instance_id']}/data"


def _page(sandbox: SandboxServer, http: httpx.Client, url: str, page: int, size: int = 50) -> httpx.Response:
    return http.get(
        url,
        params={"page_no": page, "page_size": size},
        headers={"Authorization": f"Bearer {sandbox.keys.floqer}"},
    )


def _vacancies(sandbox: SandboxServer, http: httpx.Client) -> httpx.Response:
    url = f"{sandbox.flowstate_url}/org/{sandbox.org_id}/vacancies"
    return http.get(url, headers={"Authorization": f"Bearer {sandbox.keys.flowstate}"})


def test_rate_limit_burst_on_floqer_then_recovery(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="rate_limit", after=1, times=2, params={"retry_after": 7})
    )
    statuses = [_page(sandbox, http, url, 1) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 429, 200]
    assert statuses[1].json() == {
        "status": 429,
        "error": "Too Many Requests",
        "message": "Rate limit exceeded. Try again in 7 seconds.",
        "retryAfter": 7,
    }


def test_rate_limit_on_flowstate_uses_the_header(sandbox: SandboxServer, http: httpx.Client) -> None:
    sandbox.faults.add(FaultRule(endpoint="flowstate.*", kind="rate_limit", params={"retry_after": 3}))
    limited = _vacancies(sandbox, http)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert _vacancies(sandbox, http).status_code == 200


def test_server_error_burst(sandbox: SandboxServer, http: httpx.Client) -> None:
    sandbox.faults.add(
        FaultRule(endpoint="flowstate.vacancies.list", kind="server_error", times=3, params={"status": 502})
    )
    statuses = [_vacancies(sandbox, http).status_code for _ in range(4)]
    assert statuses == [502, 502, 502, 200]


def test_slow_response(sandbox: SandboxServer, http: httpx.Client) -> None:
    sandbox.faults.add(FaultRule(endpoint="flowstate.vacancies.list", kind="slow", params={"seconds": 0.4}))
    started = time.monotonic()
    assert _vacancies(sandbox, http).status_code == 200
    assert time.monotonic() - started >= 0.4
    sandbox.faults.add(FaultRule(endpoint="flowstate.vacancies.list", kind="slow", params={"seconds": 0.5}))
    url = f"{sandbox.flowstate_url}/org/{sandbox.org_id}/vacancies"
    auth = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}
    with pytest.raises(httpx.ReadTimeout):
        http.get(url, headers=auth, timeout=0.1)


def test_dropped_connection(sandbox: SandboxServer, http: httpx.Client) -> None:
    sandbox.faults.add(FaultRule(endpoint="flowstate.vacancies.list", kind="drop"))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        _vacancies(sandbox, http)
    assert _vacancies(sandbox, http).status_code == 200


def test_drop_after_processing_still_did_the_work(sandbox: SandboxServer, http: httpx.Client) -> None:
    sandbox.faults.add(FaultRule(endpoint="floqer.create", kind="drop", params={"when": "after"}))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        _source(sandbox, http)
    listing = http.get(
        f"{sandbox.floqer_url}/api/v1/sources", headers={"Authorization": f"Bearer {sandbox.keys.floqer}"}
    )
    assert len(listing.json()["data"]) == 1  # the credit-spending call happened although no answer arrived


def test_truncated_body_short_read(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="truncate"))
    with pytest.raises(httpx.RemoteProtocolError):
        _page(sandbox, http, url, 1)
    assert _page(sandbox, http, url, 1).status_code == 200


def test_truncated_json_in_a_complete_response(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="truncate", params={"mode": "bad_json", "keep": 0.3})
    )
    response = _page(sandbox, http, url, 1)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert len(response.content) == int(len(_page(sandbox, http, url, 1).content) * 0.3)


def test_rows_inserted_at_the_front_between_page_reads(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    first = _page(sandbox, http, url, 1).json()["data"]
    sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="insert_front", params={"count": 5}))
    second = _page(sandbox, http, url, 2).json()["data"]
    assert second["total_count"] == first["total_count"] + 5
    # everything shifted by five: page 2 now starts with the last five rows of the old page 1
    assert second["rows"][:5] == first["rows"][-5:]
    head = _page(sandbox, http, url, 1).json()["data"]["rows"]
    known = {r["id"] for r in first["rows"]} | {r["id"] for r in second["rows"]}
    assert all(r["id"] not in known for r in head[:5])
    assert head[5:] == first["rows"][:45]


def test_rows_appended_at_the_end_between_page_reads(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    first = _page(sandbox, http, url, 1).json()["data"]
    total = first["total_count"]
    sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="append_rows", params={"count": 3}))
    second = _page(sandbox, http, url, 2).json()["data"]
    assert second["total_count"] == total + 3
    last_page = (total + 3 - 1) // 50 + 1
    tail = _page(sandbox, http, url, last_page).json()["data"]["rows"]
    appended = tail[-3:]
    assert all(r["id"] not in {x["id"] for x in first["rows"]} for r in appended)
    assert _page(sandbox, http, url, 1).json()["data"]["rows"] == first["rows"]


@pytest.mark.parametrize("how", ["missing_id", "bad_date", "wrong_type", "not_object"])
def test_a_malformed_row_inside_a_valid_page(sandbox: SandboxServer, http: httpx.Client, how: str) -> None:
    url = _source(sandbox, http)
    clean = _page(sandbox, http, url, 1).json()["data"]["rows"]
    sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="malformed_row", params={"index": 2, "how": how})
    )
    rows = _page(sandbox, http, url, 1).json()["data"]["rows"]
    assert rows[:2] == clean[:2] and rows[3:] == clean[3:]
    bad = rows[2]
    assert bad != clean[2]
    if how == "missing_id":
        assert "id" not in bad
    elif how == "bad_date":
        assert bad["date_posted"] == "31/02/2026"
    elif how == "wrong_type":
        assert bad["remote"] == "sometimes"
    else:
        assert isinstance(bad, str)
    assert _page(sandbox, http, url, 1).json()["data"]["rows"][2] == bad  # the bad row stays in the table


@pytest.mark.parametrize("service", ["floqer", "flowstate"])
def test_error_bodies_that_echo_the_authorization_header(
    sandbox: SandboxServer, http: httpx.Client, service: str
) -> None:
    sandbox.faults.add(FaultRule(endpoint=f"{service}.*", kind="echo_auth", params={"status": 500}))
    if service == "floqer":
        key = sandbox.keys.floqer
        response = http.get(
            f"{sandbox.floqer_url}/api/v1/sources", headers={"Authorization": f"Bearer {key}"}
        )
    else:
        key = sandbox.keys.flowstate
        response = _vacancies(sandbox, http)
    assert response.status_code == 500
    assert key in response.text


def test_probability_is_seeded_and_repeatable(http: httpx.Client) -> None:
    patterns = []
    for _ in range(2):
        with SandboxServer(sandbox_config()) as sandbox:
            sandbox.faults.add(
                FaultRule(
                    endpoint="flowstate.vacancies.list", kind="server_error", times=None, probability=0.5
                )
            )
            patterns.append([_vacancies(sandbox, http).status_code for _ in range(30)])
    assert patterns[0] == patterns[1]
    assert 5 < patterns[0].count(503) < 25


def test_faults_over_the_control_endpoint(sandbox: SandboxServer, http: httpx.Client) -> None:
    rule = {"endpoint": "flowstate.vacancies.list", "kind": "server_error", "times": 1}
    listed = http.post(f"{sandbox.control_url}/faults", json={"rules": [rule]}).json()["rules"]
    assert listed[0]["kind"] == "server_error" and listed[0]["fired"] == 0
    assert _vacancies(sandbox, http).status_code == 503
    assert http.get(f"{sandbox.control_url}/faults").json()["rules"][0]["fired"] == 1
    bad = http.post(f"{sandbox.control_url}/faults", json={"rules": [{"endpoint": "*", "kind": "gremlins"}]})
    assert bad.status_code == 400
    assert "gremlins" in bad.json()["error"]
    assert http.delete(f"{sandbox.control_url}/faults").json() == {"rules": []}


def test_clock_over_the_control_endpoint(sandbox: SandboxServer, http: httpx.Client) -> None:
    start = http.get(f"{sandbox.control_url}/clock").json()
    assert start["frozen"] is True
    moved = http.post(f"{sandbox.control_url}/clock", json={"advance_seconds": 3600}).json()
    assert moved["now"] == (sandbox.clock.now()).isoformat()
    assert (
        http.post(f"{sandbox.control_url}/clock", json={"freeze": "2020-01-01T00:00:00+00:00"}).status_code
        == 400
    )
    assert http.post(f"{sandbox.control_url}/clock", json={"rewind": 5}).status_code == 400


def test_server_error_as_a_proxys_html_page(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    sandbox.faults.add(
        FaultRule(endpoint="*", kind="server_error", times=2, params={"status": 502, "html": True})
    )
    for response in (_page(sandbox, http, url, 1), _vacancies(sandbox, http)):
        assert response.status_code == 502 and response.headers["Content-Type"] == "text/html"
        assert "<title>502 Bad Gateway</title>" in response.text


def test_floqer_errors_in_a_200_envelope(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = _source(sandbox, http)
    sandbox.faults.add(
        FaultRule(
            endpoint="floqer.data", kind="rate_limit", times=1, params={"retry_after": 3, "as_200": True}
        ),
        FaultRule(endpoint="floqer.data", kind="server_error", after=1, times=1, params={"as_200": True}),
    )
    limited, failed, served = (_page(sandbox, http, url, 1) for _ in range(3))
    assert (
        limited.status_code == 200 and limited.json()["status"] == 429 and limited.json()["retryAfter"] == 3
    )
    assert failed.status_code == 200 and failed.json()["status"] == 503 and "data" not in failed.json()
    assert served.status_code == 200 and served.json()["data"]["rows"]
