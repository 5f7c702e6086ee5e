"""The SPARQL endpoint (``serve``): ``/sparql`` speaks the SPARQL 1.1 Protocol, read-only.

Every query is parsed here before it reaches the store (rdflib's parser, one parse at a time: its
grammar keeps state that concurrent parses corrupt): updates are refused
(403), ``SERVICE`` only to allow-listed endpoints (403), unparseable text answers 400 with the
parser's message, and over-long text 413. SELECT, CONSTRUCT and DESCRIBE get a ``LIMIT`` of at most
``SPARQL_MAX_ROWS`` on the outermost query. The whole of it runs in a worker thread under this
endpoint's own wall-clock timeout (``SPARQL_TIMEOUT``), whatever the backend does. Settings
(the app's config, read through :class:`.state.SparqlSettings`): ``SPARQL_TIMEOUT`` (seconds, 10), ``SPARQL_MAX_ROWS`` (10000),
``SPARQL_SERVICE_ALLOWLIST`` (endpoint IRIs, empty), ``SPARQL_WORKERS`` (queries running at once, 4).
CSV results are standard; ``spreadsheet=1`` asks for CSV to open in a spreadsheet (a BOM, and no cell
taken for a formula: :mod:`itsutsuboshi.spreadsheet`). ``/sparql/ui`` is the query page (:mod:`.query_page`), and
``/sparql/terms.json`` what its editor completes (:mod:`.terms`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for
from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from itsutsuboshi import formats
from itsutsuboshi.formats import HTML, RESULTS_CSV, RESULTS_JSON, TURTLE, Registry
from itsutsuboshi.spreadsheet import safe_row
from itsutsuboshi.store import Dataset, QueryError, QueryTimeout, StoreUnavailable
from itsutsuboshi.store.base import SPARQL_SKIPPED
from itsutsuboshi.store.geo_functions import GEOF  # GeoSPARQL's functions (geof:distance)
from itsutsuboshi.vocab.namespaces import GEO  # GeoSPARQL's ontology (geo:asWKT)

from .query_page import render_page
from .state import site_state
from .terms import terms_json

bp = Blueprint("sparql", __name__, template_folder="templates")

MAX_QUERY_BYTES = 64 * 1024
#: the query forms that answer with a graph rather than results
_GRAPH_KINDS = ("CONSTRUCT", "DESCRIBE")



def _offers(registry: Registry) -> dict[str, str]:
    """Media type -> format name: the media types written first, then those also understood (the order
    breaks ties between equally acceptable types)."""
    written = {f.media_type: f.name for f in registry}
    return written | {m: f.name for f in registry for m in f.media_types[1:] if m not in written}


#: media type offered -> (``results=``/``graph=`` name of the store); the first one is the default
RESULT_OFFERS = _offers(formats.RESULTS)
GRAPH_OFFERS = _offers(formats.RDF)
_KINDS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
#: rdflib's grammar is not thread-safe (pyparsing works out how to call each parse action on its first
#: use, and two threads doing it at once fail with TypeError): one parse at a time
_PARSING = threading.Lock()
#: a graph named by the protocol's dataset parameters
_GRAPH_IRI = re.compile(r"https?://[^<>\"{}|^`\\\s]+")
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
         "Access-Control-Allow-Headers": "Content-Type, Accept",
         "Access-Control-Expose-Headers": "X-Result-Limit, X-Result-Truncated"}


class Refusal(Exception):
    """A request answered with an error status and a message (never a 200)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Checked:
    """A query that passed the checks: its kind and the text to send to the store."""

    kind: str
    text: str
    limit: int | None = None  # the row cap this endpoint applied (None: the query's own was smaller)


# -- checking a query -----------------------------------------------------------------------

def check_query(text: str, *, allowlist: list[str], max_rows: int) -> Checked:
    """Parse ``text``; refuse updates, unlisted SERVICE and bad syntax; cap the rows."""
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise Refusal(413, f"query too large: at most {MAX_QUERY_BYTES} bytes")
    try:
        parsed = _parse(parseQuery, text)
    except RecursionError:
        raise Refusal(400, "query too deeply nested or too long for the query checker; split it up") from None
    except ParseException as exc:
        if _is_update(text):
            raise Refusal(403, "SPARQL Update is not allowed: this endpoint is read-only") from None
        raise Refusal(400, f"malformed query: {exc}") from None
    kind = _KINDS.get(parsed[1].name)
    if kind is None:  # pragma: no cover - the grammar has no other query forms
        raise Refusal(400, f"unsupported query form {parsed[1].name}")
    _check_services(parsed, allowlist)
    _check_functions(parsed)
    if kind == "ASK":
        return Checked(kind, text)
    return _cap(text, parsed, kind, max_rows)


@lru_cache(maxsize=1024)
def _checked(text: str, allowlist: tuple[str, ...], max_rows: int) -> Checked:
    """:func:`check_query`, remembered: rdflib's grammar takes 3–50 ms per query, and the same queries
    come again and again (example queries, permalinks, applications polling). Refusals are not kept."""
    return check_query(text, allowlist=list(allowlist), max_rows=max_rows)


def _parse(parser: Callable[[str], Any], text: str) -> Any:
    """``parser(text)``, one at a time (:data:`_PARSING`); accepted queries are remembered, so few wait."""
    with _PARSING:
        return parser(text)


def _is_update(text: str) -> bool:
    try:
        _parse(parseUpdate, text)
    except (ParseException, RecursionError):
        return False
    return True


def _nodes(root: Any):
    """Every CompValue in a parse tree, without recursion (deep trees must not overflow)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)


def _check_functions(parsed: Any) -> None:
    """A GeoSPARQL function called in the ontology's namespace (``geo:sfWithin(…)``) gets a 400 that names
    the functions' namespace, instead of the store's "custom function not supported"."""
    calls = [n for n in _nodes(parsed[1]) if n.name == "Function"]
    if not calls:
        return
    prologue = _prologue(parsed)
    for node in calls:
        try:
            iri = str(prologue.absolutize(dict.get(node, "iri")))
        except Exception as exc:
            raise Refusal(400, f"malformed query: {exc}") from None
        if iri.startswith(GEO):
            name = iri[len(GEO):]
            raise Refusal(400, f"<{iri}> is a term of the GeoSPARQL ontology, not a function: GeoSPARQL functions "
                               f"are in <{GEOF}>, e.g. PREFIX geof: <{GEOF}> … geof:{name}(…); the ontology "
                               f"namespace (geo:) is for geo:hasGeometry and geo:asWKT")


def _prologue(parsed: Any) -> Any:
    """The query's prefixes and base, to absolutise the IRIs the checks look at."""
    from rdflib.plugins.sparql.algebra import translatePrologue

    try:
        return translatePrologue(parsed[0], None)
    except Exception as exc:  # an undeclared prefix, for one
        raise Refusal(400, f"malformed query: {exc}") from None


def _check_services(parsed: Any, allowlist: list[str]) -> None:
    from rdflib import URIRef

    services = [n for n in _nodes(parsed[1]) if n.name == "ServiceGraphPattern"]
    if not services:
        return
    prologue = _prologue(parsed)
    for node in services:
        term = dict.get(node, "term")
        try:
            iri = prologue.absolutize(term)
        except Exception as exc:
            raise Refusal(400, f"malformed query: {exc}") from None
        if not isinstance(iri, URIRef):
            raise Refusal(403, "SERVICE with a variable endpoint is not allowed")
        if str(iri) not in allowlist:
            raise Refusal(403, f"SERVICE <{iri}> is not allowed: federated queries only go to allow-listed endpoints")


# Strings, IRIs and comments are skipped; braces, LIMIT and VALUES are found outside them.
_SCAN = re.compile(rf'''
    (?P<skip> {SPARQL_SKIPPED} )
  | (?P<open>\{{) | (?P<close>\}})
  | (?<![\w:?$.\-]) (?: (?P<limit>LIMIT\s+(?P<n>\d+)) | (?P<values>VALUES) ) (?![\w:\-])
''', re.X | re.I | re.S)


def _cap(text: str, parsed: Any, kind: str, max_rows: int) -> Checked:
    """Give the outermost query a LIMIT of at most ``max_rows`` by a careful rewrite, checked by parsing again."""
    own = _limit_of(parsed)
    if own is not None and own <= max_rows:
        return Checked(kind, text)
    depth, limit_at, values_at = 0, None, None
    for m in _SCAN.finditer(text):
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
        elif depth == 0 and m.group("limit"):
            limit_at = m.span("limit")
        elif depth == 0 and m.group("values") and values_at is None:
            values_at = m.start("values")
    clause = f"LIMIT {max_rows}"
    if limit_at is not None:
        capped = text[:limit_at[0]] + clause + text[limit_at[1]:]
    elif values_at is not None:
        capped = text[:values_at] + clause + "\n" + text[values_at:]
    else:
        capped = text + "\n" + clause
    try:
        ok = _limit_of(_parse(parseQuery, capped)) == max_rows
    except (ParseException, RecursionError):
        ok = False
    if not ok:
        raise Refusal(400, f"could not apply the row limit to this query; add LIMIT {max_rows} (or less) yourself")
    return Checked(kind, capped, limit=max_rows)


def _limit_of(parsed: Any) -> int | None:
    clauses = dict.get(parsed[1], "limitoffset")
    limit = dict.get(clauses, "limit") if clauses is not None else None
    return int(limit) if limit is not None else None


# -- running it under a timeout -------------------------------------------------------------

def run_bounded(work: Callable[[], Any], *, timeout: float, slots: threading.BoundedSemaphore) -> Any:
    """Run ``work`` in a daemon thread; give up after ``timeout`` seconds (the thread keeps its
    slot until it really ends, so runaway queries cannot pile up)."""
    if not slots.acquire(blocking=False):
        raise Refusal(503, "too many queries running; try again shortly", {"Retry-After": "5"})
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the request thread
            outcome["error"] = exc
        finally:
            slots.release()

    worker = threading.Thread(target=target, name="sparql-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise Refusal(503, f"query timed out after {timeout:g} s", {"Retry-After": "10"})
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _dataset() -> Dataset | None:
    """The RDF dataset the request names (``default-graph-uri``, ``named-graph-uri``, each repeatable, in the
    URL or a form body), which replaces the query's FROM and FROM NAMED; ``None`` when it names none."""
    default = request.args.getlist("default-graph-uri") + request.form.getlist("default-graph-uri")
    named = request.args.getlist("named-graph-uri") + request.form.getlist("named-graph-uri")
    if not default and not named:
        return None
    for iri in default + named:
        if not _GRAPH_IRI.fullmatch(iri):
            raise Refusal(400, f"default-graph-uri and named-graph-uri take http(s) IRIs: {iri!r}")
    return Dataset(tuple(dict.fromkeys(default)), tuple(dict.fromkeys(named)))


def _execute(store: Any, checked: Checked, fmt: str, timeout: float | None = None, *,
             dataset: Dataset | None = None, base: str | None = None) -> tuple[bytes, str, dict[str, str]]:
    # the store gets the time limit too: the embedded store then runs the query in a process it
    # can stop, so a runaway query does not keep a CPU and its memory after we answered 503
    limit: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
    if dataset is not None:
        limit["dataset"] = dataset
    if base is not None:
        limit["base"] = base
    try:
        if checked.kind in _GRAPH_KINDS:
            body, media = store.query(checked.text, graph=fmt, **limit)
        else:
            body, media = store.query(checked.text, results=fmt, **limit)
    except QueryTimeout as exc:
        raise Refusal(503, str(exc), {"Retry-After": "10"}) from None
    except StoreUnavailable as exc:
        raise Refusal(503, f"the store is unavailable: {exc}", {"Retry-After": "10"}) from None
    except QueryError as exc:
        raise Refusal(exc.status, f"query failed: {exc}") from None
    except (SyntaxError, ValueError) as exc:  # pyoxigraph's own parser or evaluator
        raise Refusal(400, f"query failed: {exc}") from None
    except OSError as exc:
        raise Refusal(503, f"the store failed: {exc}") from None
    headers: dict[str, str] = {}
    if checked.limit is not None:
        headers["X-Result-Limit"] = str(checked.limit)
        if checked.kind == "SELECT" and _count_rows(body, fmt) >= checked.limit:
            headers["X-Result-Truncated"] = "true"
    return body, media, headers


def _count_rows(body: bytes, fmt: str) -> int:
    try:
        if fmt == RESULTS_CSV.name:  # pyoxigraph does not read CSV results back (lossy), Python's csv module does
            return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
        solutions = cast(ox.QuerySolutions, ox.parse_query_results(body, format=formats.RESULTS.get(fmt).ox))
        return sum(1 for _ in solutions)
    except Exception:
        return 0


# -- HTTP -----------------------------------------------------------------------------------

def _pick(offers: dict[str, str], names: set[str], args: Any, accept: Any) -> str:
    """The format name for a request: ``?format=`` first, then Accept with q-values, else the first offer."""
    asked = args.get("format")
    if asked:
        if asked in names:
            return asked
        raise Refusal(406, f"format={asked} does not fit here; choose one of {', '.join(sorted(names))}")
    if not accept:
        return next(iter(offers.values()))
    best = accept.best_match(list(offers))
    if best is None:
        raise Refusal(406, "no acceptable media type; offered: " + ", ".join(offers))
    return offers[best]


def _error(refusal: Refusal) -> Response:
    wants_json = request.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json"
    if wants_json:
        body, media = json.dumps({"status": refusal.status, "error": refusal.message}, ensure_ascii=False), "application/json"
    else:
        body, media = refusal.message + "\n", "text/plain; charset=utf-8"
    return Response(body, status=refusal.status, mimetype=None, content_type=media, headers=refusal.headers)


def _query_text() -> str | None:
    """The query of a GET, a form POST or a direct POST; updates refused whatever the method."""
    if "update" in request.args or "update" in request.form:
        raise Refusal(403, "SPARQL Update is not allowed: this endpoint is read-only")
    if len(request.args.getlist("query")) + len(request.form.getlist("query")) > 1:
        raise Refusal(400, "give one query: the request has several query parameters")
    if request.method == "GET":
        return request.args.get("query")
    if request.content_length is not None and request.content_length > MAX_QUERY_BYTES * 4:
        raise Refusal(413, f"request too large: a query is at most {MAX_QUERY_BYTES} bytes")
    media = (request.mimetype or "").lower()
    if media == "application/sparql-update":
        raise Refusal(403, "SPARQL Update is not allowed: this endpoint is read-only")
    if media == "application/sparql-query":
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal(400, "the query must be UTF-8") from None
    if media == "application/x-www-form-urlencoded":
        return request.form.get("query")
    raise Refusal(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded (query=…)")


@bp.after_request
def _headers(response: Response) -> Response:
    if request.path.startswith("/sparql"):
        response.headers.update(_CORS)
        response.vary.add("Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    try:
        text = _query_text()
        if text is None or not text.strip():
            if request.method == "POST":
                raise Refusal(400, "missing query")
            return _no_query()
        return _answer(text)
    except Refusal as refusal:
        return _error(refusal)


@bp.route("/sparql/ui")
def ui() -> Response:
    return _page()


@bp.get("/sparql/terms.json")
def terms() -> Response:
    """What the query editor completes: prefixes, classes and properties with labels and counts."""
    return Response(terms_json(), mimetype="application/json", headers={"Cache-Control": "public, max-age=300"})


def _run(text: str, pick: Callable[[str], str], *, base: str,
         dataset: Dataset | None = None) -> tuple[bytes, str, dict[str, str]]:
    """``text`` checked and run as the endpoint runs every query (its allow-list, row cap, timeout and slots), in
    the format ``pick`` names for the query's form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    state = site_state()
    store, settings = state.store, state.sparql
    allowlist, max_rows, timeout = tuple(settings.allowlist), settings.max_rows, settings.timeout

    def work() -> tuple[bytes, str, dict[str, str]]:
        checked = _checked(text, allowlist, max_rows)
        return _execute(store, checked, pick(checked.kind), timeout, dataset=dataset, base=base)

    # the store stops the query at ``timeout``; the thread bound is the backstop for stores that cannot
    return run_bounded(work, timeout=timeout + 0.5, slots=settings.slots)


def _answer(text: str) -> Response:
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise Refusal(413, f"query too large: at most {MAX_QUERY_BYTES} bytes")
    args, accept = request.args.to_dict(), request.accept_mimetypes

    def pick(kind: str) -> str:
        if kind in _GRAPH_KINDS:
            return _pick(GRAPH_OFFERS, set(formats.RDF.names()), args, accept)
        return _pick(RESULT_OFFERS, set(formats.RESULTS.names()), args, accept)

    # relative IRIs in a query name things under this service
    body, media, headers = _run(text, pick, dataset=_dataset(), base=request.base_url)
    if media == RESULTS_CSV.media_type and _wants_spreadsheet(args):
        body = for_spreadsheets(body)
    return Response(body, content_type=media if "charset" in media or not media.startswith("text/")
                    else media + "; charset=utf-8", headers=headers)


def _wants_spreadsheet(args: dict[str, str]) -> bool:
    return args.get("spreadsheet", "").lower() in ("1", "true", "yes", "on")


def for_spreadsheets(body: bytes) -> bytes:
    """SPARQL CSV results made for spreadsheet software: a BOM (so Excel reads UTF-8) and a ``'`` in
    front of every cell that begins like a formula (:func:`itsutsuboshi.spreadsheet.safe_cell`)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(body.decode("utf-8"), newline="")):
        writer.writerow(safe_row(row))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


_SD_OFFERS = {HTML.media_type: HTML.name, **{f.media_type: f.name for f in formats.RDF}}


def _no_query() -> Response:
    fmt = _pick(_SD_OFFERS, set(_SD_OFFERS.values()), request.args, request.accept_mimetypes)
    if fmt == "html":
        return _page()
    media = next(m for m, f in _SD_OFFERS.items() if f == fmt)
    body = service_description(request.base_url).serialize(format=formats.get(fmt).serializer)
    return Response(body, content_type=media + ("; charset=utf-8" if media.startswith("text/") else ""))


def service_description(endpoint: str):
    """The SPARQL 1.1 Service Description of this endpoint, as an rdflib Graph."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    names = Namespace(formats.W3C_FORMATS)
    graph = Graph()
    graph.bind("sd", sd)
    graph.bind("formats", names)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, service))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    graph.add((service, sd.feature, sd.UnionDefaultGraph))
    # the default dataset: every named graph, and their union as the default graph; a request narrows it with
    # default-graph-uri / named-graph-uri (which take precedence over the query's FROM / FROM NAMED)
    dataset, default = BNode(), BNode()
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    graph.add((dataset, sd.defaultGraph, default))
    graph.add((default, RDF.type, sd.Graph))
    graph.add((service, sd.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for served in (*formats.RESULTS, *formats.RDF):
        graph.add((service, sd.resultFormat, names[served.w3c]))
    settings = site_state().sparql
    graph.add((service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
               Literal(f"Read-only; at most {settings.max_rows} rows, {settings.timeout:g} s per query. The default "
                       "graph is the union of all graphs; default-graph-uri and named-graph-uri select others "
                       "and take precedence over FROM and FROM NAMED; relative IRIs resolve against this "
                       "endpoint's IRI.")))
    return graph


def _page() -> Response:
    """The query page (:mod:`.query_page`); without JavaScript its form asks this endpoint's checks to answer."""
    return render_page(_for_page)


def _for_page(text: str) -> tuple[bytes, str]:
    """A query of the query page run as the endpoint runs it (the same checks, limits and timeout), as SPARQL
    JSON results or Turtle; a refusal is a ``ValueError`` with its status and message."""
    try:
        body, media, _ = _run(text, lambda kind: TURTLE.name if kind in _GRAPH_KINDS else RESULTS_JSON.name,
                              base=url_for("sparql.sparql", _external=True))
    except Refusal as refusal:
        raise ValueError(f"{refusal.status} {refusal.message}") from None
    return body, media
