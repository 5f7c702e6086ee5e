"""Compacted JSON-LD (:mod:`itsutsuboshi.jsonld`): the same graph as written, read back by two processors."""

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from itsutsuboshi.jsonld import compact

PREFIXES = {"dcat": "http://www.w3.org/ns/dcat#", "ex": "http://example.org/", "odd": "http://example.org/odd"}
CASES = {
    "plain and tagged": '<http://example.org/a> <http://example.org/name> "名前" , "name"@en , "名前"@ja .',
    "typed": '<http://example.org/a> <http://example.org/size> "12"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .',
    "types": '<http://example.org/a> a <http://www.w3.org/ns/dcat#Dataset> , <http://example.org/Kind> .',
    "blank nodes": '<http://example.org/a> <http://example.org/p> _:b1 . _:b1 <http://example.org/q> _:b2 . '
                   '_:b2 a <http://example.org/K> .',
    "not under a prefix": '<http://other.example/a> <http://other.example/p> <http://example.org/> .',
    "local part like a path": '<http://example.org//x> <http://example.org//p> "v" .',
    "one value, many values": '<http://example.org/a> <http://example.org/p> <http://example.org/b> , '
                              '<http://example.org/c> ; <http://example.org/q> "1" .',
    "a blank node typed by a blank node": '_:x a _:y .',
}


def _canonical(data: bytes, fmt: ox.RdfFormat) -> set:
    dataset = ox.Dataset(ox.parse(data, format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


@pytest.mark.parametrize("turtle", CASES.values(), ids=CASES.keys())
def test_compacted_json_ld_holds_the_same_graph(turtle):
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    written = compact(triples, PREFIXES)
    assert _canonical(written, ox.RdfFormat.JSON_LD) == _canonical(turtle.encode(), ox.RdfFormat.TURTLE)
    assert isomorphic(Graph().parse(data=written, format="json-ld"), Graph().parse(data=turtle, format="turtle"))


def test_names_are_compacted_with_the_longest_prefix_and_only_true_prefixes():
    triples = ox.parse(b'<http://example.org/a> a <http://www.w3.org/ns/dcat#Dataset> ; '
                       b'<http://example.org/oddity> "x" ; <http://example.org/p> <http://example.org/b> .',
                       format=ox.RdfFormat.TURTLE)
    node = json.loads(compact(triples, {**PREFIXES, "dc": "http://www.w3.org/ns/"}))["@graph"][0]
    assert node == {"@id": "http://example.org/a", "@type": "dcat:Dataset", "ex:oddity": "x",
                    "ex:p": {"@id": "http://example.org/b"}}  # "odd" ends with no delimiter: not a prefix
