"""`itsutsuboshi validate`: exit status, report formats, RDF input in every syntax, user shapes, real files."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF, SH

from itsutsuboshi.cli.main import main
from itsutsuboshi.validation.validate import validate_file

from .conftest import SAMPLES, requires_shared

CASES = Path(__file__).resolve().parent / "validation"
CONFORMING = CASES / "aed-conforming" / "input.csv"
BREAKING = CASES / "aed-breaking" / "input.csv"
BASE = "https://data.example.lg.jp/"


def run(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_exit_status_follows_the_worst_finding(tmp_path):
    assert run(str(CONFORMING)).exit_code == 0
    assert run(str(BREAKING)).exit_code == 1
    # only warnings: fine by default, a failure with --fail-on warning
    warn_only = tmp_path / "aed.csv"
    lines = CONFORMING.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = ""  # no ID: a warning
    warn_only.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    assert run(str(warn_only)).exit_code == 0
    assert run(str(warn_only), "--fail-on", "warning").exit_code == 1


def test_unreadable_input_exits_2_and_the_batch_goes_on(tmp_path):
    excel = tmp_path / "aed.csv"
    excel.write_bytes(b"PK\x03\x04 not a csv")
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    result = run(str(excel), str(broken), str(BREAKING), "-r", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    files = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"]
    assert [f["error"] for f in files] == ["file.excel", "file.unreadable", None]
    assert files[2]["counts"]["error"] > 0


def test_every_report_format(tmp_path):
    names = ["r.csv", "r.json", "r.ttl", "r.jsonld", "r.nt", "r.html"]
    result = run(str(BREAKING), *[a for n in names for a in ("-r", str(tmp_path / n))], "--base", BASE)
    assert result.exit_code == 1, result.output
    report = validate_file(BREAKING, base=BASE)
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8-sig", newline="")))
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [(int(r["row"]), r["column"], r["rule"]) for r in rows] == \
        [(f.row, f.column, f.rule) for f in report.findings]
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["conforms"] is False
    assert data["files"][0]["counts"] == dict(Counter(f.severity for f in report.findings)) | {
        k: 0 for k in ("error", "warning", "info") if k not in Counter(f.severity for f in report.findings)}
    shacl_results = len(report.results)
    conversion_only = sum(1 for f in report.findings if not f.results)
    for name, fmt in (("r.ttl", "turtle"), ("r.jsonld", "json-ld"), ("r.nt", "nt")):
        g = Graph().parse(tmp_path / name, format=fmt)
        (rep,) = g.subjects(RDF.type, SH.ValidationReport)
        assert g.value(rep, SH.conforms).toPython() is False
        assert len(list(g.objects(rep, SH.result))) == shacl_results + conversion_only
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_unknown_report_format_is_a_usage_error(tmp_path):
    result = run(str(CONFORMING), "-r", str(tmp_path / "r.docx"))
    assert result.exit_code == 2 and "report format" in result.output


@pytest.mark.parametrize("fmt", ["nt", "jsonld", "rdfxml", "turtle"])
def test_rdf_input_in_every_syntax_gives_the_findings_of_the_csv(tmp_path, fmt):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["convert", str(BREAKING), "-o", str(out), "-f", fmt, "-q",
                                     "--base", BASE]).exit_code == 0
    (rdf,) = out.glob("input.*")
    from_rdf = validate_file(rdf)
    from_csv = validate_file(BREAKING, base=BASE)
    # the same SHACL results on the same rows (an RDF file names columns by their standard name,
    # a CSV by its own header: 所在地_連結表記 is the new generation's 住所)
    shacl = {(f.row, r.check.shape) for f in from_csv.findings for r in f.results}
    assert {(f.row, r.check.shape) for f in from_rdf.findings for r in f.results} == shacl
    assert from_rdf.dataset == "aed" and from_rdf.records == from_csv.records


def test_user_shapes_replace_the_bundled_ones(tmp_path):
    shapes = tmp_path / "mine.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix itsu: <https://w3id.org/itsutsuboshi/ns#> .
        @prefix ex: <http://example.org/> .
        ex:NeedsOpening a sh:NodeShape ; sh:targetClass itsu:AED ;
            sh:property [ sh:path itsu:restrictedUse ; sh:minCount 1 ; sh:message "外部利用の可否を書く"@ja ] .""",
                      encoding="utf-8")
    result = run(str(CONFORMING), "--shapes", str(shapes), "-r", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    findings = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"][0]["findings"]
    assert [(f["row"], f["column"], f["message_ja"], f["severity"]) for f in findings] == [
        (2, "外部利用不可", "外部利用の可否を書く", "error"), (3, "外部利用不可", "外部利用の可否を書く", "error")]


@requires_shared
def test_every_real_sample_validates_and_the_counts_add_up():
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() == ".csv")
    assert files
    for path in files:
        report = validate_file(path)
        assert report.error is None, (path.name, report.findings[:3])
        assert report.records == report.rows, path.name  # every row became a record
        last_row = max((f.row for f in report.findings), default=0)
        assert last_row <= report.rows + 60, path.name  # rows as a spreadsheet numbers them (header, # lines)
        assert report.rows_with("error") <= report.rows
        for f in report.findings:
            assert f.file == path.name and f.message_ja and f.fix_ja
            if f.source == "shacl" and f.row == 0:  # only a rule about a column the file lacks is file-level
                assert "ファイルにありません" in f.message_ja and f.results, f
