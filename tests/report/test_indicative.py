"""Percentiles of a ``none``-confidence pool are marked indicative wherever they appear: the
``percentiles_indicative`` column (Parquet and CSV), the HTML report and the CLI table."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import polars as pl

from matcher.cli.normalize import console
from matcher.cli.pipeline import _print_benchmarks
from matcher.report.html import render_report
from matcher.report.writer import load_reports, write_reports
from tests.report.test_html import AS_OF, GENERATED, frames, parse, section


def _indicative_frames() -> dict[str, pl.DataFrame]:
    """v1 with four salaries from four companies: percentiles, but confidence none."""
    result = frames()
    is_v1 = pl.col("vacancy_id") == "v1"
    result["vacancy_benchmarks"] = result["vacancy_benchmarks"].with_columns(
        pl.when(is_v1).then(pl.lit("none")).otherwise(pl.col("confidence")).alias("confidence"),
        pl.when(is_v1).then(pl.lit("insufficient data")).otherwise(pl.col("verdict")).alias("verdict"),
        pl.when(is_v1).then(4).otherwise(pl.col("n_postings")).alias("n_postings"),
        pl.when(is_v1).then(4).otherwise(pl.col("n_companies")).alias("n_companies"),
        is_v1.alias("percentiles_indicative"),
    )
    return result


def test_the_html_report_marks_indicative_percentiles() -> None:
    for report in (_indicative_frames(), _without_the_column()):
        doc = parse(render_report(report, as_of=AS_OF, generated_at=GENERATED))
        v1, v2, _ = (r.content() for r in doc.all("tr", "vacancy-row"))
        assert "94,900–115,250" in v1 and "indicative" in v1  # the market range, tagged
        assert "96,401*" in v1 and "0.72*" in v1  # p50 and compa-ratio starred
        assert "indicative" not in v2 and "*" not in v2  # no percentiles at all: nothing to mark
        v1_section = section(doc, "v1")
        assert "Indicative only:" in v1_section.all("p", "reading")[0].content()
        assert "indicative only" in v1_section.all("svg", "salary-chart")[0].content()
        assert "indicative only" not in section(doc, "v2").all("svg", "salary-chart")[0].content()
        assert "* marks percentiles that are indicative only" in doc.all("header")[0].content()


def _without_the_column() -> dict[str, pl.DataFrame]:
    """Reports written before ``percentiles_indicative``: worked out from ``confidence`` and ``p50``."""
    report = _indicative_frames()
    report["vacancy_benchmarks"] = report["vacancy_benchmarks"].drop("percentiles_indicative")
    return report


def test_a_medium_confidence_row_is_not_marked() -> None:
    doc = parse(render_report(frames(), as_of=AS_OF, generated_at=GENERATED))
    v1 = doc.all("tr", "vacancy-row")[0].content()
    assert "indicative" not in v1 and "96,401" in v1 and "96,401*" not in v1


def test_the_column_survives_parquet_and_csv(tmp_path: Path) -> None:
    write_reports(_indicative_frames(), tmp_path)
    back = load_reports(tmp_path)["vacancy_benchmarks"]
    assert back.select("vacancy_id", "percentiles_indicative").rows() == [
        ("v1", True),
        ("v2", False),
        ('v3 "/<x>', False),
    ]
    csv = pl.read_csv(tmp_path / "vacancy_benchmarks.csv")
    assert csv["percentiles_indicative"].to_list() == [True, False, False]


def test_the_cli_table_stars_indicative_percentiles() -> None:
    bench = _indicative_frames()["vacancy_benchmarks"]
    with console.capture() as captured:
        _print_benchmarks(bench)
    lines = captured.get().splitlines()
    (v1,) = [line for line in lines if "Senior Data Engineer" in line]
    (v2,) = [line for line in lines if "Growth Marketing" in line]
    # p25-p75 95k-115k, p50 96k, compa 0.72: each starred
    assert "95k-115k*" in v1 and "96k*" in v1 and "0.72*" in v1
    assert "*" not in v2
    assert any(line.startswith("* indicative only: confidence none") for line in lines)
    with console.capture() as captured:
        _print_benchmarks(bench.filter(pl.col("vacancy_id") == "v2"))
    assert "indicative" not in captured.get()  # no footnote when nothing is starred
    assert D("96400.50") == bench["p50"][0]
