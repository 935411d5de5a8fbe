"""The clean postings of one synthetic raw lake, normalized by another commit's code (default ``main``) and
by this checkout's, compared every column and every row (issue 15: a speed change must leave the table as
it was).

    uv run python -m bench.normalize_equivalence [ROWS] [BASE]      # defaults: 200000 main

Each side runs ``normalize_lake(..., NormalizeOptions(workers=1), full=True)`` in a fresh process (the base on
``git archive BASE matcher``), after ``default_coder()``; the CPU seconds of each are printed beside the
verdict (a loaded machine makes them rough). Exit status 1 when the tables differ.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from bench.synthetic import write_raw_lake

ROOT = Path(__file__).resolve().parents[1]
_CHILD = """
import json, resource, sys
from pathlib import Path
from matcher.normalize.occupations import default_coder
from matcher.normalize.stage import NormalizeOptions, normalize_lake
default_coder()
before = resource.getrusage(resource.RUSAGE_SELF)
normalize_lake(Path(sys.argv[1]), NormalizeOptions(workers=1), full=True)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = sum(getattr(after, k) - getattr(before, k) for k in ("ru_utime", "ru_stime"))
import matcher
print(json.dumps({"cpu": cpu, "package": str(Path(matcher.__file__).resolve().parent)}))
"""


def _normalize(lake: Path, code: Path | None, cache: Path) -> float:
    """CPU seconds of one full normalize of ``lake`` by the package at ``code`` (None: this checkout). The
    child runs in ``lake``'s folder: ``python -c`` puts its working directory first on ``sys.path``, and
    from this checkout's root that would import this checkout's package whatever ``PYTHONPATH`` says."""
    env = dict(os.environ, MATCHER_CACHE_DIR=str(cache))
    env.pop("PYTHONPATH", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(lake)],
        env=env,
        cwd=lake,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = (code / "matcher") if code is not None else ROOT / "matcher"
    if Path(result["package"]) != expected.resolve():
        raise RuntimeError(f"normalized by {result['package']}, expected the package at {expected}")
    return float(result["cpu"])


def main(argv: list[str]) -> int:
    rows = int(argv[0]) if argv else 200_000
    base = argv[1] if len(argv) > 1 else "main"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", base, "matcher"], capture_output=True, check=True
        )
        code = work / "base_code"
        code.mkdir()
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
        write_raw_lake(work / "ours", rows)
        shutil.copytree(work / "ours" / "raw", work / "base" / "raw")
        base_cpu = _normalize(work / "base", code, work / "base_cache")
        ours_cpu = _normalize(work / "ours", None, work / "ours_cache")
        tables = {
            side: pl.read_parquet(work / side / "clean" / "postings.parquet" / "*.parquet")
            for side in ("base", "ours")
        }
        print(
            f"normalize {rows:,} synthetic raw postings: {base} {base_cpu:.1f} CPU-s, "
            f"this checkout {ours_cpu:.1f} CPU-s"
        )
        try:
            assert_frame_equal(tables["ours"], tables["base"], check_exact=True)
        except AssertionError as error:
            print(f"clean postings differ from {base}'s: {str(error).splitlines()[0]}")
            return 1
        shape = tables["ours"].shape
        print(f"clean postings identical to {base}'s: {shape[0]:,} rows x {shape[1]} columns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
