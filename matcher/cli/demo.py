"""``matcher demo``: the whole pipeline so far, on the embedded sandbox, over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer

from matcher.cli.ingest import SOURCES_STATE, console, print_manifest, record_source, run_ingest
from matcher.cli.normalize import print_summary, run_normalize
from matcher.cli.options import floqer_client
from matcher.cli.pipeline import run_benchmark, run_match
from matcher.common.config import Config, FloqerConfig, FlowstateConfig
from matcher.ingest.lake import Lake
from matcher.sandbox import SandboxConfig, SandboxServer

DEMO_FILTERS = {"posted_at_max_age_days": 180, "order_by": [{"field": "date_posted", "desc": True}]}


def demo_command(
    lake: Path = typer.Option(Path("data/lake"), "--lake", help="Where the demo's lake goes."),
    seed: int = typer.Option(42, "--seed", help="Seed of the sandbox's synthetic market."),
    days: int = typer.Option(
        120, "--days", min=0, help="Sandbox days the source runs (daily) before the ingest."
    ),
    reports: Path = typer.Option(Path("reports"), "--reports", help="Where the demo's reports go."),
) -> None:
    """Start the sandbox (frozen clock), create a Floqer source, then ingest, normalize, match, benchmark."""
    with SandboxServer(SandboxConfig(seed=seed)) as sandbox:
        own = sandbox.app.market.own_company  # the sandbox's tenant posts too: never its own competitor
        config = Config(
            lake=lake,
            own_companies=(own["name"], own["domain"]),
            floqer=FloqerConfig(base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer),
            flowstate=FlowstateConfig(
                base_url=sandbox.flowstate_url, org_id=sandbox.org_id, api_key=sandbox.keys.flowstate
            ),
        )
        now = sandbox.clock.now()
        console.print(f"sandbox at {sandbox.url} (seed {seed}), clock frozen at {now:%Y-%m-%d %H:%M} UTC")
        expiration = (sandbox.clock.now() + timedelta(days=days + 30)).date().isoformat()
        with floqer_client(config) as client:
            created = client.create(
                name="Demo: the market for our open roles",
                filters=DEMO_FILTERS,
                expiration_date=expiration,
                broad=True,  # the demo's market is all ours to read: no filter but the lookback
            )
        store = Lake(lake)
        store.write_state(SOURCES_STATE, {})  # the sandbox is new each time: poll only its source
        record_source(store, created.source_instance_id, name=created.name, created_at=created.created_at)
        console.print(
            f"created Floqer source {created.source_instance_id}; first fetch, then {days} daily run(s)"
        )
        sandbox.clock.advance(timedelta(minutes=2, days=days))
        as_of = sandbox.clock.now().date()  # the market is judged on the sandbox's day
        manifest = run_ingest(config)
    print_manifest(manifest)
    console.print(f"lake: {lake.resolve()}  (manifest: state/runs/{manifest['run_id']}.json)\n")
    print_summary(run_normalize(lake, config.reporting_currency))
    run_match(config, as_of)
    run_benchmark(config, as_of, reports)
