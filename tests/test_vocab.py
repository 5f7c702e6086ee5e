"""The vocabulary covers every term we write, with Japanese and English labels, and IMI ranges are respected."""

from __future__ import annotations

import json
import unicodedata

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from itsutsuboshi import vocab
from itsutsuboshi.converters import mapping
from itsutsuboshi.vocab.namespaces import IC, ITSU, PREFIXES

from .test_golden import CASE_DIRS, convert_case


@pytest.fixture(scope="module")
def imi() -> Graph:
    return Graph().parse(str(vocab.path("imi-core.ttl")), format="turtle")


@pytest.fixture(scope="module")
def ext() -> Graph:
    return Graph().parse(str(vocab.path("itsutsuboshi.ttl")), format="turtle")


def written_terms() -> set[str]:
    """Classes and properties in the output of every golden case, plus every term a mapping names."""
    terms: set[str] = set()
    for m in mapping.bundled().values():
        terms |= m.terms()
    for case in CASE_DIRS:
        graph = Graph().parse(data=convert_case(case)[0], format="turtle")
        terms |= {str(p) for p in graph.predicates()} | {str(o) for o in graph.objects(None, RDF.type)}
    return terms


TERMS = sorted(written_terms())


def test_every_imi_term_is_in_the_bundled_imi_vocabulary(imi):
    missing = [t for t in TERMS if t.startswith(IC) and (URIRef(t), None, None) not in imi]
    assert not missing


def test_every_extension_term_is_declared_with_labels_and_comments(ext):
    for term in (t for t in TERMS if t.startswith(ITSU)):
        node = URIRef(term)
        assert (node, RDF.type, None) in ext, term
        for predicate in (RDFS.label, RDFS.comment):
            langs = {o.language for o in ext.objects(node, predicate) if isinstance(o, Literal)}
            assert {"ja", "en"} <= langs, (term, predicate)


def test_every_dataset_kind_is_defined(ext):
    """The ``dcterms:conformsTo`` value of every dataset dereferences to a described standard."""
    from itsutsuboshi.converters import mapping

    for name, m in mapping.bundled().items():
        node = URIRef(f"{ITSU}dataset/{name}")
        assert (node, RDF.type, URIRef("http://purl.org/dc/terms/Standard")) in ext, name
        assert {str(o) for o in ext.objects(node, RDFS.label)} >= {m.title_ja, m.title_en}


def test_extension_terms_are_defined_by_the_ontology(ext):
    ontology = URIRef(ITSU.rstrip("#"))
    assert (ontology, RDF.type, OWL.Ontology) in ext
    for s in set(ext.subjects(RDF.type, None)):
        if str(s).startswith(ITSU):
            assert (s, RDFS.isDefinedBy, ontology) in ext, s


@pytest.mark.parametrize("graph_name", ["imi", "ext"])
def test_term_names_survive_nfkc(graph_name, request):
    graph = request.getfixturevalue(graph_name)
    for s in set(graph.subjects()):
        if isinstance(s, URIRef):
            assert unicodedata.normalize("NFKC", str(s)) == str(s), s


def test_path_classes_fit_imi_ranges(imi):
    """A typed hop ``ic:住所@ic:住所型`` must use the IMI range of the property or one of its subclasses."""

    def ancestors(cls: URIRef) -> set[URIRef]:
        seen = {cls}
        frontier = [cls]
        while frontier:
            for parent in imi.objects(frontier.pop(), RDFS.subClassOf):
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        return seen

    problems = []
    for m in mapping.bundled().values():
        for column in m.columns:
            for target in column.targets:
                for step in target.steps:
                    if not (step.predicate.startswith(IC) and step.cls and step.cls.startswith(IC)):
                        continue
                    ranges = set(imi.objects(URIRef(step.predicate), RDFS.range))
                    if ranges and not ranges & ancestors(URIRef(step.cls)):
                        problems.append((m.dataset, column.name, step.predicate, step.cls, ranges))
    assert not problems


def test_jsonld_context_has_every_prefix():
    context = json.loads(vocab.path("context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert context == PREFIXES
