"""Explicit absences: a blank yes/no cell is a no only where the file marks yes alone; general flags from variants."""

from __future__ import annotations

import io
import tomllib

import pytest
from rdflib import Graph, Literal, URIRef

from itsutsuboshi.converters import absences, mapping
from itsutsuboshi.converters.mapping import MappingError, parse_mapping
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.formats import TURTLE
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import SAMPLES, requires_shared

ITSU = "https://w3id.org/itsutsuboshi/ns#"
BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")
YES, NO = Literal("true", datatype=BOOLEAN), Literal("false", datatype=BOOLEAN)
HEAD = "全国地方公共団体コード,ID,名称,住所,災害種別_洪水,災害種別_地震,災害種別_火山現象,指定避難所との重複"


def convert(tmp_path, text: str, name: str = "evacuation_space.csv") -> tuple[Graph, list]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, issues = io.StringIO(), []
    writer = open_writer(TURTLE, out)
    result = convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=issues.append,
                          dataset="evacuation_space", code="999997")
    writer.close()
    assert result.rows_read == result.rows_converted == text.count("\n") - 1
    return Graph().parse(data=out.getvalue(), format="turtle"), issues


def said(graph: Graph, local_id: str, prop: str):
    record = URIRef(f"https://data.example.lg.jp/id/evacuation_space/999997/{local_id}")
    return list(graph.objects(record, URIRef(ITSU + prop)))


def rows(*cells: str) -> str:
    return HEAD + "\n" + "".join(f"999997,{i + 1},避難場所{i + 1},星野市{i + 1},{c}\n" for i, c in enumerate(cells))


@pytest.mark.parametrize(("flood", "quake", "volcano", "expected"), [
    # marks only (the standard's 1/blank, or ○/blank): every blank of the group is a no, all-blank columns too
    (("1", ""), ("1", "1"), ("", ""), {("1", "forFlood"): [YES], ("2", "forFlood"): [NO], ("1", "forVolcano"): [NO]}),
    (("○", ""), ("", "○"), ("", ""), {("2", "forFlood"): [NO], ("1", "forEarthquake"): [NO]}),
    # an explicit no anywhere in the group: blanks stay unknown
    (("1", ""), ("×", "1"), ("", ""), {("2", "forFlood"): [], ("1", "forEarthquake"): [NO], ("1", "forVolcano"): []}),
    (("有", ""), ("無", ""), ("", ""), {("2", "forFlood"): [], ("2", "forVolcano"): []}),
    # no yes at all: no convention
    (("", ""), ("", ""), ("", ""), {("1", "forFlood"): [], ("2", "forVolcano"): []}),
    # a partial mark is neither yes nor no and does not break the convention
    (("△", "1"), ("1", ""), ("", ""), {("1", "forFlood"): [], ("2", "forEarthquake"): [NO]}),
])
def test_blank_is_a_no_only_where_the_file_marks_yes_alone(tmp_path, flood, quake, volcano, expected):
    text = rows(*(f"{flood[i]},{quake[i]},{volcano[i]}," for i in range(2)))
    graph, _ = convert(tmp_path, text)
    for (local_id, prop), values in expected.items():
        assert said(graph, local_id, prop) == values, (local_id, prop)


def test_groups_are_decided_apart_and_reported(tmp_path):
    # 災害種別 uses ○/×, so its blanks are unknown; 指定避難所との重複 marks ○ alone, so its blank is a no
    graph, issues = convert(tmp_path, rows("○,×,,○", ",○,×,"))
    assert said(graph, "2", "forFlood") == [] and said(graph, "1", "forVolcano") == []
    assert said(graph, "2", "alsoDesignatedShelter") == [NO]
    reported = [i for i in issues if i.code == "column.blank_is_no"]
    assert [i.column for i in reported] == ["指定避難所との重複"]
    assert "blank cells were read as no" in reported[0].message_en and "空欄を「無」" in reported[0].message_ja


def test_a_short_row_says_nothing_about_its_missing_cells(tmp_path):
    graph, _ = convert(tmp_path, HEAD + "\n999997,1,a,b,1,1,,1\n999997,2,c,d,,1\n")
    assert said(graph, "2", "forFlood") == [NO]
    assert said(graph, "2", "forVolcano") == [] and said(graph, "2", "alsoDesignatedShelter") == []


def test_the_decision_sees_only_the_columns_of_its_group():
    m = mapping.get("evacuation_space")
    header = ["名称", "災害種別_洪水", "指定避難所との重複", "備考"]
    assert absences.groups(m, header) == {"災害種別": [1], "指定避難所との重複": [2]}
    assert absences.blanks_read_as_no(m, header, [["a", "1", "", "無"], ["b", "", "", ""]]) == {"災害種別": [1]}
    assert absences.blanks_read_as_no(m, ["名称", "備考"], [["a", ""]]) == {}


TAKAMATSU_HEAD = "#property,name,address,flood_L1,flood_L2,earthquake\n"


@pytest.mark.parametrize(("l1", "l2", "flood"), [
    ("○", "○", [YES]), ("○", "×", [YES]), ("×", "○", [YES]), ("△", "○", [YES]),
    ("×", "×", [NO]), ("△", "×", []), ("△", "△", []),
])
def test_the_general_flood_flag_follows_its_variants(tmp_path, l1, l2, flood):
    text = TAKAMATSU_HEAD + f"1,避難所,星野市1,{l1},{l2},○\n2,避難所2,星野市2,○,○,○\n"
    graph, _ = convert(tmp_path, text)
    assert said(graph, "1", "forFlood") == flood


def test_a_file_with_its_own_general_column_keeps_it(tmp_path):
    text = "#property,name,address,災害種別_洪水,flood_L1,flood_L2\n1,a,b,×,○,○\n"
    graph, _ = convert(tmp_path, text)
    assert said(graph, "1", "forFlood") == [NO]


@pytest.mark.parametrize(("entry", "message"), [
    ('as = "text"\nblank_is_no = "g"', "yes/no columns"),
    ('as = "flag"\nblank_is_no = ""', "names the group"),
    ('as = "flag"\nvariant_of = "itsu:forFlood"\npath = "ic:設備@ic:設備型/itsu:forFloodPlannedScale"', "record itself"),
])
def test_mapping_keys_are_checked(entry, message):
    path = "" if "path =" in entry else 'path = "itsu:forFloodPlannedScale"\n'
    text = f'dataset = "x"\n[[columns]]\nname = "a"\n{path}{entry}\n'
    with pytest.raises(MappingError, match=message):
        parse_mapping(tomllib.loads(text), source="test")


@requires_shared
def test_ichikawa_evacuation_sites_say_not_designated():
    """市川市 marks designations with 1 and leaves the rest blank (checked by hand: 102 of 121 sites for flood,
    none for large fires or volcanoes)."""
    path = SAMPLES / "evacuation_space__ichikawa__1.csv"
    out, issues = io.StringIO(), []
    writer = open_writer(TURTLE, out)
    convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=issues.append)
    writer.close()
    graph = Graph().parse(data=out.getvalue(), format="turtle")

    def count(prop: str, value: Literal) -> int:
        return len(list(graph.subjects(URIRef(ITSU + prop), value)))

    assert (count("forFlood", YES), count("forFlood", NO)) == (102, 19)
    assert (count("forLargeFire", YES), count("forLargeFire", NO)) == (0, 121)
    assert (count("forVolcano", NO), count("alsoDesignatedShelter", NO)) == (121, 33)


def test_a_no_written_after_the_rows_read_ahead_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(absences, "ROWS", 2)  # decide from the first two rows: 1 and blank
    graph, issues = convert(tmp_path, rows("1,1,,1", ",1,,1", "×,1,,1", "×,1,,1"))
    assert said(graph, "2", "forFlood") == [NO]  # read by the convention the first rows showed
    late = [i for i in issues if i.code == "column.blank_is_no_late"]
    assert [(i.row, i.column) for i in late] == [(4, "災害種別_洪水")]
