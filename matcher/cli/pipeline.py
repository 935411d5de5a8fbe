"""``matcher match``, ``matcher benchmark`` and ``matcher run`` (ingest, normalize, match, benchmark)."""

from __future__ import annotations

import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import typer
from rich import box
from rich.table import Table

from matcher.benchmark.exclusions import DEFAULT_EXCLUSIONS, load_exclusions
from matcher.benchmark.stage import BenchmarkOptions, benchmark_lake, record_benchmarks
from matcher.cli.ingest import STRICT, exit_code, print_manifest, run_ingest
from matcher.cli.normalize import console, print_summary, run_normalize
from matcher.cli.options import CONFIG, LAKE, config_from
from matcher.common.config import Config
from matcher.common.errors import ConfigError
from matcher.match.stage import (
    DEFAULT_WEIGHTS,
    MATCHES,
    MatchOptions,
    MatchSummary,
    match_lake,
    matches_as_of,
)
from matcher.report.html import render_report
from matcher.report.writer import REPORTS, write_reports

CENT = Decimal("0.01")
AS_OF = typer.Option(None, "--as-of", help="The day the market is judged on (YYYY-MM-DD; default today).")
REPORTS_DIR = typer.Option(
    None, "--reports", help="Reports directory (default: [report] dir, else reports/)."
)


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError([f"--as-of: got {text!r}, expected a date as YYYY-MM-DD"]) from None


def run_match(config: Config, as_of: date) -> MatchSummary:
    if not (config.lake / "clean" / "postings.parquet").exists():
        raise ConfigError([f"lake {config.lake}: no clean tables yet (run `matcher normalize` first)"])
    options = MatchOptions(
        floor=config.match_floor,
        title_floor=config.title_floor,
        weights={**DEFAULT_WEIGHTS, **dict(config.match_weights)},
        own_companies=config.own_companies,
        include_agencies=config.include_agencies,
        require_work_type=config.require_work_type,
        as_of=as_of,
        level_policy=config.level_policy,  # matches and the salary pool admit the same levels
    )
    summary = match_lake(config.lake, options)
    excluded = ", ".join(f"{v:,} {k}" for k, v in summary.excluded.items() if v)
    console.print(
        f"match ({summary.seconds:.1f} s): {summary.vacancies} open vacancies x {summary.postings:,} "
        f"postings -> {summary.candidate_pairs:,} candidate pairs, {summary.scored_pairs:,} scored in full, "
        f"{summary.matches:,} matches >= {options.floor:g}" + (f"; left out: {excluded}" if excluded else "")
    )
    return summary


EXCLUSIONS = typer.Option(
    None,
    "--exclusions",
    help="CSV of struck matches (vacancy_id, posting_id, reason); default [benchmark] exclusions, "
    "else ./exclusions.csv when present.",
)


def exclusions_file(config: Config, override: Path | None = None) -> Path | None:
    """The exclusions file in force: --exclusions, else [benchmark] exclusions, else ./exclusions.csv."""
    if override is not None or config.exclusions is not None:
        return override or config.exclusions
    default = Path(DEFAULT_EXCLUSIONS)
    return default if default.exists() else None


def _load_exclusions(path: Path | None) -> pl.DataFrame | None:
    if path is None:
        return None
    frame = load_exclusions(path)
    console.print(f"exclusions: {frame.height} from {path}")
    return frame


def run_benchmark(
    config: Config, as_of: date | None, reports: Path | None, exclusions: Path | None = None
) -> Path:
    """Benchmark and write the reports; ``as_of`` None: the day the lake's matches were scored for (matches
    scored for another day than ``as_of`` are refused with one line by ``benchmark_lake``)."""
    options = BenchmarkOptions(
        min_score=config.benchmark_min_score,
        company_cap=config.company_cap,
        level_policy=config.level_policy,
        top_k=config.top_k,
        as_of=as_of,
    )
    struck = _load_exclusions(exclusions_file(config, exclusions))
    frames = benchmark_lake(config.lake, options, exclusions=struck)
    day = as_of or matches_as_of(config.lake / MATCHES)
    directory = reports or config.reports_dir
    # one set: the CSV, Parquet and HTML files are all new or all old, even when the disk fills midway
    html = Path(directory) / "report.html"
    write_reports(frames, directory, texts={html.name: render_report(frames, as_of=day)})
    record_benchmarks(config.lake, frames["vacancy_benchmarks"])
    _print_benchmarks(frames["vacancy_benchmarks"])
    excluded = frames["excluded_matches"]
    if excluded.height:
        unmatched = excluded.filter(~pl.col("matched")).height
        console.print(
            f"excluded by analysts: {excluded.height - unmatched} match(es) struck"
            + (f"; {unmatched} exclusion(s) named no match (see excluded_matches)" if unmatched else "")
        )
    console.print(f"reports: {directory.resolve()}  ({', '.join(REPORTS)}; .parquet and .csv)")
    console.print(f"open {html.resolve()} in a browser for the report with charts")
    return directory


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
    for row in frame.iter_rows(named=True):
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
        )
    console.print(table)
    console.print("verdict - : insufficient data (a verdict needs medium or high confidence)")
    if marked:
        console.print(
            "* indicative only: confidence none (fewer than 5 salaries or 3 companies), not a market figure"
        )


def match_command(
    as_of: str | None = AS_OF, config_file: Path | None = CONFIG, lake: Path | None = LAKE
) -> None:
    """Score and rank postings for every open vacancy: lake/clean -> lake/matches/matches.parquet."""
    run_match(config_from(config_file, lake), _as_of(as_of))


def benchmark_command(
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The day the market is judged on (YYYY-MM-DD; default: the day the matches were scored for). "
        "Matches scored for another day are refused: run `matcher match --as-of` with the same day first.",
    ),
    reports: Path | None = REPORTS_DIR,
    exclusions: Path | None = EXCLUSIONS,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """Benchmark each open vacancy's band against its matches and write the reports."""
    run_benchmark(
        config_from(config_file, lake), None if as_of is None else _as_of(as_of), reports, exclusions
    )


def run_command(
    as_of: str | None = AS_OF,
    reports: Path | None = REPORTS_DIR,
    skip_ingest: bool = typer.Option(False, "--skip-ingest", help="Start from the lake as it is."),
    strict: bool = STRICT,
    exclusions: Path | None = EXCLUSIONS,
    config_file: Path | None = CONFIG,
    lake: Path | None = LAKE,
) -> None:
    """The whole batch: ingest -> normalize -> match -> benchmark -> reports, then a summary table.

    When some source or list fails to ingest, the later stages still run on what the lake holds, and the
    command exits with code 3 (partial) at the end.
    """
    config = config_from(config_file, lake)
    day = _as_of(as_of)
    steps: list[tuple[str, str, float]] = []
    code = 0
    if not skip_ingest:
        manifest = run_ingest(config, strict=strict)
        print_manifest(manifest)
        code = exit_code(manifest)
        landed = sum(int(e.get("landed", 0)) for e in manifest.get("entities", {}).values())
        steps.append(("ingest", f"{landed:,} rows landed", float(manifest.get("duration_seconds", 0.0))))
    normalized = run_normalize(config.lake, config.reporting_currency, band_basis=config.band_basis)
    print_summary(normalized)
    steps.append(
        (
            "normalize",
            f"{normalized.postings:,} postings, {normalized.vacancies:,} vacancies",
            normalized.seconds,
        )
    )
    if (config.lake / "clean" / "postings.parquet").exists():
        matched = run_match(config, day)
        steps.append(
            ("match", f"{matched.matches:,} matches for {matched.vacancies} open vacancies", matched.seconds)
        )
        started = time.perf_counter()
        directory = run_benchmark(config, day, reports, exclusions)
        steps.append(("benchmark + reports", str(directory), time.perf_counter() - started))
    else:  # a new source fetches a while after its creation; a source may match nothing yet
        console.print(
            "no postings in the lake yet (a new Floqer source imports its first postings a few minutes after "
            "it is created; `matcher floqer list` shows its row count): match and benchmark skipped"
        )
        steps.append(("match, benchmark", "skipped: no postings yet", 0.0))
    table = Table(title=f"matcher run (as of {day.isoformat()})", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("stage", "result", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for stage, result, seconds in steps:
        table.add_row(stage, result, f"{seconds:.1f}")
    console.print(table)
    if code:
        raise typer.Exit(code)
