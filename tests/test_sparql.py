"""The /sparql endpoint: protocol, negotiation, safety checks, timeouts, row cap and the query page."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from flask import Flask

from itsutsuboshi.server import create_app
from itsutsuboshi.server.sparql import check_query
from itsutsuboshi.store import EmbeddedStore, StoreUnavailable

from .conftest import ROOT

EXAMPLES_DIR = ROOT / "examples"
SELECT = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s <http://ex/p> ?o } WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5"
INSERT = "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> list[Path]:
    """The example CSVs linked to N-Triples once per module."""
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main

    out = tmp_path_factory.mktemp("nt")
    paths = []
    for csv in sorted(EXAMPLES_DIR.glob("*.csv")) + [ROOT / "tests" / "linking" / "131016_aed.csv"]:
        target = out / (csv.stem + ".nt")
        result = CliRunner().invoke(main, ["link", str(csv), "-o", str(target)])
        assert result.exit_code == 0, result.output
        paths.append(target)
    return paths


@pytest.fixture
def store(data) -> EmbeddedStore:
    store = EmbeddedStore(None)
    for path in data:
        store.replace_graph(f"http://example.org/graph/{path.stem}", path)
    return store


def make_app(store, **config) -> Flask:
    return create_app({"STORE": store, **config})


@pytest.fixture
def client(store):
    return make_app(store).test_client()


def triples(store) -> int:
    body, _ = store.query(COUNT)
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def send(client, method: str, query: str, **kwargs):
    if method == "get":
        return client.get("/sparql", query_string={"query": query}, **kwargs)
    if method == "form":
        return client.post("/sparql", data={"query": query}, **kwargs)
    return client.post("/sparql", data=query.encode(), content_type="application/sparql-query", **kwargs)


METHODS = ["get", "form", "direct"]


# -- protocol matrix ------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("query", "accept", "media"), [
    (SELECT, None, "application/sparql-results+json"),
    (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "text/csv", "text/csv"),
    (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
    (SELECT, "text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    (SELECT, "text/html, */*;q=0.1", "application/sparql-results+json"),
    (ASK, None, "application/sparql-results+json"),
    (ASK, "application/sparql-results+xml", "application/sparql-results+xml"),
    (CONSTRUCT, None, "text/turtle"),
    (CONSTRUCT, "application/n-triples", "application/n-triples"),
    (CONSTRUCT, "application/ld+json", "application/ld+json"),
    (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, "application/rdf+xml;q=0.2, text/turtle;q=0.8", "text/turtle"),
])
def test_protocol_matrix(client, method, query, accept, media):
    headers = {"Accept": accept} if accept else {}
    response = send(client, method, query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Vary"]
    assert response.data


@pytest.mark.parametrize(("fmt", "query", "media"), [
    ("json", SELECT, "application/sparql-results+json"), ("xml", SELECT, "application/sparql-results+xml"),
    ("csv", SELECT, "text/csv"), ("tsv", SELECT, "text/tab-separated-values"),
    ("turtle", CONSTRUCT, "text/turtle"), ("nt", CONSTRUCT, "application/n-triples"),
    ("jsonld", CONSTRUCT, "application/ld+json"), ("rdfxml", CONSTRUCT, "application/rdf+xml"),
])
def test_format_parameter_beats_accept(client, fmt, query, media):
    response = client.get("/sparql", query_string={"query": query, "format": fmt}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == media


def test_select_answers_are_right(client):
    body = send(client, "get", "SELECT ?n WHERE { <http://127.0.0.1:8000/id/aed/999997/0000000001> "
                               "<http://www.w3.org/2000/01/rdf-schema#label> ?n }").get_json()
    assert [b["n"]["value"] for b in body["results"]["bindings"]] == ["星野市役所"]
    assert send(client, "form", ASK).get_json()["boolean"] is True


@pytest.mark.parametrize(("query", "accept"), [(SELECT, "text/turtle"), (CONSTRUCT, "text/csv"), (SELECT, "image/png")])
def test_406_when_nothing_fits(client, query, accept):
    response = send(client, "get", query, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "text/plain"


def test_format_that_does_not_fit_the_query_is_406(client):
    response = client.get("/sparql", query_string={"query": SELECT, "format": "turtle"})
    assert response.status_code == 406


def test_options_preflight_has_cors(client):
    response = client.options("/sparql")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_post_without_query_is_400_and_odd_content_type_415(client):
    assert client.post("/sparql", data={"query": " "}).status_code == 400
    assert client.post("/sparql", data=SELECT, content_type="text/plain").status_code == 415


# -- security -------------------------------------------------------------------------------

@pytest.mark.parametrize("request_kind", ["get-query", "form-query", "direct", "form-update", "get-update",
                                          "sparql-update"])
def test_updates_are_refused_and_data_unchanged(client, store, request_kind):
    before = triples(store)
    if request_kind == "get-query":
        response = client.get("/sparql", query_string={"query": INSERT})
    elif request_kind == "form-query":
        response = client.post("/sparql", data={"query": INSERT})
    elif request_kind == "direct":
        response = client.post("/sparql", data=INSERT, content_type="application/sparql-query")
    elif request_kind == "form-update":
        response = client.post("/sparql", data={"update": INSERT})
    elif request_kind == "get-update":
        response = client.get("/sparql", query_string={"update": INSERT})
    else:
        response = client.post("/sparql", data=INSERT, content_type="application/sparql-update")
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert triples(store) == before


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * { ?x ?y ?z . { SERVICE SILENT e:sparql { ?s ?p ?o } } }",
    "SELECT * { ?s ?p ?o { SELECT * { SERVICE ?endpoint { ?a ?b ?c } } } }",
    "BASE <http://evil.example/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
])
def test_service_is_refused(client, query):
    response = send(client, "get", query)
    assert response.status_code == 403
    assert "SERVICE" in response.get_data(as_text=True)


def test_allow_listed_service_passes_the_check(store):
    allowed = "http://allowed.example/sparql"
    query = "PREFIX a: <http://allowed.example/> SELECT * { SERVICE SILENT a:sparql { ?s ?p ?o } } LIMIT 1"
    checked = check_query(query, allowlist=[allowed], max_rows=10)
    assert checked.kind == "SELECT"

    class NoCalls(EmbeddedStore):  # the check passes; the store is never asked to reach out
        seen: list[str] = []

        def query(self, sparql, **kwargs):
            self.seen.append(sparql)
            return b'{"head":{"vars":[]},"results":{"bindings":[]}}', "application/sparql-results+json"

    fake = NoCalls(None)
    response = make_app(fake, SPARQL_SERVICE_ALLOWLIST=[allowed]).test_client().get(
        "/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert "a:sparql" in fake.seen[0]
    assert make_app(fake).test_client().get("/sparql", query_string={"query": query}).status_code == 403


def test_oversized_query_is_413(client):
    big = "SELECT * { ?s ?p ?o } # " + "x" * (70 * 1024)
    for method in METHODS:
        assert send(client, method, big).status_code == 413, method


@pytest.mark.parametrize("method", METHODS)
def test_malformed_query_is_400_with_the_parser_message(client, method):
    response = send(client, method, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "malformed query" in text and "col" in text


def test_errors_are_json_when_asked(client):
    response = send(client, "get", "SELEKT", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


# -- timeouts and the row cap ---------------------------------------------------------------

class SlowStore(EmbeddedStore):
    def __init__(self, delay: float) -> None:
        super().__init__(None)
        self.delay = delay

    def query(self, sparql, **kwargs):
        time.sleep(self.delay)
        return super().query(sparql, **kwargs)


def test_slow_backend_times_out_within_bound():
    app = make_app(SlowStore(3.0), SPARQL_TIMEOUT=0.5)
    started = time.monotonic()
    response = app.test_client().get("/sparql", query_string={"query": ASK})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "timed out" in response.get_data(as_text=True)
    assert elapsed < 1.5


@pytest.mark.parametrize("query", [CROSS, "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                                   CROSS + " ORDER BY ?a ?e ?i"])
def test_pathological_cross_product_comes_back_in_time(store, query):
    timeout = 1.0
    client = make_app(store, SPARQL_TIMEOUT=timeout, SPARQL_WORKERS=16).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": query})
    assert time.monotonic() - started < timeout + 1
    assert response.status_code in (200, 503)


def test_runaway_queries_do_not_pile_up():
    app = make_app(SlowStore(1.0), SPARQL_TIMEOUT=0.1, SPARQL_WORKERS=1)
    client = app.test_client()
    assert "timed out" in client.get("/sparql", query_string={"query": ASK}).get_data(as_text=True)
    busy = client.get("/sparql", query_string={"query": ASK})  # the first one still holds the only slot
    assert busy.status_code == 503 and "too many" in busy.get_data(as_text=True)
    time.sleep(1.1)
    app.config["SPARQL_TIMEOUT"] = 5
    assert client.get("/sparql", query_string={"query": ASK}).status_code == 200


def test_row_cap_is_injected_and_announced(store):
    client = make_app(store, SPARQL_MAX_ROWS=7).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 7
    assert response.headers["X-Result-Limit"] == "7"
    assert response.headers["X-Result-Truncated"] == "true"
    # a larger LIMIT is lowered, a smaller one kept
    assert len(client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 100"})
               .get_json()["results"]["bindings"]) == 7
    small = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert len(small.get_json()["results"]["bindings"]) == 3
    assert "X-Result-Truncated" not in small.headers
    # CSV is counted too; CONSTRUCT is capped by solutions
    csv = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": "csv"})
    assert csv.headers["X-Result-Truncated"] == "true" and len(csv.data.splitlines()) == 8
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert graph.headers["X-Result-Limit"] == "7" and len(graph.data.splitlines()) <= 7


@pytest.mark.parametrize(("query", "expected_tail"), [
    ("SELECT * { ?s ?p ?o }", "LIMIT 10"),
    ("SELECT * { ?s ?p ?o } OFFSET 2 LIMIT 50", "OFFSET 2 LIMIT 10"),
    ("SELECT * { ?s ?p ?o } # LIMIT 99 in a comment", "LIMIT 10"),
    ("SELECT * { ?s ?p ?o FILTER(?o != 'LIMIT 99') }", "LIMIT 10"),
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 500 } }", "LIMIT 10"),
    ("SELECT * { ?s ?p ?o } VALUES ?s { <http://ex/a> }", "VALUES ?s { <http://ex/a> }"),
    ("DESCRIBE <http://ex/a>", "LIMIT 10"),
])
def test_limit_rewrite(query, expected_tail):
    checked = check_query(query, allowlist=[], max_rows=10)
    assert checked.limit == 10
    assert checked.text.rstrip().endswith(expected_tail)
    assert "LIMIT 10" in checked.text


def test_deeply_nested_query_is_a_clean_400(client):
    query = "SELECT * { " + " ".join(f"?s{i} <http://ex/p> 'v{i}' ." for i in range(400)) + " }"
    assert send(client, "direct", query).status_code == 400


# -- backend down ---------------------------------------------------------------------------

class FlakyStore(EmbeddedStore):
    down = True

    def query(self, sparql, **kwargs):
        if self.down:
            raise StoreUnavailable("connection refused")
        return super().query(sparql, **kwargs)


def test_backend_down_then_back(data):
    store = FlakyStore(None)
    store.replace_graph("http://example.org/graph/aed", data[0])
    client = make_app(store).test_client()
    response = send(client, "get", ASK)
    assert response.status_code == 503
    assert "unavailable" in response.get_data(as_text=True)
    store.down = False
    response = send(client, "get", ASK)
    assert response.status_code == 200 and response.get_json()["boolean"] is True


# -- the query page and the service description ---------------------------------------------

def test_query_page_renders(client):
    for response in (client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}),
                     client.get("/sparql/ui"), client.get("/sparql/ui", query_string={"query": "<b>x</b>"})):
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        text = response.get_data(as_text=True)
        # the form works without scripts; the editor is the vendored bundle, and no data sits in a script
        assert "<textarea" in text and 'src="/static/editor.bundle.js"' in text and "innerHTML" not in text
        assert "<b>x</b>" not in text
        # the site's own style and navigation; nothing from a CDN or any other host
        assert 'rel="stylesheet" href="/static/style.css"' in text and "<header>" in text
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', text)


def test_service_description(client):
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef("http://localhost/sparql"), RDF.type, URIRef(sd + "Service")) in graph


def test_blueprint_in_the_app_factory(store):
    server = pytest.importorskip("itsutsuboshi.server")
    if not hasattr(server, "create_app"):
        pytest.skip("create_app is not there yet")
    client = server.create_app({"STORE": store, "SPARQL_MAX_ROWS": 3}).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200 and response.headers["X-Result-Limit"] == "3"
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 200
    assert client.post("/sparql", data={"update": INSERT}).status_code == 403
