"""The command line as a clerk uses it: convert a batch, read the summary and the issues file."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from rdflib import Graph

from itsutsuboshi.cli import main
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


def test_bad_file_does_not_abort_the_batch(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x00\x01")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("foo,bar\n1,2\n", encoding="utf-8")
    out = tmp_path / "all.nt"
    issues = tmp_path / "issues.json"
    result = CliRunner().invoke(main, ["convert", str(bad), str(unknown), str(AED_OLD), "-o", str(out),
                                       "--issues", str(issues)])
    assert result.exit_code == 2  # some file could not be read or recognised
    assert len(Graph().parse(out, format="nt")) > 50  # the good file was still converted
    codes = {i["code"] for i in json.loads(issues.read_text("utf-8"))}
    assert {"file.no_header", "file.unknown_dataset"} <= codes


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
