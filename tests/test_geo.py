"""GeoSPARQL through /sparql on the embedded store: each function docs/sparql.md lists, checked against values
computed here (great-circle distances by the haversine formula, point-in-polygon by hand), and the 400 for a
function called in the ontology's namespace."""

from __future__ import annotations

import json
import math

import pytest

from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

PREFIXES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
"""
TOKYO, SHINJUKU, YOKOHAMA = (139.7671, 35.6812), (139.7006, 35.6896), (139.6380, 35.4437)
BOX = "POLYGON((139.6 35.6, 139.8 35.6, 139.8 35.7, 139.6 35.7, 139.6 35.6))"  # central Tokyo


def wkt(point: tuple[float, float]) -> str:
    return f'"POINT({point[0]} {point[1]})"^^geo:wktLiteral'


def haversine(a: tuple[float, float], b: tuple[float, float], radius: float = 6_371_008.8) -> float:
    (lon1, lat1), (lon2, lat2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def client():
    return create_app({"STORE": EmbeddedStore(None)}).test_client()


def value(client, expression: str) -> str:
    response = client.get("/sparql", query_string={"query": PREFIXES + f"SELECT ({expression} AS ?v) {{}}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data)["results"]["bindings"][0]["v"]["value"]


@pytest.mark.parametrize(("a", "b"), [(TOKYO, SHINJUKU), (TOKYO, YOKOHAMA), (SHINJUKU, YOKOHAMA)])
def test_distance_is_the_great_circle_distance(client, a, b):
    metres = float(value(client, f"geof:distance({wkt(a)}, {wkt(b)}, uom:metre)"))
    assert metres == pytest.approx(haversine(a, b), rel=0.005)  # the ellipsoid differs from a sphere by < 0.5 %
    km = float(value(client, f"geof:distance({wkt(a)}, {wkt(b)}, uom:kilometre)"))
    assert km == pytest.approx(metres / 1000, rel=1e-9)


@pytest.mark.parametrize(("function", "a", "b", "expected"), [
    ("sfWithin", wkt(TOKYO), f'"{BOX}"^^geo:wktLiteral', "true"),
    ("sfWithin", wkt(YOKOHAMA), f'"{BOX}"^^geo:wktLiteral', "false"),
    ("sfContains", f'"{BOX}"^^geo:wktLiteral', wkt(SHINJUKU), "true"),
    ("sfContains", f'"{BOX}"^^geo:wktLiteral', wkt(YOKOHAMA), "false"),
    ("sfIntersects", f'"{BOX}"^^geo:wktLiteral', '"POLYGON((139.75 35.65, 139.9 35.65, 139.9 35.8, 139.75 35.8, '
                                                 '139.75 35.65))"^^geo:wktLiteral', "true"),
    ("sfIntersects", wkt(TOKYO), wkt(SHINJUKU), "false"),
    ("sfWithin", wkt(SHINJUKU), f'geof:envelope("{BOX}"^^geo:wktLiteral)', "true"),  # a polygon's envelope
    ("sfIntersects", wkt(TOKYO), f"geof:envelope({wkt(TOKYO)})", "true"),  # a point's: the point itself
])
def test_topological_functions(client, function, a, b, expected):
    assert value(client, f"geof:{function}({a}, {b})") == expected


def test_a_function_in_the_ontology_namespace_is_a_400_that_names_the_right_one(client):
    query = PREFIXES + f'SELECT ?x {{ BIND (geo:sfWithin({wkt(TOKYO)}, "{BOX}"^^geo:wktLiteral) AS ?x) }}'
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "http://www.opengis.net/def/function/geosparql/" in text and "geof:sfWithin" in text


def test_nearest_records_by_distance_on_published_data(tmp_path):
    """The researchers' query 2 (AEDs within 2 km of each evacuation space) on the example data."""
    import re

    from itsutsuboshi.publish.run import publish

    from .conftest import ROOT

    store = EmbeddedStore(tmp_path / "data")
    publish([ROOT / "examples"], store, base="http://127.0.0.1:8000/", out=tmp_path / "out", licence="cc-by-4.0")
    guide = (ROOT / "docs" / "guide-researchers.md").read_text(encoding="utf-8")
    query = re.search(r"### Query 2:.*?```sparql\n(.*?)```", guide, re.DOTALL).group(1)
    assert "geof:distance" in query
    body, _ = store.query(query)
    rows = json.loads(body)["results"]["bindings"]
    assert rows and all(0 <= float(r["km"]["value"]) <= 2 for r in rows)
