"""Static export: the site as plain files, served by a real nginx and a real Apache like the live server.

Two exports (at the root of a host, and in a sub-folder of a municipal web site) are each served by
nginx (``OUT/nginx.conf``) and Apache (``OUT/.htaccess``); every answer is compared with what the live
app answers for the same request.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from itsutsuboshi.publish.catalogue import load_catalogue
from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app
from itsutsuboshi.server.negotiation import OFFERS
from itsutsuboshi.server.static_site import ExportSummary, export_static, file_path
from itsutsuboshi.store import EmbeddedStore, StoreUnavailable

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"
PUBLIC = {"root": "https://data.city.example.lg.jp/", "folder": "https://www.city.example.lg.jp/opendata/lod/"}
CODE = "999989"
DATASET = f"aed/{CODE}"
ODD_IDS = {"あいう-1": "%E3%81%82%E3%81%84%E3%81%86-1", "A/1": "A%2F1", "100%": "100%25"}
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
EXPORTED = ("id/", "source/", "def/")  # the resources that have pages: records and datasets, source files, terms


def _fixture_csv(path: Path) -> None:
    """An AED list whose IDs hold kana, a slash, a percent sign and a dot-dot, and 105 records (2 pages)."""
    rows = ["都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,住所,緯度,経度,設置位置"]
    ids = [*ODD_IDS, "../x"] + [f"R{i:03d}" for i in range(1, 102)]
    rows += [f"{CODE},{n},架空県,月野町,施設{i},架空県月野町{i}-1,35.{i:03d},139.{i:03d},玄関" for i, n in enumerate(ids)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A folder every user can read: Apache started by root serves files as an unprivileged user."""
    folder = Path(tempfile.mkdtemp(prefix="itsutsuboshi-static-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def store(workdir: Path) -> EmbeddedStore:
    store = EmbeddedStore(None)
    _fixture_csv(workdir / f"{CODE}_aed.csv")
    for path in [*sorted((ROOT / "examples").glob("*.csv")), workdir / f"{CODE}_aed.csv"]:
        assert load_csv(store, path, base=BASE).error is None
    load_catalogue(store, base=BASE, modified=date(2026, 4, 1))
    return store


@pytest.fixture(scope="module")
def exports(store: EmbeddedStore, workdir: Path) -> dict[str, tuple[Path, ExportSummary]]:
    calls: list[tuple[int, int]] = []
    root = export_static(store, workdir / "root", base=BASE, public_base=PUBLIC["root"],
                         progress=lambda done, total: calls.append((done, total)))
    folder = export_static(store, workdir / "www" / "opendata" / "lod", base=BASE, public_base=PUBLIC["folder"])
    assert calls and calls[-1][0] == calls[-1][1] == len(calls)
    return {"root": (root.out, root), "folder": (folder.out, folder)}


def _iris(store: EmbeddedStore, *spaces: str) -> list[str]:
    """The subjects under ``{BASE}id/`` (or under each of ``spaces``), without fragment."""
    import json

    body, _ = store.query('SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(!CONTAINS(STR(?s), "#")) }')
    return sorted(b["s"]["value"] for b in json.loads(body)["results"]["bindings"]
                  if b["s"]["type"] == "uri" and b["s"]["value"].startswith(tuple(BASE + s for s in spaces or ("id/",))))


# --- the export itself ------------------------------------------------------------------------------


def test_file_names_are_decoded_url_paths(tmp_path: Path):
    assert file_path(tmp_path, "doc/aed/1/%E3%81%82.ttl") == tmp_path / "doc" / "aed" / "1" / "あ.ttl"
    assert file_path(tmp_path, "doc/aed/1/A%2F1.ttl") == tmp_path / "doc" / "aed" / "1" / "A" / "1.ttl"
    assert file_path(tmp_path, "doc/aed/1/100%25.nt") == tmp_path / "doc" / "aed" / "1" / "100%.nt"
    for bad in ("doc/aed/1/..%2Fx.ttl", "doc/%2E%2E/x", "doc//x", "doc/a%00.ttl", ""):
        with pytest.raises(ValueError):
            file_path(tmp_path, bad)


def test_summary_and_layout(exports, store):
    out, summary = exports["root"]
    iris = _iris(store, *EXPORTED)
    assert summary.resources == len(iris) - 1  # all but ../x, which no web server can map to a file
    assert {url for url, _ in summary.skipped} == {f"doc/{DATASET}/..%2Fx{o.extension}" for o in OFFERS}
    assert summary.files == sum(1 for p in out.rglob("*") if p.is_file()) and summary.bytes > 100_000
    assert summary.seconds > 0 and summary.out == out
    for name, encoded in ODD_IDS.items():
        assert all(file_path(out, f"doc/{DATASET}/{encoded}{o.extension}").is_file() for o in OFFERS), name
    assert (out / "doc" / DATASET / "あいう-1.ttl").is_file() and (out / "doc" / DATASET / "A" / "1.ttl").is_file()
    assert all((out / "_page" / "2" / "doc" / f"{DATASET}{o.extension}").is_file() for o in OFFERS)
    assert not (out / "_page" / "3").exists()
    for name in ("index.html", "404.html", "sitemap.xml", ".well-known/void", "dumps/all.nt.gz",
                 f"dumps/{DATASET}.nt.gz", "static/style.css", "def/itsutsuboshi.jsonld", "shapes.ttl"):
        assert (out / name).is_file(), name
    assert "sparqlEndpoint" not in (out / ".well-known" / "void").read_text(encoding="utf-8")
    assert f"root {out.resolve()};" in (out / "nginx.conf").read_text(encoding="utf-8")
    assert "RewriteBase /opendata/lod/" in (exports["folder"][0] / ".htaccess").read_text(encoding="utf-8")


def test_export_replaces_an_earlier_export_but_no_other_folder(store, tmp_path: Path):
    small = EmbeddedStore(None)
    load_csv(small, ROOT / "examples" / "999997_aed.csv", base=BASE)
    out = tmp_path / "site"
    export_static(small, out, base=BASE)
    (out / "doc" / "stale.html").write_text("old", encoding="utf-8")
    again = export_static(small, out, base=BASE)
    assert not (out / "doc" / "stale.html").exists() and again.resources == len(_iris(small, *EXPORTED))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.docx").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        export_static(small, tmp_path / "mine", base=BASE)
    assert (tmp_path / "mine" / "report.docx").is_file()


class _Down:
    """A store that has gone away."""

    def query(self, sparql: str, **kw):  # type: ignore[no-untyped-def]
        raise StoreUnavailable("connection refused")

    def graphs(self) -> list[str]:
        raise StoreUnavailable("connection refused")


def test_a_store_outage_keeps_the_earlier_export(tmp_path: Path):
    small = EmbeddedStore(None)
    load_csv(small, ROOT / "examples" / "999997_aed.csv", base=BASE)
    export_static(small, tmp_path / "site", base=BASE)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(RuntimeError, match="503"):
        export_static(_Down(), tmp_path / "site", base=BASE)  # type: ignore[arg-type]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# --- real web servers ---------------------------------------------------------------------------------


@dataclass
class Site:
    """One export served by one web server at ``url``; ``app`` is the live app with the same public base."""

    name: str
    url: str
    public: str
    app: object

    def local(self, iri: str) -> str:
        return self.url + iri[len(self.public):] if iri.startswith(self.public) else iri

    def path_of(self, location: str) -> str:
        """The path of a ``Location`` (relative or absolute) below the site's folder, with its query."""
        parts = urlsplit(location)
        return (parts.path + (f"?{parts.query}" if parts.query else ""))[len(urlsplit(self.url).path):]

    def live(self, path: str, accept: str | None = None):  # type: ignore[no-untyped-def]
        return _live(self.app, self.public, path, accept)


@lru_cache(maxsize=4096)
def _live(app, public: str, path: str, accept: str | None):  # type: ignore[no-untyped-def]
    return app.test_client().get("/" + path, base_url=public, headers={"Accept": accept} if accept else {})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(command: list[str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"{command[0]} did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.02)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _nginx(out: Path, folder: Path, port: int) -> subprocess.Popen:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (Debian package nginx)")
    site = (out / "nginx.conf").read_text(encoding="utf-8")
    listen = next(line for line in site.splitlines() if line.strip().startswith("listen "))
    (folder / "site.conf").write_text(site.replace(listen, f"    listen 127.0.0.1:{port};"), encoding="utf-8")
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""daemon off; master_process off; pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 64; }}
http {{ access_log off; {temp} include {folder / "site.conf"}; }}
""", encoding="utf-8")
    return _start([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
                  port, folder / "error.log")


def _apache(out: Path, docroot: Path, folder: Path, port: int) -> subprocess.Popen:
    if not Path(APACHE).exists() or not APACHE_MODULES.is_dir():
        pytest.skip("Apache is not installed (Debian package apache2)")
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so"
                        for name in ("mpm_prefork", "authz_core", "mime", "dir", "rewrite", "headers"))
    user = "User #65534\nGroup #65534" if os.geteuid() == 0 else ""
    (folder / "httpd.conf").write_text(f"""ServerRoot {folder}
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
PidFile {folder / "httpd.pid"}
ErrorLog {folder / "error.log"}
Mutex file:{folder} default
KeepAlive Off
{modules}
{user}
TypesConfig /etc/mime.types
AllowEncodedSlashes On
DocumentRoot {docroot}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {docroot}>
    AllowOverride FileInfo Indexes
    Require all granted
</Directory>
""", encoding="utf-8")
    return _start([APACHE, "-X", "-f", str(folder / "httpd.conf")], port, folder / "error.log")


@pytest.fixture(scope="module", params=["nginx-root", "nginx-folder", "apache-root", "apache-folder"])
def site(request, exports, store, workdir: Path) -> Iterator[Site]:
    server, layout = request.param.split("-")
    out, _ = exports[layout]
    folder = workdir / f"server-{request.param}"
    folder.mkdir()
    port = _free_port()
    if server == "nginx":
        process = _nginx(out, folder, port)
    else:
        process = _apache(out, workdir / "www" if layout == "folder" else out, folder, port)
    prefix = "/opendata/lod/" if layout == "folder" else "/"
    app = create_app({"STORE": store, "BASE": BASE, "PUBLIC_BASE": PUBLIC[layout]})
    try:
        yield Site(request.param, f"http://127.0.0.1:{port}{prefix}", PUBLIC[layout], app)
    finally:
        _stop(process)


def _get(url: str, accept: str | None = None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(url, headers={"Accept": accept} if accept else {}, allow_redirects=False, timeout=10, **kw)


def _graph(body: bytes, media_type: str) -> Graph:
    return Graph().parse(data=body.decode("utf-8"), format=RDF_PARSERS[media_type])


def _same_rdf(ours: requests.Response, live, media_type: str) -> None:  # type: ignore[no-untyped-def]
    assert isomorphic(_graph(ours.content, media_type), _graph(live.get_data(), media_type)), ours.url


def test_every_iri_redirects_303_and_its_turtle_matches_the_live_server(site: Site, store):
    for iri in _iris(store):
        if "..%2F" in iri:
            continue
        public = site.public + iri[len(BASE):]
        answer = _get(site.local(public), "text/turtle")
        assert answer.status_code == 303 and answer.headers["Vary"] == "Accept", public
        location = answer.headers["Location"]
        assert location.endswith(site.live(public[len(site.public):], "text/turtle").headers["Location"]), location
        path = site.path_of(location)
        assert path == "doc/" + public[len(site.public) + 3:]
        document = _get(site.url + path, "text/turtle")
        assert document.status_code == 200 and document.headers["Content-Type"] == "text/turtle; charset=utf-8"
        _same_rdf(document, site.live(path, "text/turtle"), "text/turtle")


@pytest.mark.parametrize("name", [*ODD_IDS, "R050"])
def test_every_format_by_accept_extension_and_format_parameter(site: Site, name: str):
    path = f"doc/{DATASET}/{ODD_IDS.get(name, name)}"
    for offer in OFFERS:
        expected = offer.media_type + ("; charset=utf-8" if offer.media_type.startswith("text/") else "")
        for url, accept in ((path, offer.media_type), (path + offer.extension, "text/html"),
                            (f"{path}?format={offer.name}", None)):
            ours = _get(site.url + url, accept)
            live = site.live(url, accept)
            assert ours.status_code == 200 and ours.headers["Content-Type"] == expected, (url, accept)
            assert ours.headers["Access-Control-Allow-Origin"] == "*" and "Accept" in ours.headers["Vary"]
            assert ours.headers["Content-Location"] == live.headers["Content-Location"]
            assert sorted(ours.headers["Link"].split(", ")) == sorted(live.headers["Link"].split(", "))
            if offer.name == "html":
                assert ours.content == live.get_data()
            else:
                _same_rdf(ours, live, offer.media_type)


ACCEPTS = [
    None, "*/*", "text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples",
    "TEXT/Turtle", "text/*", "application/*", "text/html;q=0, text/turtle",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",  # Chrome
    "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, application/n-quads, "
    "application/trix, application/trig",  # rdflib, no format given
    "text/turtle, application/x-turtle, */*;q=0.1", "application/ld+json, application/json;q=0.9, */*;q=0.1",
    "application/rdf+xml, */*;q=0.1", "text/plain, */*;q=0.1",  # rdflib per format
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
    "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,text/html;q=0.2",  # Comunica
    "text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml;q=0.5, text/turtle;q=0.9",
    "text/turtle; q=1.0, application/ld+json; q=0.8", "application/ld+json;q=0.3, text/html;q=0.2",
]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_accept_is_negotiated_like_the_live_server(site: Site, accept: str | None):
    path = f"doc/{DATASET}/R001"
    ours, live = _get(site.url + path, accept), site.live(path, accept)
    assert live.status_code == 200
    assert ours.status_code == 200 and ours.headers["Content-Type"] == live.headers["Content-Type"], accept


def test_what_the_live_server_refuses(site: Site):
    path = f"doc/{DATASET}/R001"
    assert _get(site.url + path, "image/png").headers["Content-Type"] == "text/html; charset=utf-8"  # 406 live
    for value in ("bogus", "application/ld+json"):  # a raw "+" is a space: 406 on both
        assert _get(f"{site.url}{path}?format={value}").status_code == site.live(f"{path}?format={value}").status_code
    for value in ("text%2Fturtle", "TTL", "application%2Fld%2Bjson", ".nt"):
        assert _get(f"{site.url}{path}?format={value}").headers["Content-Type"] == \
            site.live(f"{path}?format={value}").headers["Content-Type"]


def test_browsers_get_the_same_html_page(site: Site):
    accept = ACCEPTS[11]
    for path in (f"doc/{DATASET}/{ODD_IDS['A/1']}", f"doc/{DATASET}", "def/itsutsuboshi", "shapes", ""):
        ours, live = _get(site.url + path, accept), site.live(path, accept)
        assert ours.status_code == 200 and ours.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert ours.content == live.get_data(), path


def test_dataset_page_two(site: Site):
    path = f"doc/{DATASET}"
    html = _get(f"{site.url}{path}?page=2")
    assert html.status_code == 200 and html.content == site.live(f"{path}?page=2").get_data()
    assert "2 / 2" in html.text and html.headers["Content-Location"].endswith(f"{path}.html?page=2")
    for accept in ("text/turtle", "application/ld+json"):
        _same_rdf(_get(f"{site.url}{path}?page=2", accept), site.live(f"{path}?page=2", accept), accept)
    _same_rdf(_get(f"{site.url}{path}.nt?page=02"), site.live(f"{path}.nt?page=2"), "application/n-triples")
    first = _get(f"{site.url}{path}?page=1", "text/turtle")
    _same_rdf(first, site.live(path, "text/turtle"), "text/turtle")
    assert _get(f"{site.url}{path}?page=3").status_code == 404


@pytest.mark.parametrize("path", [f"table/{DATASET}.csv", f"table/{DATASET}.json", f"points/{DATASET}.json",
                                  "search/points.json", "search/datasets.json"])
def test_flat_tables_and_map_points_are_served_as_the_live_server_writes_them(site: Site, path: str):
    ours, live = _get(site.url + path), site.live(path)
    assert live.status_code == 200 and ours.status_code == 200, path
    assert ours.content == live.get_data(), path
    assert ours.headers["Content-Type"].split(";")[0] == live.headers["Content-Type"].split(";")[0], path


def test_source_file_pages_are_served_like_the_live_server(site: Site, store):
    sources = _iris(store, "source/")
    assert sources
    for iri in sources:
        path = iri[len(BASE):]
        for url, accept in ((path, ACCEPTS[11]), (path, "text/turtle"), (path + ".nt", None), (path + ".html", None)):
            ours, live = _get(site.url + url, accept), site.live(url, accept)
            assert live.status_code == 200 and ours.status_code == 200, url
            assert ours.headers["Content-Type"] == live.headers["Content-Type"], url
            assert ours.headers["Content-Location"] == live.headers["Content-Location"], url
            media_type = live.headers["Content-Type"].split(";")[0]
            if media_type == "text/html":
                assert ours.content == live.get_data(), url
            else:
                _same_rdf(ours, live, media_type)


@pytest.mark.parametrize("path", ["doc/aed/999997/nope", "id-not", "doc/aed/999997/", "sparql", "sparql/ui",
                                  "dumps/aed/000000.nt.gz", "_page/2/doc/aed/999989.html"])
def test_missing_is_404(site: Site, path: str):
    answer = _get(site.url + path)
    assert answer.status_code == 404 and "Not found" in answer.text


@pytest.mark.parametrize("path", ["doc/../nginx.conf", "doc/%2e%2e/nginx.conf", "doc/..%2Fnginx.conf",
                                  "doc/aed/..%2F..%2Fnginx.conf", "static/..%2F..%2F.htaccess", "static/%2E%2E/.htaccess",
                                  "doc/../../../../../../etc/passwd", "static/..%2F..%2F..%2F..%2F..%2Fetc/passwd",
                                  "nginx.conf", ".htaccess", "doc/aed/999997/0000000001.html/../../../../nginx.conf"])
def test_no_file_outside_the_site_is_served(site: Site, path: str):
    host, _, prefix = site.url[len("http://"):].partition("/")
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", f"/{prefix}{path}")  # sent as is: no client-side normalisation
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status != 200 and b"itsutsuboshi static export" not in body and b"root:" not in body


def test_site_files(site: Site):
    for path, kind in (("", "text/html; charset=utf-8"), (".well-known/void", "text/turtle; charset=utf-8"),
                       ("sitemap.xml", "application/xml; charset=utf-8"), ("static/style.css", "text/css; charset=utf-8"),
                       ("static/images/marker-icon.png", "image/png"), ("dumps/all.ttl", "text/turtle; charset=utf-8")):
        answer = _get(site.url + path)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == kind, path
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        if path != ".well-known/void":
            assert answer.content == site.live(path).get_data(), path
    void = _get(site.url + ".well-known/void").text
    assert "void:sparqlEndpoint" not in void and site.live(".well-known/void").get_data(as_text=True) \
        .replace(f"    void:sparqlEndpoint <{site.public}sparql> ;\n", "") == void
    assert f"{site.public}doc/{DATASET}/{ODD_IDS['A/1']}" in _get(site.url + "sitemap.xml").text
    ns = _get(site.url + "ns")
    assert ns.status_code == 303 and ns.headers["Location"].endswith("/def/itsutsuboshi")
    for ext in ("", ".ttl"):  # the DCAT catalogue, like the live server
        catalogue = _get(site.url + "catalog" + ext, "text/turtle")
        assert catalogue.status_code == 303 and catalogue.headers["Location"].endswith("/doc/catalog" + ext)
        assert catalogue.headers["Vary"] == "Accept"
        document = _get(site.url + "doc/catalog" + ext, "text/turtle")
        _same_rdf(document, site.live("doc/catalog" + ext, "text/turtle"), "text/turtle")
    dump = _get(site.url + "dumps/catalog.ttl")
    assert dump.status_code == 200 and dump.content == site.live("dumps/catalog.ttl").get_data()


@pytest.mark.parametrize("name", ["all", DATASET])
def test_dumps_are_gzip_downloads(site: Site, name: str):
    answer = _get(f"{site.url}dumps/{name}.nt.gz", stream=True)
    raw = answer.raw.read(decode_content=False)
    live = site.live(f"dumps/{name}.nt.gz")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/n-triples"
    assert answer.headers["Content-Encoding"] == "gzip" and raw == live.get_data()
    assert answer.headers["Content-Disposition"] == live.headers["Content-Disposition"]
    assert len(Graph().parse(data=gzip.decompress(raw).decode("utf-8"), format="nt")) > 500
