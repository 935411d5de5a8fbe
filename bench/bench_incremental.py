"""Incremental runs against ``--full``, side by side in one invocation (issue 16).

Workload: a lake of ``MATCHER_BENCH_INCREMENTAL_POSTINGS`` synthetic raw postings (``bench/synthetic.py``,
default 1,000,000, the issue's acceptance figure) and 1,000 open vacancies (clean rows made from
1,000 of the clean postings: their titles, levels, occupations, places and skills). Set up untimed: the
whole lake normalized and matched as of 2026-11-01 (yesterday's run). Then 1% new raw postings land (another
seed, new ids, one new part), and the lake is copied twice (untimed).

The set-up lake is kept in ``MATCHER_BENCH_INCREMENTAL_KEEP`` (default
``bench/results/incremental-lake-<postings>``, ignored by git; "" keeps nothing) and reused by the next
invocation: the set-up takes about 7 minutes at 1,000,000 postings, 20 seconds when kept (yesterday's
normalize and match run again over it: nothing to do when its state is this version's, a rebuild when not).

Measured, each in a fresh child process (``python -m bench.bench_incremental --child``), as of 2026-11-02,
``MATCHER_BENCH_INCREMENTAL_PAIRS`` times (default 3) alternately (incremental, then full, each from a fresh
copy of the set-up lake), so a change of the machine's load falls on both; medians reported:

- incremental: ``normalize_lake`` (the new part only) then ``match_lake`` (the new postings against every
  open vacancy; the kept pairs rescored for the new day, ranked and written);
- full: the same two calls with ``full=True`` (every posting normalized and every pair scored again).

Per run: wall seconds, CPU seconds (``getrusage``: the process and its children) and peak RSS (VmHWM), per
stage; then each pair's ratio incremental / full and the ratio of the medians. Each pair's two
``matches.parquet`` are compared byte for byte.
The benchmark and report stages are not part of it: they run in full either way (about as long as they do
today, they read the matches and clean tables).

Then the publish step alone (issue 15), on the incremental run's lake as of 2026-11-02 (its stored pairs of
the admitted levels: 6.9 million at 1,000,000 postings; those of other levels are stored apart and only
counted): ``incremental._Publish`` (one vacancy bucket read, rescored, ranked and streamed into
``matches.parquet`` at a time) beside the publish of 8d03006 (every stored pair collected, then sorted and
written in memory; copied here as ``_publish_in_memory``, reading the admitted levels' parts, so it writes
the same matches but not the left-out counts), each in a fresh process, ``PUBLISH_REPEATS`` times
alternately (0: not run): medians of wall and CPU seconds, peak RSS (VmHWM) and the
RSS before publishing (imports, the state read). Both write the same bytes.

    uv run python -m bench.bench_incremental
    MATCHER_BENCH_INCREMENTAL_POSTINGS=100000 MATCHER_BENCH_INCREMENTAL_PAIRS=1 \
        uv run python -m bench.bench_incremental
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from bench.synthetic import matched_lake, synthetic_postings

POSTINGS = int(os.environ.get("MATCHER_BENCH_INCREMENTAL_POSTINGS", "1000000"))
VACANCIES = 1_000
NEW_SHARE = 0.01
# a folder to keep the set-up lake in (and reuse when it is there): the set-up takes 7 minutes at 1,000,000;
# default bench/results/incremental-lake-<postings> (ignored by git), "" keeps nothing
KEEP = os.environ.get(
    "MATCHER_BENCH_INCREMENTAL_KEEP",
    str(Path(__file__).resolve().parent / "results" / f"incremental-lake-{POSTINGS}"),
)
# pairs of runs (incremental, then full, each from a fresh copy of the set-up lake), medians reported
PAIRS = int(os.environ.get("MATCHER_BENCH_INCREMENTAL_PAIRS", "3"))
PUBLISH_REPEATS = int(os.environ.get("MATCHER_BENCH_PUBLISH_REPEATS", "3"))
YESTERDAY, TODAY = date(2026, 11, 1), date(2026, 11, 2)


def _vacancies(clean_postings: Path, n: int) -> pl.DataFrame:
    """``n`` open vacancies shaped like the clean vacancies table, from ``n`` clean postings with a title."""
    rows = (
        pl.read_parquet(clean_postings)
        .filter(pl.col("title_core").is_not_null() & pl.col("country_code").is_not_null())
        .sample(n, seed=3)
        .sort("posting_id")
    )
    return rows.select(
        pl.lit("").alias("scenario_id"),
        pl.format("v{}", pl.int_range(pl.len())).alias("vacancy_id"),
        pl.lit(True).alias("is_open"),
        "title_clean",
        "title_core",
        pl.col("seniority").fill_null("mid"),
        pl.lit("title").alias("seniority_source"),
        "occupation_code",
        "title_confidence",
        "country_code",
        "admin1",
        "city",
        "skills",
        pl.lit("Full-time").alias("work_type_name"),
        pl.lit("employee").alias("work_type_applies_to"),
    )


def _stages(lake: Path, full: bool, as_of: date) -> dict[str, Any]:
    """normalize then match in this process, each with wall, CPU and the process's peak RSS after it."""
    from matcher.match.stage import MatchOptions, match_lake
    from matcher.normalize.occupations import default_coder
    from matcher.normalize.stage import NormalizeOptions, normalize_lake

    default_coder()  # loaded from its cache: a one-off per process, not part of either stage
    out: dict[str, Any] = {}
    for name in ("normalize", "match"):
        before = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        if name == "normalize":
            summary: Any = normalize_lake(lake, NormalizeOptions(as_of=as_of), full=full)
            detail = {"mode": summary.mode, "postings_read": summary.new_postings}
        else:
            summary = match_lake(lake, MatchOptions(as_of=as_of), full=full)
            detail = {
                "mode": summary.mode,
                "postings_scored": summary.rescored_postings,
                "matches": summary.matches,
                "candidate_pairs": summary.candidate_pairs,
                "steps": summary.timings,
            }
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(
            getattr(after, k) - getattr(before, k) + getattr(kids, k) - getattr(children, k)
            for k in ("ru_utime", "ru_stime")
        )
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM")) / 1024
        out[name] = {"seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": peak, **detail}
    return out


def _child(lake: Path, full: bool, as_of: date) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_incremental",
            "--child",
            str(lake),
            str(int(full)),
            as_of.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _land_new_postings(lake: Path, n: int) -> None:
    """``n`` new raw postings (another seed, ids no posting has) as one more part, landed now."""
    frame = synthetic_postings(n, seed=8).with_columns(
        ("9" + pl.col("posting_id")).alias("posting_id"),
        pl.col("raw_json").str.replace(r'"id":"(\d+)"', '"id":"9$1"'),
        pl.lit(datetime(2026, 11, 2, tzinfo=UTC)).alias("ingested_at"),
    )
    frame.write_parquet(lake / "raw" / "floqer" / "postings" / "part-bench-000002.parquet")


def _set_up(base: Path) -> None:
    """Yesterday's lake: the raw postings, normalized and matched against the vacancies as of YESTERDAY."""
    matched_lake(base, POSTINGS, YESTERDAY, lambda postings: _vacancies(postings, VACANCIES))


def _rerun(base: Path) -> None:
    """Yesterday's normalize and match again, so that the kept lake is what a full run as of YESTERDAY
    leaves: nothing to do when their state is this version's; when the code reads some postings anew (a
    normalizer changed) the match is run again in full, so the lake carries no stale versions or extra
    segments that an unchanged set-up would not have (they cost the publish step: figures would not
    compare)."""
    from matcher.match.stage import MatchOptions, match_lake
    from matcher.normalize.stage import NormalizeOptions, normalize_lake

    normalize_lake(base, NormalizeOptions(as_of=YESTERDAY))
    matched = match_lake(base, MatchOptions(as_of=YESTERDAY))
    if matched.mode == "incremental" and (matched.rescored_postings or matched.rescored_vacancies):
        match_lake(base, MatchOptions(as_of=YESTERDAY), full=True)


def _status(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(x.split()[1]) for x in status if x.startswith(field)) / 1024


def _publish_in_memory(lake: Path, out: Path, side: Path) -> int:
    """The publish step of 8d03006 (the baseline): every current stored pair collected, then the admitted
    levels sorted, ranked and written as one frame."""
    from matcher.match import incremental, stage
    from matcher.match.stage import MatchOptions

    folder = lake / "matches" / "scored"
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    options = MatchOptions(as_of=TODAY)
    key = incremental.VACANCY_KEY
    parts = [p for s in state["segments"] for p in sorted((folder / s).glob("part-*.parquet"))]
    _, recency = stage._recency(options, TODAY)
    frame = pl.scan_parquet(parts, schema=incremental.PAIR_SCHEMA)
    if state.get("stale_postings"):
        frame = frame.join(
            pl.scan_parquet(folder / state["stale_postings"]), on=["posting_id", "_pv"], how="anti"
        )
    if state.get("stale_vacancies"):
        frame = frame.join(pl.scan_parquet(folder / state["stale_vacancies"]), on=[*key, "_vv"], how="anti")
    pairs = (
        frame.with_columns(recency.alias("recency"))
        .with_columns(stage.composite_score(options))
        .filter(pl.col("score") >= options.floor)
        .collect()
    )
    age, _ = stage._recency(options, TODAY)
    admitted = stage._level_admits(options.level_policy)
    other = pairs.filter(~admitted).group_by(key).agg(pl.len().cast(pl.Int64).alias("n"))
    matches = (
        pairs.filter(admitted)
        .with_columns(age.alias("age_days"))
        .sort([*key, "score", "posting_id"], descending=[False, False, True, False])
        .with_columns(pl.int_range(1, pl.len() + 1).over(key).alias("rank"))
        .select(pl.col(name).cast(dtype) for name, dtype in stage.MATCH_SCHEMA.items())
    )
    matches.write_parquet(
        out, metadata={stage.AS_OF_KEY: TODAY.isoformat()}, compression="zstd", compression_level=1
    )
    other.write_parquet(side)
    return matches.height


def _publish_bucketed(lake: Path, out: Path, side: Path) -> int:
    """``incremental._Publish`` on the lake's stored pairs, as ``match_lake`` runs it."""
    from matcher.match import incremental
    from matcher.match.stage import MatchOptions, MatchSummary

    folder = lake / "matches" / "scored"
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    empty = pl.DataFrame()
    stale = [
        pl.read_parquet(folder / state[k]) if state.get(k) else empty
        for k in ("stale_postings", "stale_vacancies")
    ]
    publish = incremental._Publish(
        folder, state["segments"], state["bounds"], stale[0], stale[1], MatchOptions(as_of=TODAY), None
    )
    publish.order(pl.read_parquet(folder / state["postings"]), pl.read_parquet(folder / state["vacancies"]))
    summary = MatchSummary(as_of=TODAY)
    publish.write(out, side, summary)
    return summary.matches


def _publish_alone(lake: Path, mode: str) -> dict[str, Any]:
    """One publish (``mode``: bucketed or in-memory) into ``lake/bench-publish-<mode>.parquet``."""
    import hashlib

    from matcher.match import incremental  # noqa: F401  (imported before the RSS baseline)

    out, side = lake / f"bench-publish-{mode}.parquet", lake / f"bench-left-out-{mode}.parquet"
    rss_before = _status("VmRSS")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    matches = (_publish_bucketed if mode == "bucketed" else _publish_in_memory)(lake, out, side)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("ru_utime", "ru_stime"))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_mib": _status("VmHWM"),
        "rss_before_mib": rss_before,
        "matches": matches,
        "sha256": digest,
    }


def _publish_figures(lake: Path) -> None:
    import statistics

    runs: dict[str, list[dict[str, Any]]] = {"in-memory": [], "bucketed": []}
    for _ in range(PUBLISH_REPEATS):
        for mode in runs:
            done = subprocess.run(
                [sys.executable, "-m", "bench.bench_incremental", "--publish", str(lake), mode],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    stored = (
        pl.scan_parquet(list((lake / "matches" / "scored").glob("*/part-*.parquet")))
        .select(pl.len())
        .collect()
        .item()
    )
    matches = runs["bucketed"][0]["matches"]
    print(
        f"\n== publish alone (issue 15): {stored:,} stored pairs -> {matches:,} matches, as of {TODAY}; "
        f"medians of {PUBLISH_REPEATS} fresh processes each, alternating"
    )
    print(f"  {'publish':<34} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} {'RSS before':>11}")
    medians = {}
    for mode, results in runs.items():
        med = {
            k: statistics.median(r[k] for r in results)
            for k in ("seconds", "cpu_seconds", "peak_rss_mib", "rss_before_mib")
        }
        medians[mode] = med
        print(
            f"  {mode:<34} {med['seconds']:>8.1f} {med['cpu_seconds']:>8.1f} {med['peak_rss_mib']:>13.0f} "
            f"{med['rss_before_mib']:>11.0f}"
        )
    new, old = medians["bucketed"], medians["in-memory"]
    repeatable = all(len({r["sha256"] for r in rs}) == 1 for rs in runs.values())
    equal = pl.read_parquet(lake / "bench-publish-bucketed.parquet").equals(
        pl.read_parquet(lake / "bench-publish-in-memory.parquet")
    )
    ratios = {k: new[k] / old[k] for k in ("seconds", "cpu_seconds", "peak_rss_mib")}
    print(
        f"  bucketed / in-memory: {ratios['seconds']:.2f} wall, {ratios['cpu_seconds']:.2f} CPU, "
        f"{ratios['peak_rss_mib']:.2f} peak RSS; the same rows: {equal}; each mode's bytes the same in every "
        f"run: {repeatable}"
    )


def _print_pairs(pairs: list[dict[str, dict[str, Any]]], same: bool) -> None:
    """Per run kind and stage, the medians over the pairs; each pair's ratio; the ratio of the medians."""
    import statistics

    def median(kind: str, stage: str, key: str) -> float:
        return statistics.median(p[kind][stage][key] for p in pairs)

    print(f"  medians of {len(pairs)} pair(s) of runs, alternating incremental and full")
    print(f"  {'run':<34} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13}  what it did")
    for kind in ("incremental", "full"):
        for stage in ("normalize", "match"):
            r = pairs[-1][kind][stage]
            did = (
                f"{r['mode']}, {r['postings_read']:,} raw postings read"
                if stage == "normalize"
                else f"{r['mode']}, {r['postings_scored']:,} postings scored, {r['matches']:,} matches"
            )
            print(
                f"  {kind + ' ' + stage:<34} {median(kind, stage, 'seconds'):>8.1f} "
                f"{median(kind, stage, 'cpu_seconds'):>8.1f} "
                f"{median(kind, stage, 'peak_rss_mib'):>13.0f}  {did}"
            )
    for kind in ("incremental", "full"):
        print(f"  {kind} match, wall s per step (last pair): {pairs[-1][kind]['match']['steps']}")

    def total(run: dict[str, Any], key: str) -> float:
        return float(sum(run[s][key] for s in ("normalize", "match")))

    each = [
        (total(p["incremental"], "seconds") / total(p["full"], "seconds"),
         total(p["incremental"], "cpu_seconds") / total(p["full"], "cpu_seconds"))
        for p in pairs
    ]  # fmt: skip
    print("  each pair's ratio (wall, CPU): " + ", ".join(f"({w:.3f}, {c:.3f})" for w, c in each))
    walls = [statistics.median(total(p[k], "seconds") for p in pairs) for k in ("incremental", "full")]
    cpus = [statistics.median(total(p[k], "cpu_seconds") for p in pairs) for k in ("incremental", "full")]
    print(
        f"  normalize + match, medians: incremental {walls[0]:.1f} s wall / {cpus[0]:.1f} CPU-s, full "
        f"{walls[1]:.1f} s / {cpus[1]:.1f} CPU-s: ratio {walls[0] / walls[1]:.3f} wall, "
        f"{cpus[0] / cpus[1]:.3f} CPU (goal <= 0.1); matches.parquet identical in every pair: {same}"
    )


def main() -> None:
    new = max(1, int(POSTINGS * NEW_SHARE))
    print(
        f"\n== incremental vs full (normalize + match): {POSTINGS:,} synthetic postings, {VACANCIES:,} open "
        f"vacancies, then {new:,} new postings ({NEW_SHARE:.0%}); each run in a fresh process"
    )
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as folder:
        base = Path(folder) / "lake"
        started = time.perf_counter()
        if KEEP and (Path(KEEP) / "matches").is_dir():  # a set-up lake kept by an earlier invocation
            shutil.copytree(KEEP, base)
            # yesterday's normalize and match again: nothing when their state is this version's, a
            # rebuild when not (another version's code or layout)
            _rerun(base)
            shutil.rmtree(KEEP)
            shutil.copytree(base, KEEP)
        else:
            _set_up(base)
            if KEEP:
                shutil.copytree(base, KEEP)
        matches = pl.scan_parquet(base / "matches" / "matches.parquet").select(pl.len()).collect().item()
        _land_new_postings(base, new)
        print(
            f"  set-up, untimed: {time.perf_counter() - started:.0f} s (yesterday's full run: {matches:,} "
            "matches)"
        )
        pairs: list[dict[str, dict[str, Any]]] = []
        same = True
        for _ in range(PAIRS):  # alternating, so a change of the machine's load falls on both kinds
            runs: dict[str, dict[str, Any]] = {}
            for kind in ("incremental", "full"):
                lake = Path(folder) / kind
                shutil.rmtree(lake, ignore_errors=True)
                shutil.copytree(base, lake)
                runs[kind] = _child(lake, kind == "full", TODAY)
            same = (
                same
                and (Path(folder) / "incremental" / "matches" / "matches.parquet").read_bytes()
                == (Path(folder) / "full" / "matches" / "matches.parquet").read_bytes()
            )
            pairs.append(runs)
        _print_pairs(pairs, same)
        shutil.rmtree(Path(folder) / "full")
        if PUBLISH_REPEATS > 0:
            _publish_figures(Path(folder) / "incremental")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_stages(Path(sys.argv[2]), sys.argv[3] == "1", date.fromisoformat(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--publish":
        print(json.dumps(_publish_alone(Path(sys.argv[2]), sys.argv[3])))
    else:
        main()
