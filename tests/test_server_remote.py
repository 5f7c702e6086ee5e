"""The same server in front of real triple stores: an Oxigraph server and Virtuoso."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import requests.auth
from rdflib import Graph, URIRef

from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app
from itsutsuboshi.store.remote import RemoteStore

FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_aed.csv"
BASE = "https://remote.example.lg.jp/"  # a base of its own: the servers live for the whole session


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def client(request):
    if request.param == "oxigraph-server":
        store = RemoteStore(request.getfixturevalue("oxigraph_server") + "/query", listing_seconds=0.1)
    else:
        store = RemoteStore(request.getfixturevalue("virtuoso_server"), listing_seconds=0.1)
    assert load_csv(store, FIXTURE, base=BASE).error is None
    yield create_app({"STORE": store, "BASE": BASE, "TESTING": True}).test_client()
    for graph in [g for g in store.graphs() if g.startswith(BASE)]:
        requests.delete(store.graph_store, params={"graph": graph}, timeout=10,
                        auth=requests.auth.HTTPDigestAuth(*store.auth) if store.auth else None)


def test_records_dereference_through_a_remote_store(client):
    answer = client.get("/id/aed/131016/L-1")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/doc/aed/131016/L-1")
    turtle = client.get("/doc/aed/131016/L-1.ttl")
    assert turtle.status_code == 200
    g = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    record = URIRef(BASE + "id/aed/131016/L-1")
    assert len(list(g.predicate_objects(record))) > 10
    html = client.get("/doc/aed/131016/L-1", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "区役所" in html.get_data(as_text=True)


def test_sparql_through_a_remote_store(client):
    answer = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s a <https://w3id.org/itsutsuboshi/ns#AED> }"},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    rows = answer.get_json()["results"]["bindings"]
    assert {r["s"]["value"] for r in rows} >= {BASE + "id/aed/131016/L-1", BASE + "id/aed/131016/L-2"}
    refused = client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert refused.status_code == 403


def test_home_lists_the_dataset(client):
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "AED" in page.get_data(as_text=True)


def _rows(client, query: str, **params) -> list[dict]:
    answer = client.get("/sparql", query_string={"query": query, **params},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["results"]["bindings"]


def test_the_protocol_dataset_reaches_a_remote_store(client):
    aeds = "SELECT ?s WHERE { ?s a <https://w3id.org/itsutsuboshi/ns#AED> }"
    graphs = {r["g"]["value"] for r in _rows(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a "
                                                      "<https://w3id.org/itsutsuboshi/ns#AED> } }")}
    graph = next(g for g in graphs if g.startswith(BASE))
    none = BASE + "graph/none"
    assert len(_rows(client, aeds, **{"default-graph-uri": graph})) >= 2
    assert _rows(client, aeds, **{"default-graph-uri": none}) == []
    from_none = f"SELECT ?s FROM <{none}> WHERE {{ ?s a <https://w3id.org/itsutsuboshi/ns#AED> }}"
    assert _rows(client, from_none) == []
    assert len(_rows(client, from_none, **{"default-graph-uri": graph})) >= 2  # the protocol wins
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert {r["g"]["value"] for r in _rows(client, named, **{"named-graph-uri": graph})} == {graph}
    relative = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { BIND (<other> AS ?x) }"},
                          headers={"Accept": "application/sparql-results+json"})
    assert relative.get_json()["results"]["bindings"][0]["x"]["value"] == "http://localhost/other"
    assert client.get("/sparql", query_string={"query": [aeds, aeds]}).status_code == 400


def test_geosparql_functions_on_a_remote_store(client):
    """geof:distance and geof:sfWithin give the same answers on both servers (Virtuoso through bif:st_*)."""
    import math

    query = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
SELECT ?m ?km ?inside WHERE {
  <https://remote.example.lg.jp/id/aed/131016/L-2> geo:hasGeometry/geo:asWKT ?w .
  BIND (geof:distance(?w, "POINT(139.7671 35.6812)"^^geo:wktLiteral, uom:metre) AS ?m)
  BIND (geof:distance(?w, "POINT(139.7671 35.6812)"^^geo:wktLiteral, uom:kilometre) AS ?km)
  BIND (geof:sfWithin(?w, "POLYGON((139 35, 140 35, 140 36, 139 36, 139 35))"^^geo:wktLiteral) AS ?inside)
  FILTER (geof:sfWithin(?w, "POLYGON((139 35, 140 35, 140 36, 139 36, 139 35))"^^geo:wktLiteral))
}"""
    (row,) = _rows(client, query)
    lat1, lon1, lat2, lon2 = map(math.radians, (35.670839, 139.758119, 35.6812, 139.7671))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    expected = 2 * 6_371_008.8 * math.asin(math.sqrt(h))
    assert float(row["m"]["value"]) == pytest.approx(expected, rel=0.01)
    assert float(row["km"]["value"]) * 1000 == pytest.approx(expected, rel=0.01)
    assert row["inside"]["value"] in ("true", "1")  # Virtuoso writes every boolean result as 1 or 0
