"""``matcher sql "SELECT ..."``: query the lake's tables and the reports with DuckDB (``matcher.connect``)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from matcher.cli.console import make_console
from matcher.cli.options import CONFIG, LAKE, config_from
from matcher.common.errors import DataError
from matcher.demo import DEMO_LAKE, DEMO_REPORTS
from matcher.lake.layout import TABLES
from matcher.lake.sql import Result, connect, export, fetch, table_counts
from matcher.pipeline import Pipeline
from matcher.report.writer import FORMULA_START

REPORTS = typer.Option(
    None, "--reports", help="Reports folder to query too (default: \\[report] dir when it exists)."
)


def sql_command(
    query: str | None = typer.Argument(
        None, help='The query, e.g. "select role, p50 from vacancy_benchmarks".'
    ),
    lake: Path | None = LAKE,
    reports: Path | None = REPORTS,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the result to FILE.csv or FILE.parquet (atomically) instead."
    ),
    tables: bool = typer.Option(
        False, "--tables", help="List the views (lake tables, reports) with row counts."
    ),
    config_file: Path | None = CONFIG,
) -> None:
    """Run a SQL query over the lake (one view per table: raw_postings, clean_postings, matches, ...)."""
    config = config_from(config_file, lake)
    root = Pipeline(config).lake  # an s3:// lake: its working copy, pulled first
    # after `make demo` only, with no lake named anywhere (--lake, [lake] root, MATCHER_LAKE): a lake that
    # was named but is not there (a typo) fails like `--lake typo`, never answers with the demo's rows
    unnamed = lake is None and not config.lake_configured
    if unnamed and not _holds_tables(root) and _holds_tables(DEMO_LAKE):
        make_console(stderr=True).print(
            f"no lake at {root}: reading the demo's ({DEMO_LAKE}, reports {DEMO_REPORTS}); "
            "--lake picks another",
            markup=False,
        )
        root = DEMO_LAKE
        if reports is None and DEMO_REPORTS.is_dir():
            reports = DEMO_REPORTS
    if reports is None and config.reports_dir.is_dir():
        reports = config.reports_dir
    connection = connect(root, reports)
    try:
        if tables:
            _print_tables(table_counts(connection))
            return
        if query is None:
            raise DataError("query", "", 'a SQL query ("select ... from clean_postings") or --tables')
        if out is not None:
            rows = export(connection, query, out, formula_start=FORMULA_START)
            make_console(stderr=True).print(f"{rows:,} row(s) -> {out}")
            return
        print_result(fetch(connection, query))
    finally:
        connection.close()


def _holds_tables(root: Path) -> bool:
    """Whether any lake table has a file under ``root`` (a lock file alone is no lake yet)."""
    return any(table.files(root) for table in TABLES.values() if table.root == "lake" and table.view)


def _print_tables(counts: list[tuple[str, int, str]]) -> None:
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("view", "rows", "what"):
        table.add_column(name, justify="right" if name == "rows" else "left", overflow="fold")
    for name, rows, description in counts:
        table.add_row(Text(name), f"{rows:,}", Text(description))
    _console_for([[name, f"{rows:,}", d] for name, rows, d in counts], ["view", "rows", "what"]).print(table)


def print_result(result: Result) -> None:
    """The rows as a table: at the terminal's width when stdout is one, else as wide as the widest row
    (nothing cut under cron or in a pipe)."""
    headers = [name for name, _ in result.columns]
    cells = [[cell(value) for value in row] for row in result.rows]
    table = Table(box=box.SIMPLE_HEAD, caption=f"{len(cells):,} row(s)")
    for name, dtype in result.columns:
        numeric = dtype.startswith(("DECIMAL", "INTEGER", "BIGINT", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT"))
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for row in cells:
        table.add_row(*(Text(text) for text in row))  # data, not markup: "[b]" in a title stays as it is
    _console_for(cells, headers).print(table)


def _console_for(cells: list[list[str]], headers: list[str]) -> Console:
    if sys.stdout.isatty():
        return make_console()
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [
            max(w, *(len(line) for line in c.splitlines() or [""])) for w, c in zip(widths, row, strict=True)
        ]
    # SIMPLE_HEAD draws a space and a separator around each cell
    return Console(width=max(sum(widths) + 3 * len(widths) + 2, 40), soft_wrap=False, no_color=True)


def cell(value: Any) -> str:
    """A value as the table shows it: NULL for missing, ISO dates, exact decimals."""
    if value is None:
        return "NULL"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
