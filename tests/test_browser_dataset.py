"""A dataset page in a real headless Chromium: it renders with no console errors and its map draws a marker
for each record with coordinates (fetched from ``/points/…``). Skipped when Chromium or selenium is absent."""

from __future__ import annotations

import pytest

from .conftest import ROOT, browser_errors, live_site

AED = ROOT / "demo" / "ichikawa" / "aed__ichikawa__1.csv"
BASE = "https://data.example.lg.jp/"


@pytest.fixture(scope="module")
def site():
    with live_site([AED, *sorted((ROOT / "examples").glob("*.csv"))], base=BASE) as url:
        yield url


@pytest.mark.parametrize(("path", "markers"), [("/doc/aed/122033", 191), ("/doc/aed/999997", 3)])
def test_a_dataset_page_renders_and_maps_its_records(site, browser, path, markers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + path)
    WebDriverWait(browser, 15).until(lambda d: d.find_element(By.ID, "dataset-map").get_attribute("data-markers"))
    assert browser.find_element(By.ID, "dataset-map").get_attribute("data-markers") == str(markers)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#dataset-map path.record-marker")) == markers
    assert browser.find_elements(By.CSS_SELECTOR, "table.summary tr")
    assert browser.find_element(By.CSS_SELECTOR, "a.query").get_attribute("href").startswith(site + "/sparql/ui?query=")
    assert browser_errors(browser) == []
