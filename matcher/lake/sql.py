"""SQL over the lake: an in-memory DuckDB with one view per lake table and report (``matcher.connect``).

>>> con = connect("data/lake")                                    # doctest: +SKIP
>>> con.sql("select count(*) from clean_postings").fetchall()     # doctest: +SKIP
[(5048,)]

Views read the files when queried (a view over a table's glob sees parts landed after ``connect``). Raw
tables are many small parts: their views keep one row per natural key, the first landed (``ingested_at``,
then part name, then row order), so a part copied by an interrupted ``matcher lake compact`` is never
counted twice. A table with no file yet has no view. Manifests (``state/runs/*.json``) have their
top-level scalars typed and nested objects as ``MAP(VARCHAR, JSON)`` (``totals['landed']``).

DuckDB is imported on first use: ``import matcher`` stays fast.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.common.errors import DataError, MatcherError
from matcher.lake.files import atomic_file
from matcher.lake.layout import PART_GLOB, TABLES, Table, is_lake

if TYPE_CHECKING:
    import duckdb

PART_COLUMNS = ("filename", "file_row_number")  # added by read_parquet for the first-landed order
EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet"}


class QueryError(MatcherError):
    """DuckDB could not run a query (a typo, an unknown column, a file it could not read): one line."""


def quote(text: str) -> str:
    """A SQL string literal (``it's`` -> ``'it''s'``)."""
    return "'" + text.replace("'", "''") + "'"


def _source(table: Table, folder: Path) -> str:
    """The files a view reads: the table's glob, or the file list when the folder's own name has glob
    characters (DuckDB would read them as a pattern)."""
    if any(ch in str(folder) for ch in "*?[]{}"):
        return "[" + ", ".join(quote(str(p)) for p in table.files(folder)) + "]"
    if table.parts and (folder / table.path).is_dir():
        return quote(str(folder / table.path / PART_GLOB))
    return quote(str(folder / table.path))


def view_sql(table: Table, folder: Path, *, files: list[Path] | None = None) -> str:
    """The SELECT behind ``table``'s view, reading ``files`` (default: the table's files under ``folder``).

    >>> view_sql(TABLES["clean_postings"], Path("lake"))
    "SELECT * FROM read_parquet('lake/clean/postings.parquet', union_by_name=true)"
    """
    source = _source(table, folder) if files is None else "[" + ", ".join(quote(str(p)) for p in files) + "]"
    if table.format == "json":
        # nested objects as maps: a manifest's keys (source ids, tables) differ from run to run
        return (
            f"SELECT * FROM read_json_auto({source}, union_by_name=true, maximum_depth=2, "
            "map_inference_threshold=0)"
        )
    if not table.raw:
        return f"SELECT * FROM read_parquet({source}, union_by_name=true)"
    key = ", ".join(f'"{column}"' for column in table.key)
    return (
        f"SELECT * EXCLUDE ({', '.join(PART_COLUMNS)}) FROM read_parquet({source}, union_by_name=true, "
        "filename=true, file_row_number=true) "
        f"QUALIFY row_number() OVER (PARTITION BY {key} "
        "ORDER BY ingested_at NULLS LAST, filename, file_row_number) = 1"
    )


def connect(lake: Path | str, reports: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per lake table (and report) that exists.

    >>> con = connect("data/lake", reports="reports")                       # doctest: +SKIP
    >>> con.sql("select role, p50 from vacancy_benchmarks").fetchall()      # doctest: +SKIP
    [('Data Engineer', Decimal('98000.00')), ...]

    Args:
        lake: the lake folder (``data/lake``, ``[lake] root``).
        reports: the reports folder; None: ``reports/`` beside the lake when it holds reports.

    Raises:
        DataError: ``lake`` is not a lake, or ``reports`` is not a folder.
        QueryError: a table's files could not be read (one line naming the table).
    """
    import duckdb

    root = Path(lake).absolute()  # views keep the path: a notebook may change directory later
    if not is_lake(root):
        raise DataError(
            "lake",
            str(lake),
            "a lake folder (with raw/, clean/, matches/ or state/ in it): run `matcher ingest` or "
            "`matcher demo` first",
        )
    folders: dict[str, Path] = {"lake": root}
    if reports is not None:
        if not Path(reports).is_dir():
            raise DataError(
                "reports", str(reports), "a reports folder (run `matcher run` or `matcher benchmark`)"
            )
        folders["reports"] = Path(reports).absolute()
    elif (root.parent / "reports").is_dir():
        folders["reports"] = root.parent / "reports"
    connection = duckdb.connect(":memory:")
    try:
        run(connection, "SET TimeZone = 'UTC'", what="connect")  # the lake's instants are UTC
        for table in TABLES.values():
            folder = folders.get(table.root)
            if table.view and folder is not None and table.files(folder):
                run(connection, f'CREATE VIEW "{table.name}" AS {view_sql(table, folder)}', what=table.name)
    except BaseException:
        connection.close()
        raise
    return connection


def run(connection: duckdb.DuckDBPyConnection, sql: str, *, what: str = "query") -> duckdb.DuckDBPyConnection:
    """Execute ``sql``; a DuckDB error becomes a ``QueryError`` with one line naming ``what`` failed."""
    import duckdb

    try:
        return connection.execute(sql)
    except duckdb.Error as exc:
        raise QueryError(f"{what}: {error_line(exc)}") from None


def error_line(exc: BaseException) -> str:
    """DuckDB's message without the caret drawing (``Catalog Error: Table with name x does not exist!``)."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept: list[str] = []
    for line in lines:
        if line.startswith("LINE ") or not line or set(line) <= {"^", " "}:
            continue
        kept.append(line)
    return " ".join(kept) or type(exc).__name__


@dataclass(frozen=True, kw_only=True)
class Result:
    """A query's columns (name, DuckDB type) and rows."""

    columns: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]


def fetch(connection: duckdb.DuckDBPyConnection, sql: str) -> Result:
    """Run one query and return its rows (a ``QueryError`` when it fails or returns nothing)."""
    cursor = run(connection, _one_statement(sql))
    description = cursor.description
    if not description:
        raise QueryError("query: it returns no rows (use SELECT, SHOW, DESCRIBE, ...)")
    try:
        rows = cursor.fetchall()
    except Exception as exc:  # a conversion DuckDB only hits while producing rows
        raise QueryError(f"query: {error_line(exc)}") from None
    return Result(columns=[(str(d[0]), str(d[1])) for d in description], rows=rows)


def _one_statement(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryError("query: empty (give a SELECT ...)")
    return text


def table_counts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """(view, rows, description) for every view ``connect`` made, in registry order."""
    names = {
        row[0]
        for row in run(connection, "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    counts = []
    for table in TABLES.values():
        if table.name in names:
            cursor = run(connection, f'SELECT count(*) FROM "{table.name}"', what=table.name)
            counts.append((table.name, int(cursor.fetchall()[0][0]), table.description))
    return counts


def export(
    connection: duckdb.DuckDBPyConnection, sql: str, out: Path, *, formula_start: str | None = None
) -> int:
    """Write the query's result to ``out`` (``.csv`` or ``.parquet``) atomically; returns the rows written.

    Args:
        formula_start: a Python regex of text a spreadsheet would run as a formula; text cells of a CSV
            matching it get a leading ``'`` (``matcher.report.writer.FORMULA_START``). Parquet keeps values.
    """
    kind = EXPORT_FORMATS.get(out.suffix.lower())
    if kind is None:
        raise DataError("--out", str(out), "a file name ending in .csv or .parquet")
    query = _one_statement(sql)
    columns = fetch(connection, f"SELECT * FROM ({query}) AS q LIMIT 0").columns
    if kind == "csv" and formula_start is not None:
        pattern = quote(re2_pattern(formula_start))
        cells = [
            f"CASE WHEN regexp_matches(\"{_ident(name)}\", {pattern}) THEN '''' || \"{_ident(name)}\" "
            f'ELSE "{_ident(name)}" END AS "{_ident(name)}"'
            if dtype == "VARCHAR"
            else f'"{_ident(name)}"'
            for name, dtype in columns
        ]
        query = f"SELECT {', '.join(cells)} FROM ({query}) AS q"
    options = "FORMAT csv, HEADER true" if kind == "csv" else "FORMAT parquet, COMPRESSION zstd"
    temp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    with atomic_file(out, temp=temp) as path:
        written = run(connection, f"COPY ({query}) TO {quote(str(path))} ({options})").fetchall()
    return int(written[0][0]) if written else 0


def _ident(name: str) -> str:
    return name.replace('"', '""')


def re2_pattern(python_regex: str) -> str:
    r"""A Python regex's ``\uXXXX`` and ``\xXX`` escapes in the form DuckDB's RE2 reads (``\x{XXXX}``)."""
    return re.sub(
        r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))", lambda m: f"\\x{{{m[1] or m[2]}}}", python_regex
    )
