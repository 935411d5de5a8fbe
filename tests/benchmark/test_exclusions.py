"""Analysts' exclusions: the file, the benchmark without the struck matches (numbers by hand), the CLI."""

from __future__ import annotations

import csv
import re
import tempfile
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher.benchmark.exclusions import load_exclusions
from matcher.cli import app
from matcher.common.errors import DataError
from matcher.report.writer import load_reports
from tests.benchmark.test_stage import frames, posting
from tests.conftest import copy_demo_lake

FIVE = [
    # midpoints 100k, 110k, 120k, 130k, 140k from five companies; scores 90.0, 89.9, ... 89.6
    posting("a1", "A", 95_000, 105_000),
    posting("b1", "B", 105_000, 115_000),
    posting("c1", "C", 115_000, 125_000),
    posting("d1", "D", 125_000, 135_000),
    posting("e1", "E", 135_000, 145_000),
]


def test_an_exclusion_changes_the_benchmark_as_worked_out_by_hand() -> None:
    before = frames(FIVE)["vacancy_benchmarks"].row(0, named=True)
    assert (before["p25"], before["p50"], before["p75"]) == (D("110000.00"), D("120000.00"), D("130000.00"))
    struck = pl.DataFrame(
        {
            "vacancy_id": ["v1", "v1"],
            "posting_id": ["e1", "zz"],
            "reason": ["staff level, not senior", "typo: no such posting"],
        }
    )
    result = frames(FIVE, exclusions=struck)
    after = result["vacancy_benchmarks"].row(0, named=True)
    # 100, 110, 120, 130k: p50 = 115k; p25 at rank 0.75 = 107.5k; p75 at rank 2.25 = 122.5k
    assert (after["p25"], after["p50"], after["p75"]) == (D("107500.00"), D("115000.00"), D("122500.00"))
    assert after["n_postings"] == 4 and after["n_companies"] == 4 and after["n_matched"] == 4
    assert after["compa_ratio"] == D("0.957")  # band midpoint 110k / 115k = 0.9565...
    assert (after["band_min_percentile"], after["band_max_percentile"]) == (25.0, 75.0)  # 1 and 3 of 4
    assert after["n_excluded"] == 1  # "zz" matched nothing: not counted as a struck match
    excluded = result["excluded_matches"].sort("posting_id")
    assert excluded.select("posting_id", "matched", "company", "reason").rows() == [
        ("e1", True, "E", "staff level, not senior"),
        ("zz", False, None, "typo: no such posting"),
    ]
    assert excluded["score"].to_list() == [pytest.approx(89.6), None]
    assert "e1" not in result["vacancy_matches"]["posting_id"].to_list()
    assert set(result["benchmark_pool"]["posting_id"]) == {"a1", "b1", "c1", "d1"}


def test_an_exclusion_for_another_vacancy_changes_nothing() -> None:
    struck = pl.DataFrame({"vacancy_id": ["v2"], "posting_id": ["e1"], "reason": ["other role"]})
    before = frames(FIVE)["vacancy_benchmarks"].drop("n_excluded")
    after = frames(FIVE, exclusions=struck)
    assert after["vacancy_benchmarks"].drop("n_excluded").equals(before)
    assert after["excluded_matches"]["matched"].to_list() == [False]


def test_the_pool_marks_what_the_percentiles_count() -> None:
    more = [
        posting(f"{c}1", c.upper(), 100_000 + i * 10_000, 110_000 + i * 10_000) for i, c in enumerate("klmno")
    ]
    rows = [
        *FIVE,
        *more,  # midpoints 105k, 115k, ... 145k: eleven salaries with f1, enough to trim an outlier (>= 10)
        posting("f1", "F", 990_000, 1_010_000),  # median 125k, MAD 15k, limit 77.8k: trimmed
        posting("g1", "G", 60_000, 80_000, is_estimate=True),
    ]
    pool = frames(rows)["benchmark_pool"]
    counted = dict(pool.select("posting_id", "counted").iter_rows())
    assert counted == {
        **dict.fromkeys(("a1", "b1", "c1", "d1", "e1", "k1", "l1", "m1", "n1", "o1"), True),
        "f1": False,
        "g1": False,
    }
    assert pool.filter(pl.col("posting_id") == "a1")["salary_mid_vacancy_currency"].item() == D("100000.00")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_is_read_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.csv",
        "\ufeffvacancy_id,posting_id,reason,excluded_by\n"
        'v1,007,"agency, reposted",ana\n'
        "\n"
        "v1,007,second reason for the same pair,bob\n"
        " v2 , p9 , contract role ,\n",
    )
    frame = load_exclusions(path)
    assert frame.select("vacancy_id", "posting_id", "reason", "line").rows() == [
        ("v1", "007", "agency, reposted", 2),  # ids stay text: "007" is not 7
        ("v2", "p9", "contract role", 5),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vacancy_id,posting_id\nv1,p1\n", "header: got ['vacancy_id', 'posting_id'], expected the columns"),
        ("vacancy_id,posting_id,reason\nv1,p1,\n", "line 2: reason: got '', expected a non-empty value"),
        ("vacancy_id,posting_id,reason\nv1,p1,ok\n,p2,why\n", "line 3: vacancy_id: got ''"),
    ],
)
def test_a_bad_file_names_the_line_the_field_and_the_value(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        load_exclusions(write(tmp_path / "x.csv", text))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="expected an existing CSV file"):
        load_exclusions(tmp_path / "nope.csv")


def test_the_cli_honours_the_file_and_shows_the_change_since_the_previous_run(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    first = load_reports(demo_outputs[1])
    top = (
        first["vacancy_matches"]
        .filter(pl.col("in_benchmark_pool") & pl.col("salary_mid_vacancy_currency").is_not_null())
        .sort("vacancy_id", "rank")
        .row(0, named=True)
    )
    path = write(
        tmp_path / "ex.csv", f"vacancy_id,posting_id,reason\n{top['vacancy_id']},{top['posting_id']},wrong\n"
    )
    reports = tmp_path / "reports"
    result = CliRunner().invoke(
        app, ["benchmark", "--lake", str(lake), "--reports", str(reports), "--exclusions", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "exclusions: 1 from" in result.output and "1 match(es) struck" in result.output
    second = load_reports(reports)
    row = second["vacancy_benchmarks"].filter(pl.col("vacancy_id") == top["vacancy_id"]).row(0, named=True)
    assert row["n_excluded"] == 1
    assert row["previous_run_at"] is not None  # the demo's run was recorded in the lake
    before = first["vacancy_benchmarks"].filter(pl.col("vacancy_id") == top["vacancy_id"]).row(0, named=True)
    assert row["p50_previous"] == before["p50"]
    # one posting fewer before the company cap (a capped posting of the same company may take its place)
    assert row["n_matched"] + row["n_capped"] == before["n_matched"] + before["n_capped"] - 1
    struck = second["excluded_matches"].row(0, named=True)
    assert (struck["posting_id"], struck["matched"], struck["reason"]) == (top["posting_id"], True, "wrong")
    assert (
        top["posting_id"]
        not in second["vacancy_matches"]
        .filter(pl.col("vacancy_id") == top["vacancy_id"])["posting_id"]
        .to_list()
    )


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and s != "")


@settings(deadline=None)  # file writes: timing depends on the machine's load
@given(st.lists(st.tuples(_cell, _cell, _cell), min_size=1, max_size=8, unique_by=lambda r: r[:2]))
def test_any_written_file_reads_back_exactly(rows: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["vacancy_id", "posting_id", "reason"])
            writer.writerows(rows)
        frame = load_exclusions(path)
    assert frame.select("vacancy_id", "posting_id", "reason").rows() == rows  # text stays text, exactly
