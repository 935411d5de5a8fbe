"""The shared HTTP layer with ``httpx.MockTransport``: one routing function per test, no real waiting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from matcher.common.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    WaitTooLongError,
)
from matcher.ingest.http import ApiClient, RetryPolicy

KEY = "floq_testkey0123456789abcdef"


def _api(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: object
) -> tuple[ApiClient, list[float]]:
    slept: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(handler))
    api = ApiClient(
        service="floqer",
        base_url="https://api.floqer.test",
        api_key=KEY,
        client=client,
        sleep=slept.append,
        **kwargs,
    )  # type: ignore[arg-type]
    return api, slept


def _sequence(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def test_sends_the_bearer_key_and_decodes_money_exactly() -> None:
    handler = _sequence(httpx.Response(200, content=b'{"status":200,"data":{"min":120000.10}}'))
    api, _ = _api(handler)
    body = api.request_json("GET", "/api/v1/sources", params={"page_no": 2})
    assert body["data"]["min"] == Decimal("120000.10")
    request = handler.seen[0]  # type: ignore[attr-defined]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert str(request.url) == "https://api.floqer.test/api/v1/sources?page_no=2"


def test_429_honours_retry_after_in_the_body() -> None:
    limited = httpx.Response(
        429, json={"status": 429, "error": "Too Many Requests", "message": "wait", "retryAfter": 42}
    )
    api, slept = _api(_sequence(limited, httpx.Response(200, json={"ok": True})))
    assert api.request_json("GET", "/x") == {"ok": True}
    assert len(slept) == 1
    assert 42 <= slept[0] <= 43  # the hint, plus at most a second of jitter
    assert api.stats.retries == 1


def test_429_honours_the_retry_after_header_otherwise() -> None:
    limited = httpx.Response(
        429, headers={"Retry-After": "3"}, json={"error": {"code": "RATE_LIMITED", "message": "slow"}}
    )
    api, slept = _api(_sequence(limited, httpx.Response(200, json=[])))
    assert api.request_json("GET", "/x") == []
    assert 3 <= slept[0] <= 3.3


def test_a_hint_above_the_maximum_wait_fails_fast() -> None:
    limited = httpx.Response(
        429, json={"status": 429, "error": "Too Many Requests", "message": "m", "retryAfter": 3600}
    )
    api, slept = _api(_sequence(limited), retry=RetryPolicy(max_wait=60))
    with pytest.raises(WaitTooLongError, match="wait 3600s, more than the 60s maximum") as info:
        api.request_json("GET", "/x")
    assert info.value.retry_after == 3600
    assert slept == []


def test_5xx_bursts_back_off_exponentially_with_jitter() -> None:
    errors = [
        httpx.Response(503, json={"status": 503, "error": "Service Unavailable", "message": "busy"})
    ] * 4
    api, slept = _api(
        _sequence(*errors, httpx.Response(200, json=1)), retry=RetryPolicy(base_delay=1, max_delay=5)
    )
    assert api.request_json("GET", "/x") == 1
    # backoffs 1, 2, 4, 5 (capped), each jittered into [half, all]
    for delay, backoff in zip(slept, [1, 2, 4, 5], strict=True):
        assert backoff / 2 <= delay <= backoff


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    api, slept = _api(
        _sequence(*[httpx.Response(500, json={"status": 500, "error": "x", "message": "boom"})] * 3),
        retry=RetryPolicy(max_attempts=3),
    )
    with pytest.raises(ServerError, match=r"boom.*gave up after 3 attempts"):
        api.request_json("GET", "/x")
    assert len(slept) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("incomplete body")],
)
def test_network_failures_are_retried(failure: Exception) -> None:
    api, slept = _api(_sequence(failure, httpx.Response(200, json={"ok": 1})))
    assert api.request_json("GET", "/x") == {"ok": 1}
    assert len(slept) == 1


def test_a_cut_json_body_is_retried() -> None:
    api, _ = _api(
        _sequence(httpx.Response(200, content=b'{"rows": [1, 2'), httpx.Response(200, json={"rows": [1, 2]}))
    )
    assert api.request_json("GET", "/x") == {"rows": [1, 2]}


def test_credit_spending_calls_are_not_retried() -> None:
    api, slept = _api(_sequence(httpx.ReadTimeout("lost")))
    with pytest.raises(NetworkError, match="not retried: this call may have spent credits"):
        api.request_json("POST", "/create", json_body={}, retry=False)
    assert slept == []


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (
            400,
            {
                "status": 400,
                "error": "Bad Request",
                "message": "Invalid body",
                "errors": [{"field": "filters", "message": "required"}],
            },
            BadRequestError,
            "Invalid body [filters: required]",
        ),
        (
            401,
            {"status": 401, "error": "Unauthorized", "message": "Missing or invalid API key"},
            AuthenticationError,
            "Missing or invalid API key",
        ),
        (
            403,
            {"error": {"code": "FORBIDDEN", "message": "lacks vacancies:write", "errorId": "e1"}},
            ForbiddenError,
            "lacks vacancies:write",
        ),
        (
            404,
            {"error": {"code": "not_found", "message": "Source x not found"}},
            NotFoundError,
            "Source x not found",
        ),
    ],
)
def test_permanent_errors_fail_fast_with_the_servers_message(
    status: int, body: object, kind: type[Exception], text: str
) -> None:
    api, slept = _api(_sequence(httpx.Response(status, json=body)))
    with pytest.raises(kind, match=text.replace("[", r"\[").replace("]", r"\]")) as info:
        api.request_json("GET", "/x")
    assert slept == []
    assert info.value.status == status  # type: ignore[attr-defined]


def test_400_keeps_every_problem() -> None:
    body = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Validation failed",
            "details": [
                {"field": "role", "message": "role is required"},
                {"field": "status", "message": "bad"},
            ],
        }
    }
    api, _ = _api(_sequence(httpx.Response(400, json=body)))
    with pytest.raises(BadRequestError) as info:
        api.request_json("POST", "/v", json_body={})
    assert info.value.problems == ["role: role is required", "status: bad"]
    assert info.value.code == "VALIDATION_ERROR"


def test_echoed_keys_never_reach_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    echo = {
        "status": 500,
        "error": "Internal Server Error",
        "message": f"failed (authorization: Bearer {KEY})",
    }
    api, _ = _api(
        _sequence(httpx.Response(500, json=echo), httpx.Response(500, json=echo)),
        retry=RetryPolicy(max_attempts=2),
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ServerError) as info:
        api.request_json("GET", "/x")
    assert KEY not in str(info.value)
    assert "Bearer ***" in str(info.value)
    assert caplog.records
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_rate_limited_error_is_a_transient_error() -> None:
    assert issubclass(WaitTooLongError, RateLimitedError)
    assert issubclass(BadResponseError, NetworkError.__mro__[1])
