"""Write the reports as Parquet and CSV; read them back with ``load_reports``.

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, also after leading whitespace, line breaks or invisible characters) are prefixed with a
single quote, the OWASP-recommended neutralization: titles and company names are untrusted text.
Parquet keeps every value as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from matcher.common.errors import DataError

REPORTS = ("vacancy_benchmarks", "vacancy_matches", "competitor_hiring", "benchmark_pool", "excluded_matches")
# =, +, -, @, tab or CR first, or after any leading whitespace, line breaks or invisible characters (a
# spreadsheet trims " =1+1" and "\n=1+1" and runs them as formulas too)
FORMULA_START = (
    r"^[\s\x00-\x1f\x7f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]*[=+\-@\t\r]"
)


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """String cells that start like a formula get a leading ``'``; lists become "a; b" text."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        is_text = dtype == pl.String
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("; ")
            is_text = True
        if is_text:
            column = pl.when(column.str.contains(FORMULA_START)).then(pl.lit("'") + column).otherwise(column)
        columns.append(column.alias(name))
    return frame.select(columns)


def _atomic(path: Path, write: object) -> None:
    temp = path.with_name(path.name + ".tmp")
    write(temp)  # type: ignore[operator]
    os.replace(temp, path)


def write_reports(frames: dict[str, pl.DataFrame], directory: Path | str) -> list[Path]:
    """Each frame as ``<name>.parquet`` and ``<name>.csv`` in ``directory`` (created); the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        parquet, csv = out / f"{name}.parquet", out / f"{name}.csv"
        _atomic(parquet, frame.write_parquet)
        _atomic(csv, spreadsheet_safe(frame).write_csv)
        written += [parquet, csv]
    return written


def load_reports(path: Path | str = "reports") -> dict[str, pl.DataFrame]:
    """The reports in ``path`` as Polars frames, by name (``vacancy_benchmarks``, ``vacancy_matches``,
    ``competitor_hiring``, ``benchmark_pool``, ``excluded_matches``), read from the Parquet files (exact
    decimals, real lists and dates)."""
    directory = Path(path)
    missing = [name for name in REPORTS if not (directory / f"{name}.parquet").exists()]
    if missing:
        raise DataError(
            "reports",
            str(directory),
            f"a directory with {', '.join(f'{m}.parquet' for m in missing)} (run `matcher run`)",
        )
    return {name: pl.read_parquet(directory / f"{name}.parquet") for name in REPORTS}
