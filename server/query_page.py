"""The query page (``/sparql/ui``): the editor, the gallery of research examples, and, for browsers without
JavaScript, the answer rendered here (``?query=…&run=1``, which the form sends when no script takes it over).

The editor itself (``static/editor.bundle.js``, built from ``editor/``) runs queries against ``/sparql``; what
it needs from the site is in the page as JSON (:func:`editor_config`): the endpoint, the completion route,
the prefixes, and how IRIs of the data map to the site's pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, render_template, request, url_for

from itsutsuboshi.iris import DEF, GRAPH, ID, SOURCE

from .gallery import examples
from .render import curie, safe_href
from .state import site_state
from .terms import QUERY_PREFIXES

#: datatypes a value is shown without
_PLAIN = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


@dataclass
class Cell:
    """One value of a result row as the page shows it: its text, a link, and a badge (language or datatype)."""

    text: str = ""
    href: str | None = None
    badge: str = ""


@dataclass
class Answer:
    """What the server shows for a query: a table, a graph as text, a boolean, or an error."""

    vars: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    text: str = ""
    boolean: bool | None = None
    error: str = ""


def page_prefixes() -> dict[str, str]:
    """IRI prefix of each part of the data's base → the URL prefix of its pages on this site."""
    iris = site_state().iris
    root = request.script_root + "/"
    return {iris.space(part): root + (iris.document_path(iris.space(part)) or "") for part in (ID, SOURCE, DEF, GRAPH)}


def page_of(iri: str, prefixes: dict[str, str]) -> str | None:
    """The page a result IRI links to: the site's own page for its data, else the IRI if http(s)."""
    for prefix, page in prefixes.items():
        if iri.startswith(prefix):
            return page + iri[len(prefix):]
    return safe_href(iri)


def cell(term: dict[str, str] | None, prefixes: dict[str, str]) -> Cell:
    """A SPARQL JSON results term as a :class:`Cell`."""
    if term is None:
        return Cell()
    if term["type"] == "uri":
        return Cell(site_state().iris.shown(term["value"]), page_of(term["value"], prefixes))
    if term["type"] == "bnode":
        return Cell("_:" + term["value"])
    datatype, language = term.get("datatype", ""), term.get("xml:lang", "")
    badge = "@" + language if language else curie(datatype) if datatype and datatype not in _PLAIN else ""
    return Cell(term["value"], badge=badge)


def answer(body: bytes, media: str) -> Answer:
    """The store's answer (SPARQL JSON results, or a graph in Turtle) as the page shows it."""
    if "json" not in media:
        return Answer(text=site_state().iris.shown_text(body.decode("utf-8")))
    data = json.loads(body)
    if "boolean" in data:
        return Answer(boolean=bool(data["boolean"]))
    names = list(data["head"]["vars"])
    prefixes = page_prefixes()
    rows = [[cell(row.get(name), prefixes) for name in names] for row in data["results"]["bindings"]]
    return Answer(vars=names, rows=rows)


def editor_config() -> dict[str, Any]:
    """What the editor needs from the site (the page carries it as JSON; no data in scripts)."""
    iris = site_state().iris
    return {"endpoint": url_for("sparql.sparql"), "ui": url_for("sparql.ui"), "terms": url_for("sparql.terms"),
            "prefixes": QUERY_PREFIXES, "pages": page_prefixes(), "shown": {iris.base: iris.shown(iris.base)},
            "tiles": _tiles(), "images": url_for("static", filename="images/")}


def _tiles() -> str:
    return str(current_app.config["MAP_TILES"])


def render_page(run: Callable[[str], tuple[bytes, str]]) -> Response:
    """The query page; ``run`` answers a query for browsers without JavaScript (``run=1``), or raises
    ``ValueError`` with the endpoint's status and message."""
    query = request.args.get("query", "")
    gallery = examples()
    shown: Answer | None = None
    if query.strip() and request.args.get("run"):
        try:
            shown = answer(*run(query))
        except ValueError as refused:
            shown = Answer(error=str(refused))
    settings = site_state().sparql
    topics = list(dict.fromkeys(e.topic for e in gallery))
    html = render_template("sparql.html", gallery=gallery, topics=topics, query=query or gallery[0].query,
                           autorun=bool(query) and shown is None, answer=shown, config=editor_config(),
                           max_rows=settings.max_rows, timeout=f"{settings.timeout:g}")
    return Response(html, content_type="text/html; charset=utf-8")
