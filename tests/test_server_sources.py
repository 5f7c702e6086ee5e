"""Source files, terms, named graphs and dumps in the layout of one named graph per source file.

The store holds two source graphs of one dataset (``{BASE}graph/aed/222127/{source-key}``), the
catalogue graph describing the dataset, both sources, the publisher and a custom column property,
a graph no source describes, and graphs of loads in progress that must never show.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from itsutsuboshi.iris import SEGMENT_SAFE
from itsutsuboshi.server import create_app
from itsutsuboshi.server.describe import checked_iri
from itsutsuboshi.server.static_site import export_static, file_path
from itsutsuboshi.store import EmbeddedStore

BASE = "http://127.0.0.1:8000/"
PUBLIC = "https://data.example.lg.jp/"
CODE = "222127"
DATASET = f"{BASE}id/aed/{CODE}"
#: source-key → file name, each one percent-encoded segment
FILES = {"AED%E4%B8%80%E8%A6%A7": "AED%E4%B8%80%E8%A6%A7.csv", "aed_2": "aed_2.csv"}
FIRST, SECOND = FILES
SOURCES = {key: f"{BASE}source/{CODE}/{name}" for key, name in FILES.items()}
GRAPHS = {key: f"{BASE}graph/aed/{CODE}/{key}" for key in FILES}
CATALOGUE = f"{BASE}graph/catalog"
ORPHAN = f"{BASE}graph/bus/{CODE}/old"  # a graph no source file describes
STAGING_PREFIX = "urn:itsutsuboshi:staging:"
STAGING = [STAGING_PREFIX + GRAPHS[SECOND], GRAPHS[SECOND] + "#loading"]
COLUMN = f"{BASE}def/aed/料金"
LG, TOWN = f"{BASE}id/lg/{CODE}", f"{BASE}id/town/{CODE}/0001001"
CLASH = f"{DATASET}/aed_2/001"  # an ID another file also uses: one more segment, the source-key
FIRST_COUNT = 101  # two pages
RDF, RDFS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
DCT, DCAT = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#"
PROV, ITSU = "http://www.w3.org/ns/prov#", "https://w3id.org/itsutsuboshi/ns#"
IC = "http://imi.go.jp/ns/core/rdf#"
SHARED = f"<{DATASET}> <{RDF}type> <{DCAT}Dataset> ."  # in both source graphs: once in the dump


def _record(iri: str, source: str, row: int, label: str) -> list[str]:
    r, a = f"<{iri}>", "_:a" + hashlib.sha1(iri.encode()).hexdigest()[:12]
    return [f"{r} <{RDF}type> <{IC}施設型> .", f"{r} <{RDFS}label> {json.dumps(label, ensure_ascii=False)}@ja .",
            f"{r} <{DCT}isPartOf> <{DATASET}> .", f"{r} <{PROV}wasDerivedFrom> <{SOURCES[source]}#row={row}> .",
            f'{r} <{COLUMN}> "無料" .', f"{r} <{IC}住所> {a} .", f'{a} <{IC}表記> "架空県月野町1-1" .',
            f"{a} <{IC}町字> <{TOWN}> ."]


def _source(key: str, label: str, comment: str) -> list[str]:
    s = f"<{SOURCES[key]}>"
    return [f"{s} <{RDF}type> <{ITSU}SourceFile> .", f"{s} <{RDFS}label> {json.dumps(label, ensure_ascii=False)} .",
            f"{s} <{RDFS}comment> {json.dumps(comment, ensure_ascii=False)}@ja .", f"{s} <{ITSU}graph> <{GRAPHS[key]}> .",
            f"{s} <{DCT}isPartOf> <{DATASET}> .", f"<{DATASET}> <{DCT}source> {s} ."]


def _graphs() -> dict[str, list[str]]:
    first = [SHARED]
    for i in range(1, FIRST_COUNT + 1):
        first += _record(f"{DATASET}/{i:03d}", FIRST, i + 1, "<script>alert(1)</script>" if i == 2 else f"施設{i:03d}")
    second = [SHARED, *_record(CLASH, SECOND, 2, "重複した ID"), *_record(f"{DATASET}/200", SECOND, 3, "施設200")]
    catalogue = [f"<{BASE}id/catalog> <{RDF}type> <{DCAT}Catalog> .", f"<{BASE}id/catalog> <{DCAT}dataset> <{DATASET}> .",
               SHARED, f'<{DATASET}> <{DCT}title> "AED設置箇所一覧"@ja .', f"<{DATASET}> <{DCT}publisher> <{LG}> .",
               *_source(FIRST, "AED一覧.csv", "元のファイル"),
               *_source(SECOND, "<b>aed_2.csv</b>", "<script>alert(2)</script>"),
               f"<{LG}> <{RDF}type> <{IC}組織型> .", f'<{LG}> <{RDFS}label> "架空市"@ja .',
               f'<{TOWN}> <{RDFS}label> "月野町一丁目"@ja .', f"<{COLUMN}> <{RDF}type> <{RDF}Property> .",
               f'<{COLUMN}> <{RDFS}label> "料金"@ja .', f"<{COLUMN}> <{RDFS}subPropertyOf> <{ITSU}customColumn> ."]
    staged = [f'<{DATASET}/staged> <{RDFS}label> "staged" .', f'<{BASE}id/toilet/{CODE}/staged> <{RDFS}label> "staged" .']
    return {GRAPHS[FIRST]: first, GRAPHS[SECOND]: second, CATALOGUE: catalogue,
            ORPHAN: [f'<{BASE}id/bus/{CODE}/1> <{RDFS}label> "停留所"@ja .'], **{g: staged for g in STAGING}}


class SpyStore:
    """An embedded store that remembers what was asked of it."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store, self.asked = store, []

    def query(self, sparql: str, **kw):  # type: ignore[no-untyped-def]
        self.asked.append(sparql)
        return self.store.query(sparql, **kw)

    def describe(self, iri: str):  # type: ignore[no-untyped-def]
        self.asked.append(f"DESCRIBE <{iri}>")
        return self.store.describe(iri)

    def graphs(self) -> list[str]:
        return self.store.graphs()

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        self.asked.append(f"DUMP <{graph}>")
        return self.store.dump(graph, format=format)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> SpyStore:
    folder = tmp_path_factory.mktemp("sources")
    store = EmbeddedStore(None)
    for n, (graph, lines) in enumerate(_graphs().items()):
        path = folder / f"{n}.nt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if graph.startswith(STAGING_PREFIX):  # a load in progress on a SPARQL server, put there as it would be
            store.store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
                               for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
        else:
            store.replace_graph(graph, path, format="nt")
    assert set(STAGING) <= set(store.graphs())
    return SpyStore(store)


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()


@pytest.fixture(scope="module")
def public_client(store):
    return create_app({"STORE": store, "BASE": BASE, "PUBLIC_BASE": PUBLIC, "MAP_TILES": ""}).test_client()


def _url(iri: str) -> str:
    """The request path of an IRI under BASE (its characters outside ASCII percent-encoded)."""
    return quote(iri[len(BASE) - 1:], safe="/%" + SEGMENT_SAFE)


def _site_iris() -> set[str]:
    """Every IRI under BASE in the site's graphs, subjects and objects, without fragment."""
    out = set()
    for graph, lines in _graphs().items():
        if graph in STAGING:
            continue
        for line in lines:
            out |= {iri.split("#")[0] for iri in re.findall(r"<([^>]*)>", line) if iri.startswith(BASE)}
    return out


def _lines(body: bytes) -> list[str]:
    return [line for line in gzip.decompress(body).decode("utf-8").splitlines() if line.strip()]


# --- every IRI dereferences ------------------------------------------------------------------------------


@pytest.mark.parametrize(("space", "status"), [("id/", 303), ("source/", 200), ("def/", 200), ("graph/", 200)])
def test_every_iri_of_the_store_dereferences(client, space, status):
    iris = sorted(i for i in _site_iris() if i.startswith(BASE + space))
    assert len(iris) >= {"id/": 100, "source/": 2, "def/": 1, "graph/": 2}[space]
    for iri in iris:
        answer = client.get(_url(iri), headers={"Accept": "text/turtle"})
        assert answer.status_code == status, (iri, answer.status_code)
        if status == 303:
            answer = client.get(answer.headers["Location"], headers={"Accept": "text/turtle"})
            assert answer.status_code == 200, iri
        assert answer.mimetype == "text/turtle" and answer.headers["Vary"] == "Accept"
        g = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
        assert len(g) and (space == "graph/" or (URIRef(iri), None, None) in g), iri


def test_a_record_with_the_source_key_in_its_iri_dereferences(client):
    answer = client.get(_url(CLASH))
    assert answer.status_code == 303 and answer.headers["Location"] == f"/doc/aed/{CODE}/aed_2/001"
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and "重複した ID" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", [f"/source/{CODE}/nope.csv", f"/source/{CODE}/{FIRST}", "/def/aed/nope",
                                  "/def/bus/料金", f"/graph/aed/{CODE}", f"/graph/aed/{CODE}/nope",
                                  f"/graph/aed/{CODE}/aed_2%23loading", "/graph/urn:itsutsuboshi:staging:1"])
def test_unknown_sources_terms_and_graphs_are_404(client, path):
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


# --- source files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "accept", "expected"), [
    ("", None, "text/html"),
    ("", "text/turtle", "text/turtle"),
    ("", "application/ld+json;q=0.9, text/html;q=0.5", "application/ld+json"),
    (".ttl", "text/html", "text/turtle"),
    (".jsonld", None, "application/ld+json"),
    (".rdf", None, "application/rdf+xml"),
    (".nt", None, "application/n-triples"),
    (".html", "text/turtle", "text/html"),
    ("?format=nt", "text/html", "application/n-triples"),
])
def test_source_pages_are_negotiated_like_documents(client, suffix, accept, expected):
    path = _url(SOURCES[FIRST])
    answer = client.get(path + suffix, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == expected
    assert answer.headers["Vary"] == "Accept"
    extension = {"text/html": ".html", "text/turtle": ".ttl", "application/n-triples": ".nt",
                 "application/ld+json": ".jsonld", "application/rdf+xml": ".rdf"}[expected]
    assert answer.headers["Content-Location"] == path + extension
    assert f'<{path}.ttl>; rel="alternate"' in answer.headers["Link"] or expected == "text/turtle"


def test_source_page_refuses_what_it_cannot_offer(client):
    assert client.get(_url(SOURCES[FIRST]), headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(("key", "page", "shown", "hidden"), [
    (FIRST, 1, ["施設001", "施設100"], ["施設101", "施設200", "重複した ID"]),
    (FIRST, 2, ["施設101"], ["施設100", "施設200"]),
    (SECOND, 1, ["施設200", "重複した ID"], ["施設001"]),
])
def test_source_page_lists_its_records_a_hundred_a_page(client, key, page, shown, hidden):
    html = client.get(_url(SOURCES[key]) + f"?page={page}").get_data(as_text=True)
    records = html.split('<ol class="records"', 1)[1].split("</ol>", 1)[0]
    total = FIRST_COUNT if key == FIRST else 2
    assert records.count("<li>") == min(100, total - (page - 1) * 100)
    assert f"({total})" in html and f"{page} / {-(-total // 100)}" in html
    assert all(s in records for s in shown) and not any(h in records for h in hidden)


def test_source_data_links_its_records_to_their_rows(client):
    g = Graph().parse(data=client.get(_url(SOURCES[SECOND]) + ".ttl").get_data(as_text=True), format="turtle")
    derived = URIRef(PROV + "wasDerivedFrom")
    assert (URIRef(CLASH), derived, URIRef(SOURCES[SECOND] + "#row=2")) in g
    assert (URIRef(SOURCES[SECOND]), URIRef(ITSU + "graph"), URIRef(GRAPHS[SECOND])) in g


@pytest.mark.parametrize("path", [_url(SOURCES[SECOND]), f"/doc/aed/{CODE}/002"])
def test_html_escapes_the_data(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>aed_2" not in html
    assert "&lt;script&gt;alert(" in html


@pytest.mark.parametrize(("path", "status"), [
    ("/source/%2e%2e/%2e%2e/etc/passwd", 400), (f"/source/{CODE}/..%2fx.csv", 400), ("/source/./x", 400),
    ("/def/aed/%2E%2E", 400), ("/graph/aed/%2e%2e/x", 400), (f"/graph/aed/{CODE}/.", 400),
    (f"/source/{CODE}/a%00b.csv", 400), ("/graph/a%7Fb", 400), ("/def/aed/a%0Ab", 404),  # no route matches a newline
])
def test_dot_segments_and_control_characters_are_refused_before_the_store(client, store, path, status):
    before = len(store.asked)
    answer = client.get(path)
    assert answer.status_code == status and b"root:" not in answer.data
    assert len(store.asked) == before


def test_queries_hold_only_checked_iris(client, store):
    before = len(store.asked)
    client.get(_url(SOURCES[FIRST]) + "?page=2")
    client.get(f"/graph/aed/{CODE}/{FIRST}", headers={"Accept": "text/html"})
    for query in store.asked[before:]:
        for iri in re.findall(r"<([^>]*)>", query):
            assert checked_iri(iri) == iri


# --- terms --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ("/def/aed/料金", "料金"),
    ("/def/aed/%E6%96%99%E9%87%91.ttl", "itsu:customColumn"),
    ("/def/itsutsuboshi", 'id="AED"'),  # the bundled vocabulary keeps its own route
    ("/def/itsutsuboshi.ttl", "itsu:AED"),
])
def test_terms_are_served(client, path, expected):
    answer = client.get(path)
    assert answer.status_code == 200 and expected in answer.get_data(as_text=True)


# --- named graphs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "accept", "location"), [
    (f"/graph/aed/{CODE}/{FIRST}", "text/html,application/xhtml+xml,*/*;q=0.8", _url(SOURCES[FIRST])),
    (f"/graph/aed/{CODE}/{SECOND}.html", None, _url(SOURCES[SECOND])),
    ("/graph/catalog", "text/html", "/doc/catalog"),
])
def test_a_browser_is_sent_to_the_page_about_the_graph(client, path, accept, location):
    answer = client.get(path, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 303 and answer.headers["Location"] == location
    assert answer.headers["Vary"] == "Accept"


@pytest.mark.parametrize(("suffix", "accept", "expected"), [
    ("", "text/turtle", "text/turtle"), (".nt", None, "application/n-triples"), ("?format=jsonld", None, "application/ld+json"),
    (".rdf", "text/html", "application/rdf+xml"),
])
def test_graphs_answer_their_content(client, suffix, accept, expected):
    answer = client.get(f"/graph/aed/{CODE}/{SECOND}{suffix}", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == expected and answer.headers["Vary"] == "Accept"
    parser = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
              "application/rdf+xml": "xml"}[expected]
    g = Graph().parse(data=answer.get_data(as_text=True), format=parser)
    assert len(g) == len(set(_graphs()[GRAPHS[SECOND]]))
    assert (URIRef(SOURCES[FIRST]), None, None) not in g


def test_a_graph_without_a_page_is_offered_as_data_only(client):
    assert client.get(f"/graph/bus/{CODE}/old", headers={"Accept": "text/html,*/*;q=0.8"}).mimetype == "text/turtle"
    assert client.get(f"/graph/bus/{CODE}/old.html").status_code == 406


# --- dumps, VoID, sitemap -----------------------------------------------------------------------------------


def test_dataset_dump_joins_its_source_graphs_once(client):
    lines = _lines(client.get(f"/dumps/aed/{CODE}.nt.gz").get_data())
    assert len(lines) == len(set(lines)) and lines.count(SHARED) == 1
    text = "\n".join(lines)
    assert f"<{DATASET}/001>" in text and f"<{CLASH}>" in text and f"<{DATASET}/200>" in text
    assert "staged" not in text and f"<{SOURCES[FIRST]}> <{ITSU}graph>" not in text  # the catalogue is apart
    ttl = Graph().parse(data=client.get(f"/dumps/aed/{CODE}.ttl").get_data(as_text=True), format="turtle")
    assert len(ttl) == len(lines)


@pytest.mark.parametrize("path", ["/dumps/aed/999999.nt.gz", f"/dumps/toilet/{CODE}.ttl", f"/dumps/aed/{CODE}.rdf"])
def test_no_dump_without_a_source_graph(client, path):
    assert client.get(path).status_code == 404


def test_the_whole_dump_has_the_site_graphs_and_no_staging(client):
    lines = _lines(client.get("/dumps/all.nt.gz").get_data())
    assert len(lines) == len(set(lines)) and lines.count(SHARED) == 1
    text = "\n".join(lines)
    assert "staged" not in text and f"<{COLUMN}>" in text and "停留所" in text
    ttl = client.get("/dumps/all.ttl").get_data(as_text=True)
    assert "staged" not in ttl and len(Graph().parse(data=ttl, format="turtle")) == len(lines)


def test_void_has_one_subset_per_dataset_and_no_staging(client, store):
    g = Graph().parse(data=client.get("/.well-known/void").get_data(as_text=True), format="turtle")
    void = "http://rdfs.org/ns/void#"
    site = URIRef("http://localhost/.well-known/void#site")
    subsets = {str(s).rsplit("#", 1)[1]: s for s in g.objects(site, URIRef(void + "subset"))}
    assert set(subsets) == {f"aed-{CODE}", f"bus-{CODE}"}
    expected = sum(len(store.store.dump(GRAPHS[k]).splitlines()) for k in FILES)
    assert g.value(subsets[f"aed-{CODE}"], URIRef(void + "triples")) == Literal(expected)
    dumps = set(g.objects(subsets[f"aed-{CODE}"], URIRef(void + "dataDump")))
    assert URIRef(f"http://localhost/dumps/aed/{CODE}.nt.gz") in dumps


def test_sitemap_lists_source_pages(client):
    text = client.get("/sitemap.xml").get_data(as_text=True)
    for iri in SOURCES.values():
        assert f"<loc>http://localhost{_url(iri)}</loc>" in text
    assert f"<loc>http://localhost/doc/aed/{CODE}/001</loc>" in text


# --- the public base ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "accept", "expected"), [
    (_url(SOURCES[FIRST]), "text/turtle", f"<{PUBLIC}source/{CODE}/{FILES[FIRST]}>"),
    (_url(SOURCES[FIRST]), "text/html", f'href="{PUBLIC}id/aed/{CODE}/001"'),
    (f"/graph/aed/{CODE}/{FIRST}", "application/n-triples", f"<{PUBLIC}source/{CODE}/{FILES[FIRST]}#row=2>"),
    ("/graph/catalog", "text/turtle", f"{PUBLIC}def/aed/料金"),
    ("/def/aed/料金", "text/turtle", f"<{PUBLIC}def/aed/料金>"),
])
def test_public_base_is_shown(public_client, path, accept, expected):
    answer = public_client.get(path, headers={"Accept": accept})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and expected in text and BASE not in text


# --- static export ------------------------------------------------------------------------------------------


def test_static_export_writes_source_pages_and_dataset_dumps(store, tmp_path: Path):
    summary = export_static(store.store, tmp_path / "site", base=BASE)
    out = summary.out
    assert not summary.skipped
    for stem in (f"source/{CODE}/{FILES[FIRST]}", f"source/{CODE}/{FILES[SECOND]}", f"doc/aed/{CODE}/aed_2/001",
                 quote("def/aed/料金")):
        assert all(file_path(out, stem + ext).is_file() for ext in (".html", ".ttl", ".nt", ".jsonld", ".rdf")), stem
    assert file_path(out, f"_page/2/source/{CODE}/{FILES[FIRST]}.html").is_file()
    assert not file_path(out, f"_page/2/source/{CODE}/{FILES[SECOND]}.html").exists()
    assert (out / "dumps" / "aed" / f"{CODE}.nt.gz").is_file() and (out / "dumps" / "bus" / f"{CODE}.ttl").is_file()
    assert not (out / "dumps" / "toilet").exists()


def test_the_n_quads_dumps_keep_every_graph(client, store):
    """all.nq.gz is the store's site graphs, quad for quad, with their names (what a loader needs to rebuild
    the store); a dataset's .nq.gz holds the graphs of its source files."""
    import pyoxigraph as ox

    body = client.get("/dumps/all.nq.gz")
    assert body.status_code == 200 and body.headers["Content-Encoding"] == "gzip"
    quads = list(ox.parse(gzip.decompress(body.get_data()), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    site = [g for g in store.graphs() if g.startswith(BASE + "graph/") and "#" not in g]
    assert graphs == set(site) and "staged" not in " ".join(graphs)
    expected = sum(len(list(ox.parse(store.dump(g, format="nt"), format=ox.RdfFormat.N_TRIPLES))) for g in site)
    assert len(quads) == expected
    one = list(ox.parse(gzip.decompress(client.get(f"/dumps/aed/{CODE}.nq.gz").get_data()),
                        format=ox.RdfFormat.N_QUADS))
    assert one and {q.graph_name.value for q in one} == {g for g in site if f"/graph/aed/{CODE}/" in g}
