"""The portal: the home page (datasets by publisher or by kind, a map of every record, facets, a search box)
and ``/search`` (HTML and JSON), both answered from the search index (:mod:`itsutsuboshi.store.text_index`)
rather than SPARQL; ``/search/points.json`` feeds the map, ``/search/datasets.json`` lists the datasets.

The index is the one ``publish`` wrote: the ``SEARCH_INDEX`` setting, else the embedded store's for its live
generation, else ``search.sqlite`` in the reports folder (a remote store published with ``--out``). With none
of them (a store loaded without ``publish``), it is built from the store once, into a temporary file, and built
again when the embedded store goes to a new generation (a remote store's after :data:`LAZY_SECONDS`).
"""

from __future__ import annotations

import atexit
import json
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from itsutsuboshi.store import text_index
from itsutsuboshi.store.text_index import MAX_POINTS, Query, TextIndex

from .reports import diagnosed_files, reports_folder
from .state import site_state

bp = Blueprint("portal", __name__)
_KEY = "itsutsuboshi.search"
#: seconds an index built from a remote store is used before it is built again
LAZY_SECONDS = 600.0
#: datasets listed per page of the home page
DATASETS_PAGE = 50
#: the longest query text read
MAX_TEXT = 200
#: how a facet value of "no licence stated" is written in URLs
NO_LICENCE = "-"
GROUPINGS = ("publisher", "kind")
_INSTALLING = threading.Lock()


class Indexes:
    """The index an app reads, opened again when its file is replaced (``publish``), or built from the store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._index: TextIndex | None = None
        self._folder: Path | None = None

    def current(self, locate: Callable[[], Path | None], lazy_key: tuple[Any, ...], build: Callable[[Path], Any]) -> TextIndex:
        path = locate()
        key: tuple[Any, ...] = ("built", *lazy_key)
        if path is not None:
            try:
                stat = path.stat()
                key = ("file", str(path), stat.st_ino, stat.st_mtime_ns)
            except OSError:  # replaced or removed since: build one
                path = None
        with self._lock:
            if self._index is None or key != self._key:
                index = None
                if path is not None:
                    try:
                        index = TextIndex(path)
                    except (ValueError, sqlite3.DatabaseError):  # not an index of this version: build one, kept
                        pass                                         # until the file is replaced
                if index is None:
                    target = self._target()
                    build(target)
                    index = TextIndex(target)
                self._index, self._key = index, key
            return self._index

    def _target(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="itsutsuboshi-search-"))
            atexit.register(shutil.rmtree, self._folder, True)
        return self._folder / text_index.FILE_NAME


def _published_index() -> Path | None:
    """The index ``publish`` wrote for what is served, if there is one."""
    store = site_state().store
    configured = current_app.config.get("SEARCH_INDEX")
    if configured and Path(configured).is_file():
        return Path(configured)
    own = text_index.generation_path(store)
    if own is not None:
        return own if own.is_file() else None
    folder = reports_folder()
    found = folder / text_index.FILE_NAME if folder is not None else None
    return found if found is not None and found.is_file() else None


def current_index() -> TextIndex:
    """The search index of the data served (built from the store the first time, when none was published)."""
    state = site_state()
    with _INSTALLING:
        indexes: Indexes = current_app.extensions.setdefault(_KEY, Indexes())
    store = state.store
    if hasattr(store, "refresh"):  # the embedded store: built again for each generation that goes live
        lazy: tuple[Any, ...] = ("embedded", getattr(store, "version", None))
    else:
        lazy = ("remote", int(time.monotonic() // LAZY_SECONDS))
    return indexes.current(_published_index, lazy, lambda target: text_index.build(store, target, base=state.iris.base))


# --- reading a request ----------------------------------------------------------------------------------------


def _page(name: str = "page") -> int:
    text = request.args.get(name, "1")
    return max(1, min(int(text), 100_000)) if text.isdigit() else 1


def query_of_request(*, size: int = text_index.PAGE_SIZE) -> Query:
    """The query the URL asks (``q``, ``kind``, ``code``, ``licence``, ``page``, ``size``)."""
    licence = request.args.get("licence")
    size_text = request.args.get("size", "")
    return Query(text=request.args.get("q", "")[:MAX_TEXT], kind=request.args.get("kind") or None,
                 code=request.args.get("code") or None,
                 licence=("" if licence == NO_LICENCE else licence) if licence else None, page=_page(),
                 size=max(1, min(int(size_text), text_index.MAX_PAGE_SIZE)) if size_text.isdigit() else size)


def _arguments(query: Query, **changes: Any) -> dict[str, Any]:
    """The URL arguments of ``query`` with ``changes`` (``None`` removes one); page 1 unless given."""
    values: dict[str, Any] = {"q": query.text or None, "kind": query.kind, "code": query.code,
                              "licence": (query.licence or NO_LICENCE) if query.licence is not None else None,
                              "size": query.size if query.size != text_index.PAGE_SIZE else None}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None and not (k == "page" and v == 1)}


def wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def document_href(iri: str) -> str | None:
    """The URL of the page about ``iri`` on this site (``None`` when it is not one of the site's)."""
    path = site_state().iris.document_path(iri)
    return f"{request.script_root}/{path}" if path else None


def _json(data: Any) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


#: the facets, in the order shown, with their bilingual headings
FACET_HEADINGS = (("kind", "種類", "Kind"), ("code", "市区町村", "Municipality"), ("licence", "ライセンス", "Licence"))
#: what a facet shows for an empty value
_EMPTY = {"kind": "（不明） / unknown", "code": "（不明） / unknown", "licence": "記載なし / not stated"}


def facet_sections(query: Query, facets: dict[str, list[text_index.Facet]]) -> list[dict[str, Any]]:
    """Each facet's heading and values, each value with its count and the search URL that chooses it (or, when it
    is chosen, leaves it); an empty kind or municipality cannot be chosen."""
    sections = []
    for name, ja, en in FACET_HEADINGS:
        items = []
        for f in facets.get(name, []):
            value = f.value or (NO_LICENCE if name == "licence" else "")
            href = None
            if value:
                href = url_for("portal.search", **_arguments(query, **{name: None if f.selected else value}))
            items.append({"label": f.label or _EMPTY[name], "count": f.count, "selected": f.selected, "href": href})
        sections.append({"name": name, "ja": ja, "en": en, "items": items})
    return sections


def pager(page: int, pages: int, endpoint: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The links of a paginated list: the first and last pages, two either side of this one, gaps as ``…``."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    for number in shown:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": number - 1, "label": "…", "href": None, "current": False})
        values = {**arguments, "page": number} if number > 1 else dict(arguments)
        links.append({"number": number, "label": str(number), "href": url_for(endpoint, **values),
                      "current": number == page})
    return links if pages > 1 else []


# --- stars from the diagnosis publish wrote ------------------------------------------------------------------


def stars() -> dict[tuple[str, str], int]:
    """The 5-star level of each published file (dataset key, file name), from ``stars.json`` when served."""
    return {(str(f.get("dataset", "")), str(f.get("file", ""))): int(f.get("level", 0)) for f in diagnosed_files()
            if isinstance(f, dict) and isinstance(f.get("level"), int)}


# --- the pages ------------------------------------------------------------------------------------------------


def _dataset_rows(index: TextIndex) -> list[dict[str, Any]]:
    levels, iris = stars(), site_state().iris
    rows = []
    for d in index.datasets():
        shown = [levels[(d["kind"], f)] for f in d["files"] if (d["kind"], f) in levels]
        rows.append({**d, "href": document_href(d["iri"]), "shown": iris.shown(d["iri"]),
                     "stars": (min(shown), max(shown)) if shown else None,
                     "licence_labels": [(iri, text_index.licence_label(iri)) for iri in d["licences"]],
                     "publisher_label": d["publisher_name"] or d["publisher_code"],  # the group by publisher
                     "kind_group": d["title"] or d["kind"]})
    return rows


def home_page() -> str:
    """The home page: what is published, grouped and paginated, the map, the facets and the search box."""
    index = current_index()
    by = request.args.get("by", "publisher")
    by = by if by in GROUPINGS else "publisher"
    rows = _dataset_rows(index)
    if by == "kind":
        rows.sort(key=lambda d: (d["kind_group"], d["prefecture"], d["publisher_code"], d["iri"]))
    pages = max(1, -(-len(rows) // DATASETS_PAGE))
    page = min(_page(), pages)
    results = index.search(Query(size=1))
    return render_template("home.html", rows=rows[(page - 1) * DATASETS_PAGE: page * DATASETS_PAGE], by=by,
                           pager=pager(page, pages, "pages.home", {"by": by} if by != "publisher" else {}),
                           counts=index.counts(), facets=facet_sections(Query(), results.facets),
                           published=index.meta.get("published", ""))


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    shown = site_state().iris.shown(hit["iri"])
    return {**hit, "iri": shown, "href": document_href(hit["iri"]), "dataset": site_state().iris.shown(hit["dataset"])}


@bp.get("/search")
def search() -> Response:
    """Records found by words and facets, one page; JSON with ``?format=json`` or ``Accept``."""
    return _search(as_json=wants_json())


@bp.get("/search.json")
def search_json() -> Response:
    """``/search`` as JSON."""
    return _search(as_json=True)


def _search(*, as_json: bool) -> Response:
    query = query_of_request()
    results = current_index().search(query)
    hits = [_hit(h) for h in results.hits]
    if as_json:
        return _json({"query": {"q": query.text, **query.filters()}, "total": results.total, "page": results.page,
                      "pages": results.pages, "size": query.size, "hits": hits,
                      "facets": {name: [asdict(f) for f in values] for name, values in results.facets.items()}})
    arguments = _arguments(query)
    twin = url_for("portal.search_json", **_arguments(query, page=results.page))  # the JSON of this very page
    hidden = {name: value for name, value in arguments.items() if name in text_index.FACETS}  # the facets chosen
    response = Response(render_template("search.html", query=query, results=results, hits=hits, hidden=hidden, twin=twin,
                                        facets=facet_sections(query, results.facets),
                                        pager=pager(results.page, results.pages, "portal.search", arguments),
                                        points=url_for("portal.points", **arguments)), mimetype="text/html")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{twin}>; rel="alternate"; type="application/json"'
    return response


@bp.get("/search/points.json")
def points() -> Response:
    """The records with coordinates the query finds, compactly: ``[lat, long, kind, name, href]`` each, ``kinds``
    naming the kinds, at most :data:`MAX_POINTS` (an even sample, ``total`` saying how many there are)."""
    query = query_of_request()
    total, found = current_index().points(query, limit=MAX_POINTS)
    kinds: dict[str, int] = {}
    listed = []
    for p in found:
        k = kinds.setdefault(p["kind_label"] or p["kind"], len(kinds))
        listed.append([round(p["lat"], 6), round(p["long"], 6), k, p["name"], document_href(p["iri"])])
    response = _json({"total": total, "shown": len(listed), "kinds": list(kinds), "points": listed})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/search/datasets.json")
def datasets() -> Response:
    """Every dataset published, with its publisher, kind, records, licences, files, stars and last update."""
    iris, out = site_state().iris, []
    for d in _dataset_rows(current_index()):
        out.append({"iri": d["shown"], "href": d["href"], "kind": d["kind"], "title": d["title"],
                    "title_en": d["title_en"], "publisher": iris.shown(d["publisher"]) if d["publisher"] else "",
                    "publisher_code": d["publisher_code"], "publisher_name": d["publisher_name"],
                    "prefecture": d["prefecture"], "municipality": d["municipality"], "records": d["records"],
                    "licences": d["licences"], "modified": d["modified"], "files": d["files"],
                    "stars": list(d["stars"]) if d["stars"] else None})
    return _json({"datasets": out, "search": url_for("portal.search", _external=False)})
