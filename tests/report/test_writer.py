"""Reports on disk: spreadsheet-safe CSV, exact Parquet, load_reports."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from matcher.common.errors import DataError
from matcher.report.writer import REPORTS, load_reports, spreadsheet_safe, write_reports

HOSTILE = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Plain", "a=b"]


def test_formula_cells_are_neutralized_in_csv_only(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "company": HOSTILE,
            "skills": [["=cmd", "ok"]] * len(HOSTILE),
            "p50": [Decimal("1.50")] * len(HOSTILE),
        },
        schema_overrides={"p50": pl.Decimal(26, 2)},
    )
    frames = dict.fromkeys(REPORTS, frame)
    write_reports(frames, tmp_path)
    with (tmp_path / "vacancy_matches.csv").open(newline="", encoding="utf-8") as handle:
        cells = [row["company"] for row in csv.DictReader(handle)]
    assert cells == ["'" + c for c in HOSTILE[:6]] + ["Plain", "a=b"]
    assert spreadsheet_safe(frame)["skills"][0] == "'=cmd; ok"
    loaded = load_reports(tmp_path)
    assert loaded["vacancy_matches"]["company"].to_list() == HOSTILE  # Parquet keeps the text as it was
    assert loaded["vacancy_matches"]["p50"][0] == Decimal("1.50")
    assert not list(tmp_path.glob("*.tmp"))


def test_load_reports_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"vacancy_benchmarks\.parquet"):
        load_reports(tmp_path)


def test_structured_columns_are_structs_in_parquet_and_text_in_csv(tmp_path: Path) -> None:
    components = pl.List(pl.Struct({"component": pl.String, "score": pl.Float64, "weight": pl.Float64}))
    mix = pl.List(pl.Struct({"level": pl.String, "n": pl.Int64}))
    frame = pl.DataFrame(
        {
            "components": [
                [
                    {"component": "title", "score": 87.5, "weight": 0.5},
                    {"component": "recency", "score": 40.0, "weight": 0.0556},
                ],
                [],
            ],
            "seniority_mix": [[{"level": "=mid", "n": 3}, {"level": "senior", "n": 1}], None],
        },
        schema={"components": components, "seniority_mix": mix},
    )
    write_reports(dict.fromkeys(REPORTS, frame), tmp_path)
    with (tmp_path / "competitor_hiring.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["components"] for row in rows] == [
        "title: score 87.5, weight 0.5; recency: score 40.0, weight 0.0556",
        "",
    ]
    # text a spreadsheet would read as a formula is neutralized like any text cell
    assert [row["seniority_mix"] for row in rows] == ["'=mid: n 3; senior: n 1", ""]
    loaded = load_reports(tmp_path)["competitor_hiring"]
    assert loaded.schema == frame.schema
    assert loaded.to_dicts() == frame.to_dicts()
