"""``--as-of`` is a cut-off: what was published or discovered after it is no candidate; the matches table
records the day it was scored for, and a benchmark of another day refuses it (library and CLI)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from matcher.benchmark.stage import BenchmarkOptions, MatchesAsOfError, benchmark_lake
from matcher.cli import app
from matcher.match.stage import MATCHES, MatchOptions, match_frames, match_lake, matches_as_of
from tests.conftest import copy_demo_lake
from tests.match.test_scoring import AS_OF, POSTING_COLUMNS, VACANCY_COLUMNS, posting, vacancy

SCHEMA = {**POSTING_COLUMNS, "discovered_at": pl.Datetime("us", "UTC")}
SEEN = datetime(2026, 5, 31, 12, tzinfo=UTC)  # the day before June 1 (AS_OF)


def _postings() -> pl.DataFrame:
    rows = [
        posting("p1", discovered_at=SEEN),  # published and discovered by June 1: a candidate
        posting("p2", date_posted=AS_OF + timedelta(days=1), discovered_at=SEEN),  # published June 2
        # published June 1, discovered June 2 at 00:30 UTC: not known on June 1
        posting("p3", discovered_at=datetime(2026, 6, 2, 0, 30, tzinfo=UTC)),
        # discovered late on June 1 (UTC): still June 1
        posting("p4", discovered_at=datetime(2026, 6, 1, 23, 59, tzinfo=UTC)),
        posting("p5", date_posted=None, discovered_at=None),  # no dates: nothing says it is late
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_postings_after_as_of_are_no_candidates_and_are_counted() -> None:
    vacancies = pl.DataFrame([vacancy()], schema=VACANCY_COLUMNS, orient="row")
    matches, summary = match_frames(vacancies, _postings(), MatchOptions(as_of=AS_OF))
    assert sorted(matches["posting_id"]) == ["p1", "p4", "p5"]
    assert summary.excluded["after as-of"] == 2  # p2 (published) and p3 (discovered) after June 1
    assert (summary.postings, summary.as_of) == (3, AS_OF)
    # a day later both are in the market
    matches, summary = match_frames(vacancies, _postings(), MatchOptions(as_of=AS_OF + timedelta(days=1)))
    assert sorted(matches["posting_id"]) == ["p1", "p2", "p3", "p4", "p5"]
    assert summary.excluded["after as-of"] == 0


def test_a_clean_table_without_discovered_at_is_cut_on_date_posted() -> None:
    rows = [posting("p1"), posting("p2", date_posted=AS_OF + timedelta(days=1))]
    matches, summary = match_frames(
        pl.DataFrame([vacancy()], schema=VACANCY_COLUMNS, orient="row"),
        pl.DataFrame(rows, schema=POSTING_COLUMNS, orient="row"),
        MatchOptions(as_of=AS_OF),
    )
    assert matches["posting_id"].to_list() == ["p1"] and summary.excluded["after as-of"] == 1


def _lake(tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    (lake / "clean").mkdir(parents=True)
    pl.DataFrame([vacancy()], schema=VACANCY_COLUMNS, orient="row").write_parquet(
        lake / "clean" / "vacancies.parquet"
    )
    _postings().write_parquet(lake / "clean" / "postings.parquet")
    return lake


def test_the_matches_table_records_its_as_of_day(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    summary = match_lake(lake, MatchOptions(as_of=AS_OF))
    assert summary.path == lake / MATCHES
    assert matches_as_of(lake / MATCHES) == AS_OF
    assert pl.read_parquet_metadata(lake / MATCHES)["matcher.as_of"] == "2026-06-01"


def test_benchmark_lake_refuses_matches_of_another_day(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    match_lake(lake, MatchOptions(as_of=AS_OF))
    with pytest.raises(MatchesAsOfError) as raised:
        benchmark_lake(lake, BenchmarkOptions(as_of=date(2026, 7, 1)))
    message = str(raised.value)
    assert message.startswith("matches were scored as of 2026-06-01; run `matcher match --as-of 2026-07-01`")
    assert "\n" not in message
    # a table from before the day was recorded is refused too, never reused
    pl.read_parquet(lake / MATCHES).write_parquet(lake / MATCHES)
    assert matches_as_of(lake / MATCHES) is None
    with pytest.raises(MatchesAsOfError, match="does not record the as-of day"):
        benchmark_lake(lake, BenchmarkOptions(as_of=AS_OF))


def test_the_cli_benchmark_refuses_matches_of_another_day_in_one_line(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    scored_for = matches_as_of(lake / MATCHES)
    assert scored_for is not None
    other = scored_for - timedelta(days=30)
    reports = tmp_path / "reports"
    result = CliRunner().invoke(
        app, ["benchmark", "--lake", str(lake), "--reports", str(reports), "--as-of", other.isoformat()]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert f"matches were scored as of {scored_for}; run `matcher match --as-of {other}`" in lines[0]
    assert not reports.exists()  # nothing written
    # the same day, or no --as-of (the day the matches were scored for), benchmarks
    for extra in (["--as-of", scored_for.isoformat()], []):
        result = CliRunner().invoke(
            app, ["benchmark", "--lake", str(lake), "--reports", str(reports), *extra]
        )
        assert result.exit_code == 0, result.output
        assert pl.read_parquet(reports / "vacancy_benchmarks.parquet")["as_of"].unique().to_list() == [
            scored_for
        ]
