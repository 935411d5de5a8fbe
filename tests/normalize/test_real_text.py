"""The normalizers on real board text nobody on the team wrote (``bench/data/real_postings``, the committed
part): each figure at least what this branch measured, so a change that reads real strings worse fails here.

The labels were written by reading each string before any parser ran (see the data's README); the figures
are ``bench/bench_real_text.py``'s. The local part (sources without a licence to commit) is not read here.
"""

from __future__ import annotations

import pytest

from bench.bench_real_text import DATA, figures

# figure -> (right, total) measured on the committed part when these floors were set
FLOORS = {
    "salary": (49, 49),
    "country (text alone)": (104, 110),  # the 12 Swedish places (JobTech): 9 read at 803e18e
    "city (board country given)": (110, 110),
    "seniority (title states a level)": (81, 83),
    "no level where none is stated": (5, 6),
}


@pytest.fixture(scope="module")
def committed() -> dict[str, tuple[int, int, dict[str, list[str]]]]:
    tallies = figures()["committed"]
    return {name: (t.right, t.total, dict(t.misses)) for name, t in tallies.items()}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_real_text_figures_hold(
    name: str, committed: dict[str, tuple[int, int, dict[str, list[str]]]]
) -> None:
    right, total, misses = committed[name]
    floor, labelled = FLOORS[name]
    assert total == labelled, f"{name}: {total} labelled rows in {DATA}, expected {labelled}"
    assert right >= floor, f"{name}: {right}/{total} read as labelled, expected at least {floor}: {misses}"
