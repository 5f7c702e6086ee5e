"""Mapping columns that name concepts: records link the concepts, keep the text, and the matches are counted."""

from __future__ import annotations

import io

import pytest
from rdflib import Graph, Literal, URIRef

from itsutsuboshi import formats
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.linking import report
from itsutsuboshi.pipeline import parallel
from itsutsuboshi.pipeline.convert import convert_file
from itsutsuboshi.vocab import codes
from itsutsuboshi.vocab.namespaces import IC, ITSU

from .conftest import SAMPLES, requires_shared

HOSPITAL = ("都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,医療機関の種類,住所,方書,緯度,経度,電話番号,"
            "内線番号,FAX番号,法人番号,法人の名称,医療機関コード,診療曜日,診療開始時間,診療終了時間,診療日時特記事項,"
            "時間外における対応,診療科目,病床数,URL,備考")
CELLS = ["内科;麻酔科（上川務恵）;リハビリ科", "歯科・小児歯科、矯正歯科（第４日曜）", "循環器科;宛先不明", "ペインクリニック内科"]


def _hospital(tmp_path, rows: int = 4):
    lines = [HOSPITAL]
    for i in range(rows):
        kind = ("病院", "無床診療所", "有床診療所", "歯科")[i % 4]
        lines.append(f'999997,{i + 1},架空県,星野市,星野病院{i},ホシノ,{kind},架空県星野市本町{i},,35.1,139.1,,,,,,,月～金,9:00,'
                     f'17:00,,,"{CELLS[i % len(CELLS)]}",10,,')
    path = tmp_path / "999997_hospital.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _convert(path, *, workers: int = 1, link: bool = False):
    out = io.StringIO()
    writer = open_writer(formats.TURTLE, out)
    issues: list = []
    result = convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=issues.append,
                          workers=workers, link=link)
    writer.close()
    return Graph().parse(data=out.getvalue(), format="turtle"), result, issues, out.getvalue()


def concept(ref: str) -> URIRef:
    return URIRef(codes.reference(ref).iri)


def test_records_link_the_concepts_and_keep_the_values_as_written(tmp_path):
    graph, result, issues, _ = _convert(_hospital(tmp_path))
    first = URIRef("https://data.example.lg.jp/id/hospital/999997/1")
    links = set(graph.objects(first, URIRef(ITSU + "medicalSubjectCode")))
    assert links == {concept("medical_subject/01"), concept("medical_subject/31"), concept("medical_subject/36")}
    texts = {str(o) for o in graph.objects(first, URIRef(ITSU + "medicalSubject"))}
    assert texts == {"内科", "麻酔科（上川務恵）", "リハビリ科"}
    assert (first, URIRef(IC + "種別コード"), concept("medical_institution_type/hospital")) in graph
    second = URIRef("https://data.example.lg.jp/id/hospital/999997/2")
    assert {str(o) for o in graph.objects(second, URIRef(ITSU + "medicalSubject"))} == {
        "歯科", "小児歯科", "矯正歯科（第４日曜）"}
    third = URIRef("https://data.example.lg.jp/id/hospital/999997/3")
    assert set(graph.objects(third, URIRef(ITSU + "medicalSubjectCode"))) == {concept("medical_subject/01-b006")}
    assert Literal("宛先不明") in set(graph.objects(third, URIRef(ITSU + "medicalSubject")))
    unmatched = [i for i in issues if i.code == "link.code_unmatched"]
    assert [(i.row, i.column) for i in unmatched] == [(4, "診療科目")] and "宛先不明" in unmatched[0].message_ja


def test_matches_are_counted_per_column_and_reported(tmp_path):
    _, result, _, _ = _convert(_hospital(tmp_path), link=True)
    counts = {(column, outcome): n for (column, _, outcome), n in result.codes.counts.items()}
    assert counts[("診療科目", "unmatched")] == 1 and counts[("診療科目", "noted")] == 2
    rows = {r["kind"]: r for r in report.rows([result])}
    row = rows["診療科目 → medical_subject"]
    assert (row["linked"], row["total"]) == (8, 9) and row["outcomes"] == {"linked": 8, "unmatched": 1}
    assert rows["医療機関の種類 → medical_institution_type"]["rate"] == 1.0
    assert "診療科目 → medical_subject" in report.summary([result])


def test_parallel_conversion_gives_the_same_links_and_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 7)
    path = _hospital(tmp_path, rows=60)
    _, serial, _, text1 = _convert(path)
    _, par, _, text2 = _convert(path, workers=2)
    assert text1 == text2
    assert serial.codes.counts == par.codes.counts and sum(par.codes.counts.values()) == 60 // 4 * 9 + 60  # 9 values in 4 rows; one kind a row


def test_flag_columns_link_their_concept_when_yes():
    m = mappings.get("evacuation_space")
    [target] = m.column_for("災害種別_津波").targets
    assert target.concept == "disaster_type/tsunami"
    assert ITSU + "disasterTypeCode" in m.terms()


@pytest.mark.parametrize(("entry", "message"), [
    ({"codes": "no_such_list"}, "unknown code lists"),
    ({"concept": "disaster_type/flood"}, "yes/no column"),
    ({"as": "flag", "concept": "disaster_type/drought"}, "drought"),
    ({"as": "flag", "concept": "flood"}, "not a concept reference"),
])
def test_mapping_mistakes_name_the_column(entry, message):
    data = {"dataset": "x", "columns": [{"name": "種別", "path": "ic:種別", **entry}]}
    with pytest.raises(mappings.MappingError, match=message):
        mappings.parse_mapping(data, source="x.toml")


@requires_shared
@pytest.mark.parametrize(("sample", "column", "least"), [
    ("hospital__okinawa-pref__1.csv", "診療科目", 0.99),
    ("hospital__takamatsu__1.csv", "診療科目", 0.98),
    ("hospital__okinawa-pref__1.csv", "医療機関の種類", 1.0),
    ("care_service__ichikawa__1.csv", "実施サービス", 1.0),
    ("preschool__kawaguchi__1.csv", "種別", 1.0),
    ("fire_hydrant__yaizu__1.csv", "種別", 1.0),
    ("open_data_list__ichikawa__1.csv", "データセット_分類", 1.0),
])
def test_real_samples_match_their_code_lists(sample, column, least):
    _, result, _, _ = _convert(SAMPLES / sample)
    [(_, _, total, matched, _)] = [r for r in result.codes.rows() if r[0] == column]
    assert total and matched / total >= least, (matched, total)
