"""One atomic file write for the lake and what is exported from it: temp file, fsync, rename, directory fsync.

>>> write_parquet_atomic(frame, Path("lake/clean/postings.parquet"))   # doctest: +SKIP
# lake/clean/postings.parquet is the old file or the new one, never half of one

Every stage writes its files through here (``atomic_file`` and the ``write_*_atomic`` helpers on it); the
reports' set of files that must appear together is staged by ``matcher.report.writer`` and swapped in with
``move_files``. A crash leaves at worst ``<name>.tmp`` beside the file, which no table's glob matches.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

TEMP_SUFFIX = ".tmp"  # ``<final>.tmp``: what a killed write leaves (the lake's lock sweeps the raw parts')


@contextlib.contextmanager
def atomic_file(
    final: Path, *, temp: Path | None = None, written: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Yield a temp path beside ``final`` to write; when the block ends without an error the temp file is
    fsynced and renamed over ``final``, then the directory is fsynced. On an error it is removed.

    Nested blocks rename innermost first, after every file is written:
    ``with atomic_file(a) as ta, atomic_file(b) as tb: ...`` renames ``b`` then ``a``.

    Args:
        final: where the file ends up (its folder is created).
        temp: the temp file (default ``<final>.tmp``: the lake's lock sweeps ``part-*.parquet.tmp``).
        written: called once the temp file is written, before the fsync and rename; what it raises leaves
            the temp file where it is (tests' crash points stand in for a kill there).
    """
    temp = temp or final.with_name(final.name + TEMP_SUFFIX)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if written is not None:
        written()
    try:
        fsync_file(temp)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(final.parent)


def read_parts(parts: Sequence[Path], columns: list[str] | None = None) -> pl.DataFrame:
    """A table's Parquet parts as one frame, in the order given (landing order for raw tables).

    Parts written by another version may have more or fewer columns, or a column of another type (a table
    that grew a field): Polars' one-pass read refuses those, so they are then read one by one and stacked
    by column name (a column a part lacks is null there; types are widened). ``columns``: only those, from
    the parts that have them."""
    if not parts:
        return pl.DataFrame()
    try:
        return pl.read_parquet(list(parts), columns=columns)
    except (pl.exceptions.SchemaError, pl.exceptions.ColumnNotFoundError):
        frames = []
        for part in parts:
            frame = pl.read_parquet(part)
            frames.append(frame.select([c for c in columns if c in frame.columns]) if columns else frame)
        return pl.concat(frames, how="diagonal_relaxed")


def write_parquet_atomic(frame: pl.DataFrame, path: Path, **options: Any) -> Path:
    """``frame`` as Parquet at ``path``, atomically; ``options`` go to ``DataFrame.write_parquet``
    (``compression="zstd"``, ``metadata={...}``). Returns ``path``."""
    with atomic_file(path) as temp:
        frame.write_parquet(temp, **options)
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """``text`` as UTF-8 at ``path``, atomically. Returns ``path``."""
    with atomic_file(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    """``data`` as indented JSON at ``path``, atomically (the lake's state and manifest files)."""
    with atomic_file(path) as temp:
        temp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")


def move_files(source: Path, names: Iterable[str], destination: Path) -> None:
    """Rename each of ``names`` that is in ``source`` (already written and fsynced) into ``destination``,
    then fsync ``destination``: the second phase of a set of files staged together (the reports)."""
    for name in names:
        if (source / name).exists():
            os.replace(source / name, destination / name)
    fsync_dir(destination)


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
