"""Incremental runs (issue 16): normalize and match read only what is new or changed, and give the same
tables and reports as ``--full``."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matcher import Config, Pipeline
from matcher.lake.layout import TABLES
from matcher.lake.layout import path as lake_path
from matcher.match.stage import MATCHES, MatchOptions, match_lake, matches_as_of
from matcher.match.weights import DRIFT, WordWeights, read_word_weights
from tests.conftest import copy_demo_lake

REPORT_FILES = (
    "vacancy_benchmarks",
    "vacancy_matches",
    "competitor_hiring",
    "benchmark_pool",
)


def _add_part(lake: Path, table: str, frame: pl.DataFrame, name: str) -> None:
    folder = lake / TABLES[table].directory
    frame.write_parquet(folder / f"part-{name}.parquet")


def _land_changes(lake: Path) -> tuple[int, list[str], list[str]]:
    """New raw postings (copies of 40 with new ids and titles), another source for 30 known postings, a
    vacancy retitled and one filled; (new postings, changed vacancy ids, the 30 re-found posting ids)."""
    now = datetime.now(UTC)
    raw = pl.read_parquet(TABLES["raw_postings"].files(lake)).sort("posting_id").head(40)
    new_ids = [str(900_000_000 + i) for i in range(raw.height)]
    old_ids = raw["posting_id"].to_list()
    texts = []
    for text, new in zip(raw["raw_json"].to_list(), new_ids, strict=True):
        text = re.sub(r'"id":\d+', f'"id":{new}', text, count=1)
        texts.append(re.sub(r'"job_title":"[^"]*"', '"job_title":"Senior Data Engineer"', text, count=1))
    added = raw.with_columns(
        pl.Series("posting_id", new_ids),
        pl.Series("raw_json", texts),
        pl.lit("Senior Data Engineer").alias("job_title"),
        pl.lit(now).alias("ingested_at"),
    )
    _add_part(lake, "raw_postings", added, "zz-incremental-000001")
    refound = old_ids[:30]
    sources = pl.read_parquet(TABLES["raw_posting_sources"].files(lake)[0]).head(1)
    meta = [c for c in sources.columns if c not in ("posting_id", "source_instance_id", "ingested_at")]
    more = (
        pl.DataFrame({"posting_id": refound, "source_instance_id": ["another-source"] * len(refound)})
        .with_columns(*(pl.lit(sources[c][0]).alias(c) for c in meta), pl.lit(now).alias("ingested_at"))
        .select(sources.columns)
    )
    _add_part(lake, "raw_posting_sources", more, "zz-incremental-000001")
    vacancies = pl.read_parquet(TABLES["raw_vacancies"].files(lake))
    live = vacancies.filter((pl.col("scenario_id") == "") & (pl.col("status") == "open"))
    newest = live.sort("updated_at").unique("vacancy_id", keep="last").sort("vacancy_id").head(2)
    retitled, filled = newest.row(0, named=True), newest.row(1, named=True)
    later = "2099-01-01T00:00:00Z"

    def version(row: dict[str, object], change: dict[str, object]) -> dict[str, object]:
        body = json.loads(str(row["raw_json"]))
        body.update(change, updatedAt=later)
        return {**row, "updated_at": later, "raw_json": json.dumps(body), "ingested_at": now}

    versions = pl.DataFrame(
        [
            version(retitled, {"role": "Senior Data Engineer"}),
            {**version(filled, {"status": "filled", "isFilled": True}), "status": "filled"},
        ],
        schema=vacancies.schema,
    )
    _add_part(lake, "raw_vacancies", versions, "zz-incremental-000001")
    return len(new_ids), [str(retitled["vacancy_id"]), str(filled["vacancy_id"])], refound


def _table_bytes(lake: Path, name: str) -> dict[str, bytes]:
    """A table's files (a folder of parts, or one file) by their path under the lake, with their bytes."""
    return {p.relative_to(lake).as_posix(): p.read_bytes() for p in TABLES[name].files(lake)}


def _replace_clean_postings(lake: Path, postings: pl.DataFrame) -> None:
    """Edit the clean postings by hand: one file where normalize writes a folder of parts (read alike)."""
    target = lake_path(lake, "clean_postings")
    if target.is_dir():
        shutil.rmtree(target)
    postings.write_parquet(target)


def _pipeline(lake: Path, reports: Path) -> Pipeline:
    return Pipeline(Config(lake=lake, reports_dir=reports), lake=lake, reports=reports)


@pytest.mark.slow
def test_an_incremental_run_gives_the_reports_a_full_run_gives(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    first = _pipeline(lake, tmp_path / "reports-0").run(as_of=day, skip_ingest=True)
    assert first.match is not None and first.match.summary.matches > 0
    new, vacancy_ids, refound = _land_changes(lake)
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)
    later = day + timedelta(days=3)

    incremental = _pipeline(lake, tmp_path / "reports-incremental").run(as_of=later, skip_ingest=True)
    full = _pipeline(rebuilt, tmp_path / "reports-full").run(as_of=later, skip_ingest=True, full=True)

    assert (
        incremental.normalize.summary.mode == "incremental"
        and incremental.normalize.summary.new_postings == new
    )
    assert full.normalize.summary.mode == "full"
    assert incremental.match is not None and full.match is not None
    assert incremental.match.summary.mode == "incremental" and full.match.summary.mode == "full"
    # only the new postings (those eligible) and the retitled vacancy were scored against everything
    assert 0 < incremental.match.summary.rescored_postings <= new
    assert incremental.match.summary.rescored_vacancies == 1
    assert incremental.match.summary.candidate_pairs < full.match.summary.candidate_pairs / 5
    for name in ("clean_postings", "clean_vacancies", "matches", "left_out"):
        assert _table_bytes(lake, name) == _table_bytes(rebuilt, name), name
    for name in REPORT_FILES:
        for suffix in ("parquet", "csv"):
            a = (tmp_path / "reports-incremental" / f"{name}.{suffix}").read_bytes()
            b = (tmp_path / "reports-full" / f"{name}.{suffix}").read_bytes()
            assert a == b, f"{name}.{suffix}"
    # the changes are in: the re-found postings name the new source, the filled vacancy has no match, the
    # retitled one matches the new "Senior Data Engineer" postings
    clean = pl.read_parquet(lake_path(lake, "clean_postings"))
    found = clean.filter(pl.col("posting_id").is_in(refound))["source_instance_ids"].to_list()
    assert all("another-source" in ids for ids in found)
    matches = pl.read_parquet(lake_path(lake, "matches"))
    assert matches.filter(pl.col("vacancy_id") == vacancy_ids[1]).height == 0
    assert first.match.summary.matches != matches.height
    retitled = matches.filter(pl.col("vacancy_id") == vacancy_ids[0])
    assert retitled.filter(pl.col("posting_id").str.starts_with("9000000")).height > 0


def _clean_copy(demo_outputs: tuple[Path, Path], tmp_path: Path, name: str) -> Path:
    lake = tmp_path / name
    lake.mkdir()
    for table in ("clean_postings", "clean_vacancies"):
        target = lake_path(lake, table)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = lake_path(demo_outputs[0], table)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return lake


def test_match_drops_changed_and_gone_postings_and_vacancies_like_a_rebuild(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Postings changed in place (another city, title), postings gone, a vacancy closed: the incremental
    match keeps nothing stale, and later days only lower recency (the as-of day moves on)."""
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = _clean_copy(demo_outputs, tmp_path, "lake")
    first = match_lake(lake, MatchOptions(as_of=day))
    assert first.mode == "full" and first.matches > 0
    postings = pl.read_parquet(lake_path(lake, "clean_postings"))
    matched = pl.read_parquet(lake_path(lake, "matches"))
    top = matched.filter(pl.col("rank") <= 2)["posting_id"].unique().sort().to_list()
    moved, gone = top[::2][:20], top[1::2][:20]
    postings = postings.filter(~pl.col("posting_id").is_in(gone)).with_columns(
        pl.when(pl.col("posting_id").is_in(moved)).then(pl.lit("Nowhere")).otherwise("city").alias("city"),
        pl.when(pl.col("posting_id").is_in(moved[:5]))
        .then(pl.lit("nurse"))
        .otherwise("title_core")
        .alias("title_core"),
    )
    _replace_clean_postings(lake, postings)
    vacancies = pl.read_parquet(lake_path(lake, "clean_vacancies"))
    closed = matched["vacancy_id"][0]
    vacancies.with_columns(
        pl.when(pl.col("vacancy_id") == closed).then(False).otherwise("is_open").alias("is_open")
    ).write_parquet(lake_path(lake, "clean_vacancies"))
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)

    for later in (day + timedelta(days=1), day + timedelta(days=40)):
        incremental = match_lake(lake, MatchOptions(as_of=later))
        full = match_lake(rebuilt, MatchOptions(as_of=later), full=True)
        assert incremental.mode == "incremental" and full.mode == "full"
        for name in ("matches", "left_out"):
            assert_frame_equal(
                pl.read_parquet(lake_path(lake, name)), pl.read_parquet(lake_path(rebuilt, name))
            )
        assert incremental.rescored_postings >= (len(moved) if later == day + timedelta(days=1) else 0)
        assert incremental.matches == full.matches > 0
    result = pl.read_parquet(lake_path(lake, "matches"))
    assert result.filter(pl.col("posting_id").is_in(gone) | (pl.col("vacancy_id") == closed)).height == 0
    # an earlier day than the state's, or other options: scored again in full
    assert match_lake(lake, MatchOptions(as_of=day)).mode == "full"
    assert match_lake(lake, MatchOptions(as_of=day, floor=60.0)).mode == "full"
    assert match_lake(lake, MatchOptions(as_of=day, floor=60.0)).mode == "incremental"


def test_the_word_weights_are_kept_until_the_postings_move_by_more_than_the_drift(tmp_path: Path) -> None:
    """IDF over the postings, frozen per lake: 100 postings, then 105 (within 10%: kept), then 111 (refit)."""
    from matcher.match.weights import lake_word_weights

    lake = tmp_path / "lake"

    def frame(n: int) -> pl.DataFrame:
        return pl.DataFrame({"title_core": ["data engineer" if i % 4 else "nurse" for i in range(n)]})

    first = lake_word_weights(lake, frame(100))
    assert first.refreshed and first.postings == 100
    assert dict(first.frequencies.iter_rows()) == {"data": 75, "engineer": 75, "nurse": 25}
    kept = lake_word_weights(lake, frame(105))
    assert not kept.refreshed and kept.postings == 100
    assert_frame_equal(kept.frequencies, first.frequencies)
    assert DRIFT == 0.10
    refit = lake_word_weights(lake, frame(111))
    assert refit.refreshed and refit.postings == 111
    stored = read_word_weights(lake)
    assert isinstance(stored, WordWeights) and stored.postings == 111


def test_normalize_reads_only_the_new_raw_parts(demo_outputs: tuple[Path, Path], tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    pipeline = _pipeline(lake, tmp_path / "reports")
    pipeline.normalize(full=True)
    before = lake_path(lake, "clean_postings").stat().st_mtime_ns
    again = pipeline.normalize()
    assert again.summary.mode == "incremental" and again.summary.new_postings == 0
    assert again.summary.postings > 1000
    assert lake_path(lake, "clean_postings").stat().st_mtime_ns == before  # nothing landed: not rewritten
    # postings landed on a later day: normalized into that day's part; no other part is written
    parts = {p.name: p.stat().st_mtime_ns for p in TABLES["clean_postings"].files(lake)}
    raw = pl.read_parquet(TABLES["raw_postings"].files(lake)).sort("posting_id").head(10)
    new_ids = [str(800_000_000 + i) for i in range(raw.height)]
    texts = [
        re.sub(r'"id":\d+', f'"id":{new}', text, count=1)
        for text, new in zip(raw["raw_json"].to_list(), new_ids, strict=True)
    ]
    landed = datetime(2099, 1, 2, 9, tzinfo=UTC)
    added = raw.with_columns(
        pl.Series("posting_id", new_ids), pl.Series("raw_json", texts), pl.lit(landed).alias("ingested_at")
    )
    _add_part(lake, "raw_postings", added, "zz-later-000001")
    later = pipeline.normalize()
    assert later.summary.mode == "incremental" and later.summary.new_postings == raw.height
    after = {p.name: p.stat().st_mtime_ns for p in TABLES["clean_postings"].files(lake)}
    assert after.pop("part-2099-01-02.parquet") and after == parts
    day_part = pl.read_parquet(lake_path(lake, "clean_postings") / "part-2099-01-02.parquet")
    assert day_part["posting_id"].to_list() == sorted(new_ids)
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)
    assert _pipeline(rebuilt, tmp_path / "reports-rebuilt").normalize(full=True).summary.mode == "full"
    assert _table_bytes(lake, "clean_postings") == _table_bytes(rebuilt, "clean_postings")
    # a compacted raw table (the parts it was built from are gone) is normalized in full
    part = TABLES["raw_postings"].files(lake)[0]
    part.rename(part.with_name("part-compacted-000001.parquet"))
    assert pipeline.normalize().summary.mode == "full"


def test_many_incremental_runs_are_compacted_into_one_folder_and_still_equal_a_rebuild(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SEGMENT_LIMIT run folders the kept pairs are written back as one, and the stale lists emptied."""
    from matcher.match import incremental

    monkeypatch.setattr(incremental, "SEGMENT_LIMIT", 2)
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = _clean_copy(demo_outputs, tmp_path, "lake")
    match_lake(lake, MatchOptions(as_of=day))
    postings = pl.read_parquet(lake_path(lake, "clean_postings"))
    ids = postings["posting_id"].sort().to_list()
    for step in range(1, 5):  # each run: five postings move to another city, five go away
        moved, gone = ids[step * 10 : step * 10 + 5], ids[step * 10 + 5 : step * 10 + 10]
        postings = postings.filter(~pl.col("posting_id").is_in(gone)).with_columns(
            pl.when(pl.col("posting_id").is_in(moved))
            .then(pl.lit(f"City {step}"))
            .otherwise("city")
            .alias("city")
        )
        _replace_clean_postings(lake, postings)
        assert match_lake(lake, MatchOptions(as_of=day + timedelta(days=step))).mode == "incremental"
        state = json.loads(lake_path(lake, "match_state").read_text())
        assert len(state["segments"]) <= 2
    assert state["segments"][0].endswith("-compacted") or len(state["segments"]) == 2
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)
    match_lake(rebuilt, MatchOptions(as_of=day + timedelta(days=4)), full=True)
    for name in ("matches", "left_out"):
        assert _table_bytes(lake, name) == _table_bytes(rebuilt, name), name


def test_bucket_bounds_split_the_vacancy_keys_into_ranges_in_key_order() -> None:
    """4 vacancies in 2 buckets: the bound is the 3rd key; scenario sorts first ("" < "s")."""
    from matcher.match.incremental import _bucket_of, bucket_bounds

    vacancies = pl.DataFrame({"scenario_id": ["", "", "s", ""], "vacancy_id": ["b", "a", "a", "c"]})
    bounds = bucket_bounds(vacancies, buckets=2)
    assert bounds == ["\x00c"]
    assert _bucket_of(vacancies, bounds).to_list() == [0, 0, 1, 1]
    assert bucket_bounds(vacancies.head(1)) == [] and _bucket_of(vacancies, []).to_list() == [0, 0, 0, 0]


def test_publishing_bucket_by_bucket_writes_the_bytes_one_bucket_writes(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matches file does not depend on how many vacancy buckets the stored pairs are cut into."""
    from matcher.match import incremental

    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    many, one = _clean_copy(demo_outputs, tmp_path, "many"), _clean_copy(demo_outputs, tmp_path, "one")
    match_lake(many, MatchOptions(as_of=day))
    buckets = {p.name.split("-")[1] for p in TABLES["scored_pairs"].files(many)}
    assert len(buckets) > 4  # the demo's open vacancies fall in many buckets
    monkeypatch.setattr(incremental, "BUCKETS", 1)
    match_lake(one, MatchOptions(as_of=day))
    assert {p.name.split("-")[1] for p in TABLES["scored_pairs"].files(one)} == {"b000"}
    for name in ("matches", "left_out"):
        assert _table_bytes(many, name) == _table_bytes(one, name), name


def test_other_levels_found_in_one_pass_or_batch_by_batch_are_stored_and_published_alike(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other levels' pairs are held back and their last days found in one pass (``OTHER_BATCH``
    pairs at most): flushed after every batch instead, the same pairs with the same last days are stored
    and the same tables published."""
    from matcher.match import incremental

    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    once, often = _clean_copy(demo_outputs, tmp_path, "once"), _clean_copy(demo_outputs, tmp_path, "often")
    calls: list[int] = []
    last_day = incremental.last_day

    def counted(pairs: pl.DataFrame, options: MatchOptions) -> pl.Series:
        calls.append(pairs.height)
        return last_day(pairs, options)

    monkeypatch.setattr(incremental, "last_day", counted)
    match_lake(once, MatchOptions(as_of=day, level_policy="exact"), full=True)
    assert len(calls) == 1  # a full run is one job: one pass over all its other levels' pairs
    monkeypatch.setattr(incremental, "OTHER_BATCH", 1)
    match_lake(often, MatchOptions(as_of=day, level_policy="exact"), full=True)
    assert sum(calls[1:]) == calls[0]
    stored = [
        pl.read_parquet(TABLES["scored_other_levels"].files(lake)).sort(
            "scenario_id", "vacancy_id", "posting_id"
        )
        for lake in (once, often)
    ]
    assert stored[0].height > 0 and stored[0]["_last"].null_count() < stored[0].height
    assert stored[0].equals(stored[1])
    for name in ("matches", "left_out"):
        assert _table_bytes(once, name) == _table_bytes(often, name), name


def test_stored_pairs_are_kept_in_the_order_their_day_ranks_them(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Each bucket's stored pairs are written in the order publishing sorts into (vacancy key, then score
    descending, then posting id, on the day they were scored), so the next day's sort finds them nearly
    sorted."""
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = _clean_copy(demo_outputs, tmp_path, "lake")
    match_lake(lake, MatchOptions(as_of=day), full=True)
    files = sorted(TABLES["scored_pairs"].files(lake))
    assert len(files) > 4
    for file in files:
        stored = pl.read_parquet(file).select("scenario_id", "vacancy_id", "score", "posting_id")
        ranked = stored.sort(
            ["scenario_id", "vacancy_id", "score", "posting_id"], descending=[False, False, True, False]
        )
        assert stored.equals(ranked), file.name


def test_the_pairs_of_other_levels_are_stored_apart_and_a_new_level_policy_rescores(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """The stored pairs are split by the level policy (the others: only what counting them needs), so
    another policy scores everything again, and gives what a rebuild with it gives."""
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = _clean_copy(demo_outputs, tmp_path, "lake")
    first = match_lake(lake, MatchOptions(as_of=day, level_policy="exact"))
    assert first.mode == "full" and first.excluded.get("another level", 0) > 0
    admitted = pl.read_parquet(TABLES["scored_pairs"].files(lake))
    others = pl.read_parquet(TABLES["scored_other_levels"].files(lake))
    assert admitted.height == first.matches  # the floor holds on the day they were scored
    assert others.height == first.excluded["another level"]
    assert "title_semantic" in admitted.columns and "title_semantic" not in others.columns
    assert admitted.join(others, on=["scenario_id", "vacancy_id", "posting_id"]).height == 0
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)
    later = day + timedelta(days=2)
    again = match_lake(lake, MatchOptions(as_of=later, level_policy="adjacent"))
    full = match_lake(rebuilt, MatchOptions(as_of=later, level_policy="adjacent"), full=True)
    assert again.mode == "full" and again.matches == full.matches > first.matches
    assert match_lake(lake, MatchOptions(as_of=later, level_policy="adjacent")).mode == "incremental"
    for name in ("matches", "left_out"):
        assert _table_bytes(lake, name) == _table_bytes(rebuilt, name), name


def test_publishing_ranks_each_vacancys_matches_by_score_then_posting_id() -> None:
    """The ranking's one numeric sort key gives the order of a sort on (vacancy, -score, posting_id), ties
    included; scores that are not hundredths in [0, 100] take the sort on the columns themselves."""
    import random

    from matcher.match.incremental import _rank, places
    from matcher.match.stage import MATCH_SCHEMA

    rng = random.Random(5)
    rows = 3_000
    frame = pl.DataFrame(
        {
            "scenario_id": [rng.choice(["", "s1"]) for _ in range(rows)],
            "vacancy_id": [f"v{rng.randrange(40)}" for _ in range(rows)],
            "posting_id": [str(rng.randrange(10**6)) for _ in range(rows)],
            "score": [
                round(rng.choice([50.0, 50.01, 62.29, 99.99, 100.0, 0.29]) + 0.0, 2) for _ in range(rows)
            ],
        }
    ).unique(["scenario_id", "vacancy_id", "posting_id"])
    frame = frame.with_columns(
        *(pl.lit(None, t).alias(c) for c, t in MATCH_SCHEMA.items() if c not in frame.columns and c != "rank")
    )

    def expected(f: pl.DataFrame) -> pl.DataFrame:
        return (
            f.sort(
                ["scenario_id", "vacancy_id", "score", "posting_id"], descending=[False, False, True, False]
            )
            .with_columns(pl.int_range(1, pl.len() + 1).over(["scenario_id", "vacancy_id"]).alias("rank"))
            .select(pl.col(c).cast(t) for c, t in MATCH_SCHEMA.items())
        )

    assert_frame_equal(_rank(*places(frame)), expected(frame))
    odd = frame.with_columns((pl.col("score") + pl.col("posting_id").str.len_chars() * 0.001).alias("score"))
    assert_frame_equal(_rank(*places(odd)), expected(odd))
    assert _rank(*places(frame.clear())).height == 0


def test_covered_postings_are_found_by_position_or_by_join_alike() -> None:
    """The covered postings' numbers: by position when they lead the eligible rows as they were (the daily
    case), else by a join on (posting_id, hash); both give what the join gives."""
    from matcher.match.incremental import _covered

    old = pl.DataFrame(
        {"posting_id": ["a", "b", "c"], "_ph": [1, 2, 3], "_pv": [1, 1, 2], "_pn": [0, 1, 2]},
        schema_overrides={"_ph": pl.UInt64, "_pv": pl.UInt32, "_pn": pl.UInt32},
    )

    def joined(eligible: pl.DataFrame) -> pl.DataFrame:
        return eligible.join(old, on=["posting_id", "_ph"], how="left", maintain_order="left")

    daily = pl.DataFrame(
        {"posting_id": ["a", "b", "c", "d"], "_ph": [1, 2, 3, 4]}, schema_overrides={"_ph": pl.UInt64}
    )
    assert_frame_equal(_covered(daily, old), joined(daily))
    assert _covered(daily, old)["_pn"].to_list() == [0, 1, 2, None]
    changed = daily.with_columns(pl.when(pl.col("posting_id") == "b").then(9).otherwise("_ph").alias("_ph"))
    changed = changed.with_columns(pl.col("_ph").cast(pl.UInt64))
    assert _covered(changed, old)["_pn"].to_list() == [0, None, 2, None]
    assert_frame_equal(_covered(changed, old), joined(changed))
    reordered = daily.reverse()
    assert_frame_equal(_covered(reordered, old), joined(reordered))
    assert_frame_equal(_covered(daily.head(2), old), joined(daily.head(2)))


@given(
    title=st.floats(0, 100).map(lambda x: round(x, 2)),
    seniority=st.one_of(st.none(), st.sampled_from([0.0, 25.0, 50.0, 100.0])),
    geography=st.sampled_from([0.0, 70.0, 85.0, 100.0]),
    skills=st.one_of(st.none(), st.floats(0, 100).map(lambda x: round(x, 2))),
    posted_days_ago=st.one_of(st.none(), st.integers(0, 400)),
    floor=st.sampled_from([30.0, 50.0, 55.0, 70.0]),
    recency_days=st.sampled_from([1, 30, 365]),
)
@settings(max_examples=100, deadline=None)
def test_the_last_day_a_pair_reaches_the_floor_is_the_last_day_its_score_does(
    title: float,
    seniority: float | None,
    geography: float,
    skills: float | None,
    posted_days_ago: int | None,
    floor: float,
    recency_days: int,
) -> None:
    """``last_day`` against the score itself on every day until the recency is 0 (and one after)."""
    from matcher.match import stage
    from matcher.match.incremental import last_day

    today = date(2026, 11, 2)
    posted = None if posted_days_ago is None else today - timedelta(days=posted_days_ago)
    pair = pl.DataFrame(
        {"title": [title], "seniority": [seniority], "geography": [geography], "skills": [skills]},
        schema=dict.fromkeys(("title", "seniority", "geography", "skills"), pl.Float64),
    ).with_columns(pl.lit(posted, pl.Date).alias("date_posted"))
    options = MatchOptions(as_of=today, floor=floor, recency_days=recency_days)
    last = last_day(pair, options).item()

    days = pl.DataFrame({"day": [today + timedelta(days=n) for n in range(recency_days + 402)]})
    age = (pl.col("day") - pl.col("date_posted")).dt.total_days().clip(lower_bound=0)
    scores = (
        days.join(pair, how="cross")
        .with_columns(stage.recency_at(age, options).alias("recency"))
        .with_columns(stage.composite_score(options))
    )
    counted = scores.filter(pl.col("score") >= floor)["day"].to_list()
    every_day = days["day"].to_list()
    reached_today = counted[:1] == [today]
    if last is None:
        assert counted == every_day
    else:
        assert counted == [day for day in every_day if day <= last]
        assert (last >= today) == reached_today


def test_stored_pairs_of_another_layout_are_scored_again_not_read(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lake whose stored pairs an earlier layout wrote (layout 1: no vacancy or posting numbers, the other
    levels with their components) is matched in full, and gives what a rebuild gives."""
    from matcher.match import incremental

    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    lake = _clean_copy(demo_outputs, tmp_path, "lake")
    monkeypatch.setattr(incremental, "LAYOUT", 1)
    assert match_lake(lake, MatchOptions(as_of=day)).mode == "full"
    for part in TABLES["scored_pairs"].files(lake):  # as layout 1 wrote them
        pl.read_parquet(part).drop("_vn", "_pn").write_parquet(part)
    state = json.loads(lake_path(lake, "match_state").read_text())
    assert state["layout"] == 1
    monkeypatch.setattr(incremental, "LAYOUT", 2)
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(lake, rebuilt)
    later = day + timedelta(days=1)
    assert match_lake(lake, MatchOptions(as_of=later)).mode == "full"
    assert json.loads(lake_path(lake, "match_state").read_text())["layout"] == 2
    assert match_lake(rebuilt, MatchOptions(as_of=later), full=True).mode == "full"
    for name in ("matches", "left_out"):
        assert _table_bytes(lake, name) == _table_bytes(rebuilt, name), name
    assert match_lake(lake, MatchOptions(as_of=later)).mode == "incremental"
    current = json.loads(lake_path(lake, "match_state").read_text())
    current.pop("layout")  # its fingerprint this version's, its files there, but no layout named: not read
    lake_path(lake, "match_state").write_text(json.dumps(current))
    assert match_lake(lake, MatchOptions(as_of=later)).mode == "full"
