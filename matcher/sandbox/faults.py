"""Faults on demand: rules that make chosen endpoints misbehave, by request count or by probability.

A rule names endpoints with a shell pattern over the sandbox's endpoint names (``floqer.data``,
``flowstate.vacancies.list``, ``floqer.*``, ``*``), a kind, and when it fires::

    FaultRule(endpoint="floqer.data", kind="rate_limit", after=1, times=3, params={"retry_after": 7})

lets the first matching request through, answers the next three with 429 (Floqer puts ``retryAfter: 7``
in the body, Flowstate sends ``Retry-After: 7``), then stops firing. ``probability`` (drawn from the
sandbox's seeded generator, so runs repeat) makes a rule fire on only a share of eligible requests.

Kinds and their ``params``:

=================  ================================================================================
rate_limit         429; ``retry_after`` seconds (default 2)
server_error       5xx; ``status`` (default 503)
slow               answer after ``seconds`` (default 1.0) of real time
drop               close the connection with no response; ``when`` "before" (default) or "after" the
                   request was processed (the nasty case for a credit-spending call)
truncate           ``mode`` "short_body" (default: Content-Length promises more than is sent, then the
                   connection closes) or "bad_json" (complete HTTP, cut JSON); ``keep`` share (0.5)
insert_front       before serving a ``/data`` page, ``count`` (5) new postings are inserted at the front
append_rows        before serving a ``/data`` page, ``count`` (5) new postings are appended at the end
malformed_row      the row at ``index`` (0) of the page served is corrupted in the stored table:
                   ``how`` "missing_id" (default), "bad_date", "wrong_type" or "not_object"
echo_auth          an error (``status``, default 500) whose body echoes the request's Authorization header
=================  ================================================================================
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from matcher.common.errors import SandboxError

FAULT_KINDS: dict[str, set[str]] = {
    "rate_limit": {"retry_after", "as_200"},
    "server_error": {"status", "html", "as_200"},
    "slow": {"seconds"},
    "drop": {"when"},
    "truncate": {"mode", "keep"},
    "insert_front": {"count"},
    "append_rows": {"count"},
    "malformed_row": {"index", "how"},
    "echo_auth": {"status"},
}
ROW_FAULTS = frozenset({"insert_front", "append_rows", "malformed_row"})
MALFORMATIONS = ("missing_id", "bad_date", "wrong_type", "not_object")


@dataclass(kw_only=True)
class FaultRule:
    """One fault: which endpoints, what goes wrong, and when (see the module docstring)."""

    endpoint: str
    kind: str
    times: int | None = 1
    after: int = 0
    probability: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in FAULT_KINDS:
            problems.append(f"kind: got {self.kind!r}, expected one of {', '.join(sorted(FAULT_KINDS))}")
        else:
            unknown = sorted(set(self.params) - FAULT_KINDS[self.kind])
            if unknown:
                allowed = ", ".join(sorted(FAULT_KINDS[self.kind])) or "none"
                problems.append(f"params: got {unknown} for {self.kind}, expected only {allowed}")
        if self.times is not None and self.times < 1:
            problems.append(f"times: got {self.times}, expected a positive count or null (unlimited)")
        if self.after < 0:
            problems.append(f"after: got {self.after}, expected >= 0")
        if not 0.0 < self.probability <= 1.0:
            problems.append(f"probability: got {self.probability}, expected 0 < p <= 1")
        if self.kind == "malformed_row" and self.params.get("how", "missing_id") not in MALFORMATIONS:
            problems.append(f"params.how: got {self.params.get('how')!r}, expected one of {MALFORMATIONS}")
        if problems:
            raise SandboxError("fault rule: " + "; ".join(problems))

    @classmethod
    def from_json(cls, payload: Any) -> FaultRule:
        if not isinstance(payload, dict):
            raise SandboxError(f"fault rule: got {payload!r}, expected an object")
        allowed = {"endpoint", "kind", "times", "after", "probability", "params"}
        unknown = sorted(set(payload) - allowed)
        if unknown:
            raise SandboxError(f"fault rule: unknown keys {unknown}, expected {sorted(allowed)}")
        try:
            return cls(**payload)
        except TypeError as exc:
            raise SandboxError(f"fault rule: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultPlan:
    """The active fault rules; thread-safe; the random draws come from a seeded generator."""

    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random = random.Random(f"faults-{seed}")

    def add(self, *rules: FaultRule) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def draw(self, endpoint: str) -> list[FaultRule]:
        """The rules that fire for one request to ``endpoint``, counting it against every matching rule."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not fnmatch.fnmatchcase(endpoint, rule.endpoint):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired
