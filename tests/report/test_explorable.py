"""The explorable report in headless Chromium at 1400 and 390 CSS pixels, with scripts on and off: sorting,
filtering, collapsing, the cross-vacancy chart, the p50 trend after two runs, hostile text, no request.

Scripts are turned off with the DevTools ``Emulation.setScriptExecutionDisabled`` before the page loads (the
page's own script never runs; WebDriver still reads the DOM).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from matcher.pipeline import Pipeline
from matcher.report.history import HISTORY_SCHEMA, load_history
from matcher.report.html import write_html_report
from matcher.report.writer import load_reports
from tests.conftest import copy_demo_lake
from tests.report.browser import BrowserMissing, chromium_driver, load
from tests.report.test_html import AS_OF, GENERATED, SCRIPT, frames
from tests.report.test_html_browser import PWN, check_inert
from tests.test_hostile_text import TEXT_PIECES

D = Decimal
WIDE, PHONE = 1400, 390
MODES = [(WIDE, True), (WIDE, False), (PHONE, True), (PHONE, False)]


def explorable_frames(**overrides: Any) -> dict[str, pl.DataFrame]:
    """``test_html.frames`` with the reporting-currency columns (EUR and AUD at 1.08 and 0.65 to USD)."""
    result = frames(**overrides)
    rate = pl.when(pl.col("currency") == "EUR").then(pl.lit(D("1.08"))).otherwise(pl.lit(D("0.65")))
    money = pl.Decimal(26, 2)
    result["vacancy_benchmarks"] = result["vacancy_benchmarks"].with_columns(
        reporting_currency=pl.lit("USD"),
        band_min_reporting=(pl.col("band_min") * rate).cast(money),
        band_max_reporting=(pl.col("band_max") * rate).cast(money),
        p50_reporting=(pl.col("p50") * rate).cast(money),
    )
    return result


def history() -> pl.DataFrame:
    """Two earlier runs of v1 (p50 90,000 then 92,400.50 EUR), one of v2 in another currency (not drawn)."""
    rows = [
        (datetime(2026, 10, 19, 9, tzinfo=UTC), "v1", "EUR", D("90000")),
        (datetime(2026, 10, 26, 9, tzinfo=UTC), "v1", "EUR", D("92400.50")),
        (datetime(2026, 10, 26, 9, tzinfo=UTC), "v2", "NZD", D("150000")),
    ]
    return pl.DataFrame(
        [{"run_at": t, "scenario_id": "", "vacancy_id": v, "currency": c, "p50": p} for t, v, c, p in rows],
        schema={k: v for k, v in HISTORY_SCHEMA.items() if k != "confidence"},
    ).with_columns(confidence=pl.lit("medium"))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explorable")
    return write_html_report(
        explorable_frames(), folder, as_of=AS_OF, generated_at=GENERATED, history=history()
    )


class Browsers:
    """One headless Chromium per (width, scripts on), started on first use and quit with the module."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.opened: Browsers = {}

    def __getitem__(self, mode: tuple[int, bool]) -> Chrome:
        if mode not in self.opened:
            driver = self.stack.enter_context(chromium_driver(width=mode[0]))
            metrics = {"width": mode[0], "height": 900, "deviceScaleFactor": 1, "mobile": mode[0] < 500}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": not mode[1]})
            self.opened[mode] = driver
        return self.opened[mode]


@pytest.fixture(scope="module")
def drivers() -> Iterator[Browsers]:
    with ExitStack() as stack:
        try:
            yield Browsers(stack)
        except BrowserMissing as missing:
            pytest.fail(str(missing), pytrace=False)


def open_page(drivers: Browsers, mode: tuple[int, bool], path: Path) -> Chrome:
    driver = drivers[mode]
    load(driver, path)
    return driver


def shown_ids(driver: Chrome, selector: str = "tr.vacancy-row") -> list[str]:
    """The vacancy ids (``data-vacancy-id``, else ``data-key``) of the displayed elements, in page order."""
    return [
        e.get_attribute("data-vacancy-id") or e.get_attribute("data-key") or ""
        for e in driver.find_elements(By.CSS_SELECTOR, selector)
        if e.is_displayed()
    ]


def box(driver: Chrome, element: WebElement) -> dict[str, float]:
    return driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)  # type: ignore[no-any-return]


# --- scripts on and off, both widths ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, ids=lambda m: f"{m[0]}px-scripts-{'on' if m[1] else 'off'}")
def test_every_row_shows_its_verdict_without_scrolling_sideways(
    drivers: Browsers, page: Path, mode: tuple[int, bool]
) -> None:
    driver = open_page(drivers, mode, page)
    width = driver.execute_script("return window.innerWidth")
    assert width == mode[0]
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    badges = driver.find_elements(By.CSS_SELECTOR, "tr.vacancy-row td.verdict .badge")
    assert [b.text for b in badges] == ["below", "insufficient data", "insufficient data"]
    for badge in badges:
        edges = box(driver, badge)
        assert 0 <= edges["left"] < edges["right"] <= width
    # at 1400 px the whole overview fits; at 390 px it is one card per vacancy
    wrap = driver.find_element(By.CSS_SELECTOR, ".overview-wrap")
    assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", wrap)
    header = driver.find_element(By.CSS_SELECTOR, "table.overview thead")
    assert header.is_displayed() == (mode[0] == WIDE)
    # the salary chart's text stays readable on a phone (it was about 5 px)
    label = driver.find_element(By.CSS_SELECTOR, "section.vacancy svg.salary-chart .tick-label")
    assert box(driver, label)["height"] >= 9
    check_inert(driver)
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


@pytest.mark.parametrize("mode", MODES, ids=lambda m: f"{m[0]}px-scripts-{'on' if m[1] else 'off'}")
def test_sections_collapse_and_open(drivers: Browsers, page: Path, mode: tuple[int, bool]) -> None:
    driver = open_page(drivers, mode, page)
    section = driver.find_element(By.CSS_SELECTOR, "section.vacancy[data-vacancy-id='v1']")
    chart = section.find_element(By.CSS_SELECTOR, "svg.salary-chart")
    summary = section.find_element(By.CSS_SELECTOR, "summary")
    assert chart.is_displayed()  # three vacancies: sections start open
    summary.click()
    assert not chart.is_displayed()
    assert summary.is_displayed()
    summary.click()
    assert chart.is_displayed()


@pytest.mark.parametrize("width", [WIDE, PHONE])
def test_scripts_off_shows_every_row_and_no_dead_control(drivers: Browsers, page: Path, width: int) -> None:
    driver = open_page(drivers, (width, False), page)
    assert not driver.find_element(By.ID, "controls").is_displayed()
    assert driver.find_elements(By.CSS_SELECTOR, "button.sort") == []
    assert shown_ids(driver) == ["v1", "v2", 'v3 "/<x>']
    assert len(shown_ids(driver, "#band-chart li")) == 3
    assert len(shown_ids(driver, "section.vacancy")) == 3


@pytest.mark.parametrize("width", [WIDE, PHONE])
def test_the_cross_vacancy_chart_draws_each_band_against_its_market(
    drivers: Browsers, page: Path, width: int
) -> None:
    driver = open_page(drivers, (width, True), page)
    rows = driver.find_elements(By.CSS_SELECTOR, "#band-chart li")
    assert len(rows) == 3
    v1 = rows[0]
    band = box(driver, v1.find_element(By.CSS_SELECTOR, "svg.band-bar rect.band"))
    market = box(driver, v1.find_element(By.CSS_SELECTOR, "svg.band-bar rect.market"))
    p50 = box(driver, v1.find_element(By.CSS_SELECTOR, "svg.band-bar line.p50"))
    # band 70k-90k vs p25 94.9k, p50 96.4k, p75 115.25k: the band ends left of the market box, p50 inside it
    assert band["width"] > 0
    assert market["width"] > 0
    assert band["right"] < market["left"] < p50["left"] < market["right"]
    # 70,000 / 96,400.50 = 72.6% and 90,000 / 96,400.50 = 93.4% of p50: the band spans 20.7 points of the axis
    assert band["right"] <= driver.execute_script("return window.innerWidth")
    assert [r.find_elements(By.CSS_SELECTOR, ".no-market") != [] for r in rows] == [False, True, True]
    label = v1.find_element(By.CSS_SELECTOR, "svg.band-bar").get_attribute("aria-label")
    assert label == (
        "Senior Data Engineer: band 70,000–90,000 EUR; market p25–p75 94,900–115,250, p50 96,401"
    )


@pytest.mark.parametrize("width", [WIDE, PHONE])
def test_p50_trend_shows_the_earlier_runs_in_the_same_currency(
    drivers: Browsers, page: Path, width: int
) -> None:
    driver = open_page(drivers, (width, True), page)
    v1 = driver.find_element(By.CSS_SELECTOR, "section.vacancy[data-vacancy-id='v1']")
    points = v1.find_elements(By.CSS_SELECTOR, "svg.p50-trend circle.run")
    assert len(points) == 3  # 2026-10-19, 2026-10-26, this run
    ys = [box(driver, p)["top"] for p in points]
    assert ys[0] > ys[1] > ys[2]  # 90,000 -> 92,400.50 -> 96,400.50: rising
    assert box(driver, v1.find_element(By.CSS_SELECTOR, "svg.p50-trend"))["right"] <= width
    v2 = driver.find_element(By.CSS_SELECTOR, "section.vacancy[data-vacancy-id='v2']")
    assert v2.find_elements(By.CSS_SELECTOR, "svg.p50-trend") == []  # its earlier run was in NZD
    assert "first run" in v2.find_element(By.CSS_SELECTOR, ".trend").text


# --- scripts on: sorting and filtering --------------------------------------------------------------------


def test_sorting_by_a_column_header_orders_the_table_and_the_chart(drivers: Browsers, page: Path) -> None:
    driver = open_page(drivers, (WIDE, True), page)
    headers = {b.text: b for b in driver.find_elements(By.CSS_SELECTOR, "th button.sort")}
    assert {"Role", "Verdict", "Band", "p50 in USD", "Compa", "Confidence"} <= set(headers)
    # band max in USD: v1 90,000 x 1.08 = 97,200; v2 148,000 x 0.65 = 96,200; v3 97,200 (ties keep page order)
    headers["Band"].click()
    assert shown_ids(driver) == ["v2", "v1", 'v3 "/<x>']
    assert shown_ids(driver, "#band-chart li") == [
        driver.find_element(By.CSS_SELECTOR, f"tr[data-vacancy-id='{v}']").get_attribute("data-key")
        for v in ("v2", "v1")
    ] + [driver.find_elements(By.CSS_SELECTOR, "tr.vacancy-row")[2].get_attribute("data-key")]
    headers["Band"].click()  # again: descending
    assert shown_ids(driver) == ["v1", 'v3 "/<x>', "v2"]
    band_th = headers["Band"].find_element(By.XPATH, "..")
    assert band_th.get_attribute("aria-sort") == "descending"
    headers["Role"].click()  # text: <script>... sorts before Growth and Senior
    assert shown_ids(driver) == ['v3 "/<x>', "v2", "v1"]
    headers["p50 in USD"].click()  # only v1 has a p50: the rows without one stay last either way
    assert shown_ids(driver)[0] == "v1"
    headers["p50 in USD"].click()
    assert shown_ids(driver)[0] == "v1"


def test_sorting_on_a_phone_uses_the_sort_menu(drivers: Browsers, page: Path) -> None:
    driver = open_page(drivers, (PHONE, True), page)
    menu = Select(driver.find_element(By.ID, "sort-by"))
    menu.select_by_visible_text("Role ↓")
    assert shown_ids(driver) == ["v1", "v2", 'v3 "/<x>']
    menu.select_by_visible_text("Role ↑")
    assert shown_ids(driver) == ['v3 "/<x>', "v2", "v1"]


@pytest.mark.parametrize("width", [WIDE, PHONE])
def test_filters_by_verdict_country_confidence_and_text(drivers: Browsers, page: Path, width: int) -> None:
    driver = open_page(drivers, (width, True), page)
    shown = driver.find_element(By.ID, "shown")
    assert shown.text == "3 of 3 vacancies shown"
    verdict = Select(driver.find_element(By.CSS_SELECTOR, "[data-filter='verdict']"))
    verdict.select_by_visible_text("below")
    assert shown_ids(driver) == ["v1"]
    assert shown_ids(driver, "section.vacancy") == ["v1"]
    assert len(shown_ids(driver, "#band-chart li")) == 1
    assert shown.text == "1 of 3 vacancies shown"
    verdict.select_by_visible_text("all")
    confidence = Select(driver.find_element(By.CSS_SELECTOR, "[data-filter='confidence']"))
    confidence.select_by_visible_text("none")
    assert shown_ids(driver) == ["v2", 'v3 "/<x>']
    confidence.select_by_visible_text("all")
    country = Select(driver.find_element(By.CSS_SELECTOR, "[data-filter='country']"))
    assert [o.text for o in country.options] == ["all", "DE"]
    country.select_by_visible_text("DE")
    assert len(shown_ids(driver)) == 3
    country.select_by_visible_text("all")
    find = driver.find_element(By.CSS_SELECTOR, "[data-filter='text']")
    find.send_keys("<script>")  # hostile text is searched as text
    assert shown_ids(driver) == ['v3 "/<x>']
    find.clear()
    find.send_keys("growth")
    assert shown_ids(driver) == ["v2"]
    find.clear()
    find.send_keys(" ")  # input events on clear: everything back
    assert shown.text == "3 of 3 vacancies shown"
    check_inert(driver)


def test_a_link_to_a_closed_section_opens_it(drivers: Browsers, page: Path) -> None:
    driver = open_page(drivers, (WIDE, True), page)
    driver.find_element(By.CSS_SELECTOR, "[data-expand='close']").click()
    charts = driver.find_elements(By.CSS_SELECTOR, "section.vacancy svg.salary-chart")
    assert not any(c.is_displayed() for c in charts)
    driver.find_element(By.CSS_SELECTOR, "tr[data-vacancy-id='v1'] td a").click()
    assert charts[0].is_displayed()
    assert not charts[1].is_displayed()
    driver.find_element(By.CSS_SELECTOR, "[data-expand='open']").click()
    assert all(c.is_displayed() for c in charts)


# --- hostile text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [(WIDE, True), (PHONE, True), (PHONE, False)], ids=str)
def test_hostile_text_stays_text_in_every_new_part(
    drivers: Browsers, tmp_path: Path, mode: tuple[int, bool]
) -> None:
    hostile = explorable_frames(job_title=SCRIPT, company=PWN)
    pieces = [p for p in TEXT_PIECES if p.strip("\x00\x01\x07\x1b\x7f")]
    benchmarks = hostile["vacancy_benchmarks"]
    benchmarks[0, "role"] = " ".join(pieces) + f" {PWN}"
    benchmarks[0, "location"] = "</td></tr></table><h1>x"
    benchmarks[0, "country_code"] = (
        '"><option>x</option></select><img src=x onerror="document.body.dataset.pwned=1">'
    )
    benchmarks[1, "confidence"] = "</script><script>document.body.dataset.pwned=1</script>"
    benchmarks[1, "reporting_currency"] = PWN
    hostile["vacancy_benchmarks"] = benchmarks
    trend = history().with_columns(pl.lit(PWN).alias("confidence"))
    path = write_html_report(hostile, tmp_path, as_of=AS_OF, generated_at=GENERATED, history=trend)
    driver = open_page(drivers, mode, path)
    text = driver.execute_script("return document.body.innerText")
    assert PWN in text
    assert "</td></tr></table><h1>x" in text
    assert len(shown_ids(driver)) == 3
    assert len(driver.find_elements(By.CSS_SELECTOR, "#band-chart li")) == 3
    assert driver.find_elements(By.CSS_SELECTOR, "h1") and len(driver.find_elements(By.TAG_NAME, "h1")) == 1
    if mode[1]:
        country = Select(driver.find_element(By.CSS_SELECTOR, "[data-filter='country']"))
        country.select_by_index(1)
        assert shown_ids(driver) == ["v1"]
        find = driver.find_element(By.CSS_SELECTOR, "[data-filter='text']")
        find.send_keys(PWN)
        assert shown_ids(driver) == ["v1"]
        check_inert(driver)
    assert driver.execute_script("return document.body.dataset.pwned === undefined")
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


# --- the demo: files beside the page, the common currency, the p50 trend after two runs ---------------


def test_demo_report_links_its_files_and_compares_in_one_currency(
    drivers: Browsers, demo_outputs: tuple[Path, Path]
) -> None:
    _, reports = demo_outputs
    driver = open_page(drivers, (WIDE, True), reports / "report.html")
    links = [a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, "nav.files a")]
    assert len(links) == 10  # five reports, CSV and Parquet
    for link in links:
        assert link.startswith("file://")
        assert (reports / link.rsplit("/", 1)[1]).is_file()
    benchmarks = load_reports(reports)["vacancy_benchmarks"]
    with_p50 = benchmarks.filter(pl.col("p50").is_not_null())
    assert with_p50.height and with_p50["p50_reporting"].null_count() == 0
    assert benchmarks["reporting_currency"].unique().to_list() == ["USD"]
    assert "p50 in USD" in [b.text for b in driver.find_elements(By.CSS_SELECTOR, "th button.sort")]
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_p50_trend_after_two_runs(drivers: Browsers, demo_outputs: tuple[Path, Path], tmp_path: Path) -> None:
    lake, _ = demo_outputs
    copy = copy_demo_lake(lake, tmp_path / "lake")
    assert load_history(copy).select(pl.col("run_at").n_unique()).item() == 1  # the demo's run
    reports = tmp_path / "reports"
    Pipeline(lake=copy, reports=reports).benchmark()  # the second run
    benchmarks = load_reports(reports)["vacancy_benchmarks"]
    with_p50 = benchmarks.filter(pl.col("p50").is_not_null())["vacancy_id"].to_list()
    for mode in [(WIDE, True), (PHONE, False)]:
        driver = open_page(drivers, mode, reports / "report.html")
        for vacancy_id in benchmarks["vacancy_id"]:
            section = driver.find_element(By.CSS_SELECTOR, f"section.vacancy[data-vacancy-id='{vacancy_id}']")
            points = section.find_elements(By.CSS_SELECTOR, "svg.p50-trend circle.run")
            assert len(points) == (2 if vacancy_id in with_p50 else 0), vacancy_id
            if vacancy_id in with_p50:
                assert "p50 over the last 2 runs" in section.text
                assert box(driver, points[1])["width"] > 0
