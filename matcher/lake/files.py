"""One atomic file write for the lake and what is exported from it: temp file, fsync, rename, directory fsync.

>>> with atomic_file(Path("lake/clean/postings.parquet")) as temp:   # doctest: +SKIP
...     frame.write_parquet(temp)
# lake/clean/postings.parquet is the old file or the new one, never half of one
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_file(final: Path, *, temp: Path | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``final`` to write; when the block ends without an error the temp file is
    fsynced and renamed over ``final``, then the directory is fsynced. On an error it is removed.

    Args:
        final: where the file ends up.
        temp: the temp file (default ``<final>.tmp``: the lake's lock sweeps ``part-*.parquet.tmp``).
    """
    temp = temp or final.with_name(final.name + ".tmp")
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield temp
        fsync_file(temp)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(final.parent)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """``data`` as indented JSON at ``path``, atomically (the lake's state and manifest files)."""
    with atomic_file(path) as temp:
        temp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
