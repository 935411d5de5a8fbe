"""Headless Chromium for tests: Debian's chromium and chromium-driver, driven by selenium, offline.

    with chromium_driver() as driver:
        driver.get(path.as_uri())

Selenium Manager never runs (the driver's path is given and ``SE_OFFLINE`` is set), so nothing is downloaded.
A missing browser raises ``BrowserMissing``: tests fail with how to install it, they never skip.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = (
    "run `make test` (it installs Debian's chromium and chromium-driver) "
    "or apt-get install chromium chromium-driver"
)
ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


class BrowserMissing(RuntimeError):
    """Chromium or chromedriver is not installed where Debian puts them."""


def _check_installed() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        raise BrowserMissing(f"{' and '.join(missing)} not found: {INSTALL_HINT}")


@contextmanager
def chromium_driver(width: int = 1280, height: int = 900) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile, quit (and its profile removed) on exit."""
    _check_installed()
    os.environ["SE_OFFLINE"] = "true"  # belt and braces: Selenium Manager must never reach the network
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (*ARGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def load(driver: webdriver.Chrome, html_path: Path | str) -> None:
    """Open a local file and wait until it is parsed (a large file:// page can still be loading after get)."""
    driver.get(Path(html_path).resolve().as_uri())
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def screenshot(path: Path | str, html_path: Path | str, width: int = 1280, height: int | None = None) -> Path:
    """A PNG of ``html_path`` as Chromium shows it, ``width`` CSS pixels wide; the whole page unless
    ``height`` is given (then the top ``height`` pixels). Returns ``path``."""
    out = Path(path)
    with chromium_driver(width=width) as driver:
        load(driver, html_path)
        full = int(driver.execute_script("return document.documentElement.scrollHeight"))
        metrics = {"width": width, "height": height or full, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        out.write_bytes(driver.get_screenshot_as_png())
    return out
