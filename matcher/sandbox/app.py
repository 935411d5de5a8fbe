"""The sandbox application: routes each request to Floqer, Flowstate or the control API, with auth,
rate limits and injected faults, over one lock so the state moves one request at a time.

URL layout (all on one loopback port)::

    /floqer/api/v1/sources/...              Floqer (base URL: http://HOST:PORT/floqer)
    /flowstate/api/v1/org/{orgId}/...       Flowstate (base URL: http://HOST:PORT/flowstate/api/v1)
    /_sandbox/clock | faults | credits | truth | info | sources | served     control API, no auth (loopback)

Profiles (``SandboxConfig(profiles=(...))``, see ``profiles.py``) switch the services to the alternatives the
vendor documents leave room for; ``SandboxApp.config`` is the configuration with them applied.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from matcher.common.clock import ManualClock
from matcher.common.errors import SandboxError
from matcher.sandbox.faults import FaultPlan, FaultRule
from matcher.sandbox.floqer import FloqerService, FloqerSettings, flat_error
from matcher.sandbox.flowstate import FlowstateService, FlowstateSettings, flowstate_error
from matcher.sandbox.http import Request, Response, Route, json_response
from matcher.sandbox.market import Market, MarketConfig, generate_market
from matcher.sandbox.profiles import apply_profiles, resolve_profiles

FLOQER_PREFIX = "/floqer"
FLOWSTATE_PREFIX = "/flowstate/api/v1"
CONTROL_PREFIX = "/_sandbox"


@dataclass(kw_only=True)
class SandboxConfig:
    """Everything that shapes one sandbox; the same config gives the same data, byte for byte."""

    seed: int = 42
    n_postings: int = 6000
    start: datetime = MarketConfig().anchor
    frozen: bool = True
    floqer: FloqerSettings = field(default_factory=FloqerSettings)
    flowstate: FlowstateSettings = field(default_factory=FlowstateSettings)
    floqer_rate_per_minute: int | None = 200  # documented: 200 requests/minute and 10,000/day per key
    floqer_rate_per_day: int | None = 10_000
    flowstate_rate_per_minute: int | None = None  # unpublished; set it to exercise Retry-After
    tenant: str = "northwind"
    org_id: str = "org_northwind"
    # named profiles (``matcher.sandbox.PROFILES``), applied in order; empty: the sandbox's own reading
    profiles: tuple[str, ...] = ()
    # the scopes of ``keys.flowstate`` (None: every :read and :write scope); the read-only key gets the
    # :read ones among them
    flowstate_key_scopes: tuple[str, ...] | None = None
    faults: tuple[FaultRule, ...] = ()  # installed at startup (each app gets fresh copies)

    def __post_init__(self) -> None:
        resolve_profiles(self.profiles)  # an unknown name fails here, naming the valid ones


@dataclass(frozen=True, kw_only=True)
class SandboxKeys:
    """The sandbox's API keys: full access, and read-only (for 403 tests)."""

    floqer: str
    floqer_read_only: str
    flowstate: str
    flowstate_read_only: str


def make_keys(seed: int) -> SandboxKeys:
    rng = random.Random(f"keys-{seed}")

    def token(n: int) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    return SandboxKeys(
        floqer=f"floq_sandbox{token(20)}",
        floqer_read_only=f"floq_sandboxro{token(18)}",
        flowstate=f"private_sandbox_{token(24)}",
        flowstate_read_only=f"private_sandboxro_{token(24)}",
    )


class RateLimiter:
    """Sliding windows of real (monotonic) time per key; answers how long to wait, or 0."""

    def __init__(self, windows: list[tuple[float, int]]) -> None:
        self._windows = windows
        self._seen: dict[str, deque[float]] = {}

    def wait(self, key: str) -> int:
        if not self._windows:
            return 0
        now = time.monotonic()
        seen = self._seen.setdefault(key, deque())
        longest = max(span for span, _ in self._windows)
        while seen and seen[0] <= now - longest:
            seen.popleft()
        for span, limit in self._windows:
            recent = [t for t in seen if t > now - span]
            if len(recent) >= limit:
                return max(1, math.ceil(recent[-limit] + span - now))
        seen.append(now)
        return 0


class SandboxApp:
    """The whole sandbox state and its request handler (transport-free: the server and tests call it)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = apply_profiles(config or SandboxConfig())
        cfg = self.config
        self.profiles: tuple[str, ...] = cfg.profiles  # the concrete profiles, ``all`` expanded
        problems = cfg.floqer.problems()
        if problems:
            raise SandboxError("FloqerSettings: " + "; ".join(problems))
        self.market: Market = generate_market(MarketConfig(seed=cfg.seed, n_postings=cfg.n_postings))
        self.clock = ManualClock(cfg.start, frozen=cfg.frozen)
        self.faults = FaultPlan(seed=cfg.seed)
        self.faults.add(*(dataclasses.replace(rule, seen=0, fired=0) for rule in cfg.faults))
        self.keys = make_keys(cfg.seed)
        self.floqer = FloqerService(market=self.market, settings=cfg.floqer, seed=cfg.seed)
        self.flowstate = FlowstateService(
            market=self.market, org_id=cfg.org_id, settings=cfg.flowstate, seed=cfg.seed
        )
        self._lock = threading.Lock()
        floqer_windows = [(60.0, n) for n in [cfg.floqer_rate_per_minute] if n]
        floqer_windows += [(86_400.0, n) for n in [cfg.floqer_rate_per_day] if n]
        self._floqer_limits = RateLimiter(floqer_windows)
        self._flowstate_limits = RateLimiter([(60.0, n) for n in [cfg.flowstate_rate_per_minute] if n])
        all_scopes = {
            f"{r}:{a}"
            for r in ("vacancies", "locations", "job-roles", "work-types", "resource-types")
            for a in ("read", "write")
        }
        granted = all_scopes if cfg.flowstate_key_scopes is None else set(cfg.flowstate_key_scopes)
        self._flowstate_scopes = {
            self.keys.flowstate: granted,
            self.keys.flowstate_read_only: {s for s in granted if s.endswith(":read")},
        }
        self.request_count = 0
        # the deleted-source profile's sources: {"deleted": id, "completed": id} (empty without it)
        self.profile_sources: dict[str, str] = {}
        if cfg.floqer.lifecycle_sources:
            self.profile_sources = self.floqer.seed_lifecycle_sources(self.clock.now())
        # the vacancy-quirks profile's vacancies: quirk name -> vacancy id (empty without it)
        self.quirk_vacancies: dict[str, str] = dict(self.flowstate.quirk_ids)

    # -- entry point -------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with self._lock:
            self.request_count += 1
        path = request.path
        try:
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                return self._control(request, path[len(CONTROL_PREFIX) :])
            if path.startswith(FLOQER_PREFIX + "/"):
                return self._floqer(request, path[len(FLOQER_PREFIX) :])
            if path.startswith(FLOWSTATE_PREFIX + "/"):
                return self._flowstate(request, path[len(FLOWSTATE_PREFIX) :])
        except SandboxError as exc:
            return json_response(400, {"error": str(exc)})
        return json_response(404, {"error": f"no sandbox route for {request.method} {path}"})

    # -- Floqer ------------------------------------------------------------------------------------------
    def _floqer(self, request: Request, path: str) -> Response:
        route = self.floqer.resolve(request.method, path)
        if route is None:
            return flat_error(404, f"Cannot {request.method} {path}")
        key = _bearer(request)
        scopes = {
            self.keys.floqer: {"sources:read", "sources:write"},
            self.keys.floqer_read_only: {"sources:read"},
        }
        if key is None or key not in scopes:
            return flat_error(401, "Missing or invalid API key. Send Authorization: Bearer floq_<key>.")
        if route.scope not in scopes[key]:
            return flat_error(403, f"This API key lacks the {route.scope} scope")
        wait = self._floqer_limits.wait(key)
        if wait:
            return self._floqer_429(wait)
        return self._dispatch(request, route, service="floqer")

    # -- Flowstate ---------------------------------------------------------------------------------------
    def _flowstate(self, request: Request, path: str) -> Response:
        errors = self.flowstate.errors
        route = self.flowstate.resolve(request.method, path)
        if route is None:
            return flowstate_error(404, f"Cannot {request.method} {path}", errors)
        key = _bearer(request)
        scopes = self._flowstate_scopes
        if key is None or key not in scopes:
            return flowstate_error(401, "Missing or invalid API key", errors)
        if route.params.get("org_id") != self.config.org_id:
            return flowstate_error(
                403, f"This API key has no access to organization {route.params.get('org_id')}", errors
            )
        if route.scope not in scopes[key]:
            return flowstate_error(403, f"This API key lacks the {route.scope} scope", errors)
        wait = self._flowstate_limits.wait(key)
        if wait:
            return _flowstate_429(wait, errors)
        return self._dispatch(request, route, service="flowstate")

    # -- faults and the handler call ---------------------------------------------------------------------
    def _dispatch(self, request: Request, route: Route, *, service: str) -> Response:
        fired = self.faults.draw(route.endpoint)
        delay = sum(float(r.params.get("seconds", 1.0)) for r in fired if r.kind == "slow")
        early = self._early_fault(request, fired, service)
        if early is not None:
            early.delay += delay
            return early
        row_faults = [r for r in fired if r.kind in ("insert_front", "append_rows", "malformed_row")]
        kwargs: dict[str, Any] = dict(route.params)
        if row_faults and route.endpoint == "floqer.data":
            kwargs["faults"] = row_faults
        with self._lock:
            now = self.clock.now()
            self.floqer.advance(now)
            response = route.handler(request, now, **kwargs)
        response.delay += delay
        for rule in fired:
            if rule.kind == "drop" and rule.params.get("when", "before") == "after":
                response.drop = True
            elif rule.kind == "truncate":
                response.truncate = str(rule.params.get("mode", "short_body"))
                response.truncate_keep = float(rule.params.get("keep", 0.5))
        return response

    def _early_fault(self, request: Request, fired: list[FaultRule], service: str) -> Response | None:
        """A fault that answers instead of the service (429, 5xx, an echoing error, a dropped connection)."""
        for rule in fired:
            if rule.kind == "rate_limit":
                hint = rule.params.get("retry_after", 2)
                # a string hint ("3s") is sent as given: the form a client must read; the number is its digits
                digits = "".join(c for c in str(hint) if c.isdigit() or c == ".")
                wait = max(0, math.ceil(float(digits))) if digits.count(".") <= 1 and digits.strip(".") else 2
                if service == "floqer":
                    return _as_200(self._floqer_429(wait, hint if isinstance(hint, str) else None), rule)
                return _flowstate_429(wait, self.flowstate.errors)
            if rule.kind == "server_error":
                status = int(rule.params.get("status", 503))
                if rule.params.get("html"):  # a proxy's page in front of the service
                    return _html_error(status)
                if service == "floqer":
                    error = flat_error(status, "The server had an error while processing your request.")
                    return _as_200(error, rule)
                return flowstate_error(status, "Internal error", self.flowstate.errors)
            if rule.kind == "echo_auth":
                status = int(rule.params.get("status", 500))
                echoed = request.authorization or ""
                message = f"Upstream failure while handling request (authorization: {echoed})"
                if service == "floqer":
                    return flat_error(status, message, request_headers={"Authorization": echoed})
                details = [{"field": "Authorization", "message": f"received {echoed}"}]
                return flowstate_error(status, message, self.flowstate.errors, details=details)
            if rule.kind == "drop" and rule.params.get("when", "before") == "before":
                return Response(status=0, drop=True)
        return None

    def _floqer_429(self, wait: int, as_text: str | None = None) -> Response:
        message = f"Rate limit exceeded. Try again in {wait} seconds."
        retry_after: int | str = str(wait) if self.config.floqer.retry_after_as_string else wait
        if as_text is not None:
            retry_after = as_text
        return flat_error(429, message, retryAfter=retry_after)

    # -- control API -------------------------------------------------------------------------------------
    def _control(self, request: Request, path: str) -> Response:
        body: Any = None
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise SandboxError(f"control body is not JSON: {exc}") from exc
        method = request.method
        if path == "/clock":
            if method == "POST":
                self.move_clock(body if isinstance(body, dict) else {})
            return json_response(200, self.clock_state())
        if path == "/faults":
            if method == "POST":
                rules = body.get("rules") if isinstance(body, dict) else body
                if not isinstance(rules, list):
                    raise SandboxError('faults: expected {"rules": [...]} or a list of rules')
                self.faults.add(*[FaultRule.from_json(r) for r in rules])
            elif method == "DELETE":
                self.faults.clear()
            return json_response(200, {"rules": [r.to_json() for r in self.faults.rules()]})
        if path == "/credits":
            if method == "POST":
                credits = body.get("credits") if isinstance(body, dict) else None
                if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
                    raise SandboxError(f"credits: got {credits!r}, expected a non-negative integer")
                with self._lock:
                    self.floqer.credits = credits
            return json_response(200, {"credits": self.floqer.credits})
        if path == "/truth":
            return json_response(200, {"truth": list(self.market.truth)})
        if path == "/sources":
            if method == "POST":
                if not isinstance(body, dict) or set(body) != {"source_instance_id", "status"}:
                    raise SandboxError('sources: expected {"source_instance_id": ..., "status": ...}')
                source_id, status = body["source_instance_id"], body["status"]
                if not isinstance(source_id, str) or not isinstance(status, str):
                    raise SandboxError("sources: source_instance_id and status must be strings")
                return json_response(200, self.set_source_status(source_id, status))
            with self._lock:
                self.floqer.advance(self.clock.now())
                listing = [s.listing() for s in self.floqer.sources.values()]
            return json_response(200, {"sources": listing})
        if path == "/served":
            scenario = request.param("scenarioId")
            vacancies = self.served_vacancies(scenario)
            with self._lock:
                self.floqer.advance(self.clock.now())
                rows = {
                    sid: [r.get("id") if isinstance(r, dict) else None for r in self.floqer.source_rows(sid)]
                    for sid in self.floqer.sources
                }
            return json_response(200, {"scenario_id": scenario, "vacancies": vacancies, "source_rows": rows})
        if path in ("", "/", "/info"):
            return json_response(200, self.info())
        return json_response(404, {"error": f"no control route {method} {path}"})

    def move_clock(self, command: dict[str, Any]) -> None:
        """Apply a clock command: ``{"freeze": ISO|true}``, ``{"advance_seconds": n}``, ``{"run": true}``."""
        allowed = {"freeze", "advance_seconds", "run"}
        unknown = sorted(set(command) - allowed)
        if unknown:
            raise SandboxError(f"clock: unknown keys {unknown}, expected some of {sorted(allowed)}")
        if "freeze" in command:
            value = command["freeze"]
            if value is True:
                self.clock.freeze()
            elif isinstance(value, str):
                try:
                    self.clock.freeze(datetime.fromisoformat(value))
                except ValueError as exc:
                    raise SandboxError(f"clock freeze: got {value!r}, expected an ISO 8601 instant") from exc
            else:
                raise SandboxError(f"clock freeze: got {value!r}, expected true or an ISO 8601 instant")
        if "advance_seconds" in command:
            seconds = command["advance_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise SandboxError(f"clock advance_seconds: got {seconds!r}, expected a number")
            self.clock.advance(timedelta(seconds=seconds))
        if command.get("run") is True:
            self.clock.run()

    # -- truth for tests ---------------------------------------------------------------------------------
    def served_vacancies(self, scenario_id: str | None = None) -> list[dict[str, Any]]:
        """Every vacancy the list endpoint serves with ``excludeFilled=false`` for ``scenario_id`` (None: live
        data), in the list's default order: what a client should land."""
        with self._lock:
            return self.flowstate.served_vacancies(scenario_id)

    def source_rows(self, source_instance_id: str) -> list[dict[str, Any]]:
        """Every row the source's ``/data`` would serve now, in order (none for a deleted source; a row a
        ``malformed_row`` fault turned into a non-object is served, and listed, as it is)."""
        with self._lock:
            self.floqer.advance(self.clock.now())
            return [json.loads(json.dumps(r)) for r in self.floqer.source_rows(source_instance_id)]

    def set_source_status(self, source_instance_id: str, status: str) -> dict[str, Any]:
        """Move a Floqer source to any lifecycle status (``active``, ``completed``, ``paused``,
        ``paused_out_of_credits``, ``expired``, ``deleted``); returns its listing item."""
        with self._lock:
            now = self.clock.now()
            self.floqer.advance(now)
            return self.floqer.set_source_status(source_instance_id, status, now)

    def clock_state(self) -> dict[str, Any]:
        return {"now": self.clock.now().isoformat(), "frozen": self.clock.frozen}

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "seed": self.config.seed,
            "postings": len(self.market.postings),
            "flowstate_org_id": self.config.org_id,
            "flowstate_tenant": self.config.tenant,
            "clock": self.clock_state(),
            "credits": self.floqer.credits,
            "profiles": list(self.profiles),
        }
        if self.profile_sources:
            info["profile_sources"] = dict(self.profile_sources)
        if self.quirk_vacancies:
            info["quirk_vacancies"] = dict(self.quirk_vacancies)
        return info


def _bearer(request: Request) -> str | None:
    header = request.authorization or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _as_200(response: Response, rule: FaultRule) -> Response:
    """``response``'s Floqer envelope (its ``status`` says the error) sent with HTTP 200 when the rule's
    ``as_200`` param is set: a gateway that reports errors only in the body."""
    if rule.params.get("as_200"):
        response.status = 200
    return response


def _html_error(status: int) -> Response:
    """A reverse proxy's HTML error page (nginx's), not the service's JSON."""
    phrase = f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n<center><h1>{phrase}</h1></center>"
        "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(status=status, body=page.encode(), headers={"Content-Type": "text/html"})


def _flowstate_429(wait: int, errors: Any) -> Response:
    response = flowstate_error(429, f"Too many requests; retry after {wait} seconds", errors)
    response.headers["Retry-After"] = str(wait)
    return response
