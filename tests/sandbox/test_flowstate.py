"""Flowstate's vacancies, locations, job roles and work types, over a real socket."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from matcher.sandbox import FlowstateSettings, SandboxServer
from tests.conftest import sandbox_config


class FlowstateCalls:
    def __init__(self, sandbox: SandboxServer, http: httpx.Client) -> None:
        self.http = http
        self.org = f"{sandbox.flowstate_url}/org/{sandbox.org_id}"
        self.auth = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.org}{path}", headers=self.auth, params=params)

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, page=page, limit=7, **params).json()
            found.extend(body["data"])
            assert body["meta"]["page"] == page and body["meta"]["limit"] == 7
            if not body["meta"]["hasNextPage"]:
                assert len(found) == body["meta"]["total"]
                return found
            page += 1


@pytest.fixture
def fs(sandbox: SandboxServer, http: httpx.Client) -> FlowstateCalls:
    return FlowstateCalls(sandbox, http)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["errorId"].startswith("err_")
    return error


def test_filled_vacancies_are_hidden_unless_asked_for(fs: FlowstateCalls) -> None:
    visible = fs.all("/vacancies")
    everything = fs.all("/vacancies", excludeFilled="false")
    assert len(visible) == 23
    assert all(v["status"] != "filled" for v in visible)
    filled = [v for v in everything if v["status"] == "filled"]
    assert len(filled) == 5 and len(everything) == 28
    assert {v["status"] for v in everything} == {"open", "filled", "on_hold", "cancelled"}
    assert fs.all("/vacancies", excludeFilled="true") == visible


def test_every_reference_resolves(fs: FlowstateCalls) -> None:
    for vacancy in fs.all("/vacancies", excludeFilled="false"):
        for key, path in (
            ("geographyId", "/locations"),
            ("jobRoleId", "/job-roles"),
            ("workTypeId", "/work-types"),
        ):
            if vacancy[key] is not None:
                record = fs.get(f"{path}/{vacancy[key]}")
                assert record.status_code == 200, (vacancy["id"], key)
                assert record.json()["data"]["id"] == vacancy[key]


def test_bands_are_exact_decimal_strings_in_several_currencies(fs: FlowstateCalls) -> None:
    vacancies = fs.all("/vacancies", excludeFilled="false")
    currencies = {v["currencyCode"] for v in vacancies}
    assert len(currencies) >= 3
    for v in vacancies:
        if v["salaryMin"] is not None:
            assert Decimal(v["salaryMin"]) <= Decimal(v["salaryMax"])
            assert v["salaryMin"] == f"{Decimal(v['salaryMin']):.2f}"


def test_sorting_and_direction(fs: FlowstateCalls) -> None:
    ascending = [v["role"].lower() for v in fs.all("/vacancies")]  # documented default: sortBy=role, asc
    assert ascending == sorted(ascending)
    by_max = fs.all("/vacancies", sortBy="salaryMax", sortDir="desc")
    amounts = [Decimal(v["salaryMax"]) for v in by_max if v["salaryMax"] is not None]
    assert amounts == sorted(amounts, reverse=True)  # numeric, not string order
    error = _error(fs.get("/vacancies", sortBy="favouriteColour"), 400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "sortBy"
    _error(fs.get("/vacancies", sortDir="sideways"), 400, "VALIDATION_ERROR")


def test_search_by_role_or_description(fs: FlowstateCalls) -> None:
    found = fs.all("/vacancies", search="ENGINEER")
    assert found
    assert all("engineer" in (v["role"] + " " + (v["description"] or "")).lower() for v in found)
    assert fs.get("/vacancies", search="zzz-no-such-role").json() == {
        "data": [],
        "meta": {"page": 1, "limit": 20, "total": 0, "hasNextPage": False},
    }


@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 201}, "limit"), ({"limit": 0}, "limit"), ({"page": "x"}, "page")]
)
def test_paging_parameters_are_checked(fs: FlowstateCalls, params: dict[str, Any], field: str) -> None:
    error = _error(fs.get("/vacancies", **params), 400, "VALIDATION_ERROR")
    assert [d["field"] for d in error["details"]] == [field]


def test_limit_200_allowed_and_newer_servers_cap_at_100(fs: FlowstateCalls, http: httpx.Client) -> None:
    assert fs.get("/vacancies", limit=200).status_code == 200
    with SandboxServer(sandbox_config(flowstate=FlowstateSettings(max_limit=100))) as newer:
        calls = FlowstateCalls(newer, http)
        assert calls.get("/vacancies", limit=100).status_code == 200
        _error(calls.get("/vacancies", limit=101), 400, "VALIDATION_ERROR")


def test_a_scenario_overlays_live_data(fs: FlowstateCalls, sandbox: SandboxServer) -> None:
    live = {v["id"]: v for v in fs.all("/vacancies", excludeFilled="false")}
    scenario = sandbox.app.market.scenarios[0]
    what_if = {v["id"]: v for v in fs.all("/vacancies", excludeFilled="false", scenarioId=scenario["id"])}
    assert what_if != live
    for removed in scenario["removed"]:
        assert removed in live and removed not in what_if
    for added in scenario["added"]:
        assert added["id"] in what_if and added["id"] not in live
    for vacancy_id, changes in scenario["overrides"].items():
        assert what_if[vacancy_id] == dict(live[vacancy_id], **changes)
        single = fs.get(f"/vacancies/{vacancy_id}", scenarioId=scenario["id"]).json()["data"]
        assert single == what_if[vacancy_id]
    assert {v["id"]: v for v in fs.all("/vacancies", excludeFilled="false")} == live  # live data untouched
    _error(fs.get("/vacancies", scenarioId="scn_nope"), 404, "NOT_FOUND")


@pytest.mark.parametrize("resource", ["locations", "job-roles", "work-types", "resource-types"])
def test_referenced_resources_list_and_get(fs: FlowstateCalls, resource: str) -> None:
    records = fs.all(f"/{resource}")
    assert records
    for record in records:
        assert fs.get(f"/{resource}/{record['id']}").json() == {"data": record}
    _error(fs.get(f"/{resource}/nope"), 404, "NOT_FOUND")


def test_location_shape(fs: FlowstateCalls) -> None:
    keys = {
        "id",
        "name",
        "countryCode",
        "region",
        "timezone",
        "defaultCurrencyCode",
        "costMultiplier",
        "isActive",
        "sortOrder",
        "createdAt",
        "updatedAt",
    }
    for location in fs.all("/locations"):
        assert keys <= set(location)
        assert len(location["countryCode"]) == 2


def test_auth_and_org_errors(sandbox: SandboxServer, http: httpx.Client, fs: FlowstateCalls) -> None:
    _error(http.get(f"{fs.org}/vacancies"), 401, "UNAUTHORIZED")
    _error(
        http.get(f"{fs.org}/vacancies", headers={"Authorization": "Bearer private_x_y"}), 401, "UNAUTHORIZED"
    )
    other_org = f"{sandbox.flowstate_url}/org/someone-else/vacancies"
    _error(http.get(other_org, headers=fs.auth), 403, "FORBIDDEN")
    read_only = {"Authorization": f"Bearer {sandbox.keys.flowstate_read_only}"}
    assert http.get(f"{fs.org}/vacancies", headers=read_only).status_code == 200
    _error(
        http.post(f"{fs.org}/vacancies", headers=read_only, json={"role": "x", "status": "open"}),
        403,
        "FORBIDDEN",
    )


def test_create_validation_lists_every_problem(fs: FlowstateCalls) -> None:
    body = {
        "description": 5,
        "status": "dreaming",
        "salaryMin": "10.001",
        "salaryMax": "x",
        "currencyCode": "usd",
        "geographyId": "nowhere",
        "id": "mine",
        "colour": "blue",
        "targetStartDate": "soon",
    }
    error = _error(fs.http.post(f"{fs.org}/vacancies", headers=fs.auth, json=body), 400, "VALIDATION_ERROR")
    assert sorted({d["field"] for d in error["details"]}) == [
        "colour",
        "currencyCode",
        "description",
        "geographyId",
        "id",
        "role",
        "salaryMax",
        "salaryMin",
        "status",
        "targetStartDate",
    ]
    inverted = {"role": "x", "status": "open", "salaryMin": "200.00", "salaryMax": "100.00"}
    error = _error(
        fs.http.post(f"{fs.org}/vacancies", headers=fs.auth, json=inverted), 400, "VALIDATION_ERROR"
    )
    assert error["details"] == [
        {"field": "salaryMax", "message": "salaryMax 100.00 is below salaryMin 200.00"}
    ]


def test_money_is_kept_exact(fs: FlowstateCalls) -> None:
    body = b'{"role": "Quant", "status": "open", "salaryMin": 123456.70, "salaryMax": "99999999999999.99"}'
    response = fs.http.post(
        f"{fs.org}/vacancies", headers=dict(fs.auth, **{"Content-Type": "application/json"}), content=body
    )
    data = response.json()["data"]
    assert (data["salaryMin"], data["salaryMax"]) == ("123456.70", "99999999999999.99")


def test_patch_replaces_metadata_wholesale(fs: FlowstateCalls) -> None:
    vacancy = next(v for v in fs.all("/vacancies") if v["metadata"])
    before = dict(vacancy["metadata"])
    url = f"{fs.org}/vacancies/{vacancy['id']}"
    patched = fs.http.patch(
        url, headers=fs.auth, json={"metadata": {"marketBenchmark": {"p50": "1.00"}}}
    ).json()["data"]
    assert patched["metadata"] == {"marketBenchmark": {"p50": "1.00"}}
    assert not set(before) & set(patched["metadata"])
    assert patched["role"] == vacancy["role"]  # other fields untouched
    assert fs.get(f"/vacancies/{vacancy['id']}").json()["data"] == patched


def test_patch_validates_against_the_stored_band(fs: FlowstateCalls) -> None:
    vacancy = next(v for v in fs.all("/vacancies") if v["salaryMin"] is not None)
    lower = str(Decimal(vacancy["salaryMin"]) - 1)
    response = fs.http.patch(
        f"{fs.org}/vacancies/{vacancy['id']}", headers=fs.auth, json={"salaryMax": lower}
    )
    _error(response, 400, "VALIDATION_ERROR")


def test_conflicting_external_id(fs: FlowstateCalls) -> None:
    body = {"role": "x", "status": "open", "externalId": "EXT-1"}
    assert fs.http.post(f"{fs.org}/vacancies", headers=fs.auth, json=body).status_code == 201
    _error(fs.http.post(f"{fs.org}/vacancies", headers=fs.auth, json=body), 409, "CONFLICT")


def test_unknown_vacancy_and_route(fs: FlowstateCalls) -> None:
    _error(fs.get("/vacancies/clxnope"), 404, "NOT_FOUND")
    _error(fs.http.patch(f"{fs.org}/vacancies/clxnope", headers=fs.auth, json={}), 404, "NOT_FOUND")
    _error(fs.http.delete(f"{fs.org}/vacancies/clxnope", headers=fs.auth), 404, "NOT_FOUND")
    _error(fs.get("/employees"), 404, "NOT_FOUND")


def test_rate_limit_sends_retry_after(http: httpx.Client) -> None:
    with SandboxServer(sandbox_config(flowstate_rate_per_minute=2)) as sandbox:
        calls = FlowstateCalls(sandbox, http)
        responses = [calls.get("/vacancies") for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 429]
        assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60
        _error(responses[-1], 429, "RATE_LIMITED")
