"""The code lists (``vocab/codes/``) served like the extension vocabulary: ``/def/code`` lists them,
``/def/code/<name>`` is one concept scheme (an anchor per concept, every RDF format), and the concept IRIs
``https://w3id.org/itsutsuboshi/code/<name>[/<notation>]``, redirected to a site as ``/code/…``, answer
``303 See Other`` to that document (``#<notation>``). The server reads the bundled Turtle, never the
converters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Blueprint, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from itsutsuboshi.formats import TURTLE
from itsutsuboshi.vocab import codes

from . import render
from .negotiation import EXTENSION_RULE
from .pages import error_page, see_other, serve_bundled

bp = Blueprint("codes", __name__)


@lru_cache(maxsize=64)
def _scheme(name: str) -> tuple[str, dict[str, Any]]:
    """The Turtle of code list ``name`` and what its page shows (read once)."""
    data = codes.path(name).read_text(encoding="utf-8")
    graph = Graph().parse(data=data, format=TURTLE.rdflib)
    scheme = URIRef(codes.scheme_iri(name))

    def text(node, predicate, lang: str) -> str:
        return next((str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal) and o.language == lang), "")

    concepts = []
    for node in graph.subjects(SKOS.inScheme, scheme):
        notation = str(graph.value(node, SKOS.notation))
        related = {p: sorted(str(graph.value(o, SKOS.notation)) for o in graph.objects(node, p))
                   for p in (SKOS.broader, DCTERMS.isReplacedBy)}
        concepts.append({"anchor": notation, "iri": str(node), "ja": text(node, SKOS.prefLabel, "ja"),
                         "en": text(node, SKOS.prefLabel, "en"),
                         "alt": sorted(str(o) for o in graph.objects(node, SKOS.altLabel)),
                         "broader": related[SKOS.broader], "replaced_by": related[DCTERMS.isReplacedBy],
                         "deprecated": (node, OWL.deprecated, Literal(True)) in graph,
                         "note_ja": text(node, SKOS.scopeNote, "ja"), "note_en": text(node, SKOS.scopeNote, "en")})
    order = {c.notation: i for i, c in enumerate(codes.get(name).concepts)}
    concepts.sort(key=lambda c: order.get(str(c["anchor"]), len(order)))
    listing = {"name": name, "iri": str(scheme), "ja": text(scheme, SKOS.prefLabel, "ja"),
               "en": text(scheme, SKOS.prefLabel, "en"), "definition_ja": text(scheme, SKOS.definition, "ja"),
               "definition_en": text(scheme, SKOS.definition, "en"),
               "citation_ja": text(scheme, DCTERMS.bibliographicCitation, "ja"),
               "rights_ja": text(scheme, DCTERMS.rights, "ja"), "rights_en": text(scheme, DCTERMS.rights, "en"),
               "notation_ja": text(scheme, SKOS.editorialNote, "ja"),
               "sources": sorted(str(o) for o in graph.objects(scheme, DCTERMS.source)),
               "licence": str(graph.value(scheme, DCTERMS.license) or ""),
               "property": render.curie(str(graph.value(scheme, URIRef(codes.CODE_PROPERTY)) or "")),
               "concepts": concepts}
    return data, listing


@lru_cache(maxsize=1)
def _all() -> str:
    """Every code list in one Turtle document (the index's RDF)."""
    graph = Graph()
    for name in codes.names():
        graph.parse(data=_scheme(name)[0], format=TURTLE.rdflib)
    return graph.serialize(format=TURTLE.serializer)


@bp.route("/def/code", defaults={"ext": ""})
@bp.route("/def/code" + EXTENSION_RULE)
def index(ext: str):
    schemes = [_scheme(name)[1] for name in codes.names()]
    return serve_bundled("codes.index", _all(), ext, "codes.html", schemes=schemes)


@bp.route("/def/code/<name>", defaults={"ext": ""})
@bp.route("/def/code/<name>" + EXTENSION_RULE)
def scheme(name: str, ext: str):
    if name not in codes.names():
        return error_page(404, f"コードリスト {name} はありません / No code list {name}")
    data, listing = _scheme(name)
    return serve_bundled("codes.scheme", data, ext, "code_list.html", values={"name": name}, name=name,
                         scheme=listing)


@bp.route("/code/<name>")
@bp.route("/code/<name>/<notation>")
def concept(name: str, notation: str = ""):
    """A scheme or concept IRI: ``303 See Other`` to the scheme's document, at the concept's anchor."""
    if name not in codes.names() or (notation and notation not in {c.notation for c in codes.get(name).concepts}):
        return error_page(404, "コードリストにない IRI です / Not in the code lists")
    query = f"?{request.query_string.decode('ascii', 'replace')}" if request.query_string else ""
    return see_other(url_for("codes.scheme", name=name) + query + (f"#{notation}" if notation else ""))
