"""Describing a resource: safe IRIs, the dataset queries, the public base and serialisation.

No Flask here. Every IRI is checked by :func:`checked_iri` before it enters SPARQL text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from itsutsuboshi import formats, vocab
from itsutsuboshi.formats import JSONLD, NTRIPLES, TURTLE
from itsutsuboshi.iris import ID, IriBuilder

from . import turtle
from .turtle import XSD_STRING

_BAD_IRI = re.compile(r"[<>\"{}|^`\\\x00-\x20\x7f]")
DCTERMS_IS_PART_OF = "http://purl.org/dc/terms/isPartOf"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
PROV_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
#: a source file (CSV) and the property naming the named graph that holds its records
SOURCE_FILE = "https://w3id.org/itsutsuboshi/ns#SourceFile"
ITSU_GRAPH = "https://w3id.org/itsutsuboshi/ns#graph"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
#: how a boolean reads in a store's answer (Virtuoso gives ``1`` / ``0``)
TRUE_TEXTS = ("true", "1")


def row_number(row: str, into: str) -> str:
    """A SPARQL ``BIND`` of the row number N of the source row ``?row`` (``…#row=N``) to ``?into``."""
    return f'BIND(<{XSD_INTEGER}>(STRAFTER(STR(?{row}), "#row=")) AS ?{into})'


class BadIri(ValueError):
    """Text that must not become an IRI in a query (400)."""


def checked_iri(iri: str) -> str:
    """``iri`` when it is an absolute http(s) IRI safe to put between ``<`` ``>``; else :class:`BadIri`."""
    if not iri.startswith(("http://", "https://")) or _BAD_IRI.search(iri):
        raise BadIri(iri)
    return iri


def path_to_iri(iris: IriBuilder, path: str | list[str], *, space: str = ID, unicode: bool = False) -> str:
    """The IRI ``{base}{space}/{path}`` for a decoded URL path (or its decoded segments, where a segment
    may hold a ``/`` that was ``%2F``), as :meth:`IriBuilder.from_path` encodes it; dot segments and unsafe
    text raise :class:`BadIri`. With ``unicode``, characters from U+00A0 up stay as they are (the IRI form
    of custom column properties)."""
    segments = path.split("/") if isinstance(path, str) else path
    try:  # each decoded segment is percent-encoded again, so only control characters and dot segments are refused
        return checked_iri(iris.from_path(space, segments, unicode=unicode))
    except ValueError:
        raise BadIri("/".join(segments)) from None


def members_query(dataset_iri: str, *, limit: int, offset: int) -> str:
    """The records of a dataset (``dcterms:isPartOf``) with their labels, one page."""
    d = f"<{checked_iri(dataset_iri)}>"
    return (f"SELECT ?r (SAMPLE(?l) AS ?label) WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} . "
            f"OPTIONAL {{ ?r <{RDFS.label}> ?l }} }} GROUP BY ?r ORDER BY ?r LIMIT {int(limit)} OFFSET {int(offset)}")


def count_query(dataset_iri: str) -> str:
    d = f"<{checked_iri(dataset_iri)}>"
    return f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} }}"


def derived_query(graph: str, *, limit: int, offset: int) -> str:
    """The records of a source file (the subjects with ``prov:wasDerivedFrom`` in its graph), one page, in the
    order of their CSV rows (``?at``, the first row number of ``…#row=N``)."""
    g = f"<{checked_iri(graph)}>"
    return (f"SELECT ?r ?row ?label ?at WHERE {{ {{ SELECT ?r (SAMPLE(?d) AS ?row) (SAMPLE(?l) AS ?label) "
            f"(MIN(?n) AS ?at) WHERE {{ GRAPH {g} {{ ?r <{PROV_DERIVED_FROM}> ?d FILTER(isIRI(?r) && isIRI(?d)) "
            f"{row_number('d', 'n')} OPTIONAL {{ ?r <{RDFS.label}> ?l }} }} }} "
            f"GROUP BY ?r }} }} ORDER BY ?at ?r LIMIT {int(limit)} OFFSET {int(offset)}")


def derived_count_query(graph: str) -> str:
    g = f"<{checked_iri(graph)}>"
    return (f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH {g} {{ ?r <{PROV_DERIVED_FROM}> ?d "
            f"FILTER(isIRI(?r) && isIRI(?d)) }} }}")


def graph_sources_query(graph: str) -> str:
    """The source files whose records are in ``graph`` (``itsu:graph``)."""
    return f"SELECT ?s WHERE {{ ?s <{ITSU_GRAPH}> <{checked_iri(graph)}> FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 1"


def bindings(body: bytes) -> list[dict[str, str]]:
    """SPARQL JSON results as a list of ``{variable: value}``."""
    data = json.loads(body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def rewrite(triples: list[ox.Triple], iris: IriBuilder) -> list[ox.Triple]:
    """``triples`` with IRIs under the data's base moved under the public base (:meth:`IriBuilder.shown`)."""
    if iris.public == iris.base:
        return triples

    def move(term):
        if isinstance(term, ox.NamedNode):
            value = term.value
            shown = iris.shown(value)
            return term if shown is value else ox.NamedNode(shown)
        return term

    return [ox.Triple(move(t.subject), t.predicate, move(t.object)) for t in triples]


@lru_cache(maxsize=1)
def context() -> dict:
    """The bundled JSON-LD context (``vocab/context.jsonld``)."""
    return json.loads(vocab.path("context.jsonld").read_text(encoding="utf-8"))


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, ns in prefixes().items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


@lru_cache(maxsize=1)
def prefixes() -> dict[str, str]:
    """``{prefix: namespace}`` of the bundled JSON-LD context."""
    return {k: v for k, v in context()["@context"].items() if isinstance(v, str)}


def serialize(triples: list[ox.Triple], name: str, *, first: str | None = None) -> bytes:
    """``triples`` in the format ``name`` (:func:`itsutsuboshi.formats.get`), deterministic: Turtle by
    :mod:`.turtle` (leading with ``first``), N-Triples sorted, JSON-LD compacted with the bundled context,
    any other format by pyoxigraph with the context's prefixes."""
    fmt = formats.get(name)
    if fmt is TURTLE:
        return turtle.serialize(triples, prefixes=prefixes(), first=first)
    if fmt is NTRIPLES:
        return b"".join(sorted(f"{t} .\n".encode() for t in triples))
    if fmt is JSONLD:
        graph = bind_prefixes(to_rdflib(triples))
        return graph.serialize(format=JSONLD.serializer, context=context()["@context"], indent=2).encode("utf-8")
    return ox.serialize(triples, format=fmt.ox, prefixes=prefixes()) or b""


def to_rdflib(triples: list[ox.Triple]) -> Graph:
    """An rdflib graph of ``triples`` (for JSON-LD compaction)."""
    graph = Graph()
    for t in triples:
        graph.add((_rdflib_term(t.subject), URIRef(t.predicate.value), _rdflib_term(t.object)))
    return graph


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
