"""The query page's editor in a real headless Chromium: it loads without console errors, completes prefixes
(accepting one writes the declaration), declares a known prefix used undeclared, plots coordinates on the
result map, draws the chart's bars, keeps the query in a permalink, shows the endpoint's error message, and
loads a gallery example. Skipped without Chromium and selenium, as tests/test_browser.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import browser_errors, live_site

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "demo" / "ichikawa" / "aed__ichikawa__1.csv", *sorted((ROOT / "examples").glob("*.csv"))]
BASE = "https://data.example.lg.jp/"
WAIT = 15


AEDS_WITH_COORDINATES = """PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
SELECT ?aed ?name ?lat ?long WHERE { ?aed a itsu:AED ; rdfs:label ?name ; wgs:lat ?lat ; wgs:long ?long }
ORDER BY ?name LIMIT 40"""
POPULATION_BY_AGE = """PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
SELECT ?ageFrom (SUM(?count) AS ?people) WHERE {
  ?stat itsu:populationByAgeSex ?band . ?band itsu:ageFrom ?ageFrom ; itsu:count ?count .
} GROUP BY ?ageFrom ORDER BY ?ageFrom"""


@pytest.fixture(scope="module")
def site():
    with live_site(FILES, base=BASE) as url:
        yield url


def wait(driver, condition):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_page(browser, site, query=""):
    from urllib.parse import quote

    browser.get(site + "/sparql/ui" + (f"?query={quote(query)}" if query else ""))
    wait(browser, lambda d: css(d, ".query-editor .cm-content"))


def editor_text(browser) -> str:
    return browser.execute_script("return window.queryEditor.value")


def run(browser, query: str) -> None:
    browser.execute_script("window.queryEditor.value = arguments[0]", query)
    css(browser, "button[type=submit]")[0].click()


def test_the_page_loads_the_editor_without_console_errors(site, browser):
    open_page(browser, site)
    assert css(browser, "#query")[0].is_displayed() is False  # the editor took the textarea's place
    assert "PREFIX" in editor_text(browser)
    assert css(browser, ".cm-content .cm-line span[class]")  # highlighted
    assert len(css(browser, "#gallery a.example")) >= 20
    assert browser_errors(browser) == []


#: completions: the text before, what is typed, the option taken, and how it is taken (Enter or a click)
COMPLETIONS = {
    # typing a prefix offers its declaration
    "prefix-declaration": ("", "PREFIX ic", "ic: <http://imi.go.jp/ns/core/rdf#>", "enter",
                           lambda text: "PREFIX ic: <http://imi.go.jp/ns/core/rdf#>" in text),
    # a known prefix used undeclared is declared by the completion
    "undeclared-prefix": ("SELECT * WHERE { ?s a ", "itsu:AE", "itsu:AED", "click",
                          lambda text: text.startswith("PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>\n")
                          and "?s a itsu:AED" in text),
}


@pytest.mark.parametrize(("before", "typed", "offered", "take", "done"), COMPLETIONS.values(), ids=COMPLETIONS)
def test_completion_writes_what_the_query_needs(site, browser, before, typed, offered, take, done):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site)
    browser.execute_script("window.queryEditor.value = arguments[0]", before)
    content = css(browser, ".cm-content")[0]
    content.click()
    browser.execute_script("const v = window.queryEditor.view; v.dispatch({selection: {anchor: v.state.doc.length}})")
    content.send_keys(typed)
    option = wait(browser, lambda d: [o for o in css(d, ".cm-tooltip-autocomplete li") if offered in o.text])
    if take == "enter":
        content.send_keys(Keys.ENTER)
    else:
        option[0].click()
    wait(browser, lambda d: done(editor_text(d)))
    assert browser_errors(browser) == []


AEDS_AS_WKT = """PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT ?aed ?name ?point WHERE { ?aed a itsu:AED ; rdfs:label ?name ; geo:hasGeometry/geo:asWKT ?point }
ORDER BY ?name LIMIT 40"""


@pytest.mark.parametrize("query", [AEDS_WITH_COORDINATES, AEDS_AS_WKT], ids=["lat-long", "wkt-point"])
def test_coordinates_are_markers_on_the_result_map(site, browser, query):
    open_page(browser, site)
    run(browser, query)
    wait(browser, lambda d: css(d, "button.view-tab[data-view=map]"))
    assert "行" in css(browser, "#status")[0].text and "ms" in css(browser, "#elapsed")[0].text
    cells = [c.text for c in css(browser, "table.result-table td")]
    assert any("/id/aed/" in c for c in cells)
    # the value as it is, its language in a badge apart
    assert "@ja" in [b.text for b in css(browser, "table.result-table td .badge")]
    assert not any("@" in v.text for v in css(browser, "table.result-table td .value"))
    css(browser, "button.view-tab[data-view=map]")[0].click()
    wait(browser, lambda d: len(css(d, "#result-map .leaflet-marker-icon")) == 40)
    assert browser_errors(browser) == []


def test_the_chart_draws_a_bar_per_row(site, browser):
    open_page(browser, site)
    run(browser, POPULATION_BY_AGE)
    wait(browser, lambda d: css(d, "button.view-tab[data-view=chart]"))
    rows = len(css(browser, "table.result-table tbody tr"))
    assert rows > 5
    css(browser, "button.view-tab[data-view=chart]")[0].click()
    wait(browser, lambda d: len(css(d, "svg.bar-chart rect.bar")) == rows)
    assert browser_errors(browser) == []


def test_the_permalink_reproduces_the_query(site, browser):
    open_page(browser, site)
    run(browser, AEDS_WITH_COORDINATES)
    link = wait(browser, lambda d: css(d, "#permalink"))[0].get_attribute("href")
    assert parse_qs(urlparse(link).query)["query"] == [AEDS_WITH_COORDINATES]
    assert parse_qs(urlparse(browser.current_url).query)["query"] == [AEDS_WITH_COORDINATES]
    downloads = {a.text: a.get_attribute("href") for a in css(browser, "#links a")}
    assert {"CSV", "TSV", "JSON"} <= set(downloads)
    browser.get(link)
    wait(browser, lambda d: css(d, "table.result-table td"))  # a permalink runs its query
    assert editor_text(browser) == AEDS_WITH_COORDINATES
    assert browser_errors(browser) == []


def test_the_endpoint_error_is_shown(site, browser):
    open_page(browser, site)
    run(browser, "SELECT ?s WHERE { ?s ?p }")
    wait(browser, lambda d: "400" in css(d, "#status.error")[0].text if css(d, "#status.error") else False)
    assert "malformed query" in css(browser, "#status")[0].text
    wait(browser, lambda d: css(d, ".cm-content .cm-lintRange-error"))  # where it went wrong, in the editor


def test_a_gallery_example_loads_into_the_editor(site, browser):
    open_page(browser, site)
    example = css(browser, "#example-01-aeds-per-municipality")[0]
    expected = example.get_attribute("data-query")
    example.click()
    wait(browser, lambda d: editor_text(d) == expected)
