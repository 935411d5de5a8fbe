"""Derived indexes and models cached on disk between processes (the place index, the occupation coder).

A cache entry is one pickle named by what it was built from (a hash of the code and data, library versions),
so a change to any of them builds it again; an unreadable, stale or unwritable cache is never an error.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    """Where derived indexes are cached: ``MATCHER_CACHE_DIR``, else ``$XDG_CACHE_HOME/matcher``."""
    explicit = os.environ.get("MATCHER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matcher"


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused, for work that allocates millions of objects that are not
    garbage: unpickling the place index makes half a million containers, and the collections their
    allocation sets off cost two thirds of the load (0.66 -> 0.19 CPU-s); the normalize stage's per-value
    steps (1M raw postings: 1.6 of 26 CPU-s of full collections). Reference counting goes on; the collector
    is resumed as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cached_pickle(name: str, kind: type[T], build: Callable[[], T]) -> T:
    """``cache_dir() / name`` when it holds a ``kind``, else ``build()``, written there atomically for the
    next process (a read-only cache directory is no reason to fail)."""
    path = cache_dir() / name
    try:
        with path.open("rb") as handle, no_cyclic_gc():
            cached = pickle.load(handle)
        if isinstance(cached, kind):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError, TypeError):
        pass  # absent, unreadable, or pickled by another copy or version of the code: build again
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        with temp.open("wb") as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        pass
    return built
