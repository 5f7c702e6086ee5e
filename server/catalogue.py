"""Descriptions of the whole site: the DCAT catalogue, VoID, dumps, sitemap (a blueprint).

- ``/catalog`` (and ``/catalog.ttl`` …): ``303 See Other`` to ``/doc/catalog``, the document of the
  ``dcat:Catalog`` ``{BASE}id/catalog`` loaded by :func:`itsutsuboshi.catalogue.load_catalogue`;
- ``/.well-known/void``: a VoID description (Turtle): the site's dataset, one subset per dataset of a
  publisher with the triples of its source graphs, the SPARQL endpoint, the dumps, the URI space and the catalogue;
- ``/dumps/all.nt.gz``, ``/dumps/all.ttl`` and ``/dumps/<dataset>/<code>.nt.gz|.ttl``: the data (a dataset's
  dump joins its source graphs ``{BASE}graph/<dataset>/<code>/…``, no triple twice), and
  ``/dumps/catalog.ttl|.nt.gz|.rdf|.jsonld``: the whole catalogue (what harvesters read); names are
  checked against a pattern and resolved to named graphs, never to files, so no path can escape.
  ``HEAD`` answers with ``Content-Length`` (remembered from the last answer for a while) and ``ETag``;
- ``/sitemap.xml``: the home page, the catalogue, source file pages, dataset pages and record pages
  (up to 50,000 URLs).
"""

from __future__ import annotations

import hashlib
import time
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from itsutsuboshi.formats import DUMPS, TURTLE
from itsutsuboshi.iris import DUMPS_PATH, ID, SOURCE
from itsutsuboshi.server.dumps import DUMP_EXTENSIONS, dataset_graphs, dump_bytes, prebuilt_dump

from .describe import SOURCE_FILE, bindings
from .negotiation import EXTENSION_RULE
from .pages import see_other
from .state import site_state

bp = Blueprint("catalogue", __name__)

#: what the data is dumped as (the catalogue: every format)
_DATA_DUMPS = {d.extension[1:] for d in DUMPS}
SITEMAP_LIMIT = 50000
DUMP_SIZE_SECONDS = 300  # how long HEAD trusts the size of the last dump served


def _datasets(names: list[str] | None = None) -> dict[tuple[str, str], list[str]]:
    """``{(dataset, code): [source graph, …]}`` of the site (no staging graph)."""
    state = site_state()
    return dataset_graphs(state.store.graphs() if names is None else names, state.iris.base)


def _has_catalogue(names: list[str] | None = None) -> bool:
    state = site_state()
    return state.iris.catalogue_graph() in (state.store.graphs() if names is None else names)


def _select(query: str) -> list[dict[str, str]]:
    body, _ = site_state().store.query(query)
    return bindings(body)


@bp.get("/catalog", defaults={"ext": ""})
@bp.get("/catalog" + EXTENSION_RULE)
def catalogue(ext: str) -> BaseResponse:
    """The catalogue is a resource like any other: its document is negotiated by /doc/."""
    query = request.query_string.decode("ascii", "replace")
    target = url_for("pages.document", path="catalog" + ext) + (f"?{query}" if query else "")
    return see_other(target)


@bp.get("/.well-known/void")
def void() -> BaseResponse:
    iris = site_state().iris
    root = request.url_root
    names = site_state().store.graphs()
    lines = ["@prefix void: <http://rdfs.org/ns/void#> .", "@prefix dcterms: <http://purl.org/dc/terms/> .",
             "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "", f"<{root}.well-known/void#site> a void:Dataset ;",
             '    dcterms:title "itsutsuboshi で公開している自治体のオープンデータ"@ja, '
             '"Municipal open data published with itsutsuboshi"@en ;',
             f"    void:sparqlEndpoint <{root}sparql> ;",
             f"    void:dataDump <{root}{iris.dump_path(DUMPS[0].extension)}> ;",
             f'    void:uriSpace "{iris.shown(iris.space(ID))}" ;',
             f"    void:exampleResource <{root}> ;"]
    if _has_catalogue(names):  # the DCAT catalogue is the entry point to everything published
        lines += [f"    void:rootResource <{iris.shown(iris.catalogue())}> ;",
                  f"    rdfs:seeAlso <{root}catalog>, <{root}{iris.dump_path(TURTLE.extension, catalogue=True)}> ;"]
    lines.append("    void:vocabulary <http://imi.go.jp/ns/core/rdf#>, <https://w3id.org/itsutsuboshi/ns#> .")
    counts = {row["g"]: row["n"] for row in _select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    for (dataset, code), graphs in _datasets(names).items():
        subset = f"<{root}.well-known/void#{dataset}-{code}>"
        lines += ["", f"<{root}.well-known/void#site> void:subset {subset} .",
                  f"{subset} a void:Dataset ;",
                  f"    void:triples {sum(int(counts.get(g, 0)) for g in graphs)} ;",
                  "    void:dataDump " + ", ".join(f"<{root}{iris.dump_path(d.extension, dataset=dataset, code=code)}>"
                                               for d in DUMPS) + " ;",
                  f"    dcterms:isPartOf <{root}.well-known/void#site> ;",
                  f'    dcterms:identifier "{dataset}/{code}" .']
    return Response("\n".join(lines) + "\n", mimetype=TURTLE.media_type,
                    headers={"Access-Control-Allow-Origin": "*"})


@bp.get(f"/{DUMPS_PATH}/<path:name>")
def dump(name: str) -> BaseResponse:
    state = site_state()
    found = state.iris.parse_dump(name)
    ext = found.extension[1:] if found is not None else ""
    if found is None or ext not in DUMP_EXTENSIONS or (ext not in _DATA_DUMPS and not found.catalogue):
        abort(404)  # the other formats only for the catalogue
    graph: str | list[str] | None = None  # None: every graph of the site
    if found.dataset:
        graph = _datasets().get((found.dataset, found.code))
        if not graph:
            abort(404)
    elif found.catalogue:  # the whole catalogue, for harvesters (/doc/catalog describes only its node)
        graph = state.iris.catalogue_graph()
        if not _has_catalogue():
            abort(404)
    headers = {"Access-Control-Allow-Origin": "*"}
    if DUMP_EXTENSIONS[ext].gzip:
        headers.update({"Content-Encoding": "gzip", "Content-Disposition": f"attachment; filename={name.replace('/', '-')}"})
    mimetype = DUMP_EXTENSIONS[ext].format.media_type
    sizes = state.dump_sizes
    key = (name, getattr(state.store, "version", None))  # a new generation of the embedded store: sizes anew
    known = sizes.get(key)
    if request.method == "HEAD" and known and time.monotonic() - known[2] < DUMP_SIZE_SECONDS:
        response = Response(b"", mimetype=mimetype, headers=headers)  # no need to serialise the graph again
        response.set_etag(known[1])
        response.headers["Content-Length"] = str(known[0])
        return response
    body = prebuilt_dump(state.store, name, base=state.iris.base, public=state.iris.public)
    if body is None:  # not prebuilt (a remote store, or published before dumps were prebuilt): built now
        body = dump_bytes(state.store, graph, ext=ext, base=state.iris.base, public=state.iris.public)
    etag = hashlib.sha256(body).hexdigest()[:32]
    for old in [k for k in sizes if k[1] != key[1]]:  # sizes of an earlier generation
        del sizes[old]
    sizes[key] = (len(body), etag, time.monotonic())
    response = Response(body, mimetype=mimetype, headers=headers)
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/sitemap.xml")
def sitemap() -> BaseResponse:
    iris = site_state().iris
    root = request.url_root
    sources = _select(f"""SELECT DISTINCT ?s WHERE {{ ?s a <{SOURCE_FILE}>
                          FILTER(isIRI(?s) && {iris.sparql_starts("?s", SOURCE)} && !CONTAINS(STR(?s), "#")) }}
                          ORDER BY ?s LIMIT {SITEMAP_LIMIT}""")
    # every resource with a page is typed: reading the rdf:type triples and sorting here is 100 times faster
    # than a DISTINCT over every triple sorted by the store (0.2 s instead of 21 s on the shared samples)
    rows = sorted(_select(f"""SELECT DISTINCT ?s WHERE {{ ?s a ?type FILTER(isIRI(?s) && {iris.sparql_starts("?s", ID)}) }}
                          LIMIT {SITEMAP_LIMIT * 2}"""), key=lambda r: r["s"])[:SITEMAP_LIMIT]
    first = [root] + ([f"{root}{iris.document_path(iris.catalogue())}"] if _has_catalogue() else [])
    first += [f"{root}{iris.document_path(r['s'])}" for r in sources]
    urls = first + [u for u in (f"{root}{iris.document_path(r['s'])}" for r in rows) if u not in first]
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"<url><loc>{escape(u)}</loc></url>" for u in urls[:SITEMAP_LIMIT]]
    body.append("</urlset>")
    return Response("\n".join(body) + "\n", mimetype="application/xml")
