"""Issue 13 (findings 6, 11 and 13): paging ends, a request has a total deadline, a body a size cap, a
string a length cap; each against a loopback fault server (``tests/ingest/faultserver.py``), a real socket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matcher.common.config import load_config
from matcher.common.errors import ResponseTooLargeError, TimedOutError
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.http import MAX_TEXT_CHARS, ApiClient, RetryPolicy, decode_json
from matcher.ingest.lake import Lake
from matcher.ingest.runner import EntityStats, IngestOptions, IngestRun
from tests.ingest.faultserver import FaultServer


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def _api(base_url: str, **kwargs: object) -> ApiClient:
    return ApiClient(
        service="floqer",
        base_url=base_url,
        api_key="floq_secret_key_abc",
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda _: None,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_body_dripped_a_byte_at_a_time_fails_at_the_total_deadline(faults: FaultServer) -> None:
    # 30 bytes, one every 0.2 s: each read comes well within the 1 s timeout, the whole body takes 6 s
    with _api(faults.url, timeout=1.0) as api:
        started = time.monotonic()
        with pytest.raises(TimedOutError) as caught:
            api.request_json("GET", "/drip", params={"bytes": 30, "every": 0.2})
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 2.5, elapsed
    message = str(caught.value)
    assert "\n" not in message and "floqer GET /drip" in message and "within 1 s" in message
    assert "floq_secret_key_abc" not in message


def test_a_prompt_body_is_read_as_before(faults: FaultServer) -> None:
    with _api(faults.url, timeout=2.0) as api:
        assert api.request_json("GET", "/json", params={"text": 5}) == {"data": [{"description": "xxxxx"}]}


@pytest.mark.parametrize("announced", ["1", "0"], ids=["content-length", "chunked"])
def test_a_body_above_the_cap_is_refused_naming_the_path_and_the_cap(
    faults: FaultServer, announced: str
) -> None:
    with _api(faults.url, timeout=10.0, max_response_bytes=2**20) as api:
        with pytest.raises(ResponseTooLargeError) as caught:
            api.request_json("GET", "/big", params={"mb": 3, "length": announced})
        assert api.stats.requests == 1  # never retried: it would be downloaded again
    message = str(caught.value)
    assert "\n" not in message and "GET /big" in message and "1 MB cap" in message
    assert "max_response_mb" in message


def test_max_response_mb_is_a_setting_in_range(tmp_path: object) -> None:
    assert load_config(env={}).max_response_mb == 64
    path = tmp_path / "m.toml"  # type: ignore[operator]
    path.write_text("[ingest]\nmax_response_mb = 2\n")
    assert load_config(path, env={}).max_response_mb == 2
    path.write_text("[ingest]\nmax_response_mb = 0\n")
    with pytest.raises(Exception, match=r"\[ingest\] max_response_mb: got 0"):
        load_config(path, env={})


def test_a_string_longer_than_the_text_cap_is_cut_and_recorded() -> None:
    long = "y" * (MAX_TEXT_CHARS + 5000)
    body = b'{"data": {"rows": [{"job_title": "ok", "description": "' + long.encode() + b'"}]}}'
    value, repaired = decode_json(body)
    row = value["data"]["rows"][0]
    assert len(row["description"]) == MAX_TEXT_CHARS and row["job_title"] == "ok"
    assert repaired == ["data.rows[0].description (truncated)"]

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with _api("https://api.floqer.com", client=httpx.Client(transport=transport)) as api:
        assert len(api.request_json("GET", "/x")["data"]["rows"][0]["description"]) == MAX_TEXT_CHARS
        stats = EntityStats()
        stats.count_repairs(api.take_repairs(), "page 1")
    assert stats.text_truncated == {"data.rows[].description": 1} and stats.text_repaired == {}
    assert stats.outcome == "warning" and "longer than 1,000,000 characters" in stats.warnings[0]


SOURCE = "3b0c8a52-3a8e-4e0b-9a57-1d2c3b4a5f60"


@pytest.mark.parametrize("mode", ["same", "cycle"])
def test_endless_paging_over_a_socket_stops_quickly_with_the_documented_warning(
    faults: FaultServer, mode: str, tmp_path: Path
) -> None:
    # every page full, total_count 10**9: before issue 13 this drove 1,175 requests in two minutes
    faults.requests.clear()
    started = time.monotonic()
    with _api(f"{faults.url}/endless/{mode}", timeout=5.0) as api:
        run = IngestRun(Lake(tmp_path), IngestOptions(page_size=5))
        run.floqer(FloqerClient(api), [SOURCE])
        manifest = run.finish()
    elapsed = time.monotonic() - started
    pages = [r for r in faults.requests if "/data?" in r]
    stats = manifest["entities"][f"floqer:{SOURCE}"]
    assert len(pages) <= 12, pages  # three passes at most, each ending within a page or two
    assert elapsed < 10, elapsed  # a second or two idle; a backoff sleep per page would take far longer
    assert stats["landed"] == (5 if mode == "same" else 10)
    warnings = " | ".join(stats["warnings"])
    if mode == "cycle":  # the runner sees a page of only rows this pass read
        assert "brought nothing new" in warnings, warnings
    # rows the server claims but never serves: the run says so and exits 4 (incomplete)
    assert "could not be accounted for" in warnings, warnings
    assert manifest["status"] == "incomplete"
    assert "floq_secret_key_abc" not in json.dumps(manifest)
