"""SPARQL 1.1 Protocol dataset selection and the protocol's other query cases (the W3C protocol tests'
``query_dataset_*``, ``query_multiple_dataset``, ``bad_multiple_queries`` and relative IRIs), on the embedded store.
The same cases run on a remote store in tests/test_server_remote.py."""

from __future__ import annotations

import json

import pytest

from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

G1, G2, G3 = "http://example.org/graph/one", "http://example.org/graph/two", "http://example.org/graph/three"
DATA = {G1: "<http://ex/a> <http://ex/p> \"one\" .\n", G2: "<http://ex/b> <http://ex/p> \"two\" .\n",
        G3: "<http://ex/c> <http://ex/p> \"three\" .\n"}
VALUES = "SELECT ?o WHERE { ?s <http://ex/p> ?o } ORDER BY ?o"
NAMED = "SELECT ?g ?o WHERE { GRAPH ?g { ?s <http://ex/p> ?o } } ORDER BY ?g"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protocol")
    store = EmbeddedStore(None)
    for graph, text in DATA.items():
        path = folder / (graph.rsplit("/", 1)[1] + ".nt")
        path.write_text(text, encoding="utf-8")
        store.replace_graph(graph, path)
    return create_app({"STORE": store, "BASE": "http://127.0.0.1:8000/"}).test_client()


def select(client, query: str, method: str = "get", **params) -> list[tuple[str, ...]]:
    if method == "get":
        response = client.get("/sparql", query_string={"query": query, **params})
    else:
        response = client.post("/sparql", data={"query": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = json.loads(response.data)
    return [tuple(b[v]["value"] for v in answer["head"]["vars"] if v in b) for b in answer["results"]["bindings"]]


def test_the_default_graph_is_the_union_of_every_graph(client):
    assert select(client, VALUES) == [("one",), ("three",), ("two",)]


@pytest.mark.parametrize("method", ["get", "form"])
def test_default_graph_uri_selects_the_default_graph(client, method):
    assert select(client, VALUES, method, **{"default-graph-uri": G1}) == [("one",)]
    assert select(client, VALUES, method, **{"default-graph-uri": [G1, G2]}) == [("one",), ("two",)]


@pytest.mark.parametrize("method", ["get", "form"])
def test_named_graph_uri_selects_the_named_graphs_and_leaves_the_default_graph_empty(client, method):
    assert select(client, NAMED, method, **{"named-graph-uri": G2}) == [(G2, "two")]
    assert select(client, VALUES, method, **{"named-graph-uri": G2}) == []


def test_both_parameters_are_honoured_together(client):
    params = {"default-graph-uri": G1, "named-graph-uri": [G2, G3]}
    assert select(client, VALUES, **params) == [("one",)]
    assert select(client, NAMED, **params) == [(G3, "three"), (G2, "two")]


def test_from_and_from_named_in_the_query_select_the_dataset(client):
    assert select(client, f"SELECT ?o FROM <{G2}> WHERE {{ ?s <http://ex/p> ?o }}") == [("two",)]
    assert select(client, f"SELECT ?g ?o FROM NAMED <{G3}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == [(G3, "three")]


def test_the_protocol_dataset_takes_precedence_over_from(client):
    query = f"SELECT ?o FROM <{G2}> WHERE {{ ?s <http://ex/p> ?o }}"
    assert select(client, query, **{"default-graph-uri": G3}) == [("three",)]


def test_a_graph_not_in_the_store_is_an_empty_graph(client):
    assert select(client, VALUES, **{"default-graph-uri": "http://example.org/graph/none"}) == []


@pytest.mark.parametrize("method", ["get", "form"])
def test_two_queries_are_a_bad_request(client, method):
    two = {"query": [VALUES, NAMED]}
    response = client.get("/sparql", query_string=two) if method == "get" else client.post("/sparql", data=two)
    assert response.status_code == 400
    assert "one query" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "ftp://example.org/g", "not an iri"])
def test_a_dataset_parameter_must_be_an_http_iri(client, value):
    response = client.get("/sparql", query_string={"query": VALUES, "default-graph-uri": value})
    assert response.status_code == 400


def test_relative_iris_resolve_against_the_service(client):
    response = client.get("/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "format": "nt"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True).strip() == (
        '<http://localhost/s> <http://localhost/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    rows = select(client, "SELECT ?x WHERE { BIND (<other> AS ?x) }")
    assert rows == [("http://localhost/other",)]


def test_the_service_description_states_the_dataset_support(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    text = response.get_data(as_text=True)
    assert "UnionDefaultGraph" in text and "RequiresDataset" not in text
    assert "sd:defaultDataset" in text or "defaultDataset" in text


#: the query cases of the W3C SPARQL 1.1 Protocol test suite (protocol/manifest.ttl), by their names, as requests
#: to this endpoint and the status each must get (updates: this endpoint is read-only, so a 4xx refusal)
ASK_ALL = "ASK { ?s ?p ?o }"
W3C_CASES = [
    ("query_get", "get", {"query": VALUES}, None, 200),
    ("query_post_form", "form", {"query": VALUES}, None, 200),
    ("query_post_direct", "direct", VALUES, None, 200),
    ("query_dataset_default_graph", "get", {"query": f"SELECT ?o FROM <{G1}> WHERE {{ ?s ?p ?o }}"}, None, 200),
    ("query_dataset_default_graphs_get", "get", {"query": VALUES, "default-graph-uri": [G1, G2]}, None, 200),
    ("query_dataset_default_graphs_post", "form", {"query": VALUES, "default-graph-uri": [G1, G2]}, None, 200),
    ("query_dataset_named_graphs_post", "form", {"query": NAMED, "named-graph-uri": [G1, G2]}, None, 200),
    ("query_dataset_named_graphs_get", "get", {"query": NAMED, "named-graph-uri": [G1, G2]}, None, 200),
    ("query_dataset_full", "get", {"query": f"SELECT * FROM <{G1}> FROM NAMED <{G2}> WHERE {{ {{ ?s ?p ?o }} UNION "
                                             f"{{ GRAPH ?g {{ ?s ?p ?o }} }} }}"}, None, 200),
    ("query_multiple_dataset", "get", {"query": f"SELECT ?o FROM <{G3}> WHERE {{ ?s ?p ?o }}",
                                       "default-graph-uri": G1}, None, 200),
    ("query_content_type_select", "get", {"query": VALUES}, "application/sparql-results+xml", 200),
    ("query_content_type_ask", "get", {"query": ASK_ALL}, "application/sparql-results+json", 200),
    ("query_content_type_describe", "get", {"query": "DESCRIBE <http://ex/a>"}, "text/turtle", 200),
    ("query_content_type_construct", "get", {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "application/n-triples", 200),
    ("bad_query_method", "put", {"query": VALUES}, None, 405),
    ("bad_multiple_queries", "get", {"query": [VALUES, ASK_ALL]}, None, 400),
    ("bad_query_wrong_media_type", "raw", (VALUES.encode(), "text/plain"), None, 415),
    ("bad_query_missing_form_type", "raw", (f"query={VALUES}".encode(), None), None, 415),
    ("bad_query_missing_direct_type", "raw", (VALUES.encode(), None), None, 415),
    ("bad_query_non_utf8", "raw", (VALUES.encode("utf-16"), "application/sparql-query"), None, 400),
    ("bad_query_syntax", "get", {"query": "SELECT * WHERE {"}, None, 400),
    ("bad_update_get", "get", {"update": "CLEAR ALL"}, None, 403),
    ("bad_multiple_updates", "form", {"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}, None, 403),
    ("bad_update_wrong_media_type", "raw", (b"CLEAR NAMED", "application/sparql-update"), None, 403),
    ("update_post_form", "form", {"update": "CLEAR NAMED"}, None, 403),
    ("update_post_direct", "raw", (b"CLEAR NAMED", "application/sparql-update"), None, 403),
    ("update_base_uri", "raw", (b"INSERT DATA { <a> <b> <c> }", "application/sparql-update"), None, 403),
]


@pytest.mark.parametrize(("name", "method", "payload", "accept", "status"), W3C_CASES, ids=[c[0] for c in W3C_CASES])
def test_w3c_protocol_query_cases(client, name, method, payload, accept, status):
    headers = {"Accept": accept} if accept else {}
    if method == "get":
        response = client.get("/sparql", query_string=payload, headers=headers)
    elif method == "form":
        response = client.post("/sparql", data=payload, headers=headers)
    elif method == "direct":
        response = client.post("/sparql", data=payload.encode(), content_type="application/sparql-query",
                               headers=headers)
    elif method == "put":
        response = client.put("/sparql", data=payload, headers=headers)
    else:
        body, media = payload
        response = client.post("/sparql", data=body, headers=headers, content_type=media)
    assert response.status_code == status, response.get_data(as_text=True)
    if accept and status == 200:
        assert response.mimetype == accept
    if name == "query_multiple_dataset":  # the protocol's dataset wins over FROM
        assert [b["o"]["value"] for b in json.loads(response.data)["results"]["bindings"]] == ["one"]
    if name == "query_dataset_full":
        assert len(json.loads(response.data)["results"]["bindings"]) == 2  # G1's triple, and G2's in GRAPH
