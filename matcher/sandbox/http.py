"""Transport-neutral request and response values shared by the sandbox's services and its HTTP server."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True, kw_only=True)
class Request:
    """One HTTP request as the services see it.

    ``path`` has no query string; ``headers`` keys are lower-case; ``query`` keeps repeated parameters.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass(kw_only=True)
class Response:
    """What the server writes back, plus transport-level misbehaviour for fault injection.

    ``drop`` closes the connection without a response; ``truncate`` is "short_body" (the Content-Length
    promises the whole body but the connection closes half-way) or "bad_json" (a complete HTTP response whose
    JSON is cut); ``delay`` seconds pass before anything is written.
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    truncate: str | None = None
    truncate_keep: float = 0.5
    delay: float = 0.0

    def json(self) -> Any:
        """The body decoded as JSON (for in-process tests)."""
        return json.loads(self.body)


def dumps(payload: Any) -> bytes:
    """Compact, deterministic JSON (key order as built, UTF-8 kept as is)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(status: int, payload: Any, *, headers: Mapping[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status=status, body=dumps(payload), headers=all_headers)


def empty_response(status: int) -> Response:
    return Response(status=status)


class Route(NamedTuple):
    """Where a request goes: its endpoint name (for faults), needed scope, handler and path params."""

    endpoint: str
    scope: str
    handler: Callable[..., Response]
    params: dict[str, str]
