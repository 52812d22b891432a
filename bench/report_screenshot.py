"""Regenerate the report images in docs/img/ from a synthetic sweep (deterministic data, no model, no network).

    .venv/bin/python bench/report_screenshot.py

Writes docs/img/main_chart.png (the main setting's stacked outcome bars for three made-up models),
docs/img/deployment_gaps.png (the identity setting's goal-guarding gap per deployment) and docs/img/report.png
(a headless-Chromium screenshot of the HTML report with the transcript viewer filtered to one bar segment).
Needs the system Chromium and chromedriver for the screenshot, and selenium (the dev extra).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from afeval.report.html import build_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.example_runs import write_example_sweep

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
# The viewer opened at model-c's free-tier compliances with AF reasoning, as a click on that segment does.
VIEW = "#run=model-c__helpful-only&tier=free&category=compliance_with_af"


def screenshot(html: Path, target: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        sys.exit(
            "chromium and chromedriver are needed for the screenshot (apt-get install chromium chromium-driver)"
        )
    options = Options()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1280,1500",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(html.resolve().as_uri() + VIEW)
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.body.dataset.viewerReady")
        )
        time.sleep(0.5)  # the link scrolled the viewer into view
        driver.save_screenshot(str(target))
    finally:
        driver.quit()


def main() -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # a relative sweep path keeps the temporary directory out of the report's header
        sweep = write_example_sweep(Path("example-sweep"))
        files = build_report(sweep)
        figures = files.html.parent / "figures"
        shutil.copyfile(figures / "main_chart-two-tier.png", DOCS_IMG / "main_chart.png")
        shutil.copyfile(figures / "deployment_gaps.png", DOCS_IMG / "deployment_gaps.png")
        screenshot(files.html, DOCS_IMG / "report.png")
    for name in ("main_chart.png", "deployment_gaps.png", "report.png"):
        print(DOCS_IMG / name)


if __name__ == "__main__":
    main()
