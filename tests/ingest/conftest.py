"""Fixtures for ingestion tests: clients wired to a sandbox, with sleeps recorded instead of waited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from matcher.ingest.floqer import FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient, RetryPolicy
from matcher.ingest.lake import Lake
from matcher.ingest.runner import IngestOptions, IngestRun
from matcher.sandbox import SandboxServer


@dataclass
class Wiring:
    sandbox: SandboxServer
    floqer: FloqerClient
    flowstate: FlowstateClient
    slept: list[float] = field(default_factory=list)

    def create_source(self, **filters: Any) -> str:
        body = filters or {"posted_at_max_age_days": 60}
        expiration = (self.sandbox.clock.now() + timedelta(days=30)).date().isoformat()
        created = self.floqer.create(name="test", filters=body, expiration_date=expiration, broad=True)
        return created.source_instance_id

    def run(
        self, lake: Lake, sources: list[str], *, flowstate: bool = False, **options: Any
    ) -> dict[str, Any]:
        run = IngestRun(lake, IngestOptions(**options))
        if sources:
            run.floqer(self.floqer, sources)
        if flowstate:
            run.flowstate(self.flowstate)
        return run.finish()


def wire(sandbox: SandboxServer, *, retry: RetryPolicy | None = None) -> Wiring:
    slept: list[float] = []
    policy = retry or RetryPolicy(max_attempts=6, max_wait=120)
    floqer = ApiClient(
        service="floqer",
        base_url=sandbox.floqer_url,
        api_key=sandbox.keys.floqer,
        retry=policy,
        sleep=slept.append,
        timeout=5,
    )
    flowstate = ApiClient(
        service="flowstate",
        base_url=sandbox.flowstate_url,
        api_key=sandbox.keys.flowstate,
        retry=policy,
        sleep=slept.append,
        timeout=5,
    )
    return Wiring(sandbox, FloqerClient(floqer), FlowstateClient(flowstate, org_id=sandbox.org_id), slept)


@pytest.fixture
def make_wiring() -> Iterator[Callable[..., Wiring]]:
    """``make_wiring(sandbox, retry=...)``; every client made is closed at teardown."""
    made: list[Wiring] = []

    def factory(sandbox: SandboxServer, *, retry: RetryPolicy | None = None) -> Wiring:
        made.append(wire(sandbox, retry=retry))
        return made[-1]

    yield factory
    for wiring in made:
        wiring.floqer.api.close()
        wiring.flowstate.api.close()


@pytest.fixture
def wired(sandbox: SandboxServer, make_wiring: Callable[..., Wiring]) -> Wiring:
    return make_wiring(sandbox)


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")
