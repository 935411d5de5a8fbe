"""Why a vacancy has no verdict: what was left out of its pool and the change that would help most."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from matcher.benchmark import why
from matcher.cli.pipeline import _print_benchmarks
from matcher.cli.pipeline import console as cli_console
from matcher.report.writer import load_reports


def _funnel(rows: list[tuple[str, str, bool, str | None]]) -> pl.DataFrame:
    """(reason, company, has an employer salary, detail) rows of one vacancy ``v1``."""
    return pl.DataFrame(
        [
            {
                "scenario_id": "",
                "vacancy_id": "v1",
                "posting_id": f"p{i}",
                "reason": reason,
                "score": 80.0,
                "company": company,
                "_salaried": salaried,
                "_detail": detail,
            }
            for i, (reason, company, salaried, detail) in enumerate(rows)
        ]
    )


def _benchmark(**fields: Any) -> pl.DataFrame:
    row = {
        "scenario_id": "",
        "vacancy_id": "v1",
        "band_min": 100,
        "band_max": 120,
        "n_postings": 3,
        "n_companies": 3,
        "confidence": "none",
        "verdict": "insufficient data",
    }
    return pl.DataFrame([row | fields])


VACANCY = pl.DataFrame(
    [{"scenario_id": "", "vacancy_id": "v1", "work_type_name": "Contractor", "seniority": "mid",
      "country_code": "US"}]
)  # fmt: skip
SETTINGS = {"min_score": 75.0, "level_policy": "exact"}


def test_the_lever_that_reaches_a_verdict_wins_over_more_postings_abroad() -> None:
    # 3 counted (3 companies); 14 employee postings with a salary from 7 companies (3 + 14 = 17 >= 15: a
    # verdict); 40 postings abroad with a salary (more salaries, but no setting brings them in)
    rows = [("counted", f"c{i}", True, None) for i in range(3)]
    rows += [(why.WORK_TYPE, f"e{i % 7}", True, "full_time") for i in range(14)]
    rows += [(why.WORK_TYPE, "e0", False, "full_time")]
    rows += [(why.COUNTRY, f"a{i}", True, "GB") for i in range(40)]
    out = why.explain_no_verdict(_benchmark(), _funnel(rows), VACANCY, SETTINGS).row(0, named=True)
    assert out["left_out"] == [
        {"reason": why.WORK_TYPE, "n": 15, "salaries": 14, "companies": 7},
        {"reason": why.COUNTRY, "n": 40, "salaries": 40, "companies": 40},
    ]  # in the stages' order
    assert out["why_no_verdict"] == (
        "3 employer-posted salaries from 3 companies (none confidence); a verdict needs 15 from 3 "
        "(medium confidence)"
    )
    change = out["suggested_change"]
    assert change.startswith("this is a Contractor vacancy: 3 postings of its work type match; 15 postings")
    assert "require_work_type = false" in change and "then 17 salaries from 10 companies: enough" in change


def test_level_counts_only_the_levels_adjacent_would_admit() -> None:
    # a mid vacancy: 10 senior (one level apart) and 10 director (three apart) postings, all with salaries
    rows = [("counted", f"c{i}", True, None) for i in range(3)]
    rows += [(why.LEVEL, f"s{i}", True, "senior") for i in range(10)]
    rows += [(why.LEVEL, f"d{i}", True, "director") for i in range(10)]
    out = why.explain_no_verdict(_benchmark(), _funnel(rows), VACANCY, SETTINGS).row(0, named=True)
    assert "`[benchmark] level_policy = adjacent`" in out["suggested_change"]
    assert "then 13 salaries from 13 companies: still short of a verdict" in out["suggested_change"]


def test_score_below_the_threshold_names_the_threshold_that_would_do() -> None:
    # 3 counted; salaried matches below 75 scoring 74, 73, ..., 60: 12 more are needed, the 12th best is 63
    rows = [("counted", f"c{i}", True, None) for i in range(3)]
    rows += [(why.BELOW, f"b{i}", True, f"{74 - i}.0") for i in range(15)]
    out = why.explain_no_verdict(_benchmark(), _funnel(rows), VACANCY, SETTINGS).row(0, named=True)
    assert "lower `[benchmark] min_score` to 63" in out["suggested_change"]
    assert "then 15 salaries from 15 companies: enough for a verdict" in out["suggested_change"]


def test_nothing_matched_and_outside_the_plan() -> None:
    empty = _funnel([]).clear()
    out = why.explain_no_verdict(_benchmark(n_postings=0, n_companies=0), empty, VACANCY, SETTINGS)
    assert out.row(0, named=True)["suggested_change"].startswith("no posting in the lake matches this job")
    planned = why.explain_no_verdict(_benchmark(), empty, VACANCY, SETTINGS, planned={"other"})
    row = planned.row(0, named=True)
    assert row["left_out"] == [{"reason": "outside the Floqer plan", "n": 0, "salaries": 0, "companies": 0}]
    assert "outside the Floqer plan" in row["suggested_change"]
    assert why.explain_no_verdict(_benchmark(verdict="within"), empty, VACANCY, SETTINGS).is_empty()


def test_every_demo_vacancy_without_a_verdict_says_why(demo_outputs: tuple[Path, Path]) -> None:
    _, reports = demo_outputs
    benchmarks = load_reports(reports)["vacancy_benchmarks"]
    assert benchmarks.schema["left_out"] == why.LEFT_OUT_TYPE  # structured in Parquet
    undecided = benchmarks.filter(pl.col("verdict") == "insufficient data")
    decided = benchmarks.filter(pl.col("verdict") != "insufficient data")
    assert undecided.height >= 5 and decided.height >= 5
    for row in undecided.iter_rows(named=True):
        assert row["why_no_verdict"] and row["suggested_change"], row["role"]
        assert row["left_out"] and all(item["n"] >= 0 for item in row["left_out"]), row["role"]
    assert decided.select(pl.col("left_out", "why_no_verdict", "suggested_change").is_null().all()).row(
        0
    ) == (
        True,
        True,
        True,
    )
    # the contractor vacancy: employee postings match it, the work-type rule left them out
    ios = undecided.filter(pl.col("role") == "iOS Engineer II").row(0, named=True)
    reasons = {item["reason"]: item for item in ios["left_out"]}
    assert reasons[why.WORK_TYPE]["salaries"] > 100
    assert ios["suggested_change"].startswith("this is a Contractor vacancy")
    assert "require_work_type = false" in ios["suggested_change"]
    # the CSV keeps a readable text form
    csv = pl.read_csv(reports / "vacancy_benchmarks.csv", infer_schema=False)
    text = csv.filter(pl.col("vacancy_id") == ios["vacancy_id"]).row(0, named=True)["left_out"]
    assert re.search(r"work type does not fit: n \d+, salaries \d+, companies \d+", text)
    # the HTML report: a "Why no verdict" box per vacancy without one, linked from the overview
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert html.count('<div class="why" id="') == undecided.height
    assert html.count(">why?</a>") == undecided.height
    assert "Suggested change:</strong> this is a Contractor vacancy" in html


def test_the_cli_table_prints_why(demo_outputs: tuple[Path, Path]) -> None:
    benchmarks = load_reports(demo_outputs[1])["vacancy_benchmarks"]
    undecided = benchmarks.filter(pl.col("why_no_verdict").is_not_null())
    with cli_console.capture() as captured:
        _print_benchmarks(benchmarks)
    out = captured.get()
    assert "why no verdict" in out
    for row in undecided.iter_rows(named=True):
        assert f"{row['role']} ({row['country_code']}): {row['why_no_verdict']}" in out
        assert f"-> {row['suggested_change']}" in out
    assert "left out: own company" in out or "left out: recruiting agency" in out


def test_a_vacancy_the_plan_searches_is_not_told_to_plan_again() -> None:
    """The plan already searches the vacancy: "track it in Floqer (`matcher floqer plan`)" would lead back to
    the same plan (a new user followed it in circles); the advice names what would change instead."""
    empty = _funnel([]).clear()
    out = why.explain_no_verdict(
        _benchmark(n_postings=0, n_companies=0), empty, VACANCY, SETTINGS, planned={"v1"}
    )
    change = out.row(0, named=True)["suggested_change"]
    assert change.startswith("no posting in the lake matches this job, though the Floqer plan searches it")
    assert "--max-variants" in change
    abroad = [(why.COUNTRY, f"a{i}", True, "GB") for i in range(4)]
    unplanned = why.explain_no_verdict(_benchmark(), _funnel(abroad), VACANCY, SETTINGS).row(0, named=True)
    planned = why.explain_no_verdict(_benchmark(), _funnel(abroad), VACANCY, SETTINGS, planned={"v1"}).row(
        0, named=True
    )
    assert unplanned["suggested_change"].endswith("track more postings in US (`matcher floqer plan`)")
    assert "the Floqer plan searches it in US already" in planned["suggested_change"]


def test_one_posting_one_salary_one_company_read_in_the_singular() -> None:
    funnel = _funnel([(why.AGENCY, "a0", True, None)])
    out = why.explain_no_verdict(_benchmark(n_postings=0, n_companies=0), funnel, VACANCY, SETTINGS).row(
        0, named=True
    )
    change = out["suggested_change"]
    assert change.startswith("1 recruiting-agency posting matches (1 salary from 1 company)"), change
    assert "then 1 salary from 1 company: still short of a verdict" in change
