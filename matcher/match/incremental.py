"""Incremental match: score only the pairs a run's new or changed postings and vacancies make, keep the
rest from earlier runs, and publish the same ``matches.parquet`` and ``left_out.parquet`` a rebuild would.

State (``matches/scored/``, written by this module only, under the lake's lock):

- ``run-*/part-b<bucket>-*.parquet``: the pairs one run scored whose score reached the floor on that
  run's as-of day and whose levels ``level_policy`` admits, with their components, the posting's
  ``date_posted`` and both levels (``_vl``, ``_pl``), the sequence numbers of the runs that last scored
  its posting and its vacancy (``_pv``, ``_vv``) and the posting's and vacancy's numbers (``_pn``, ``_vn``:
  ranking looks their places up by these); ``run-*/other-b<bucket>-*.parquet``: those of the other
  levels, which are only counted (``left_out.parquet``), with the last as-of day their score reaches the
  floor (``_last``, ``OTHER_SCHEMA``);
- ``postings-<run>.parquet`` (posting_id, _ph, _pv, _pn) and ``vacancies-<run>.parquet`` (scenario_id,
  vacancy_id, _vh, _vv, _vn): the eligible postings and open vacancies, the hash of the columns the match
  stage reads of each (``_ph``, ``_vh``: a posting whose hash moved is a changed one), its sequence number
  and its number (one per version);
- ``state.json``: the current run folders, the as-of day, the last sequence number, the next numbers,
  the layout (``LAYOUT``) and a fingerprint of what scores depend on besides the rows (the options but
  ``as_of``, the word weights' count, the match code and layout, Polars' version). A run is incremental
  when the fingerprint and layout are unchanged, its as-of day is not earlier, and the word weights were
  not refit (``matcher.match.weights``); otherwise it rescores everything (``full``).

An incremental run scores (new or changed vacancies x every eligible posting) and (unchanged vacancies x
new or changed postings), writes them as one more run folder, then publishes: the kept rows are those whose
two sequence numbers are current (a changed, closed or gone vacancy or posting drops out), recency and the
score are computed again for the run's as-of day (``date_posted`` is kept: a pair's score only falls as
the day moves on, so a pair below the floor earlier cannot reach it later), the floor and the level policy
applied, then ranked. A full run does the same with one folder holding every pair, so both publish
identical tables. ``semantic_candidates`` (a cap on the nearest titles in meaning, off by default) makes
every run full. After ``SEGMENT_LIMIT`` run folders the kept rows are written back as one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from polars.io.plugins import register_io_source

from matcher.lake.files import atomic_file, write_json, write_parquet_atomic
from matcher.lake.layout import path as lake_path
from matcher.match import stage
from matcher.match.weights import WordWeights, lake_word_weights
from matcher.normalize.titles import LEVELS

SEGMENT_LIMIT = 8  # run folders kept before they are compacted into one
# vacancy buckets: contiguous ranges of the vacancy key (``state.json``'s ``bounds``), so a bucket's stored
# pairs are read, rescored and ranked alone and the buckets, in order, are the matches table in its order
BUCKETS = 32
MATCHES_ROW_GROUP = 1 << 18  # fixed: the matches file's bytes do not depend on how the buckets split it
OTHER_BATCH = 1 << 20  # pairs of the other levels held before their last days are found and written
# the clean vacancies' columns the match stage reads: a change elsewhere (the FX rate of the day, the
# band) does not rescore a vacancy
VACANCY_COLUMNS = (
    "scenario_id", "vacancy_id", "is_open", "title_core", "title_clean", "occupation_code",
    "title_confidence", "seniority", "seniority_source", "country_code", "admin1", "city", "skills",
    "work_type_name", "work_type_applies_to",
)  # fmt: skip
VACANCY_KEY = ["scenario_id", "vacancy_id"]
PAIR_SCHEMA: dict[str, Any] = {
    **{k: v for k, v in stage.MATCH_SCHEMA.items() if k not in ("rank", "age_days")},
    "date_posted": pl.Date,
    "_vl": pl.Int8,
    "_pl": pl.Int8,
    "_pv": pl.UInt32,
    "_vv": pl.UInt32,
    "_vn": pl.UInt32,
    "_pn": pl.UInt32,
}
# the pairs of a level the policy does not admit are only counted (``left_out.parquet``): they are stored
# apart (``other-b<bucket>-*.parquet``) with the columns their score on a later day needs, not the rest
OTHER_SCHEMA: dict[str, Any] = {
    c: PAIR_SCHEMA[c]
    for c in (
        "scenario_id", "vacancy_id", "posting_id", "_pv", "_vv", "_vn", "_pn",
    )
} | {"_last": pl.Date}  # fmt: skip
# the layout of the stored pairs and covered rows (in the fingerprint and ``state.json``): a lake of
# another layout is scored again in full, never read as this one; 2: vacancy and posting numbers, and the
# other levels' pairs stored with the last day they reach the floor (``_last``) instead of their components;
# 3: the versions no longer current kept with their numbers (``_pn``, ``_vn``), by which their stored pairs
# are dropped (the other levels' pairs carry ``_pn`` too)
LAYOUT = 3
# what an other level's pair is written with: its columns and what its last day is found from
OTHER_NEEDS = (
    *(c for c in OTHER_SCHEMA if c != "_last"), "title", "seniority", "geography", "skills", "date_posted",
)  # fmt: skip
# what the ranking never reads: a pair's vacancy is its number (``_vn``), its key strings are put back
KEY_STRINGS = ("scenario_id", "vacancy_id")
CODE_FILES = ("stage.py", "titles.py", "semantic.py", "weights.py", "incremental.py")


class _Steps:
    """Seconds per step, in order (``MatchSummary.timings``)."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps[step] = round(now - self._last, 3)
        self._last = now


def _row_hash(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.Series:
    """One UInt64 per row over ``columns`` (those ``frame`` has): half the CPU of hashing them as a struct
    (0.14 against 0.29 CPU-s for the 17 columns of 1M clean postings)."""
    return frame.select(c for c in columns if c in frame.columns).hash_rows(seed=0)


def _level(column: str) -> pl.Expr:
    level = {name: i for i, name in enumerate(LEVELS)}
    return pl.col(column).replace_strict(level, default=None, return_dtype=pl.Int8)


def _vacancy_key() -> pl.Expr:
    """One string that sorts as (scenario_id, vacancy_id) does ("\\x00" sorts before every character)."""
    return pl.concat_str([pl.col("scenario_id"), pl.lit("\x00"), pl.col("vacancy_id")])


def bucket_bounds(vacancies: pl.DataFrame, buckets: int | None = None) -> list[str]:
    """The vacancy keys that start buckets 1.. (bucket 0 is every key before the first): ``buckets``
    (default ``BUCKETS``) ranges of about as many vacancies each. 4 vacancies in 2 buckets -> the 3rd
    one's key."""
    buckets = buckets or BUCKETS
    keys = vacancies.select(_vacancy_key().alias("k")).unique().sort("k")["k"]
    if keys.len() < 2:
        return []
    picks = sorted({keys[i * keys.len() // buckets] for i in range(1, buckets)})
    return [k for k in picks if k != keys[0]]


def _bucket_of(frame: pl.DataFrame, bounds: list[str]) -> pl.Series:
    """Each row's bucket (UInt32): how many of ``bounds`` its vacancy key is at or after."""
    keys = frame.select(_vacancy_key().alias("k"))["k"]
    if not bounds:
        return pl.Series("_b", [0] * frame.height, dtype=pl.UInt32)
    return pl.Series("_b", bounds, dtype=pl.String).search_sorted(keys, side="right").cast(pl.UInt32)


def fingerprint(options: stage.MatchOptions, weights: WordWeights) -> str:
    """What every stored score depends on besides its two rows and the as-of day."""
    fields = dataclasses.asdict(options)
    fields.pop("as_of")  # level_policy stays: the stored pairs are split by it
    code = hashlib.sha256()
    for name in CODE_FILES:
        code.update((Path(stage.__file__).parent / name).read_bytes())
    text = json.dumps(
        {
            "options": fields,
            "word_postings": weights.postings,
            "polars": pl.__version__,
            "code": code.hexdigest(),
            "layout": LAYOUT,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _read_state(folder: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    files = [folder / state.get("postings", "-"), folder / state.get("vacancies", "-")]
    files += [folder / name for name in (state.get("stale_postings"), state.get("stale_vacancies")) if name]
    if not all(f.is_file() for f in files) or not all(
        (folder / s).is_dir() for s in state.get("segments", [])
    ):
        return None
    return state


def match_lake_incremental(
    lake: Path, options: stage.MatchOptions, *, full: bool = False, run: str | None = None
) -> stage.MatchSummary:
    """``match_lake``'s work: score what changed since the last run (all of it when ``full`` or when the
    state cannot be used), then publish the matches and the left-out counts."""
    started = time.perf_counter()
    clock = _Steps()
    as_of = options.as_of or date.today()
    options = dataclasses.replace(options, as_of=as_of)
    if options.level_policy not in stage.LEVEL_POLICIES:
        raise ValueError(
            f"level_policy: got {options.level_policy!r}, expected one of {stage.LEVEL_POLICIES}"
        )
    scan = pl.scan_parquet(lake_path(lake, "clean_postings"))
    present = scan.collect_schema().names()
    postings = scan.select(c for c in stage.POSTING_COLUMNS if c in present).collect()
    vacancies = pl.read_parquet(lake_path(lake, "clean_vacancies"))
    summary = stage.MatchSummary(as_of=as_of)
    clock.lap("read clean tables")
    eligible = stage._eligible_postings(postings, options, summary, as_of)
    del postings
    weights = lake_word_weights(lake, eligible)
    eligible = eligible.with_columns(_row_hash(eligible, stage.POSTING_COLUMNS).alias("_ph"))
    open_vacancies = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null())
    open_vacancies = open_vacancies.with_columns(_row_hash(open_vacancies, VACANCY_COLUMNS).alias("_vh"))
    summary.vacancies, summary.postings = open_vacancies.height, eligible.height
    clock.lap("eligible rows, word weights, hashes")

    folder = lake_path(lake, "match_state").parent
    folder.mkdir(parents=True, exist_ok=True)
    state = _read_state(folder)
    stamp = fingerprint(options, weights)
    usable = (
        not full
        # a cap on the nearest titles in meaning per vacancy title depends on every posting title: no
        # increment can honour it
        and options.semantic_candidates is None
        and state is not None
        and state.get("fingerprint") == stamp
        and not weights.refreshed
        and date.fromisoformat(state["as_of"]) <= as_of
        and isinstance(state.get("bounds"), list)
        and state.get("layout") == LAYOUT
    )
    _sweep(folder, state if usable else None)
    # each posting and vacancy carries the sequence number of the run that last scored it (``_pv``,
    # ``_vv``); a stored pair counts while both of its numbers are current, so a pair is never kept twice
    # (even for a row that changed and then changed back)
    sequence = int(state.get("sequence", 0)) + 1 if usable and state is not None else 1
    stale_posts = pl.DataFrame(schema={"posting_id": pl.String, "_pv": pl.UInt32, "_pn": pl.UInt32})
    stale_vacs = pl.DataFrame(
        schema={"scenario_id": pl.String, "vacancy_id": pl.String, "_vv": pl.UInt32, "_vn": pl.UInt32}
    )
    numbers = {"_pn": 0, "_vn": 0}  # the next posting and vacancy numbers
    if usable:
        assert state is not None
        bounds = [str(b) for b in state["bounds"]]
        segments = list(state["segments"])
        numbers = {k: int(state["numbers"][k]) for k in numbers}
        old_posts = pl.read_parquet(folder / state["postings"])
        old_vacs = pl.read_parquet(folder / state["vacancies"])
        if state.get("stale_postings"):
            stale_posts = pl.read_parquet(folder / state["stale_postings"])
        if state.get("stale_vacancies"):
            stale_vacs = pl.read_parquet(folder / state["stale_vacancies"])
        eligible = _covered(eligible, old_posts)
        open_vacancies = open_vacancies.join(
            old_vacs, on=[*VACANCY_KEY, "_vh"], how="left", maintain_order="left"
        )
        summary.mode = "incremental"
    else:
        bounds = bucket_bounds(open_vacancies)
        segments = []
        eligible = eligible.with_columns(
            pl.lit(None, pl.UInt32).alias("_pv"), pl.lit(None, pl.UInt32).alias("_pn")
        )
        open_vacancies = open_vacancies.with_columns(
            pl.lit(None, pl.UInt32).alias("_vv"), pl.lit(None, pl.UInt32).alias("_vn")
        )
        summary.mode = "full"
    # each new posting and vacancy version gets the next number (``_pn``, ``_vn``): the ranking orders
    # pairs by integers looked up by these, not by the key strings
    eligible = _number(eligible, "_pn", numbers).with_columns(
        pl.col("_pv").fill_null(sequence).cast(pl.UInt32)
    )
    open_vacancies = _number(open_vacancies, "_vn", numbers).with_columns(
        pl.col("_vv").fill_null(sequence).cast(pl.UInt32)
    )
    new_posts = eligible.filter(pl.col("_pv") == sequence)
    new_vacs = open_vacancies.filter(pl.col("_vv") == sequence)
    kept_vacs = open_vacancies.filter(pl.col("_vv") != sequence)
    jobs = [(new_vacs, eligible), (kept_vacs, new_posts)]
    summary.rescored_postings, summary.rescored_vacancies = new_posts.height, new_vacs.height
    post_ids = eligible.select("posting_id", "_ph", "_pv", "_pn")
    vac_ids = open_vacancies.select(*VACANCY_KEY, "_vh", "_vv", "_vn")
    # the versions no longer current (changed, closed, gone): their stored pairs are dropped; when every
    # covered posting is still current as it was (the daily case: postings only added), there are none
    if usable and eligible.height - new_posts.height < old_posts.height:
        stale_posts = pl.concat(
            [
                stale_posts,
                old_posts.select("posting_id", "_pv", "_pn").join(
                    post_ids, on=["posting_id", "_pv"], how="anti"
                ),
            ]
        )
    if usable and open_vacancies.height - new_vacs.height < old_vacs.height:
        stale_vacs = pl.concat(
            [
                stale_vacs,
                old_vacs.select(*VACANCY_KEY, "_vv", "_vn").join(vac_ids, on=["_vn", "_vv"], how="anti"),
            ]
        )
    clock.lap("what changed")

    run = run or f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{time.perf_counter_ns() % 10**6:06d}"
    segment = f"run-{run}"
    _score(lake, folder / segment, jobs, options, weights, summary, bounds)
    if (folder / segment).is_dir():
        segments.append(segment)
    clock.lap("score")

    # the kept rows as one folder when there are many: later runs read one
    compacted = f"run-{run}-compacted" if len(segments) > SEGMENT_LIMIT else None
    publish = _Publish(folder, segments, bounds, stale_posts, stale_vacs, options, compacted)
    publish.order(post_ids, vac_ids)
    with atomic_file(lake_path(lake, "matches")) as temp, atomic_file(lake_path(lake, "left_out")) as side:
        publish.write(temp, side, summary)
        clock.lap("publish: kept pairs rescored for the day, ranked, written per bucket")
        if compacted is not None:
            segments = [compacted]
            stale_posts, stale_vacs = stale_posts.clear(), stale_vacs.clear()
        _commit(
            folder, run, segments, bounds, stamp, as_of, sequence, numbers, post_ids, vac_ids, stale_posts,
            stale_vacs,
        )  # fmt: skip
        clock.lap("state")
    summary.timings = clock.steps
    summary.seconds = time.perf_counter() - started
    summary.path = lake_path(lake, "matches")
    return summary


def _covered(eligible: pl.DataFrame, old: pl.DataFrame) -> pl.DataFrame:
    """``eligible`` with the sequence and posting numbers (``_pv``, ``_pn``; null: not covered) of the
    covered postings ``old`` whose (posting_id, ``_ph``) it has. The daily case, the covered postings as
    they were and in the same order followed by the new day's, takes them by position (a comparison of
    the ids and hashes) instead of a join of a million strings."""
    n = old.height
    key = ["posting_id", "_ph"]
    if eligible.height >= n and eligible.head(n).select(key).equals(old.select(key)):
        carried = old.select("_pv", "_pn").extend(
            pl.DataFrame(schema={"_pv": pl.UInt32, "_pn": pl.UInt32}).clear(eligible.height - n)
        )
        return eligible.hstack(carried)
    return eligible.join(old.select(*key, "_pv", "_pn"), on=key, how="left", maintain_order="left")


def last_day(pairs: pl.DataFrame, options: stage.MatchOptions) -> pl.Series:
    """The last as-of day on which each pair's score (from its components and ``date_posted``) reaches
    ``options.floor`` (Date; null: every day, as when the posting has no date or its score at recency 0
    reaches it; the day before ``options.as_of`` when it does not reach it then). The score only falls as
    the posting ages, so the pair counts on a day exactly when that day is not after this one.

    Title 50, no level, geography 70, no skills, posted 2026-10-01, floor 55, the default weights and 365
    recency days: the score is (0.45 * 50 + 0.2 * 70 + 0.05 * recency) / 0.7, at or above 55 while the
    recency is at least 40: 219 days old (recency 40.00, score 55.00; 220 days: 39.73, 54.98), 2027-05-08.

    The day is a guess (the score as a straight line of the recency) checked exactly (the score reaches
    the floor at the guessed age, not one day later); a guess the rounding moved is bisected."""
    assert options.as_of is not None
    horizon = int(options.recency_days)  # from this age on the recency is 0: the score stops falling

    def reaches(age: pl.Expr) -> pl.Expr:
        score = stage.composite_score(options, stage.recency_at(age.cast(pl.Int64), options))
        return (score >= options.floor).fill_null(False)

    low, high = pl.col("_low"), pl.col("_high")
    needed = (options.floor - low) / (high - low)  # the share of full recency the floor needs
    guess = (horizon * (1 - needed)).floor().fill_nan(None).clip(pl.col("_age0"), horizon - 1)
    frame = (
        pairs.lazy()
        .select("title", "seniority", "geography", "skills", "date_posted")
        .with_columns(
            (pl.lit(options.as_of) - pl.col("date_posted"))
            .dt.total_days()
            .clip(lower_bound=0)
            .alias("_age0"),
            stage.composite_score(options, pl.lit(0.0)).alias("_low"),
            stage.composite_score(options, pl.lit(100.0)).alias("_high"),
        )
        .with_columns(
            guess.cast(pl.Int64, strict=False).fill_null(pl.col("_age0")).alias("_g"),
            (low >= options.floor).fill_null(False).alias("_always"),
            reaches(pl.col("_age0")).alias("_now"),
        )
        .with_columns((reaches(pl.col("_g")) & ~reaches(pl.col("_g") + 1)).alias("_checked"))
        .with_row_index("_i")
        .collect()
    )
    # bisect the rest on (lo, hi]: the score reaches the floor at age lo, not at hi (recency 0 does not)
    lo, hi = pl.col("_lo"), pl.col("_hi")
    search = frame.filter(~pl.col("_checked") & ~pl.col("_always") & pl.col("_now")).with_columns(
        pl.col("_age0").alias("_lo"), pl.lit(horizon, pl.Int64).alias("_hi")
    )
    while search.height and bool(search.select((hi - lo > 1).any()).item()):
        mid = (lo + hi) // 2
        ok = search.select(reaches(mid)).to_series()
        search = search.with_columns(
            pl.when(ok).then(mid).otherwise(lo).alias("_lo"), pl.when(ok).then(hi).otherwise(mid).alias("_hi")
        )
    frame = frame.join(search.select("_i", "_lo"), on="_i", how="left", maintain_order="left")
    age = pl.coalesce(pl.when(pl.col("_checked")).then(pl.col("_g")), pl.col("_lo"))
    day = pl.col("date_posted") + pl.duration(days=age)
    return frame.select(
        pl.when(pl.col("_always"))
        .then(None)
        .when(~pl.col("_now"))
        .then(pl.lit(options.as_of) - pl.duration(days=1))
        .otherwise(day)
        .cast(pl.Date)
        .alias("_last")
    ).to_series()


def _number(frame: pl.DataFrame, column: str, numbers: dict[str, int]) -> pl.DataFrame:
    """``frame`` with its rows that have no ``column`` numbered from ``numbers[column]`` on (in row order),
    and ``numbers[column]`` moved past them."""
    fresh = pl.col(column).is_null()
    start = numbers[column]
    numbered = frame.with_columns(
        pl.when(fresh)
        .then(fresh.cast(pl.Int64).cum_sum() - 1 + start)
        .otherwise(pl.col(column))
        .cast(pl.UInt32)
        .alias(column)
    )
    numbers[column] = start + int(frame.select(fresh.sum()).item())
    return numbered


def _score(
    lake: Path,
    into: Path,
    jobs: list[tuple[pl.DataFrame, pl.DataFrame]],
    options: stage.MatchOptions,
    weights: WordWeights,
    summary: stage.MatchSummary,
    bounds: list[str],
) -> None:
    """Score each (vacancies, postings) job at every level into ``into``'s parts, one vacancy bucket each:
    ``part-b<bucket>-<n>.parquet`` (the levels ``level_policy`` admits: PAIR_SCHEMA, with the rows'
    sequence numbers, levels and posting dates) and ``other-b<bucket>-<n>.parquet`` (the other levels,
    only counted when publishing: OTHER_SCHEMA)."""
    from matcher.match.semantic import TitleVectorCache

    scoring = dataclasses.replace(options, level_policy="any")
    admitted = stage._level_admits(options.level_policy)
    parts: list[Path] = []
    pending: list[pl.DataFrame] = []  # pairs of the other levels, their last days found in one pass
    pending_rows = [0]

    def write(kind: str, bucket: int, some: pl.DataFrame) -> None:
        schema = PAIR_SCHEMA if kind == "part" else OTHER_SCHEMA
        parts.append(into / f"{kind}-b{bucket:03d}-{len(parts):06d}.parquet")
        some.select(pl.col(c).cast(t) for c, t in schema.items()).write_parquet(parts[-1])

    def flush_other() -> None:
        """The pending pairs of the other levels with their last days (one ``last_day`` for them all: its
        cost is mostly per call), one part per bucket."""
        if not pending:
            return
        other = pl.concat(pending, how="vertical_relaxed")
        pending.clear()
        pending_rows[0] = 0
        other = other.with_columns(last_day(other, options).alias("_last"))
        for (bucket,), part in other.partition_by("_b", as_dict=True, maintain_order=True).items():
            write("other", bucket, part)

    for vacs, posts in jobs:
        if not vacs.height or not posts.height:
            continue
        p_side = posts.select("posting_id", "_pv", "_pn", _level("seniority").alias("_pl"), "date_posted")
        v_side = vacs.select(*VACANCY_KEY, "_vv", "_vn", _level("seniority").alias("_vl")).with_columns(
            _bucket_of(vacs, bounds)
        )

        def write_part(
            batch: pl.DataFrame, p_side: pl.DataFrame = p_side, v_side: pl.DataFrame = v_side
        ) -> None:
            # in the batch's order (whole vacancies in key order, each ranked on the day it is scored): the
            # order publishing sorts into, so the stored pairs come back nearly sorted
            rows = batch.join(p_side, on="posting_id", maintain_order="left").join(
                v_side, on=VACANCY_KEY, maintain_order="left"
            )
            into.mkdir(parents=True, exist_ok=True)
            admits = rows.with_columns(admitted.alias("_a"))["_a"]
            # a batch is whole vacancies in key order: one or two buckets
            for (bucket,), part in (
                rows.filter(admits).partition_by("_b", as_dict=True, maintain_order=True).items()
            ):
                write("part", bucket, part)
            other = rows.filter(~admits).select(*OTHER_NEEDS, "_b")
            if other.height:
                pending.append(other)
                pending_rows[0] += other.height
                if pending_rows[0] >= OTHER_BATCH:
                    flush_other()

        _, scored = stage.match_frames(
            vacs.drop("_vh", "_vv", "_vn"),
            posts.drop("_ph", "_pv", "_pn"),
            scoring,
            vector_cache=TitleVectorCache.in_lake(lake),
            sink=write_part,
            word_weights=weights,
        )
        flush_other()

        summary.candidate_pairs += scored.candidate_pairs
        summary.core_pairs += scored.core_pairs
        summary.compared_pairs += scored.compared_pairs
        summary.scored_pairs += scored.scored_pairs
        for reason in ("work type does not fit", "another country"):
            if reason in scored.excluded:
                summary.excluded[reason] = summary.excluded.get(reason, 0) + scored.excluded[reason]


def places(
    matches: pl.DataFrame, postings: pl.DataFrame | None = None, vacancies: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``matches`` with ``_vr``, each row's vacancy's place in key order, and ``_pr``, its posting id's place
    in posting id order, both UInt32; the vacancy keys in that order): what ``_rank`` sorts on. The places
    come from the strings here; ``_Publish`` looks them up by the pairs' numbers instead."""
    keys = matches.select(VACANCY_KEY).unique().sort(VACANCY_KEY).with_row_index("_vr")
    placed = matches.join(keys, on=VACANCY_KEY, how="left", maintain_order="left").with_columns(
        pl.col("posting_id").rank("dense").cast(pl.UInt32).alias("_pr")
    )
    return placed, keys.drop("_vr")


def _rank(matches: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Each vacancy's matches ranked (score descending, then posting_id), in MATCH_SCHEMA and (scenario_id,
    vacancy_id, rank) order. ``matches`` carries ``_vr`` (the row of ``keys``, the vacancy keys in order)
    and ``_pr`` (the posting id's place in posting id order), and need not carry the key strings: they are
    put back from ``keys`` once the rows are in order. The order is one UInt64 per row: (``_vr``,
    100.00 - score in hundredths, ``_pr``), so one numeric sort replaces a sort on strings; scores that two
    hundredths cannot tell apart, or outside [0, 100], are sorted on the three columns."""
    if not matches.height:
        return pl.DataFrame(schema=stage.MATCH_SCHEMA)
    score = pl.col("score")
    hundredths = (score * 100).round()
    exact = matches.select(
        # every score the rounding of its hundredths: the score is a function of the hundredths, which
        # are monotone in the score (Polars' round(2) is not always hundredths / 100 to the last bit)
        (score.is_not_null() & (score >= 0) & (score <= 100) & ((hundredths / 100).round(2) == score)).all()
    ).item()
    matches = matches.select(*(c for c in stage.MATCH_SCHEMA if c in matches.columns), "_vr", "_pr")
    if exact and keys.height < 1 << 18:
        order: pl.Expr | list[str] = (
            pl.col("_vr").cast(pl.UInt64) * 10001 + (10000 - hundredths.cast(pl.UInt64))
        ) * (1 << 32) + pl.col("_pr").cast(pl.UInt64)
        ranked = matches.sort(order)
    else:
        ranked = matches.sort(["_vr", "score", "_pr"], descending=[False, True, False])
    vacancy = keys.select(VACANCY_KEY).to_dict()
    return ranked.with_columns(
        *(vacancy[k].gather(ranked["_vr"]).alias(k) for k in VACANCY_KEY),
        pl.int_range(1, pl.len() + 1).over("_vr").alias("rank"),
    ).select(pl.col(n).cast(t) for n, t in stage.MATCH_SCHEMA.items())


def _places_by_number(numbers: pl.Series) -> pl.Series:
    """The place of each number in ``numbers`` (distinct, UInt32), indexed by the number: [2, 0] -> [1,
    <any>, 0]; a number not in ``numbers`` maps to 0 (no current pair carries one)."""
    if not numbers.len():
        return pl.Series(dtype=pl.UInt32)
    size = int(numbers.cast(pl.Int64).max() or 0) + 1  # type: ignore[arg-type]
    lookup = pl.Series(values=[0], dtype=pl.UInt32).extend_constant(0, size - 1)
    return lookup.scatter(numbers, pl.Series(values=range(numbers.len()), dtype=pl.UInt32))


class _Publish:
    """The matches and left-out tables from the stored pairs, one vacancy bucket at a time: a bucket's pairs
    of current postings and vacancies are read, rescored for the as-of day, cut at the floor, split by the
    level policy, ranked and handed to the Parquet writer before the next bucket is read, so what is held
    at once is one bucket's pairs, however many matches there are. With ``compacted``, each bucket's kept
    pairs are also written to that folder (the stored pairs as one run folder).

    Every stored pair was current when it was scored, so those of the versions that since stopped being
    current (``stale_*``, few) are the ones dropped."""

    def __init__(
        self,
        folder: Path,
        segments: list[str],
        bounds: list[str],
        stale_posts: pl.DataFrame,
        stale_vacs: pl.DataFrame,
        options: stage.MatchOptions,
        compacted: str | None,
    ) -> None:
        assert options.as_of is not None
        self.folder, self.segments, self.buckets = folder, segments, len(bounds) + 1
        self.stale_posts, self.stale_vacs = stale_posts, stale_vacs
        self.options, self.as_of, self.compacted = options, options.as_of, compacted
        if compacted is not None:
            (folder / compacted).mkdir(exist_ok=True)
        self.other_level: list[pl.DataFrame] = []
        self.matches = 0
        self.vacancies = pl.DataFrame(schema={**dict.fromkeys(VACANCY_KEY, pl.String), "_vn": pl.UInt32})
        self.keys = self.vacancies.select(VACANCY_KEY)
        self.vacancy_place = self.posting_place = pl.Series(dtype=pl.UInt32)

    def order(self, postings: pl.DataFrame, vacancies: pl.DataFrame) -> None:
        """Take the current postings (posting_id, ``_pn``) and open vacancies (the key, ``_vn``): each
        number's place in posting id order and in key order, looked up by the pairs' numbers when ranking
        (one sort of the postings' ids per run instead of one per bucket)."""
        self.vacancies = vacancies.select(*VACANCY_KEY, "_vn").sort(VACANCY_KEY)
        self.keys = self.vacancies.select(VACANCY_KEY)
        self.vacancy_place = _places_by_number(self.vacancies["_vn"])
        self.posting_place = _places_by_number(postings["_pn"].gather(postings["posting_id"].arg_sort()))

    def pairs(self, bucket: int, kind: str = "part") -> pl.LazyFrame:
        """The bucket's stored pairs (``kind`` part: of the levels the policy admits, in PAIR_SCHEMA with the
        day's ``score`` and ``recency``; other: of the other levels, in OTHER_SCHEMA) of current postings and
        vacancies whose score, on the as-of day, reaches the floor."""
        schema = PAIR_SCHEMA if kind == "part" else OTHER_SCHEMA
        parts = [
            p
            for s in self.segments
            for p in sorted((self.folder / s).glob(f"{kind}-b{bucket:03d}-*.parquet"))
        ]
        if not parts:
            return pl.LazyFrame(schema=schema)
        _, recency = stage._recency(self.options, self.as_of)
        frame = pl.scan_parquet(parts, schema=schema)
        # a version's number is its own (a changed row is numbered anew): its pairs are dropped by number, not
        # by a join on the posting id strings (0.3 s over 7M pairs)
        if self.stale_posts.height:
            frame = frame.filter(~pl.col("_pn").is_in(self.stale_posts["_pn"].implode()))
        if self.stale_vacs.height:
            frame = frame.filter(~pl.col("_vn").is_in(self.stale_vacs["_vn"].implode()))
        if kind == "other":  # counted while the day is not after the last one they reach the floor
            return frame.filter(pl.col("_last").is_null() | (pl.col("_last") >= self.as_of))
        frame = frame.with_columns(recency.alias("recency")).with_columns(stage.composite_score(self.options))
        return frame.filter(pl.col("score") >= self.options.floor)

    def ranked(self) -> Iterator[pl.DataFrame]:
        """Each bucket's admitted matches, ranked per vacancy as ``match_frames`` ranks them, in
        MATCH_SCHEMA and (scenario_id, vacancy_id, rank) order; the other levels counted per vacancy."""
        age, _ = stage._recency(self.options, self.as_of)
        for bucket in range(self.buckets):
            pairs, others = self.pairs(bucket), self.pairs(bucket, "other")
            if self.compacted is not None:
                for kind, lazy in (("part", pairs), ("other", others)):
                    kept = lazy.collect()
                    if kept.height:
                        kept.write_parquet(
                            self.folder / self.compacted / f"{kind}-b{bucket:03d}-000000.parquet"
                        )
                    if kind == "part":
                        pairs = kept.lazy()
                    else:
                        others = kept.lazy()
            counted = others.group_by("_vn").agg(pl.len().alias("n"))
            # what ranking and the matches table read: not the key strings, the levels or the sequence numbers
            needed = [c for c in (*stage.MATCH_SCHEMA, "date_posted", "_vn", "_pn") if c in PAIR_SCHEMA]
            admitted_pairs, other = pl.collect_all(
                [pairs.select(c for c in needed if c not in KEY_STRINGS), counted]
            )
            self.other_level.append(other)
            admitted_pairs = admitted_pairs.with_columns(
                age.alias("age_days"),
                self.vacancy_place.gather(admitted_pairs["_vn"]).alias("_vr"),
                self.posting_place.gather(admitted_pairs["_pn"]).alias("_pr"),
            )
            matches = _rank(admitted_pairs, self.keys)
            del pairs, admitted_pairs
            self.matches += matches.height
            if matches.height:
                yield matches

    def write(self, matches_file: Path, left_out_file: Path, summary: stage.MatchSummary) -> None:
        """``matches_file`` (the admitted levels, ranked; the as-of day in its metadata) streamed bucket by
        bucket, then ``left_out_file`` (per vacancy, the matches of another level)."""

        def source(
            with_columns: list[str] | None, predicate: Any, n_rows: int | None, batch_size: int | None
        ) -> Iterator[pl.DataFrame]:
            for frame in self.ranked():
                yield frame if with_columns is None else frame.select(with_columns)

        stream = register_io_source(io_source=source, schema=stage.MATCH_SCHEMA)
        # a fixed row-group size: the file's bytes depend on its rows only, not on how buckets cut them
        # (incremental and full runs may bucket differently); zstd level 1: a third less time than the
        # default level on 7M matches, the file 10% larger
        stream.sink_parquet(
            matches_file,
            metadata={stage.AS_OF_KEY: self.as_of.isoformat()},
            compression="zstd",
            compression_level=1,
            row_group_size=MATCHES_ROW_GROUP,
            maintain_order=True,
            engine="streaming",
        )
        summary.matches = self.matches
        other = pl.concat(self.other_level) if self.other_level else pl.DataFrame()
        if other.height:
            other = (
                other.group_by("_vn")
                .agg(pl.col("n").sum().cast(pl.Int64))
                .join(self.vacancies, on="_vn")
                .select(*VACANCY_KEY, "n")
            )
            summary.excluded["another level"] = int(other["n"].sum())
        else:
            other = pl.DataFrame(schema={"scenario_id": pl.String, "vacancy_id": pl.String, "n": pl.Int64})
        summary.left_out = (
            other.with_columns(pl.lit("another level").alias("reason"))
            .select("scenario_id", "vacancy_id", "reason", "n")
            .sort(VACANCY_KEY)
        )
        summary.left_out.write_parquet(left_out_file)


def _commit(
    folder: Path,
    run: str,
    segments: list[str],
    bounds: list[str],
    stamp: str,
    as_of: date,
    sequence: int,
    numbers: dict[str, int],
    post_ids: pl.DataFrame,
    vac_ids: pl.DataFrame,
    stale_posts: pl.DataFrame,
    stale_vacs: pl.DataFrame,
) -> None:
    """Write the covered postings and vacancies (and the versions no longer current), then ``state.json``
    naming them (the commit point), then remove what it no longer names."""
    postings, vacancies = f"postings-{run}.parquet", f"vacancies-{run}.parquet"
    write_parquet_atomic(post_ids, folder / postings)
    write_parquet_atomic(vac_ids, folder / vacancies)
    stale = {}
    for key, frame in (("stale_postings", stale_posts), ("stale_vacancies", stale_vacs)):
        if frame.height:
            stale[key] = f"{key.replace('_', '-')}-{run}.parquet"
            write_parquet_atomic(frame, folder / stale[key])
    state = {
        "fingerprint": stamp,
        "layout": LAYOUT,
        "as_of": as_of.isoformat(),
        "sequence": sequence,
        "numbers": numbers,
        "segments": segments,
        "bounds": bounds,
        "postings": postings,
        "vacancies": vacancies,
        **stale,
    }
    write_json(folder / "state.json", state)
    _sweep(folder, state)


def _sweep(folder: Path, state: dict[str, Any] | None) -> None:
    """Remove the run folders and covered-rows files ``state`` does not name (all of them for None):
    what a killed run or a superseded state left."""
    named = set()
    if state is not None:
        named = {*state["segments"], state["postings"], state["vacancies"]}
        named |= {state[k] for k in ("stale_postings", "stale_vacancies") if state.get(k)}
    for entry in folder.iterdir():
        if entry.name == "state.json" or entry.name in named:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
