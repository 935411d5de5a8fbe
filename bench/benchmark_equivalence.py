"""The benchmark stage's frames from another commit's ``matcher/benchmark/stage.py`` (default ``c5b0e12``:
per-row Python loops) and from this checkout's, compared frame by frame (a speed change must leave every
report as it was).

    uv run python -m bench.benchmark_equivalence subset LAKE [N]   # N of LAKE's open vacancies (default 100),
                                                                   # under several option sets
    uv run python -m bench.benchmark_equivalence lake LAKE         # ``benchmark_lake`` on the whole lake,
                                                                   # each side in a fresh process
    uv run python -m bench.benchmark_equivalence demo              # a demo lake (``run_demo``), made here

The base module is ``git show BASE:matcher/benchmark/stage.py`` (``MATCHER_BENCH_EQUIVALENCE_BASE``, default
c5b0e12; ``HEAD`` compares the working tree's change with the last commit) loaded as a module of its own
(``load_baseline``; it imports the rest of ``matcher`` from this checkout). Each frame is compared with
``DataFrame.equals`` as it comes (row order included) and, when that fails, sorted by every column, so the
verdict says whether only the order differs. Both sides' wall and CPU seconds are printed. Exit status 1
when a frame differs.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
# the base commit: MATCHER_BENCH_EQUIVALENCE_BASE (e.g. HEAD, to check a change of the working tree)
BASE = os.environ.get("MATCHER_BENCH_EQUIVALENCE_BASE", "c5b0e12")


def load_baseline(commit: str = BASE) -> ModuleType:
    """``matcher/benchmark/stage.py`` as of ``commit``, as the module ``_baseline_stage_<commit>``."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:matcher/benchmark/stage.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = f"_baseline_stage_{commit}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    exec(compile(source, f"{commit}:matcher/benchmark/stage.py", "exec"), module.__dict__)
    return module


# a fix made on purpose since the base: the market rows' vacancies_matched counted one vacancy per posting
# (3257cba); those cells are left out of the comparison, every other cell is compared
FIXED_SINCE_BASE = {"competitor_hiring": (pl.col("scope") == "market", "vacancies_matched")}


def differences(base: dict[str, pl.DataFrame], ours: dict[str, pl.DataFrame]) -> list[str]:
    """Per frame that differs, a line saying how; empty: every frame equal, row order included (but the
    cells of ``FIXED_SINCE_BASE``)."""
    out = []
    for name in sorted(set(base) | set(ours)):
        if name not in base or name not in ours:
            out.append(f"{name}: only in {'ours' if name in ours else 'base'}")
            continue
        a, b = base[name], ours[name]
        if name in FIXED_SINCE_BASE and {FIXED_SINCE_BASE[name][1]} <= set(a.columns) & set(b.columns):
            rows, column = FIXED_SINCE_BASE[name]
            a, b = (
                f.with_columns(pl.when(rows).then(None).otherwise(pl.col(column)).alias(column))
                for f in (a, b)
            )
        if a.schema != b.schema:
            out.append(f"{name}: schemas differ: {a.schema} != {b.schema}")
            continue
        if a.equals(b):
            continue
        if a.height != b.height:
            out.append(f"{name}: {a.height} rows != {b.height} rows")
            continue
        sortable = [c for c, t in a.schema.items() if not isinstance(t, pl.List | pl.Struct | pl.Array)]
        if a.sort(sortable, nulls_last=True).equals(b.sort(sortable, nulls_last=True)):
            out.append(f"{name}: the same rows in another order")
        else:
            out.append(f"{name}: rows differ")
    return out


def _timed(fn: Callable[[], dict[str, pl.DataFrame]]) -> tuple[dict[str, pl.DataFrame], float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    frames = fn()
    return frames, time.perf_counter() - started, time.process_time() - cpu


def compare(label: str, base: Callable[[], Any], ours: Callable[[], Any]) -> bool:
    a, wall_a, cpu_a = _timed(base)
    b, wall_b, cpu_b = _timed(ours)
    rows = ", ".join(f"{k} {v.height:,}" for k, v in b.items())
    problems = differences(a, b)
    verdict = "EQUAL" if not problems else "DIFFER: " + "; ".join(problems)
    print(
        f"{label}: {verdict}\n  base {wall_a:.2f} s wall, {cpu_a:.2f} s CPU; "
        f"ours {wall_b:.2f} s wall, {cpu_b:.2f} s CPU ({wall_b / wall_a:.2f}x wall); {rows}",
        flush=True,
    )
    return not problems


def _tables(lake: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    from matcher.lake.layout import path as lake_path

    tables = [pl.read_parquet(lake_path(lake, n)) for n in ("clean_vacancies", "clean_postings", "matches")]
    side = lake_path(lake, "left_out")
    return tables[0], tables[1], tables[2], pl.read_parquet(side) if side.exists() else None


def option_sets() -> dict[str, dict[str, Any]]:
    """Option sets that take each branch of the stage: local pools, peers, level policies, a tight cap."""
    return {
        "defaults": {},
        "metro pools": {"pool_by": "metro", "local_min_salaries": 5},
        "region pools, peers": {"pool_by": "region", "peer_sizes": ("201-500", "501-1000", "1001-5000")},
        "adjacent levels, cap 1, min_score 60": {
            "level_policy": "adjacent",
            "company_cap": 1,
            "min_score": 60,
        },
        "any level, abroad too": {"level_policy": "any", "same_country_only": False},
    }


def run_subset(lake: Path, n: int) -> bool:
    from matcher.benchmark import stage
    from matcher.lake.layout import path as lake_path
    from matcher.match.stage import matches_as_of

    old = load_baseline()
    vacancies, postings, matches, left_out = _tables(lake)
    as_of = matches_as_of(lake_path(lake, "matches"))
    wanted = vacancies.filter(pl.col("is_open")).sort("vacancy_id").head(n).select("vacancy_id")
    vacancies = vacancies.join(wanted, on="vacancy_id", how="semi")
    if postings["employee_count"].null_count() == postings.height:
        # the synthetic lakes' postings name no company size: one per company, so the peer groups pick some
        size = (pl.col("company").fill_null("").hash(7) % 20_000).cast(pl.Int64)
        postings = postings.with_columns(size.alias("employee_count"))
    matches = matches.join(wanted, on="vacancy_id", how="semi")
    # some exclusions: a few real matches (every fifth vacancy's best) and one that matches nothing
    best = matches.filter(pl.col("rank") == 1).select("vacancy_id", "posting_id").gather_every(5)
    exclusions = pl.concat(
        [
            best.with_columns(pl.lit("checked by hand").alias("reason")),
            pl.DataFrame({"vacancy_id": ["nope"], "posting_id": ["nope"], "reason": ["no such match"]}),
        ]
    )
    same = True
    for label, options in option_sets().items():
        for struck in (None, exclusions) if label == "defaults" else (None,):

            def call(module: ModuleType, kwargs: dict[str, Any] = options, ex: Any = struck) -> Any:
                return module.benchmark_frames(
                    vacancies,
                    postings,
                    matches,
                    module.BenchmarkOptions(as_of=as_of, **kwargs),
                    exclusions=ex,
                    left_out=left_out,
                )

            text = f"{n} vacancies of {lake}, {label}" + (", exclusions" if struck is not None else "")
            same &= compare(text, lambda: call(old), lambda: call(stage))
    return same


def _lake_child(side: str, lake: Path, out: Path) -> None:
    """``benchmark_lake(lake)`` by ``side`` ("base" or "ours") in this process: its frames written to
    ``out``, its wall and CPU seconds and peak RSS printed as JSON."""
    import json
    import resource

    from matcher.benchmark import stage

    module = load_baseline() if side == "base" else stage
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    frames = module.benchmark_lake(lake)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM")) / 1024
    for name, frame in frames.items():
        frame.write_parquet(out / f"{name}.parquet")
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("ru_utime", "ru_stime"))
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": peak}))


def run_lake(lake: Path) -> bool:
    """Each side's ``benchmark_lake`` in a fresh process (the base first, while the most memory is free),
    its frames read back and compared."""
    import json

    with tempfile.TemporaryDirectory() as folder:
        figures, frames = {}, {}
        for side in ("base", "ours"):
            out = Path(folder) / side
            out.mkdir()
            done = subprocess.run(
                [sys.executable, "-m", "bench.benchmark_equivalence", "--child", side, str(lake), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures[side] = json.loads(done.stdout.strip().splitlines()[-1])
            frames[side] = {p.stem: pl.read_parquet(p) for p in sorted(out.glob("*.parquet"))}
        problems = differences(frames["base"], frames["ours"])
    print(f"benchmark_lake({lake}): {'EQUAL' if not problems else 'DIFFER: ' + '; '.join(problems)}")
    for side, f in figures.items():
        print(
            f"  {side}: {f['seconds']:.1f} s wall, {f['cpu_seconds']:.1f} s CPU, "
            f"peak RSS {f['peak_rss_mib']:,.0f} MiB"
        )
    base, ours = figures["base"], figures["ours"]
    print(
        f"  ours / base: {ours['seconds'] / base['seconds']:.2f}x wall, "
        f"{ours['cpu_seconds'] / base['cpu_seconds']:.2f}x CPU, "
        f"{ours['peak_rss_mib'] / base['peak_rss_mib']:.2f}x peak RSS"
    )
    rows = ", ".join(f"{k} {v.height:,}" for k, v in frames["ours"].items())
    print(f"  {rows}")
    return not problems


def run_demo_lake() -> bool:
    from matcher.benchmark import stage
    from matcher.demo import run_demo

    with tempfile.TemporaryDirectory() as folder:
        lake = Path(folder) / "lake"
        run_demo(lake, Path(folder) / "reports")
        old = load_baseline()
        same = compare("demo lake", lambda: old.benchmark_lake(lake), lambda: stage.benchmark_lake(lake))
        for label, options in option_sets().items():
            same &= compare(
                f"demo lake, {label}",
                lambda o=options: old.benchmark_lake(lake, old.BenchmarkOptions(**o)),
                lambda o=options: stage.benchmark_lake(lake, stage.BenchmarkOptions(**o)),
            )
    return same


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        _lake_child(argv[1], Path(argv[2]), Path(argv[3]))
        return 0
    if not argv or argv[0] not in ("subset", "lake", "demo"):
        print(__doc__)
        return 2
    if argv[0] == "subset":
        same = run_subset(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 100)
    elif argv[0] == "lake":
        same = run_lake(Path(argv[1]))
    else:
        same = run_demo_lake()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
