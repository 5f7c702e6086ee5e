"""Static export (``export-static``): the whole published site as plain files, plus web server settings.

Every file is rendered by the real server app (:func:`itsutsuboshi.server.create_app` and its test
client), so it is byte for byte what the live server answers; only the VoID file loses its
``void:sparqlEndpoint`` line, as a static site has no endpoint. ``OUT/nginx.conf`` and ``OUT/.htaccess``
give the 303 redirects from ``/id/…`` and the content negotiation, generated from the same offers
(:data:`itsutsuboshi.server.negotiation.OFFERS`) the live server uses.

File naming: the file for a URL is its percent-decoded path, as nginx (``$uri``) and Apache map
URLs to files: ``/doc/aed/999997/%E3%81%82.ttl`` is ``doc/aed/999997/あ.ttl``, and ``%2F`` becomes a
folder. Page ``N`` (2 and up) of a dataset is ``_page/N/doc/{dataset}/{code}{ext}`` (of a source file,
``_page/N/source/{code}/{file}{ext}``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from itsutsuboshi.formats import DUMPS
from itsutsuboshi.iris import DEF, DOC, ID, POINTS_PATH, SOURCE, TABLE_PATH, IriBuilder
from itsutsuboshi.server.dumps import dataset_graphs
from itsutsuboshi.store import Store
from itsutsuboshi.vocab import codes

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

    from itsutsuboshi.server.negotiation import Offer

#: the documents negotiated like ``/doc/…`` besides the resources (``catalog`` only when the app has it)
NEGOTIATED = ("def/itsutsuboshi", "shapes")
#: the folders of negotiated documents: records and datasets, source files, terms
DOCUMENTS = (DOC, SOURCE, DEF)

PAGE_DIR = "_page"
_SPARQL_LINE = re.compile(r"^\s*void:sparqlEndpoint <[^>]*> ;\n", re.MULTILINE)
_NOT_PORTABLE = re.compile(r'[<>:"\\|?*\x00-\x1f]|[ .]$')  # not allowed in Windows file names
_HEADER = "# itsutsuboshi static export"


@dataclass
class ExportSummary:
    """What :func:`export_static` wrote: ``skipped`` lists (URL, reason) the app did not answer with 200."""

    out: Path
    resources: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def code_documents() -> list[str]:
    """The code lists' documents (``def/code``, ``def/code/<name>``), negotiated as ``def/`` documents are."""
    return [f"{DEF}/code", *(f"{DEF}/code/{name}" for name in codes.names())]


def file_path(root: Path, url_path: str) -> Path:
    """The file under ``root`` for ``url_path`` (percent-encoded, relative to the site root).

    Decoded like the web servers do (UTF-8 bytes, ``%2F`` a folder); ``ValueError`` for a path that
    would leave ``root`` or that no web server maps to a file (empty, ``.`` or ``..`` segments, NUL)."""
    raw = unquote_to_bytes(url_path)
    segments = raw.split(b"/")
    if not raw or any(s in (b"", b".", b"..") for s in segments) or b"\x00" in raw:
        raise ValueError(f"no file can serve {url_path!r}")
    return root.joinpath(*(os.fsdecode(s) for s in segments))


def export_static(store: Store, out: Path, *, base: str, public_base: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ExportSummary:
    """Write the site published from ``store`` to ``out``: pages, data in every format, dumps, assets,
    ``nginx.conf`` and ``.htaccess``. ``out`` is replaced when it is empty or an earlier export;
    ``progress(done, total)`` is called after each resource."""
    from itsutsuboshi.server import create_app
    from itsutsuboshi.server.describe import checked_iri

    started = time.monotonic()
    base = checked_iri(IriBuilder(base).base)
    public = checked_iri((public_base or base).rstrip("/") + "/")
    _settings(public)  # a public base the web server settings cannot express fails before any work
    out = Path(out)
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.export-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    summary = ExportSummary(out=out)
    try:
        app = create_app({"STORE": store, "BASE": base, "PUBLIC_BASE": public_base})
        writer = _Writer(app.test_client(), staging, public, summary)
        _export(store, app, writer, base=base, progress=progress)
        (staging / "nginx.conf").write_text(nginx_config(out.resolve(), public_base=public), encoding="utf-8")
        (staging / ".htaccess").write_text(htaccess(public_base=public), encoding="utf-8")
        summary.files += 2
        _swap(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    summary.seconds = time.monotonic() - started
    return summary


class _Writer:
    """Fetches URLs from the app and writes the answers under the staging folder."""

    def __init__(self, client: FlaskClient, root: Path, public: str, summary: ExportSummary) -> None:
        self.client, self.root, self.public, self.summary = client, root, public, summary
        self.seen: dict[str, str] = {}  # file path -> URL
        self.folded: set[str] = set()

    def fetch(self, url_path: str) -> TestResponse | None:
        """The app's answer for ``url_path`` when it is 200."""
        response = self.client.get("/" + url_path, base_url=self.public)
        return response if response.status_code == 200 else None

    def save(self, url_path: str, *, target: str | None = None, status: int = 200,
             edit: Callable[[bytes], bytes] | None = None) -> bool:
        """Write the app's answer for ``url_path`` to the file for ``target`` (default ``url_path``)."""
        name = target or url_path
        try:
            path = file_path(self.root, name)
        except ValueError as exc:
            self.summary.skipped.append((url_path, str(exc)))
            return False
        response = self.client.get("/" + url_path, base_url=self.public)
        if response.status_code >= 500:  # the store is down: keep the earlier export rather than a broken one
            raise RuntimeError(f"/{url_path}: HTTP {response.status_code}; nothing was replaced")
        if response.status_code != status:
            self.summary.skipped.append((url_path, f"HTTP {response.status_code}"))
            return False
        data = response.get_data()
        if self.seen.get(str(path), name) != name:
            self.summary.skipped.append((url_path, f"same file as {self.seen[str(path)]}"))
            return False
        self.seen[str(path)] = name
        if _NOT_PORTABLE.search(path.name):
            self.summary.warnings.append(f"{name}: the file name is not allowed on Windows")
        if str(path).casefold() in self.folded:
            self.summary.warnings.append(f"{name}: differs from another file only in case (Windows, macOS)")
        self.folded.add(str(path).casefold())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(edit(data) if edit else data)
        self.summary.files += 1
        return True


def _export(store: Store, app: Flask, writer: _Writer, *, base: str,
            progress: Callable[[int, int], None] | None) -> None:
    from itsutsuboshi.server.describe import ITSU_GRAPH, PROV_DERIVED_FROM, count_query
    from itsutsuboshi.server.negotiation import OFFERS
    from itsutsuboshi.server.pages import PAGE_SIZE

    writer.save("", target="index.html")
    writer.save(f"{DOC}/itsutsuboshi-static-export-missing", target="404.html", status=404)
    for name in (*NEGOTIATED, *code_documents()):
        for offer in OFFERS:
            writer.save(name + offer.extension)
    for portal in ("search/points.json", "search/datasets.json"):  # the home page's map and its datasets
        writer.save(portal)
    writer.save(".well-known/void", edit=lambda body: _SPARQL_LINE.sub("", body.decode("utf-8")).encode("utf-8"))
    writer.save("sitemap.xml")
    for dump in _dumps(store, base):
        writer.save(dump)
    static = Path(app.static_folder or "")
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        writer.save("static/" + path.relative_to(static).as_posix())
    scheme = IriBuilder(base)
    iris = _select(store, f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && !CONTAINS(STR(?s), "#") && (
                               {scheme.sparql_starts("?s", ID)} || {scheme.sparql_starts("?s", SOURCE)}
                               || {scheme.sparql_starts("?s", DEF)})) }} ORDER BY ?s""")
    datasets = set(_select(store, f"""SELECT DISTINCT ?s WHERE {{ ?s a <http://www.w3.org/ns/dcat#Dataset>
                                         FILTER({scheme.sparql_starts("?s", ID)}) }}"""))
    body, _ = store.query(f"""SELECT ?s (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?s <{ITSU_GRAPH}> ?g
                              GRAPH ?g {{ ?r <{PROV_DERIVED_FROM}> ?d FILTER(isIRI(?r) && isIRI(?d)) }} }}
                              GROUP BY ?s""", results="json")
    sources = {b["s"]["value"]: int(b["n"]["value"]) for b in json.loads(body)["results"]["bindings"]}
    for done, iri in enumerate(iris, 1):
        stem = scheme.document_path(iri) or ""  # the query keeps only IRIs with a document
        if all([writer.save(stem + offer.extension) for offer in OFFERS]):
            writer.summary.resources += 1
        total = sources.get(iri, 0)
        if iri in datasets:
            body, _ = store.query(count_query(iri), results="json")
            total = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        if total > PAGE_SIZE:
            for page in range(2, -(-total // PAGE_SIZE) + 1):
                for offer in OFFERS:
                    writer.save(f"{stem}{offer.extension}?page={page}",
                                target=f"{PAGE_DIR}/{page}/{stem}{offer.extension}")
        if iri in datasets and (parts := scheme.parse(iri)) is not None and parts.kind == "dataset":
            for flat in (f"{TABLE_PATH}/{parts.dataset}/{parts.code}.csv", f"{TABLE_PATH}/{parts.dataset}/{parts.code}.json",
                         f"{POINTS_PATH}/{parts.dataset}/{parts.code}.json"):  # the flat table and the map's points
                writer.save(flat)
        if progress:
            progress(done, len(iris))


def _select(store: Store, sparql: str) -> list[str]:
    body, _ = store.query(sparql, results="json")
    return [b["s"]["value"] for b in json.loads(body)["results"]["bindings"] if b["s"]["type"] == "uri"]


def _dumps(store: Store, base: str) -> Iterable[str]:
    graphs, iris = store.graphs(), IriBuilder(base)
    which: list[dict[str, Any]] = [{}, *({"dataset": dataset, "code": code} for dataset, code in dataset_graphs(graphs, base))]
    if iris.catalogue_graph() in graphs:  # the DCAT catalogue, for harvesters
        which.append({"catalogue": True})
    yield from (iris.dump_path(dump.extension, **kw) for kw in which for dump in DUMPS)


def _check_target(out: Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier export."""
    if not out.exists():
        return
    if not out.is_dir():
        raise FileExistsError(f"{out} is not a folder")
    marker = out / ".htaccess"
    if any(out.iterdir()) and not (marker.is_file() and marker.read_text(encoding="utf-8").startswith(_HEADER)):
        raise FileExistsError(f"{out} is not empty and not an earlier static export; choose another folder")


def _swap(staging: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


# --- web server settings, generated from the offers --------------------------------------------------


def _offers() -> tuple[Offer, ...]:
    from itsutsuboshi.server.negotiation import OFFERS

    return OFFERS


def _q_bands() -> list[str]:
    """Regex tails for a media range of q=1, then q=0.9 … 0.1, then 0 < q < 0.1."""
    return ([r"(?:\s*;\s*q=1(?:\.0*)?)?\s*(?:,|$)"] + [rf"\s*;\s*q=0?\.{d}" for d in range(9, 0, -1)]
            + [r"\s*;\s*q=0?\.0+[1-9]"])


def accept_rules() -> list[tuple[str, str]]:
    """(case-insensitive regex on ``Accept``, extension without dot), first match wins: the live
    server's choice (highest q, ties to the server's order) with q compared to one decimal."""
    rules = []
    for band in _q_bands():
        for offer in _offers():
            kind = offer.media_type.split("/")[0]
            ranges = [re.escape(offer.media_type), re.escape(f"{kind}/*"), re.escape("*/*")]
            if offer.name == "html":
                ranges.insert(1, re.escape("application/xhtml+xml"))
            rules.append((rf"(?:^|,)\s*(?:{'|'.join(ranges)}){band}", offer.extension[1:]))
    return rules


def format_rules() -> list[tuple[str, str]]:
    """(case-insensitive regex on the raw ``format`` query value, extension without dot)."""
    rules = []
    for offer in _offers():
        raw = sorted(re.escape(k).replace("/", "(?:/|%2F)").replace(r"\+", "%2B") for k in offer.keys)
        rules.append((rf"^(?:{'|'.join(raw)})$", offer.extension[1:]))
    return rules


def _link(stem: str, keep: str, served: str) -> str:
    return ", ".join(f'<{stem}{o.extension}{keep}>; rel="alternate"; type="{o.media_type}"'
                     for o in _offers() if o.extension[1:] != served)


def _settings(public_base: str) -> dict[str, str]:
    prefix = urlsplit(public_base).path or "/"
    if not re.fullmatch(r"/(?:[A-Za-z0-9._~-]+/)*", prefix):
        raise ValueError(f"the path of {public_base} must be plain ASCII segments")
    return {"@PREFIX@": prefix, "@PREFIX_RE@": re.escape(prefix),
            "@EXT_RE@": "|".join(re.escape(o.extension[1:]) for o in _offers()),
            "@NEGOTIATED_RE@": "|".join(re.escape(n) for n in NEGOTIATED), "@PAGE_DIR@": PAGE_DIR,
            "@DOCUMENTS_RE@": "|".join(re.escape(d) for d in DOCUMENTS),
            "@TABLE@": re.escape(TABLE_PATH), "@POINTS@": re.escape(POINTS_PATH), "@HEADER@": _HEADER}


def _fill(template: str, values: dict[str, str]) -> str:
    text = resources.files("itsutsuboshi").joinpath("templates", template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    if leftover := re.search(r"@[A-Z_]+@", text):
        raise ValueError(f"template {template}: {leftover.group()} not filled")
    return text


def nginx_config(root: Path, *, public_base: str) -> str:
    """``templates/nginx.conf`` filled in: a server block serving ``root`` under ``public_base``."""
    parts = urlsplit(public_base)
    values = _settings(public_base)
    types = [f"        {o.media_type} {o.extension[1:]};" for o in _offers()]
    values |= {
        "@ROOT@": str(root), "@SERVER_NAME@": parts.hostname or "_",
        "@LISTEN@": str(parts.port or 80),
        "@TYPES@": "\n".join(types),
        "@ACCEPT_MAP@": "\n".join(f'    "~*{rx}" {ext};' for rx, ext in accept_rules()),
        "@FORMAT_MAP@": "\n".join(f'    "~*{rx}" {ext};' for rx, ext in format_rules()),
        "@LINK_MAP@": "\n".join(f"    {o.extension[1:]} '{_link('$itsu_stem', '$itsu_keep', o.extension[1:])}';"
                                for o in _offers()),
    }
    return _fill("nginx.conf", values)


def htaccess(*, public_base: str) -> str:
    """``templates/htaccess`` filled in: the same behaviour for Apache 2.4 in the exported folder."""
    values = _settings(public_base)
    accept = [f"RewriteCond %{{HTTP:Accept}} {rx} [NC]\nRewriteRule ^ - [E=ITSU_EXT:{ext}]"
              for rx, ext in reversed(accept_rules())]  # the last match wins, so the best goes last
    fmt = [f"RewriteCond %{{QUERY_STRING}} (?:^|&)format={rx[1:-1]}(?:&|$) [NC]\nRewriteRule ^ - [E=ITSU_EXT:{ext}]"
           for rx, ext in format_rules()]
    types = [f'AddType "{o.media_type}{"; charset=utf-8" if o.media_type.startswith("text/") else ""}" {o.extension}'
             for o in _offers()]
    links = []
    for o in _offers():
        value = _link("%{ITSU_STEM}e", "%{ITSU_KEEP}e", o.extension[1:]).replace('"', '\\"')
        links.append(f'Header set Link "{value}" "expr=%{{ENV:ITSU_SERVED}} == \'{o.extension[1:]}\'"')
    values |= {"@ACCEPT_RULES@": "\n".join(accept), "@FORMAT_RULES@": "\n".join(fmt),
               "@TYPES@": "\n".join(types), "@LINK_HEADERS@": "\n".join(links)}
    return _fill("htaccess", values)
