"""The Spark engine (``matcher.match.spark``) writes the local engine's matches, row for row, in Spark local
mode: on the demo lake as Spark splits it, with the postings spread over several partitions (each word still
weighs what it weighs over the whole set), and a one-line error when the ``spark`` extra or Java is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from matcher.common.config import load_config
from matcher.common.errors import ConfigError
from matcher.lake.layout import path as lake_path
from matcher.match.stage import (
    MATCH_SCHEMA,
    MatchOptions,
    MatchSummary,
    PostingCorpus,
    match_frames,
    match_lake,
    matches_as_of,
)
from matcher.pipeline import Pipeline
from tests.conftest import copy_demo_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SPARK_SETTINGS = {"spark.driver.memory": "768m", "spark.python.worker.reuse": "true"}
SAME_EVERYWHERE = ("vacancies", "postings", "candidate_pairs", "scored_pairs", "matches", "excluded", "as_of")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    from matcher.match.spark import spark_session

    session = spark_session("local[2]", partitions=2, settings=SPARK_SETTINGS)
    assert session.conf.get("spark.ui.enabled") == "false"
    yield session
    session.stop()


def _lake(demo_outputs: tuple[Path, Path], tmp_path: Path, name: str, *, cache: bool = True) -> Path:
    lake = tmp_path / name
    copy_demo_lake(demo_outputs[0], lake)
    (lake / "matches" / "matches.parquet").unlink()
    if not cache:  # the driver embeds every title itself, as the local engine would on a fresh lake
        lake_path(lake, "title_vectors").unlink()
    return lake


def _tables(lake: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return pl.read_parquet(lake_path(lake, "matches")), pl.read_parquet(lake_path(lake, "left_out"))


def _assert_same(local: MatchSummary, spark: MatchSummary, local_lake: Path, spark_lake: Path) -> None:
    matches, left_out = _tables(local_lake)
    spark_matches, spark_left_out = _tables(spark_lake)
    assert matches.height > 100 and left_out.height > 0  # the demo has matches and levels left out
    assert spark_matches.schema == pl.Schema(MATCH_SCHEMA)
    assert_frame_equal(spark_matches, matches)  # same rows, same order, every column, every score
    assert_frame_equal(spark_left_out, left_out)
    assert matches_as_of(lake_path(spark_lake, "matches")) == matches_as_of(lake_path(local_lake, "matches"))
    for name in SAME_EVERYWHERE:
        assert getattr(spark, name) == getattr(local, name), name
    assert_frame_equal(spark.left_out, local.left_out)


@pytest.mark.slow
def test_the_spark_engine_writes_the_local_engines_matches_on_the_demo_lake(
    spark: SparkSession, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    local_lake = _lake(demo_outputs, tmp_path, "local")
    spark_lake = _lake(demo_outputs, tmp_path, "spark", cache=False)
    as_of = matches_as_of(lake_path(demo_outputs[0], "matches"))
    local = Pipeline(load_config(), lake=local_lake).match(as_of=as_of)
    # through the library's hook: the module's session is the active one, so the pipeline uses it
    result = Pipeline(load_config(), lake=spark_lake).match(as_of=as_of, engine="spark")
    _assert_same(local.summary, result.summary, local_lake, spark_lake)
    assert result.summary.path == lake_path(spark_lake, "matches")


@pytest.mark.slow
def test_postings_over_several_partitions_score_as_the_whole_set(
    spark: SparkSession, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    from matcher.match.spark import match_lake_spark

    local_lake = _lake(demo_outputs, tmp_path, "local")
    spark_lake = _lake(demo_outputs, tmp_path, "spark")
    options = MatchOptions(as_of=matches_as_of(lake_path(demo_outputs[0], "matches")))
    local = match_lake(local_lake, options)
    split = match_lake_spark(spark_lake, options, spark=spark, partitions=5)
    _assert_same(local, split, local_lake, spark_lake)
    # five partitions score their own distinct core titles: more core pairs than the whole set has
    assert split.core_pairs > local.core_pairs


def _demo_frames(demo_outputs: tuple[Path, Path]) -> tuple[pl.DataFrame, pl.DataFrame, MatchOptions]:
    lake = demo_outputs[0]
    options = MatchOptions(as_of=matches_as_of(lake_path(lake, "matches")))
    return (
        pl.read_parquet(lake_path(lake, "clean_vacancies")),
        pl.read_parquet(lake_path(lake, "clean_postings")),
        options,
    )


def test_a_part_scored_with_the_whole_sets_corpus_scores_its_postings_as_the_whole_set(
    demo_outputs: tuple[Path, Path],
) -> None:
    """The IDF is the one thing of the title score taken from the whole set: half of the postings scored
    alone weigh words otherwise (some title_lexical differs); with the whole set's corpus, every match of
    theirs is the whole set's, component for component (only the rank, over fewer postings, differs)."""
    vacancies, postings, options = _demo_frames(demo_outputs)
    options = replace(options, semantic=False)  # the words alone: the meaning cannot hide a difference
    assert options.as_of is not None
    whole, _ = match_frames(vacancies, postings, options)
    half = postings.filter(pl.int_range(pl.len()) % 2 == 0)
    corpus = PostingCorpus.of(postings, options, options.as_of)
    alone, _ = match_frames(vacancies, half, options)
    with_corpus, _ = match_frames(vacancies, half, options, word_weights=corpus.word_weights())
    key = ["scenario_id", "vacancy_id", "posting_id"]
    expected = whole.join(half.select("posting_id"), on="posting_id").drop("rank").sort(key)
    assert_frame_equal(with_corpus.drop("rank").sort(key), expected)
    differ = alone.join(expected, on=key, suffix="_whole").filter(
        pl.col("title_lexical") != pl.col("title_lexical_whole")
    )
    assert differ.height > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.integers(min_value=1, max_value=7), seed=st.integers(min_value=0, max_value=2**16))
def test_the_corpus_of_the_parts_summed_is_the_corpus_of_the_whole(
    demo_outputs: tuple[Path, Path], parts: int, seed: int
) -> None:
    _, postings, options = _demo_frames(demo_outputs)
    assert options.as_of is not None
    part = pl.Series(pl.int_range(postings.height, eager=True).shuffle(seed) % parts)
    pieces = [PostingCorpus.of(postings.filter(part == i), options, options.as_of) for i in range(parts)]
    summed = PostingCorpus.combine(pieces)
    whole = PostingCorpus.of(postings, options, options.as_of)
    assert summed.postings == whole.postings and summed.meaning_texts == whole.meaning_texts
    assert_frame_equal(summed.document_frequency, whole.document_frequency)


def test_without_the_spark_extra_the_engine_says_what_to_install(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matcher.cli import app

    lake = _lake(demo_outputs, tmp_path, "lake")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    result = CliRunner().invoke(app, ["match", "--engine", "spark", "--lake", str(lake)])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        .splitlines()[-1]
        .endswith("engine 'spark' needs the spark extra: pip install 'matcher[spark]'")
    )
    assert "Traceback" not in result.output
    assert not lake_path(lake, "matches").exists()  # nothing written


def test_without_java_the_engine_names_java_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.match.spark import SparkUnavailableError, spark_session

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(SparkUnavailableError, match=r"JAVA_HOME=.*no-jdk has no bin/java"):
        spark_session("local[1]")


def test_the_engine_is_a_setting_and_anything_else_is_refused(tmp_path: Path) -> None:
    assert load_config(env={}).match_engine == "local"
    assert load_config(env={"MATCHER_MATCH__ENGINE": "spark"}).match_engine == "spark"
    with pytest.raises(ConfigError, match=r"MATCHER_MATCH__ENGINE.*local or spark"):
        load_config(env={"MATCHER_MATCH__ENGINE": "dask"})
    with pytest.raises(ConfigError, match="match engine: got 'dask', expected local or spark"):
        Pipeline(load_config(env={}), lake=tmp_path).match(engine="dask")


@pytest.mark.slow
def test_a_task_that_fails_is_one_line_and_the_lake_is_unchanged(
    spark: SparkSession, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    from matcher.match.spark import SparkJobError, match_lake_spark

    lake = _lake(demo_outputs, tmp_path, "lake")
    # match_frames checks level_policy on the executors, where the scoring runs
    options = MatchOptions(as_of=matches_as_of(lake_path(demo_outputs[0], "matches")), level_policy="bogus")
    with pytest.raises(SparkJobError, match=r"failed: ValueError: level_policy: got 'bogus'") as raised:
        match_lake_spark(lake, options, spark=spark)
    assert "\n" not in str(raised.value)
    assert not lake_path(lake, "matches").exists() and lake_path(lake, "left_out").exists()


@pytest.mark.slow
def test_both_engines_score_with_the_word_weights_the_lake_keeps(
    spark: SparkSession, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """The title words' weights are the lake's (``matches/word_weights.parquet``), not recomputed by either
    engine while the postings have not drifted: weights kept from another corpus (every document frequency
    halved, the same count) give both engines the same, other, scores."""
    from matcher.match.spark import match_lake_spark
    from matcher.match.weights import WordWeights, read_word_weights, write_word_weights

    local_lake = _lake(demo_outputs, tmp_path, "local")
    spark_lake = _lake(demo_outputs, tmp_path, "spark")
    kept = read_word_weights(local_lake)
    assert kept is not None  # the demo's own run kept them
    other = WordWeights(
        postings=kept.postings,
        frequencies=kept.frequencies.with_columns((pl.col("df") // 2).cast(pl.UInt32)),
    )
    for lake in (local_lake, spark_lake):
        write_word_weights(lake, other)
    options = MatchOptions(as_of=matches_as_of(lake_path(demo_outputs[0], "matches")))
    local = match_lake(local_lake, options, full=True)
    split = match_lake_spark(spark_lake, options, spark=spark, partitions=3)
    _assert_same(local, split, local_lake, spark_lake)
    before = pl.read_parquet(lake_path(demo_outputs[0], "matches"))
    after = _tables(local_lake)[0]
    moved = after.join(before, on=["scenario_id", "vacancy_id", "posting_id"], suffix="_before").filter(
        pl.col("title_lexical") != pl.col("title_lexical_before")
    )
    assert moved.height > 0  # the kept weights were used
    left = read_word_weights(spark_lake)  # and left as they were
    assert left is not None and left.postings == other.postings
    assert_frame_equal(left.frequencies, other.frequencies)
