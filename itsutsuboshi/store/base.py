"""What every store offers (:class:`Store`), its errors, and the query helpers both stores share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

#: nested blank nodes followed by :meth:`Store.describe` (住所型 → 都道府県 …; 連絡先型 → 電話番号 …)
DESCRIBE_DEPTH = 6
#: at most this many triples in one description (a resource is a page, not a dump)
DESCRIBE_LIMIT = 20000
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: triples per bulk load: the store's bulk loader holds a batch in memory (about 1 KB a triple)
LOAD_CHUNK = 100_000
#: what it costs (µs a triple) to delete from a snapshot of the live store, or to copy into a fresh one:
#: a new generation is built the cheaper way
DELETE_COST, COPY_COST = 30, 9
#: a generation that received more triples than this is compacted before it goes live
OPTIMIZE_MIN = 500_000
#: graph names of loads in progress on a SPARQL server (never queried, removed by the next writer)
STAGING = "urn:itsutsuboshi:staging:"
#: seconds a remote store's list of live graphs is trusted
LIVE_GRAPHS_SECONDS = 2.0
#: what a scan of a SPARQL query skips, as a pattern to build scanners from (valid in verbose patterns too):
#: strings (long ones first), IRIs and comments, inside which no keyword, brace or function counts
SPARQL_SKIPPED = (r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                  r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*')
_TOKENS = re.compile(rf"(?P<skip>{SPARQL_SKIPPED})|(?P<word>(?<![:?$\w])[A-Za-z_]\w*(?![\w:]))", re.DOTALL)
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_UNSAFE_IRI = frozenset('<>"{}|^`\\ \t\n\r')


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (SPARQL 1.1 Protocol ``default-graph-uri`` and ``named-graph-uri``):
    it replaces the query's own FROM and FROM NAMED, and a graph it does not give is not queried."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


def names_dataset(sparql: str) -> bool:
    """Whether a query has its own FROM or FROM NAMED (the word outside IRIs, strings and comments)."""
    return any((word := m.group("word")) is not None and word.upper() == "FROM" for m in _TOKENS.finditer(sparql))


def from_clauses(sparql: str) -> Dataset | None:
    """The dataset a query's FROM and FROM NAMED clauses name (prefixes and BASE resolved), ``None`` when it
    has none. Stores whose default graph is the union of all graphs may ignore FROM: the dataset is then given
    to them as the protocol's parameters, which mean the same."""
    if not names_dataset(sparql):
        return None
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        clauses = translateQuery(parseQuery(sparql)).algebra.get("datasetClause") or []
    except Exception:  # the store reports the syntax error itself
        return None
    default = tuple(str(c["default"]) for c in clauses if "default" in c)
    named = tuple(str(c["named"]) for c in clauses if "named" in c)
    return Dataset(default, named) if default or named else None


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
              timeout: float | None = None, dataset: Dataset | None = None,
              base: str | None = None) -> tuple[bytes, str]:
        """Run a read-only query; SELECT/ASK answer in ``results``, CONSTRUCT/DESCRIBE in ``graph`` (format
        names of :data:`itsutsuboshi.formats.RESULTS` and :data:`itsutsuboshi.formats.RDF`).
        The default graph is the union of every graph unless the query has FROM or FROM NAMED; ``dataset``
        replaces both (the protocol's parameters win). Relative IRIs resolve against ``base``.
        Returns the body and its media type; past ``timeout`` seconds, raises :class:`QueryTimeout`."""
        ...

    def apply(self, changes: Mapping[str, Path | None], *, format: str = "nt", labelled: bool = False) -> None:
        """Replace each named graph with the RDF in its path (``None``: remove it); a reader sees each
        graph old or new, never half loaded (the embedded store on disk: all of them at once).
        ``labelled``: the files' blank node labels are their own (no other graph uses them), so they
        need no renaming (N-Triples written by ``publish``)."""
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

