"""``stage._in_order``: results in input order, at most ``ahead`` items submitted before the first is taken,
and an error in a worker raised to the consumer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from matcher.match import stage


def test_results_come_in_input_order() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(stage._in_order(pool, lambda x: x * x, range(20))) == [x * x for x in range(20)]


def test_no_more_than_ahead_items_are_submitted_before_the_consumer_takes_one() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            started.append(x)
        return x

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = stage._in_order(pool, work, range(100), ahead=3)
        first = next(results)
        pool.shutdown(wait=True)  # let whatever was submitted finish
        assert first == 0
        # Executor.map would have submitted all 100 items by now
        assert len(started) <= 3


def test_an_error_in_a_worker_reaches_the_consumer() -> None:
    def work(x: int) -> int:
        if x == 4:
            raise ValueError("bad batch 4")
        return x

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = stage._in_order(pool, work, range(10))
        taken = [next(results) for _ in range(4)]
        with pytest.raises(ValueError, match="bad batch 4"):
            next(results)
    assert taken == [0, 1, 2, 3]
