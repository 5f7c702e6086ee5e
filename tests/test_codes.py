"""The code lists: SKOS concept schemes shipped as data, each with its source, labels and stable notations."""

from __future__ import annotations

import re

import pytest
from rdflib import OWL, RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from itsutsuboshi.converters.concepts import Matcher
from itsutsuboshi.vocab import codes

from .conftest import ROOT

NAMES = codes.names()


def test_the_code_lists_are_bundled():
    assert {"medical_subject", "care_service", "disaster_type", "childcare_facility_type",
            "cultural_property_designation", "cultural_property_type", "fire_water_supply_type",
            "toilet_facility", "barrier_free", "medical_institution_type", "statistical_field"} <= set(NAMES)


def test_the_turtle_is_built_from_the_toml():
    """``scripts/build_codes.py`` has been run after the last change of a code list."""
    for name in NAMES:
        written = (ROOT / "vocab" / "codes" / f"{name}.ttl").read_text(encoding="utf-8")
        assert written == codes.turtle(codes.get(name)), f"run scripts/build_codes.py ({name})"


@pytest.mark.parametrize("name", NAMES)
def test_each_scheme_is_skos_with_its_source_and_licence(name):
    c = codes.get(name)
    g = Graph().parse(data=codes.path(name).read_text(encoding="utf-8"), format="turtle")
    scheme = URIRef(c.iri)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert {o.language for o in g.objects(scheme, SKOS.prefLabel)} == {"ja", "en"}
    assert list(g.objects(scheme, DCTERMS.source)), "a scheme names its legal or official source"
    assert (scheme, DCTERMS.license, None) in g and (scheme, DCTERMS.rights, None) in g
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == len(c.concepts)
    for concept in concepts:
        assert str(concept).startswith(c.iri + "/")
        assert (concept, SKOS.inScheme, scheme) in g
        assert {o.language for o in g.objects(concept, SKOS.prefLabel) if isinstance(o, Literal)} == {"ja", "en"}
        [notation] = g.objects(concept, SKOS.notation)
        assert str(concept) == f"{c.iri}/{notation}"
        for broader in g.objects(concept, SKOS.broader):
            assert (broader, SKOS.narrower, concept) in g
        if (concept, SKOS.broader, None) not in g:
            assert (scheme, SKOS.hasTopConcept, concept) in g
        for successor in g.objects(concept, DCTERMS.isReplacedBy):
            assert (concept, OWL.deprecated, Literal(True)) in g and (successor, RDF.type, SKOS.Concept) in g


@pytest.mark.parametrize("name", NAMES)
def test_no_label_names_two_concepts(name):
    """Labels are compared folded (width, kana, the list's spelling variants); each names one concept."""
    Matcher([codes.get(name)])


def test_labels_of_lists_read_together_do_not_clash():
    """Lists a column reads together (the first that knows a value wins) share no label."""
    for group in (("cultural_property_designation", "cultural_property_type"), ("toilet_facility", "barrier_free")):
        indexes = Matcher(codes.get(n) for n in group).indexes
        assert not set(indexes[0].labels) & set(indexes[1].labels), group


def test_compound_medical_notations_are_made_of_the_official_codes():
    """``01-b006`` is 内科 (診療科名コード 01) with 循環器 (人体の部位等コード 006): the label says the same."""
    c = codes.get("medical_subject")
    for concept in c.concepts:
        base, *parts = concept.notation.split("-")
        if not parts:
            assert re.fullmatch(r"\d\d|D\d\d", base), concept.notation
            continue
        expected = "".join(c.components[p] for p in parts) + c.concept(base).ja
        assert concept.ja == expected, concept.notation
        assert base in concept.broader, concept.notation


def test_a_concept_is_found_by_reference():
    assert codes.reference("disaster_type/flood").ja == "洪水"
    with pytest.raises(KeyError):
        codes.reference("disaster_type/drought")
    with pytest.raises(KeyError):
        codes.reference("flood")


def test_broken_code_lists_are_refused():
    base = {"scheme": "x", "property": "itsu:xCode", "concepts": [{"notation": "a", "ja": "甲", "en": "A"}]}
    assert codes.parse(base, source="x.toml").concept("a").en == "A"
    for broken in ({**base, "unknown": 1},
                   {**base, "concepts": [{"notation": "a b", "ja": "甲", "en": "A"}]},
                   {**base, "concepts": [{"notation": "a", "ja": "甲"}]},
                   {**base, "concepts": [{"notation": "a", "ja": "甲", "en": "A", "broader": ["z"]}]},
                   {**base, "concepts": base["concepts"] * 2},
                   {**base, "property": "nope"}):
        with pytest.raises(codes.CodeListError):
            codes.parse(broken, source="x.toml")
    with pytest.raises(codes.CodeListError):
        codes.parse(base, source="y.toml")  # the scheme is named after its file
