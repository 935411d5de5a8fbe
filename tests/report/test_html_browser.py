"""The HTML report as headless Chromium shows it: rows and charts render, hostile text stays text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from matcher.report.html import SCRIPT as REPORT_SCRIPT
from matcher.report.html import render_report, write_html_report
from matcher.report.writer import load_reports
from tests.report import browser
from tests.report.browser import BrowserMissing, chromium_driver, load, screenshot
from tests.report.test_html import AS_OF, GENERATED, frames

PWN = '<img src=x onerror="document.body.dataset.pwned=1">'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def driver() -> Iterator[Chrome]:
    try:
        with chromium_driver() as chrome:
            yield chrome
    except BrowserMissing as missing:
        pytest.fail(str(missing), pytrace=False)


def check_rows_and_charts(driver: Chrome, n_vacancies: int) -> None:
    """One overview row and one rendered chart per open vacancy."""
    assert len(driver.find_elements(By.CSS_SELECTOR, "tr.vacancy-row")) == n_vacancies
    sections = driver.find_elements(By.CSS_SELECTOR, "section.vacancy")
    assert len(sections) == n_vacancies
    for section in sections:
        (chart,) = section.find_elements(By.CSS_SELECTOR, "svg.salary-chart")
        box: dict[str, Any] = driver.execute_script(
            "return arguments[0].getBoundingClientRect().toJSON()", chart
        )
        assert box["width"] > 0
        assert box["height"] > 0


def check_inert(driver: Chrome) -> None:
    """No script but the report's own exists, no injected one ran, no alert opened, nothing was fetched."""
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018
    assert driver.execute_script("return document.body.dataset.pwned === undefined")
    assert driver.execute_script("return document.scripts.length") == 1
    assert driver.execute_script("return document.scripts[0].text") == REPORT_SCRIPT
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript'], img, iframe, object") == []


def test_hostile_text_is_shown_not_run(driver: Chrome, tmp_path: Path) -> None:
    hostile = frames(job_title=SCRIPT, company=PWN)  # a posting's title and company
    hostile["vacancy_benchmarks"][0, "role"] = f"{SCRIPT} {PWN}"  # and a vacancy's title
    path = write_html_report(hostile, tmp_path, as_of=AS_OF, generated_at=GENERATED)
    load(driver, path)
    check_rows_and_charts(driver, hostile["vacancy_benchmarks"].height)
    text = driver.execute_script("return document.body.innerText")
    assert PWN in text
    assert SCRIPT in text
    check_inert(driver)


def test_demo_report_renders_a_row_and_a_chart_per_open_vacancy(
    driver: Chrome, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    _, reports = demo_outputs
    report_frames = load_reports(reports)
    n_open = report_frames["vacancy_benchmarks"].height
    assert n_open > 0
    rendered = tmp_path / "report.html"
    rendered.write_text(render_report(report_frames), encoding="utf-8")
    demo_page = reports / "report.html"  # the page `matcher demo` wrote
    assert demo_page.exists()
    for path in (rendered, demo_page):
        load(driver, path)
        check_rows_and_charts(driver, n_open)
        check_inert(driver)


def test_screenshot_writes_a_png(tmp_path: Path) -> None:
    page = write_html_report(frames(), tmp_path, as_of=AS_OF, generated_at=GENERATED)
    try:
        png = screenshot(tmp_path / "report.png", page, width=800, height=600)
    except BrowserMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_browser_fails_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMEDRIVER", Path("/nonexistent/chromedriver"))
    with (
        pytest.raises(BrowserMissing, match=r"/nonexistent/chromedriver not found: run `make test`"),
        chromium_driver(),
    ):
        pass
