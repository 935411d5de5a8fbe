"""Write the reports as Parquet and CSV; read them back with ``load_reports``.

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, also after leading whitespace, line breaks or invisible characters) are prefixed with a
single quote, the OWASP-recommended neutralization: titles and company names are untrusted text.
Parquet keeps every value as it is.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from matcher.common.errors import DataError, ReportWriteError
from matcher.lake.damage import DamagedFileError
from matcher.lake.files import TEMP_SUFFIX, fsync_file, move_files
from matcher.lake.layout import TABLES

# the reports' tables, in the registry's order (matcher/lake/layout.py): vacancy_benchmarks, vacancy_matches,
# competitor_hiring, benchmark_pool, excluded_matches
REPORTS = tuple(t.name for t in TABLES.values() if t.root == "reports" and t.format == "parquet")
# =, +, -, @, tab or CR first, or after any leading whitespace, line breaks or invisible characters (a
# spreadsheet trims " =1+1" and "\n=1+1" and runs them as formulas too)
FORMULA_START = (
    r"^[\s\x00-\x1f\x7f\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff"
    r"\ufff9-\ufffb]*[=+\-@\t\r]"
)


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """String cells that start like a formula get a leading ``'``; lists become "a; b" text (a list of
    structs "no salary: n 3; outlier: n 1")."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        is_text = dtype == pl.String
        if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
            column = column.list.eval(_struct_text(dtype.inner)).list.join("; ")
            is_text = True
        elif isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("; ")
            is_text = True
        if is_text:
            column = pl.when(column.str.contains(FORMULA_START)).then(pl.lit("'") + column).otherwise(column)
        columns.append(column.alias(name))
    return frame.select(columns)


def _struct_text(dtype: pl.Struct) -> pl.Expr:
    """A struct as "first: name value, name value" ({reason: "no salary", n: 3} -> "no salary: n 3")."""
    rest = [f.name for f in dtype.fields][1:]
    template = "{}" + (": " + ", ".join(f"{name} {{}}" for name in rest) if rest else "")
    return pl.format(template, *(pl.element().struct.field(f.name) for f in dtype.fields))


STAGING = ".tmp-"  # a set being written: ``<directory>/.tmp-<token>/``, swapped in once complete
READY = ".ready"  # written last in a staging folder: every file of the set is there


def write_reports(
    frames: dict[str, pl.DataFrame], directory: Path | str, *, texts: Mapping[str, str] | None = None
) -> list[Path]:
    """Each frame as ``<name>.parquet`` and ``<name>.csv`` in ``directory`` (created), and each of ``texts``
    (file name -> text, e.g. ``{"report.html": ...}``), as one set: all new or all old; the paths written.

    Every file is first written to a staging folder beside them (``directory/.tmp-<token>/``) and fsynced;
    only then are they renamed in (renames need no space). A failure while writing (a full disk) removes the
    staging folder, leaves the previous set as it was and raises ``ReportWriteError`` (one line). A process
    killed during the renames leaves a complete staging folder that the next call moves in first.
    """
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where the folder (or one of its parents) should be, no permission
        what = (
            "a file is there, expected a folder"
            if isinstance(exc, (FileExistsError, NotADirectoryError))
            else (exc.strerror or type(exc).__name__)
        )
        raise ReportWriteError(
            f"reports: cannot write the reports in {out} ({what}); nothing was written"
        ) from None
    _settle(out)
    stage = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
    names: list[str] = []
    try:
        for name, frame in frames.items():
            parquet, csv = _file_names(name)
            frame.write_parquet(stage / parquet)
            spreadsheet_safe(frame).write_csv(stage / csv)
            names += [parquet, csv]
        for file_name, text in (texts or {}).items():
            (stage / file_name).write_text(text, encoding="utf-8")
            names.append(file_name)
        for file_name in names:
            fsync_file(stage / file_name)
        (stage / READY).write_text("\n".join(names) + "\n", encoding="utf-8")
        fsync_file(stage / READY)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        what = exc.strerror or type(exc).__name__
        raise ReportWriteError(
            f"reports: could not write the reports in {out} ({what}); the previous reports are left as they "
            "were and nothing was half-written"
        ) from None
    _settle(out)
    return [out / name for name in names]


def _file_names(name: str) -> tuple[str, str]:
    """A report's Parquet file and its spreadsheet-safe CSV copy: the registry's, else ``<name>.parquet``
    and ``<name>.csv``."""
    table = TABLES.get(name)
    if table is None or table.root != "reports" or not table.also:
        return f"{name}.parquet", f"{name}.csv"
    return table.path, table.also[0]


def _settle(out: Path) -> None:
    """Move in each complete staging folder's files (a run killed while renaming); remove incomplete ones,
    and the per-file temp files older versions left (``vacancy_matches.csv.tmp``)."""
    for name in REPORTS:
        for file_name in _file_names(name):
            (out / f"{file_name}{TEMP_SUFFIX}").unlink(missing_ok=True)
    (out / f"{TABLES['report_html'].path}{TEMP_SUFFIX}").unlink(missing_ok=True)
    for stage in sorted(out.glob(f"{STAGING}*")):
        if not stage.is_dir():
            continue
        ready = stage / READY
        if ready.is_file():
            move_files(stage, ready.read_text(encoding="utf-8").split(), out)
        shutil.rmtree(stage, ignore_errors=True)


def load_reports(path: Path | str = "reports") -> dict[str, pl.DataFrame]:
    """The reports in ``path`` as Polars frames, by name (``vacancy_benchmarks``, ``vacancy_matches``,
    ``competitor_hiring``, ``benchmark_pool``, ``excluded_matches``), read from the Parquet files (exact
    decimals, real lists and dates)."""
    directory = Path(path)
    missing = [TABLES[name].path for name in REPORTS if not (directory / TABLES[name].path).exists()]
    if missing:
        raise DataError(
            "reports",
            str(directory),
            f"a directory with {', '.join(missing)} (run `matcher run`)",
        )
    frames = {}
    for name in REPORTS:
        path = directory / TABLES[name].path
        try:
            frames[name] = pl.read_parquet(path)
        except pl.exceptions.PolarsError as exc:  # cut short, overwritten: one line naming the file
            reason = " ".join(str(exc).split())[:160]
            raise DamagedFileError(
                f"{path} cannot be read ({reason}): run `matcher benchmark` again to rewrite the reports",
                path=path,
            ) from exc
    return frames
