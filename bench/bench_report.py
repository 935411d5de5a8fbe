"""The HTML report's cost: ``render_report`` against ``write_reports`` (Parquet + CSV) of the same frames.

The demo's reports (``matcher.demo.run_demo``, the library call behind ``matcher demo``: 18 open vacancies,
K = 50) are replicated to 180 and 540 vacancies (renamed copies), so the page grows as a tenant's would.
Printed per size: the HTML's median time, the baseline's (the five tabular reports written to a temporary
directory), their ratio, the page's size and the peak Python heap.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from bench._harness import median_seconds, peak_mib, report
from matcher.demo import run_demo
from matcher.report.html import render_report
from matcher.report.writer import load_reports, write_reports

COPIES = (1, 10, 30)


def _scaled(frames: dict[str, pl.DataFrame], copies: int) -> dict[str, pl.DataFrame]:
    def copy(frame: pl.DataFrame, i: int) -> pl.DataFrame:
        if "vacancy_id" not in frame.columns:
            return frame
        return frame.with_columns((pl.col("vacancy_id") + f"-{i}").alias("vacancy_id"))

    return {name: pl.concat([copy(f, i) for i in range(copies)]) for name, f in frames.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        run_demo(root / "lake", root / "r")
        demo = load_reports(root / "r")
        rows = []
        for copies in COPIES:
            frames = _scaled(demo, copies)
            n = frames["vacancy_benchmarks"].height
            html = median_seconds(lambda frames=frames: render_report(frames), repeat=3)
            base = median_seconds(lambda frames=frames: write_reports(frames, root / "tabular"), repeat=3)
            size = len(render_report(frames).encode()) / 2**20
            peak = peak_mib(lambda frames=frames: render_report(frames))
            rows.append(
                (f"report.html, {n} vacancies ({size:.1f} MiB)", f"{html:.3f} s", "", f"{peak:.0f} MiB")
            )
            rows.append(
                (f"  baseline write_reports, {n} vacancies", f"{base:.3f} s", f"ratio {html / base:.2f}x", "")
            )
    report("HTML report vs the tabular reports (same frames)", rows)


if __name__ == "__main__":
    main()
