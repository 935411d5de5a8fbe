"""A lake or reports file that Polars or DuckDB cannot read (cut short, overwritten): one line naming it.

>>> damaged_file_error(polars_error, "lake")   # doctest: +SKIP
DamagedFileError('lake/clean/postings.parquet/part-2026-12-02.parquet cannot be read (parquet: File out of
specification: ...): restore the file from a backup, or rebuild the clean tables: `matcher normalize --full`')

``damaged_file_error`` is asked after a Polars or DuckDB error: it reads the footer of every Parquet file
under the lake (and the reports folder) and names the first that does not read, with what to do for its
table (``matcher.lake.layout``): raw parts are the source of truth (restore them), the clean and matches
tables are rebuilt with ``--full``. An error that names no unreadable file and does not read like one (a
bug, not a damaged file) gets None: the caller re-raises it as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from matcher.common.errors import MatcherError
from matcher.lake import layout

# what Polars and DuckDB say when a Parquet file's bytes are wrong (cut short, overwritten, not Parquet)
_READ_ERROR = re.compile(
    r"parquet|out of specification|magic bytes|thrift|\bPAR1\b|unexpected end of (file|stream)|decompress|"
    r"corrupt",
    re.IGNORECASE,
)
_NAMED_FILE = re.compile(r"""['"]([^'"]+\.parquet)['"]""")


class DamagedFileError(MatcherError):
    """A lake or reports file cannot be read; ``path`` is the file when it is known (else None: the lake)."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        self.path = path
        super().__init__(message)


def is_engine_error(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by Polars or DuckDB (duckdb is not imported for it)."""
    return isinstance(exc, pl.exceptions.PolarsError) or type(exc).__module__.split(".")[0] == "duckdb"


def is_read_error(exc: BaseException) -> bool:
    """Whether ``exc`` (a Polars or DuckDB error) reads like a file that could not be read."""
    return type(exc).__name__ == "IOException" or bool(_READ_ERROR.search(str(exc)))


def damaged_files(root: Path | str) -> list[Path]:
    """The Parquet files under ``root`` whose footer does not read, in name order (temp files and the
    reports' staging folders are not looked at)."""
    found = []
    for path in sorted(Path(root).rglob("*.parquet")):
        if not path.is_file() or any(part.startswith(".tmp-") for part in path.parts):
            continue
        try:
            pl.read_parquet_schema(path)
        except (pl.exceptions.PolarsError, OSError):
            found.append(path)
    return found


def _layer(path: Path, lake: Path) -> int:
    """0 raw, 1 clean, 2 matches, 3 the rest: the order a damaged lake is mended in (sources first)."""
    relative = path.relative_to(lake).as_posix()
    return next((n for n, top in enumerate(("raw/", "clean/", "matches/")) if relative.startswith(top)), 3)


def what_to_do(path: Path, lake: Path, reports: Path | None = None) -> str:
    """What restores ``path``, by its table: restore raw parts, rebuild clean and matches tables."""
    if reports is not None and path.is_relative_to(reports):
        return "run `matcher benchmark` again to rewrite the reports"
    relative = path.relative_to(lake).as_posix() if path.is_relative_to(lake) else path.name
    table = layout.table_for(relative)
    name = table.name if table is not None else ""
    if table is not None and table.raw:
        return (
            "raw parts are the source of truth: restore the file from a backup (every later table is rebuilt "
            "from them)"
        )
    if name.startswith("clean_"):
        return "restore the file from a backup, or rebuild the clean tables: `matcher normalize --full`"
    if relative.startswith("matches/"):
        return "restore the file from a backup, or rebuild the matches: `matcher match --full`"
    if name == "title_vectors":
        return "remove the file: the cache is rebuilt"
    return "restore the file from a backup"


def damaged_file_error(
    exc: BaseException, lake: Path | str, reports: Path | str | None = None
) -> DamagedFileError | None:
    """The one-line error for ``exc`` when a file of ``lake`` (or ``reports``) cannot be read: the file named
    when its footer does not read or the error names it, else the lake when ``exc`` reads like a read error;
    None when neither (not a damaged file: re-raise ``exc``)."""
    root = Path(lake)
    folder = Path(reports) if reports is not None else None
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if len(reason) > 160:
        reason = reason[:157] + "..."
    found = sorted(damaged_files(root), key=lambda path: _layer(path, root))  # the raw parts first
    found += damaged_files(folder) if folder and folder.is_dir() else []
    if not found:
        named = _NAMED_FILE.search(str(exc))
        if named and is_read_error(exc):
            found = [Path(named.group(1))]
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more damaged file(s))" if len(found) > 1 else ""
        return DamagedFileError(
            f"{first}{more} cannot be read ({reason}): {what_to_do(first, root, folder)}", path=first
        )
    if not is_read_error(exc):
        return None
    return DamagedFileError(
        f"lake {root}: a file cannot be read ({reason}): restore the lake's damaged file from a backup, or "
        "rebuild the clean and matches tables with `--full` (raw parts are the source of truth)"
    )
