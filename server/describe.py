"""Describing a resource: safe IRIs, the one CONSTRUCT, base rewriting and serialisation.

No Flask here. Every IRI is checked by :func:`checked_iri` before it enters SPARQL text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from urllib.parse import quote

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDFS

from itsutsuboshi import vocab

DEPTH = 6  # nested blank nodes followed (住所型 → 都道府県 …; 連絡先型 → 電話番号 …)
_BAD_IRI = re.compile(r"[<>\"{}|^`\\\x00-\x20\x7f]")
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
DCTERMS_IS_PART_OF = "http://purl.org/dc/terms/isPartOf"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"


class BadIri(ValueError):
    """Text that must not become an IRI in a query (400)."""


def checked_iri(iri: str) -> str:
    """``iri`` when it is an absolute http(s) IRI safe to put between ``<`` ``>``; else :class:`BadIri`."""
    if not iri.startswith(("http://", "https://")) or _BAD_IRI.search(iri):
        raise BadIri(iri)
    return iri


def path_to_iri(base: str, path: str) -> str:
    """The IRI ``{base}id/{path}`` for a decoded URL path; dot segments and unsafe text raise :class:`BadIri`."""
    segments = path.split("/")
    if not path or any(s in ("", ".", "..") for s in segments) or _BAD_IRI.search(path):
        raise BadIri(path)
    # the converter percent-encodes IDs as path segments (non-ASCII too), so encode the decoded path alike
    encoded = "/".join(quote(s, safe=_SEGMENT_SAFE) for s in segments)
    return checked_iri(f"{base}id/{encoded}")


def describe_query(iri: str) -> str:
    """One CONSTRUCT: the triples of ``iri``, its blank nodes to :data:`DEPTH` levels, and the
    ``rdfs:label`` of every IRI reached."""
    s = f"<{checked_iri(iri)}>"
    label = f"<{RDFS.label}>"
    template, branches = [], []
    for depth in range(DEPTH):
        chain = [f"{s} ?p0 ?o0 ."]
        for k in range(1, depth + 1):
            chain.append(f"FILTER(isBlank(?o{k - 1})) ?o{k - 1} ?p{k} ?o{k} .")
        subject = s if depth == 0 else f"?o{depth - 1}"
        template.append(f"{subject} ?p{depth} ?o{depth} . ?o{depth} {label} ?l{depth} .")
        branches.append("{ " + " ".join(chain) + " }")
        branches.append("{ " + " ".join(chain) + f" FILTER(isIRI(?o{depth})) ?o{depth} {label} ?l{depth} . }}")
    return "CONSTRUCT { " + " ".join(template) + " } WHERE { " + " UNION ".join(branches) + " }"


def members_query(dataset_iri: str, *, limit: int, offset: int) -> str:
    """The records of a dataset (``dcterms:isPartOf``) with their labels, one page."""
    d = f"<{checked_iri(dataset_iri)}>"
    return (f"SELECT ?r (SAMPLE(?l) AS ?label) WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} . "
            f"OPTIONAL {{ ?r <{RDFS.label}> ?l }} }} GROUP BY ?r ORDER BY ?r LIMIT {int(limit)} OFFSET {int(offset)}")


def count_query(dataset_iri: str) -> str:
    d = f"<{checked_iri(dataset_iri)}>"
    return f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} }}"


DATASETS_QUERY = (
    f"SELECT ?d (SAMPLE(?t) AS ?title) (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?d a <{DCAT_DATASET}> . "
    f"OPTIONAL {{ ?d <http://purl.org/dc/terms/title> ?t FILTER(langMatches(lang(?t), 'ja')) }} "
    f"OPTIONAL {{ ?r <{DCTERMS_IS_PART_OF}> ?d }} }} GROUP BY ?d ORDER BY ?d"
)


def bindings(body: bytes) -> list[dict[str, str]]:
    """SPARQL JSON results as a list of ``{variable: value}``."""
    data = json.loads(body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def parse_nt(body: bytes) -> Graph:
    g = Graph()
    if body.strip():
        g.parse(data=body.decode("utf-8"), format="nt")
    return g


def rewrite(graph: Graph, old: str, new: str) -> Graph:
    """A copy of ``graph`` with IRIs (and ``xsd:anyURI`` literals) under ``old`` moved under ``new``."""
    if not new or new == old:
        return graph

    def move(term):
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old):])
        return term

    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


@lru_cache(maxsize=1)
def context() -> dict:
    """The bundled JSON-LD context (``vocab/context.jsonld``)."""
    return json.loads(vocab.path("context.jsonld").read_text(encoding="utf-8"))


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, ns in context()["@context"].items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def serialize(graph: Graph, name: str) -> bytes:
    """``graph`` in the format ``name`` (turtle, nt, jsonld, rdfxml)."""
    bind_prefixes(graph)
    if name == "jsonld":
        return graph.serialize(format="json-ld", context=context()["@context"], indent=2).encode("utf-8")
    rdflib_name = {"turtle": "turtle", "nt": "nt11", "rdfxml": "pretty-xml"}[name]
    out = graph.serialize(format=rdflib_name)
    return out.encode("utf-8") if isinstance(out, str) else out


def is_blank(term) -> bool:
    return isinstance(term, BNode)
