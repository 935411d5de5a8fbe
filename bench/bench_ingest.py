"""Ingest throughput: 100,000 postings from the sandbox into the lake, against a naive baseline.

- matcher: ``IngestRun.floqer`` (one keep-alive connection, validation with pydantic, de-duplication against
  the lake, one atomic Parquet part per page, a cursor per page).
- baseline: sequential pages with a new connection per request (``httpx.get``), ``json.loads``, every row kept
  in a list, one Parquet file written at the end: no validation, no de-duplication, no crash safety.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from bench._harness import median_seconds, peak_mib, report
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.http import ApiClient
from matcher.ingest.lake import Lake
from matcher.ingest.runner import IngestOptions, IngestRun
from matcher.sandbox import SandboxConfig, SandboxServer

POSTINGS = 175_000  # about 100,000 of them fall in the source's 180-day window at the sandbox's start
PAGE = 200


def _matcher(sandbox: SandboxServer, source: str, root: Path) -> int:
    shutil.rmtree(root, ignore_errors=True)
    with ApiClient(service="floqer", base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer) as api:
        run = IngestRun(Lake(root), IngestOptions(page_size=PAGE))
        run.floqer(FloqerClient(api), [source])
        return int(run.finish()["totals"]["landed"])


def _baseline(sandbox: SandboxServer, source: str, root: Path) -> int:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    url = f"{sandbox.floqer_url}/api/v1/sources/{source}/data"
    headers = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        data = json.loads(
            httpx.get(url, params={"page_no": page, "page_size": PAGE}, headers=headers).content
        )["data"]
        rows.extend(data["rows"])
        if page * PAGE >= data["total_count"]:
            break
        page += 1
    frame = pl.DataFrame(
        {"posting_id": [str(r["id"]) for r in rows], "raw_json": [json.dumps(r) for r in rows]}
    )
    frame.write_parquet(root / "postings.parquet")
    return len(rows)


def main() -> None:
    config = SandboxConfig(n_postings=POSTINGS, floqer_rate_per_minute=None, floqer_rate_per_day=None)
    with SandboxServer(config) as sandbox, tempfile.TemporaryDirectory() as tmp:
        setup = FloqerClient(
            ApiClient(service="floqer", base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer)
        )
        expiration = (sandbox.clock.now() + timedelta(days=30)).date().isoformat()
        source = setup.create(
            name="bench", filters={"posted_at_max_age_days": 180}, expiration_date=expiration, broad=True
        )
        sandbox.clock.advance(timedelta(minutes=2))
        total = setup.data_page(source.source_instance_id, 1, 1).total_count
        setup.api.close()
        root = Path(tmp)
        counts: dict[str, int] = {}

        def ours() -> None:
            counts["matcher"] = _matcher(sandbox, source.source_instance_id, root / "lake")

        def naive() -> None:
            counts["baseline"] = _baseline(sandbox, source.source_instance_id, root / "naive")

        ours_s = median_seconds(ours, repeat=3)
        naive_s = median_seconds(naive, repeat=3)
        ours_mem = peak_mib(ours)
        naive_mem = peak_mib(naive)
    assert counts["matcher"] == counts["baseline"] == total, counts
    report(
        f"ingest {total:,} postings from the sandbox (market of {POSTINGS:,}; median of 3)",
        [
            (
                "matcher ingest (validated, exactly once)",
                f"{ours_s:.2f} s",
                f"{total / ours_s:,.0f} rows/s",
                f"{ours_mem:.0f} MiB",
            ),
            (
                "baseline: new connection per page, no checks",
                f"{naive_s:.2f} s",
                f"{total / naive_s:,.0f} rows/s",
                f"{naive_mem:.0f} MiB",
            ),
        ],
    )
    print(f"  ratio matcher / baseline (time): {ours_s / naive_s:.2f}x")
