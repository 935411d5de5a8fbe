"""The demo as a library call: the embedded sandbox, over real HTTP, into a lake of the demo's own.

``run_demo`` writes only to its own lake and reports folder (``data/demo/lake``, ``reports/demo`` by
default) and marks that lake as a demo's (``state/demo.json``); it refuses a lake that holds anything
else, so synthetic postings never mix with a real run's lake or reports. ``matcher demo`` draws what it
returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from matcher.common.config import Config, FloqerConfig, FlowstateConfig
from matcher.common.errors import MatcherError
from matcher.lake import layout
from matcher.lake.files import write_text_atomic
from matcher.pipeline import BenchmarkResult, IngestResult, Pipeline, StageResult
from matcher.sandbox import SandboxConfig, SandboxServer

DEMO_FILTERS = {"posted_at_max_age_days": 180, "order_by": [{"field": "date_posted", "desc": True}]}
DEMO_LAKE = Path("data/demo/lake")
DEMO_REPORTS = Path("reports/demo")
MARKER = layout.path("", "demo_marker")  # state/demo.json


class NotADemoLakeError(MatcherError):
    """The demo was pointed at a lake that holds real data."""


def check_demo_lake(lake: Path) -> None:
    """Refuse a lake that is not a demo's: one with anything in it but no ``state/demo.json``."""
    if not lake.exists():
        return
    if not lake.is_dir():
        raise NotADemoLakeError(f"--lake {lake}: not a directory; the demo needs a lake of its own")
    if layout.path(lake, "demo_marker").is_file() or not any(lake.iterdir()):
        return
    raise NotADemoLakeError(
        f"--lake {lake}: this lake holds data that is not the demo's (no {MARKER}); the demo writes only "
        f"to a lake of its own (default {DEMO_LAKE}): pick another --lake"
    )


def sandbox_pipeline(sandbox: SandboxServer, lake: Path, reports: Path) -> Pipeline:
    """A Pipeline pointed at a running sandbox's two services with its keys, into ``lake`` and ``reports``;
    the sandbox's own tenant is our company (it posts too: never its own competitor). The demo's own pipeline
    (``demo=True``): it may write a lake marked as the demo's, which every other pipeline refuses."""
    own = sandbox.app.market.own_company
    return Pipeline(
        Config(
            lake=lake,
            reports_dir=reports,
            own_companies=(own["name"], own["domain"]),
            floqer=FloqerConfig(base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer),
            flowstate=FlowstateConfig(
                base_url=sandbox.flowstate_url, org_id=sandbox.org_id, api_key=sandbox.keys.flowstate
            ),
        ),
        demo=True,  # the demo's own: it may write a lake marked as the demo's (state/demo.json)
    )


def run_demo(
    lake: Path,
    reports: Path,
    *,
    seed: int = 42,
    days: int = 120,
    on_result: Callable[[StageResult], None] | None = None,
    say: Callable[[str], None] | None = None,
    progress: Callable[..., IngestResult] | None = None,
) -> BenchmarkResult:
    """The demo as a library call: the sandbox on a loopback port, a Floqer source created in it, ``days``
    of daily fetches on its frozen clock, then ingest, normalize, match and benchmark into ``lake`` and
    ``reports`` (a lake of the demo's own: ``check_demo_lake``). ``on_result`` sees each stage's result."""
    check_demo_lake(lake)
    tell = say or (lambda text: None)
    show = on_result or (lambda result: None)
    with SandboxServer(SandboxConfig(seed=seed)) as sandbox:
        pipeline = sandbox_pipeline(sandbox, lake, reports)
        now = sandbox.clock.now()
        tell(f"sandbox at {sandbox.url} (seed {seed}), clock frozen at {now:%Y-%m-%d %H:%M} UTC")
        expiration = (sandbox.clock.now() + timedelta(days=days + 30)).date().isoformat()
        with pipeline.floqer_client() as client:
            created = client.create(
                name="Demo: the market for our open roles",
                filters=DEMO_FILTERS,
                expiration_date=expiration,
                broad=True,  # the demo's market is all ours to read: no filter but the lookback
            )
        marker = layout.path(lake, "demo_marker")
        marker.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(marker, json.dumps({"demo": True, "seed": seed, "days": days}) + "\n")
        layout.path(lake, "floqer_sources").unlink(missing_ok=True)  # a new sandbox: poll only its source
        pipeline.track_source(created.source_instance_id, name=created.name, created_at=created.created_at)
        tell(f"created Floqer source {created.source_instance_id}; first fetch, then {days} daily run(s)")
        sandbox.clock.advance(timedelta(minutes=2, days=days))
        as_of = sandbox.clock.now().date()  # the market is judged on the sandbox's day
        ingested = progress(pipeline) if progress else pipeline.ingest()
    show(ingested)
    show(pipeline.normalize())
    show(pipeline.match(as_of=as_of))
    benchmarked = pipeline.benchmark(as_of=as_of)
    show(benchmarked)
    return benchmarked
