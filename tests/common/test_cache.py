"""The on-disk cache of derived indexes (``matcher.common.cache``)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from matcher.common.cache import cached_pickle


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_cached_entry_is_read_back_and_the_collector_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_on: bool
) -> None:
    """Built once, then read from the file (the builder not called again); loading pauses the cyclic
    collector and leaves it on or off as it found it."""
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(tmp_path))
    built: list[int] = []

    def build() -> dict[str, list[int]]:
        built.append(1)
        return {"places": [1, 2, 3]}

    was = gc.isenabled()
    try:
        (gc.enable if collector_on else gc.disable)()
        assert cached_pickle("entry.pickle", dict, build) == {"places": [1, 2, 3]}
        assert cached_pickle("entry.pickle", dict, build) == {"places": [1, 2, 3]}
        assert built == [1] and gc.isenabled() is collector_on
        (tmp_path / "entry.pickle").write_bytes(b"not a pickle")  # unreadable: built again
        assert cached_pickle("entry.pickle", dict, build) == {"places": [1, 2, 3]} and built == [1, 1]
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()
