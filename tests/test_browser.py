"""Pages in a real headless Chromium: a resource page with its map, a dataset page, the query page.

Needs the Debian packages chromium and chromium-driver (.ci/run installs them) and selenium; skipped
with the reason when they are absent. One server serves the whole module; one browser (tests/conftest.py) the whole session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import browser_errors, live_site

FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_aed.csv"
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.csv"))
BASE = "https://data.example.lg.jp/"



@pytest.fixture(scope="module")
def site():
    with live_site([FIXTURE, *EXAMPLES], base=BASE) as url:
        yield url


errors = browser_errors


def test_resource_page_renders_with_its_map(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/id/aed/131016/L-1")  # the 303 is followed to the HTML document
    assert browser.current_url.endswith("/doc/aed/131016/L-1")
    assert "区役所" in browser.title
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map .leaflet-marker-icon"))
    assert browser.find_element(By.CSS_SELECTOR, "#map").get_attribute("class").count("leaflet-container") == 1
    assert "東京都千代田区九段南" in browser.find_element(By.TAG_NAME, "body").text
    assert errors(browser) == []


def test_dataset_page_lists_its_records(site, browser):
    from selenium.webdriver.common.by import By

    browser.get(site + "/doc/aed/131016")
    links = [a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")]
    assert any(h and h.endswith("/aed/131016/L-2") for h in links)
    assert errors(browser) == []


def test_query_page_runs_a_query(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/sparql/ui?query=" + "SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Chttp%3A%2F%2Fimi.go.jp%2Fns"
                "%2Fcore%2Frdf%23%E8%A8%AD%E5%82%99%E5%9E%8B%3E%20%7D")
    from selenium.common.exceptions import StaleElementReferenceException

    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # the submit reloads the page: cells found just before may go stale while they are read
    WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any("/id/aed/131016/L-1" in c.text for c in d.find_elements(By.CSS_SELECTOR, "table td")))
    assert errors(browser) == []


def test_near_page_maps_the_places_found(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/near?lat=35.6812&lon=139.7671&radius=5")
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map .leaflet-marker-icon")) >= 2)
    assert "星野市役所" in browser.find_element(By.TAG_NAME, "body").text
    assert errors(browser) == []
