"""Shared fixtures: where the real municipal samples are (``../shared``), skipped when absent."""

from __future__ import annotations

import csv
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
