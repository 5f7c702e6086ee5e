"""The demo (``make demo``): 市川市's real open data in demo/ichikawa, published once for the module.

Every file is published with nothing lost; the population, AED and open data list files reach ★5;
the publisher links to e-Stat, the 法人番号 and Wikidata, addresses and population areas to ABR 町字;
the two 町字 whose age bands are withheld (塩浜3丁目, 新浜2丁目) are reported as suppression.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest

from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.licences import licence_iri
from itsutsuboshi.publish.run import publish
from itsutsuboshi.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "ichikawa"
BASE = "https://data.example.lg.jp/"
CODE = "122033"
PREFIXES = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
#: dataset -> the stars the demo's file reaches at least
LEVELS = {"population": 5, "aed": 5, "open_data_list": 5, "care_service": 3, "evacuation_space": 3,
          "public_facility": 3}


def data_rows(path: Path) -> int:
    """The data rows of a CSV as a spreadsheet counts them (header excluded)."""
    return len(list(csv.reader(io.StringIO(path.read_bytes().decode("cp932"))))) - 1


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    store = open_store(out / "data")
    publication = publish([DEMO], store, base=BASE, out=out, licence="cc-by-4.0")
    return publication, store


def select(store, query: str) -> list[dict[str, str]]:
    body, _ = store.query(PREFIXES + query)
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def test_the_demo_folder_is_six_files_byte_for_byte_with_their_attribution():
    files = sorted(p.name for p in DEMO.glob("*.csv"))
    assert len(files) == 6
    attribution = (DEMO / "ATTRIBUTION.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `([^`]+\.csv)` \|.*\| (\d+) \|$", attribution, re.MULTILINE))
    digests = {k: (head, tail) for k, head, tail in re.findall(r"`(\w+)` ([0-9a-f]+)…([0-9a-f]+)", attribution)}
    assert set(rows) == set(files) and len(digests) == 6
    for name in files:  # the rows and SHA-256 the attribution states are those of the files
        assert int(rows[name]) == data_rows(DEMO / name), name
        digest = hashlib.sha256((DEMO / name).read_bytes()).hexdigest()
        head, tail = digests[name.split("__")[0]]
        assert digest.startswith(head) and digest.endswith(tail), name
    assert "市川市" in attribution and "itsutsuboshi" in attribution and "CC BY 4.0" in attribution
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "demo/ichikawa" in makefile and "DEMO_LICENSE ?= cc-by-4.0" in makefile


def test_every_file_is_published_with_nothing_lost(published):
    publication, store = published
    assert publication.count("published") == 6 and publication.count("failed") == 0
    assert not publication.differences
    for outcome in publication.outcomes:
        rows = data_rows(Path(outcome.path))
        assert (outcome.rows, outcome.records, outcome.in_store) == (rows, rows, rows), outcome.path
        assert outcome.licence == licence_iri("cc-by-4.0")
        found = select(store, f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <{outcome.graph}> "
                              "{ ?r prov:wasDerivedFrom ?row ; dcterms:isPartOf ?dataset } }")
        assert int(found[0]["n"]) == rows, outcome.path


@pytest.mark.parametrize("dataset", LEVELS)
def test_stars_per_file(published, dataset):
    outcome = next(o for o in published[0].outcomes if o.dataset == dataset)
    assert outcome.level >= LEVELS[dataset], outcome.diagnosis


def test_the_publisher_links_to_e_stat_the_houjin_registry_and_wikidata(published):
    _, store = published
    org = IriBuilder(BASE).organization(CODE)
    found = select(store, f"""SELECT ?area ?same ?code WHERE {{ GRAPH ?g {{
        <{org}> dcterms:spatial ?area ; owl:sameAs ?same ; wdt:P429 ?code }} }} LIMIT 1""")
    assert found, "the publisher is not linked"
    assert found[0]["area"] == "http://data.e-stat.go.jp/lod/sac/C12203"
    assert found[0]["same"].startswith("http://hojin-info.go.jp/data/basic/")
    assert found[0]["code"] == CODE


def test_population_areas_and_addresses_link_to_abr_towns(published):
    _, store = published
    towns = IriBuilder(BASE).town(CODE, "")
    areas = select(store, f"""SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{
        ?r a itsu:PopulationStatistics ; itsu:area/itsu:town ?t . FILTER STRSTARTS(STR(?t), "{towns}") }}""")
    assert int(areas[0]["n"]) == data_rows(DEMO / "population__ichikawa__1.csv")
    addresses = select(store, f"""SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{
        ?r a itsu:AED ; ?p ?place . ?place ?q ?address . ?address itsu:town ?t .
        FILTER STRSTARTS(STR(?t), "{towns}") }}""")
    assert int(addresses[0]["n"]) == data_rows(DEMO / "aed__ichikawa__1.csv")


def test_withheld_age_bands_are_reported_as_suppression(published):
    publication, store = published
    outcome = next(o for o in publication.outcomes if o.dataset == "population")
    report = publication.out / Path(outcome.report or "").with_suffix(".csv")
    with open(report, encoding="utf-8-sig", newline="") as f:
        found = [r for r in csv.DictReader(f)]
    suppressed = {int(r["row"]) for r in found if r["rule"] == "row.suppressed"}
    assert suppressed == {196, 207}  # 塩浜3丁目 (総人口 3) and 新浜2丁目 (総人口 2)
    assert not [r for r in found if r["severity"] == "error"]
    counts = select(store, """SELECT ?name (COUNT(?band) AS ?n) WHERE {
        ?r a itsu:PopulationStatistics ; itsu:area/<http://imi.go.jp/ns/core/rdf#名称>/<http://imi.go.jp/ns/core/rdf#表記> ?name .
        FILTER(?name IN ("塩浜3丁目", "新浜2丁目", "塩浜4丁目"))
        OPTIONAL { ?r itsu:populationByAgeSex ?band } } GROUP BY ?name""")
    assert {c["name"]: int(c["n"]) for c in counts} == {"塩浜3丁目": 0, "新浜2丁目": 0, "塩浜4丁目": 36}


def test_the_stars_page_explains_the_population_links(published):
    outcome = next(o for o in published[0].outcomes if o.dataset == "population")
    assert outcome.diagnosis is not None
    five = outcome.diagnosis.stars[4]
    areas = data_rows(DEMO / "population__ichikawa__1.csv")  # 237 町字, every one linked
    assert five.reached and f"統計の地域名 {areas} 件のうち {areas} 件" in five.evidence_ja
    assert f"{areas} statistical area names" in five.evidence_en
