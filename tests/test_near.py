"""/near: the nearest places of each kind around a point, as a page and as JSON, on the published examples."""

from __future__ import annotations

import math

import pytest

from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from itsutsuboshi.publish.run import publish

    tmp = tmp_path_factory.mktemp("near")
    store = EmbeddedStore(tmp / "data")
    publish([ROOT / "examples"], store, base=BASE, out=tmp / "out", licence="cc-by-4.0")
    return create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    return 2 * 6371.0088 * math.asin(math.sqrt(math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2))


def test_json_lists_the_nearest_of_each_kind_nearest_first(client):
    # 星野市役所 (the first example AED) is at 35.6812, 139.7671
    answer = client.get("/near", query_string={"lat": 35.6812, "lon": 139.7671, "radius": 5, "format": "json"})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    places = answer.get_json()["places"]
    aeds = places["AED"]
    assert aeds and aeds[0]["km"] < 0.01 and aeds[0]["label"] == "星野市役所"
    assert [a["km"] for a in aeds] == sorted(a["km"] for a in aeds) and len(aeds) <= 5
    for kind in places.values():
        for p in kind:
            assert p["km"] <= 5 and p["km"] == pytest.approx(haversine_km(35.6812, 139.7671, p["lat"], p["lon"]),
                                                             rel=0.01, abs=0.002)
    assert places["EvacuationSpace"], "an evacuation space near the city hall"


def test_the_page_shows_the_places_with_links_and_a_map(client):
    page = client.get("/near", query_string={"lat": 35.6812, "lon": 139.7671}, headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "星野市役所" in text and 'id="map"' in text and "near.js" in text
    assert f'href="{BASE}id/aed/' in text


def test_a_radius_with_nothing_says_so(client):
    answer = client.get("/near", query_string={"lat": 43.06, "lon": 141.35, "radius": 0.5, "format": "json"})
    assert all(v == [] for v in answer.get_json()["places"].values())


@pytest.mark.parametrize("params", [{"lat": "x", "lon": 1}, {"lat": 91, "lon": 1}, {"lon": 139}, {"lat": 35, "lon": 139, "radius": 50},
                                    {"lat": 35, "lon": 139, "kinds": "Secret"}, {"lat": "nan", "lon": 139}])
def test_bad_parameters_are_400(client, params):
    assert client.get("/near", query_string=params).status_code == 400


def test_without_a_point_the_page_is_the_form(client):
    page = client.get("/near")
    assert page.status_code == 200 and 'name="lat"' in page.get_data(as_text=True)
