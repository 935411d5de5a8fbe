"""The raw lake: Parquet part files per source and entity, written atomically, plus cursors, a lock and
run manifests. Where each file goes is the registry's (``matcher.lake.layout``: ``raw_postings`` is
``raw/floqer/postings/part-*.parquet``, the cursors ``state/cursors.json``, the manifests
``state/runs/{run_id}.json``, the lock ``state/lock``); every write is ``matcher.lake.files``' atomic one.

Exactly once: the Parquet parts are the truth about what landed. A run loads the natural keys already landed
and skips them, writes each page's new rows as one part (temp file, fsync, rename), and only then moves the
cursor. A crash anywhere leaves at worst a temp file (ignored, and swept by the next lock holder: only
the lake's own ``part-*.parquet.tmp`` and stale ``state/*.json.tmp``, nothing else) or a part whose
cursor did not move (its page is read again and every row is skipped as a duplicate).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from matcher.common.errors import MatcherError
from matcher.lake import layout
from matcher.lake.files import TEMP_SUFFIX, atomic_file, read_parts, write_json

# ingest's table names -> the registry's (matcher/lake/layout.py names every folder and natural key)
LAYOUT_NAMES = {
    "floqer_postings": "raw_postings",
    "floqer_posting_sources": "raw_posting_sources",
    "flowstate_vacancies": "raw_vacancies",
    "flowstate_vacancy_events": "raw_vacancy_events",
    "flowstate_locations": "raw_locations",
    "flowstate_job_roles": "raw_job_roles",
    "flowstate_work_types": "raw_work_types",
    "quarantine": "quarantine",
}
# table -> (directory under root, natural key columns)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    name: (layout.TABLES[entry].directory, layout.TABLES[entry].key) for name, entry in LAYOUT_NAMES.items()
}
CRASH_POINTS = ("during_write", "after_write", "after_cursor")
# tables whose rows a manifest's ``landed`` does not count (links, events, quarantine: counted apart)
_NOT_LANDED = ("floqer_posting_sources", "flowstate_vacancy_events", "quarantine")
_SENTINEL = "\ue000"
CURSORS = Path(layout.TABLES["cursors"].path).name  # state file names are relative to the state folder
STALE_STATE_SECONDS = 600.0  # a state file's temp copy this old was left by a process that died


class LakeBusyError(MatcherError):
    """Another run holds the lake's lock."""


class CrashPoints:
    """Named places where a test can kill the process, to prove crash safety.

    ``MATCHER_CRASH_AT="after_write:3"`` sends SIGKILL to this process the 3rd time the lake passes
    "after_write". In-process tests pass ``action`` instead (e.g. raise an exception).
    """

    def __init__(self, spec: str | None = None, *, action: Callable[[str], None] | None = None) -> None:
        self._name: str | None = None
        self._at = 0
        self._count = 0
        if spec:
            name, _, count = spec.partition(":")
            if name not in CRASH_POINTS:
                raise MatcherError(f"MATCHER_CRASH_AT: got {spec!r}, expected one of {CRASH_POINTS} with :N")
            self._name, self._at = name, int(count or 1)
        self._action = action or _sigkill

    @classmethod
    def from_env(cls) -> CrashPoints:
        return cls(os.environ.get("MATCHER_CRASH_AT"))

    def hit(self, name: str) -> None:
        if name != self._name:
            return
        self._count += 1
        if self._count == self._at:
            self._action(name)


def _sigkill(name: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def dumps_exact(value: Any) -> str:
    """JSON text in which every Decimal keeps its exact digits (``Decimal("120000.10")`` -> ``120000.10``)."""

    def mark(item: Any) -> Any:
        if isinstance(item, Decimal):
            return f"{_SENTINEL}{item}{_SENTINEL}"
        if isinstance(item, dict):
            return {k: mark(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [mark(v) for v in item]
        return item

    text = json.dumps(mark(value), ensure_ascii=False, separators=(",", ":"))
    return re.sub(f'"{_SENTINEL}([^"{_SENTINEL}]*){_SENTINEL}"', r"\1", text)


class Lake:
    """The lake's files. One process writes at a time (see ``lock``).

    Args:
        root: the lake directory (created when missing).
        crash: crash points for tests; by default read from ``MATCHER_CRASH_AT``.
    """

    def __init__(self, root: Path | str, *, crash: CrashPoints | None = None) -> None:
        self.root = Path(root)
        self.crash = crash or CrashPoints.from_env()
        self._seq = 0

    # -- lock --------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, *, run_id: str, wait: bool = False, timeout: float = 600.0) -> Iterator[None]:
        """Hold the lake's lock; a second run waits (``wait``) or fails at once with who holds it."""
        lock_file = layout.path(self.root, "lock")
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_file.open("a+")
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not wait or time.monotonic() > deadline:
                        handle.seek(0)
                        holder = handle.read().strip() or "another process"
                        raise LakeBusyError(
                            f"the lake at {self.root} is locked by {holder}; wait for it to finish "
                            "(or pass --wait to queue behind it)"
                        ) from None
                    time.sleep(0.2)
            handle.seek(0)
            handle.truncate()
            handle.write(f"run {run_id} (pid {os.getpid()})")
            handle.flush()
            self._sweep_temp_files()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def _sweep_temp_files(self) -> None:
        """Remove the temp files a killed run of this lake left: only names the lake itself gives
        (``part-*.parquet.tmp`` in its table folders; ``*.json.tmp`` in ``state/`` and ``state/runs/``
        once older than ``STALE_STATE_SECONDS``, as commands that write state may not hold the lock).
        Anything else under the root (a user's file, normalize's own temp files) is never touched."""
        for table in TABLES:
            directory = self.table_dir(table)
            if directory.is_dir() and not directory.is_symlink():
                for temp in directory.glob(layout.PART_GLOB + TEMP_SUFFIX):
                    if temp.is_file() and not temp.is_symlink():
                        temp.unlink(missing_ok=True)
        cutoff = time.time() - STALE_STATE_SECONDS
        for directory in (layout.folder(self.root, "cursors"), layout.folder(self.root, "manifests")):
            if not directory.is_dir() or directory.is_symlink():
                continue
            for temp in directory.glob("*.json" + TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    if temp.is_file() and not temp.is_symlink() and temp.stat().st_mtime < cutoff:
                        temp.unlink(missing_ok=True)

    # -- tables ------------------------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        return self.root / TABLES[table][0]

    def parts(self, table: str) -> list[Path]:
        return layout.TABLES[LAYOUT_NAMES[table]].files(self.root)

    def read(self, table: str, columns: list[str] | None = None) -> pl.DataFrame:
        """The whole table (empty frame when nothing landed yet)."""
        return read_parts(self.parts(table), columns=columns)

    def keys(self, table: str) -> set[tuple[Any, ...]]:
        """The natural keys already landed in ``table``."""
        columns = list(TABLES[table][1])
        frame = self.read(table, columns)
        return set(frame.iter_rows()) if frame.height else set()

    def append(
        self, table: str, rows: list[dict[str, Any]], schema: dict[str, Any], *, run_id: str
    ) -> Path | None:
        """Write ``rows`` as one new part, atomically; returns its path (None when there is nothing)."""
        if not rows:
            return None
        self._seq += 1
        final = layout.TABLES[LAYOUT_NAMES[table]].file(self.root, f"{run_id}-{self._seq:06d}")
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        with atomic_file(final, written=lambda: self.crash.hit("during_write")) as temp:
            frame.write_parquet(temp, compression="zstd")
        return final

    # -- state -------------------------------------------------------------------------------------------
    def _state_file(self, name: str) -> Path:
        """``cursors.json`` -> ``<root>/state/cursors.json``; ``runs/<run_id>.json`` -> a manifest."""
        return layout.folder(self.root, "cursors") / name

    def read_state(self, name: str) -> dict[str, Any]:
        path = self._state_file(name)
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MatcherError(
                f"{path}: not valid JSON ({' '.join(str(exc).split())[:120]}); fix it or remove it"
            ) from None
        return data if isinstance(data, dict) else {}

    def write_state(self, name: str, data: dict[str, Any]) -> None:
        write_json(self._state_file(name), data)

    def cursor(self, key: str) -> dict[str, Any]:
        value = self.read_state(CURSORS).get(key)
        return dict(value) if isinstance(value, dict) else {}

    def move_cursor(self, key: str, value: dict[str, Any]) -> None:
        cursors = self.read_state(CURSORS)
        cursors[key] = value
        self.write_state(CURSORS, cursors)
        self.crash.hit("after_cursor")

    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        path = layout.TABLES["manifests"].file(self.root, str(manifest["run_id"]))
        write_json(path, manifest)
        return path

    def recover_manifests(self, *, now: datetime | None = None) -> list[dict[str, Any]]:
        """A manifest for each run whose rows landed but that wrote none (it was killed): status
        ``killed``, ``recovered: true``, its rows per table counted from the parts it left, so the manifests
        account for every row in the lake. Call it holding the lock; returns the manifests written.

        >>> Lake(root).recover_manifests()   # doctest: +SKIP
        [{'run_id': '20261102T090000Z-3f9a1c', 'status': 'killed', 'tables': {'floqer_postings': 200}, ...}]
        """
        known = {p.stem for p in layout.TABLES["manifests"].files(self.root)}
        parts: dict[str, dict[str, list[Path]]] = {}
        for table in TABLES:
            for part in self.parts(table):
                run_id = part.stem.removeprefix("part-").rsplit("-", 1)[0]  # part-<run_id>-<seq>
                if run_id not in known:
                    parts.setdefault(run_id, {}).setdefault(table, []).append(part)
        recovered = []
        for run_id, tables in sorted(parts.items()):
            rows = {t: int(pl.scan_parquet(ps).select(pl.len()).collect().item()) for t, ps in tables.items()}
            landed = sum(n for t, n in rows.items() if t not in _NOT_LANDED)
            manifest = {
                "run_id": run_id,
                "status": "killed",
                "recovered": True,
                "recovered_at": (now or datetime.now(UTC)).isoformat(),
                "note": "this run ended without a manifest (killed); counts are the rows its parts hold",
                "tables": rows,
                "parts": sum(len(ps) for ps in tables.values()),
                "entities": {},
                "totals": {"landed": landed, "quarantined": rows.get("quarantine", 0)},
            }
            self.write_manifest(manifest)
            recovered.append(manifest)
        return recovered

    def manifests(self) -> list[dict[str, Any]]:
        return [
            json.loads(p.read_text(encoding="utf-8")) for p in layout.TABLES["manifests"].files(self.root)
        ]


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261102T090000Z-3f9a1c``."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{instant:%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}"
