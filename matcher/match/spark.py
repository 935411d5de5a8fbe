"""The match stage on Spark: the same scores as ``match_lake``, with the postings partitioned over executors.

``matcher match --engine spark`` (``Pipeline.match(engine="spark")``, ``[match] engine = "spark"``) reads
``lake/clean`` and writes ``lake/matches`` exactly as the local engine does, row for row; only where the
scoring runs differs:

1. the postings are read by Spark and left in their partitions; the vacancies (thousands, not millions) are
   read by the driver and broadcast;
2. a first pass (``mapInArrow``) counts, per partition, the eligible postings, each core-title word's
   document frequency and the distinct title texts the semantic score embeds; summed, they are the whole
   set's ``PostingCorpus``. The title words' weights are then the lake's (``lake_word_weights``: kept in
   ``matches/word_weights.parquet``, refit from this corpus when absent or drifted), as the local engine
   takes them. The driver embeds the titles (through the lake's vector cache, in the order the local engine
   does) and broadcasts the weights and the vectors;
3. a second pass (``mapInArrow``) runs ``match_frames`` on each partition with those weights, so each word
   weighs what it weighs over the whole set, and emits the matches (score >= floor) with the partition's
   counts. Every other component depends on the pair alone;
4. the driver ranks each vacancy's matches over all partitions (score descending, posting_id) and writes
   the tables with the local engine's schema and metadata.

What depends on the whole set and how it is reproduced: the IDF (the lake's word weights, as above); the
"unseen word" weight (the same count); the title vectors (embedded once by the driver, as one call over all
texts, then looked up); the ranks (step 4); the per-vacancy ``left_out`` counts and ``MatchSummary`` counts
(summed). ``core_pairs`` and ``compared_pairs`` count the work done, which is per partition: a core title in
two partitions is scored twice. ``semantic_candidates`` (a cap of the nearest titles per vacancy, off by
default) depends on the whole set and is refused. A Spark run scores every pair (it keeps none of the local
engine's incremental state, which stays valid: its stored pairs do not depend on the engine).

PySpark is the ``spark`` extra (``pip install 'matcher[spark]'``) and needs Java 17; both are imported and
checked only when the engine is asked for.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from matcher.common.errors import ConfigError, MatcherError, NotReadyError
from matcher.lake.files import atomic_file
from matcher.lake.layout import path as lake_path
from matcher.match.stage import (
    AS_OF_KEY,
    LEFT_OUT_SCHEMA,
    MATCH_SCHEMA,
    POSTING_COLUMNS,
    MatchOptions,
    MatchSummary,
    PostingCorpus,
    match_frames,
    vacancy_meaning_texts,
)
from matcher.match.weights import lake_word_weights

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

    from matcher.match.semantic import TitleVectorCache

ENGINES = ("local", "spark")
MISSING_EXTRA = "engine 'spark' needs the spark extra: pip install 'matcher[spark]'"
# the order in which match_frames counts what it leaves out (a dict's order is what a summary shows)
EXCLUDED_ORDER = (
    "after as-of", "own company", "recruiting agency", "no title", "work type does not fit",
    "another country", "another level",
)  # fmt: skip
# the second pass's rows: a match (MATCH_SCHEMA, skills_shared widened: Spark has no unsigned type), or
# ``_kind`` "left_out" (scenario_id, vacancy_id, _n) or "count" (_key, _n)
_KIND, _KEY, _N = "_kind", "_key", "_n"


class SparkUnavailableError(MatcherError):
    """The Spark engine was asked for but PySpark (the ``spark`` extra) or Java is not installed."""


class SparkJobError(MatcherError):
    """A Spark job of the engine failed (an executor lost, a task's error): the lake is unchanged."""


def _last_line(error: BaseException) -> str:
    """The line that says what went wrong: the last non-empty line of Spark's message (a task's Python
    error comes last, after the executor's traceback)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1][:500] if lines else type(error).__name__


def _require_spark() -> None:
    """PySpark and Java, or one line saying what to install."""
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailableError(MISSING_EXTRA) from None
    home = os.environ.get("JAVA_HOME")
    java = Path(home) / "bin" / "java" if home else None
    if not ((java is not None and java.is_file()) or (not home and shutil.which("java"))):
        shown = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH and JAVA_HOME is not set"
        raise SparkUnavailableError(f"engine 'spark' needs Java 17: {shown} (set JAVA_HOME to a JDK 17)")


def spark_session(
    master: str | None = None, *, partitions: int = 8, settings: dict[str, str] | None = None
) -> SparkSession:
    """The active Spark session, else a new one: ``master`` (default: what ``spark-submit`` set, else
    ``local[*]``), UI off, UTC session time (a posting's discovery day is its UTC day), ``partitions``
    shuffle partitions (the stage shuffles only small aggregates), then ``settings`` (Spark properties).

    ``spark_session("local[2]").sparkContext.defaultParallelism`` -> 2.
    """
    _require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("matcher match")
    # spark-submit starts the Python driver with a gateway and its --master: keep it
    if master is not None or "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(master or "local[*]")
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **(settings or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def match_lake_spark(
    lake: Path | str,
    options: MatchOptions | None = None,
    *,
    spark: SparkSession | None = None,
    partitions: int | None = None,
) -> MatchSummary:
    """``match_lake`` on Spark: read the clean tables, write ``matches/matches.parquet`` and
    ``matches/left_out.parquet`` (atomically), equal to what the local engine writes.

    Args:
        lake: the lake root; on a cluster a path every executor can read.
        options: as for ``match_lake``; ``as_of`` defaults to today, fixed once for every executor.
        spark: a session (default ``spark_session()``: the active one, else a new one).
        partitions: the postings' partitions (default: Spark's split of the files, or one per core when
            that split gives fewer).
    """
    lake = Path(lake)
    started = time.perf_counter()
    if not lake_path(lake, "clean_postings").exists() or not lake_path(lake, "clean_vacancies").exists():
        raise NotReadyError(f"lake {lake}: no clean tables yet: run `matcher normalize` first")
    options = options or MatchOptions()
    if options.semantic_candidates is not None:
        raise ConfigError(
            [
                f"MatchOptions.semantic_candidates: got {options.semantic_candidates!r}, expected None with "
                "engine 'spark' (a cap of nearest titles per vacancy depends on the whole posting set)"
            ]
        )
    options = replace(options, as_of=options.as_of or date.today())
    assert options.as_of is not None
    session = spark or spark_session()
    vacancies = pl.read_parquet(lake_path(lake, "clean_vacancies"))
    postings = _read_postings(session, lake, partitions)

    try:
        corpus = _corpus(postings, options)
        # the lake's word weights, as the local engine takes them (refit from this corpus when absent or
        # drifted): both engines then score alike, and incremental local runs stay exact
        weights = lake_word_weights(lake, corpus.word_weights())
        vectors = _vectors(lake, vacancies, corpus, options)
        shared = session.sparkContext.broadcast((vacancies, options, weights, vectors))
        scored = _map_in_arrow(postings, functools.partial(_score_partition, shared), _output_schema())
        rows = _frame(scored.toArrow())
        shared.unpersist()
    except MatcherError:
        raise
    except Exception as error:  # a task's exception reaches the driver wrapped by Spark and Py4J
        raise SparkJobError(f"the Spark match job failed: {_last_line(error)}") from error
    finally:
        postings.unpersist()

    summary = _summary(rows, vacancies, options)
    matches = _ranked(rows.filter(pl.col(_KIND) == "match"))
    summary.matches = matches.height
    path = lake_path(lake, "matches")
    with atomic_file(path) as temp, atomic_file(lake_path(lake, "left_out")) as side_temp:
        matches.write_parquet(temp, metadata={AS_OF_KEY: options.as_of.isoformat()})
        summary.left_out.write_parquet(side_temp)
    summary.path = path
    summary.seconds = time.perf_counter() - started
    return summary


def _read_postings(session: SparkSession, lake: Path, partitions: int | None) -> SparkFrame:
    frame = session.read.parquet(str(lake_path(lake, "clean_postings")))
    frame = frame.select(*(c for c in POSTING_COLUMNS if c in frame.columns))
    if partitions is None:  # one Parquet row group is one partition: spread it over every core
        cores = session.sparkContext.defaultParallelism
        partitions = cores if frame.rdd.getNumPartitions() < cores else None
    # kept once shuffled: both passes read the same partitions (unpersisted when the stage ends)
    return frame if partitions is None else frame.repartition(partitions).persist()


def _map_in_arrow(frame: SparkFrame, function: Any, schema: str) -> SparkFrame:
    """``frame.mapInArrow(function, schema)`` without pandas: PySpark builds that UDF with ``pandas_udf``,
    which insists on pandas though an Arrow map never uses it; here the same UDF (its class, with the
    Arrow-map eval type) goes to the same JVM method, as ``mapInArrow`` does."""
    if importlib.util.find_spec("pandas") is None:
        from pyspark.sql import DataFrame
        from pyspark.sql.udf import UserDefinedFunction
        from pyspark.util import PythonEvalType

        udf = UserDefinedFunction(function, schema, evalType=PythonEvalType.SQL_MAP_ARROW_ITER_UDF)
        column = udf(*[frame[name] for name in frame.columns])
        return DataFrame(frame._jdf.mapInArrow(column._jc, False, None), frame.sparkSession)
    return frame.mapInArrow(function, schema)


def _partition_frame(batches: Iterator[pa.RecordBatch]) -> pl.DataFrame | None:
    """One partition's postings as one frame (the unit ``match_frames`` scores); None when empty."""
    import pyarrow as pa

    collected = list(batches)
    if not collected:
        return None
    frame = pl.from_arrow(pa.Table.from_batches(collected))
    assert isinstance(frame, pl.DataFrame)
    # Spark hands timestamps over in its session's time zone; a discovery day is the UTC day
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone("UTC")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    )


def _corpus(postings: SparkFrame, options: MatchOptions) -> PostingCorpus:
    """The whole set's ``PostingCorpus``: one ``PostingCorpus.of`` per partition, summed by Spark."""
    from pyspark.sql import functions as F

    schema = "kind string, text string, n long"
    parts = _map_in_arrow(postings, functools.partial(_corpus_partition, options), schema)
    totals = _frame(parts.groupBy("kind", "text").agg(F.sum("n").alias("n")).toArrow())
    words = totals.filter(pl.col("kind") == "word")
    return PostingCorpus(
        postings=int(totals.filter(pl.col("kind") == "postings")["n"].sum()),
        document_frequency=words.select(pl.col("text").alias("token"), pl.col("n").alias("_df")).sort(
            "token"
        ),
        meaning_texts=tuple(sorted(totals.filter(pl.col("kind") == "meaning")["text"].to_list())),
    )


def _corpus_partition(options: MatchOptions, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    frame = _partition_frame(batches)
    if frame is None:
        return
    assert options.as_of is not None
    part = PostingCorpus.of(frame, options, options.as_of)
    rows = pl.concat(
        [
            pl.DataFrame({"kind": ["postings"], "text": [None], "n": [part.postings]}),
            part.document_frequency.select(
                pl.lit("word").alias("kind"), pl.col("token").alias("text"), pl.col("_df").alias("n")
            ),
            pl.DataFrame({"kind": "meaning", "text": list(part.meaning_texts), "n": 1}),
        ],
        how="vertical_relaxed",
    )
    table = rows.to_arrow().cast(pa.schema([("kind", pa.string()), ("text", pa.string()), ("n", pa.int64())]))
    yield from table.to_batches()


def _vectors(
    lake: Path, vacancies: pl.DataFrame, corpus: PostingCorpus, options: MatchOptions
) -> tuple[str, list[str], Any] | None:
    """(model id, texts, their vectors) for the executors' in-memory caches, embedded here once through
    the lake's cache with the call ``match_frames`` makes over the whole set (vacancy texts, then posting
    texts), so each title's vector is the one the local engine gets; None when the score is off."""
    v_texts = vacancy_meaning_texts(vacancies, options)
    if not options.semantic or not v_texts or not corpus.meaning_texts:
        return None
    from matcher.match.semantic import TitleVectorCache, default_embedder

    texts = [*v_texts, *corpus.meaning_texts]
    embedder = default_embedder()
    matrix = TitleVectorCache.in_lake(lake).vectors(texts, embedder)
    return embedder.model_id, texts, matrix


def _memory_cache(vectors: tuple[str, list[str], Any] | None) -> TitleVectorCache | None:
    from matcher.match.semantic import TitleVectorCache

    if vectors is None:
        return TitleVectorCache()
    model, texts, matrix = vectors
    rows = {(model, text): i for i, text in enumerate(texts)}
    return TitleVectorCache(None, _rows=rows, _matrix=matrix, _loaded=True)


def _output_schema() -> str:
    spark_type = {pl.String: "string", pl.Int64: "long", pl.Float64: "double", pl.UInt32: "long"}
    columns = [f"{name} {spark_type[dtype]}" for name, dtype in MATCH_SCHEMA.items()]
    return ", ".join([*columns, f"{_KIND} string", f"{_KEY} string", f"{_N} long"])


def _arrow_schema() -> pa.Schema:
    import pyarrow as pa

    arrow_type = {
        pl.String: pa.string(),
        pl.Int64: pa.int64(),
        pl.Float64: pa.float64(),
        pl.UInt32: pa.int64(),
    }
    fields = [(name, arrow_type[dtype]) for name, dtype in MATCH_SCHEMA.items()]
    return pa.schema([*fields, (_KIND, pa.string()), (_KEY, pa.string()), (_N, pa.int64())])


def _score_partition(shared: Any, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``match_frames`` on one partition of the postings against every vacancy, with the whole set's
    corpus and title vectors: its matches, then its left-out counts and summary counts."""
    frame = _partition_frame(batches)
    if frame is None:
        return
    vacancies, options, weights, vectors = shared.value
    matches, summary = match_frames(
        vacancies, frame, options, vector_cache=_memory_cache(vectors), word_weights=weights
    )
    counts = {
        "postings": summary.postings,
        "candidate_pairs": summary.candidate_pairs,
        "core_pairs": summary.core_pairs,
        "compared_pairs": summary.compared_pairs,
        "scored_pairs": summary.scored_pairs,
        **{f"excluded:{reason}": n for reason, n in summary.excluded.items()},
    }
    rows = pl.concat(
        [
            matches.with_columns(pl.lit("match").alias(_KIND)),
            summary.left_out.select(
                "scenario_id", "vacancy_id", pl.lit("left_out").alias(_KIND), pl.col("n").alias(_N)
            ),
            pl.DataFrame({_KIND: "count", _KEY: list(counts), _N: list(counts.values())}),
        ],
        how="diagonal_relaxed",
    )
    schema = _arrow_schema()
    table = rows.select(schema.names).to_arrow().cast(schema)
    yield from table.to_batches(max_chunksize=65_536)


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _ranked(matches: pl.DataFrame) -> pl.DataFrame:
    """Each vacancy's matches from every partition ranked as ``match_frames`` ranks them (score descending,
    then posting_id), in MATCH_SCHEMA and (scenario_id, vacancy_id, rank) order."""
    ordered = matches.sort(
        ["scenario_id", "vacancy_id", "score", "posting_id"], descending=[False, False, True, False]
    ).with_columns(pl.int_range(1, pl.len() + 1).over("scenario_id", "vacancy_id").alias("rank"))
    return ordered.select(pl.col(name).cast(dtype) for name, dtype in MATCH_SCHEMA.items())


def _summary(rows: pl.DataFrame, vacancies: pl.DataFrame, options: MatchOptions) -> MatchSummary:
    """The partitions' counts summed; ``vacancies`` counted here (a partition may have none to score)."""
    counts = rows.filter(pl.col(_KIND) == "count").group_by(_KEY).agg(pl.col(_N).sum())
    total = dict(zip(counts[_KEY].to_list(), counts[_N].to_list(), strict=True))
    summary = MatchSummary(as_of=options.as_of)
    summary.vacancies = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null()).height
    for name in ("postings", "candidate_pairs", "core_pairs", "compared_pairs", "scored_pairs"):
        setattr(summary, name, int(total.pop(name, 0)))
    excluded = {key.removeprefix("excluded:"): int(n) for key, n in total.items()}
    order = {reason: i for i, reason in enumerate(EXCLUDED_ORDER)}
    summary.excluded = dict(
        sorted(excluded.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
    )
    left_out = rows.filter(pl.col(_KIND) == "left_out")
    if left_out.height:
        summary.left_out = (
            left_out.group_by("scenario_id", "vacancy_id")
            .agg(pl.col(_N).sum().alias("n"))
            .with_columns(pl.lit("another level").alias("reason"))
            .select(pl.col(name).cast(dtype) for name, dtype in LEFT_OUT_SCHEMA.items())
            .sort("scenario_id", "vacancy_id")
        )
    else:
        summary.left_out = pl.DataFrame(schema=LEFT_OUT_SCHEMA)
    return summary
