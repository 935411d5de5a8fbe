"""The benchmark stage (``benchmark_frames``): this checkout's against c5b0e12's (per-row Python loops),
side by side in one invocation.

Workload: a lake of ``MATCHER_BENCH_BENCHMARK_POSTINGS`` synthetic raw postings (``bench/synthetic.py``,
default 150,000) and 1,000 open vacancies (``bench_incremental._vacancies``: clean rows made from 1,000 clean
postings, plus a salary band in USD), normalized and matched as of 2026-11-01 (set up untimed).

Measured, each run in a fresh child process (``python -m bench.bench_benchmark --child``) that reads the
lake's tables first (untimed) and then calls ``benchmark_frames``: wall and CPU seconds (``getrusage``) and
the peak RSS (VmHWM) with the RSS before the call; ``REPEATS`` runs of each, alternately. The base is
``git show c5b0e12:matcher/benchmark/stage.py`` loaded as a module (``bench.benchmark_equivalence``). Then
both run once more in this process and every frame is compared (``DataFrame.equals``, row order included).

    uv run python -m bench.bench_benchmark
    MATCHER_BENCH_BENCHMARK_POSTINGS=1000000 uv run python -m bench.bench_benchmark
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from bench.bench_incremental import _vacancies
from bench.benchmark_equivalence import BASE, differences, load_baseline
from bench.synthetic import matched_lake

POSTINGS = int(os.environ.get("MATCHER_BENCH_BENCHMARK_POSTINGS", "150000"))
VACANCIES = 1_000
REPEATS = int(os.environ.get("MATCHER_BENCH_BENCHMARK_REPEATS", "3"))
AS_OF = date(2026, 11, 1)


def vacancies_with_bands(clean_postings: Path, n: int) -> pl.DataFrame:
    """``bench_incremental._vacancies`` with what the benchmark reads of a vacancy: its role, place, currency
    and a salary band (annual, full time, USD: 80,000-200,000 by vacancy)."""
    money = pl.Decimal(26, 6)
    low = (80_000 + (pl.int_range(pl.len()) * 7_919) % 100_000).cast(money)
    return _vacancies(clean_postings, n).with_columns(
        pl.col("title_clean").alias("role"),
        pl.col("city").alias("location_name"),
        pl.lit("USD").alias("currency"),
        low.alias("salary_min"),
        (low + 20_000).cast(money).alias("salary_max"),
        pl.lit(1, money).alias("fte_factor"),
        low.alias("annual_min"),
        (low + 20_000).cast(money).alias("annual_max"),
        pl.lit("USD").alias("reporting_currency"),
        pl.lit(1, pl.Decimal(24, 10)).alias("fx_rate"),
        low.cast(pl.Decimal(26, 2)).alias("annual_min_reporting"),
        (low + 20_000).cast(pl.Decimal(26, 2)).alias("annual_max_reporting"),
    )


def _set_up(lake: Path) -> None:
    matched_lake(lake, POSTINGS, AS_OF, lambda postings: vacancies_with_bands(postings, VACANCIES))


def _tables(lake: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    from matcher.lake.layout import path as lake_path

    tables = [pl.read_parquet(lake_path(lake, n)) for n in ("clean_vacancies", "clean_postings", "matches")]
    side = lake_path(lake, "left_out")
    return tables[0], tables[1], tables[2], pl.read_parquet(side) if side.exists() else None


def _call(module: Any, lake: Path) -> dict[str, pl.DataFrame]:
    vacancies, postings, matches, left_out = _tables(lake)
    return dict(
        module.benchmark_frames(
            vacancies, postings, matches, module.BenchmarkOptions(as_of=AS_OF), left_out=left_out
        )
    )


def _status(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(x.split()[1]) for x in status if x.startswith(field)) / 1024


def _run_child(lake: Path, side: str) -> dict[str, Any]:
    """One timed ``benchmark_frames`` in this (fresh) process: ``side`` "base" or "ours"."""
    from matcher.benchmark import stage

    module = load_baseline() if side == "base" else stage
    vacancies, postings, matches, left_out = _tables(lake)
    options = module.BenchmarkOptions(as_of=AS_OF)
    before_rss = _status("VmRSS")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    frames = module.benchmark_frames(vacancies, postings, matches, options, left_out=left_out)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("ru_utime", "ru_stime"))
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_mib": _status("VmHWM"),
        "rss_before_mib": before_rss,
        "rows": {k: v.height for k, v in frames.items()},
    }


def _child(lake: Path, side: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_benchmark", "--child", str(lake), side],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    print(
        f"\n== benchmark stage (benchmark_frames): {POSTINGS:,} synthetic postings, {VACANCIES:,} open "
        f"vacancies; this checkout against {BASE} (per-row loops), {REPEATS} runs each in fresh processes"
    )
    with tempfile.TemporaryDirectory(prefix="bench-benchmark-") as folder:
        lake = Path(folder) / "lake"
        started = time.perf_counter()
        _set_up(lake)
        matches = pl.scan_parquet(lake / "matches" / "matches.parquet").select(pl.len()).collect().item()
        took = time.perf_counter() - started
        print(f"  set-up (untimed): normalize + match, {matches:,} matches, {took:.0f} s")
        runs: dict[str, list[dict[str, Any]]] = {"base": [], "ours": []}
        for _ in range(REPEATS):
            for side in runs:
                runs[side].append(_child(lake, side))
        rows = runs["ours"][-1]["rows"]
        print(f"  frames: {', '.join(f'{k} {v:,}' for k, v in rows.items())}")
        medians = {}
        for side, results in runs.items():
            med = {k: statistics.median(r[k] for r in results) for k in results[0] if k != "rows"}
            medians[side] = med
            print(
                f"  {side + (' (' + BASE + ')' if side == 'base' else ''):<14} "
                f"median {med['seconds']:7.2f} s wall, {med['cpu_seconds']:7.2f} s CPU, peak RSS "
                f"{med['peak_rss_mib']:7,.0f} MiB (before the call {med['rss_before_mib']:,.0f} MiB)"
            )
        base, ours = medians["base"], medians["ours"]
        print(
            f"  ratio ours / base: {ours['seconds'] / base['seconds']:.2f}x wall, "
            f"{ours['cpu_seconds'] / base['cpu_seconds']:.2f}x CPU, "
            f"{ours['peak_rss_mib'] / base['peak_rss_mib']:.2f}x peak RSS"
        )
        from matcher.benchmark import stage

        problems = differences(_call(load_baseline(), lake), _call(stage, lake))
        print(f"  frames equal to the base's: {'yes, every one' if not problems else '; '.join(problems)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_run_child(Path(sys.argv[2]), sys.argv[3])))
    else:
        main()
