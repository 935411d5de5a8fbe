"""The match stage's Spark engine beside the local engine: cost per million postings, same workload, same
invocation.

Workload: ``bench_match.synthetic_clean`` (Zipf-like core titles, occupations, countries, levels,
skills) written as a lake's clean tables; 200 vacancies x 200,000 postings by default
(``MATCHER_BENCH_SPARK_POSTINGS`` and ``MATCHER_BENCH_SPARK_VACANCIES`` change them;
``MATCHER_BENCH_SPARK_PAIRS`` the pairs of runs, 1).
The postings carry no ``title_clean``: the semantic score is not exercised (bench_semantic measures it).

What runs, paired A B in the same invocation, each in a fresh child process (``python -m bench.bench_spark
--child KIND LAKE``) with the default ``MatchOptions`` (as of a fixed day):

- A, local: ``match_lake`` (read the clean tables, score, write ``matches/``): wall, CPU seconds
  (``getrusage(RUSAGE_SELF)``: every thread) and peak RSS (the child's VmHWM);
- B, spark: ``match_lake_spark`` in Spark local mode, ``local[2]`` (2 cores, as this machine has), the
  session started untimed first (its start is printed apart). Wall of the call; CPU seconds of the whole
  process tree: the Python driver, the JVM and the Python workers (psutil ``cpu_times`` of each, plus what
  their exited children left, a delta over the call); peak RSS: the sum of each process's own VmHWM
  (driver, JVM, workers alive at the end: an upper bound, their peaks need not coincide).

Both must write the same matches table (checked: "equal"). Per million postings: the figures x 1,000,000 /
postings (the stage's cost grows about linearly in postings at a fixed vacancy count).
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
from pathlib import Path
from typing import Any

import polars as pl

from bench.bench_match import AS_OF, _read_mib, synthetic_clean
from matcher.lake.layout import path as lake_path
from matcher.match.stage import MatchOptions, match_lake

N_POSTINGS = int(os.environ.get("MATCHER_BENCH_SPARK_POSTINGS", "200000"))
N_VACANCIES = int(os.environ.get("MATCHER_BENCH_SPARK_VACANCIES", "200"))
PAIRS = int(os.environ.get("MATCHER_BENCH_SPARK_PAIRS", "1"))
MASTER = "local[2]"


def _hwm_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            line = next(x for x in status if x.startswith("VmHWM"))
    except (OSError, StopIteration):
        return 0.0
    return int(line.split()[1]) / 1024


def _tree() -> tuple[float, float]:
    """(CPU seconds, sum of VmHWM in MiB) of this process and every descendant alive, with what their
    exited children left (``children_user``/``children_system``: workers reaped by Spark's daemon)."""
    import psutil

    me = psutil.Process()
    cpu, rss = 0.0, 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        cpu += t.user + t.system + t.children_user + t.children_system
        rss += _hwm_mib(proc.pid)
    return cpu, rss


def _child(kind: str, lake: str) -> None:
    """One measurement in this fresh process; prints one JSON line."""
    options = MatchOptions(as_of=AS_OF)
    out: dict[str, Any] = {}
    if kind == "local":
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = match_lake(lake, options)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.update(wall=wall, cpu=cpu, rss=_read_mib("VmHWM"))
    else:
        from matcher.match.spark import match_lake_spark, spark_session

        started = time.perf_counter()
        spark = spark_session(MASTER, partitions=2, settings={"spark.driver.memory": "2g"})
        spark.range(1).count()  # the JVM up and one task run: the session's start is not the stage's
        out["session"] = time.perf_counter() - started
        cpu_before, _ = _tree()
        started = time.perf_counter()
        summary = match_lake_spark(lake, options, spark=spark)
        wall = time.perf_counter() - started
        cpu_after, rss = _tree()
        out.update(wall=wall, cpu=cpu_after - cpu_before, rss=rss)
        spark.stop()
    out.update(matches=summary.matches, postings=summary.postings, vacancies=summary.vacancies)
    print(json.dumps(out))


def _measure(kind: str, lake: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_spark", "--child", kind, str(lake)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench_spark child {kind!r} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["table"] = pl.read_parquet(lake_path(lake, "matches"))
    return result


def bench_spark() -> None:
    try:
        from matcher.match.spark import _require_spark

        _require_spark()
    except Exception as error:  # a bench skips what this machine cannot run
        print(f"\n== match engines: Spark skipped ({error})")
        return
    vacancies, postings = synthetic_clean(N_POSTINGS, N_VACANCIES)
    runs: dict[str, list[dict[str, Any]]] = {"local": [], "spark": []}
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        lake = Path(folder) / "lake"
        for name, frame in (("clean_postings", postings), ("clean_vacancies", vacancies)):
            lake_path(lake, name).parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(lake_path(lake, name))
        del vacancies, postings
        for _ in range(PAIRS):  # A B
            for kind in runs:
                runs[kind].append(_measure(kind, lake))
    equal = all(r["table"].equals(runs["local"][0]["table"]) for rs in runs.values() for r in rs)
    med = {kind: {key: statistics.median(r[key] for r in rs) for key in ("wall", "cpu", "rss")}
           for kind, rs in runs.items()}  # fmt: skip
    first = runs["local"][0]
    scale = 1_000_000 / N_POSTINGS
    print(
        f"\n== match engines: {N_VACANCIES:,} vacancies x {N_POSTINGS:,} postings ({first['postings']:,} "
        f"eligible, {first['matches']:,} matches), runs A B x {PAIRS} in fresh processes, medians"
    )
    print(f"  {'run':<40} {'wall':>9} {'CPU':>11} {'peak RSS':>11} {'wall / 1M':>11} {'CPU / 1M':>13}")
    for name, kind in (("A: local engine (match_lake)", "local"), (f"B: spark engine ({MASTER})", "spark")):
        m = med[kind]
        print(
            f"  {name:<40} {m['wall']:>7.1f} s {m['cpu']:>7.1f} CPU-s {m['rss']:>7,.0f} MiB "
            f"{m['wall'] * scale:>9.0f} s {m['cpu'] * scale:>7.0f} CPU-s"
        )
    sessions = ", ".join(f"{r['session']:.1f}" for r in runs["spark"])
    print(
        f"  ratio spark / local: wall {med['spark']['wall'] / med['local']['wall']:.2f}x, "
        f"CPU {med['spark']['cpu'] / med['local']['cpu']:.2f}x, "
        f"RSS {med['spark']['rss'] / med['local']['rss']:.2f}x; "
        f"matches tables equal: {'yes' if equal else 'NO'}"
    )
    print(
        "  (A: wall, CPU of every thread, VmHWM of the child; B: wall of the call, CPU of driver + JVM + "
        f"Python workers, sum of their VmHWM; the Spark session's start, untimed: {sessions} s)"
    )


def main() -> None:
    bench_spark()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(*sys.argv[2:4])
    else:
        main()
