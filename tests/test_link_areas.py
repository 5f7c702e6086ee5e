"""Statistical areas link to the ABR 町字 addresses link to, so population joins facilities on one IRI; e-Stat
areas and local governments carry their names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters import towns
from itsutsuboshi.converters.links import Linker, sac_iri
from itsutsuboshi.converters.model import Lit, Node
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.vocab.namespaces import DCTERMS, IC, ITSU, WGS
from itsutsuboshi.vocab.namespaces import RDFS as RDFS_NS

from .conftest import SAMPLES, SHARED, requires_shared

BASE = "https://data.example.lg.jp/"
FIXTURES = Path(__file__).resolve().parent / "linking"
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide-researchers.md"


def _area(name: str) -> tuple[Node, Node]:
    area = Node(None, [IC + "場所型"], [(IC + "名称", Node(None, [IC + "名称型"], [(IC + "表記", Lit(name))]))])
    return Node(BASE + "id/population/000000/1", [ITSU + "PopulationStatistics"], [(ITSU + "area", area)]), area


def _value(node: Node, predicate: str) -> object:
    return next((v for p, v in node.props if p == predicate), None)


@pytest.mark.parametrize(("code", "name", "town"), [
    ("131016", "九段南1丁目", "0008001"),  # arabic 丁目, ABR writes 九段南一丁目
    ("131016", "九段南２丁目", "0008002"),  # full-width
    ("131016", "九段南三丁目", "0008003"),  # kanji, as ABR
    ("131016", "霞ヶ関1丁目", "0002001"),  # ヶ for ABR's が
    ("122033", "関ヶ島", "0040000"),  # ヶ for ABR's ケ
    ("122033", "北方町4丁目", "0067004"),
    ("122033", "高浜町", "0043000"),  # a 町字 spelt like a municipality elsewhere (福井県高浜町)
    ("111015", "峰岸", "0002000"),  # ABR's 大字峰岸 without 大字
    ("111015", "大字平方領々家", "0001000"),
])
def test_an_area_named_like_a_town_links_to_it(code, name, town):
    linker = Linker(IriBuilder(BASE), filename="p.csv", code=code)
    record, area = _area(name)
    assert linker.link(record, 2) == []
    assert _value(area, ITSU + "town") == BASE + f"id/town/{code}/{town}"
    assert linker.stats.counts[("area", "town")] == 1
    points = towns.get(code, town)
    assert (_value(area, WGS + "lat") is not None) is (points is not None and points.lat is not None)
    assert _value(record, WGS + "lat") is None  # the point is the area's, not the statistics'


def test_an_area_and_an_address_in_the_same_town_get_the_same_iri():
    linker = Linker(IriBuilder(BASE), filename="p.csv", code="131016")
    record, area = _area("九段南1丁目")
    linker.link(record, 2)
    address = Node(None, [IC + "住所型"], [(IC + "表記", Lit("東京都千代田区九段南一丁目2-1"))])
    facility = Node(BASE + "id/aed/131016/1", [IC + "設備型"], [(IC + "住所", address)])
    linker.link(facility, 3)
    assert _value(address, ITSU + "town") == _value(area, ITSU + "town")
    towns_described = [n for n in linker.epilogue() if ITSU + "Town" in n.types]
    assert [n.iri for n in towns_described] == [_value(area, ITSU + "town")]


@pytest.mark.parametrize(("name", "outcome", "issue"), [
    ("市川市", "municipality", None),  # the whole municipality: its e-Stat area
    ("存在しない町", "none", "link.area_unmatched"),
    ("国府台1丁目の一部", "none", "link.area_unmatched"),  # part of a 町字 is not the 町字
    ("", "empty", None),
])
def test_areas_that_are_not_one_town(name, outcome, issue):
    linker = Linker(IriBuilder(BASE), filename="p.csv", code="122033")
    record, area = _area(name)
    issues = linker.link(record, 2)
    assert linker.stats.counts[("area", outcome)] == 1
    assert [i.code for i in issues] == ([issue] if issue else [])
    assert _value(area, ITSU + "town") is None
    if outcome == "municipality":
        assert _value(area, DCTERMS + "spatial") == sac_iri("122033")


def test_an_area_where_no_town_master_is_shipped_says_so():
    linker = Linker(IriBuilder(BASE), filename="p.csv", code="011011")  # 北海道: no 町字 master shipped
    record, _ = _area("北一条西2丁目")
    assert [i.code for i in linker.link(record, 2)] == ["link.no_town_master"]


@pytest.mark.parametrize(("code", "ja", "en"), [
    ("122033", "千葉県市川市", "Ichikawa-shi, Chiba"),
    ("131016", "東京都千代田区", "Chiyoda-ku, Tokyo"),
    ("011011", "北海道札幌市中央区", "Sapporo-shi Chuo-ku, Hokkaido"),
    ("120006", "千葉県", "Chiba"),
])
def test_every_estat_area_linked_to_is_labelled_and_the_publisher_named(code, ja, en):
    linker = Linker(IriBuilder(BASE), filename="p.csv", code=code)
    org = Node(BASE + f"id/lg/{code}", [IC + "組織型"])
    linker.link_organization(org, code)
    labels = {(n.iri, v) for n in linker.epilogue() for p, v in n.props if p == RDFS_NS + "label"}
    assert labels == {(sac_iri(code), Lit(ja, None, "ja")), (sac_iri(code), Lit(en, None, "en"))}
    name, address = _value(org, IC + "名称"), _value(org, IC + "住所")
    assert isinstance(name, Node) and isinstance(address, Node)
    assert _value(address, IC + "都道府県") == Lit(ja[:3] if code != "011011" else "北海道")
    assert _value(name, IC + "表記") in {Lit(ja[3:]), Lit(ja)}  # 市川市; a prefecture's own name


def test_the_names_a_file_gives_its_publisher_are_kept():
    linker = Linker(IriBuilder(BASE), filename="p.csv", code="122033")
    given = Node(None, [IC + "名称型"], [(IC + "表記", Lit("市川市役所"))])
    org = Node(BASE + "id/lg/122033", [IC + "組織型"], [(IC + "名称", given)])
    linker.link_organization(org, "122033")
    assert [v for p, v in org.props if p == IC + "名称"] == [given]


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """The AED, population and care service fixtures of 千代田区, linked."""
    out = tmp_path_factory.mktemp("joined")
    files = [str(FIXTURES / name) for name in ("131016_aed.csv", "131016_population.csv", "131016_care_service.csv")]
    result = CliRunner().invoke(main, ["link", *files, "-o", str(out / "out"), "-r", str(out / "r.json"), "--base", BASE])
    assert result.exit_code == 0, result.output
    graph = Graph()
    for path in (out / "out").glob("*.ttl"):
        graph.parse(path)
    return graph, json.loads((out / "r.json").read_text(encoding="utf-8"))


def test_the_guide_joins_population_with_facilities_per_town_without_string_functions(joined):
    g, _ = joined
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("### Query 14")
    query = text[text.index("```sparql\n", start) + 10:text.index("```", text.index("```sparql\n", start) + 10)]
    assert "REPLACE" not in query
    rows = {str(r.name): (int(r.population), int(r.facilities)) for r in g.query(query) if r.town is not None}
    assert rows["東京都千代田区九段南一丁目"][1] == 3  # the AED L-1 and two care offices
    assert set(rows) == {"東京都千代田区九段南一丁目", "東京都千代田区九段南二丁目", "東京都千代田区九段南三丁目",
                         "東京都千代田区霞が関一丁目"}


def test_the_report_gives_each_file_its_rates(joined):
    _, report = joined
    area = next(r for r in report["files"] if r["kind"] == "area")
    assert (area["file"], area["linked"], area["total"]) == ("131016_population.csv", 5, 6)
    assert area["outcomes"] == {"town": 4, "municipality": 1, "none": 1}
    assert any(u["code"] == "link.area_unmatched" and u["value"] == "存在しない町" for u in report["unlinked"])


def test_the_estat_area_has_its_label_in_the_output(joined):
    g, _ = joined
    sac = URIRef(sac_iri("131016"))
    assert set(g.objects(sac, RDFS.label)) == {Literal("東京都千代田区", lang="ja"), Literal("Chiyoda-ku, Tokyo", lang="en")}


@requires_shared
def test_real_population_areas_link_to_towns(tmp_path):
    files = sorted([*SAMPLES.glob("population*.csv"), *(SHARED / "samples" / "local").glob("population*.csv")])
    assert files
    result = CliRunner().invoke(main, ["link", *map(str, files), "-o", str(tmp_path / "out"), "-r", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    areas = [r for r in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"] if r["kind"] == "area"]
    print("\n" + "\n".join(f"{r['file']}: {r['linked']}/{r['total']} areas linked ({r['rate']:.1%}) {r['outcomes']}"
                           for r in areas))
    assert len(areas) == len(files) and all(r["rate"] >= 0.95 for r in areas)
