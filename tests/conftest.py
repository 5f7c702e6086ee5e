"""Shared fixtures: where the real municipal samples are (``../shared``), skipped when absent."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples" / "raw"
CASES = Path(__file__).resolve().parent / "cases"


def shared_manifest() -> list[dict[str, str]]:
    """Rows of ../shared/samples/MANIFEST.csv, or [] when ../shared is absent."""
    manifest = SHARED / "samples" / "MANIFEST.csv"
    if not manifest.is_file():
        return []
    with open(manifest, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz-full", action="store_true", default=False,
                     help="run the whole damaged-file corpus (tests/fuzzing.py), not a sample")


requires_shared = pytest.mark.skipif(not SAMPLES.is_dir(),
                                     reason="../shared/samples/raw is absent (real municipal samples are not in a user's clone)")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server on 127.0.0.1 (the `oxigraph` package), one per test session."""
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # ready when it answers a query
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the oxigraph server did not start")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the server behind {url} did not start")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso (Debian package virtuoso-opensource) on 127.0.0.1, one per test session.

    Yields the SPARQL endpoint URL with the credentials of the fresh database (dba/dba), which the
    Graph Store Protocol needs for writing."""
    import shutil
    import subprocess

    exe = shutil.which("virtuoso-t")
    if exe is None:
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http, port = _free_port(), _free_port()
    (folder / "virtuoso.ini").write_text(f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{port}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {folder}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {folder}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
""", encoding="utf-8")
    process = subprocess.Popen([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(f"http://127.0.0.1:{http}/sparql?query=ASK%7B%7D", process)
    yield f"http://dba:dba@127.0.0.1:{http}/sparql"
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (skipped when absent)."""
    import shutil

    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium is not installed (Debian packages chromium, chromium-driver; .ci/run installs them)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def browser_errors(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """The console errors the pages loaded so far wrote (and forget them)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@contextmanager
def live_site(files: Sequence[Path], *, base: str = "https://data.example.lg.jp/") -> Iterator[str]:
    """The site of ``files`` (loaded into an embedded store in memory) served on 127.0.0.1 on a free port, for
    a browser: its URL."""
    import threading

    from werkzeug.serving import make_server

    from itsutsuboshi.publish.loading import load_csv
    from itsutsuboshi.server import create_app
    from itsutsuboshi.store import EmbeddedStore

    store = EmbeddedStore(None)
    for path in files:
        load_csv(store, Path(path), base=base)
    server = make_server("127.0.0.1", 0, create_app({"STORE": store, "BASE": base, "MAP_TILES": ""}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
