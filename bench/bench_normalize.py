"""Normalization measured on real data (``../shared/data``; skipped with a message when it is absent).

- currency: ai-jobs.net rows with a non-USD ``salary_currency``: the share whose ``salary`` converted to USD
  as of July 1 of ``work_year`` (ECB rates) is within 5% of the publisher's ``salary_in_usd``; side by side
  with a baseline that converts every row at one fixed rate per currency (the rates of the newest year).
- salary parsing throughput: ``parse_salary`` over the sandbox market's salary strings, per distinct string
  against per row (the stage parses each distinct string once).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from bench._harness import median_seconds, peak_mib, report
from matcher.common.errors import DataError
from matcher.normalize.currency import convert_currency
from matcher.normalize.salary import parse_salary
from matcher.sandbox.market import MarketConfig, generate_market

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def bench_currency() -> None:
    path = SHARED / "aijobs" / "salaries.csv"
    if not path.exists():
        print(f"\n== currency: skipped, {path} is absent")
        return
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8")) if r["salary_currency"] != "USD"]
    newest = max(int(r["work_year"]) for r in rows)

    def share(fixed: bool) -> tuple[float, Counter[str], int]:
        within, missing = 0, Counter[str]()
        for row in rows:
            year = newest if fixed else int(row["work_year"])
            try:
                usd = convert_currency(
                    Decimal(row["salary"]), row["salary_currency"], "USD", on=date(year, 7, 1)
                ).amount
            except DataError:
                missing[row["salary_currency"]] += 1
                continue
            if abs(usd / Decimal(row["salary_in_usd"]) - 1) <= Decimal("0.05"):
                within += 1
        return within / len(rows), missing, len(rows)

    started = time.perf_counter()
    ours, missing, n = share(False)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline, _, _ = share(True)
    base_s = time.perf_counter() - started
    report(
        f"currency: {n:,} ai-jobs.net rows in other currencies, USD within 5% of the published (target 93%)",
        [
            ("ECB rate as of July 1 of work_year", f"{ours_s:.2f} s", f"{ours:.1%} within 5%", ""),
            (
                f"baseline: July 1 {newest} rate for every year",
                f"{base_s:.2f} s",
                f"{baseline:.1%} within 5%",
                "",
            ),
        ],
    )
    if missing:
        print(f"  not convertible (no ECB rate): {dict(missing)}")


def bench_salary_parsing() -> None:
    market = generate_market(MarketConfig(n_postings=50_000))
    texts = [(p["salary_string"], p["country_code"]) for p in market.postings if p["salary_string"]]
    distinct = list(dict.fromkeys(texts))

    def per_row() -> None:
        for text, country in texts:
            parse_salary(text, country=country)

    def per_distinct() -> None:
        parsed = {key: parse_salary(key[0], country=key[1]) for key in distinct}
        for key in texts:
            parsed[key]

    row_s = median_seconds(per_row, repeat=3)
    distinct_s = median_seconds(per_distinct, repeat=3)
    report(
        f"parse_salary on {len(texts):,} salary strings ({len(distinct):,} distinct; median of 3)",
        [
            (
                "once per distinct string",
                f"{distinct_s:.2f} s",
                f"{len(texts) / distinct_s:,.0f} rows/s",
                f"{peak_mib(per_distinct):.0f} MiB",
            ),
            (
                "baseline: once per row",
                f"{row_s:.2f} s",
                f"{len(texts) / row_s:,.0f} rows/s",
                f"{peak_mib(per_row):.0f} MiB",
            ),
        ],
    )
    print(f"  ratio per-row / per-distinct: {row_s / distinct_s:.2f}x")


def main() -> None:
    bench_currency()
    bench_salary_parsing()
