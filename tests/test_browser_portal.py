"""The portal in a real headless Chromium: the home page with its clustered map, a search by a kana fragment,
a facet that narrows the list. The data is 市川市's real AED and public facility lists (demo/ichikawa), loaded
without ``publish``, so the server builds its search index from the store.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import ROOT, browser_errors, live_site

ICHIKAWA = [ROOT / "demo" / "ichikawa" / f"{name}__ichikawa__1.csv" for name in ("aed", "public_facility")]
BASE = "https://data.example.lg.jp/"



@pytest.fixture(scope="module")
def site():
    if not all(Path(p).is_file() for p in ICHIKAWA):
        pytest.skip("demo/ichikawa is absent")
    with live_site(ICHIKAWA, base=BASE) as url:
        yield url


def _hits(browser) -> list[str]:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.hits li.hit")]


def _total(browser) -> int:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return int(browser.find_element(By.CSS_SELECTOR, ".search-total").get_attribute("data-total"))


def test_home_renders_its_cluster_map_without_errors(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser_errors(browser)  # forget what pages of other tests logged
    browser.get(site + "/")
    WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#portal-map .marker-cluster, #portal-map .leaflet-marker-icon"))
    shown = int(browser.find_element(By.ID, "portal-map").get_attribute("data-shown"))
    assert shown > 400  # every AED and facility with coordinates (191 + 342 listed, most located)
    assert browser.find_elements(By.CSS_SELECTOR, "#portal-map .marker-cluster")  # clustered, not 500 pins
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "千葉県市川市" in body and "AED設置箇所一覧" in body and "公共施設一覧" in body
    assert "地図" in browser.find_element(By.ID, "portal-map-note").text
    assert browser_errors(browser) == []


@pytest.mark.parametrize("fragment", ["ﾎｹﾝｾﾝ", "ほけんせんたー"], ids=["half-width", "hiragana"])
def test_search_finds_a_katakana_name_by_a_kana_fragment(site, browser, fragment):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser_errors(browser)
    browser.get(site + "/")
    box = browser.find_element(By.CSS_SELECTOR, "form.portal-search input[name=q]")
    box.send_keys(fragment)
    box.submit()
    WebDriverWait(browser, 10).until(lambda d: "/search" in d.current_url and d.find_elements(By.CSS_SELECTOR, ".search-total"))
    assert any("南行徳保健センタ" in hit for hit in _hits(browser)), _hits(browser)
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "南行徳保健センタ")
    assert "/doc/" in (link.get_attribute("href") or "")
    assert browser_errors(browser) == []


def test_a_facet_narrows_the_list(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser_errors(browser)
    browser.get(site + "/search?q=" + quote("センター"))
    before = _total(browser)
    kinds = {li.get_attribute("textContent").split()[0] for li in
             browser.find_elements(By.CSS_SELECTOR, "section[data-facet=kind] li")}
    assert {"AED設置箇所一覧", "公共施設一覧"} <= kinds
    browser.find_element(By.CSS_SELECTOR, "section[data-facet=kind] li a[href*='kind=aed']").click()
    WebDriverWait(browser, 10).until(lambda d: "kind=aed" in d.current_url)
    after = _total(browser)
    assert 0 < after < before
    assert all("AED設置箇所一覧" in hit for hit in _hits(browser))
    assert browser.find_element(By.CSS_SELECTOR, "section[data-facet=kind] li.selected").text.startswith("AED")
    assert browser.find_element(By.CSS_SELECTOR, "form.portal-search input[name=q]").get_attribute("value") == "センター"
    WebDriverWait(browser, 15).until(lambda d: d.find_element(By.ID, "portal-map").get_attribute("data-shown"))
    assert int(browser.find_element(By.ID, "portal-map").get_attribute("data-shown")) <= after
    assert browser_errors(browser) == []
