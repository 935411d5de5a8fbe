"""Syncing the demo lake with an s3:// lake (``matcher/lake/remote.py``) against a local S3-compatible server.

Workload: the demo's lake (``matcher.demo.run_demo``, seed 42, 120 days: raw parts, clean tables, matches,
state, run records), pushed to and pulled from moto's ``ThreadedMotoServer`` on 127.0.0.1, run in a
**child process** so the server's CPU is not counted as the client's. Steps, each timed alone:

- ``first commit``: ``RemoteLake.push`` of the whole lake into an empty prefix (every file uploaded, the
  first manifest put create-only);
- ``cold pull``: a fresh working copy pulls the committed generation (every file downloaded and its sha256
  checked), beside the baseline ``copytree``: the same lake copied folder to folder on the local disk;
- ``warm pull``: a pull that finds nothing changed (one manifest GET, a stat per file);
- ``commit 1 file``: one file rewritten (a day part of ``clean/postings.parquet/``), pushed (one upload, one
  If-Match put, one delete of the superseded object).

Wall seconds (``perf_counter``) and CPU seconds (``resource.getrusage(RUSAGE_SELF)``: user + system, every
thread of this process; the server is another process) are medians over the repeats, alternated with the
baseline. Peak RSS: ``ru_maxrss`` of a fresh child that does one cold pull.

Measured: see docs/scaling.md "## Object storage" (the figures and the command).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPEATS = 5
_SERVER = (
    "import sys, time\n"
    "from moto.server import ThreadedMotoServer\n"
    "server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)\n"
    "server.start()\n"
    "print('%s:%d' % server.get_host_and_port(), flush=True)\n"
    "sys.stdin.read()\n"
)


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's server in a child process; the AWS_* variables pointing at it (fake credentials)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        endpoint = "http://" + child.stdout.readline().strip()
        os.environ.update(
            AWS_ACCESS_KEY_ID="AKIAFAKEBENCH0000000",
            AWS_SECRET_ACCESS_KEY="fake-bench-secret",
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL=endpoint,
            AWS_ALLOW_HTTP="true",
        )
        yield endpoint
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.terminate()
        child.wait(timeout=30)


def new_bucket(endpoint: str) -> str:
    import boto3

    name = f"bench-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall, _cpu() - cpu


def lake_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "lock"]
    return len(files), sum(p.stat().st_size for p in files)


def bench(lake: Path, work: Path, endpoint: str, repeats: int) -> dict[str, list[tuple[float, float]]]:
    from matcher.lake.remote import RemoteLake

    steps: dict[str, list[tuple[float, float]]] = {
        k: [] for k in ("first commit", "cold pull", "copytree (baseline)", "warm pull", "commit 1 file")
    }
    for i in range(repeats):
        url = f"s3://{new_bucket(endpoint)}/lake"
        writer = RemoteLake(url, work / f"w{i}" / "lake")
        shutil.copytree(lake, writer.root)
        writer.pull()  # nothing committed yet: an empty lake ...
        shutil.rmtree(writer.root)
        shutil.copytree(lake, writer.root)  # ... then the demo lake written into the working copy
        steps["first commit"].append(timed(lambda w=writer: w.push("bench")))
        reader = RemoteLake(url, work / f"r{i}" / "lake")
        steps["copytree (baseline)"].append(timed(lambda i=i: shutil.copytree(lake, work / f"c{i}")))
        steps["cold pull"].append(timed(reader.pull))
        steps["warm pull"].append(timed(reader.pull))
        postings = writer.root / "clean" / "postings.parquet"
        if postings.is_dir():  # a folder of day parts: one of them changes
            postings = sorted(postings.glob("part-*.parquet"))[-1]
        postings.write_bytes(postings.read_bytes() + b"\0")  # a changed file (content only matters here)
        steps["commit 1 file"].append(timed(lambda w=writer: w.push("bench-2")))
    return steps


def _status_mib(field: str) -> float:
    """A ``/proc/self/status`` figure in MiB (``VmHWM``: peak RSS of this process image; ``VmRSS``: now)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_child(url: str, target: str) -> None:
    from matcher.lake.remote import RemoteLake  # the facade's imports (Polars, DuckDB, ...) come too

    lake = RemoteLake(url, Path(target))
    base = _status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the RSS after imports
    lake.pull()
    print(json.dumps({"base": base, "peak": _status_mib("VmHWM")}))


def main(repeats: int = REPEATS) -> None:
    from matcher.demo import run_demo

    with tempfile.TemporaryDirectory() as temp, s3_server() as endpoint:
        work = Path(temp)
        started = time.perf_counter()
        run_demo(work / "demo" / "lake", work / "demo" / "reports")
        lake = work / "demo" / "lake"
        files, size = lake_size(lake)
        print(
            f"\n== s3 lake sync: the demo lake ({files} files, {size / 2**20:.1f} MiB; built in "
            f"{time.perf_counter() - started:.0f} s), moto on 127.0.0.1 in a child process, {repeats} repeats"
        )
        steps = bench(lake, work, endpoint, repeats)
        baseline = statistics.median(w for w, _ in steps["copytree (baseline)"])
        print(f"  {'step':<22} {'wall s':>8} {'cpu s':>8} {'x copytree wall':>16}")
        for name, runs in steps.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"  {name:<22} {wall:>8.3f} {cpu:>8.3f} {wall / baseline:>15.1f}x")
        url = f"s3://{new_bucket(endpoint)}/lake"
        from matcher.lake.remote import RemoteLake

        seed = RemoteLake(url, work / "seed" / "lake")
        shutil.copytree(lake, seed.root)
        seed.push("seed")
        child = subprocess.run(
            [sys.executable, "-m", "bench.bench_s3", "--peak", url, str(work / "peak" / "lake")],
            capture_output=True,
            text=True,
            check=True,
        )
        rss = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"  peak RSS of a fresh process doing one cold pull: {rss['peak']:.0f} MiB "
            f"({rss['peak'] - rss['base']:.0f} MiB over its RSS after imports)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--peak", nargs=2, metavar=("URL", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        _peak_child(*args.peak)
    else:
        main(args.repeats)
