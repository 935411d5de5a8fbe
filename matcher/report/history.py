"""Every earlier benchmark run's p50 per vacancy, from ``lake/benchmark/history``, for the report's p50 trend.

history = load_history("data/lake")  # run_at, scenario_id, vacancy_id, currency, p50, confidence
render_report(frames, history=history)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from matcher.lake.layout import TABLES

HISTORY_SCHEMA: dict[str, Any] = {
    "run_at": pl.Datetime("us", "UTC"),
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "currency": pl.String,
    "p50": pl.Decimal(26, 2),
    "confidence": pl.String,
}


def load_history(lake: Path | str) -> pl.DataFrame:
    """One row per (run, vacancy) of every run ``record_benchmarks`` kept in ``lake`` (empty when none);
    files written before a column existed give nulls in it."""
    parts = []
    for path in TABLES["benchmark_history"].files(lake):
        present = pl.read_parquet_schema(path)
        wanted = [name for name in HISTORY_SCHEMA if name in present]
        frame = pl.read_parquet(path, columns=wanted)
        parts.append(
            frame.select(
                (pl.col(name) if name in present else pl.lit(None)).cast(dtype).alias(name)
                for name, dtype in HISTORY_SCHEMA.items()
            )
        )
    if not parts:
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    return pl.concat(parts).sort("run_at", "scenario_id", "vacancy_id")
