"""The reports publish writes, served: /stars and /reports/<name>, never anything else of the folder."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from itsutsuboshi.cli.main import main
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "published"
    folder = out.parent / "in"
    folder.mkdir()
    for path in sorted((ROOT / "examples").glob("*.csv"))[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    result = CliRunner().invoke(main, ["publish", str(folder), "--base", BASE, "--out", str(out), "-q",
                                       "--license", "cc-by-4.0"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def client(published):
    return create_app({"STORE": str(published / "data"), "BASE": BASE}).test_client()


def test_the_diagnosis_and_the_reports_are_served_from_the_published_folder(client, published):
    stars = client.get("/stars")
    assert stars.status_code == 200 and stars.data == (published / "stars.html").read_bytes()
    assert "default-src 'none'" in stars.headers["Content-Security-Policy"]
    assert client.get("/stars.json").mimetype == "application/json"
    names = sorted(p.name for p in (published / "reports").iterdir())
    assert names and any(n.endswith(".html") for n in names) and any(n.endswith(".csv") for n in names)
    for name in names:
        answer = client.get(f"/reports/{name}")
        assert answer.status_code == 200 and answer.data == (published / "reports" / name).read_bytes()
        assert ("attachment" in answer.headers.get("Content-Disposition", "")) is name.endswith(".csv")
    home = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/stars"' in home


@pytest.mark.parametrize("path", ["/reports/..%2fstars.html", "/reports/../data/live", "/reports/x.txt",
                                  "/reports/%2e%2e%2fpublish-state.json", "/stars.csv", "/reports/none.html",
                                  "/reports/.%2e/.%2e/etc/passwd"])
def test_nothing_else_is_reachable(client, path):
    assert client.get(path).status_code == 404


def test_a_site_without_reports_has_no_link_and_404(tmp_path):
    client = create_app({"STORE": EmbeddedStore(None), "BASE": BASE}).test_client()
    assert client.get("/stars").status_code == 404
    assert 'href="/stars"' not in client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
