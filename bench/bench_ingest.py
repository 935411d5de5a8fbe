"""Ingest over HTTP from the sandbox: rows/s, wall, CPU and peak RSS, beside the raw page fetch.

``python -m bench.bench_ingest`` (and ``make bench``): a sandbox market of 60,000 postings
(``MATCHER_BENCH_INGEST_POSTINGS`` for another size), one source of the postings in its 180-day window, read
at 200 rows a page. Runs paired A B A B (``MATCHER_BENCH_PAIRS``, 2 by default), each in a fresh child
process (``python -m bench.bench_ingest --child``) that imports untimed, then reports wall seconds, CPU
seconds (``getrusage(RUSAGE_SELF)`` delta, every thread) and peak RSS (its own VmHWM). The sandbox serves
from this process; its CPU while each child runs is printed beside it (the server's share, not the client's).

- A, matcher: ``IngestRun.floqer`` and ``finish`` into a fresh lake (one keep-alive connection, the
  listing's status, validation with pydantic, de-duplication against the lake, one atomic Parquet part per
  page, a cursor per page, the manifest);
- B, raw fetch: the same pages over one keep-alive ``httpx.Client``, ``json.loads`` of each and its rows
  counted, nothing validated or landed: what reading the source costs at all.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from matcher.ingest.floqer import FloqerClient
from matcher.ingest.http import ApiClient
from matcher.ingest.lake import Lake
from matcher.ingest.runner import IngestOptions, IngestRun
from matcher.sandbox import SandboxConfig, SandboxServer

POSTINGS = int(os.environ.get("MATCHER_BENCH_INGEST_POSTINGS", "60000"))
PAIRS = int(os.environ.get("MATCHER_BENCH_PAIRS", "2"))
PAGE = 200


def _read_mib(field: str) -> float:
    """VmHWM (this process's own peak; ru_maxrss would include the parent's, kept across exec) in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith(field))
    return int(line.split()[1]) / 1024


def _ingest(url: str, key: str, source: str, root: Path) -> dict[str, Any]:
    with ApiClient(service="floqer", base_url=url, api_key=key) as api:
        run = IngestRun(Lake(root), IngestOptions(page_size=PAGE))
        run.floqer(FloqerClient(api), [source])
        totals = run.finish()["totals"]
    landed = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return {"rows": int(totals["landed"]), "bytes": landed}


def _fetch(url: str, key: str, source: str, root: Path) -> dict[str, Any]:
    rows = received = 0
    page = 1
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        while True:
            response = http.get(
                f"{url}/api/v1/sources/{source}/data", params={"page_no": page, "page_size": PAGE}
            )
            response.raise_for_status()
            received += len(response.content)
            data = json.loads(response.content)["data"]
            rows += len(data["rows"])
            if not data["rows"] or page * PAGE >= data["total_count"]:
                break
            page += 1
    return {"rows": rows, "bytes": received, "pages": page}


def _child(kind: str, url: str, key: str, source: str, root: str) -> None:
    """One measurement in this fresh process: run ``kind``, print one JSON line."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    out = (_ingest if kind == "matcher" else _fetch)(url, key, source, Path(root))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out.update(wall=wall, cpu=cpu, rss=_read_mib("VmHWM"))
    print(json.dumps(out))


def _measure(kind: str, args: list[str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_SELF)
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ingest", "--child", kind, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    if done.returncode:
        raise RuntimeError(f"bench_ingest child {kind!r} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["server_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    config = SandboxConfig(n_postings=POSTINGS, floqer_rate_per_minute=None, floqer_rate_per_day=None)
    runs: dict[str, list[dict[str, Any]]] = {"matcher": [], "fetch": []}
    with SandboxServer(config) as sandbox, tempfile.TemporaryDirectory() as tmp:
        with ApiClient(service="floqer", base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer) as api:
            setup = FloqerClient(api)
            expiration = (sandbox.clock.now() + timedelta(days=30)).date().isoformat()
            source = setup.create(
                name="bench", filters={"posted_at_max_age_days": 180}, expiration_date=expiration, broad=True
            ).source_instance_id
            sandbox.clock.advance(timedelta(minutes=2))
            total = setup.data_page(source, 1, 1).total_count
        root = Path(tmp) / "lake"
        for _ in range(PAIRS):  # A B A B
            shutil.rmtree(root, ignore_errors=True)
            for kind in ("matcher", "fetch"):
                runs[kind].append(
                    _measure(kind, [sandbox.floqer_url, sandbox.keys.floqer, source, str(root)])
                )
    rows = {r["rows"] for rs in runs.values() for r in rs}
    assert rows == {total}, (rows, total)
    med = {kind: {key: statistics.median(r[key] for r in rs) for key in ("wall", "cpu", "rss", "server_cpu")}
           for kind, rs in runs.items()}  # fmt: skip
    pages = runs["fetch"][0]["pages"]
    print(
        f"\n== ingest over HTTP from the sandbox: {total:,} rows ({pages:,} pages of {PAGE}) of a "
        f"{POSTINGS:,}-posting market, runs A B x {PAIRS} in fresh processes, medians"
    )
    print(f"  {'run':<46} {'wall':>8} {'rows/s':>9} {'CPU':>11} {'peak RSS':>9} {'server CPU':>12}")
    for name, kind in (
        ("A: matcher ingest (validated, landed, once)", "matcher"),
        ("B: raw fetch (json.loads, nothing landed)", "fetch"),
    ):
        m = med[kind]
        print(
            f"  {name:<46} {m['wall']:>6.1f} s {total / m['wall']:>9,.0f} {m['cpu']:>5.1f} CPU-s "
            f"{m['rss']:>5,.0f} MiB {m['server_cpu']:>6.1f} CPU-s"
        )
    for kind in ("matcher", "fetch"):
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs[kind])
        print(f"  {kind:>8} runs: wall {walls} s")
    print(
        f"  ratio matcher / raw fetch: wall {med['matcher']['wall'] / med['fetch']['wall']:.2f}x, "
        f"client CPU {med['matcher']['cpu'] / med['fetch']['cpu']:.2f}x"
    )
    print(
        f"  workload: {total:,} rows, {runs['fetch'][0]['bytes'] / 2**20:,.1f} MiB of JSON over loopback; "
        f"the lake after a matcher run holds {runs['matcher'][0]['bytes'] / 2**20:,.1f} MiB"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(*sys.argv[2:7])
    else:
        main()
