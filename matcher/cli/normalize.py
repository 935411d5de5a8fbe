"""``matcher normalize``: raw lake -> clean postings and vacancies, with a status table."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, FULL, JSON, LAKE, config_from, emit_json
from matcher.normalize.stage import STATUSES, NormalizeSummary
from matcher.pipeline import Pipeline

console = make_console()


def print_summary(summary: NormalizeSummary) -> None:
    table = Table(title=f"normalize ({summary.seconds:.1f} s)", title_justify="left")
    table.add_column("table.group")
    for status in STATUSES:
        table.add_column(status, justify="right")
    for name, counts in summary.counts.items():
        table.add_row(name, *(str(counts.get(status, 0)) for status in STATUSES))
    console.print(table)
    distinct = ", ".join(f"{v:,} {k}" for k, v in summary.distinct.items())
    console.print(
        f"{summary.postings:,} postings, {summary.vacancies:,} vacancies"
        + (f"; normalized once each: {distinct}" if distinct else "")
    )
    for line in signal_lines(summary):
        console.print(line)
    for path in summary.paths:
        console.print(f"wrote {path}")


SIGNAL_WORDS = {
    "postings.seniority_check": "title level vs Floqer's seniority",
    "postings.seniority_source": "level from",
    "postings.occupation_source": "occupation from",
    "postings.usd_check": "our conversion vs Floqer's *_usd amounts (10% apart = differs)",
}


def signal_lines(summary: NormalizeSummary) -> list[str]:
    """One line per Floqer signal present ("title level vs Floqer's seniority: 812 agree, 31 differ")."""
    lines = []
    for key, counts in summary.signals.items():
        if not counts:
            continue
        values = ", ".join(f"{n:,} {value}" for value, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(f"{SIGNAL_WORDS.get(key, key)}: {values}")
    return lines


def normalize_command(
    currency: str | None = typer.Option(
        None, "--currency", help="Reporting currency (default: \\[normalize] reporting_currency, else USD)."
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Processes for per-value work (default 1: more did not pay on 2 cores).",
    ),
    wait: bool = typer.Option(False, "--wait", help="Queue behind a run that holds the lake's lock."),
    full: bool = FULL,
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Normalize titles, salaries, places and skills: lake/raw -> lake/clean (postings, vacancies)."""
    result = Pipeline(config_from(config_file, lake)).normalize(
        currency=currency, workers=workers, wait=wait, full=full
    )
    if json_out:
        emit_json(result)
    else:
        print_summary(result.summary)
