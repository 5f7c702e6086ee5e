"""Stores (``load``): where published data lives, behind one small interface.

:class:`EmbeddedStore` is the default: pyoxigraph, on disk in a data folder (or in memory for
tests). :class:`RemoteStore` reaches a SPARQL server (Oxigraph server, Virtuoso, Fuseki …): queries
through SPARQLWrapper, data through the SPARQL 1.1 Graph Store HTTP Protocol. Both replace a named
graph atomically, so readers never see half of a dataset. :func:`open_store` picks one from a
folder path or an http(s) URL.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from itertools import islice
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox

#: media types of query results the stores produce
RESULT_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {"turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
               "rdfxml": "application/rdf+xml"}
_OX_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
_OX_GRAPHS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
              "rdfxml": ox.RdfFormat.RDF_XML}
#: nested blank nodes followed by :meth:`Store.describe` (住所型 → 都道府県 …; 連絡先型 → 電話番号 …)
DESCRIBE_DEPTH = 6
#: at most this many triples in one description (a resource is a page, not a dump)
DESCRIBE_LIMIT = 20000
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: a new graph up to this size is added in one transaction in memory; larger ones are bulk-loaded and moved
EXTEND_MAX_BYTES = 256 << 20
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
_UNSAFE_IRI = frozenset('<>"{}|^`\\ \t\n\r')


def describe_query(iri: str) -> str:
    """One CONSTRUCT for :meth:`Store.describe` on a SPARQL server: the triples of ``iri``, its blank
    nodes to :data:`DESCRIBE_DEPTH` levels, and the ``rdfs:label`` of every IRI it links to (classes aside)."""
    s, label = f"<{_checked(iri)}>", f"<{_LABEL}>"
    template, branches = [], []
    for depth in range(DESCRIBE_DEPTH):
        chain = [f"{s} ?p0 ?o0 ."]
        for k in range(1, depth + 1):
            chain.append(f"FILTER(isBlank(?o{k - 1})) ?o{k - 1} ?p{k} ?o{k} .")
        subject = s if depth == 0 else f"?o{depth - 1}"
        template.append(f"{subject} ?p{depth} ?o{depth} . ?o{depth} {label} ?l{depth} .")
        branches.append("{ " + " ".join(chain) + " }")
        branches.append("{ " + " ".join(chain) + f" FILTER(isIRI(?o{depth}) && ?p{depth} != <{_TYPE}>) "
                        f"?o{depth} {label} ?l{depth} . }}")
    return "CONSTRUCT { " + " ".join(template) + " } WHERE { " + " UNION ".join(branches) + " }"


def _checked(iri: str) -> str:
    if not iri.startswith(("http://", "https://")) or any(c in _UNSAFE_IRI or ord(c) < 0x20 for c in iri):
        raise QueryError(f"not an IRI: {iri!r}", 400)
    return iri


class StoreUnavailable(RuntimeError):
    """The store cannot be reached (a remote server down): answer 503, try again later."""


class QueryTimeout(RuntimeError):
    """A query ran past its time limit and was stopped."""


class QueryError(ValueError):
    """The store refused or failed a query; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Store(Protocol):
    """What the loader and the server need from a store."""

    def query(self, sparql: str, *, results: str = "json", graph: str = "turtle",
              timeout: float | None = None) -> tuple[bytes, str]:
        """Run a read-only query; SELECT/ASK answer in ``results``, CONSTRUCT/DESCRIBE in ``graph``.
        Returns the body and its media type; past ``timeout`` seconds, raises :class:`QueryTimeout`."""
        ...

    def replace_graph(self, graph: str, path: Path, *, format: str = "nt") -> None:
        """Replace the named graph ``graph`` with the RDF in ``path``, atomically."""
        ...

    def graphs(self) -> list[str]:
        """The named graphs."""
        ...

    def drop_graph(self, graph: str) -> None:
        """Remove the named graph ``graph`` (nothing happens when there is none)."""
        ...

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        """One named graph (``None``: all of them merged) serialised."""
        ...

    def describe(self, iri: str) -> list[ox.Triple]:
        """The triples of ``iri``, of its blank nodes (to :data:`DESCRIBE_DEPTH` levels at least) and the
        ``rdfs:label`` of every IRI it links to but its classes; no duplicates, at most :data:`DESCRIBE_LIMIT`."""
        ...


class EmbeddedStore:
    """pyoxigraph in a folder (``path``) or in memory (``path=None``)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None and not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        if self.path is None:
            self.store = ox.Store()
        elif read_only:  # several server processes can share the folder (a writer holds it alone)
            self.store = ox.Store.read_only(str(self.path))
        else:
            self.store = ox.Store(str(self.path))
        self._write = threading.Lock()
        self._generation = 0  # bumped by every write: workers forked before it see old data
        self._pool = _WorkerPool()

    def query(self, sparql: str, *, results: str = "json", graph: str = "turtle",
              timeout: float | None = None) -> tuple[bytes, str]:
        """With ``timeout``, the query runs in a forked worker process that is killed when time is
        up (pyoxigraph cannot cancel a query, and a runaway one must not keep a CPU and its memory).
        Workers are forked ahead of use and reused, and replaced after a change of the data."""
        if timeout is None:
            return _run(self.store, sparql, results, graph)
        worker = self._pool.take(self.store, self._generation)
        try:
            answer = worker.ask((sparql, results, graph), timeout)
        except BaseException:
            worker.stop()
            raise
        self._pool.give_back(worker)
        kind, payload = answer
        if kind == "error":
            raise QueryError(payload, 400)
        return payload

    def replace_graph(self, graph: str, path: Path, *, format: str = "nt") -> None:
        target = ox.NamedNode(graph)
        with self._write:  # one loader at a time; readers see the old graph, or the new one, whole
            if not self.store.contains_named_graph(target) and path.stat().st_size <= EXTEND_MAX_BYTES:
                # a new graph: added in one transaction (several times faster than staging + MOVE)
                self.store.extend(ox.Quad(q.subject, q.predicate, q.object, target)
                                  for q in ox.parse(path=str(path), format=_OX_GRAPHS[format], rename_blank_nodes=True))
            else:
                staging = ox.NamedNode(graph + "#loading")
                self.store.update(f"DROP SILENT GRAPH <{staging.value}>")
                self.store.bulk_load(path=str(path), format=_OX_GRAPHS[format], to_graph=staging)
                self.store.update(f"MOVE SILENT GRAPH <{staging.value}> TO <{graph}>")
            self.store.flush()
            self._generation += 1

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def drop_graph(self, graph: str) -> None:
        with self._write:
            self.store.update(f"DROP SILENT GRAPH <{_checked(graph)}>")
            self.store.flush()
            self._generation += 1

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        if graph is None:
            out = ox.Store()
            for quad in self.store:
                out.add(ox.Quad(quad.subject, quad.predicate, quad.object))
            return out.dump(format=_OX_GRAPHS[format], from_graph=ox.DefaultGraph())
        return self.store.dump(format=_OX_GRAPHS[format], from_graph=ox.NamedNode(graph))

    def describe(self, iri: str) -> list[ox.Triple]:
        return _describe(self.store, iri)


def _describe(store: ox.Store, iri: str) -> list[ox.Triple]:
    """:meth:`Store.describe` in-process: Oxigraph's DESCRIBE (the concise bounded description, blank
    nodes followed) plus the labels of the IRIs it links to. Bounded work, so no timeout is needed."""
    found = list(islice(store.query(f"DESCRIBE <{_checked(iri)}>", use_default_graph_as_union=True), DESCRIBE_LIMIT))
    label, kind = ox.NamedNode(_LABEL), ox.NamedNode(_TYPE)
    for o in {t.object for t in found if isinstance(t.object, ox.NamedNode) and t.predicate != kind}:
        found.extend(q.triple for q in store.quads_for_pattern(o, label, None, None))
    return list(dict.fromkeys(found))[:DESCRIBE_LIMIT]


def _run(store: ox.Store, sparql: str, results: str, graph: str) -> tuple[bytes, str]:
    answer = store.query(sparql, use_default_graph_as_union=True)
    if isinstance(answer, ox.QueryTriples):
        return answer.serialize(format=_OX_GRAPHS[graph]), GRAPH_TYPES[graph]
    return answer.serialize(format=_OX_RESULTS[results]), RESULT_TYPES[results]


def _serve_queries(store: ox.Store, connection) -> None:  # type: ignore[no-untyped-def]
    """A worker process: answer queries from the pipe until it closes (or the process is killed)."""
    _forget_parent_signals()
    while True:
        try:
            sparql, results, graph = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("ok", _run(store, sparql, results, graph)))
        except Exception as exc:  # reported to the parent, which answers 400
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


def _forget_parent_signals() -> None:
    """Default signal handling in a forked worker. A fork inherits the parent's handlers: under
    gunicorn, SIGTERM would only set the parent's "stop gracefully" flag, so the worker would ignore
    the SIGTERM of multiprocessing's exit handler and keep its parent waiting."""
    for name in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGCHLD", "SIGTTIN",
                 "SIGTTOU"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


class _Worker:
    """A forked process holding a copy-on-write view of the store as it was when forked."""

    def __init__(self, store: ox.Store, generation: int) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_serve_queries, args=(store, child_end), daemon=True)
        self.process.start()
        child_end.close()
        self.generation = generation

    def ask(self, request: tuple[str, str, str], timeout: float) -> tuple[str, object]:
        self.connection.send(request)
        if not self.connection.poll(timeout):
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
        try:
            return self.connection.recv()
        except EOFError:
            raise QueryError("the query process ended without an answer", 500) from None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class _WorkerPool:
    """Idle query workers; a worker that timed out or failed is stopped, not returned."""

    def __init__(self) -> None:
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()

    def take(self, store: ox.Store, generation: int) -> _Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.generation == generation and worker.process.is_alive():
                    return worker
                worker.stop()
        return _Worker(store, generation)

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            self.idle.append(worker)


class RemoteStore:
    """A SPARQL server: ``endpoint`` for queries, ``graph_store`` for the Graph Store Protocol."""

    def __init__(self, endpoint: str, *, graph_store: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        self.auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else parts.netloc
        self.endpoint = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        self.graph_store = graph_store or _graph_store_for(self.endpoint)
        self.timeout = timeout

    def query(self, sparql: str, *, results: str = "json", graph: str = "turtle",
              timeout: float | None = None) -> tuple[bytes, str]:
        from SPARQLWrapper import SPARQLWrapper

        client = SPARQLWrapper(self.endpoint)
        if self.auth:
            client.setHTTPAuth("DIGEST")
            client.setCredentials(*self.auth)
        client.setQuery(sparql)
        client.setOnlyConneg(True)  # no format=… parameters: Virtuoso would answer 406 to a mismatch
        client.setMethod("POST")
        client.setTimeout(max(1, int(timeout if timeout is not None else self.timeout)))
        kind = client.queryType
        media = GRAPH_TYPES[graph] if kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES[results]
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

    def _graph_store(self, method: str, graph: str, **kw):  # type: ignore[no-untyped-def]
        """One Graph Store Protocol request about ``graph`` (digest credentials from the URL)."""
        import requests
        import requests.auth

        try:
            return requests.request(method, self.graph_store, params={"graph": graph}, timeout=self.timeout * 10,
                                    auth=requests.auth.HTTPDigestAuth(*self.auth) if self.auth else None, **kw)
        except requests.RequestException as exc:
            raise StoreUnavailable(str(exc)) from exc

    def replace_graph(self, graph: str, path: Path, *, format: str = "nt") -> None:
        with open(path, "rb") as body:
            answer = self._graph_store("PUT", graph, data=body, headers={"Content-Type": GRAPH_TYPES[format]})
        answer.raise_for_status()

    def drop_graph(self, graph: str) -> None:
        answer = self._graph_store("DELETE", graph)
        if answer.status_code != 404:
            answer.raise_for_status()

    def graphs(self) -> list[str]:
        import json

        body, _ = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        return [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]]

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        """A graph through the Graph Store Protocol (a CONSTRUCT would be cut at the server's row cap,
        Virtuoso's ``ResultSetMaxRows``, without an error); ``None``: every graph, by one CONSTRUCT."""
        if graph is None:
            body, _ = self.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", graph=format)
            return body
        answer = self._graph_store("GET", graph, headers={"Accept": GRAPH_TYPES["nt"]})
        if answer.status_code == 404:
            return b""
        answer.raise_for_status()
        body = _wkt_back(answer.content)
        if format == "nt":
            return body
        return ox.serialize(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=_OX_GRAPHS[format])

    def describe(self, iri: str) -> list[ox.Triple]:
        body, _ = self.query(describe_query(iri), graph="nt")
        found = {ox.Triple(q.subject, q.predicate, q.object): None
                 for q in ox.parse(_wkt_back(body), format=ox.RdfFormat.N_TRIPLES)}
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


def open_store(spec: str | Path | None, *, read_only: bool = False) -> Store:
    """An http(s) URL is a remote SPARQL endpoint (``http://user:password@host/sparql`` for a store
    that wants credentials to write, as Virtuoso does); anything else a folder for the embedded
    store (``None``: in memory), opened ``read_only`` by servers so that several processes share it."""
    if spec is None:
        return EmbeddedStore(None)
    text = str(spec)
    if text.startswith(("http://", "https://")):
        return RemoteStore(text)
    return EmbeddedStore(text, read_only=read_only)


def graph_iri(base: str, dataset: str, code: str) -> str:
    """The named graph of one dataset of one publisher: ``{base}graph/{dataset}/{code}``."""
    return f"{base.rstrip('/')}/graph/{dataset}/{code}"
