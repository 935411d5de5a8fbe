"""Tiny timing harness: medians over repeats, tracemalloc peaks in a separate untimed pass."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def median_seconds(fn: Callable[[], Any], *, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak Python heap allocated while ``fn`` runs (tracemalloc; measured apart from the timings)."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def report(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    print(f"\n== {title}")
    print(f"  {'run':<44} {'median':>12} {'rate':>18} {'peak heap':>12}")
    for name, median, rate, peak in rows:
        print(f"  {name:<44} {median:>12} {rate:>18} {peak:>12}")
