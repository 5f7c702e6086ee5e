"""Linked Data pages: ``/id/…`` → 303 → ``/doc/…`` with content negotiation, home, vocabulary, shapes."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from itsutsuboshi import shapes, vocab

from . import describe, negotiation, render
from .describe import BadIri
from .negotiation import HTML, OFFERS, Offer

bp = Blueprint("pages", __name__)
PAGE_SIZE = 100
ITSU = "https://w3id.org/itsutsuboshi/ns#"


def _store():
    return current_app.extensions["itsutsuboshi"]["store"]


def _bases() -> tuple[str, str]:
    """(the base the data was minted with, the base shown to the client)."""
    base = current_app.config["BASE"]
    return base, current_app.config.get("PUBLIC_BASE") or base


def error_page(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = render_template("error.html", status=status, message=message)
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(headers or {})
    return response


def not_acceptable(offers: tuple[Offer, ...] = OFFERS) -> Response:
    listing = "\n".join(f"{o.media_type} ({o.extension}, ?format={o.name})" for o in offers)
    response = Response("406 Not Acceptable. Available / 利用できる形式:\n" + listing + "\n", status=406,
                        mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(f'<?format={o.name}>; rel="alternate"; type="{o.media_type}"'
                                         for o in offers)
    return response


def respond(body: str | bytes, offer: Offer, location: str, *, offers: tuple[Offer, ...] = OFFERS) -> Response:
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


def _negotiate(extension: Offer | None, offers: tuple[Offer, ...] = OFFERS) -> Offer | None:
    return negotiation.choose(extension, request.args.get("format"), request.headers.get("Accept"), offers)


@bp.route("/")
def home():
    body, _ = _store().query(describe.DATASETS_QUERY, results="json")
    _, shown = _bases()
    base, _ = _bases()
    datasets = []
    for row in describe.bindings(body):
        iri = row["d"].replace(base, shown, 1) if row["d"].startswith(base) else row["d"]
        datasets.append({"iri": iri, "href": render.safe_href(iri), "title": row.get("title", ""),
                         "count": int(row.get("n", "0"))})
    return render_template("home.html", datasets=datasets)


@bp.route("/id/<path:path>")
def identify(path: str):
    """The thing itself has no representation: 303 See Other to its document."""
    stem, _ = negotiation.split_extension(path)
    try:
        describe.path_to_iri(current_app.config["BASE"], stem)
    except BadIri:
        return error_page(400, "不正な IRI です / Not an acceptable IRI")
    target = url_for("pages.document", path=path)
    query = request.query_string.decode("ascii", "replace")
    response = redirect(target + (f"?{query}" if query else ""), code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/doc/<path:path>")
def document(path: str):
    stem, extension = negotiation.split_extension(path)
    base, shown = _bases()
    try:
        iri = describe.path_to_iri(base, stem)
    except BadIri:
        return error_page(400, "不正な IRI です / Not an acceptable IRI")
    offer = _negotiate(extension)
    if offer is None:
        return not_acceptable()
    body, _ = _store().query(describe.describe_query(iri), graph="nt")
    graph = describe.parse_nt(body)
    subject = URIRef(iri)
    if (subject, None, None) not in graph:
        return error_page(404, "見つかりません / Not found")
    members = None
    if (subject, RDF.type, URIRef(describe.DCAT_DATASET)) in graph:
        members = _members(iri, graph)
    graph = describe.rewrite(graph, base, shown)
    shown_iri = shown + iri[len(base):]
    location = url_for("pages.document", path=stem)
    if offer is HTML:
        subject = URIRef(shown_iri)
        html = render_template("resource.html", node=render.build(graph, subject),
                               label=render.pick_label(graph, subject), coordinates=render.coordinates(graph, subject),
                               members=members, offers=OFFERS, location=location)
        return respond(html, offer, location)
    return respond(describe.serialize(graph, offer.name), offer, location)


def _members(dataset_iri: str, graph: Graph) -> dict[str, Any]:
    """One page of the dataset's records; also added to ``graph`` as ``dcterms:isPartOf`` triples."""
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    base, shown = _bases()
    body, _ = _store().query(describe.count_query(dataset_iri), results="json")
    total = int(describe.bindings(body)[0].get("n", "0"))
    body, _ = _store().query(describe.members_query(dataset_iri, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
                             results="json")
    records = []
    for row in describe.bindings(body):
        graph.add((URIRef(row["r"]), URIRef(describe.DCTERMS_IS_PART_OF), URIRef(dataset_iri)))
        iri = shown + row["r"][len(base):] if row["r"].startswith(base) else row["r"]
        records.append({"iri": iri, "href": render.safe_href(iri), "label": row.get("label", "")})
    pages = max(1, -(-total // PAGE_SIZE))
    return {"records": records, "total": total, "page": page, "pages": pages}


# --- vocabulary and shapes -------------------------------------------------------------------


def _static_graph(data: str) -> Graph:
    return describe.bind_prefixes(Graph().parse(data=data, format="turtle"))


def _serve_graph(name: str, data: str, extension: Offer | None, template: str, **context: Any):
    offer = _negotiate(extension)
    if offer is None:
        return not_acceptable()
    location = url_for(name)
    if offer is HTML:
        return respond(render_template(template, **context), offer, location)
    if offer.name == "turtle":
        return respond(data, offer, location)
    return respond(describe.serialize(_static_graph(data), offer.name), offer, location)


def _vocabulary_terms(graph: Graph) -> list[dict[str, Any]]:
    terms = []
    for s in sorted({s for s in graph.subjects(RDF.type, None) if str(s).startswith(ITSU)}, key=str):
        local = str(s)[len(ITSU):]
        kinds = [render.curie(str(o)) for o in graph.objects(s, RDF.type)]
        labels = {o.language: str(o) for o in graph.objects(s, RDFS.label)}
        comments = {o.language: str(o) for o in graph.objects(s, RDFS.comment)}
        terms.append({"anchor": local, "iri": str(s), "kinds": kinds, "ja": labels.get("ja", ""),
                      "en": labels.get("en", ""), "comment_ja": comments.get("ja", ""),
                      "comment_en": comments.get("en", "")})
    return terms


@bp.route("/def/itsutsuboshi", defaults={"ext": ""})
@bp.route("/def/itsutsuboshi<any('.ttl', '.jsonld', '.rdf', '.nt', '.html'):ext>")
def vocabulary(ext: str):
    data = vocab.path("itsutsuboshi.ttl").read_text(encoding="utf-8")
    terms = _vocabulary_terms(Graph().parse(data=data, format="turtle"))
    return _serve_graph("pages.vocabulary", data, negotiation.EXTENSIONS.get(ext), "vocabulary.html", terms=terms)


@bp.route("/ns")
def namespace():
    return redirect(url_for("pages.vocabulary"), code=303)


@bp.route("/shapes", defaults={"ext": ""})
@bp.route("/shapes<any('.ttl', '.jsonld', '.rdf', '.nt', '.html'):ext>")
def shapes_page(ext: str):
    graph = describe.bind_prefixes(shapes.load())
    data = graph.serialize(format="turtle")
    listing = []
    for s in sorted(graph.subjects(RDF.type, SH.NodeShape), key=str):
        target = graph.value(s, SH.targetClass)
        paths = sorted(render.curie(str(p)) for prop in graph.objects(s, SH.property)
                       for p in graph.objects(prop, SH.path) if isinstance(p, URIRef))
        listing.append({"name": render.curie(str(s)), "target": render.curie(str(target)) if target else "",
                        "paths": paths})
    return _serve_graph("pages.shapes_page", data, negotiation.EXTENSIONS.get(ext), "shapes.html", shapes=listing)
