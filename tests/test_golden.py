"""Golden cases: tests/cases/<name>/input.csv converts to a graph isomorphic to expected.ttl.

A case folder may hold ``options.toml`` with ``dataset``, ``code`` and ``base`` keys, and
``expected-issues.csv`` listing ``row,column,code`` triples that must all be reported.
"""

from __future__ import annotations

import csv
import io
import tomllib

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from itsutsuboshi import formats
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import CASES

CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "input.csv").is_file())


def convert_case(case, format=formats.TURTLE):
    options = tomllib.loads((case / "options.toml").read_text("utf-8")) if (case / "options.toml").exists() else {}
    out = io.StringIO()
    writer = open_writer(format, out)
    issues = []
    result = convert_file(case / "input.csv", writer, iris=IriBuilder(options.get("base", "https://data.example.lg.jp/")),
                          on_issue=issues.append, dataset=options.get("dataset"), code=options.get("code"))
    writer.close()
    return out.getvalue(), result, issues


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_golden_case(case):
    text, result, issues = convert_case(case)
    assert result.ok, issues
    assert result.rows_read == result.rows_converted + result.rows_failed
    got = Graph().parse(data=text, format="turtle")
    expected = Graph().parse(case / "expected.ttl", format="turtle")
    if not isomorphic(got, expected):
        _, only_expected, only_got = graph_diff(to_isomorphic(expected), to_isomorphic(got))
        pytest.fail("graphs differ\n--- only in expected:\n" + only_expected.serialize(format="nt")
                    + "\n--- only in output:\n" + only_got.serialize(format="nt"))
    expected_issues = case / "expected-issues.csv"
    if expected_issues.exists():
        reported = {(str(i.row), i.column, i.code) for i in issues}
        with open(expected_issues, encoding="utf-8", newline="") as f:
            wanted = {(r["row"], r["column"], r["code"]) for r in csv.DictReader(f)}
        assert wanted <= reported, f"missing issues: {wanted - reported}"


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
@pytest.mark.parametrize("format", [formats.NTRIPLES, formats.JSONLD, formats.RDFXML], ids=lambda f: f.name)
def test_every_format_gives_the_same_graph(case, format):
    turtle, _, _ = convert_case(case)
    text, _, _ = convert_case(case, format)
    parse_as = {"nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[format.name]
    assert isomorphic(Graph().parse(data=text, format=parse_as), Graph().parse(data=turtle, format="turtle"))
