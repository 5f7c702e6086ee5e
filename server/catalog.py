"""Descriptions of the whole site: VoID, dumps, sitemap (a blueprint).

- ``/.well-known/void``: a VoID description (Turtle): the site's dataset, one subset per named graph
  with its triple count, the SPARQL endpoint, the dumps and the URI space;
- ``/dumps/all.nt.gz``, ``/dumps/all.ttl`` and ``/dumps/<dataset>/<code>.nt.gz|.ttl``: the data; names are
  checked against a pattern and resolved to named graphs, never to files, so no path can escape;
- ``/sitemap.xml``: the home page, dataset pages and record pages (up to 50,000 URLs).
"""

from __future__ import annotations

import gzip
import re
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, request

from .describe import bindings

bp = Blueprint("catalog", __name__)

_DUMP = re.compile(r"^(?:(?P<dataset>[a-z_]{1,40})/(?P<code>\d{6})|all)\.(?P<ext>nt\.gz|ttl)$")
SITEMAP_LIMIT = 50000


def _store():  # type: ignore[no-untyped-def]
    return current_app.extensions["itsutsuboshi"]["store"]


def _bases() -> tuple[str, str]:
    """The base the data was minted with, and the one this site is served under."""
    base = current_app.config.get("BASE", "http://127.0.0.1:8000/")
    public = current_app.config.get("PUBLIC_BASE") or base
    return base, public


def _rewrite(text: str) -> str:
    base, public = _bases()
    return text.replace(base, public) if base != public else text


def _graphs() -> list[tuple[str, str, str]]:
    """(graph IRI, dataset, code) of each dataset graph."""
    base, _ = _bases()
    prefix = base.rstrip("/") + "/graph/"
    out = []
    for graph in _store().graphs():
        if graph.startswith(prefix):
            dataset, _, code = graph[len(prefix):].partition("/")
            if re.fullmatch(r"[a-z_]{1,40}", dataset) and re.fullmatch(r"\d{6}", code):
                out.append((graph, dataset, code))
    return out


def _select(query: str) -> list[dict[str, str]]:
    body, _ = _store().query(query)
    return bindings(body)


@bp.get("/.well-known/void")
def void() -> Response:
    _, public = _bases()
    root = request.url_root
    lines = ["@prefix void: <http://rdfs.org/ns/void#> .", "@prefix dcterms: <http://purl.org/dc/terms/> .",
             "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "",
             f"<{root}.well-known/void#site> a void:Dataset ;",
             '    dcterms:title "itsutsuboshi で公開している自治体のオープンデータ"@ja, '
             '"Municipal open data published with itsutsuboshi"@en ;',
             f"    void:sparqlEndpoint <{root}sparql> ;",
             f"    void:dataDump <{root}dumps/all.nt.gz> ;",
             f'    void:uriSpace "{public}id/" ;',
             f"    void:exampleResource <{root}> ;",
             "    void:vocabulary <http://imi.go.jp/ns/core/rdf#>, <https://w3id.org/itsutsuboshi/ns#> ."]
    counts = {row["g"]: row["n"] for row in _select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    for graph, dataset, code in _graphs():
        subset = f"<{root}.well-known/void#{dataset}-{code}>"
        lines += ["", f"<{root}.well-known/void#site> void:subset {subset} .",
                  f"{subset} a void:Dataset ;",
                  f"    void:triples {int(counts.get(graph, 0))} ;",
                  f"    void:dataDump <{root}dumps/{dataset}/{code}.nt.gz>, <{root}dumps/{dataset}/{code}.ttl> ;",
                  f"    dcterms:isPartOf <{root}.well-known/void#site> ;",
                  f'    dcterms:identifier "{dataset}/{code}" .']
    return Response("\n".join(lines) + "\n", mimetype="text/turtle",
                    headers={"Access-Control-Allow-Origin": "*"})


@bp.get("/dumps/<path:name>")
def dump(name: str) -> Response:
    found = _DUMP.match(name)
    if found is None:
        abort(404)
    base, _ = _bases()
    graph = None
    if found.group("dataset"):
        graph = f"{base.rstrip('/')}/graph/{found.group('dataset')}/{found.group('code')}"
        if graph not in {g for g, _, _ in _graphs()}:
            abort(404)
    if found.group("ext") == "ttl":
        body = _rewrite(_store().dump(graph, format="turtle").decode("utf-8")).encode("utf-8")
        return Response(body, mimetype="text/turtle", headers={"Access-Control-Allow-Origin": "*"})
    body = gzip.compress(_rewrite(_store().dump(graph, format="nt").decode("utf-8")).encode("utf-8"), mtime=0)
    return Response(body, mimetype="application/n-triples", headers={
        "Content-Encoding": "gzip", "Access-Control-Allow-Origin": "*",
        "Content-Disposition": f"attachment; filename={name.replace('/', '-')}"})


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    base, _ = _bases()
    root = request.url_root
    rows = _select(f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}id/")) }}
                       ORDER BY ?s LIMIT {SITEMAP_LIMIT}""")
    urls = [root] + [root + "doc/" + r["s"][len(base) + 3:] for r in rows]
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"<url><loc>{escape(u)}</loc></url>" for u in urls]
    body.append("</urlset>")
    return Response("\n".join(body) + "\n", mimetype="application/xml")
