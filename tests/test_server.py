"""The Linked Data server: dereferencing, content negotiation, HTML safety, base rewriting, paging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDFS, Graph, URIRef

from itsutsuboshi.cli.main import main
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.server import create_app
from itsutsuboshi.server.cache import DocumentCache
from itsutsuboshi.server.describe import checked_iri
from itsutsuboshi.server.negotiation import OFFERS, from_accept, parse_accept
from itsutsuboshi.server.state import site_state
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"
RECORD = "aed/999997/0000000001"
DATASET = "aed/999997"
EVIL = "test/000000/evil"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
IS_PART_OF = "http://purl.org/dc/terms/isPartOf"


ODD_IDS = ["A/1", "東-1", "a b", "50%"]


class SpyStore:
    """Counts the queries that reach the store."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.queries: list[str] = []

    def query(self, sparql: str, **kw):
        self.queries.append(sparql)
        return self.store.query(sparql, **kw)

    def graphs(self):
        return self.store.graphs()

    def describe(self, iri: str):
        self.queries.append(f"DESCRIBE <{iri}>")
        return self.store.describe(iri)


def _extra_data(path: Path) -> None:
    """A record with hostile content and a dataset with 150 records (paging)."""
    evil = f"<{BASE}id/{EVIL}>"
    lines = [f'{evil} <{RDFS_LABEL}> "<script>alert(1)</script>" .',
             f"{evil} <http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:alert(1)> .",
             f"<{BASE}id/big/000000> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
             "<http://www.w3.org/ns/dcat#Dataset> .",
             f'<{BASE}id/big/000000> <http://purl.org/dc/terms/title> "大きなデータセット"@ja .']
    for local in ODD_IDS:
        lines.append(f'<{IriBuilder(BASE).record("aed", "999997", local)}> <{RDFS_LABEL}> "ID {local}"@ja .')
    for i in range(150):
        r = f"<{BASE}id/big/000000/{i:04d}>"
        lines += [f"{r} <{IS_PART_OF}> <{BASE}id/big/000000> .", f'{r} <{RDFS_LABEL}> "記録{i:04d}"@ja .']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def spy(tmp_path_factory) -> SpyStore:
    out = tmp_path_factory.mktemp("server")
    store = EmbeddedStore(None)
    for name, files in {"examples": sorted((ROOT / "examples").glob("*.csv")),
                        "linking": [ROOT / "tests" / "linking" / "131016_aed.csv"]}.items():
        target = out / f"{name}.nt"
        run = CliRunner().invoke(main, ["link", *map(str, files), "-o", str(target), "-q"])
        assert target.exists(), run.output
        store.replace_graph(IriBuilder(BASE).graph(name, "000000", f"{name}.csv"), target)
    _extra_data(out / "extra.nt")
    store.replace_graph(IriBuilder(BASE).graph("extra", "000000", "extra.csv"), out / "extra.nt")
    return SpyStore(store)


@pytest.fixture(scope="module")
def client(spy):
    return create_app({"STORE": spy, "BASE": BASE}).test_client()


@pytest.fixture(scope="module")
def public_client(spy):
    return create_app({"STORE": spy, "BASE": BASE, "PUBLIC_BASE": "https://data.example.lg.jp/"}).test_client()


# --- negotiation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/html"),
    ("", "text/html"),
    ("*/*", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/turtle;q=0.9, application/ld+json", "application/ld+json"),
    ("application/ld+json;q=0.5, text/turtle;q=0.8, */*;q=0.1", "text/turtle"),
    ("text/*", "text/html"),
    ("text/*;q=0.5, text/turtle", "text/turtle"),
    ("text/html;q=0, */*", "text/turtle"),
    ("application/json, application/ld+json;q=0.9", "application/ld+json"),
])
def test_accept_header_picks_the_format(client, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get(f"/doc/{RECORD}", headers=headers)
    assert r.status_code == 200
    assert r.mimetype == expected


@pytest.mark.parametrize(("suffix", "expected"), [
    (".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".rdf", "application/rdf+xml"),
    (".nt", "application/n-triples"), (".html", "text/html"),
    ("?format=turtle", "text/turtle"), ("?format=jsonld", "application/ld+json"), ("?format=nt", "application/n-triples"),
    ("?format=rdfxml", "application/rdf+xml"), ("?format=html", "text/html"), ("?format=text/turtle", "text/turtle"),
])
def test_extension_and_format_parameter_beat_accept(client, suffix, expected):
    r = client.get(f"/doc/{RECORD}{suffix}", headers={"Accept": "application/rdf+xml;q=0.1, text/plain"})
    assert r.status_code == 200
    assert r.mimetype == expected


def test_extension_beats_format_parameter(client):
    assert client.get(f"/doc/{RECORD}.ttl?format=jsonld").mimetype == "text/turtle"


@pytest.mark.parametrize("accept", ["image/png", "text/plain", "application/json", "text/turtle;q=0"])
def test_406_lists_the_offers(client, accept):
    r = client.get(f"/doc/{RECORD}", headers={"Accept": accept})
    assert r.status_code == 406
    body = r.get_data(as_text=True)
    for offer in OFFERS:
        assert offer.media_type in body
    assert r.headers["Vary"] == "Accept"


def test_unknown_format_parameter_is_406(client):
    assert client.get(f"/doc/{RECORD}?format=pdf").status_code == 406


def test_accept_parser():
    assert parse_accept("text/turtle;q=0.5, */*;q=x") == [("text/turtle", 0.5), ("*/*", 0.0)]
    assert from_accept("image/*") is None


@pytest.mark.parametrize("suffix", ["", ".ttl", "?format=jsonld"])
def test_id_redirects_303_to_doc(client, suffix):
    r = client.get(f"/id/{RECORD}{suffix}")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/doc/{RECORD}{suffix}"


def test_headers(client):
    r = client.get(f"/doc/{RECORD}", headers={"Accept": "text/turtle"})
    assert r.headers["Vary"] == "Accept"
    assert r.headers["Content-Location"] == f"/doc/{RECORD}.ttl"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    links = r.headers["Link"]
    for ext, media in [(".html", "text/html"), (".jsonld", "application/ld+json"), (".rdf", "application/rdf+xml"),
                       (".nt", "application/n-triples")]:
        assert f'</doc/{RECORD}{ext}>; rel="alternate"; type="{media}"' in links
    assert "text/turtle" not in links
    assert r.headers["ETag"] and r.headers["Last-Modified"]


def test_304_on_if_none_match(client):
    r = client.get(f"/doc/{RECORD}.ttl")
    again = client.get(f"/doc/{RECORD}.ttl", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(f"/doc/{RECORD}.ttl", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_head(client):
    r = client.head(f"/doc/{RECORD}.jsonld")
    assert r.status_code == 200
    assert r.data == b""
    assert r.mimetype == "application/ld+json"
    assert int(r.headers["Content-Length"]) > 100


@pytest.mark.parametrize("path", ["/doc/aed/999997/nope", "/doc/nothing/here.ttl", "/id/aed/999997/nope"])
def test_404_for_unknown_resources(client, path):
    r = client.get(path, follow_redirects=True)
    assert r.status_code == 404


# --- content ------------------------------------------------------------------------------------


def test_turtle_has_nested_blank_nodes_and_labels_of_links(client):
    g = Graph().parse(data=client.get(f"/doc/{RECORD}.ttl").get_data(as_text=True), format="turtle")
    subject = URIRef(BASE + "id/" + RECORD)
    assert (subject, None, None) in g
    ic = "http://imi.go.jp/ns/core/rdf#"
    address = [o for o in g.objects(None, URIRef(ic + "住所"))]
    assert address and g.value(address[0], URIRef(ic + "表記")) is not None  # two blank levels down
    assert (URIRef(BASE + "id/lg/999997"), URIRef(RDFS_LABEL), None) in g


def test_jsonld_uses_the_bundled_context(client):
    data = json.loads(client.get(f"/doc/{RECORD}.jsonld").data)
    assert data["@context"]["ic"] == "http://imi.go.jp/ns/core/rdf#"
    assert "ic:ID" in json.dumps(data, ensure_ascii=False)


def test_html_page_is_readable(client):
    html = client.get(f"/doc/{RECORD}").get_data(as_text=True)
    assert "<h1>星野市役所</h1>" in html
    assert "設置地点" in html and "住所型" in html  # Japanese labels of IMI terms
    assert 'id="map"' in html and "/static/leaflet.js" in html
    assert f'href="/doc/{RECORD}.ttl"' in html
    assert client.get("/static/leaflet.js").status_code == 200


def test_home_lists_datasets_with_counts(client):
    html = client.get("/").get_data(as_text=True)
    assert "AED設置箇所一覧" in html and "大きなデータセット" in html
    assert ">150<" in html


def test_dataset_page_lists_records_with_paging(client):
    first = client.get("/doc/big/000000").get_data(as_text=True)
    assert first.count("<li>") == 100 and "記録0000" in first and "記録0100" not in first
    assert 'href="?page=2"' in first
    second = client.get("/doc/big/000000?page=2")
    text = second.get_data(as_text=True)
    assert text.count("<li>") == 50 and "記録0149" in text
    assert second.headers["Content-Location"] == "/doc/big/000000.html?page=2"
    ttl = client.get("/doc/big/000000.ttl").get_data(as_text=True)
    assert "big/000000/0000" in ttl


# --- safety -------------------------------------------------------------------------------------


def test_script_literal_is_escaped_and_javascript_iri_not_linked(client):
    html = client.get(f"/doc/{EVIL}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html.lower()
    assert "javascript:alert(1)" in html


@pytest.mark.parametrize("path", ["/doc/aed/999997/a>b", "/doc/aed/999997/a%3Eb", "/doc/aed/999997/a%20b",
                                  "/doc/aed/a%7Bb%7D", "/id/aed/999997/a%22b", "/doc/aed/x%5C/y",
                                  "/doc/aed/a%0Ab", "/doc/aed/a%3E%20%3Chttp:%2F%2Fevil%3E"])
def test_unsafe_characters_are_escaped_before_the_store(client, spy, path):
    before = len(spy.queries)
    r = client.get(path)
    assert r.status_code in (200, 303, 400, 404)
    for query in spy.queries[before:]:
        iri = query.split("<", 1)[1].rsplit(">", 1)[0]
        assert checked_iri(iri) == iri and iri.startswith(BASE)


def test_control_characters_never_reach_the_store(client, spy):
    before = len(spy.queries)
    for path in ("/doc/aed/a%0Ab", "/doc/aed/a%00b", "/id/aed/a%7Fb"):
        assert client.get(path).status_code in (400, 404)
    assert len(spy.queries) == before


@pytest.mark.parametrize("path", ["/doc/../../etc/passwd", "/doc/%2e%2e/%2e%2e/etc/passwd", "/doc/aed/..%2f..%2fetc",
                                  "/id/%2E%2E/etc/passwd", "/doc/./x", "/static/../pages.py"])
def test_path_traversal_reads_no_files(client, spy, path):
    before = len(spy.queries)
    r = client.get(path)
    assert r.status_code in (400, 404)
    assert b"root:" not in r.data and b"import" not in r.data
    assert len(spy.queries) == before


# --- base rewriting -----------------------------------------------------------------------------


def test_public_base_rewrites_turtle_and_html(public_client):
    ttl = public_client.get(f"/doc/{RECORD}.ttl").get_data(as_text=True)
    assert f"<https://data.example.lg.jp/id/{RECORD}>" in ttl
    assert BASE not in ttl
    html = public_client.get(f"/doc/{RECORD}").get_data(as_text=True)
    assert f"https://data.example.lg.jp/id/{RECORD}" in html
    assert 'href="https://data.example.lg.jp/id/lg/999997"' in html
    assert BASE not in html
    assert "https://data.example.lg.jp/id/aed/999997" in public_client.get("/").get_data(as_text=True)


# --- vocabulary and shapes ----------------------------------------------------------------------


def test_vocabulary_with_conneg_and_anchors(client):
    html = client.get("/def/itsutsuboshi").get_data(as_text=True)
    assert 'id="AED"' in html
    ttl = client.get("/def/itsutsuboshi", headers={"Accept": "text/turtle"})
    assert ttl.mimetype == "text/turtle" and b"itsu:AED" in ttl.data
    assert client.get("/def/itsutsuboshi.jsonld").mimetype == "application/ld+json"
    assert client.get("/ns").status_code == 303


def test_shapes_as_turtle_and_html(client):
    assert client.get("/shapes.ttl").mimetype == "text/turtle"
    html = client.get("/shapes").get_data(as_text=True)
    assert "<table" in html and "ic:" in html


def test_create_app_reads_the_environment(monkeypatch):
    monkeypatch.setenv("ITSUTSUBOSHI_BASE", "https://data.example.lg.jp")
    monkeypatch.delenv("ITSUTSUBOSHI_STORE", raising=False)
    app = create_app()
    assert app.config["BASE"] == "https://data.example.lg.jp/"
    assert site_state(app).store.graphs() == []


def test_sparql_blueprint_is_registered_when_present(client):
    pytest.importorskip("itsutsuboshi.server.sparql")
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert r.get_json()["boolean"] is True


def test_serve_command_binds_to_localhost_and_prints_the_url(monkeypatch):
    from flask import Flask

    calls = {}
    monkeypatch.setattr(Flask, "run", lambda self, **kw: calls.update(kw))
    run = CliRunner().invoke(main, ["serve", "--port", "8123", "--public-base", "https://data.example.lg.jp/"])
    assert run.exit_code == 0, run.output
    assert "http://127.0.0.1:8123/" in run.output
    assert calls["host"] == "127.0.0.1" and calls["port"] == 8123


# --- IDs with an encoded slash or other escaped characters -------------------------------------------


@pytest.mark.parametrize("local", ODD_IDS)
def test_ids_with_escaped_characters_dereference(client, local):
    iri = IriBuilder(BASE).record("aed", "999997", local)
    path = iri[len(BASE) - 1:]  # /id/aed/999997/A%2F1 …
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(path.replace("/id/", "/doc/", 1))
    r = client.get(r.headers["Location"], headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.data
    assert Graph().parse(data=r.data.decode(), format="turtle").value(URIRef(iri), RDFS.label) is not None
    assert r.headers["Content-Location"] == path.replace("/id/", "/doc/", 1) + ".ttl"
    html = client.get(path.replace("/id/", "/doc/", 1) + ".html")
    assert html.status_code == 200 and f"ID {local}".encode() in html.data


# --- the document cache --------------------------------------------------------------------------------


def test_documents_are_cached_and_the_cache_can_be_turned_off(spy):
    path = "/doc/aed/999997/0000000001.ttl"
    for size, reaching in ((2048, 1), (0, 3)):
        client = create_app({"STORE": spy, "BASE": BASE, "CACHE_SIZE": size}).test_client()
        before = len(spy.queries)
        bodies = {client.get(path).data for _ in range(3)}
        assert len(bodies) == 1
        assert len(spy.queries) - before == reaching


def test_cached_documents_expire():
    cache = DocumentCache(size=2, seconds=0)
    cache.put("a", b"1")
    assert cache.get("a") is None
    cache = DocumentCache(size=2, seconds=60)
    for key in "abc":
        cache.put(key, key.encode())
    assert cache.get("a") is None and cache.get("c") == b"c"  # least recently used goes first


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ITSUTSUBOSHI_BASE", BASE)
    monkeypatch.setenv("ITSUTSUBOSHI_SPARQL_TIMEOUT", "2.5")
    monkeypatch.setenv("ITSUTSUBOSHI_SPARQL_SERVICE_ALLOWLIST", "https://query.wikidata.org/sparql, https://x.org/q")
    monkeypatch.setenv("ITSUTSUBOSHI_MAP_TILES", "")
    monkeypatch.setenv("ITSUTSUBOSHI_CACHE_SIZE", "0")
    app = create_app()
    assert app.config["SPARQL_TIMEOUT"] == 2.5 and app.config["MAP_TILES"] == ""
    assert app.config["SPARQL_SERVICE_ALLOWLIST"] == ["https://query.wikidata.org/sparql", "https://x.org/q"]
    assert site_state(app).cache.size == 0


def test_record_pages_name_weekdays_instead_of_showing_their_iris(client):
    page = client.get("/doc/aed/999997/0000000001", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "月曜日 / Monday" in page and "金曜日 / Friday" in page
    assert "<code>http://schema.org/Monday</code>" in page  # the IRI stays visible beside its label
