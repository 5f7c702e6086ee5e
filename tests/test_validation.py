"""Validation cases: tests/validation/<case>/input.(csv|ttl|…) gives exactly the findings of expected.csv.

``expected.csv`` lists ``row,column,rule,severity`` (every finding, notes included); ``options.toml``
may set ``dataset``, ``code`` and ``base``. Each case is also run through pyshacl with the same
shapes, which must find the same SHACL results as our SPARQL-compiled engine.
"""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH

from itsutsuboshi import formats
from itsutsuboshi.shapes.engine import ShaclEngine, rdflib_trail
from itsutsuboshi.validation.validate import validate_file

CASES = Path(__file__).resolve().parent / "validation"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
BASE = "https://data.example.lg.jp/"


def case_input(case: Path) -> Path:
    return next(p for p in sorted(case.iterdir()) if p.stem == "input")


def options(case: Path) -> dict:
    found = case / "options.toml"
    return tomllib.loads(found.read_text("utf-8")) if found.exists() else {}


def case_rdf(case: Path, tmp_path: Path) -> Path:
    """The case's RDF: its own input, or the CSV converted to Turtle with the case's options."""
    source = case_input(case)
    if formats.by_extension(source.suffix, reading=True):
        return source
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main

    out = tmp_path / "data.ttl"
    opts = options(case)
    args = ["convert", str(source), "-o", str(out), "-q", "--base", opts.get("base", BASE)]
    for key in ("dataset", "code"):
        if key in opts:
            args += [f"--{key}", opts[key]]
    assert CliRunner().invoke(main, args).exit_code == 0
    return out


def run_case(case: Path):
    opts = options(case)
    return validate_file(case_input(case), base=opts.get("base", BASE), dataset=opts.get("dataset"),
                         code=opts.get("code"))


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_validation_case(case):
    report = run_case(case)
    assert report.error is None, report.findings
    got = Counter((str(f.row), f.column, f.rule, f.severity) for f in report.findings)
    with open(case / "expected.csv", encoding="utf-8", newline="") as f:
        wanted = Counter((r["row"], r["column"], r["rule"], r["severity"]) for r in csv.DictReader(f))
    assert got == wanted, ("\nmissing: " + repr(sorted((wanted - got).elements()))
                           + "\nunexpected: " + repr(sorted((got - wanted).elements())))
    # every finding says what to do, in both languages
    for f in report.findings:
        assert f.message_ja and f.message_en and f.fix_ja and f.fix_en, f


def _canonical_ours(report) -> Counter:
    return Counter((r.root, r.trail, str(r.check.shape), str(r.check.component), str(r.check.constraint or ""),
                    _value(r.value)) for r in report.results)


def _value(term) -> str:
    if term is None or isinstance(term, ox.BlankNode | BNode):
        return "_"
    return str(term.value) if hasattr(term, "value") and not isinstance(term, Literal) else str(term)


def _canonical_pyshacl(data: Graph, shapes: Graph) -> Counter:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    out = Counter()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        root, trail = rdflib_trail(data, report.value(r, SH.focusNode))
        value = report.value(r, SH.value)
        out[(root, trail, str(report.value(r, SH.sourceShape)),
             str(report.value(r, SH.sourceConstraintComponent)), str(report.value(r, SH.sourceConstraint) or ""),
             _value(value))] += 1
    return out


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_pyshacl_finds_the_same(case, tmp_path):
    """The shapes are plain SHACL: pyshacl on the same RDF gives the same results as our engine."""
    report = run_case(case)
    data = Graph().parse(case_rdf(case, tmp_path))
    assert _canonical_pyshacl(data, report.shapes_graph) == _canonical_ours(report)


def test_engine_runs_shapes_outside_the_compiled_subset_with_pyshacl():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) .
    """, format="turtle")
    store = ox.Store()
    store.load(b"<http://example.org/x> a <http://example.org/C> . <http://example.org/y> a <http://example.org/C> ; "
               b"<http://example.org/a> 1 .", format=ox.RdfFormat.TURTLE)
    engine = ShaclEngine(shapes)
    assert engine.unsupported
    results = engine.validate(store)
    assert [(r.root, r.check.component.split("#")[1]) for r in results] == [("http://example.org/x", "OrConstraintComponent")]


def _core_only(shapes: Graph) -> Graph:
    core = Graph()
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_rudof_finds_the_same_with_shacl_core(case, tmp_path):
    """A second, independent SHACL processor (rudof, in Rust) agrees on the SHACL Core rules.

    rudof cannot pre-bind a blank focus node in a SHACL-SPARQL query, so the two check-digit
    queries and the presence queries are left out on both sides."""
    pyrudof = pytest.importorskip("pyrudof")
    report = run_case(case)
    data = case_rdf(case, tmp_path)
    core = _core_only(report.shapes_graph)
    shapes_file = tmp_path / "shapes.ttl"
    core.serialize(shapes_file, format="turtle")
    store = ox.Store()
    store.load(path=str(data), format=ox.RdfFormat.TURTLE)
    ours = Counter((str(r.check.shape), str(r.check.component), _value(r.value))
                   for r in ShaclEngine(core).validate(store))
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(str(data))
    rudof.read_shacl(str(shapes_file))
    theirs = Counter()
    for entry in rudof.validate_shacl():
        value = entry.value
        if value is None or str(value).startswith("_:"):
            shown = "_"
        else:
            shown = str(value)
            shown = shown[1:shown.rindex('"')] if shown.startswith('"') else shown.strip("<>")
        theirs[(str(entry.source_shape), str(entry.constraint_component), shown)] += 1
    assert theirs == ours
