"""Readings of the two contracts that a faithful server may take and our first guesses did not.

Each test plays one reading with a tiny independent server (``httpx.MockTransport``, written from the
documents in ``../shared/api/`` and not from the sandbox) and runs the clients or the ingest runner against
it. Every test here failed before its fix: the symptom is named in the test's docstring. The sandbox plays
the same readings as knobs (``docs/sandbox.md``); ``test_profiles.py`` runs ``matcher run`` against them.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from matcher.common.errors import NotFoundError, RemoteError
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import read_error_body
from matcher.ingest.lake import Lake
from matcher.ingest.models import PostingRow, Vacancy, validate_tolerantly
from matcher.ingest.runner import IngestOptions, IngestRun
from tests.ingest.test_tolerance import SOURCE, Handler, _api, _json

FLOWSTATE_KEY = "private_t_" + "0123456789abcdef"  # the fake key test_tolerance's ``_api`` gives Flowstate


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "job_title": f"Data Engineer {i}", "date_posted": "2026-10-01"} for i in range(1, n + 1)
    ]


def _ingest_floqer(tmp_path: Path, handler: Handler, *, runs: int = 1) -> tuple[Lake, dict[str, Any]]:
    lake = Lake(tmp_path / "lake")
    manifest: dict[str, Any] = {}
    for _ in range(runs):
        run = IngestRun(lake, IngestOptions(check_listing=False))
        with FloqerClient(_api("floqer", handler)) as client:
            run.floqer(client, [SOURCE])
        manifest = run.finish()
    return lake, manifest["entities"][f"floqer:{SOURCE}"]


def _landed(lake: Lake) -> list[str]:
    return lake.read("floqer_postings")["posting_id"].to_list()


# -- Floqer /data paging -----------------------------------------------------------------------------------


def _paged(rows: list[dict[str, Any]], *, cap: int, echo: bool, seen: list[httpx.Request]) -> Handler:
    """``/data`` paging by at most ``cap`` rows whatever was asked ("max 200" leaves a lower cap open)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = int(request.url.params["page_no"])
        size = min(int(request.url.params["page_size"]), cap)
        data: dict[str, Any] = {"rows": rows[(page - 1) * size : page * size], "total_count": len(rows)}
        if echo:
            data |= {"page_no": page, "page_size": size}
        return _json(200, {"status": 200, "data": data})

    return handler


@pytest.mark.parametrize(
    ("cap", "echo"), [(50, True), (50, False), (20, False)], ids=["cap-echoed", "cap-silent", "ignored"]
)
def test_a_server_paging_by_fewer_rows_than_asked_loses_no_row(cap: int, echo: bool, tmp_path: Path) -> None:
    """Before: a page shorter than the 200 asked was taken for the last one; 3 passes read page 1 only and
    the run ended "incomplete" with 350 of 450 rows unaccounted for."""
    seen: list[httpx.Request] = []
    lake, stats = _ingest_floqer(tmp_path, _paged(_rows(450), cap=cap, echo=echo, seen=seen))
    assert sorted(_landed(lake), key=int) == [str(i) for i in range(1, 451)]
    assert stats["outcome"] == "landed" and stats["duplicates_skipped"] == 0
    pages = [int(r.url.params["page_no"]) for r in seen]
    assert pages == list(range(1, len(pages) + 1))  # one pass, page after page
    assert len(pages) <= -(-450 // cap) + 1  # the last page, or one empty page after it


def test_without_a_count_a_short_page_is_followed_until_an_empty_one(tmp_path: Path) -> None:
    """Before: in preview's shape (no ``total_count``) a server paging by 50 lost every row after 50."""
    rows = _rows(120)
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page_no"])
        seen.append(page)
        return _json(200, {"status": 200, "data": {"data": rows[(page - 1) * 50 : page * 50]}})

    lake, stats = _ingest_floqer(tmp_path, handler)
    assert sorted(_landed(lake), key=int) == [str(i) for i in range(1, 121)] and stats["outcome"] == "landed"
    assert seen == [1, 2, 3, 4]  # the empty page 4 ends it


def test_a_short_last_page_still_ends_paging_without_another_request(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    lake, stats = _ingest_floqer(tmp_path, _paged(_rows(450), cap=200, echo=True, seen=seen))
    assert (
        stats["outcome"] == "landed"
        and len(_landed(lake)) == 450
        and [r.url.params["page_no"] for r in seen] == ["1", "2", "3"]
    )


def test_a_page_size_above_the_servers_cap_is_asked_again_smaller(tmp_path: Path) -> None:
    """Before: ``page_size=200`` answered 400 (a server capping at 100) failed the source on every run."""
    seen: list[httpx.Request] = []
    serve = _paged(_rows(250), cap=100, echo=True, seen=seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if int(request.url.params["page_size"]) > 100:
            seen.append(request)
            return _json(
                400,
                {
                    "statusCode": 400,
                    "error": "Bad Request",
                    "message": ["page_size must not be greater than 100"],
                },
            )
        return serve(request)

    lake, stats = _ingest_floqer(tmp_path, handler)
    assert len(set(_landed(lake))) == 250 and stats["outcome"] == "landed"
    assert [r.url.params["page_size"] for r in seen] == ["200", "100", "100", "100"]


def test_a_400_about_something_else_is_not_retried_with_smaller_pages(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(400, {"status": 400, "error": "Bad Request", "message": "source is not ready"})

    _lake, stats = _ingest_floqer(tmp_path, handler)
    assert stats["outcome"] == "failed" and "source is not ready" in stats["reason"]
    assert len(seen) == 1


@pytest.mark.parametrize("status", [404, 400])
def test_a_page_past_the_end_answered_as_an_error_ends_paging(status: int, tmp_path: Path) -> None:
    """Before: 400 rows in 2 full pages without a total_count: page 3 answered 404 failed the source with
    "not found at Floqer (deleted?): matcher floqer untrack ...", on this run and every later one."""
    rows = _rows(400)

    def handler(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page_no"]), int(request.url.params["page_size"])
        chunk = rows[(page - 1) * size : page * size]
        if not chunk:
            return _json(status, {"status": status, "error": "x", "message": f"page {page} is out of range"})
        return _json(200, {"status": 200, "data": {"data": chunk}})  # preview's shape: no total_count

    lake, stats = _ingest_floqer(tmp_path, handler, runs=2)  # the second run starts at page 3 (its cursor)
    assert sorted(_landed(lake), key=int) == [str(i) for i in range(1, 401)]
    assert stats["outcome"] == "landed" and stats["reason"] is None


def test_a_source_gone_between_two_pages_still_fails_as_not_found(tmp_path: Path) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(int(request.url.params["page_no"]))
        if len(calls) == 1:
            return _json(200, {"status": 200, "data": {"rows": _rows(200), "total_count": 300}})
        return _json(404, {"status": 404, "error": "Not Found", "message": f"Source {SOURCE} not found"})

    lake, stats = _ingest_floqer(tmp_path, handler)
    assert stats["outcome"] == "failed" and "untrack" in stats["reason"]
    assert len(_landed(lake)) == 200 and calls[:3] == [1, 2, 1]  # page 1 asked again before giving up


@pytest.mark.parametrize(
    "data", [{"rows": None, "total_count": 0}, None, {"data": None}], ids=["rows-null", "data-null", "nested"]
)
def test_an_empty_source_answered_with_null_rows_is_empty_not_an_error(data: Any, tmp_path: Path) -> None:
    """Before: ``"rows": null`` (no rows yet) failed the source: "expected rows under data.rows"."""
    lake, stats = _ingest_floqer(tmp_path, lambda request: _json(200, {"status": 200, "data": data}))
    assert stats["outcome"] == "landed" and stats["rows_seen"] == 0
    assert lake.read("floqer_postings").height == 0


# -- errors in other shapes ----------------------------------------------------------------------------


def test_a_200_whose_envelope_says_429_is_a_rate_limit_honoured() -> None:
    """Before: ``HTTP 200 {"status": 429, "retryAfter": 3}`` failed as "expected rows under data.rows" and
    was retried at once, without waiting."""
    answers = [
        _json(
            200, {"status": 429, "error": "Too Many Requests", "message": "Try again in 3 s", "retryAfter": 3}
        ),
        _json(200, {"status": 200, "data": {"rows": _rows(2), "total_count": 2}}),
    ]
    slept: list[float] = []
    client = FloqerClient(_api("floqer", lambda request: answers.pop(0), slept))
    assert [r["id"] for r in client.data_page(SOURCE, 1).rows] == [1, 2]
    assert len(slept) == 1 and 3 <= slept[0] <= 4


def test_a_200_whose_envelope_says_404_is_not_found() -> None:
    body = {"status": 404, "error": "Not Found", "message": f"Source {SOURCE} not found"}
    client = FloqerClient(_api("floqer", lambda request: _json(200, body)))
    with pytest.raises(NotFoundError, match="the body says 404"):
        client.data_page(SOURCE, 1)


def test_a_200_carrying_flowstates_nested_error_is_that_error() -> None:
    """Before: ``HTTP 200 {"error": {"code": "NOT_FOUND", ...}}`` was retried as a malformed answer, then
    failed with "expected {data: {...}}"."""
    body = {"error": {"code": "NOT_FOUND", "message": "Vacancy clx1 not found", "errorId": "err_9"}}
    client = FlowstateClient(_api("flowstate", lambda request: _json(200, body)), org_id="org_1")
    with pytest.raises(NotFoundError, match=r"Vacancy clx1 not found \(errorId err_9\)"):
        client.get_vacancy("clx1")


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (
            {"statusCode": 400, "message": ["name should not be empty", "filters must be an object"]},
            ["name should not be empty", "filters must be an object"],
        ),
        ({"status": 400, "message": "Invalid", "errors": ["name is required"]}, ["name is required"]),
        (
            {
                "status": 400,
                "message": "Invalid",
                "errors": {"name": ["is required"], "max_count": "positive"},
            },
            ["name: is required", "max_count: positive"],
        ),
        ({"status": 400, "message": "Invalid", "details": [{"field": "name", "message": "x"}]}, ["name: x"]),
        (
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Invalid",
                    "details": [{"path": ["a", "b"], "message": "x"}],
                }
            },
            ["a.b: x"],
        ),
    ],
    ids=["nest-message-list", "errors-strings", "errors-object", "details-flat", "details-path"],
)
def test_a_400_in_another_common_shape_keeps_every_problem(body: dict[str, Any], problems: list[str]) -> None:
    """Before: these problems were dropped (or shown as a Python list's repr); Floqer's 400 body is not
    published."""
    error = read_error_body(_json(400, body))
    assert list(error.problems) == problems
    assert "[" not in error.message and "'" not in error.message


def test_an_html_error_page_is_one_short_line() -> None:
    """Before: a proxy's 502 page reached logs and the manifest as 200 characters of HTML over 8 lines."""
    page = (
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1>"
        "</center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
    )
    api = _api(
        "floqer", lambda request: httpx.Response(502, text=page, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(RemoteError) as caught:
        api.request_json("GET", "/api/v1/sources")
    message = str(caught.value)
    assert "\n" not in message and "<" not in message and "502 Bad Gateway (an HTML page)" in message


def test_a_503_with_retry_after_waits_as_asked() -> None:
    """Before: a 503's ``Retry-After: 7`` was ignored (backoff of half a second)."""
    answers = [
        _json(503, {"error": {"code": "INTERNAL_ERROR", "message": "maintenance"}}, {"Retry-After": "7"}),
        _json(200, {"data": []}),
    ]
    slept: list[float] = []
    _api("flowstate", lambda request: answers.pop(0), slept).request_json("GET", "/org/o/vacancies")
    assert len(slept) == 1 and 7 <= slept[0] <= 8


def test_a_retry_after_given_as_an_http_date_is_honoured() -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    answers = [
        _json(429, {"error": {"code": "RATE_LIMITED", "message": "slow down"}}, {"Retry-After": when}),
        _json(200, {"data": []}),
    ]
    slept: list[float] = []
    _api("flowstate", lambda request: answers.pop(0), slept).request_json("GET", "/org/o/vacancies")
    assert len(slept) == 1 and 25 <= slept[0] <= 32


def test_the_secret_part_of_a_key_echoed_alone_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = FLOWSTATE_KEY.split("_", 2)[2]
    body = {"error": {"code": "UNAUTHORIZED", "message": f"secret {secret} is revoked", "errorId": "e1"}}
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoteError) as caught:
        _api("flowstate", lambda request: _json(401, body)).request_json("GET", "/org/o/vacancies")
    assert secret not in str(caught.value) and secret not in caplog.text and "***" in str(caught.value)


# -- Flowstate lists ---------------------------------------------------------------------------------------

VACANCIES = [
    {"id": f"clx{i:04d}", "role": f"Role {i}", "status": "open", "updatedAt": "2026-03-01T16:45:00Z"}
    for i in range(45)
]


def _ingest_flowstate(tmp_path: Path, handler: Handler) -> tuple[Lake, dict[str, Any]]:
    lake = Lake(tmp_path / "lake")
    run = IngestRun(lake, IngestOptions())
    with FlowstateClient(_api("flowstate", handler), org_id="org_1") as client:
        run.flowstate(client)
    return lake, run.finish()["entities"]["flowstate:vacancies"]


def _flowstate(
    meta: Callable[[int, int, int], dict[str, Any]], *, cap: int = 20, items: Any = None
) -> Handler:
    vacancies = VACANCIES if items is None else items

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/vacancies"):
            return _json(
                200, {"data": [], "meta": {"page": 1, "limit": 20, "total": 0, "hasNextPage": False}}
            )
        page, limit = int(request.url.params["page"]), min(int(request.url.params["limit"]), cap)
        chunk = vacancies[(page - 1) * limit : page * limit]
        return _json(200, {"data": chunk, "meta": meta(page, limit, len(vacancies))})

    return handler


def _one_page(page: int, limit: int, total: int) -> dict[str, Any]:
    return {"page": page, "limit": limit, "total": total, "hasNextPage": False}


@pytest.mark.parametrize(
    "meta",
    [
        lambda page, limit, total: {"page": page, "limit": limit},
        lambda page, limit, total: {"page": str(page), "limit": str(limit), "total": str(total)},
        lambda page, limit, total: {"page": page, "limit": limit, "hasNextPage": str(page * limit < total)},
    ],
    ids=["limit-only", "numbers-as-text", "flag-as-text"],
)
def test_a_list_capped_below_the_limit_asked_lands_every_vacancy(
    meta: Callable[[int, int, int], dict[str, Any]], tmp_path: Path
) -> None:
    """Before: a tenant capping ``limit`` at 20 whose meta had no boolean ``hasNextPage`` nor an integer
    ``total`` was read as one short page: 20 of 45 vacancies landed."""
    lake, stats = _ingest_flowstate(tmp_path, _flowstate(meta))
    assert sorted(lake.read("flowstate_vacancies")["vacancy_id"].to_list()) == [v["id"] for v in VACANCIES]
    assert stats["outcome"] == "landed"


def test_a_tenant_older_than_1_2_refusing_exclude_filled_is_asked_without_it(tmp_path: Path) -> None:
    """Before: a 400 ``VALIDATION_ERROR`` naming ``excludeFilled`` failed the vacancy list."""
    serve = _flowstate(lambda page, limit, total: {"page": page, "limit": limit, "total": total}, cap=100)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "excludeFilled" in request.url.params:
            error = {
                "code": "VALIDATION_ERROR",
                "message": "Invalid query",
                "details": [{"field": "excludeFilled", "message": "unknown parameter"}],
                "errorId": "err_1",
            }
            return _json(400, {"error": error})
        return serve(request)

    lake, stats = _ingest_flowstate(tmp_path, handler)
    assert lake.read("flowstate_vacancies").height == 45 and stats["outcome"] == "landed"
    vacancy_calls = [r for r in seen if r.url.path.endswith("/vacancies")]
    assert ["excludeFilled" in r.url.params for r in vacancy_calls] == [True, False]


def test_a_vacancy_with_an_empty_metadata_array_lands(tmp_path: Path) -> None:
    """Before: ``"metadata": []`` (an empty object serialized as an array) or a text metadata quarantined
    the vacancy: it was never matched."""
    items = [dict(v) for v in VACANCIES[:3]]
    items[0]["metadata"], items[1]["metadata"] = [], "{}"
    lake, stats = _ingest_flowstate(tmp_path, _flowstate(_one_page, items=items))
    assert (
        stats["quarantined"] == 0
        and lake.read("quarantine").height == 0
        and lake.read("flowstate_vacancies").height == 3
    )
    landed = {r["vacancy_id"]: json.loads(r["raw_json"]) for r in lake.read("flowstate_vacancies").to_dicts()}
    assert landed[items[0]["id"]]["metadata"] == [] and landed[items[1]["id"]]["metadata"] == "{}"  # raw kept
    assert Vacancy.model_validate({"id": "x", "metadata": {}}).metadata == {}


def test_vacancy_ids_sent_as_numbers_are_seen_once_and_never_disappear(tmp_path: Path) -> None:
    """Before: numeric ids were left out of the "seen" set, so the list was read twice and warned that
    vacancies "could not be read", and next runs called them disappeared."""
    items = [{**v, "id": 1000 + i} for i, v in enumerate(VACANCIES[:5])]
    lake = Lake(tmp_path / "lake")
    for _ in range(2):
        run = IngestRun(lake, IngestOptions())
        with FlowstateClient(_api("flowstate", _flowstate(_one_page, items=items)), org_id="org_1") as client:
            run.flowstate(client)
        stats = run.finish()["entities"]["flowstate:vacancies"]
        assert stats["warnings"] == [] and stats["pages"] == 1
    assert lake.read("flowstate_vacancy_events").height == 0


# -- row values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "read_as"),
    [
        ("date_posted", 1704110000, date(2024, 1, 1)),  # epoch seconds, not midnight
        ("date_posted", "20240101", date(2024, 1, 1)),  # ISO 8601 basic format
        ("discovered_at", "Mon, 01 Jan 2024 10:00:00 GMT", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("locations", {"name": "London, UK", "country_code": "GB"}, ["London, UK"]),  # one place, no list
        ("locations", ["London, UK", "Remote"], ["London, UK", "Remote"]),  # places by name only
    ],
)
def test_other_iso_like_dates_and_location_shapes_are_read(field: str, value: Any, read_as: Any) -> None:
    """Before: each of these was nulled (its value lost to the model and the lake's key columns)."""
    checked = validate_tolerantly(PostingRow, {"id": 7, field: value}, required=["id"])
    assert checked.record is not None and not checked.nulled and field in str(dict(checked.coerced))
    got = getattr(checked.record, field)
    if field == "locations":
        got = [place.name for place in got]
    assert got == read_as


# -- listing, encodings, unknown fields --------------------------------------------------------------------


def test_an_older_listing_naming_the_uuid_source_id_and_capitalized_statuses_is_read() -> None:
    """Before: items keyed by ``source_id`` had no id (every source "not in your listing") and "Expired"
    drew no warning."""
    items = [
        {"source_id": SOURCE, "name": "old", "status": "Expired"},
        {"source_instance_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70", "source_id": "track_job_postings"},
    ]
    client = FloqerClient(_api("floqer", lambda request: _json(200, {"status": 200, "data": items})))
    listing = client.listing()
    info = listing.get(SOURCE)
    assert info is not None and info.status == "expired" and info.needs_attention
    assert listing.get("track_job_postings") is None and len(listing.sources) == 2


def test_gzip_bodies_and_unknown_fields_land_whole(tmp_path: Path) -> None:
    rows = [{**row, "brand_new_field": {"nested": ["kept", "NUMBER"]}} for row in _rows(3)]
    text = json.dumps({"status": 200, "data": {"rows": rows, "total_count": 3}, "extra": True})
    body = text.replace('"NUMBER"', "1.10").encode()  # a number with a trailing zero, as sent

    def handler(request: httpx.Request) -> httpx.Response:
        assert "gzip" in request.headers["Accept-Encoding"]
        return httpx.Response(200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"})

    lake, stats = _ingest_floqer(tmp_path, handler)
    assert stats["outcome"] == "landed"
    raw = [json.loads(text) for text in lake.read("floqer_postings")["raw_json"].to_list()]
    assert all(r["brand_new_field"] == {"nested": ["kept", 1.1]} for r in raw) and len(raw) == 3
    assert '"nested":["kept",1.10]' in lake.read("floqer_postings")["raw_json"][0]  # digits as sent
