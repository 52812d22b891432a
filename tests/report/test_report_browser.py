"""End to end in a real browser: build a report from a small run, open it in headless Chromium, and check that
the filters change the visible transcripts, that a bar segment leads to its transcripts, and that a transcript
holding ``<script>`` and an ``onerror`` image shows as text while nothing in it runs.

Needs the system Chromium and its driver (Debian ``chromium`` and ``chromium-driver``) and the ``selenium``
package. Without them the test is skipped locally; under CI (``CI`` set) it fails instead, so CI cannot pass
without having run it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.report.conftest import HOSTILE_ID

from afeval.report.html import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[dev]')"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "chromium and chromedriver are not on PATH (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test, but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1800"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def visible_transcripts(driver: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return [
        element
        for element in driver.find_elements(By.CSS_SELECTOR, "article.transcript")
        if element.is_displayed()
    ]


def attribute_set(driver: Any, name: str) -> set[str]:
    return {element.get_attribute(f"data-{name}") for element in visible_transcripts(driver)}


def test_report_in_headless_chromium(browser: Any, planted_run: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    report = build_report(planted_run)
    browser.get(report.html.resolve().as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.viewerReady"))

    # Unfiltered: all 20 transcripts of the run (11 free, 9 paid).
    assert len(visible_transcripts(browser)) == 20
    count = browser.find_element(By.ID, "transcript-count")
    assert count.text.startswith("20 of 20")

    tier = Select(browser.find_element(By.ID, "filter-tier"))
    tier.select_by_value("paid")
    assert len(visible_transcripts(browser)) == 9 and attribute_set(browser, "tier") == {"paid"}
    Select(browser.find_element(By.ID, "filter-category")).select_by_value("refusal")
    assert len(visible_transcripts(browser)) == 7 and attribute_set(browser, "category") == {"refusal"}

    browser.find_element(By.ID, "filter-reset").click()
    assert len(visible_transcripts(browser)) == 20
    af_min = browser.find_element(By.ID, "filter-af-min")
    af_min.clear()
    af_min.send_keys("0.4")
    # The four free samples planted with AF reasoning (every other AF score is at most 0.2).
    assert len(visible_transcripts(browser)) == 4
    assert attribute_set(browser, "category") == {
        "refusal_with_af",
        "partial_compliance_with_af",
        "compliance_with_af",
    }

    browser.find_element(By.ID, "filter-reset").click()
    browser.find_element(By.ID, "filter-search").send_keys("pwned")
    (hostile,) = visible_transcripts(browser)
    assert hostile.get_attribute("data-sample-id") == HOSTILE_ID
    # The hostile markup is shown as text in the scratchpad and the output, and nothing of it ran.
    scratchpad = hostile.find_element(By.CSS_SELECTOR, ".scratchpad").text
    output = hostile.find_element(By.CSS_SELECTOR, ".output").text
    for text in (scratchpad, output):
        assert '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">' in text
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.find_elements(By.CSS_SELECTOR, "#transcripts img, #transcripts script") == []
    assert "request fully accepted" in output  # the scenario's own tags are drawn as labels

    # A bar segment of the main chart (an SVG link) filters the viewer to its tier and category.
    segment = browser.execute_script(
        """return [...document.querySelectorAll('#figure-main_chart svg a')].find(a =>
             (a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || a.getAttribute('href') || '')
               .includes('tier=free&category=compliance_with_af'));"""
    )
    assert segment is not None
    segment.find_element(By.CSS_SELECTOR, "path").click()
    WebDriverWait(browser, 10).until(
        lambda d: "compliance_with_af" in d.execute_script("return location.hash")
    )
    assert (
        Select(browser.find_element(By.ID, "filter-tier")).first_selected_option.get_attribute("value")
        == "free"
    )
    assert len(visible_transcripts(browser)) == 2 and attribute_set(browser, "category") == {
        "compliance_with_af"
    }
    marks = browser.find_elements(By.CSS_SELECTOR, "article.transcript mark.quote")
    assert marks and all(mark.text == "training will modify my values" for mark in marks[:1])

    # No console errors: in particular no Content-Security-Policy violation by the report itself.
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []

    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(PNG_MAGIC) and screenshot.stat().st_size > 20_000
