"""The Turtle writer of resource descriptions: any graph round-trips, names are valid, nesting reads well."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from itsutsuboshi.server import turtle
from itsutsuboshi.server.describe import prefixes, to_rdflib

CASES = sorted((Path(__file__).resolve().parent / "cases").glob("*/expected.ttl"))
EX = "http://example.org/"


def triples(data: str) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.TURTLE)]


def round_trip(ts: list[ox.Triple], **kw) -> str:
    text = turtle.serialize(ts, prefixes={**prefixes(), "ex": EX}, **kw).decode("utf-8")
    again = Graph().parse(data=text, format="turtle")  # rdflib reads it
    assert isomorphic(again, to_rdflib(ts)), text
    assert len(triples(text)) == len(ts)  # and Oxigraph does
    return text


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_every_converted_case_round_trips(case):
    round_trip(triples(case.read_text(encoding="utf-8")))


@pytest.mark.parametrize("local, prefixed", [
    ("名称", True), ("料金_基本_", True), ("a.b", True), ("1st", True), ("x-y", True),
    ("trailing.", False), ("①", False), ("a%20b", False), ("a/b", False), ("a#b", False), ("", False),
    ("a:b", False), ("-start", False), ("（全角）", True),
])
def test_local_names_follow_the_turtle_grammar(local, prefixed):
    ts = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + local), ox.Literal("v"))]
    text = round_trip(ts)
    assert (f"\n    ex:{local} " in text) is prefixed


def test_single_use_blank_nodes_nest_and_shared_ones_keep_a_label():
    text = round_trip(triples(f"""
        @prefix ex: <{EX}> .
        ex:r ex:住所 [ ex:表記 "東京都" ; ex:番地 [ ex:値 "1"^^<http://www.w3.org/2001/XMLSchema#integer> ] ] ;
             ex:a _:shared ; ex:b _:shared ; ex:name "名"@ja, "n"@en ; a ex:T .
        _:shared ex:v "x\\"y\\n" .
        _:c1 ex:next _:c2 . _:c2 ex:next _:c1 .
    """), first=EX + "r")
    assert text.index("ex:r\n    a ex:T") > 0
    assert 'ex:住所 [\n        ex:番地 [\n            ex:値 "1"^^xsd:integer\n        ] ;\n        ex:表記 "東京都"' in text
    assert '"1"^^xsd:integer' in text and "@prefix xsd:" in text
    assert text.count("_:b") >= 3  # the shared node is named, the cycle is written out


def test_output_is_deterministic():
    ts = triples(CASES[0].read_text(encoding="utf-8"))
    a = turtle.serialize(ts, prefixes=prefixes())
    assert turtle.serialize(list(reversed(ts)), prefixes=prefixes()) == a
