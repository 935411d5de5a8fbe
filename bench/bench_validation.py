"""Row validation: ``validate_tolerantly`` (read or null a bad field, keep the row) against plain pydantic.

Workload: the rows of the sandbox's synthetic market (20,000 postings), once as generated and once with the
``posting-quirks`` treatment on every row (each row gets one or two type quirks: int flags, strings for
lists, dates with a time, salaries as strings, nested locations). Both runs validate the same Python dicts in
the same process; JSON decoding, HTTP and Parquet are not included.

- matcher: ``validate_tolerantly(PostingRow, row, required=["id"])``.
- baseline: ``PostingRow.model_validate(row)`` inside try/except (what ingest did before: a row with any bad
  field is rejected whole; on the quirked rows the baseline rejects most of them, matcher keeps all).
"""

from __future__ import annotations

import random
import time
from typing import Any

from pydantic import ValidationError

from bench._harness import median_seconds, peak_mib, report
from matcher.ingest.models import PostingRow, validate_tolerantly
from matcher.sandbox.floqer import quirk_row
from matcher.sandbox.market import MarketConfig, generate_market

POSTINGS = 20_000


def _ours(rows: list[dict[str, Any]]) -> int:
    return sum(validate_tolerantly(PostingRow, row, required=("id",)).record is not None for row in rows)


def _baseline(rows: list[dict[str, Any]]) -> int:
    kept = 0
    for row in rows:
        try:
            PostingRow.model_validate(row)
            kept += 1
        except ValidationError:
            pass
    return kept


def main() -> None:
    market = generate_market(MarketConfig(seed=42, n_postings=POSTINGS))
    clean = [dict(r) for r in market.postings]
    rng = random.Random(7)
    quirked = [quirk_row(dict(r), rng)[0] for r in market.postings]
    rows_out = []
    for label, rows in (("as generated", clean), ("every row quirked", quirked)):
        kept = {"ours": _ours(rows), "base": _baseline(rows)}
        cpu_start = time.process_time()
        ours_s = median_seconds(lambda rows=rows: _ours(rows), repeat=3)
        ours_cpu = (time.process_time() - cpu_start) / 3
        cpu_start = time.process_time()
        base_s = median_seconds(lambda rows=rows: _baseline(rows), repeat=3)
        base_cpu = (time.process_time() - cpu_start) / 3
        ours_mem = peak_mib(lambda rows=rows: _ours(rows))
        base_mem = peak_mib(lambda rows=rows: _baseline(rows))
        rate = f"{len(rows) / ours_s:,.0f} rows/s"
        rows_out.append(
            (f"matcher, {label} ({kept['ours']:,} kept)", f"{ours_s:.2f} s", rate, f"{ours_mem:.0f} MiB")
        )
        rate = f"{len(rows) / base_s:,.0f} rows/s"
        rows_out.append(
            (f"baseline, {label} ({kept['base']:,} kept)", f"{base_s:.2f} s", rate, f"{base_mem:.0f} MiB")
        )
        print(
            f"  {label}: ratio matcher / baseline {ours_s / base_s:.2f}x wall, "
            f"{ours_cpu / base_cpu:.2f}x CPU (CPU s per pass: {ours_cpu:.2f} vs {base_cpu:.2f})"
        )
    report(f"validate {POSTINGS:,} posting rows (median of 3; same dicts, same process)", rows_out)


if __name__ == "__main__":
    main()
