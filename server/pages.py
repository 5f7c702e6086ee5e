"""Linked Data pages: ``/id/…`` → 303 → ``/doc/…`` with content negotiation, source files (``/source/…``),
terms (``/def/…``), named graphs (``/graph/…``), home, vocabulary, shapes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from werkzeug.wrappers import Response as BaseResponse

from itsutsuboshi import shapes, vocab
from itsutsuboshi.formats import TURTLE
from itsutsuboshi.iris import DEF, DOC, GRAPH, ID, SOURCE, local_path
from itsutsuboshi.server.dumps import graph_bytes

from . import describe, negotiation, portal, render, summary
from .describe import BadIri
from .negotiation import EXTENSION_RULE, HTML, OFFERS, Offer
from .state import site_state

bp = Blueprint("pages", __name__)
PAGE_SIZE = 100
ITSU = "https://w3id.org/itsutsuboshi/ns#"
_TYPE = ox.NamedNode(str(RDF.type))
_DATASET = ox.NamedNode(describe.DCAT_DATASET)
_IS_PART_OF = ox.NamedNode(describe.DCTERMS_IS_PART_OF)
_DERIVED_FROM = ox.NamedNode(describe.PROV_DERIVED_FROM)
_GRAPH = ox.NamedNode(describe.ITSU_GRAPH)
#: what a named graph is offered as when no page describes it
RDF_OFFERS = tuple(o for o in OFFERS if o is not HTML)


def error_page(status: int, message: str, headers: dict[str, str] | None = None) -> BaseResponse:
    body = render_template("error.html", status=status, message=message)
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(headers or {})
    return response


def not_acceptable(offers: tuple[Offer, ...] = OFFERS) -> BaseResponse:
    listing = "\n".join(f"{o.media_type} ({o.extension}, ?format={o.name})" for o in offers)
    response = Response("406 Not Acceptable. Available / 利用できる形式:\n" + listing + "\n", status=406,
                        mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(f'<?format={o.name}>; rel="alternate"; type="{o.media_type}"'
                                         for o in offers)
    return response


def respond(body: str | bytes, offer: Offer, location: str, *, offers: tuple[Offer, ...] = OFFERS) -> BaseResponse:
    """A negotiated answer: ``location`` is the document URL without extension."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    mimetype = offer.media_type + ("; charset=utf-8" if offer.media_type.startswith("text/") else "")
    response = Response(data, status=200, content_type=mimetype)
    page = request.args.get("page", "")
    keep = f"?page={int(page)}" if page.isdigit() else ""
    response.headers["Vary"] = "Accept"
    response.headers["Content-Location"] = location + offer.extension + keep
    response.headers["Link"] = ", ".join(f'<{location}{o.extension}{keep}>; rel="alternate"; type="{o.media_type}"'
                                         for o in offers if o is not offer)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.last_modified = current_app.config["LAST_MODIFIED"]
    return response.make_conditional(request)


def negotiate(extension: Offer | None, offers: tuple[Offer, ...] = OFFERS) -> Offer | None:
    return negotiation.choose(extension, request.args.get("format"), request.headers.get("Accept"), offers)


@bp.route("/")
def home():
    """The portal's home page (:mod:`.portal`): datasets by publisher or kind, the map, facets, search."""
    return portal.home_page()


def _segments(route: str, path: str) -> list[str]:
    """The decoded segments of the URL path after ``/{route}/``, keeping a ``%2F`` inside a segment:
    WSGI servers decode PATH_INFO, so the raw request URI is read when the server gives it."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        raw_path = urlsplit(raw).path
        at = raw_path.find(f"/{route}/")
        if at >= 0:
            segments = [unquote(s) for s in raw_path[at + len(route) + 2:].split("/")]
            if "/".join(segments) == path:
                return segments
    return path.split("/")


def _split(segments: list[str]) -> tuple[list[str], Offer | None]:
    """Segments without the extension of the last one, and the offer that extension names."""
    last, extension = negotiation.split_extension(segments[-1])
    return segments[:-1] + [last], extension


def _url(route: str, segments: list[str]) -> str:
    """The URL ``/{route}/…`` of decoded segments, each percent-encoded again."""
    return f"{request.script_root}/{local_path(route, segments)}"


def _bad_iri() -> BaseResponse:
    return error_page(400, "不正な IRI です / Not an acceptable IRI")


def see_other(target: str) -> BaseResponse:
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route(f"/{ID}/<path:path>")
def identify(path: str):
    """The thing itself has no representation: 303 See Other to its document."""
    segments = _segments(ID, path)
    stem, extension = _split(segments)
    try:
        describe.path_to_iri(site_state().iris, stem)
    except BadIri:
        return _bad_iri()
    query = request.query_string.decode("ascii", "replace")
    target = _url(DOC, stem) + (extension.extension if extension else "")
    return see_other(target + (f"?{query}" if query else ""))


@bp.route(f"/{DOC}/<path:path>")
def document(path: str):
    """The document of ``{BASE}id/{path}``."""
    return _document(DOC, ID, path)


@bp.route(f"/{SOURCE}/<path:path>")
def source(path: str):
    """A source file, ``{BASE}source/{path}``: an information resource itself, so answered without a 303."""
    return _document(SOURCE, SOURCE, path)


@bp.route(f"/{DEF}/<path:path>")
def definition(path: str):
    """A term of the site, ``{BASE}def/{path}`` (a custom column property)."""
    return _document(DEF, DEF, path)


def _document(route: str, space: str, path: str) -> BaseResponse:
    """The negotiated (and cached) description of ``{BASE}{space}/{path}``, served at ``/{route}/{path}``.
    A term under ``def/`` is looked up percent-encoded, then with its characters as they are (IRI form)."""
    stem, extension = _split(_segments(route, path))
    state = site_state()
    forms = (False, True) if space == DEF else (False,)
    try:
        iris = list(dict.fromkeys(describe.path_to_iri(state.iris, stem, space=space, unicode=u) for u in forms))
    except BadIri:
        return _bad_iri()
    offer = negotiate(extension)
    if offer is None:
        return not_acceptable()
    location = _url(route, stem)
    cache = state.cache
    for iri in iris:
        key = (iri, offer.name, request.args.get("page", ""))
        body = cache.get(key)
        if body is None:
            body = _render(iri, offer, location)
            if body is None:
                continue
            cache.put(key, body)
        return respond(body, offer, location)
    return error_page(404, "見つかりません / Not found")


def _render(iri: str, offer: Offer, location: str) -> bytes | None:
    """The document of ``iri`` in ``offer`` (``None`` when the store knows nothing of it). A dataset lists
    its records (``dcterms:isPartOf``); a source file, the records derived from it (in its ``itsu:graph``)."""
    state = site_state()
    triples = state.store.describe(iri)
    subject = ox.NamedNode(iri)
    if not any(t.subject == subject for t in triples):
        return None
    members = None
    is_dataset = any(t.subject == subject and t.predicate == _TYPE and t.object == _DATASET for t in triples)
    if is_dataset:
        members = _members(describe.count_query(iri),
                           lambda offset: describe.members_query(iri, limit=PAGE_SIZE, offset=offset),
                           lambda row: ox.Triple(ox.NamedNode(row["r"]), _IS_PART_OF, subject), triples)
    elif (graph := _source_graph(triples, subject)) is not None:
        members = _members(describe.derived_count_query(graph),
                           lambda offset: describe.derived_query(graph, limit=PAGE_SIZE, offset=offset),
                           lambda row: ox.Triple(ox.NamedNode(row["r"]), _DERIVED_FROM, ox.NamedNode(row["row"])),
                           triples)
    extra: dict[str, Any] = {}
    if offer is HTML:  # what dataset and record pages add (summary, provenance, downloads), read before rewriting
        if is_dataset and not any(t.subject == subject and t.predicate == _IS_PART_OF for t in triples):
            extra["dataset"] = summary.dataset_view(state.store, state.iris, iri)  # a record may be a dataset too
        else:
            extra["provenance"] = summary.record_provenance(state.store, state.iris, iri, render.index(triples),
                                                            page_size=PAGE_SIZE, facts=state.facts)
    raw, triples = triples, describe.rewrite(triples, state.iris)
    shown_iri = state.iris.shown(iri)
    if offer is HTML:
        index, subject = render.index(triples), ox.NamedNode(shown_iri)
        node = render.build(index, subject)
        summary.relabel(node, summary.missing_labels(state.store, state.iris, node, raw, facts=state.facts), state.iris)
        return render_template("resource.html", node=node,
                               label=render.pick_label(index, subject), coordinates=render.coordinates(index, subject),
                               members=members, offers=OFFERS, location=location, **extra).encode("utf-8")
    return describe.serialize(triples, offer.name, first=shown_iri)


def _source_graph(triples: list[ox.Triple], subject: ox.NamedNode) -> str | None:
    """The named graph of a source file's records (``itsu:graph``), when it is a safe http(s) IRI."""
    for graph in sorted(t.object.value for t in triples
                        if t.subject == subject and t.predicate == _GRAPH and isinstance(t.object, ox.NamedNode)):
        try:
            return describe.checked_iri(graph)
        except BadIri:
            continue
    return None


def _members(count: str, select: Callable[[int], str], link: Callable[[dict[str, str]], ox.Triple],
             triples: list[ox.Triple]) -> dict[str, Any]:
    """One page of records: ``count`` counts them and ``select(offset)`` lists a page (``?r``, ``?label``);
    the triple ``link(row)`` of each record listed is added to ``triples``."""
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    state = site_state()
    body, _ = state.store.query(count, results="json")
    total = int(describe.bindings(body)[0].get("n", "0"))
    body, _ = state.store.query(select((page - 1) * PAGE_SIZE), results="json")
    records = []
    for row in describe.bindings(body):
        triples.append(link(row))
        iri = state.iris.shown(row["r"])
        records.append({"iri": iri, "href": render.safe_href(iri), "label": row.get("label", ""),
                        "at": int(row["at"]) if row.get("at", "").isdigit() else None})  # a source file's CSV row
    pages = max(1, -(-total // PAGE_SIZE))
    return {"records": records, "total": total, "page": page, "pages": pages}


# --- named graphs: SPARQL 1.1 Graph Store Protocol, direct graph identification (read only) ---------


@bp.route(f"/{GRAPH}/<path:path>")
def named_graph(path: str):
    """The content of the named graph ``{BASE}graph/{path}`` in an RDF format; HTML is a 303 to the page
    about the graph (its source file's, or the catalogue's), and not offered when there is none."""
    stem, extension = _split(_segments(GRAPH, path))
    state = site_state()
    try:
        iri = describe.path_to_iri(state.iris, stem, space=GRAPH)
    except BadIri:
        return _bad_iri()
    if iri not in state.store.graphs():
        return error_page(404, "見つかりません / Not found")
    page = _graph_page(iri)
    offers = OFFERS if page else RDF_OFFERS
    offer = negotiate(extension, offers)
    if offer is None:
        return not_acceptable(offers)
    if offer is HTML and page is not None:  # HTML is offered only where there is a page
        return see_other(page)
    body = graph_bytes(state.store, iri, format=offer.name, base=state.iris.base, public=state.iris.public)
    return respond(body, offer, _url(GRAPH, stem), offers=offers)


def _graph_page(graph: str) -> str | None:
    """The URL of the page about ``graph``: the catalogue's, or that of the source file kept in it."""
    iris = site_state().iris
    if graph == iris.catalogue_graph():
        return f"{request.script_root}/{iris.document_path(iris.catalogue())}"
    body, _ = site_state().store.query(describe.graph_sources_query(graph), results="json")
    for row in describe.bindings(body):
        if (parts := iris.parse(row["s"])) is not None and parts.kind == "source":
            return f"{request.script_root}/{iris.document_path(row['s'])}"
    return None


# --- vocabulary and shapes -------------------------------------------------------------------


@lru_cache(maxsize=16)
def bundled_document(data: str, name: str) -> bytes:
    """A bundled Turtle file (vocabulary, shapes) in the format ``name``."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=TURTLE.ox)]
    return describe.serialize(triples, name)


def serve_bundled(endpoint: str, data: str, ext: str, template: str, *, values: dict[str, Any] | None = None,
                  **context: Any):
    """A bundled Turtle document (vocabulary, shapes, code lists) as its page or in any RDF format, negotiated
    from the extension ``ext`` and the request; ``values`` are the URL values of ``endpoint``."""
    offer = negotiate(negotiation.EXTENSIONS.get(ext))
    if offer is None:
        return not_acceptable()
    location = url_for(endpoint, **(values or {}))
    if offer is HTML:
        return respond(render_template(template, **context), offer, location)
    if offer is TURTLE:
        return respond(data, offer, location)
    return respond(bundled_document(data, offer.name), offer, location)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, list[dict[str, Any]]]:
    """The bundled extension vocabulary (Turtle) and its terms for the page (read once)."""
    data = vocab.path("itsutsuboshi.ttl").read_text(encoding="utf-8")
    graph = Graph().parse(data=data, format=TURTLE.rdflib)
    terms = []
    for s in sorted({s for s in graph.subjects(RDF.type, None) if str(s).startswith(ITSU)}, key=str):
        local = str(s)[len(ITSU):]
        kinds = [render.curie(str(o)) for o in graph.objects(s, RDF.type)]
        labels = {getattr(o, "language", None): str(o) for o in graph.objects(s, RDFS.label)}
        comments = {getattr(o, "language", None): str(o) for o in graph.objects(s, RDFS.comment)}
        terms.append({"anchor": local, "iri": str(s), "kinds": kinds, "ja": labels.get("ja", ""),
                      "en": labels.get("en", ""), "comment_ja": comments.get("ja", ""),
                      "comment_en": comments.get("en", "")})
    return data, terms


@bp.route("/def/itsutsuboshi", defaults={"ext": ""})
@bp.route("/def/itsutsuboshi" + EXTENSION_RULE)
def vocabulary(ext: str):
    data, terms = _vocabulary()
    return serve_bundled("pages.vocabulary", data, ext, "vocabulary.html", terms=terms)


@bp.route("/ns")
def namespace():
    return redirect(url_for("pages.vocabulary"), code=303)


@bp.route("/shapes", defaults={"ext": ""})
@bp.route("/shapes" + EXTENSION_RULE)
def shapes_page(ext: str):
    data, listing = _shapes()
    return serve_bundled("pages.shapes_page", data, ext, "shapes.html", shapes=listing)


@lru_cache(maxsize=1)
def _shapes() -> tuple[str, list[dict[str, Any]]]:
    """The bundled shapes (Turtle) and their listing for the page (read once)."""
    graph = describe.bind_prefixes(shapes.load())
    data = graph.serialize(format=TURTLE.serializer)
    listing = []
    for s in sorted(graph.subjects(RDF.type, SH.NodeShape), key=str):
        target = graph.value(s, SH.targetClass)
        paths = sorted(render.curie(str(p)) for prop in graph.objects(s, SH.property)
                       for p in graph.objects(prop, SH.path) if isinstance(p, URIRef))
        listing.append({"name": render.curie(str(s)), "target": render.curie(str(target)) if target else "",
                        "paths": paths})
    return data, listing
