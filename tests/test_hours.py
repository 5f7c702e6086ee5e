"""Opening hours in text: what is read into days and times, what is left as text (and reported)."""

from __future__ import annotations

import io

import pytest
from rdflib import Graph, Literal, URIRef

from itsutsuboshi.converters.hours import Segment, read
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.formats import TURTLE
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import SAMPLES, requires_shared

IC = "http://imi.go.jp/ns/core/rdf#"
TIME = URIRef("http://www.w3.org/2001/XMLSchema#time")


@pytest.mark.parametrize(("text", "segments", "unread"), [
    # the notes of real files (高松市 AED, 川口市 and 焼津市 childcare, 焼津市 facilities), kept as written
    ("日曜日は9：00～17：00、12/29～1/3を除く", [("日", "09:00", "17:00")], False),
    ("土曜日の開所時間は07：00から18：00休所日は日曜日及び祝日、12/29から1/3まで", [("土", "07:00", "18:00")], False),
    ("土曜保育：午前7時30分から午後4時30分まで", [("土", "07:30", "16:30")], False),
    ("平日：午前9時～午後7時（地域交流センター休館日を除く）;土日：午前9時～午後5時（地域交流センター休館日を除く）",
     [("月火水木金", "09:00", "19:00"), ("土日", "09:00", "17:00")], False),
    ("【開館時間】9:00～19:00 （土・日・祝休日は9:00～17:00） 【休館日】月曜日",
     [("", "09:00", "19:00"), ("土日祝", "09:00", "17:00")], False),
    ("火～日：午前9時～午後5時（地域交流センター休館日を除く）", [("火水木金土日", "09:00", "17:00")], False),
    ("開所日のみ。土曜日は13:30まで。", [("土", None, "13:30")], False),
    ("水曜日は午後1時まで利用可能", [("水", None, "13:00")], False),
    ("水曜日は正午まで", [("水", None, "12:00")], False),
    ("月曜日の開園時間は11：30から14：00休園日は土曜日", [("月", "11:30", "14:00")], False),
    ("9:00-17:00", [("", "09:00", "17:00")], False),
    # times that come with something else: a date, a month, a floor, 延長, 放課後, a sentence a bracket cut
    ("12/31は9:00～15:00", [], True),
    ("8/1～8/20は8:00～18:10", [], True),
    ("3月・10月は18:00まで、11月～2月は17:00まで。", [], True),
    ("日・祝は17:00まで。3階受付は9:30～17:00", [("日祝", None, "17:00")], True),
    ("平日延長保育：平日午前7時30分から8時30分まで、午後4時30分から6時30分まで;土曜保育：午前8時30分から午後4時30分まで",
     [("土", "08:30", "16:30")], True),
    ("平日：放課後～18：30（延長利用：19：00）", [], True),
    ("小学校の授業の休業日(土曜日を含む)は7:30から20:00まで。", [], True),
    ("22:00～6:00", [], True),
    ("開放日は9:00～17:00", [], True),  # 日 of 開放日 and 利用可能日 is not Sunday
    ("利用可能日は9:00～17:00", [], True),
    # no times at all: nothing to read, nothing to report
    ("12/29～1/3を除く", [], False),
    ("24時間利用可能", [], False),
    ("学校開校日に随時", [], False),
])
def test_hours_in_text(text, segments, unread):
    got = read(text)
    expected = tuple(Segment(d, s and s + ":00", e + ":00") for d, s, e in segments)
    assert (got.segments, got.unread) == (expected, unread)


def convert(tmp_path, days: str, start: str, end: str, note: str) -> tuple[Graph, list]:
    path = tmp_path / "999997_aed.csv"
    path.write_text("全国地方公共団体コード,ID,名称,住所,緯度,経度,利用可能曜日,開始時間,終了時間,利用可能日時特記事項\n"
                    f"999997,1,市役所,星野市1,35.1,136.1,{days},{start},{end},{note}\n", encoding="utf-8")
    out, issues = io.StringIO(), []
    writer = open_writer(TURTLE, out)
    convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=issues.append, dataset="aed")
    writer.close()
    return Graph().parse(data=out.getvalue(), format="turtle"), issues


def schedules(graph: Graph) -> list[tuple[str, str | None, str | None]]:
    found = []
    for node in graph.objects(None, URIRef(IC + "利用可能時間")):
        def one(prop: str, n=node) -> str | None:
            value = graph.value(n, URIRef(IC + prop))
            return str(value) if value is not None else None
        found.append((one("開催期日"), one("開始時間"), one("終了時間")))
    return sorted(found, key=str)


@pytest.mark.parametrize(("days", "start", "end", "note", "expected"), [
    # the note's days get their own schedule, and leave the schedule's days
    ("月～日", "9:00", "21:00", "日曜日は9:00～17:00", [("月火水木金土", "09:00:00", "21:00:00"),
                                                      ("日", "09:00:00", "17:00:00")]),
    # a closing time only: the schedule's opening time
    ("月～土", "8:30", "17:15", "土曜日は12:00まで", [("月火水木金", "08:30:00", "17:15:00"), ("土", "08:30:00", "12:00:00")]),
    # no days or times in their columns: the note gives the schedule's own
    ("", "", "", "平日：午前9時～午後7時;土日：午前9時～午後5時", [("月火水木金", "09:00:00", "19:00:00"),
                                                                 ("土日", "09:00:00", "17:00:00")]),
    # days not in the schedule's own are added beside it
    ("月～金", "9:00", "17:00", "祝日は10:00～15:00", [("月火水木金", "09:00:00", "17:00:00"), ("祝", "10:00:00", "15:00:00")]),
])
def test_schedules_from_notes(tmp_path, days, start, end, note, expected):
    graph, issues = convert(tmp_path, days, start, end, note)
    assert schedules(graph) == sorted(expected, key=str)
    notes = [str(o) for o in graph.objects(None, URIRef(IC + "説明")) if str(o) == note]
    assert notes == [note]  # the text stays as written
    assert not [i for i in issues if i.code == "hours.unread"]


def test_unread_times_are_reported_and_kept(tmp_path):
    graph, issues = convert(tmp_path, "月～金", "9:00", "17:00", "12/31は9:00～15:00")
    assert schedules(graph) == [("月火水木金", "09:00:00", "17:00:00")]
    assert Literal("12/31は9:00～15:00") in set(graph.objects(None, URIRef(IC + "説明")))
    reported = [i for i in issues if i.code == "hours.unread"]
    assert [(i.row, i.column) for i in reported] == [(2, "利用可能日時特記事項")]


@requires_shared
def test_takamatsu_sunday_hours():
    """高松市 AEDs open to 17:00 on Sundays, counted in the CSV by hand: 52 notes say 「日曜日は9：00～17：00、
    12/29～1/3を除く」 and one 「日曜は17:00まで。…」."""
    out = io.StringIO()
    writer = open_writer(TURTLE, out)
    convert_file(SAMPLES / "aed__takamatsu__1.csv", writer, iris=IriBuilder("https://data.example.lg.jp/"),
                 on_issue=lambda issue: None)
    writer.close()
    graph = Graph().parse(data=out.getvalue(), format="turtle")
    sunday = [n for n in graph.objects(None, URIRef(IC + "利用可能時間"))
              if str(graph.value(n, URIRef(IC + "開催期日"))) == "日"
              and graph.value(n, URIRef(IC + "終了時間")) == Literal("17:00:00", datatype=TIME)]
    assert len(sunday) == 53
