"""The mapping format: [nodes], roles, themes and keywords; the bundled mappings and the drafts written from them."""

from __future__ import annotations

import tomllib

import pytest

from itsutsuboshi.converters import mapping, roles
from itsutsuboshi.converters.draft import draft
from itsutsuboshi.converters.engine import RowConverter
from itsutsuboshi.converters.mapping import DATA_THEMES, MappingError, parse_mapping
from itsutsuboshi.converters.recognize import recognize
from itsutsuboshi.iris import IriBuilder

from .conftest import ROOT

IC = "http://imi.go.jp/ns/core/rdf#"
ITSU = "https://w3id.org/itsutsuboshi/ns#"
SCHEMA = "http://schema.org/"
HEAD = 'dataset = "bench"\ntypes = ["ic:設備型"]\n'
#: one mapping written twice: paths in full, and through [nodes] (a node starting from another, one in `also`)
FULL = HEAD + """
[[columns]]
name = "場所"
role = "name"
path = "ic:設置地点@ic:地物型/ic:名称@ic:名称型/ic:表記"
[[columns]]
name = "住所"
path = "ic:設置地点@ic:地物型/ic:住所@ic:住所型/ic:表記"
also = [{ path = "ic:設置地点@ic:地物型/ic:住所@ic:住所型/ic:説明" }]
[[columns]]
name = "町字ID"
as = "id"
path = "ic:設置地点@ic:地物型/ic:住所@ic:住所型/ic:住所コード@ic:コード型/ic:識別値"
[[columns]]
name = "設置者"
path = "ic:関与@ic:関与型{ic:役割=設置者}/ic:関与者@ic:法人型/ic:名称@ic:名称型/ic:表記"
"""
NODES = HEAD + """
[nodes]
"設置地点" = "ic:設置地点@ic:地物型"
"住所" = " 設置地点 / ic:住所@ic:住所型 "
"設置者" = "ic:関与@ic:関与型{ic:役割=設置者}/ic:関与者@ic:法人型"

[[columns]]
name = "場所"
role = "name"
path = "設置地点/ic:名称@ic:名称型/ic:表記"
[[columns]]
name = "住所"
path = "住所/ic:表記"
also = [{ path = "住所/ic:説明" }]
[[columns]]
name = "町字ID"
as = "id"
path = "住所/ic:住所コード@ic:コード型/ic:識別値"
[[columns]]
name = "設置者"
path = "設置者/ic:名称@ic:名称型/ic:表記"
"""


def parse(text: str) -> mapping.Mapping:
    return parse_mapping(tomllib.loads(text), source="m.toml")


def test_nodes_are_written_once_and_give_the_same_paths():
    full, short = parse(FULL), parse(NODES)
    assert full.columns == short.columns
    address = short.column_for("住所")
    assert address is not None and [s.cls for s in address.targets[1].steps] == [IC + "地物型", IC + "住所型"]
    # the same node: 住所 and 町字ID write into one ic:住所型 blank node
    converter = RowConverter(short, ["場所", "住所", "町字ID"], iris=IriBuilder(), filename="m.csv", code="999997")
    node, _ = converter.convert(["星野公園", "星野市1-1", "0001"], 2)
    (place,) = [o for p, o in node.props if p == IC + "設置地点"]
    (found,) = [o for p, o in place.props if p == IC + "住所"]  # type: ignore[union-attr]
    assert {p for p, _ in found.props} == {IC + "表記", IC + "説明", IC + "住所コード"}  # type: ignore[union-attr]


@pytest.mark.parametrize("nodes, path, message", [
    ('"住所" = "ic:住所@ic:住所型"', "所在地/ic:表記", "starts with '所在地', which is no node; known nodes: 住所"),
    ("", "住所/ic:表記", "the mapping has no [nodes] table"),
    ('"住所" = "ic:住所@ic:住所型"', "住所", "names node '住所' but no property after it"),
    ('"a" = "b/ic:x@ic:X"\n"b" = "a/ic:y@ic:Y"', "a/ic:表記", "in a circle: a → b → a"),
    ('"ic:住所" = "ic:住所@ic:住所型"', "ic:表記", "node name 'ic:住所' may not contain"),
    ('"住所" = "ic:住所@ic:住所型{"', "住所/ic:表記", "node '住所': bad term"),
    ('"住所" = ""', "住所/ic:表記", "node '住所' needs a path"),
])
def test_node_mistakes_are_clear_errors(nodes, path, message):
    text = HEAD + f'[nodes]\n{nodes}\n[[columns]]\nname = "a"\npath = "{path}"\n'
    with pytest.raises(MappingError, match="m.toml") as raised:
        parse(text)
    assert message in str(raised.value)


def test_a_mapping_without_nodes_is_read_as_before():
    assert parse(FULL).columns[0].targets[0].leaf == IC + "表記"


@pytest.mark.parametrize("entry, message", [
    ('role = "mayor"', "unknown role 'mayor' for a column on the record"),
    ('role = "lat"\non = "publisher"', "unknown role 'lat' for a column on the publisher"),
    ('role = ""', "unknown role ''"),
    ('on = "city"', "'on' must be one of"),
])
def test_role_mistakes_are_clear_errors(entry, message):
    with pytest.raises(MappingError, match=message):
        parse(HEAD + f'[[columns]]\nname = "a"\n{entry}\npath = "ic:表記"\n')


def test_roles_are_registered_by_name_and_resolved_once_per_target():
    assert set(roles.ROLES) == {"", "publisher", "id", "name", "lat", "lon", "latlon", "hours"}
    assert roles.handler("name", "record") is roles.record_name
    assert roles.handler("name", "publisher") is roles.name_publisher
    assert roles.handler(None, "publisher") is roles.describe_publisher
    assert roles.handler("id", "record", first=False) is roles.plain  # a role acts on the first target only
    text = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    for name in (*roles.ROLES, *roles.PUBLISHER_ROLES):
        assert not name or f"`{name}`" in text, name


def test_themes_and_keywords():
    m = parse(HEAD + 'themes = ["HEAL", "SOCI"]\nkeywords = ["ベンチ", "公園"]\n')
    assert m.themes == ("HEAL", "SOCI") and m.keywords == ("ベンチ", "公園")
    assert parse(HEAD).themes == () and parse(HEAD).keywords == ()
    with pytest.raises(MappingError, match="unknown data themes \\['HEALTH'\\]"):
        parse(HEAD + 'themes = ["HEALTH"]\n')
    with pytest.raises(MappingError, match="keywords must be a list of words"):
        parse(HEAD + 'keywords = "ベンチ 公園"\n')


@pytest.mark.parametrize("name", mapping.names())
def test_every_bundled_dataset_states_its_catalogue_words(name):
    m = mapping.get(name)
    assert m.themes and set(m.themes) <= DATA_THEMES and m.keywords, name


@pytest.mark.parametrize("name", mapping.names())
def test_a_draft_keeps_the_nodes_and_reads_as_the_dataset(name):
    m = mapping.get(name)
    header = list(next(iter(m.headers.values())))
    text = draft(recognize(header, [m], filename=f"{name}.csv"), header, filename=f"{name}.csv")
    assert "\n[nodes]" in text
    again = parse(text)

    def placed(found: mapping.Mapping) -> list[tuple]:
        return [(c.name, c.targets, c.role, c.on, c.required) for c in found.columns]

    assert placed(again) == placed(m)
    assert (again.themes, again.keywords) == (m.themes, m.keywords)


_AED_OLD = ["都道府県コード又は市区町村コード", "NO", "名称", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項"]


@pytest.mark.parametrize("days, start, end, note, all_day, expected_days, expected_times", [
    ("全日・全時間帯使用可", "", "", "", True, "月火水木金土日", ("00:00:00", "24:00:00")),  # 狛江市's AED list
    ("", "", "", "24時間利用可能", True, "月火水木金土日", ("00:00:00", "24:00:00")),  # 焼津市's toilets
    ("", "", "", "終日開放", True, None, ("00:00:00", "24:00:00")),  # all day, but the days are not said
    ("月火水木金", "", "", "平日24時間", True, "月火水木金", ("00:00:00", "24:00:00")),  # the days given stay
    ("", "00:00", "24:00", "年中無休・24時間", True, "月火水木金土日祝", ("00:00:00", "24:00:00")),  # holidays too
    ("月火水木金", "8:30", "17:00", "土日、祝日を除く", False, "月火水木金", ("08:30:00", "17:00:00")),
    ("", "", "", "学校開校時使用可", False, None, None),  # text that says nothing structured stays text
    # all day for some of the record's units only (高松市): the schedule is not all day
    ("月火水木金", "", "", "祝日、12/29～1/3を除く。４階と６階のものは終日利用可能。", False, "月火水木金", None),
])
def test_all_day_schedules_get_their_structure(days, start, end, note, all_day, expected_days, expected_times):
    converter = RowConverter(mapping.get("aed"), _AED_OLD, iris=IriBuilder(), filename="aed.csv", code="132195")
    node, _ = converter.convert(["132195", "1", "市役所", days, start, end, note], 2)
    (schedule,) = [o for p, o in node.props if p == IC + "利用可能時間"]
    props = schedule.props  # type: ignore[union-attr]
    values = {p: [getattr(o, "value", o) for q, o in props if q == p] for p, _ in props}
    assert (values.get(ITSU + "allDay") == ["true"]) is all_day
    assert values.get(IC + "開催期日") == ([expected_days] if expected_days else None)
    week = values.get(SCHEMA + "dayOfWeek", [])
    assert len(week) == len(expected_days or "")
    times = (values.get(IC + "開始時間"), values.get(IC + "終了時間"))
    assert times == ((([expected_times[0]], [expected_times[1]])) if expected_times else (None, None))
