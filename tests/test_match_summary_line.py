"""The match stage's summary line and run record say which counts cover only the rows an incremental run
scored: a new user saw "left out: 12 recruiting agency, 88 another level" after an incremental run and
"12 recruiting agency, 101 work type does not fit, 205 another country, 88 another level" after --full on
the same lake, with nothing saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime

from matcher.cli.pipeline import console, print_match
from matcher.match.stage import MatchOptions, MatchSummary
from matcher.pipeline import MatchResult


def _result(mode: str) -> MatchResult:
    summary = MatchSummary(
        vacancies=18, postings=4_530, candidate_pairs=40, scored_pairs=25, matches=815,
        as_of=date(2026, 11, 2),
        mode=mode, rescored_postings=2, rescored_vacancies=0,
        excluded={"recruiting agency": 1, "another country": 3, "another level": 89},
    )  # fmt: skip
    return MatchResult(
        stage="match", run_id="r", started_at=datetime(2026, 11, 2, tzinfo=UTC), seconds=1.0, cpu_seconds=1.0,
        summary=summary, options=MatchOptions(),
    )  # fmt: skip


def test_an_incremental_run_says_its_pair_counts_are_this_runs() -> None:
    with console.capture() as captured:
        print_match(_result("incremental"))
    line = " ".join(captured.get().split())
    assert "incremental" in line
    assert "2 new or changed postings x 18 open vacancies" in line
    assert "(left out of them: 1 recruiting agency, 3 another country)" in line
    assert "815 matches >= 50 in all, 89 of another level left out" in line
    counts = _result("incremental").counts()
    assert counts["pairs_scope"] == "this run" and counts["rescored_postings"] == 2


def test_a_full_run_counts_everything() -> None:
    with console.capture() as captured:
        print_match(_result("full"))
    line = " ".join(captured.get().split())
    assert "incremental" not in line
    assert line.endswith("left out: 1 recruiting agency, 3 another country, 89 another level")
    assert _result("full").counts()["pairs_scope"] == "all"
