"""``matcher match``, ``matcher benchmark`` and ``matcher run`` (ingest, normalize, match, benchmark)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from matcher.benchmark.why import left_out_text
from matcher.cli.ingest import STRICT, print_ingest
from matcher.cli.ingest import ingest as ingest_with_progress
from matcher.cli.normalize import console, print_summary
from matcher.cli.options import CONFIG, FULL, JSON, LAKE, config_from, emit_json
from matcher.common.errors import ConfigError
from matcher.pipeline import BenchmarkResult, MatchResult, Pipeline, RunResult
from matcher.report.writer import REPORTS

CENT = Decimal("0.01")
AS_OF = typer.Option(None, "--as-of", help="The day the market is judged on (YYYY-MM-DD; default today).")
REPORTS_DIR = typer.Option(
    None, "--reports", help="Reports directory (default: \\[report] dir, else reports/)."
)


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError([f"--as-of: got {text!r}, expected a date as YYYY-MM-DD"]) from None


def print_match(result: MatchResult) -> None:
    """The match line. An incremental run scored only new or changed rows: its pair counts and the reasons
    it left pairs out are this run's (said so), the matches and those of another level every match's."""
    summary, options = result.summary, result.options
    level = "another level"
    excluded = ", ".join(f"{v:,} {k}" for k, v in summary.excluded.items() if v and k != level)
    others = summary.excluded.get(level, 0)
    if summary.mode != "incremental":
        left = ", ".join(filter(None, [excluded, f"{others:,} {level}" if others else ""]))
        console.print(
            f"match ({summary.seconds:.1f} s): {summary.vacancies} open vacancies x {summary.postings:,} "
            f"postings -> {summary.candidate_pairs:,} candidate pairs, {summary.scored_pairs:,} scored in "
            f"full, {summary.matches:,} matches >= {options.floor:g}"
            + (f"; left out: {left}" if left else "")
        )
        return
    console.print(
        f"match ({summary.seconds:.1f} s, incremental): {summary.rescored_postings:,} new or changed "
        f"postings x {summary.vacancies} open vacancies and {summary.rescored_vacancies} new or changed "
        f"vacancies x {summary.postings:,} postings -> {summary.candidate_pairs:,} candidate pairs, "
        f"{summary.scored_pairs:,} scored in full"
        + (f" (left out of them: {excluded})" if excluded else "")
        + f"; {summary.matches:,} matches >= {options.floor:g} in all"
        + (f", {others:,} of another level left out" if others else "")
    )


EXCLUSIONS = typer.Option(
    None,
    "--exclusions",
    help="CSV of struck matches (vacancy_id, posting_id, reason); default \\[benchmark] exclusions, "
    "else ./exclusions.csv when present.",
)


def print_benchmark(result: BenchmarkResult) -> None:
    frames = result.frames
    if result.exclusions_file is not None:
        console.print(f"exclusions: {frames['excluded_matches'].height} from {result.exclusions_file}")
    _print_benchmarks(frames["vacancy_benchmarks"])
    excluded = frames["excluded_matches"]
    if excluded.height:
        unmatched = excluded.filter(~pl.col("matched")).height
        console.print(
            f"excluded by analysts: {excluded.height - unmatched} match(es) struck"
            + (f"; {unmatched} exclusion(s) named no match (see excluded_matches)" if unmatched else "")
        )
    directory = result.reports_dir
    console.print(f"reports: {directory.resolve()}  ({', '.join(REPORTS)}; .parquet and .csv)")
    console.print(f"open {result.html.resolve()} in a browser for the report with charts")


def _k(value: object) -> str:
    return "-" if value is None else f"{float(value) / 1000:,.0f}k"  # type: ignore[arg-type]


def _print_benchmarks(frame: pl.DataFrame) -> None:
    table = Table(
        title="vacancy benchmarks (annual, in each vacancy's currency)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    widths = {
        "role": 28,
        "band": 18,
        "market p25-p75": 15,
        "p50": 8,
        "compa": 6,
        "n": 3,
        "firms": 6,
        "confidence": 11,
        "verdict": 8,
        "pool": 16,
    }
    fixed = console.is_terminal  # under cron or in a pipe every cell is shown in full, never cut with "…"
    for column, width in widths.items():
        right = column in ("p50", "compa", "n", "firms")
        table.add_column(
            column,
            justify="right" if right else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=width if fixed else None,
            min_width=None if fixed else width,
        )
    marked = False
    fell_back, peers = False, set()
    for row in frame.iter_rows(named=True):
        market, fallback, peer = _pool_parts(row.get("pool"))
        fell_back = fell_back or fallback
        peers |= {peer} if peer else set()
        # percentiles of a none-confidence pool are indicative only: starred, and the footnote says why
        indicative = row.get("percentiles_indicative")
        if indicative is None:  # a frame from before the column: worked out from the confidence
            indicative = row["confidence"] == "none" and row["p50"] is not None
        star = "*" if indicative else ""
        marked = marked or bool(star)
        table.add_row(
            f"{row['role'] or ''} ({row['country_code'] or '?'})",
            f"{_k(row['band_min'])}-{_k(row['band_max'])} {row['currency']}",
            "-" if row["p25"] is None else f"{_k(row['p25'])}-{_k(row['p75'])}{star}",
            _k(row["p50"]) + star if row["p50"] is not None else "-",
            "-"
            if row["compa_ratio"] is None
            else str(row["compa_ratio"].quantize(CENT, ROUND_HALF_UP)) + star,
            str(row["n_postings"]),
            str(row["n_companies"]),
            row["confidence"],
            "-" if row["verdict"] == "insufficient data" else row["verdict"],
            escape(market) + ("^" if fallback else ""),
        )
    console.print(table)
    console.print("verdict - : insufficient data (a verdict needs medium or high confidence)")
    if marked:
        console.print(
            "* indicative only: confidence none (fewer than 5 salaries or 3 companies), not a market figure"
        )
    if fell_back:
        console.print(
            "^ national: the metro or region pool was too small for a verdict (vacancy_benchmarks.pool says "
            "how small)"
        )
    for peer in sorted(peers):
        console.print(f"pool: peer companies only ({escape(peer)})", highlight=False)
    _print_why(frame)


def _pool_parts(pool: str | None) -> tuple[str, bool, str | None]:
    """("national US", whether a local pool fell back to it, the peer group) of a ``pool`` text such as
    "national US (metro Austin: 6 salaries from 4 companies, ...); peers: 201-500 employees"."""
    if not pool:
        return "-", False, None
    market, _, peer = pool.partition("; peers: ")
    name, _, note = market.partition(" (")
    return name, bool(note), peer or None


def _print_why(frame: pl.DataFrame) -> None:
    """Why each vacancy without a verdict has none: its reason, what was left out, the suggested change."""
    if "why_no_verdict" not in frame.columns:
        return
    undecided = frame.filter(pl.col("why_no_verdict").is_not_null())
    if not undecided.height:
        return
    console.print("\nwhy no verdict (what was left out of each pool; the change that would help most)")
    for row in undecided.iter_rows(named=True):
        console.print(
            f"[bold]{escape(row['role'] or '')} ({escape(row['country_code'] or '?')})[/bold]: "
            f"{escape(row['why_no_verdict'])}",
            highlight=False,
        )
        left = left_out_text(row.get("left_out"))
        if left:
            console.print(f"  left out: {escape(left)}", highlight=False)
        console.print(f"  -> {escape(row['suggested_change'] or '')}", highlight=False)


WAIT = typer.Option(False, "--wait", help="Queue behind a run that holds the lake's lock.")


def match_command(
    as_of: str | None = AS_OF,
    engine: str | None = typer.Option(
        None,
        "--engine",
        help="Where the scoring runs: local (this process) or spark (the same matches on Spark: "
        "pip install 'matcher\\[spark]', Java 17); default \\[match] engine, else local.",
    ),
    wait: bool = WAIT,
    full: bool = FULL,
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Score and rank postings for every open vacancy: lake/clean -> lake/matches/matches.parquet."""
    result = Pipeline(config_from(config_file, lake)).match(
        as_of=_as_of(as_of), wait=wait, full=full, engine=engine
    )
    if json_out:
        emit_json(result)
    else:
        print_match(result)


def benchmark_command(
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The day the market is judged on (YYYY-MM-DD; default: the day the matches were scored for). "
        "Matches scored for another day are refused: run `matcher match --as-of` with the same day first.",
    ),
    reports: Path | None = REPORTS_DIR,
    exclusions: Path | None = EXCLUSIONS,
    wait: bool = WAIT,
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Benchmark each open vacancy's band against its matches and write the reports."""
    result = Pipeline(config_from(config_file, lake)).benchmark(
        as_of=None if as_of is None else _as_of(as_of), reports=reports, exclusions=exclusions, wait=wait
    )
    if json_out:
        emit_json(result)
    else:
        print_benchmark(result)


def run_command(
    as_of: str | None = AS_OF,
    reports: Path | None = REPORTS_DIR,
    skip_ingest: bool = typer.Option(False, "--skip-ingest", help="Start from the lake as it is."),
    strict: bool = STRICT,
    exclusions: Path | None = EXCLUSIONS,
    wait: bool = WAIT,
    full: bool = FULL,
    json_out: bool = JSON,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """The whole batch: ingest -> normalize -> match -> benchmark -> reports, then a summary table.

    When some source or list fails to ingest, the later stages still run on what the lake holds, and the
    command exits with code 3 (partial) at the end.
    """
    pipeline = Pipeline(config_from(config_file, lake))
    day = _as_of(as_of)
    with _printing(pipeline, quiet=json_out):
        result = pipeline.run(
            as_of=day,
            skip_ingest=skip_ingest,
            strict=strict,
            reports=reports,
            exclusions=exclusions,
            wait=wait,
            full=full,
        )
    if json_out:
        emit_json(result)
    else:
        print_run(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@contextlib.contextmanager
def _printing(pipeline: Pipeline, *, quiet: bool) -> Iterator[None]:
    """Draw each stage of ``pipeline.run`` as it finishes (a progress bar while ingest pages)."""
    if quiet:
        yield
        return
    stages = {
        "ingest": lambda r: print_ingest(r),
        "normalize": lambda r: print_summary(r.summary),
        "match": lambda r: print_match(r),
        "benchmark": lambda r: print_benchmark(r),
    }
    original = {name: getattr(pipeline, name) for name in stages}

    def wrap(name: str) -> Any:
        def stage(**options: Any) -> Any:
            if name == "ingest":
                result = ingest_with_progress(pipeline, call=original[name], **options)
            else:
                result = original[name](**options)
            stages[name](result)
            return result

        return stage

    for name in stages:
        setattr(pipeline, name, wrap(name))
    try:
        yield
    finally:
        for name in stages:
            delattr(pipeline, name)


def print_run(result: RunResult) -> None:
    if result.skipped:
        console.print(f"{result.skipped}: match and benchmark skipped")
    table = Table(
        title=f"matcher run (as of {result.as_of.isoformat()})", title_justify="left", box=box.SIMPLE_HEAD
    )
    for column in ("stage", "result", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    if result.ingest is not None:
        table.add_row("ingest", f"{result.ingest.landed:,} rows landed", f"{result.ingest.seconds:.1f}")
    n = result.normalize.summary
    table.add_row(
        "normalize", f"{n.postings:,} postings, {n.vacancies:,} vacancies", f"{result.normalize.seconds:.1f}"
    )
    if result.match is not None and result.benchmark is not None:
        m = result.match.summary
        table.add_row(
            "match", f"{m.matches:,} matches for {m.vacancies} open vacancies", f"{result.match.seconds:.1f}"
        )
        table.add_row(
            "benchmark + reports", str(result.benchmark.reports_dir), f"{result.benchmark.seconds:.1f}"
        )
    else:
        table.add_row("match, benchmark", "skipped: no postings yet", "0.0")
    console.print(table)
