"""The clients against services that follow the documents but not our guesses (``httpx.MockTransport``).

Each test plays one reading the contracts leave open (``../shared/api/CONTRACT-NOTES.md``) and shows the
client takes it; the whole ingest against every reading at once is in ``test_profiles.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.common.errors import BadRequestError, NotFoundError, RateLimitedError, UnreachableError
from matcher.ingest.floqer import FILTER_KEYS, FloqerClient, validate_filters
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient, RetryPolicy, read_error_body, seconds_hint
from matcher.ingest.lake import Lake
from matcher.ingest.models import PostingRow, Vacancy, validate_tolerantly
from matcher.ingest.runner import IngestOptions, IngestRun

SOURCE = "3b0c8a52-3a8e-4e0b-9a57-1d2c3b4a5f60"
OTHER = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"
Handler = Callable[[httpx.Request], httpx.Response]


def _api(service: str, handler: Handler, slept: list[float] | None = None) -> ApiClient:
    return ApiClient(
        service=service,
        base_url="https://api.example.test" if service == "floqer" else "https://t.example.test/api/v1",
        api_key="floq_testkey0123456789abcdef" if service == "floqer" else "private_t_" + "0123456789abcdef",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=(slept if slept is not None else []).append,
    )


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def _row(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": i, "job_title": f"Data Engineer {i}", "date_posted": "2026-10-01", **extra}


# -- Floqer: /data shapes, listing, lifecycle --------------------------------------------------------------


def _floqer_server(
    rows: dict[str, list[Any]],
    *,
    shape: str = "rows",
    listing: str = "list",
    statuses: dict[str, str] | None = None,
) -> tuple[Handler, list[httpx.Request]]:
    """A Floqer that serves ``rows`` per source in one of the shapes the contract allows."""
    seen: list[httpx.Request] = []
    statuses = statuses or {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == "/api/v1/sources":
            items = [
                {"source_instance_id": sid, "name": sid[:4], "status": statuses.get(sid, "active")}
                for sid in rows
            ]
            if listing == "absent":
                return _json(
                    404, {"status": 404, "error": "Not Found", "message": "Cannot GET /api/v1/sources"}
                )
            if listing == "paged":
                page = int(request.url.params.get("page_no", 1))
                chunk = items[(page - 1) * 1 : page * 1]  # one per page, whatever was asked
                return _json(200, {"status": 200, "data": {"sources": chunk, "total_count": len(items)}})
            return _json(200, {"status": 200, "data": items})
        source = path.split("/")[4]
        if source not in rows:
            return _json(404, {"status": 404, "error": "Not Found", "message": f"Source {source} not found"})
        page, size = int(request.url.params["page_no"]), int(request.url.params["page_size"])
        chunk = rows[source][(page - 1) * size : page * size]
        if shape == "rows":
            data: Any = {"rows": chunk, "total_count": len(rows[source])}
        elif shape == "data":  # as preview answers: rows under data, no total_count
            data = {"data": chunk}
        else:  # the list itself
            data = chunk
        return _json(200, {"status": 200, "data": data})

    return handler, seen


@pytest.mark.parametrize("shape", ["rows", "data", "list"])
def test_every_data_shape_lands_every_row_once(shape: str, tmp_path: Path) -> None:
    rows = {SOURCE: [_row(i) for i in range(7)]}
    handler, seen = _floqer_server(rows, shape=shape)
    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=3))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    manifest = run.finish()
    assert manifest["status"] == "ok"
    landed = Lake(tmp_path).read("floqer_postings")["posting_id"].to_list()
    assert sorted(landed, key=int) == [str(i) for i in range(7)]
    data_calls = [r for r in seen if r.url.path.endswith("/data")]
    # 3 + 3 + 1: with total_count the short page ends it; without one it may be the server's smaller page
    # size (test_contract_readings.py), so an empty page ends it
    assert len(data_calls) == (3 if shape == "rows" else 4)


def test_a_server_that_ignores_page_no_does_not_loop(tmp_path: Path) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/sources":
            return _json(200, {"status": 200, "data": []})
        calls.append(int(request.url.params["page_no"]))
        return _json(200, {"status": 200, "data": {"data": [_row(1), _row(2)]}})  # always page 1

    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=2))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    assert calls == [1, 2]
    assert run.finish()["totals"]["landed"] == 2


@pytest.mark.parametrize("listing", ["absent", "paged"])
def test_the_source_listing_is_optional_and_may_be_paged(listing: str, tmp_path: Path) -> None:
    rows = {SOURCE: [_row(1)], OTHER: [_row(2)]}
    handler, seen = _floqer_server(rows, listing=listing, statuses={OTHER: "expired"})
    run = IngestRun(Lake(tmp_path))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE, OTHER])
    manifest = run.finish()
    assert manifest["totals"]["landed"] == 2
    assert manifest["status"] == "ok"
    if listing == "absent":
        assert manifest["entities"]["floqer:listing"]["outcome"] == "warning"
        assert "source listing unavailable" in manifest["entities"]["floqer:listing"]["warnings"][0]
        assert "404" in manifest["entities"]["floqer:listing"]["warnings"][0]
    else:  # both pages were read: the expired source on page 2 is known and warned about
        assert sum(r.url.path == "/api/v1/sources" for r in seen) >= 2
        assert run.source_statuses == {SOURCE: "active", OTHER: "expired"}
        assert manifest["entities"][f"floqer:{OTHER}"]["outcome"] == "warning"
        assert "expired" in manifest["entities"][f"floqer:{OTHER}"]["warnings"][0]


def test_a_deleted_source_fails_alone_and_says_how_to_stop_tracking_it(tmp_path: Path) -> None:
    rows = {SOURCE: [_row(1), _row(2)]}
    handler, _ = _floqer_server(rows)
    run = IngestRun(Lake(tmp_path))
    run.floqer(FloqerClient(_api("floqer", handler)), [OTHER, SOURCE])  # the dead one first
    manifest = run.finish()
    assert manifest["status"] == "partial"
    assert manifest["totals"]["landed"] == 2
    reason = manifest["failed"][f"floqer:{OTHER}"]
    assert "404" in reason and f"matcher floqer untrack {OTHER}" in reason
    assert "\n" not in reason
    assert manifest["entities"][f"floqer:{SOURCE}"]["outcome"] == "landed"


def test_strict_fails_a_source_that_no_longer_imports(tmp_path: Path) -> None:
    rows = {SOURCE: [_row(1)], OTHER: [_row(2)]}
    handler, _ = _floqer_server(rows, statuses={OTHER: "completed"})
    run = IngestRun(Lake(tmp_path), IngestOptions(strict=True))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE, OTHER])
    manifest = run.finish()
    assert manifest["status"] == "partial"
    assert "completed" in manifest["failed"][f"floqer:{OTHER}"]
    assert manifest["totals"]["landed"] == 2  # what it holds still lands


def test_retry_after_as_a_string_is_honoured() -> None:
    responses = [
        _json(429, {"status": 429, "error": "Too Many Requests", "message": "slow down", "retryAfter": "7"}),
        _json(200, {"status": 200, "data": []}),
    ]
    slept: list[float] = []
    api = _api("floqer", lambda request: responses.pop(0), slept)
    assert api.request_json("GET", "/api/v1/sources") == {"status": 200, "data": []}
    assert len(slept) == 1 and 7 <= slept[0] <= 8


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=8)))
def test_seconds_hint_is_never_negative_nor_nan(value: Any) -> None:
    hint = seconds_hint(value)
    assert hint is None or (hint >= 0 and hint == hint and hint != float("inf"))


def test_a_negative_hint_is_ignored_and_backoff_used() -> None:
    body = {"status": 429, "error": "Too Many Requests", "message": "x", "retryAfter": -5}
    response = _json(429, body)
    assert read_error_body(response).retry_after is None
    slept: list[float] = []
    api = _api("floqer", lambda request: _json(429, body), slept)
    api.retry = RetryPolicy(max_attempts=2)
    with pytest.raises(RateLimitedError):
        api.request_json("GET", "/api/v1/sources")
    assert len(slept) == 1 and 0 < slept[0] <= 0.5


# -- Floqer: credits are spent only on what the user meant -------------------------------------------------


def _counting() -> tuple[FloqerClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(201, {"status": 201, "data": {"source_instance_id": SOURCE, "name": "x"}})

    return FloqerClient(_api("floqer", handler)), seen


def test_a_filter_typo_never_reaches_a_credit_spending_call() -> None:
    client, seen = _counting()
    with pytest.raises(BadRequestError, match=r"job_title_of.*did you mean 'job_title_or'"):
        client.create(name="x", filters={"job_title_of": ["Data Engineer"]}, expiration_date="2027-01-01")
    with pytest.raises(BadRequestError, match="did you mean 'job_title_or'"):
        client.preview({"job_title_of": ["Data Engineer"]})
    assert seen == []


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"job_title_or": [], "job_country_code_or": ""}, "no filter has a value"),
        ({"job_title_or": [None]}, "expected an array of strings"),
        ({"job_title_or": "Data Engineer"}, "expected an array of strings"),
        ({"remote": "yes", "job_title_or": ["x"]}, "expected true or false"),
        ({"posted_at_max_age_days": "30", "job_title_or": ["x"]}, "expected a positive integer"),
        ({"posted_at_max_age_days": 30}, "selects every recent posting"),
        ({"order_by": [{"field": "date_posted"}], "posted_at_max_age_days": 30}, "selects every recent"),
        ({"job_description_pattern_or": ["(unclosed"]}, "not a valid pattern"),
        ({"job_title_or": ["", "  "]}, "no filter has a value"),  # Floqer ignores empty strings too
        ({"job_title_not": ["intern"]}, "selects every recent posting"),  # exclusions narrow nothing alone
        ({"company_name_not": ["Acme"], "posted_at_max_age_days": 30}, "selects every recent posting"),
        ({"min_employee_count": 0}, "selects every recent posting"),
    ],
)
def test_bad_or_empty_filter_sets_are_refused_before_sending(filters: dict[str, Any], message: str) -> None:
    client, seen = _counting()
    with pytest.raises(BadRequestError, match=message):
        client.create(name="x", filters=filters, expiration_date="2027-01-01")
    assert seen == []


def test_a_broad_filter_set_is_allowed_when_asked_for_and_extra_keys_by_name() -> None:
    client, seen = _counting()
    client.create(name="x", filters={"posted_at_max_age_days": 30}, expiration_date="2027-01-01", broad=True)
    extended = FloqerClient(client.api, allow_filter_keys=["job_location_pattern_or"])
    extended.create(name="x", filters={"job_location_pattern_or": ["Berlin"]}, expiration_date="2027-01-01")
    assert len(seen) == 2


def test_filter_warnings_do_not_block() -> None:
    problems, warnings = validate_filters(
        {"job_title_or": ["x"], "job_seniority_or": ["senoir"], "job_country_code_or": ["USA"]}
    )
    assert problems == []
    assert any("senoir" in w for w in warnings) and any("USA" in w for w in warnings)


@given(st.sampled_from(sorted(FILTER_KEYS)), st.integers(0, 2))
def test_a_one_letter_typo_of_any_key_is_refused_and_names_the_key(key: str, position: int) -> None:
    typo = key[: position + 1] + "x" + key[position + 2 :] if key[position + 1] != "x" else key + "s"
    problems, _ = validate_filters({typo: ["a"], "job_title_or": ["b"]})
    assert any(f"filters.{typo}" in p and f"{key!r}" in p for p in problems)


def test_a_sync_mapping_to_no_row_field_is_refused_before_sending() -> None:
    client, seen = _counting()
    with pytest.raises(BadRequestError, match=r"'job_titel' is not a row field.*did you mean 'job_title'"):
        client.sync(SOURCE, workflow_id=OTHER, field_mapping={"input.job_title": "job_titel"}, run="all")
    assert seen == []


def test_server_warnings_on_data_are_recorded_once_per_source(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/sources":
            return _json(200, {"status": 200, "data": []})
        page = int(request.url.params["page_no"])
        rows = [_row(i) for i in range((page - 1) * 2, min(page * 2, 3))]
        warning = {"field": "source", "code": "low_credits", "message": "10 credits left"}
        return _json(200, {"status": 200, "data": {"rows": rows, "total_count": 3}, "warnings": [warning]})

    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=2, check_listing=False))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    stats = run.finish()["entities"][f"floqer:{SOURCE}"]
    assert stats["landed"] == 3 and stats["pages"] == 2
    assert stats["warnings"] == ["Floqer: source: 10 credits left (low_credits)"]
    assert stats["outcome"] == "warning"


def test_server_warnings_on_create_and_sync_are_returned() -> None:
    warning = {"field": "filters.colour", "code": "unknown_filter", "message": "ignored"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sync"):
            return _json(200, {"status": 200, "data": {"rows_run": 1}, "warnings": [warning]})
        return _json(201, {"status": 201, "data": {"source_id": SOURCE}, "warnings": [warning]})

    client = FloqerClient(_api("floqer", handler))
    created = client.create(name="x", filters={"job_title_or": ["a"]}, expiration_date="2027-01-01")
    assert created.source_instance_id == SOURCE and created.warnings == [warning]
    synced = client.sync(
        SOURCE, workflow_id=OTHER, field_mapping={"input.job_title": "job_title"}, run="none"
    )
    assert synced["warnings"] == [warning]


# -- Flowstate: resource names, optional lists, documented parameters only --------------------------------


def _flowstate_server(
    *, work_types_at: str = "resource-types", forbidden: frozenset[str] = frozenset()
) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    vacancies = [
        {"id": "v1", "role": "Data Engineer", "status": "open", "updatedAt": "2026-01-01T00:00:00Z"},
        {"id": "v2", "role": "Analyst", "status": "open", "metadata": None, "salaryMin": "120,000.00",
         "updatedAt": "2026-01-01T00:00:00Z"},
        {"id": "v3", "role": 7, "status": "open", "fte": "half", "updatedAt": "2026-01-01T00:00:00Z"},
    ]  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        resource = request.url.path.split("/")[5]
        if resource in forbidden:
            error = {"code": "FORBIDDEN", "message": f"lacks {resource}:read", "errorId": "err_42"}
            return _json(403, {"error": error})
        if resource in ("work-types", "resource-types") and resource != work_types_at:
            return _json(404, {"error": {"code": "NOT_FOUND", "message": "Cannot GET", "errorId": "err_1"}})
        items = vacancies if resource == "vacancies" else [{"id": f"{resource}-1", "name": "x"}]
        meta = {"page": 1, "limit": 100, "total": len(items), "hasNextPage": False}
        return _json(200, {"data": items, "meta": meta})

    return handler, seen


@pytest.mark.parametrize("work_types_at", ["resource-types", "work-types"])
def test_work_types_under_either_name_and_the_answering_one_is_remembered(
    work_types_at: str, tmp_path: Path
) -> None:
    handler, seen = _flowstate_server(work_types_at=work_types_at)
    client = FlowstateClient(_api("flowstate", handler), org_id="org_1")
    assert client.list_resource("work_types") == [{"id": f"{work_types_at}-1", "name": "x"}]
    asked = len(seen)
    client.list_resource("work_types")
    assert [r.url.path.rsplit("/", 1)[1] for r in seen[asked:]] == [work_types_at]  # straight to it
    run = IngestRun(Lake(tmp_path))
    run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    stats = run.finish()["entities"]["flowstate:work_types"]
    assert stats["landed"] == 1 and stats["detail"]["path"] == f"/{work_types_at}"


def test_a_vacancies_only_key_still_lands_every_vacancy(tmp_path: Path) -> None:
    handler, _ = _flowstate_server(
        forbidden=frozenset({"locations", "job-roles", "resource-types", "work-types"})
    )
    run = IngestRun(Lake(tmp_path))
    run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    manifest = run.finish()
    assert manifest["status"] == "ok"
    assert manifest["entities"]["flowstate:vacancies"]["landed"] == 3
    for resource in ("locations", "job_roles", "work_types"):
        stats = manifest["entities"][f"flowstate:{resource}"]
        assert stats["outcome"] == "warning"
        assert "403" in stats["warnings"][0] and "errorId err_42" in stats["warnings"][0]


def test_lists_send_only_documented_parameters(tmp_path: Path) -> None:
    handler, seen = _flowstate_server()
    FlowstateClient(_api("flowstate", handler), org_id="org_1").list_vacancies()
    params = dict(seen[0].url.params)
    assert "sortBy" not in params and "sortDir" not in params
    assert params == {"excludeFilled": "false", "page": "1", "limit": "100"}


def test_vacancies_with_unused_bad_fields_land_and_never_disappear(tmp_path: Path) -> None:
    handler, _ = _flowstate_server()
    lake = Lake(tmp_path)
    run = IngestRun(lake)
    run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    stats = run.finish()["entities"]["flowstate:vacancies"]
    assert stats["landed"] == 3 and stats["quarantined"] == 0
    assert stats["fields_coerced"] == {"metadata": 1, "salaryMin": 1, "role": 1}  # role 7 read as "7"
    assert stats["fields_nulled"] == {"fte": 1}
    again = IngestRun(lake)
    again.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    again.finish()
    assert lake.read("flowstate_vacancy_events").height == 0
    raw = {r["vacancy_id"]: json.loads(r["raw_json"]) for r in lake.read("flowstate_vacancies").to_dicts()}
    assert raw["v2"]["salaryMin"] == "120,000.00" and raw["v2"]["metadata"] is None  # kept as received


def test_a_quarantined_vacancy_is_not_called_disappeared(tmp_path: Path) -> None:
    state = {"bad": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/vacancies"):
            return _json(200, {"data": [], "meta": {"hasNextPage": False}})
        vacancy: dict[str, Any] = {"id": "v1", "role": "x", "status": "open", "updatedAt": "2026-01-01"}
        if state["bad"]:
            vacancy = {"id": "v1", "role": {"a": 1}, "updatedAt": ["not", "a", "date"], "metadata": 5}
        return _json(200, {"data": [vacancy], "meta": {"hasNextPage": False}})

    lake = Lake(tmp_path)
    for bad in (False, True):
        state["bad"] = bad
        run = IngestRun(lake)
        run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
        run.finish()
    assert lake.read("flowstate_vacancy_events").height == 0


def test_a_failed_vacancy_list_fails_alone_and_marks_nothing_disappeared(tmp_path: Path) -> None:
    pages = {"fail": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/vacancies"):
            return _json(200, {"data": [], "meta": {"hasNextPage": False}})
        if pages["fail"]:
            return _json(
                404, {"error": {"code": "NOT_FOUND", "message": "Scenario gone", "errorId": "err_9"}}
            )
        vacancy = {"id": "v1", "role": "x", "status": "open", "updatedAt": "2026-01-01T00:00:00Z"}
        return _json(200, {"data": [vacancy], "meta": {"hasNextPage": False}})

    lake = Lake(tmp_path)
    IngestRun(lake).flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    pages["fail"] = True
    run = IngestRun(lake)
    run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org_1"))
    manifest = run.finish()
    assert manifest["status"] == "partial"
    assert "errorId err_9" in manifest["failed"]["flowstate:vacancies"]
    assert lake.read("flowstate_vacancy_events").height == 0


# -- rows: only the key is needed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "read_as"),
    [
        ("remote", 1, True),
        ("hybrid", "false", False),
        ("employment_statuses", "full_time", ["full_time"]),
        ("date_posted", "2026-10-01T12:30:00Z", "2026-10-01"),
        ("date_posted", "", None),
        ("min_annual_salary", "120,000.50", Decimal("120000.50")),
        ("remote", "sometimes", None),
        ("locations", [{"name": "Austin, TX", "latitude": "n/a"}], [{"name": "Austin, TX"}]),
    ],
)
def test_a_bad_unused_field_is_read_or_nulled_never_the_row(field: str, value: Any, read_as: Any) -> None:
    checked = validate_tolerantly(PostingRow, {"id": 5, field: value}, required=["id"])
    assert checked.record is not None and checked.reason is None
    got = getattr(checked.record, field)
    if field == "date_posted" and got is not None:
        got = got.isoformat()
    if field == "locations":
        got = [{"name": loc.name} for loc in got]
        assert checked.nulled == {"locations.latitude": "got 'n/a', expected a number"}
    assert got == read_as
    assert (field in checked.coerced) or (field in checked.nulled) or field == "locations"


@given(
    st.dictionaries(
        st.sampled_from(["remote", "hybrid", "date_posted", "discovered_at", "employment_statuses",
                         "min_annual_salary", "latitude", "employee_count", "reposted", "job_title"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                  st.lists(st.text(max_size=5), max_size=2),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=1)),
    ),
    st.one_of(st.integers(0, 10**12), st.text(min_size=1, max_size=10).filter(str.strip)),
)  # fmt: skip
def test_any_field_values_with_a_usable_id_land(fields: dict[str, Any], key: Any) -> None:
    checked = validate_tolerantly(PostingRow, {"id": key, **fields}, required=["id"])
    assert checked.record is not None, checked.reason
    assert checked.record.posting_id == str(key)


def test_a_row_without_a_usable_key_is_quarantined_with_the_field_named() -> None:
    assert (
        validate_tolerantly(PostingRow, {"job_title": "x"}, required=["id"]).reason == "id: missing, required"
    )
    reason = validate_tolerantly(Vacancy, {"id": ["x"], "role": "r"}, required=["id"]).reason
    assert reason is not None and reason.startswith("id: got ['x']")


# -- failing fast on what retrying cannot fix ---------------------------------------------------------------


def test_a_wrong_base_url_fails_fast_naming_the_host_once() -> None:
    api = ApiClient(
        service="floqer", base_url="http://127.0.0.1:9", api_key="floq_testkey0123456789", timeout=2
    )
    started = time.monotonic()
    with pytest.raises(UnreachableError) as caught:
        api.request_json("GET", "/api/v1/sources")
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.count("127.0.0.1") == 1 and "connection refused" in message
    assert message.count("floqer GET /api/v1/sources") == 1
    assert api.stats.requests == 2  # one retry at most


def test_a_name_that_does_not_resolve_fails_fast() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    slept: list[float] = []
    api = _api("flowstate", handler, slept)
    with pytest.raises(
        UnreachableError, match=r"cannot connect to https://t.example.test/api/v1 \(the host "
    ):
        api.request_json("GET", "/org/o/vacancies")
    assert api.stats.requests == 2 and len(slept) == 1


def test_flowstate_error_id_and_path_are_in_the_message() -> None:
    error = {"code": "NOT_FOUND", "message": "Vacancy x not found", "errorId": "err_000042"}
    api = _api("flowstate", lambda request: _json(404, {"error": error}))
    with pytest.raises(NotFoundError) as caught:
        api.request_json("GET", "/org/o/vacancies/x")
    assert (
        str(caught.value) == "flowstate GET /org/o/vacancies/x: 404 Vacancy x not found (errorId err_000042)"
    )
