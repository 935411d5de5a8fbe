"""A lake on object storage (``s3://bucket/prefix``): a local working copy kept in step with the bucket.

>>> remote = RemoteLake("s3://bucket/lake", working_copy)          # doctest: +SKIP
>>> with remote.lock(run_id="r1"):                                  # doctest: +SKIP
...     remote.pull()          # the working copy is now generation N of the bucket
...     ...                    # the stages read and write the working copy as a local lake
...     remote.push("r1")      # generation N+1, committed whole, or LakeCommitConflictError

The stages keep working on a local folder (DuckDB, Polars and the atomic writes of ``matcher.lake.files``
stay as they are); this module moves whole files between that folder and the bucket:

- ``_manifest/current.json`` is the lake: every file's relative path -> object key, size, sha256, etag, plus
  a ``generation`` number. Readers take the manifest and fetch what it names, nothing else.
- ``push`` uploads new and changed files under keys no other commit uses
  (``_data/g<generation>-<attempt>/<path>``), then commits the new manifest with a **conditional put**:
  create-only for the first generation, ``If-Match`` the previous manifest's etag after. Of two writers
  based on the same generation, exactly one commit succeeds; the other gets ``LakeCommitConflictError`` and
  removes what it uploaded. Superseded objects are deleted only after the commit, so a reader never sees
  a manifest naming a missing object (one that read an older manifest and meets a 404 reads the new one).
- ``pull`` reads the manifest and downloads only files whose sha256 differs from the working copy (a stat
  cache, ``sync.json`` beside the working copy, spares re-hashing unchanged files); files the manifest does
  not name are removed from the working copy: the bucket is the truth, the working copy a cache.
- ``lock`` is a create-only ``_lock.json`` (run id, host, pid, expiry), renewed (``If-Match``) at every
  commit and removed after; an expired lock, or one whose process on this host is gone, is taken over with
  an ``If-Match`` put so two takers cannot both win.

Credentials and endpoint come from the standard ``AWS_*`` variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``, ``AWS_ALLOW_HTTP``),
read by obstore (the ``s3`` extra). Secrets are registered with the redactor and never appear in errors.

Error tree (all ``MatcherError``)::

    RemoteLakeError              the bucket cannot be read or written (unreachable, denied, no such bucket)
    ├── RemoteLakeBusyError      another run holds the lake's lock object
    └── LakeCommitConflictError  another writer committed first: nothing of this run is visible
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.common.errors import MatcherError
from matcher.common.redaction import redact, register_secret
from matcher.lake import layout
from matcher.lake.files import TEMP_SUFFIX, fsync_file, write_json

if TYPE_CHECKING:
    from obstore.store import S3Store

log = logging.getLogger("matcher.lake.remote")

MANIFEST_KEY = "_manifest/current.json"
LOCK_KEY = "_lock.json"
DATA_PREFIX = "_data"
FORMAT = "matcher-lake-manifest/1"
LOCK_TTL = timedelta(hours=2)  # renewed at every commit; a longer stage keeps it only if it commits
SYNC_STATE = "sync.json"  # beside the working copy: the manifest it was synced with, and a stat cache
WORKERS = 8  # parallel transfers: obstore releases the GIL while it waits on the network
CRASH_ENV = "MATCHER_CRASH_AT"
CRASH_BEFORE_COMMIT = "s3_before_commit"  # tests: SIGKILL after the uploads, before the manifest's put
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")


class RemoteLakeError(MatcherError):
    """The lake's bucket could not be read or written; the message names the URL and what failed."""


class RemoteLakeBusyError(RemoteLakeError):
    """Another run holds the lake's lock object."""


class LakeCommitConflictError(RemoteLakeError):
    """Another writer committed a generation first; this run's changes were not committed."""


@dataclass(frozen=True)
class FileEntry:
    """One file of a generation: where its bytes are, how big, their sha256 and the object's etag."""

    key: str
    size: int
    sha256: str
    etag: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "size": self.size, "sha256": self.sha256, "etag": self.etag}


@dataclass(frozen=True)
class Manifest:
    generation: int
    files: dict[str, FileEntry]
    etag: str | None  # the manifest object's etag: the If-Match of the next commit
    run_id: str | None = None
    committed_at: str | None = None


@dataclass(frozen=True)
class SyncSummary:
    """What one pull or push moved: ``pull`` -> files downloaded and removed; ``push`` -> uploaded and the
    generation committed (None: nothing changed, nothing committed)."""

    generation: int | None
    transferred: int = 0
    transferred_bytes: int = 0
    removed: int = 0
    seconds: float = 0.0


def _is_local_only(relative: str) -> bool:
    """Files that never leave the working copy: the local lock file and temp files of writes in progress."""
    return relative == layout.TABLES["lock"].path or relative.endswith(TEMP_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class RemoteLake:
    """One ``s3://bucket/prefix`` lake and its local working copy.

    Args:
        url: ``s3://bucket/prefix``.
        working_copy: the local folder the stages read and write (``lake_working_copy(url)``).
        store: an obstore store (tests); default ``S3Store.from_url(url)`` configured from ``AWS_*``.
        lock_ttl: how long the lock object holds without a renewal.
    """

    def __init__(
        self, url: str, working_copy: Path, *, store: S3Store | None = None, lock_ttl: timedelta = LOCK_TTL
    ) -> None:
        self.url = url
        self.root = working_copy
        self.lock_ttl = lock_ttl
        for name in _SECRET_VARIABLES:
            register_secret(os.environ.get(name))
        self._store = store if store is not None else _open_store(url)
        self._state_file = working_copy.parent / SYNC_STATE
        self._base: Manifest | None = None  # the manifest the working copy was last synced with
        self._synced = False  # whether ``_base`` was read (None then means: nothing committed yet)
        self._lock_etag: str | None = None
        self._lock_body: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"RemoteLake({self.url!r}, working_copy={str(self.root)!r})"

    # -- the manifest -------------------------------------------------------------------------------

    def read_manifest(self) -> Manifest | None:
        """The committed generation (None: nothing committed yet)."""
        import obstore

        try:
            result = self._call("read the manifest", lambda: obstore.get(self._store, MANIFEST_KEY))
        except FileNotFoundError:
            return None
        data = json.loads(bytes(result.bytes()))
        if data.get("format") != FORMAT:
            raise RemoteLakeError(
                f"{self.url}/{MANIFEST_KEY}: format {data.get('format')!r}, expected {FORMAT!r}"
            )
        files = {rel: FileEntry(**entry) for rel, entry in data["files"].items()}
        return Manifest(
            generation=int(data["generation"]),
            files=files,
            etag=result.meta["e_tag"],
            run_id=data.get("run_id"),
            committed_at=data.get("committed_at"),
        )

    # -- pull ------------------------------------------------------------------------------------------

    def pull(self, *, attempts: int = 3) -> SyncSummary:
        """Make the working copy the committed generation: download what differs, remove what it lacks.

        A superseded object deleted by a writer between our manifest read and its download (404) means a
        newer generation is committed: the manifest is read again (``attempts`` times at most)."""
        started = time.perf_counter()
        for attempt in range(attempts):
            manifest = self.read_manifest()
            try:
                fetched, size, removed = self._apply(manifest)
            except FileNotFoundError:
                if attempt == attempts - 1:
                    raise RemoteLakeError(
                        f"{self.url}: objects of the committed generation kept disappearing while they "
                        f"were read ({attempts} tries): another writer commits faster than this pull reads"
                    ) from None
                continue
            self._base, self._synced = manifest, True
            generation = manifest.generation if manifest else 0
            if fetched or removed:
                log.info(
                    "pulled %s generation %d: %d file(s), %d bytes; %d removed",
                    self.url,
                    generation,
                    fetched,
                    size,
                    removed,
                )
            return SyncSummary(generation, fetched, size, removed, time.perf_counter() - started)
        raise AssertionError("unreachable")

    def _apply(self, manifest: Manifest | None) -> tuple[int, int, int]:
        import obstore

        target = manifest.files if manifest else {}
        cache = self._load_stat_cache()
        local = self._scan()
        todo = [
            (rel, entry)
            for rel, entry in target.items()
            if rel not in local or self._local_sha(rel, local[rel], cache) != entry.sha256
        ]

        def fetch(item: tuple[str, FileEntry]) -> int:
            rel, entry = item
            final = self.root / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            temp = final.with_name(final.name + f".{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")
            try:
                result = self._call(f"read {entry.key}", lambda: obstore.get(self._store, entry.key))
                digest = hashlib.sha256()
                with temp.open("wb") as handle:
                    for chunk in result:
                        digest.update(chunk)
                        handle.write(chunk)
                if digest.hexdigest() != entry.sha256:
                    raise RemoteLakeError(
                        f"{self.url}/{entry.key}: its sha256 is not the manifest's (a corrupt or replaced "
                        "object): not used"
                    )
                fsync_file(temp)
                os.replace(temp, final)
            finally:
                temp.unlink(missing_ok=True)
            return entry.size

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            sizes = list(pool.map(fetch, todo))
        removed = 0
        for rel in sorted(set(local) - set(target)):
            (self.root / rel).unlink(missing_ok=True)
            removed += 1
        if removed:
            self._prune_empty_folders()
        self.root.mkdir(parents=True, exist_ok=True)
        self._save_state(manifest, {rel: target[rel].sha256 for rel in target})
        return len(todo), sum(sizes), removed

    # -- push ------------------------------------------------------------------------------------------

    def push(self, run_id: str) -> SyncSummary:
        """Commit the working copy as the next generation when it differs from the one pulled.

        Uploads first (new keys), then the manifest's conditional put; raises ``LakeCommitConflictError``
        when another writer committed since the pull (what this push uploaded is removed again)."""
        import obstore

        started = time.perf_counter()
        base = self._base if self._synced else self.read_manifest()  # without a pull: on the current one
        base_files = base.files if base else {}
        generation = (base.generation if base else 0) + 1
        cache = self._load_stat_cache()
        local = self._scan()
        shas = {rel: self._local_sha(rel, stat, cache) for rel, stat in local.items()}
        changed = sorted(
            rel for rel, sha in shas.items() if rel not in base_files or base_files[rel].sha256 != sha
        )
        removed = sorted(set(base_files) - set(shas))
        if not changed and not removed:
            self._save_state(base, shas)
            return SyncSummary(None, seconds=time.perf_counter() - started)
        attempt = f"g{generation:08d}-{uuid.uuid4().hex[:8]}"

        def upload(rel: str) -> tuple[str, FileEntry]:
            key = f"{DATA_PREFIX}/{attempt}/{rel}"
            path = self.root / rel
            result = self._call(f"write {key}", lambda: obstore.put(self._store, key, path))  # a new key
            return rel, FileEntry(key=key, size=local[rel][0], sha256=shas[rel], etag=result["e_tag"])

        uploaded: dict[str, FileEntry] = {}
        try:
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                uploaded = dict(pool.map(upload, changed))
            files = {rel: base_files[rel] for rel in shas if rel not in uploaded}
            files.update(uploaded)
            _crash_point(CRASH_BEFORE_COMMIT)
            self._renew_lock()
            committed_at = datetime.now(UTC).isoformat()
            body = {
                "format": FORMAT,
                "generation": generation,
                "run_id": run_id,
                "committed_at": committed_at,
                "files": {rel: files[rel].as_json() for rel in sorted(files)},
            }
            mode: Any = {"e_tag": base.etag} if base is not None else "create"
            data = json.dumps(body, indent=1, sort_keys=True).encode()
            result = self._call(
                "commit the manifest", lambda: obstore.put(self._store, MANIFEST_KEY, data, mode=mode)
            )
        except _Conflict:
            self._delete([e.key for e in uploaded.values()])
            raise LakeCommitConflictError(
                f"{self.url}: another writer committed a new generation after this run read generation "
                f"{generation - 1}; this run's changes were not committed (the lake is as that writer left "
                "it): run again"
            ) from None
        except BaseException:
            self._delete([e.key for e in uploaded.values()])
            raise
        self._base = Manifest(generation, files, result["e_tag"], run_id, committed_at)
        self._save_state(self._base, shas)
        superseded = [base_files[rel].key for rel in base_files if files.get(rel) != base_files[rel]]
        self._delete(superseded)  # only now: the committed manifest no longer names them
        size = sum(e.size for e in uploaded.values())
        log.info(
            "committed %s generation %d: %d file(s) uploaded (%d bytes), %d removed",
            self.url,
            generation,
            len(uploaded),
            size,
            len(removed),
        )
        return SyncSummary(generation, len(uploaded), size, len(removed), time.perf_counter() - started)

    def sweep(self) -> int:
        """Delete objects under ``_data/`` the committed manifest does not name (uploads of a writer that
        crashed or lost a race). Only while holding the lock: no live writer is uploading then."""
        import obstore

        manifest = self.read_manifest()
        named = {e.key for e in manifest.files.values()} if manifest else set()
        stray: list[str] = []
        for batch in self._call("list the lake", lambda: list(obstore.list(self._store, prefix=DATA_PREFIX))):
            stray += [meta["path"] for meta in batch if meta["path"] not in named]
        self._delete(stray)
        if stray:
            log.info("removed %d object(s) no generation of %s names", len(stray), self.url)
        return len(stray)

    # -- the lock object -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, *, run_id: str, wait: bool = False, timeout: float = 600.0) -> Iterator[None]:
        """Hold the lake's lock object (``_lock.json``) for the block; another holder makes this fail at
        once with who holds it, or wait (``wait``) up to ``timeout`` seconds."""
        import obstore

        deadline = time.monotonic() + timeout
        while True:
            body = self._lock_document(run_id)
            try:
                result = self._call(
                    "take the lock",
                    functools.partial(obstore.put, self._store, LOCK_KEY, body, mode="create"),
                )
                break
            except _Conflict:
                pass
            holder, etag = self._read_lock()
            if holder is not None and etag is not None and self._stale(holder):
                try:  # take over the stale lock: of two takers, one If-Match wins
                    result = self._call(
                        "take over a stale lock",
                        functools.partial(obstore.put, self._store, LOCK_KEY, body, mode={"e_tag": etag}),
                    )
                    log.warning("took over the lock of %s left by %s", self.url, _describe_holder(holder))
                    break
                except _Conflict:
                    continue
            if not wait or time.monotonic() > deadline:
                who = _describe_holder(holder) if holder else "another run"
                raise RemoteLakeBusyError(
                    f"the lake at {self.url} is locked by {who}; wait for it to finish (or pass --wait to "
                    "queue behind it)"
                )
            time.sleep(0.5)
        self._lock_etag = result["e_tag"]
        self._lock_body = json.loads(body)
        try:
            yield
        finally:
            self._release_lock()

    def _lock_document(self, run_id: str) -> bytes:
        expires = datetime.now(UTC) + self.lock_ttl
        holder = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid()}
        return json.dumps({**holder, "expires_at": expires.isoformat()}).encode()

    def _read_lock(self) -> tuple[dict[str, Any] | None, str | None]:
        import obstore

        try:
            result = self._call("read the lock", lambda: obstore.get(self._store, LOCK_KEY))
        except FileNotFoundError:
            return None, None
        try:
            return json.loads(bytes(result.bytes())), result.meta["e_tag"]
        except ValueError:
            return {}, result.meta["e_tag"]

    def _stale(self, holder: dict[str, Any]) -> bool:
        """Expired, or held by a process of this host that no longer exists (killed)."""
        try:
            if datetime.fromisoformat(str(holder["expires_at"])) < datetime.now(UTC):
                return True
        except (KeyError, ValueError):
            return True  # unreadable: no holder can be named, none is waited for
        if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
            try:
                os.kill(holder["pid"], 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
        return False

    def _renew_lock(self) -> None:
        """Push the lock's expiry forward before a commit; a lock taken over meanwhile stops the commit."""
        import obstore

        if self._lock_etag is None:
            return
        body = self._lock_document(str(self._lock_body.get("run_id", "")))
        etag = self._lock_etag
        try:
            result = self._call(
                "renew the lock", lambda: obstore.put(self._store, LOCK_KEY, body, mode={"e_tag": etag})
            )
        except _Conflict:
            self._lock_etag = None
            raise LakeCommitConflictError(
                f"{self.url}: this run's lock expired and another run took it over; nothing of this run "
                "was committed: run again"
            ) from None
        self._lock_etag = result["e_tag"]

    def _release_lock(self) -> None:
        import obstore

        etag, self._lock_etag = self._lock_etag, None
        if etag is None:
            return
        with contextlib.suppress(RemoteLakeError, FileNotFoundError):
            current = self._call("read the lock", lambda: obstore.head(self._store, LOCK_KEY))
            if current["e_tag"] == etag:  # still ours (not taken over after expiring)
                self._call("release the lock", lambda: obstore.delete(self._store, LOCK_KEY))

    # -- the working copy -------------------------------------------------------------------------------

    def _scan(self) -> dict[str, tuple[int, int]]:
        """Every file of the working copy but the local-only ones: relative path -> (size, mtime_ns)."""
        found: dict[str, tuple[int, int]] = {}
        if not self.root.is_dir():
            return found
        for path in self.root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(self.root).as_posix()
                if not _is_local_only(rel):
                    stat = path.stat()
                    found[rel] = (stat.st_size, stat.st_mtime_ns)
        return found

    def _local_sha(self, rel: str, stat: tuple[int, int], cache: dict[str, Any]) -> str:
        known = cache.get(rel)
        if known and (known["size"], known["mtime_ns"]) == stat:
            return str(known["sha256"])
        return _sha256(self.root / rel)

    def _load_stat_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
            return dict(data.get("files", {}))
        except (OSError, ValueError):
            return {}

    def _save_state(self, manifest: Manifest | None, shas: dict[str, str]) -> None:
        files = {}
        for rel, sha in shas.items():
            with contextlib.suppress(OSError):
                stat = (self.root / rel).stat()
                files[rel] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        write_json(
            self._state_file,
            {"url": self.url, "generation": manifest.generation if manifest else 0, "files": files},
        )

    def _prune_empty_folders(self) -> None:
        for folder in sorted((p for p in self.root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only empty ones go

    # -- calls to the store ----------------------------------------------------------------------------

    def _delete(self, keys: list[str]) -> None:
        import obstore

        if not keys:
            return
        try:
            self._call("delete superseded objects", lambda: obstore.delete(self._store, keys))
        except (RemoteLakeError, FileNotFoundError) as exc:  # a leftover costs storage, never correctness
            log.warning(
                "%s: %d object(s) not deleted (%s); a later commit sweeps them", self.url, len(keys), exc
            )

    def _call(self, what: str, action: Callable[[], Any]) -> Any:
        """``action()`` with obstore's errors as ``_Conflict``, ``FileNotFoundError`` or one redacted line."""
        from obstore import exceptions as errors

        try:
            return action()
        except (errors.AlreadyExistsError, errors.PreconditionError) as exc:
            raise _Conflict(str(exc)) from None
        except (FileNotFoundError, errors.NotFoundError):
            raise FileNotFoundError(what) from None
        except (errors.PermissionDeniedError, errors.UnauthenticatedError) as exc:
            raise RemoteLakeError(
                f"{self.url}: could not {what}: access denied ({_first_line(exc)}); check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY and the bucket's policy"
            ) from None
        except (errors.BaseError, OSError) as exc:
            line = _first_line(exc)
            if _NO_CREDENTIALS in line:  # no AWS_* keys: obstore asked the instance metadata service instead
                line = (
                    "no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and no "
                    f"instance role answered: {line})"
                )
            raise RemoteLakeError(f"{self.url}: could not {what}: {line}") from None


# the EC2 instance metadata service's address: obstore asks it for credentials when no AWS_* keys are set
_NO_CREDENTIALS = "169.254.169.254"


class _Conflict(Exception):
    """A conditional put refused (412, or the object already exists)."""


def _first_line(exc: BaseException) -> str:
    text = redact(str(exc)).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def _describe_holder(holder: dict[str, Any]) -> str:
    return (
        f"run {holder.get('run_id', '?')} (host {holder.get('host', '?')}, pid {holder.get('pid', '?')}, "
        f"until {holder.get('expires_at', '?')})"
    )


def _open_store(url: str) -> S3Store:
    """``S3Store.from_url(url)`` configured from the ``AWS_*`` variables, failing fast on a dead endpoint."""
    try:
        from obstore.store import S3Store
    except ImportError:
        raise RemoteLakeError(
            f"{url}: an s3:// lake needs the s3 extra (pip install 'matcher[s3]'): obstore is not importable"
        ) from None
    try:
        return S3Store.from_url(
            url,
            client_options={
                "connect_timeout": timedelta(seconds=10),
                "timeout": timedelta(minutes=10),
                # passing client options drops obstore's own reading of AWS_ALLOW_HTTP: read it here
                "allow_http": os.environ.get("AWS_ALLOW_HTTP", "").strip().lower() in ("1", "true"),
            },
            retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=60)},
        )
    except Exception as exc:  # obstore raises its own configuration errors: one line, redacted
        raise RemoteLakeError(f"{url}: cannot open the bucket: {_first_line(exc)}") from None
