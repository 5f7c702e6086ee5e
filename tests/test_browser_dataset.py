"""A dataset page in a real headless Chromium: it renders with no console errors and its map draws a marker
for each record with coordinates (fetched from ``/points/…``). Skipped when Chromium or selenium is absent."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT, browser_errors

AED = ROOT / "demo" / "ichikawa" / "aed__ichikawa__1.csv"
BASE = "https://data.example.lg.jp/"

pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (shutil.which("chromium") and shutil.which("chromedriver")):
    pytest.skip("Chromium is not installed (Debian packages chromium, chromium-driver; .ci/run installs them)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def site():
    store = EmbeddedStore(None)
    for path in [AED, *sorted((ROOT / "examples").glob("*.csv"))]:
        load_csv(store, Path(path), base=BASE)
    app = create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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
