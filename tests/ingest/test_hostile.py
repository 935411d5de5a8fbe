"""Issue 13: hostile servers: text that is not valid Unicode, endless paging, hostile hints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from matcher.ingest.floqer import FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient
from matcher.ingest.lake import Lake
from matcher.ingest.runner import IngestOptions, IngestRun

SOURCE = "3b0c8a52-3a8e-4e0b-9a57-1d2c3b4a5f60"
Handler = Callable[[httpx.Request], httpx.Response]


def _api(service: str, handler: Handler) -> ApiClient:
    return ApiClient(
        service=service,
        base_url="https://api.example.test" if service == "floqer" else "https://t.example.test/api/v1",
        api_key="floq_testkey0123456789abcdef" if service == "floqer" else "private_t_" + "0123456789abcdef",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=lambda seconds: None,
    )


def _row(i: int, title: bytes = b"") -> bytes:
    """One posting as JSON bytes (so a test can put bytes in it that json.dumps would never write)."""
    return b'{"id": %d, "job_title": "%s", "date_posted": "2026-10-01"}' % (i, title or b"Engineer %d" % i)


def _floqer_page(rows: list[bytes]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/sources":
            return httpx.Response(200, json={"status": 200, "data": []})
        body = b'{"status": 200, "data": {"rows": [%s], "total_count": %d}}' % (b",".join(rows), len(rows))
        return httpx.Response(200, content=body)

    return handler


# Finding 1: a lone surrogate (valid JSON) or an invalid UTF-8 byte costs that text, not the page or the lake.
def test_text_that_is_not_valid_unicode_is_repaired_row_by_row_and_the_page_lands(tmp_path: Path) -> None:
    rows = [
        _row(1),
        _row(2, b"Data \\ud800 Engineer"),  # a lone surrogate escape: valid JSON, not storable text
        _row(3),
        _row(4, b"Nurse \\udfff\\ud800"),
        _row(5, b"Caf\xe9"),  # latin-1 e-acute: not UTF-8
    ]
    for attempt in (1, 2):  # the row stays on the server: the next run must not crash either
        run = IngestRun(Lake(tmp_path), IngestOptions(page_size=10))
        run.floqer(FloqerClient(_api("floqer", _floqer_page(rows))), [SOURCE])
        manifest = run.finish()
        stats = manifest["entities"][f"floqer:{SOURCE}"]
        assert stats["outcome"] != "failed", stats
        if attempt == 1:
            assert stats["landed"] == 5
            assert sum(stats["text_repaired"].values()) == 3  # three strings (four bad code points)
            assert any("U+FFFD" in w for w in stats["warnings"])
        else:
            assert stats["duplicates_skipped"] == 5 and stats["landed"] == 0
    frame = Lake(tmp_path).read("floqer_postings").sort("posting_id")
    titles = frame["job_title"].to_list()
    assert titles == ["Engineer 1", "Data \ufffd Engineer", "Engineer 3", "Nurse \ufffd\ufffd", "Caf\ufffd"]
    for text in frame["raw_json"].to_list():
        text.encode("utf-8")  # every stored text is valid UTF-8
        json.loads(text)


def test_a_flowstate_record_with_a_lone_surrogate_lands_repaired(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/locations"):
            body = '{"data": [{"id": "loc1", "name": "M\\ud800nchen"}, {"id": "loc2", "name": "Paris"}],'
            body += ' "meta": {"hasNextPage": false}}'
            return httpx.Response(200, content=body.encode())
        return httpx.Response(200, json={"data": [], "meta": {"hasNextPage": False}})

    for _ in (1, 2):
        run = IngestRun(Lake(tmp_path))
        run.flowstate(FlowstateClient(_api("flowstate", handler), org_id="org1"))
        manifest = run.finish()
        assert manifest["entities"]["flowstate:locations"]["outcome"] != "failed", manifest
    names = sorted(json.loads(t)["name"] for t in Lake(tmp_path).read("flowstate_locations")["raw_json"])
    assert names == ["M\ufffdnchen", "Paris"]


@pytest.mark.parametrize("body", [b'{"data": [1, 2', b"[" * 100_000 + b"]" * 100_000])
def test_broken_or_absurdly_deep_json_is_a_bad_response_not_a_crash(body: bytes) -> None:
    from matcher.common.errors import BadResponseError

    api = _api("floqer", lambda request: httpx.Response(200, content=body))
    with pytest.raises(BadResponseError):
        api.request_json("GET", "/x", retry=False)


# Finding 5: a negative, NaN or infinite wait hint never reaches time.sleep (real sleep here, kept short).
@pytest.mark.parametrize(
    ("body", "header"),
    [
        (b'{"status": 429, "retryAfter": NaN}', None),
        (b'{"status": 429, "retryAfter": -Infinity}', None),
        (b'{"status": 429, "retryAfter": -5}', "NaN"),
        (b'{"status": 429, "retryAfter": "-3"}', "-inf"),
        (b'{"status": 429, "retryAfter": "soon"}', "-1"),
    ],
)
def test_hostile_wait_hints_fall_back_to_backoff(body: bytes, header: str | None) -> None:
    from matcher.ingest.http import RetryPolicy

    answers = [httpx.Response(429, content=body, headers={"Retry-After": header} if header else {})]
    answers.append(httpx.Response(200, json={"ok": True}))
    api = ApiClient(
        service="floqer",
        base_url="https://api.example.test",
        api_key="floq_testkey0123456789abcdef",
        client=httpx.Client(transport=httpx.MockTransport(lambda request: answers.pop(0))),
        retry=RetryPolicy(base_delay=0.01, max_wait=5),
    )
    assert api.request_json("GET", "/x") == {"ok": True}
    assert 0 <= api.stats.waited_seconds < 1


# Finding 6: paging ends when pages bring nothing new, and at a ceiling (max_pages) with a clear error.
Handler = Callable[[httpx.Request], httpx.Response]


def _endless(calls: list[int], row_id: Callable[[int, int], int]) -> Handler:
    """A Floqer /data claiming a billion rows: page ``p`` holds rows ``row_id(p, 0)``, ``row_id(p, 1)``."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/sources":
            return httpx.Response(200, json={"status": 200, "data": []})
        page = int(request.url.params["page_no"])
        calls.append(page)
        rows = [{"id": row_id(page, k), "job_title": "Engineer", "date_posted": "2026-10-01"} for k in (0, 1)]
        return httpx.Response(200, json={"status": 200, "data": {"rows": rows, "total_count": 10**9}})

    return handler


def test_a_server_cycling_the_same_rows_with_a_huge_total_stops_at_once(tmp_path: Path) -> None:
    calls: list[int] = []
    handler = _endless(calls, lambda page, k: 1 + (page + k) % 4)
    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=2))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    stats = run.finish()["entities"][f"floqer:{SOURCE}"]
    assert stats["landed"] == 4
    assert len(calls) <= 12, len(calls)  # a few pages per pass, three passes at most: not thousands
    assert any("nothing new" in w for w in stats["warnings"]), stats["warnings"]


def test_paging_stops_at_max_pages_with_a_clear_error(tmp_path: Path) -> None:
    calls: list[int] = []
    handler = _endless(calls, lambda page, k: page * 10 + k)
    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=2, max_pages=25))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    manifest = run.finish()
    stats = manifest["entities"][f"floqer:{SOURCE}"]
    assert len(calls) == 25 and stats["landed"] == 50
    assert stats["outcome"] == "failed" and "max_pages" in stats["reason"]


def test_max_pages_is_a_setting(tmp_path: Path) -> None:
    from matcher.common.config import load_config
    from matcher.common.errors import ConfigError

    path = tmp_path / "m.toml"
    path.write_text("[ingest]\nmax_pages = 7\n")
    assert load_config(path, env={}).max_pages == 7
    path.write_text("[ingest]\nmax_pages = 0\n")
    with pytest.raises(ConfigError, match="max_pages"):
        load_config(path, env={})


# Finding 12: rows a source promises but never serves make the run "incomplete" with its own exit code.
def test_rows_that_cannot_be_accounted_for_are_a_non_zero_exit(tmp_path: Path) -> None:
    from matcher.pipeline import EXIT_INCOMPLETE, exit_code

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/sources":
            return httpx.Response(200, json={"status": 200, "data": []})
        rows = [{"id": 1, "job_title": "Engineer", "date_posted": "2026-10-01"}]
        return httpx.Response(200, json={"status": 200, "data": {"rows": rows, "total_count": 9}})

    run = IngestRun(Lake(tmp_path), IngestOptions(page_size=5))
    run.floqer(FloqerClient(_api("floqer", handler)), [SOURCE])
    manifest = run.finish()
    stats = manifest["entities"][f"floqer:{SOURCE}"]
    assert stats["outcome"] == "warning" and stats["detail"]["unaccounted"] == 8
    assert manifest["status"] == "incomplete" and manifest["totals"]["unaccounted"] == 8
    assert exit_code(manifest["status"]) == EXIT_INCOMPLETE != 0
