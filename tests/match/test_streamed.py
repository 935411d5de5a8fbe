"""``match_lake`` streams its matches: batches of whole vacancies are written as they come, then copied into
the one table, which equals what ``match_frames`` returns in one piece."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matcher.lake.layout import path as lake_path
from matcher.match import stage
from matcher.match.stage import MATCH_SCHEMA, MATCHES, MatchOptions, match_frames, match_lake, matches_as_of
from tests.conftest import copy_demo_lake


def _copy_of_demo(demo_outputs: tuple[Path, Path], tmp_path: Path) -> tuple[Path, MatchOptions]:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    # the demo's runs kept the word weights of an earlier day's postings: these tests compare with weights
    # computed from the postings as match_frames computes them
    lake_path(lake, "word_weights").unlink()
    return lake, MatchOptions(as_of=matches_as_of(lake / MATCHES))


def test_streamed_matches_equal_the_matches_in_one_piece(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake, options = _copy_of_demo(demo_outputs, tmp_path)
    whole, _ = match_frames(
        pl.read_parquet(lake_path(lake, "clean_vacancies")),
        pl.read_parquet(lake_path(lake, "clean_postings")),
        options,
    )
    batches: list[int] = []
    real_ranked = stage._ranked

    def counting(*args: object) -> pl.DataFrame:
        frame = real_ranked(*args)  # type: ignore[arg-type]
        batches.append(frame.height)
        return frame

    monkeypatch.setattr(stage, "PAIRS_PER_BATCH", 500)  # a few vacancies per batch
    monkeypatch.setattr(stage, "_ranked", counting)
    summary = match_lake(lake, options)
    assert len([n for n in batches if n]) > 5, batches  # really written in pieces
    streamed = pl.read_parquet(lake / MATCHES)
    assert streamed.schema == pl.Schema(MATCH_SCHEMA)
    assert_frame_equal(streamed, whole)
    assert summary.matches == whole.height > 0
    assert matches_as_of(lake / MATCHES) == options.as_of
    # in (scenario_id, vacancy_id, rank) order, and no part or temp file left beside the table
    assert_frame_equal(streamed, streamed.sort("scenario_id", "vacancy_id", "rank"))
    assert sorted(p.name for p in (lake / MATCHES).parent.iterdir()) == [
        "left_out.parquet",
        "matches.parquet",
        "scored",
        "word_weights.parquet",
    ]


def test_parts_a_killed_run_left_are_swept_and_a_run_with_no_match_writes_an_empty_table(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake, options = _copy_of_demo(demo_outputs, tmp_path)
    stale = (lake / MATCHES).parent / ".matches-killed"
    stale.mkdir()
    (stale / "part-000000.parquet").write_bytes(b"half")
    match_lake(lake, MatchOptions(as_of=options.as_of, floor=100.0, title_floor=100.0))
    assert not stale.exists()
    empty = pl.read_parquet(lake / MATCHES)
    assert empty.height == 0 and empty.schema == pl.Schema(MATCH_SCHEMA)
    assert matches_as_of(lake / MATCHES) == options.as_of
