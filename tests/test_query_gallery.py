"""Every example of the query page's gallery (server/queries/*.rq) answers its question: the real data of 市川市
(demo/ichikawa) and the fictional examples, published as ``itsutsuboshi publish`` does, give each query at least
one row through the endpoint, and some give figures counted from the CSVs."""

from __future__ import annotations

import json

import pytest

from itsutsuboshi.server.gallery import FIELDS, Example, examples, parse

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"
GALLERY = examples()

#: figures the CSVs give (counted from demo/ichikawa without this tool): example -> (variable, row, value)
KNOWN = {
    # aed__ichikawa__1.csv has 191 rows
    "01-aeds-per-municipality": [({"code": "122033"}, "aeds", "191")],
    # evacuation_space__ichikawa__1.csv: 121 sites marked 1 under 災害種別_地震
    "04-evacuation-sites-per-hazard": [({"hazard": "地震"}, "sites", "121")],
    # care_service__ichikawa__1.csv: 17 介護老人福祉施設（特別養護老人ホーム）
    "16-care-offices-per-service": [({"notation": "51"}, "offices", "17")],
    # one named graph per CSV file: six of 市川市, four examples
    "26-records-per-source-file": [({"file": "aed__ichikawa__1.csv"}, "records", "191")],
    # the AED of 市役所第一庁舎 is 12 m from the point asked about
    "07-aeds-near-a-point": [({"name": "市役所第一庁舎"}, "metres", "12")],
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """demo/ichikawa/*.csv and examples/*.csv published into one embedded store, served."""
    from itsutsuboshi.publish.run import publish
    from itsutsuboshi.server import create_app
    from itsutsuboshi.store import EmbeddedStore

    tmp = tmp_path_factory.mktemp("gallery")
    folder = tmp / "in"
    folder.mkdir()
    files = sorted((ROOT / "demo" / "ichikawa").glob("*.csv")) + sorted((ROOT / "examples").glob("*.csv"))
    for path in files:
        (folder / path.name).symlink_to(path)
    store = EmbeddedStore(tmp / "data")
    done = publish([folder], store, base=BASE, out=tmp / "out", licence="cc-by-4.0")
    assert [o.name for o in done.outcomes if o.status != "published"] == []
    return create_app({"STORE": store, "BASE": BASE}).test_client()


def test_the_gallery_has_twenty_examples_or_more_each_titled_in_both_languages():
    assert len(GALLERY) >= 20
    assert len({e.name for e in GALLERY}) == len(GALLERY)
    for example in GALLERY:
        assert example.title and example.title_en and example.about and example.about_en and example.topic
        assert not example.query.lstrip().startswith("#")


def test_a_header_is_read_and_a_missing_title_refused():
    text = "# title: 題\n# title_en: Title\n# about: 一行目\n# about: 二行目\nSELECT * WHERE { ?s ?p ?o }\n"
    assert parse("x", text) == Example("x", "題", "Title", "一行目 二行目", "", "", "SELECT * WHERE { ?s ?p ?o }\n")
    assert set(FIELDS) == {"title", "title_en", "about", "about_en", "topic"}
    with pytest.raises(ValueError, match="title_en"):
        parse("x", "# title: 題\nSELECT * {}")


@pytest.mark.parametrize("example", GALLERY, ids=[e.name for e in GALLERY])
def test_each_example_answers_with_rows(client, example):
    response = client.post("/sparql", data=example.query.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query",
                                    "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(response.data)["results"]["bindings"]]
    assert rows, f"{example.name} returned no rows"
    for where, variable, value in KNOWN.get(example.name, []):
        found = [r for r in rows if all(r.get(k) == v for k, v in where.items())]
        assert [r.get(variable) for r in found] == [value], (example.name, where)


def test_the_query_page_lists_the_gallery_and_answers_without_javascript(client):
    page = client.get("/sparql/ui").get_data(as_text=True)
    for example in GALLERY:
        assert f'id="example-{example.name}"' in page
    first = GALLERY[0]
    answered = client.get("/sparql/ui", query_string={"query": first.query, "run": "1"}).get_data(as_text=True)
    assert '<table class="result-table">' in answered and "千葉県市川市" in answered
    # the rows the page counts are the endpoint's
    rows = client.get("/sparql", query_string={"query": first.query}).get_json()["results"]["bindings"]
    assert f"{len(rows)} 行 <small>rows</small>" in answered and answered.count("<tr><td>") == len(rows)
    refused = client.get("/sparql/ui", query_string={"query": "SELECT ?s WHERE { ?s ?p }", "run": "1"})
    assert 'class="error">400 malformed query' in refused.get_data(as_text=True)


def test_the_completion_route_lists_prefixes_classes_and_properties(client, monkeypatch):
    from itsutsuboshi.server.state import site_state

    terms = client.get("/sparql/terms.json").get_json()
    assert terms["prefixes"]["ic"] == "http://imi.go.jp/ns/core/rdf#"
    classes = {c["curie"]: c for c in terms["classes"]}
    assert classes["itsu:AED"]["count"] == 194  # 191 of 市川市, 3 examples
    assert classes["itsu:AED"]["label"]
    properties = {p["curie"]: p for p in terms["properties"]}
    assert properties["wgs:lat"]["count"] > 0

    def counted_again(*args, **kwargs):
        raise AssertionError("the counts of an unchanged publication are kept")

    monkeypatch.setattr(site_state(client.application).store, "query", counted_again)
    assert client.get("/sparql/terms.json").get_json() == terms


def test_the_completion_route_gives_the_prefixes_when_counting_takes_too_long(client, monkeypatch):
    from itsutsuboshi.server import terms
    from itsutsuboshi.server.state import site_state
    from itsutsuboshi.store import QueryTimeout

    def too_long(*args, **kwargs):
        raise QueryTimeout("the query ran longer than 10 s and was stopped")

    monkeypatch.setattr(terms, "_kept", {})
    monkeypatch.setattr(site_state(client.application).store, "query", too_long)
    answer = client.get("/sparql/terms.json").get_json()
    assert answer["prefixes"]["itsu"] == "https://w3id.org/itsutsuboshi/ns#"
    assert answer["classes"] == [] and answer["properties"] == []
    assert terms._kept == {}  # asked again next time
