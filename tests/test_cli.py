"""The command line as a clerk uses it: convert a batch, read the summary and the issues file."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from rdflib import Graph

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters import mapping

from .conftest import CASES

AED_OLD = CASES / "aed-old" / "input.csv"


def test_datasets_lists_all_fourteen_with_columns():
    result = CliRunner().invoke(main, ["datasets", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [d["dataset"] for d in listed] == mapping.names()
    assert all(d["headers"] for d in listed)


def test_convert_folder_output_and_issue_csv(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(AED_OLD), "-o", str(out), "--base", "https://x.example/"])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out / "input.ttl")
    assert len(graph) > 50
    with open(out / "issues.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {"file", "row", "column", "value", "code", "message_ja", "message_en"} <= set(rows[0])
    assert "rows read" in result.output


def test_summary_json_accounts_for_every_row(tmp_path):
    summary_path = tmp_path / "summary.json"
    result = CliRunner().invoke(main, ["convert", str(AED_OLD), "-o", str(tmp_path / "out"),
                                       "--summary", str(summary_path), "-q"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(summary_path.read_text("utf-8"))
    rows = entry["rows"]
    data_lines = sum(1 for line in AED_OLD.read_text("utf-8-sig").splitlines()[1:] if line.strip())
    assert entry["dataset"] == "aed" and entry["triples"] > 50 and entry["lines"] >= data_lines + 1
    assert rows["total"] == rows["read"] + rows["set_aside"] and rows["read"] == rows["converted"] + rows["failed"]
    assert rows["read"] == data_lines and sum(entry["issues"].values()) >= rows["with_issues"]
    to_stdout = CliRunner().invoke(main, ["convert", str(AED_OLD), "-o", str(tmp_path / "out2"), "--summary", "-",
                                          "-q"])
    assert json.loads(to_stdout.stdout)[0]["rows"] == rows


def test_bad_file_does_not_abort_the_batch(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x00\x01")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("foo,bar\n1,2\n", encoding="utf-8")
    out = tmp_path / "all.nt"
    issues = tmp_path / "issues.json"
    result = CliRunner().invoke(main, ["convert", str(bad), str(unknown), str(AED_OLD), "-o", str(out),
                                       "--issues", str(issues)])
    assert result.exit_code == 2  # some file could not be read
    assert len(Graph().parse(out, format="nt")) > 50  # the good file was still converted
    codes = {i["code"] for i in json.loads(issues.read_text("utf-8"))}
    assert {"file.no_header", "file.generic"} <= codes  # a table no dataset fits is converted all the same


def test_forced_dataset_and_formats(tmp_path):
    for fmt, ext, parse_as in (("jsonld", "jsonld", "json-ld"), ("rdfxml", "rdf", "xml"), ("nt", "nt", "nt"),
                               ("turtle", "ttl", "turtle")):
        out = tmp_path / f"x.{ext}"
        result = CliRunner().invoke(main, ["convert", str(AED_OLD), "-o", str(out), "--format", fmt,
                                           "--dataset", "aed"])
        assert result.exit_code == 0, result.output
        assert len(Graph().parse(out, format=parse_as)) > 50


def test_unknown_dataset_name_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["convert", str(AED_OLD), "--dataset", "nope", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "known:" in result.output


def test_own_mapping_for_a_non_standard_csv(tmp_path):
    csv_file = tmp_path / "benches.csv"
    csv_file.write_text("番号,ベンチの場所,緯度,経度,設置日\nB1,星野公園,35.1,139.2,令和元年5月1日\n", encoding="utf-8")
    mapping_file = tmp_path / "benches.toml"
    mapping_file.write_text("""
dataset = "bench"
title = { ja = "ベンチ一覧", en = "Benches" }
types = ["ic:設備型"]
key = ["ベンチの場所"]
[headers]
local = ["番号", "ベンチの場所", "緯度", "経度", "設置日"]
[[columns]]
name = "番号"
role = "id"
as = "id"
path = "ic:ID@ic:ID型/ic:識別値"
[[columns]]
name = "ベンチの場所"
role = "name"
path = "ic:設置地点@ic:地物型/ic:名称@ic:名称型/ic:表記"
[[columns]]
name = "緯度"
role = "lat"
as = "coordinate"
path = "ic:設置地点@ic:地物型/ic:地理座標@ic:座標型/ic:緯度"
[[columns]]
name = "経度"
role = "lon"
as = "coordinate"
path = "ic:設置地点@ic:地物型/ic:地理座標@ic:座標型/ic:経度"
[[columns]]
name = "設置日"
as = "date"
path = "ic:設置日@ic:日付型/ic:標準型日付"
""", encoding="utf-8")
    out = tmp_path / "benches.ttl"
    result = CliRunner().invoke(main, ["convert", str(csv_file), "--mapping", str(mapping_file), "--code", "999997",
                                       "-o", str(out), "--base", "https://x.example/"])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out)
    query = """PREFIX ic: <http://imi.go.jp/ns/core/rdf#>
               SELECT ?d WHERE { <https://x.example/id/bench/999997/B1> ic:設置日/ic:標準型日付 ?d }"""
    assert [str(r.d) for r in graph.query(query)] == ["2019-05-01"]


def test_broken_mapping_file_is_a_clear_usage_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('dataset = "x"\n[[columns]]\nname = "a"\npath = "nope:thing"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(AED_OLD), "--mapping", str(bad), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "nope:thing" in result.output


def test_excel_workbook_and_generic_csv_get_clear_messages(tmp_path):
    book = tmp_path / "aed.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    generic = tmp_path / "list.csv"
    generic.write_text("名称,住所,緯度,経度\n星野,架空県星野市,35.1,139.2\n", encoding="utf-8")
    issues = tmp_path / "issues.json"
    result = CliRunner().invoke(main, ["convert", str(book), str(generic), "-o", str(tmp_path / "out"),
                                       "--issues", str(issues)])
    assert result.exit_code == 2
    codes = {(i["file"], i["code"]) for i in json.loads(issues.read_text("utf-8"))}
    assert {("aed.xlsx", "file.excel"), ("list.csv", "file.generic")} <= codes


def test_a_weak_recognition_is_announced(tmp_path):
    weak = tmp_path / "list.csv"  # one column only AED lists have is the only evidence here
    weak.write_text("名称,住所,緯度,経度,小児対応設備の有無\n星野,架空県星野市,35.1,139.2,有\n", encoding="utf-8")
    issues = tmp_path / "issues.json"
    result = CliRunner().invoke(main, ["convert", str(weak), "-o", str(tmp_path / "out"), "--issues", str(issues)])
    assert result.exit_code == 0, result.output
    found = [i for i in json.loads(issues.read_text("utf-8")) if i["code"] == "file.low_confidence"]
    assert found and "aed" in found[0]["message_en"]
