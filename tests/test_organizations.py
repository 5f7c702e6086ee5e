"""Organisations the records name (運営者, 設置者 …) become one resource each: by 法人番号, as a local
government, or by normalised name within one municipality."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters.links import HOUJIN, Linker
from itsutsuboshi.converters.model import IRI, Lit, Node
from itsutsuboshi.converters.organizations import name_key
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.vocab.namespaces import IC, ITSU, RDFS

from .conftest import SAMPLES, requires_shared

BASE = "https://data.example.lg.jp/"
IRIS = IriBuilder(BASE)
FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_care_service.csv"
NUMBER = "2010005999991"  # a valid check digit, no registered corporation


@pytest.mark.parametrize(("written", "key"), [
    ("株式会社ABC", "株式会社ABC"), ("㈱ABC", "株式会社ABC"), ("（株）ＡＢＣ", "株式会社ABC"), ("(株) ABC", "株式会社ABC"),
    ("ABC(株)", "ABC株式会社"),  # 後株 stays after the name
    ("社会福祉法人　ほし会", "社会福祉法人ほし会"), ("(福)ほし会", "社会福祉法人ほし会"), ("（社福）ほし会", "社会福祉法人ほし会"),
    ("㈲星野商店", "有限会社星野商店"), ("(医社)葵会", "医療法人社団葵会"), ("ＮＰＯ法人 ほし", "特定非営利活動法人ほし"),
    ("(一社)星野協会", "一般社団法人星野協会"), ("星野 市民 の会", "星野市民の会"),
])
def test_names_fold_to_one_spelling(written, key):
    assert name_key(written) == key


def _office(n: int, *, name: str | None = None, number: str | None = None, municipality: str | None = None,
            role: str = "運営者") -> tuple[Node, Node]:
    operator = Node(None, [IC + "法人型"])
    if number is not None:
        operator.add(IC + "ID", Node(None, [IC + "ID型"], [(IC + "体系", Lit("法人番号")), (IC + "識別値", Lit(number))]))
    if name is not None:
        operator.add(IC + "名称", Node(None, [IC + "名称型"], [(IC + "表記", Lit(name))]))
    involvement = Node(None, [IC + "関与型"], [(IC + "役割", Lit(role)), (IC + "関与者", operator)])
    record = Node(IRIS.record("care_service", "122033", str(n)), [IC + "施設型"], [(IC + "関与", involvement)])
    if municipality:
        record.add(ITSU + "municipality", IRI(IRIS.organization(municipality)))
    return record, involvement


def _operator(involvement: Node) -> object:
    return next(v for p, v in involvement.props if p == IC + "関与者")


@pytest.mark.parametrize(("first", "second", "same", "iri", "outcome"), [
    ({"number": NUMBER, "name": "社会福祉法人 ほし会"}, {"number": NUMBER, "name": "(福)ほし会"}, True,
     IRIS.org(NUMBER), "corporate_number"),
    ({"number": NUMBER}, {"number": NUMBER, "name": "ほし会"}, True, IRIS.org(NUMBER), "corporate_number"),
    ({"name": "㈱ABC"}, {"name": "株式会社　ABC"}, True, IRIS.org(code="122033", name="株式会社ABC"), "name"),
    ({"name": "株式会社ABC"}, {"name": "ABC株式会社"}, False, IRIS.org(code="122033", name="株式会社ABC"), "name"),
    ({"name": "株式会社ABC"}, {"name": "株式会社ABC", "municipality": "122041"}, False,  # another municipality
     IRIS.org(code="122033", name="株式会社ABC"), "name"),
    ({"number": "6000020122033", "name": "市川市長"}, {"name": "市川市"}, True, IRIS.organization("122033"),
     "local_government"),  # the city's own 法人番号, and its name
    ({"name": "千葉県"}, {"name": "千葉県"}, True, IRIS.organization("120006"), "local_government"),
    ({"number": "2010005999990", "name": "ほし会"}, {"name": "ほし会"}, True,  # a wrong check digit: by name
     IRIS.org(code="122033", name="ほし会"), "name"),
])
def test_offices_of_one_body_share_its_iri(first, second, same, iri, outcome):
    linker = Linker(IRIS, filename="c.csv", code="122033")
    (a, ia), (b, ib) = _office(1, **first), _office(2, **second)
    linker.link(a, 2)
    linker.link(b, 3)
    assert _operator(ia) == iri
    assert (_operator(ia) == _operator(ib)) is same
    assert isinstance(_operator(ia), str) and isinstance(_operator(ib), str)  # IRIs, no blank node left
    assert linker.stats.counts[("organization", outcome)] >= 1


@pytest.mark.parametrize(("kwargs", "code"), [({}, "122033"), ({"number": "123"}, "122033"), ({"name": "ほし会"}, None),
                                              ({"name": "ほし会"}, "000000")])
def test_an_organisation_with_nothing_to_group_by_stays_a_blank_node(kwargs, code):
    linker = Linker(IRIS, filename="c.csv", code=code)
    record, involvement = _office(1, **kwargs)
    linker.link(record, 2)
    assert isinstance(_operator(involvement), Node)
    assert linker.stats.counts[("organization", "ungrouped")] == 1


def test_the_description_gathers_every_spelling_once_and_says_how_it_was_grouped():
    linker = Linker(IRIS, filename="c.csv", code="122033")
    for n, name in enumerate(["㈱ABC", "株式会社 ABC", "㈱ABC"]):
        linker.link(_office(n, name=name)[0], n + 2)
    linker.link(_office(9, number=NUMBER, name="ほし会")[0], 11)
    described = {n.iri: n for n in linker.epilogue() if n.iri and "/id/org/" in n.iri}
    by_name = described[IRIS.org(code="122033", name="株式会社ABC")]
    spellings = sorted(v.props[0][1].value for p, v in by_name.props if p == IC + "名称" and isinstance(v, Node))
    assert spellings == ["㈱ABC", "株式会社 ABC"]
    assert (RDFS + "label", Lit("株式会社ABC", None, "ja")) in by_name.props
    assert (ITSU + "groupedBy", Lit("name")) in by_name.props
    assert (ITSU + "groupingKey", Lit("株式会社ABC")) in by_name.props
    assert (ITSU + "groupedWithin", IRI(IRIS.organization("122033"))) in by_name.props
    by_number = described[IRIS.org(NUMBER)]
    assert ("http://www.w3.org/2002/07/owl#sameAs", IRI(HOUJIN + NUMBER)) in by_number.props
    assert (ITSU + "groupedBy", Lit("corporate_number")) in by_number.props


def test_a_local_government_the_file_does_not_describe_is_described():
    linker = Linker(IRIS, filename="c.csv", code="122033")
    linker.link_organization(Node(IRIS.organization("122033"), [IC + "組織型"]), "122033")  # the publisher
    linker.link(_office(1, name="千葉県")[0], 2)
    linker.link(_office(2, name="市川市")[0], 3)
    governments = [n.iri for n in linker.epilogue() if n.iri and "/id/lg/" in n.iri]
    assert governments == [IRIS.organization("120006")]  # 市川市 is the publisher, described already


def test_a_wide_area_row_groups_names_within_its_own_municipality():
    linker = Linker(IRIS, filename="h.csv", code="120006")  # a prefecture's list
    a, ia = _office(1, name="医療法人ほし会", municipality="122033")
    b, ib = _office(2, name="医療法人ほし会", municipality="122041")
    linker.link(a, 2)
    linker.link(b, 3)
    assert _operator(ia) == IRIS.org(code="122033", name="医療法人ほし会")
    assert _operator(ib) == IRIS.org(code="122041", name="医療法人ほし会")


def test_the_fixture_offices_point_at_shared_organisations(tmp_path):
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(main, ["link", str(FIXTURE), "-o", str(out), "--base", BASE])
    assert result.exit_code == 0, result.output
    g = Graph().parse(out)
    operators = {str(r): str(o) for r, o in g.query(
        "SELECT ?r ?o { ?r <http://imi.go.jp/ns/core/rdf#関与>/<http://imi.go.jp/ns/core/rdf#関与者> ?o }")}
    record = {n: BASE + f"id/care_service/131016/C-{n}" for n in range(1, 7)}
    assert operators[record[1]] == operators[record[2]] == IRIS.org(NUMBER)
    assert operators[record[3]] == operators[record[4]] == IRIS.org(code="131016", name="株式会社ABC")
    assert operators[record[5]] == IRIS.organization("131016")  # the ward's own 法人番号
    assert operators[record[6]] == IRIS.organization("130001")  # 東京都, by name
    tokyo = URIRef(IRIS.organization("130001"))
    assert (tokyo, RDF.type, URIRef(IC + "組織型")) in g and (tokyo, OWL.sameAs, None) in g
    assert (URIRef(IRIS.org(NUMBER)), URIRef(ITSU + "groupedBy"), Literal("corporate_number")) in g


@requires_shared
def test_operators_on_the_real_samples_are_grouped(tmp_path):
    files = sorted(str(p) for p in SAMPLES.glob("*.csv"))
    result = CliRunner().invoke(main, ["link", *files, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    g = Graph()
    for path in (tmp_path / "out").glob("*.ttl"):
        g.parse(path)
    rows = list(g.query("""PREFIX ic: <http://imi.go.jp/ns/core/rdf#>
        SELECT ?o (COUNT(?o) AS ?uses) WHERE {
          ?s (ic:関与/ic:関与者)|ic:設置者|ic:管理者|(ic:関連組織/ic:組織) ?o .
          ?o a ?type . VALUES ?type { ic:法人型 ic:組織型 } } GROUP BY ?o"""))
    uses, blank = sum(int(r.uses) for r in rows), sum(int(r.uses) for r in rows if not isinstance(r.o, URIRef))
    print(f"\n{uses} organisation nodes in the records, {len(rows) - blank} resources, {blank} left blank")
    assert uses > 1000 and blank == 0 and len(rows) < uses / 2
