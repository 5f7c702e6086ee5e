"""Links to the base registries: check digits over the whole shipped list, links on a fixture, real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters import local_governments, towns
from itsutsuboshi.converters.links import municipality_houjin, sac_iri
from itsutsuboshi.converters.normalize import houjin_valid, lgcode_valid
from itsutsuboshi.vocab.namespaces import DCTERMS, IC, ITSU, WDT, WGS, XSD

from .conftest import SAMPLES, SHARED, requires_shared

FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_aed.csv"
BASE = "https://data.example.lg.jp/"
GBIZ = SHARED / "registries" / "gbizinfo-houjin-2021" / "localgovs.csv"


def test_every_shipped_code_and_every_municipal_houjin_passes_its_check_digit():
    codes = list(local_governments.all_local_governments())
    assert len(codes) == 1965
    assert all(lgcode_valid(c) for c in codes)
    assert all(houjin_valid(municipality_houjin(c)) for c in codes)
    assert all(lgcode_valid(t.lg_code) for ts in towns.all_towns().values() for t in ts)


@pytest.mark.parametrize(("code", "ok"), [("131016", True), ("131017", False), ("13101", False), ("1310166", False),
                                          ("abcdef", False), ("000000", False)])
def test_known_good_and_bad_codes(code, ok):
    assert lgcode_valid(code) is ok


@pytest.mark.parametrize(("number", "ok"), [("8000020131016", True), ("7000020131016", False), ("800002013101", False),
                                            ("5000020018678", True), ("x000020131016", False)])
def test_known_good_and_bad_houjin(number, ok):
    assert houjin_valid(number) is ok


@requires_shared
def test_municipal_houjin_matches_the_national_tax_agency_list():
    """Every local government with a 団体コード in the 2021 gBizINFO list has the 法人番号 we derive."""
    ours = {municipality_houjin(c): c for c in local_governments.all_local_governments()}
    with open(GBIZ, encoding="utf-8-sig", newline="") as f:
        listed = {r["corporateID"] for r in csv.DictReader(f) if r["corporateID"][1:7] == "000020"}
    found = [n for n in listed if n in ours]
    assert len(found) > 1700  # the 2021 list predates a few mergers and the 2024 浜松 wards
    assert all(houjin_valid(n) for n in listed)


def test_sac_iri_drops_the_check_digit():
    assert sac_iri("131016") == "http://data.e-stat.go.jp/lod/sac/C13101"


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    out = tmp_path_factory.mktemp("linked")
    result = CliRunner().invoke(main, ["link", str(FIXTURE), "-o", str(out / "out.ttl"), "-r", str(out / "r.json"),
                                       "--base", BASE])
    assert result.exit_code == 0, result.output
    return Graph().parse(out / "out.ttl"), json.loads((out / "r.json").read_text(encoding="utf-8"))


def test_the_publisher_links_to_its_registries(linked):
    g, _ = linked
    org = URIRef(BASE + "id/lg/131016")
    assert (org, OWL.sameAs, URIRef("http://hojin-info.go.jp/data/basic/8000020131016")) in g
    assert (org, URIRef(DCTERMS + "spatial"), URIRef("http://data.e-stat.go.jp/lod/sac/C13101")) in g
    assert (org, URIRef(WDT + "P429"), Literal("131016")) in g


def test_a_corporate_number_column_links_to_the_registry(linked):
    g, _ = linked
    owners = set(g.subjects(OWL.sameAs, URIRef("http://hojin-info.go.jp/data/basic/8000020131016")))
    assert owners == {URIRef(BASE + "id/lg/131016")}  # the 設置者 of L-1 is the publisher itself (its 法人番号)
    record, _ = _address(g, "L-1")
    assert g.value(record, URIRef(IC + "設置者")) == URIRef(BASE + "id/lg/131016")


def _address(g: Graph, record: str):
    record_node = URIRef(BASE + "id/aed/131016/" + record)
    place = g.value(record_node, URIRef(IC + "設置地点"))
    return record_node, g.value(place, URIRef(IC + "住所"))


def test_addresses_link_to_their_town(linked):
    g, _ = linked
    _, address = _address(g, "L-1")
    town = g.value(address, URIRef(ITSU + "town"))
    assert town is not None and str(town).startswith(BASE + "id/town/131016/")
    assert g.value(address, URIRef(ITSU + "addressMatchLevel")) == Literal("town")
    assert (town, RDF.type, URIRef(ITSU + "Town")) in g
    assert "九段南一丁目" in str(g.value(town, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))


def test_missing_coordinates_come_from_the_town_and_are_marked(linked):
    g, _ = linked
    record, address = _address(g, "L-2")
    town = g.value(address, URIRef(ITSU + "town"))
    assert town is not None
    assert g.value(record, URIRef(ITSU + "locationDerivedFrom")) == town
    lat = g.value(record, URIRef(WGS + "lat"))
    assert str(lat.datatype) == XSD + "decimal" and 35.6 < float(lat) < 35.7
    # the 町字ID and the 団体コード the row lacked are stated
    assert g.value(g.value(address, URIRef(IC + "住所コード")), URIRef(IC + "識別値")) is not None
    assert g.value(g.value(address, URIRef(IC + "市区町村コード")), URIRef(IC + "識別値")) == Literal("131016")
    # the publisher's own coordinates are never replaced
    record1, _ = _address(g, "L-1")
    assert g.value(record1, URIRef(ITSU + "locationDerivedFrom")) is None
    assert [str(v) for v in g.objects(record1, URIRef(WGS + "lat"))] == ["35.694003"]


def test_the_report_counts_outcomes_and_lists_unlinked_rows_with_the_reason(linked):
    _, report = linked
    address = next(r for r in report["links"] if r["kind"] == "address")
    assert address["outcomes"] == {"town": 2, "city": 2} and address["rate"] == 0.5
    reasons = {(u["row"], u["code"]) for u in report["unlinked"]}
    assert reasons == {(4, "link.town_unmatched"), (5, "link.no_town_master")}


@requires_shared
def test_every_real_sample_links_and_prints_its_rates(tmp_path):
    files = sorted(str(p) for p in SAMPLES.iterdir() if p.suffix.lower() == ".csv")
    result = CliRunner().invoke(main, ["link", *files, "-o", str(tmp_path / "out"), "-r", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    print("\n" + "\n".join(f"{r['dataset']:<18} {r['kind']:<14} {r['linked']:>5}/{r['total']:<5} {r['rate']:.1%}"
                           for r in report["links"]))
    municipality = [r for r in report["links"] if r["kind"] == "municipality"]
    assert municipality and all(r["rate"] == 1.0 for r in municipality)
    addresses = [r for r in report["links"] if r["kind"] == "address"]
    assert sum(r["total"] for r in addresses) > 4000
