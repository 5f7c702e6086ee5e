"""A SPARQL server as a store: Oxigraph server, Virtuoso, Fuseki … (see :mod:`.store` for the interface).

Queries go through SPARQLWrapper, data through the SPARQL 1.1 Graph Store HTTP Protocol, swaps through
SPARQL Update. A graph is uploaded under a staging name (:data:`~.store.STAGING`) and moved in place by one
update, which Oxigraph and Fuseki run as one transaction; queries name the live graphs as their dataset, so
a staging graph is never read, and the next writer removes one an interrupted upload left behind.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox

from itsutsuboshi import formats
from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.store.base import (
    DESCRIBE_LIMIT,
    LIVE_GRAPHS_SECONDS,
    STAGING,
    Dataset,
    QueryError,
    StoreUnavailable,
    _checked,
    describe_query,
    from_clauses,
)
from itsutsuboshi.store.geo_functions import for_virtuoso

_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"


class RemoteStore:
    """A SPARQL server: ``endpoint`` for queries, ``graph_store`` for the Graph Store Protocol, ``update``
    for SPARQL Update.

    While a write is under way (a staging graph exists), queries name the live graphs as their dataset
    (``default-graph-uri`` and ``named-graph-uri``, unless the query has its own ``FROM``), so a graph still
    being uploaded is never read. The list of graphs is read again every :data:`~.store.LIVE_GRAPHS_SECONDS`
    seconds, and a writer announces itself (a marker graph) that long before it uploads anything."""

    def __init__(self, endpoint: str, *, graph_store: str | None = None, update: str | None = None,
                 timeout: float = 30.0, listing_seconds: float = LIVE_GRAPHS_SECONDS) -> None:
        parts = urlsplit(endpoint)
        self.auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else parts.netloc
        self.endpoint = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        self.graph_store = graph_store or _graph_store_for(self.endpoint)
        self.update_endpoint = update or _update_for(self.endpoint, authenticated=self.auth is not None)
        self.timeout = timeout
        # Virtuoso (its endpoint is /sparql) has GeoSPARQL's functions as bif:st_* (:mod:`.geo_functions`)
        self.virtuoso = parts.path.rstrip("/") == "/sparql"
        self.listing_seconds = listing_seconds  # how long the list of graphs is trusted (readers and writers agree)
        self.version: str | None = None
        self._live: tuple[float, list[str], bool] | None = None  # (when, live graphs, a write under way)

    def refresh(self) -> bool:
        return False  # the server always answers with its current data

    def query(self, sparql: str, *, results: str = "json", graph: str = "turtle",
              timeout: float | None = None, dataset: Dataset | None = None,
              base: str | None = None) -> tuple[bytes, str]:
        """The protocol's dataset goes to the server as ``default-graph-uri`` / ``named-graph-uri`` (staging
        graphs left out); while a write is under way, a query naming no dataset names the live graphs;
        ``base`` is stated in the query (``BASE``), so the server resolves relative IRIs against this service."""
        if self.virtuoso:
            sparql = for_virtuoso(sparql)
        if base:
            sparql = f"BASE <{_checked(base)}>\n{sparql}"
        dataset = dataset or from_clauses(sparql)  # a union default graph would override FROM
        if dataset is not None:
            dataset = Dataset(tuple(g for g in dataset.default if not g.startswith(STAGING)),
                              tuple(g for g in dataset.named if not g.startswith(STAGING)))
        else:
            _, live, writing = self._listing()
            if writing:
                dataset = Dataset(tuple(live), tuple(live))
        return self._query(sparql, results=results, graph=graph, timeout=timeout, dataset=dataset)

    def _query(self, sparql: str, *, results: str = "json", graph: str = "turtle", timeout: float | None = None,
               dataset: Dataset | None = None) -> tuple[bytes, str]:
        from SPARQLWrapper import SPARQLWrapper

        client = SPARQLWrapper(self.endpoint)
        if self.auth:
            client.setHTTPAuth("DIGEST")
            client.setCredentials(*self.auth)
        client.setQuery(sparql)
        client.setOnlyConneg(True)  # no format=… parameters: Virtuoso would answer 406 to a mismatch
        client.setMethod("POST")
        client.setTimeout(max(1, int(timeout if timeout is not None else self.timeout)))
        if dataset is not None:
            for name in dataset.default:
                client.addDefaultGraph(name)
            for name in dataset.named:
                client.addNamedGraph(name)
        kind = client.queryType
        media = (formats.get(graph) if kind in ("CONSTRUCT", "DESCRIBE") else formats.RESULTS.get(results)).media_type
        client.addCustomHttpHeader("Accept", media)  # overrides what SPARQLWrapper would ask for
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        try:
            response = client.query().response
            return response.read(), media
        except QueryBadFormed as exc:
            raise QueryError(str(exc), 400) from exc
        except SPARQLWrapperException as exc:
            raise QueryError(str(exc), 502) from exc
        except OSError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def _all_graphs(self) -> list[str]:
        """Every named graph, staging ones too (an empty group names them without reading their data)."""
        for pattern in ("GRAPH ?g { }", "GRAPH ?g { ?s ?p ?o }"):  # the second for servers that need a triple
            body, _ = self._query(f"SELECT DISTINCT ?g WHERE {{ {pattern} }} ORDER BY ?g")
            found = [b["g"]["value"] for b in json.loads(body)["results"]["bindings"] if "g" in b]
            if found:
                return found
        return []

    def _listing(self) -> tuple[float, list[str], bool]:
        if self._live is None or time.monotonic() - self._live[0] > self.listing_seconds:
            found = self._all_graphs()
            live = [g for g in found if not g.startswith(STAGING)]
            self._live = (time.monotonic(), live, len(live) < len(found))
        return self._live

    def _graph_store(self, method: str, graph: str, **kw):
        """One Graph Store Protocol request about ``graph`` (digest credentials from the URL)."""
        import requests
        import requests.auth

        try:
            return requests.request(method, self.graph_store, params={"graph": graph}, timeout=self.timeout * 10,
                                    auth=requests.auth.HTTPDigestAuth(*self.auth) if self.auth else None, **kw)
        except requests.RequestException as exc:
            raise StoreUnavailable(str(exc)) from exc

    def _update(self, sparql: str) -> None:
        """One SPARQL Update request (a single transaction on Oxigraph and Fuseki)."""
        import requests
        import requests.auth

        try:
            answer = requests.post(self.update_endpoint, data={"update": sparql}, timeout=self.timeout * 10,
                                   auth=requests.auth.HTTPDigestAuth(*self.auth) if self.auth else None)
        except requests.RequestException as exc:
            raise StoreUnavailable(str(exc)) from exc
        if answer.status_code >= 400:
            raise QueryError(f"update refused ({answer.status_code}): {answer.text[:300]}", 502)

    def apply(self, changes: Mapping[str, Path | None], *, format: str = "nt", labelled: bool = False) -> None:
        for graph in changes:
            _checked(graph)
        # one writer at a time (``publish`` holds its output folder's lock): staging graphs found now were left
        # by an interrupted write; a MOVE from one that is gone would empty its target, so none is reused
        for stale in (g for g in self._all_graphs() if g.startswith(STAGING)):
            self._update(f"DROP SILENT GRAPH <{stale}>")
        marker = STAGING + uuid.uuid4().hex
        self._update(f"INSERT DATA {{ GRAPH <{marker}> {{ <{marker}> <{marker}> <{marker}> }} }}")
        time.sleep(self.listing_seconds)  # every reader has seen the marker before anything is uploaded
        for graph, path in changes.items():
            if path is None:
                self._update(f"DROP SILENT GRAPH <{graph}>")
                continue
            staging = STAGING + uuid.uuid4().hex
            with open(path, "rb") as body:
                answer = self._graph_store("PUT", staging, data=body, headers={"Content-Type": formats.get(format).media_type})
            if answer.status_code >= 400:
                self._update(f"DROP SILENT GRAPH <{staging}>")
                answer.raise_for_status()
            self._update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>")
        self._update(f"DROP SILENT GRAPH <{marker}>")
        self._live = None

    def replace_graph(self, graph: str, path: Path, *, format: str = "nt") -> None:
        self.apply({graph: path}, format=format)

    def drop_graph(self, graph: str) -> None:
        self.apply({graph: None})

    def graphs(self) -> list[str]:
        return list(self._listing()[1])

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        """A graph through the Graph Store Protocol (a CONSTRUCT would be cut at the server's row cap,
        Virtuoso's ``ResultSetMaxRows``, without an error); ``None``: every graph, by one CONSTRUCT."""
        if graph is None:
            body, _ = self.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", graph=format)
            return body
        answer = self._graph_store("GET", graph, headers={"Accept": NTRIPLES.media_type})
        if answer.status_code == 404:
            return b""
        answer.raise_for_status()
        body = _wkt_back(answer.content)
        if formats.get(format) is NTRIPLES:
            return body
        return ox.serialize(ox.parse(body, format=NTRIPLES.ox), format=formats.get(format).ox) or b""

    def describe(self, iri: str) -> list[ox.Triple]:
        body, _ = self.query(describe_query(iri), graph=NTRIPLES.name)
        found = {ox.Triple(q.subject, q.predicate, q.object): None
                 for q in ox.parse(_wkt_back(body), format=NTRIPLES.ox)}
        return list(found)[:DESCRIBE_LIMIT]


def _wkt_back(ntriples: bytes) -> bytes:
    """Virtuoso answers geo:wktLiteral values with its own datatype ``virtrdf:Geometry``: give it back
    (in N-Triples the datatype is always spelt out in full)."""
    return ntriples.replace(f"<{_VIRTUOSO_GEOMETRY}>".encode(), f"<{_WKT}>".encode())


def _graph_store_for(endpoint: str) -> str:
    """Where a server speaks the Graph Store Protocol, from its query endpoint: Oxigraph ``/query`` →
    ``/store``; Virtuoso ``/sparql`` → ``/sparql-graph-crud-auth``; Fuseki ``/ds/query`` or ``/ds/sparql``
    → ``/ds/data``."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path == "/sparql":
        path = "/sparql-graph-crud-auth"
    elif path == "/query":
        path = "/store"
    else:
        path = path.rsplit("/", 1)[0] + "/data"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _update_for(endpoint: str, *, authenticated: bool) -> str:
    """Where a server takes SPARQL Update, from its query endpoint: Oxigraph ``/query`` → ``/update``;
    Virtuoso ``/sparql`` → ``/sparql-auth`` (with credentials); Fuseki ``/ds/query`` → ``/ds/update``."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    path = ("/sparql-auth" if authenticated else "/sparql") if path == "/sparql" else path.rsplit("/", 1)[0] + "/update"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
