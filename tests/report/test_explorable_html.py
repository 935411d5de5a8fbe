"""The explorable report's parts without a browser: the band change, the p50 history, the common currency,
the cross-vacancy chart's scale, collapsed sections for long reports and the script's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.benchmark.stage import record_benchmarks
from matcher.report import html
from matcher.report.charts import relative_domain
from matcher.report.history import load_history
from matcher.report.html import SCRIPT, band_change, render_report
from tests.report.test_explorable import explorable_frames, history
from tests.report.test_html import ALLOWED_TAGS, AS_OF, GENERATED, frames, only_our_script, parse, section

D = Decimal
MARKET = {"p25": D("94900.00"), "p50": D("96400.50"), "p75": D("115250.00"), "currency": "EUR"}


def test_band_change_to_reach_p25_and_p50() -> None:
    # below: 94,900 - 90,000 = 4,900 to p25; 96,400.50 - 90,000 = 6,400.50 -> 6,401 (half up) to p50
    short, words, share = band_change({"band_min": D(70000), "band_max": D(90000), **MARKET})
    assert short == "max +4,900 → p25; +6,401 → p50"
    assert words == (
        "Raise the maximum by 4,900 EUR to reach p25 (94,900) and by 6,401 EUR to reach p50 (96,401)."
    )
    assert share == D("6400.50") / D("96400.50")
    # within, max under p50: 96,400.50 - 95,000 = 1,400.50 -> 1,401
    assert band_change({"band_min": D(80000), "band_max": D(95000), **MARKET})[0] == "max +1,401 → p50"
    # above: 130,000 - 115,250 = 14,750 to p75; 130,000 - 96,400.50 = 33,599.50 -> 33,600 to p50
    short, words, _ = band_change({"band_min": D(130000), "band_max": D(150000), **MARKET})
    assert short == "min −14,750 → p75; −33,600 → p50"
    assert words.startswith("Lower the minimum by 14,750 EUR to reach p75 (115,250)")
    assert band_change({"band_min": D(100000), "band_max": D(120000), **MARKET})[0] == "min −3,600 → p50"
    assert band_change({"band_min": D(90000), "band_max": D(100000), **MARKET})[0] == "none: spans p50"
    assert band_change({"band_min": D(90000), "band_max": D(100000), "p50": None}) == ("", "", None)


def test_the_overview_and_the_section_say_the_band_change() -> None:
    doc = parse(render_report(explorable_frames(), as_of=AS_OF, generated_at=GENERATED))
    v1 = doc.all("tr", "vacancy-row")[0]
    (cell,) = v1.all("td", "change-needed")
    assert cell.content() == "max +4,900 → p25+6,401 → p50"  # one target a line
    reading = section(doc, "v1").all("p", "reading")[0].content()
    assert "Raise the maximum by 4,900 EUR to reach p25 (94,900) and by 6,401 EUR to reach p50" in reading


def test_common_currency_column_only_with_reporting_amounts() -> None:
    doc = parse(render_report(explorable_frames(), as_of=AS_OF, generated_at=GENERATED))
    headers = [th.content() for th in doc.all("table", "overview")[0].all("th")]
    assert "p50 in USD" in headers
    v1, v2, _ = doc.all("tr", "vacancy-row")
    # 96,400.50 x 1.08 = 104,112.54 -> 104,113; band 70,000-90,000 x 1.08 = 75,600-97,200
    usd = next(td for td in v1.all("td") if td.attrs.get("data-label") == "p50 in USD")
    assert usd.content() == "104,113band 75,600–97,200"
    assert usd.attrs["data-sort"] == "104112.54"
    usd = next(td for td in v2.all("td") if td.attrs.get("data-label") == "p50 in USD")
    assert usd.content() == "–band 79,300–96,200"  # 122,000-148,000 AUD x 0.65
    old = parse(render_report(frames(), as_of=AS_OF, generated_at=GENERATED))  # written before the columns
    assert not any("p50 in" in th.content() for th in old.all("th"))


def test_p50_history_is_read_from_the_lake(tmp_path: Path) -> None:
    benchmarks = explorable_frames()["vacancy_benchmarks"]
    record_benchmarks(tmp_path, benchmarks, run_at=datetime(2026, 10, 19, 9, tzinfo=UTC))
    p50 = pl.when(pl.col("vacancy_id") == "v1").then(pl.lit(D("90000.00"), pl.Decimal(26, 2)))
    older = benchmarks.drop("confidence").with_columns(p50.alias("p50"))
    record_benchmarks(tmp_path, older, run_at=datetime(2026, 10, 12, 9, tzinfo=UTC))  # before a column
    runs = load_history(tmp_path)
    assert runs.columns == ["run_at", "scenario_id", "vacancy_id", "currency", "p50", "confidence"]
    assert runs.height == 6
    v1 = runs.filter(pl.col("vacancy_id") == "v1")
    assert v1["p50"].to_list() == [D("90000.00"), D("96400.50")]
    assert v1["confidence"].to_list() == [None, "medium"]
    assert load_history(tmp_path / "empty").height == 0
    page = parse(render_report(explorable_frames(), as_of=AS_OF, generated_at=GENERATED, history=runs))
    trend = section(page, "v1").all("div", "trend")[0]
    assert "p50 over the last 3 runs (EUR)" in trend.content()
    assert len(trend.all("circle", "run")) == 3
    # the runs' table, newest first
    cells = [tr.all("td")[1].content() for tr in trend.all("table", "runs")[0].all("tbody")[0].all("tr")]
    assert cells == ["96,401", "96,401", "90,000"]
    # v2 never had a p50: said in words, no chart
    assert "no market p50 in any of the last 3 runs" in section(page, "v2").content()


def test_the_trend_keeps_only_the_vacancys_present_currency() -> None:
    page = parse(render_report(explorable_frames(), as_of=AS_OF, generated_at=GENERATED, history=history()))
    assert "first run" in section(page, "v2").all("p", "trend")[0].content()  # its earlier run was in NZD
    assert len(section(page, "v1").all("circle", "run")) == 3


def test_cross_vacancy_chart_scale() -> None:
    # v1: band 72.6-93.4%, market 98.4-119.6% of p50 -> 70% to 120% in steps of 10
    assert relative_domain([72.6, 93.4, 98.4, 119.6]) == (70.0, 120.0, 10.0)
    assert relative_domain([]) == (90.0, 110.0, 10.0)  # no market anywhere: an axis around 100%
    low, high, step = relative_domain([10.0, 400.0])  # beyond 300% is drawn at the edge
    assert (low, high, step) == (0.0, 300.0, 50.0)
    doc = parse(render_report(explorable_frames(), as_of=AS_OF, generated_at=GENERATED))
    ticks = [s.content() for s in doc.all("div", "ticks")[0].all("span")]
    assert ticks == ["70%", "80%", "90%", "100%", "110%", "120%"]
    items = doc.all("ol", "band-chart")[0].all("li")
    assert [len(i.all("svg", "band-bar")) for i in items] == [1, 0, 0]


def test_sections_start_closed_in_a_long_report(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = parse(render_report(frames(), as_of=AS_OF, generated_at=GENERATED))
    assert all("open" in s.all("details")[0].attrs for s in doc.all("section", "vacancy"))
    monkeypatch.setattr(html, "OPEN_UP_TO", 2)  # three vacancies: more than that
    doc = parse(render_report(frames(), as_of=AS_OF, generated_at=GENERATED))
    assert not any("open" in s.all("details")[0].attrs for s in doc.all("section", "vacancy"))


def test_links_to_the_report_files_beside_the_page() -> None:
    doc = parse(render_report(frames(), as_of=AS_OF, generated_at=GENERATED))
    hrefs = [a.attrs["href"] for a in doc.all("nav")[0].all("a")]
    assert hrefs[:2] == ["vacancy_benchmarks.csv", "vacancy_benchmarks.parquet"]
    assert len(hrefs) == 10


def test_the_script_writes_no_markup_and_runs_no_text() -> None:
    # Trusted Types in the policy enforce it in the browser; this keeps the source honest too
    sinks = (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "setTimeout",
    )
    assert [sink for sink in sinks if sink in SCRIPT] == []
    assert not re.search(r"</script", SCRIPT, re.I)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=8), st.text(max_size=12))
def test_arbitrary_text_in_the_new_parts_never_injects_markup(
    role: str, location: str, country: str, confidence: str
) -> None:
    result = explorable_frames()
    benchmarks = result["vacancy_benchmarks"]
    benchmarks[0, "role"], benchmarks[0, "location"] = role, location
    benchmarks[0, "country_code"], benchmarks[1, "confidence"] = country, confidence
    benchmarks[1, "reporting_currency"] = role
    result["vacancy_benchmarks"] = benchmarks
    doc = parse(render_report(result, as_of=AS_OF, generated_at=GENERATED, history=history()))
    assert doc.tags() <= ALLOWED_TAGS
    only_our_script(doc)
    assert len(doc.all("tr", "vacancy-row")) == 3
    assert len(doc.all("ol", "band-chart")[0].all("li")) == 3
    v1 = doc.all("tr", "vacancy-row")[0]
    assert v1.attrs["data-country"] == country.lower()
    assert v1.all("td")[0].all("a")[0].content() == role


def test_every_vacancy_section_names_its_pool(demo_outputs: tuple[Path, Path]) -> None:
    """The pool the percentiles come from ("national US", "metro Austin", a peer group) is named in each
    section, as vacancy_benchmarks.pool says."""
    from matcher.report.writer import load_reports

    reports = load_reports(demo_outputs[1])
    benchmarks = reports["vacancy_benchmarks"]
    assert benchmarks["pool"].null_count() == 0
    doc = parse(render_report(reports, as_of=AS_OF, generated_at=GENERATED))
    for row in benchmarks.filter(
        pl.col("is_open") if "is_open" in benchmarks.columns else pl.lit(True)
    ).to_dicts():
        reading = section(doc, row["vacancy_id"]).content()
        assert f"Pool: {row['pool']}." in reading, row["vacancy_id"]
