"""Docs are part of the product: every dataset, command, option, issue code and normaliser is documented."""

from __future__ import annotations

import re

import pytest

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters import mapping
from itsutsuboshi.converters.issues import CATALOGUE
from itsutsuboshi.converters.normalize import NORMALIZERS

from .conftest import ROOT

DOCS = ROOT / "docs"


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_dataset_and_header_column_is_documented():
    text = read("datasets.md")
    for m in mapping.bundled().values():
        assert f"`{m.dataset}`" in text, m.dataset
        for header in m.headers.values():
            for column in header:
                assert column in text, (m.dataset, column)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_and_option_is_documented(command):
    text = read("cli.md")
    assert f"`itsutsuboshi {command}`" in text
    for param in main.commands[command].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert f"`{opt}" in text or f"`{opt.split('/')[0]}" in text, (command, opt)


def test_every_issue_code_is_documented():
    text = read("issues.md")
    for code in CATALOGUE:
        assert f"`{code}`" in text


def test_every_normaliser_is_documented():
    text = read("mappings.md")
    for name in NORMALIZERS:
        assert re.search(rf"`{name}`", text), name


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_links_resolve():
    for doc in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), (doc.name, target)


def test_every_extension_term_is_documented():
    from rdflib import RDF, Graph

    from itsutsuboshi import vocab
    from itsutsuboshi.vocab.namespaces import ITSU

    text = read("vocabulary.md")
    graph = Graph().parse(str(vocab.path("itsutsuboshi.ttl")), format="turtle")
    for term in {s for s in graph.subjects(RDF.type, None) if str(s).startswith(ITSU)}:
        assert f"`itsu:{str(term)[len(ITSU):]}`" in text, term


def test_every_shape_is_documented():
    from rdflib.namespace import RDF, SH

    from itsutsuboshi import shapes

    text = read("shapes.md")
    g = shapes.load()
    inside_property_shapes = {c for s in g.subjects(RDF.type, SH.PropertyShape) for c in g.objects(s, SH.sparql)}
    for kind in (SH.PropertyShape, SH.SPARQLConstraint):
        for node in set(g.subjects(RDF.type, kind)) - inside_property_shapes:
            assert f"`{str(node).rsplit('#', 1)[-1]}`" in text, node
