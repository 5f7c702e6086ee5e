"""The HTML view model: an rdflib graph around one subject turned into nested rows for the templates.

Templates only ever print strings from here with autoescaping on; ``href`` is set only for
http(s) IRIs, so a ``javascript:`` IRI in the data stays plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from itsutsuboshi import vocab

from .describe import context

WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"


@dataclass
class Term:
    """A predicate or class: its IRI, Japanese and English labels and a compact name."""

    iri: str
    ja: str
    en: str
    curie: str
    href: str | None


@dataclass
class Value:
    kind: str  # "iri", "literal" or "node"
    text: str = ""
    href: str | None = None
    label: str = ""
    lang: str = ""
    datatype: str = ""
    node: Node | None = None


@dataclass
class Row:
    predicate: Term
    values: list[Value] = field(default_factory=list)


@dataclass
class Node:
    iri: str
    types: list[Term]
    rows: list[Row]


def safe_href(iri: str) -> str | None:
    """Only http(s) IRIs become links."""
    return iri if iri.lower().startswith(("http://", "https://")) else None


def curie(iri: str) -> str:
    best = ""
    for prefix, ns in context()["@context"].items():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


@lru_cache(maxsize=1)
def vocabulary_labels() -> dict[str, tuple[str, str]]:
    """``{iri: (ja, en)}`` from the bundled IMI core and itsutsuboshi vocabularies (read on first use)."""
    g = Graph()
    for name in ("imi-core.ttl", "itsutsuboshi.ttl"):
        g.parse(data=vocab.path(name).read_text(encoding="utf-8"), format="turtle")
    labels: dict[str, dict[str, str]] = {}
    for s, o in g.subject_objects(RDFS.label):
        if isinstance(s, URIRef) and isinstance(o, Literal):
            labels.setdefault(str(s), {})[o.language or ""] = str(o)
    return {k: (v.get("ja", ""), v.get("en", v.get("", ""))) for k, v in labels.items()}


#: labels of common terms from outside the bundled vocabularies
COMMON_LABELS = {
    "http://www.w3.org/2000/01/rdf-schema#label": ("ラベル", "Label"),
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": ("関連", "See also"),
    "http://purl.org/dc/terms/isPartOf": ("データセット", "Part of"),
    "http://purl.org/dc/terms/title": ("タイトル", "Title"),
    "http://purl.org/dc/terms/publisher": ("公開者", "Publisher"),
    "http://purl.org/dc/terms/source": ("出典", "Source"),
    "http://purl.org/dc/terms/license": ("ライセンス", "License"),
    "http://purl.org/dc/terms/conformsTo": ("準拠", "Conforms to"),
    "http://www.w3.org/ns/prov#wasDerivedFrom": ("元データ", "Derived from"),
    "http://www.w3.org/2002/07/owl#sameAs": ("同一", "Same as"),
    "http://schema.org/name": ("名前", "Name"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#lat": ("緯度", "Latitude"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#long": ("経度", "Longitude"),
    "http://www.opengis.net/ont/geosparql#hasGeometry": ("形状", "Geometry"),
    "http://www.opengis.net/ont/geosparql#asWKT": ("WKT", "WKT"),
}


def term(iri: str) -> Term:
    ja, en = vocabulary_labels().get(iri) or COMMON_LABELS.get(iri, ("", ""))
    return Term(iri, ja, en, curie(iri), safe_href(iri))


def pick_label(graph: Graph, subject) -> str:
    """The Japanese ``rdfs:label`` if any, else any label, else ``""``."""
    labels = [o for o in graph.objects(subject, RDFS.label) if isinstance(o, Literal)]
    for lang in ("ja", None, "en"):
        for o in labels:
            if o.language == lang:
                return str(o)
    return str(labels[0]) if labels else ""


def _sort_key(row: Row) -> tuple[int, str]:
    order = {str(RDFS.label): 0}
    return (order.get(row.predicate.iri, 1), row.predicate.curie)


def build(graph: Graph, subject, *, seen: frozenset = frozenset()) -> Node:
    """The subject and its blank nodes as nested :class:`Node` s (cycles cut)."""
    rows: dict[str, Row] = {}
    types = []
    for p, o in sorted(graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))):
        if p == RDF.type and isinstance(o, URIRef):
            types.append(term(str(o)))
            continue
        row = rows.setdefault(str(p), Row(term(str(p))))
        if isinstance(o, BNode):
            if o in seen:
                continue
            row.values.append(Value("node", node=build(graph, o, seen=seen | {subject})))
        elif isinstance(o, URIRef):
            row.values.append(Value("iri", text=str(o), href=safe_href(str(o)), label=pick_label(graph, o)))
        else:
            row.values.append(Value("literal", text=str(o), lang=o.language or "",
                                    datatype=curie(str(o.datatype)) if o.datatype else ""))
    iri = str(subject) if isinstance(subject, URIRef) else ""
    return Node(iri, types, sorted(rows.values(), key=_sort_key))


def coordinates(graph: Graph, subject) -> tuple[float, float] | None:
    """``(lat, long)`` from ``wgs:lat`` / ``wgs:long`` of the subject, when both are numbers."""
    lat = graph.value(subject, URIRef(WGS + "lat"))
    long = graph.value(subject, URIRef(WGS + "long"))
    try:
        a, b = float(lat), float(long)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return (a, b) if -90 <= a <= 90 and -180 <= b <= 180 else None
