"""The shapes: generated files up to date, the standard's ◎ columns required, SPARQL compilation sound."""

from __future__ import annotations

import importlib.util
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from itsutsuboshi import shapes
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.normalize import houjin_valid, lgcode_valid
from itsutsuboshi.shapes.compile import Unsupported, compile_shapes, sparql_path

from .conftest import ROOT, SHARED, requires_shared

STANDARD = SHARED / "reference" / "standard-datasets.md"


def _build_module():
    spec = importlib.util.spec_from_file_location("build_shapes", ROOT / "scripts" / "build_shapes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_shapes_files_are_up_to_date():
    for name, text in _build_module().build().items():
        assert (ROOT / "shapes" / name).read_text(encoding="utf-8") == text, \
            f"shapes/{name} is stale: run .venv/bin/python scripts/build_shapes.py"


def test_every_dataset_has_shapes_and_every_shape_has_bilingual_messages():
    assert sorted(shapes.names()) == sorted(mappings.names())
    g = shapes.load()
    owners = set(g.subjects(RDF.type, SH.PropertyShape)) | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(owners) > 100
    for owner in owners:
        langs = {m.language for m in g.objects(owner, SH.message)}
        assert {"ja", "en"} <= langs, owner


@requires_shared
def test_every_required_column_of_the_standard_is_required_in_the_mapping():
    text = STANDARD.read_text(encoding="utf-8")
    titles = {mappings.get(n).title_ja: n for n in mappings.names()}
    checked = 0
    for section in re.split(r"^#### OLD — ", text, flags=re.M)[1:]:
        m = mappings.get(titles[section.split(" ", 1)[0]])
        for line in section.splitlines():
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 4 and cells[3] == "◎":
                spec = m.column_for(cells[2])
                assert spec is not None and spec.required, (m.dataset, cells[2])
                checked += 1
    assert checked > 100


def test_check_digit_queries_agree_with_the_python_algorithms():
    """The SHACL-SPARQL check digits give the same verdict as the normalisers, on many codes."""
    import pyoxigraph as ox

    from itsutsuboshi.shapes.engine import ShaclEngine

    codes = [f"{n:06d}" for n in range(10000, 480000, 997)]
    numbers = [f"{n:013d}" for n in range(1000000000000, 9999999999999, 77777777777)]
    lines = []
    for i, c in enumerate(codes):
        lines.append(f'<http://x/a{i}> <http://imi.go.jp/ns/core/rdf#市区町村コード> [ '
                     f'<http://imi.go.jp/ns/core/rdf#識別値> "{c}" ] .')
    for i, n in enumerate(numbers):
        lines.append(f'<http://x/h{i}> a <http://imi.go.jp/ns/core/rdf#ID型> ; '
                     f'<http://imi.go.jp/ns/core/rdf#体系> "法人番号" ; <http://imi.go.jp/ns/core/rdf#識別値> "{n}" .')
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.TURTLE)
    results = ShaclEngine(shapes.load([])).validate(store)
    flagged = {r.value.value for r in results if r.check.constraint is not None}
    assert flagged == {c for c in codes if not lgcode_valid(c)} | {n for n in numbers if not houjin_valid(n)}
    assert any(lgcode_valid(c) for c in codes) and any(houjin_valid(n) for n in numbers)


@pytest.mark.parametrize(("turtle", "expected"), [
    ("ex:s sh:path ex:p .", "<http://example.org/p>"),
    ("ex:s sh:path ( ex:p ex:q ) .", "(<http://example.org/p>/<http://example.org/q>)"),
    ("ex:s sh:path [ sh:inversePath ex:p ] .", "(^<http://example.org/p>)"),
    ("ex:s sh:path [ sh:alternativePath ( ex:p ex:q ) ] .", "(<http://example.org/p>|<http://example.org/q>)"),
    ("ex:s sh:path [ sh:zeroOrMorePath ex:p ] .", "(<http://example.org/p>*)"),
])
def test_paths_become_sparql_property_paths(turtle, expected):
    g = Graph().parse(data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . "
                      + turtle, format="turtle")
    assert sparql_path(g, next(g.objects(None, SH.path))) == expected


def test_unsupported_features_are_refused_not_ignored():
    g = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ;
        sh:qualifiedMinCount 1 ] .""", format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(g)


def test_iris_that_would_break_the_query_are_refused():
    g = Graph()
    shape = URIRef("http://example.org/S")
    g.add((shape, SH.targetNode, URIRef("http://example.org/x")))
    g.add((shape, SH["class"], URIRef("http://example.org/a> } ; DROP ALL ; {")))
    with pytest.raises(Unsupported):
        compile_shapes(g)
