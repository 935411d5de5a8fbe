"""``matcher demo``: ``matcher.demo.run_demo`` (the sandbox, the demo's own lake), drawn stage by stage."""

from __future__ import annotations

from pathlib import Path

import typer

from matcher.cli.ingest import console, print_ingest
from matcher.cli.ingest import ingest as ingest_with_progress
from matcher.cli.normalize import print_summary
from matcher.cli.pipeline import print_benchmark, print_match
from matcher.demo import DEMO_LAKE, DEMO_REPORTS, run_demo
from matcher.pipeline import BenchmarkResult, IngestResult, MatchResult, NormalizeResult, StageResult


def demo_command(
    lake: Path = typer.Option(DEMO_LAKE, "--lake", help="The demo's own lake (never a real one)."),
    seed: int = typer.Option(42, "--seed", help="Seed of the sandbox's synthetic market."),
    days: int = typer.Option(
        120, "--days", min=0, help="Sandbox days the source runs (daily) before the ingest."
    ),
    reports: Path = typer.Option(DEMO_REPORTS, "--reports", help="Where the demo's reports go."),
) -> None:
    """Start the sandbox (frozen clock), create a Floqer source, then ingest, normalize, match, benchmark."""

    def draw(result: StageResult) -> None:
        if isinstance(result, IngestResult):
            print_ingest(result)
            console.print(f"lake: {lake.resolve()}  (manifest: {result.counts()['manifest']})\n")
        elif isinstance(result, NormalizeResult):
            print_summary(result.summary)
        elif isinstance(result, MatchResult):
            print_match(result)
        elif isinstance(result, BenchmarkResult):
            print_benchmark(result)

    run_demo(
        lake, reports, seed=seed, days=days, on_result=draw, say=console.print, progress=ingest_with_progress
    )
