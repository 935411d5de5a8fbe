"""``matcher publish --to flowstate``: write each vacancy's market benchmark back to its metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from matcher.benchmark.publish import KEY, Change, PublishRefusedError
from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, JSON, config_from, emit_json
from matcher.common.errors import ConfigError
from matcher.pipeline import Pipeline

console = make_console()


def _k(value: Any) -> str:
    return "-" if value is None else f"{float(value) / 1000:,.1f}k"


def _p50(benchmark: dict[str, Any] | None) -> str:
    if not benchmark:
        return "-"
    return f"{_k(benchmark.get('p50'))} {benchmark.get('currency') or ''}".strip()


def _verdict(value: str | None) -> str:
    return "-" if value in (None, "insufficient data") else value


def _p50_after(benchmark: dict[str, Any] | None) -> str:
    """The p50 to write, starred when its pool's confidence is none (indicative only)."""
    star = "*" if benchmark and benchmark.get("confidence") == "none" and benchmark.get("p50") else ""
    return _p50(benchmark) + star


def _print(changes: list[Change], apply: bool) -> None:
    verbs = {"set": "set", "update": "updated"} if apply else {"set": "would set", "update": "would update"}
    verbs["refuse"] = "not published"
    table = Table(title=f"metadata.{KEY}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    widths = {"vacancy": 16, "role": 24, "action": 26, "p50 before": 12, "p50 after": 12, "verdict": 8}
    for column, width in widths.items():
        table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=min(width, 12), max_width=width)
    refused = [c for c in changes if c.action == "refuse"]
    changes = [c for c in changes if c.action != "refuse"]
    for change in changes:
        action = verbs.get(change.action, change.action)
        if change.reason:
            action += f" ({change.reason})"
        table.add_row(
            change.vacancy_id,
            change.role,
            action,
            _p50(change.before),
            _p50_after(change.after),
            _verdict((change.after or {}).get("verdict")),
        )
    if changes:
        console.print(table)
        console.print("verdict - : insufficient data (a verdict needs medium or high confidence)")
    if any(_p50_after(c.after).endswith("*") for c in changes):
        console.print("* confidence none: indicative only (published because of --min-confidence none)")
    if refused:
        # every reason in full, never cut to a column's width: what will not be published and why
        console.print(f"not published ({len(refused)}):")
        for change in refused:
            console.print(
                f"  {escape(change.vacancy_id)} {escape(change.role)}: {escape(change.reason)}",
                highlight=False,
            )


def publish_command(
    to: str = typer.Option(..., "--to", help="Where to publish: flowstate."),
    apply: bool = typer.Option(False, "--apply", help="Write the changes (default: a dry run)."),
    reports: Path | None = typer.Option(
        None, "--reports", help="Reports directory (default: \\[report] dir)."
    ),
    min_confidence: str | None = typer.Option(
        None,
        "--min-confidence",
        help="Publish benchmarks of this confidence or better: none, low, medium or high "
        "(default: \\[publish] min_confidence, medium).",
    ),
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
) -> None:
    """Set each benchmarked vacancy's metadata.marketBenchmark in Flowstate (dry run unless --apply).

    Benchmarks below --min-confidence are not published; with --apply, reports older than
    \\[publish] max_age_days or benchmarked for another Flowstate tenant or org are refused whole."""
    if to != "flowstate":
        raise ConfigError([f"--to: got {to!r}, expected flowstate"])
    try:
        result = Pipeline(config_from(config_file)).publish(
            apply=apply, reports=reports, min_confidence=min_confidence
        )
    except PublishRefusedError as refused:
        if not json_out:
            _print(list(refused.changes), apply=False)
        raise
    if json_out:
        emit_json(result)
        return
    changes = list(result.changes)
    _print(changes, apply)
    writes = [c for c in changes if c.action in ("set", "update")]
    labels = {
        "set": "set",
        "update": "updated",
        "unchanged": "unchanged",
        "skip": "skipped",
        "refuse": "not published",
    }
    if not apply:
        labels |= {"set": "to set", "update": "to update"}
    summary = ", ".join(
        f"{n} {label}" for action, label in labels.items() if (n := sum(c.action == action for c in changes))
    )
    if apply:
        console.print(f"published to Flowstate: {summary or 'nothing to publish'}")
    else:
        console.print(
            f"dry run: {summary or 'nothing to publish'}; nothing was written"
            + (" (add --apply to write)" if writes else "")
        )
