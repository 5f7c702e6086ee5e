"""What a dataset page and a record page add to the generic description: the summary of a dataset's
properties (how many records have each, its most used values or code-list concepts), its provenance
(licence, publisher, source file, last update, and for a record the CSV row it came from), its downloads
(:mod:`.flat`), a ready query, and the validation report and 5-star diagnosis ``publish`` wrote for its
source file. Labels come from the store or the bundled vocabularies; an IRI is shown bare only when neither
has one.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import url_for

from itsutsuboshi import licences
from itsutsuboshi.iris import IriBuilder, parse_source_row
from itsutsuboshi.store import Store
from itsutsuboshi.vocab.namespaces import DCTERMS, FOAF, IC, SKOS, XSD

from . import describe, render
from .cache import DocumentCache
from .describe import DCTERMS_IS_PART_OF, ITSU_GRAPH, PROV_DERIVED_FROM, TRUE_TEXTS, BadIri, bindings, checked_iri
from .reports import diagnosed_files, read_json, reports_folder

RDF_TYPE = render.RDF_TYPE
IC_PUBLISHER = IC + "発行者"
XSD_BOOLEAN = XSD + "boolean"
#: blank nodes followed below a record's own properties in the summary
MAX_DEPTH = 3
EXAMPLES = 5
#: properties whose values the summary does not list (one per record, or the dataset itself)
NO_EXAMPLES = frozenset({PROV_DERIVED_FROM, DCTERMS_IS_PART_OF})


@dataclass(frozen=True)
class Link:
    """Something shown: its text (and English under it), a link when it is an http(s) IRI."""

    text: str
    href: str | None = None
    en: str = ""


@dataclass
class PropertyRow:
    """One property (path) of the records: how many have it, how many values it takes, a few of them."""

    path: tuple[str, ...]
    term: render.Term
    records: int
    values: int
    nested: bool
    examples: list[tuple[Link, int]] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path) - 1


@dataclass
class Provenance:
    """Where a dataset or a record comes from, as shown: licences, publishers, datasets, source files, source
    rows (a record's), the last update."""

    licences: list[Link] = field(default_factory=list)
    publishers: list[Link] = field(default_factory=list)
    datasets: list[Link] = field(default_factory=list)
    sources: list[Link] = field(default_factory=list)
    rows: list[Link] = field(default_factory=list)
    modified: str = ""
    source_iris: list[str] = field(default_factory=list)  # under the data's base


# --- labels --------------------------------------------------------------------------------------


#: what names a thing, best first: its label, else its title, name or preferred label
NAMES = (render.LABEL, DCTERMS + "title", FOAF + "name", SKOS + "prefLabel")


def store_labels(store: Store, iris: Iterable[str], *, facts: DocumentCache | None = None) -> dict[str, tuple[str, str]]:
    """``{iri: (ja, en)}`` of what the store names ``iris`` by (:data:`NAMES`, the first that has any), unsafe
    IRIs skipped; with ``facts``, what was found (or not found) before is taken from there."""
    safe = []
    known: dict[str, tuple[str, str]] = {}
    for iri in dict.fromkeys(iris):
        if facts is not None and (kept := facts.get(("label", iri))) is not None:
            if kept:
                known[iri] = kept
            continue
        try:
            safe.append(f"<{checked_iri(iri)}>")
        except BadIri:
            continue
    if not safe:
        return known
    names = " ".join(f"<{n}>" for n in NAMES)
    body, _ = store.query(f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {' '.join(safe)} }} VALUES ?p {{ {names} }} "
                          f"?s ?p ?l FILTER(isLiteral(?l)) }}", results="json")
    found: dict[str, dict[str, dict[str, str]]] = {}
    for row in json.loads(body)["results"]["bindings"]:
        lang = row["l"].get("xml:lang", "")
        found.setdefault(row["s"]["value"], {}).setdefault(row["p"]["value"], {}).setdefault(
            lang if lang in ("ja", "en") else "", row["l"]["value"])
    out = {}
    for iri, by_name in found.items():
        v = by_name[min(by_name, key=NAMES.index)]
        out[iri] = (v.get("ja") or v.get("", ""), v.get("en", ""))
    if facts is not None:
        for iri in safe:
            facts.put(("label", iri[1:-1]), out.get(iri[1:-1], ()))  # () : the store has no name for it
    return known | out


def term(iri: str, labels: dict[str, tuple[str, str]]) -> render.Term:
    """The term of ``iri`` as the vocabularies name it, else as the store labels it."""
    known = render.term(iri)
    if known.ja or known.en or iri not in labels:
        return known
    ja, en = labels[iri]
    return replace(known, ja=ja, en=en)


def iri_label(iri: str, iris: IriBuilder, labels: dict[str, tuple[str, str]]) -> Link:
    """An IRI shown by its label (store, vocabulary, licence, source row), else bare; linked if http(s)."""
    shown = iris.shown(iri)
    href = render.safe_href(shown)
    if iri in labels and any(labels[iri]):
        ja, en = labels[iri]
        return Link(ja or en, href, en if ja and en != ja else "")
    known = render.term(iri)
    if known.ja or known.en:
        return Link(known.ja or known.en, href, known.en if known.ja and known.en != known.ja else "")
    if (row := source_row(iri, iris)) is not None:
        return Link(f"元の CSV の {row} 行目", href, f"source row {row}")
    licence = licences.understand(iri)
    if licence is not None and licence.iri and licence.label != licence.text:  # a licence the project knows
        return Link(licence.label, href)
    return Link(shown, href)


def source_row(iri: str, iris: IriBuilder) -> int | None:
    """N of a source row ``…#row=N``."""
    parts = iris.parse(iri)
    if parts is not None:
        return parts.row if parts.kind == "source_row" else None
    found = parse_source_row(iri)
    return found[1] if found else None


def relabel(node: render.Node, labels: dict[str, tuple[str, str]], iris: IriBuilder) -> render.Node:
    """``node`` with the store's labels on terms the vocabularies do not name (custom columns), and a
    label on source rows and licences (``node`` is changed in place and returned)."""
    node.types = [term(t.iri, labels) for t in node.types]
    for row in node.rows:
        row.predicate = term(row.predicate.iri, labels)
        for value in row.values:
            if value.kind == "node" and value.node is not None:
                relabel(value.node, labels, iris)
            elif value.kind == "iri" and not value.label:
                link = iri_label(value.text, iris, labels)
                if link.text != value.text:
                    value.label = link.text + (f" / {link.en}" if link.en else "")
    return node


def missing_labels(store: Store, iris: IriBuilder, node: render.Node, triples: list[ox.Triple], *,
                   facts: DocumentCache | None = None) -> dict[str, tuple[str, str]]:
    """The store's names for what a description shows without a label: terms the vocabularies do not name,
    and linked IRIs the description gives no ``rdfs:label`` (``triples`` as the store has them; the names
    are keyed by the IRI as the store has it and as the site shows it)."""
    unknown = {t for t in terms_of(node) if not render.known_label(t)}
    labelled = {t.subject.value for t in triples if t.predicate.value == render.LABEL and isinstance(t.subject, ox.NamedNode)}
    for t in triples:
        if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF_TYPE and t.object.value not in labelled \
                and not render.known_label(t.object.value):
            unknown.add(t.object.value)
    labels = store_labels(store, sorted(unknown)[:200], facts=facts)
    return labels | {iris.shown(k): v for k, v in labels.items()}


def terms_of(node: render.Node) -> set[str]:
    """The predicates and classes ``node`` shows (to label them from the store)."""
    found = {t.iri for t in node.types}
    for row in node.rows:
        found.add(row.predicate.iri)
        for value in row.values:
            if value.kind == "node" and value.node is not None:
                found |= terms_of(value.node)
    return found


# --- the summary of a dataset's properties -------------------------------------------------------


def _paths_query(dataset: str, depth: int) -> str:
    d = f"<{checked_iri(dataset)}>"
    chain = [f"?r <{DCTERMS_IS_PART_OF}> {d} . ?r ?p0 ?x0 ."]
    for i in range(1, depth + 1):
        chain.append(f"FILTER(isBlank(?x{i - 1})) ?x{i - 1} ?p{i} ?x{i} .")
    if depth:
        chain.append(f"FILTER(?p{depth} != <{RDF_TYPE}>)")
    ps = " ".join(f"?p{i}" for i in range(depth + 1))
    return (f"SELECT {ps} (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?x{depth}) AS ?values) "
            f"(MAX(IF(isBlank(?x{depth}), 1, 0)) AS ?nested) WHERE {{ {' '.join(chain)} }} GROUP BY {ps}")


def _examples_query(dataset: str, path: tuple[str, ...], limit: int) -> str:
    d = f"<{checked_iri(dataset)}>"
    steps = "/".join(f"<{checked_iri(p)}>" for p in path)
    return (f"SELECT ?o (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} ; {steps} ?o "
            f"FILTER(!isBlank(?o)) }} GROUP BY ?o ORDER BY DESC(?n) STR(?o) LIMIT {int(limit)}")


def properties(store: Store, iris: IriBuilder, dataset: str, *, limit: int = EXAMPLES) -> list[PropertyRow]:
    """Every property path of the records of ``dataset`` (through blank nodes, :data:`MAX_DEPTH` deep), each
    after its parent, most used first, with its most used values."""
    found: list[PropertyRow] = []
    for depth in range(MAX_DEPTH + 1):
        body, _ = store.query(_paths_query(dataset, depth), results="json")
        for row in bindings(body):
            path = tuple(row[f"p{i}"] for i in range(depth + 1))
            found.append(PropertyRow(path, render.term(path[-1]), int(row["n"]), int(row["values"]),
                                     row.get("nested") == "1"))
    raw: dict[tuple[str, ...], list[tuple[dict[str, str], int]]] = {}
    for prop in found:
        if prop.path[-1] in NO_EXAMPLES or prop.nested:  # a node's values are the rows under it
            continue
        try:
            body, _ = store.query(_examples_query(dataset, prop.path, limit), results="json")
        except BadIri:
            continue
        raw[prop.path] = [(b["o"], int(b["n"]["value"])) for b in json.loads(body)["results"]["bindings"]]
    shown = {v["value"] for values in raw.values() for v, _ in values if v["type"] == "uri"}
    labels = store_labels(store, shown | {p for prop in found for p in prop.path})
    for prop in found:
        prop.term = term(prop.path[-1], labels)
        for value, n in raw.get(prop.path, []):
            link = iri_label(value["value"], iris, labels) if value["type"] == "uri" else Link(_literal(value))
            prop.examples.append((link, n))
    return _tree(found)


def _literal(value: dict[str, str]) -> str:
    """A literal's text; booleans as ``true`` / ``false`` (Virtuoso gives ``1`` / ``0``)."""
    if value.get("datatype") == XSD_BOOLEAN:
        return "true" if value["value"] in TRUE_TEXTS else "false"
    return value["value"]


def _tree(rows: list[PropertyRow]) -> list[PropertyRow]:
    """Parents before their children; siblings by the number of records, then by name."""
    children: dict[tuple[str, ...], list[PropertyRow]] = {}
    for row in rows:
        children.setdefault(row.path[:-1], []).append(row)
    out: list[PropertyRow] = []

    def walk(parent: tuple[str, ...]) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (r.path[-1] != RDF_TYPE, -r.records, r.term.curie)):
            out.append(row)
            walk(row.path)

    walk(())
    return out


# --- provenance ----------------------------------------------------------------------------------


def dataset_provenance(store: Store, iris: IriBuilder, dataset: str, *,
                       facts: DocumentCache | None = None) -> Provenance:
    """Licence, publisher, source files and last update of ``dataset`` (its own, or its sources'); with
    ``facts``, kept there for the next page that shows it (the caller does not change what it gets)."""
    if facts is not None and (kept := facts.get(("provenance", dataset))) is not None:
        return kept
    d = f"<{checked_iri(dataset)}>"
    wanted = " ".join(f"<{DCTERMS}{p}>" for p in ("license", "publisher", "source", "modified"))
    body, _ = store.query(
        f"SELECT ?p ?o WHERE {{ {{ {d} ?p ?o VALUES ?p {{ {wanted} }} }} UNION "
        f"{{ {d} <{DCTERMS}source> ?s . ?s ?p ?o VALUES ?p {{ <{DCTERMS}license> <{DCTERMS}modified> }} }} }}",
        results="json")
    values: dict[str, list[tuple[str, str]]] = {}
    for row in json.loads(body)["results"]["bindings"]:
        values.setdefault(row["p"]["value"].removeprefix(DCTERMS), []).append((row["o"]["type"], row["o"]["value"]))
    iri_values = {v for kind_values in values.values() for kind, v in kind_values if kind == "uri"}
    labels = store_labels(store, iri_values | {dataset}, facts=facts)
    out = Provenance()
    for kind, value in sorted(set(values.get("license", []))):
        out.licences.append(iri_label(value, iris, labels) if kind == "uri" else Link(value))
    out.publishers = [iri_label(v, iris, labels) for k, v in sorted(set(values.get("publisher", []))) if k == "uri"]
    out.source_iris = [v for k, v in sorted(set(values.get("source", []))) if k == "uri"]
    out.sources = [iri_label(v, iris, labels) for v in out.source_iris]
    out.datasets = [iri_label(dataset, iris, labels)]
    dates = [v for _, v in values.get("modified", [])]
    out.modified = max(dates) if dates else ""
    if facts is not None:
        facts.put(("provenance", dataset), out)
    return out


def record_provenance(store: Store, iris: IriBuilder, record: str, index: render.Index, *,
                      page_size: int = 100, facts: DocumentCache | None = None) -> Provenance | None:
    """The provenance of a record: its dataset's licence and publisher, the dataset, the source row (linked to
    the page of its source file that lists it, ``page_size`` records a page)."""
    subject = ox.NamedNode(record)
    own = index.get(subject, [])
    datasets = sorted({o.value for p, o in own if p.value == DCTERMS_IS_PART_OF and isinstance(o, ox.NamedNode)})
    rows = sorted({o.value for p, o in own if p.value == PROV_DERIVED_FROM and isinstance(o, ox.NamedNode)},
                  key=lambda r: (source_row(r, iris) or 0, r))
    if not datasets and not rows:
        return None
    out = Provenance()
    for dataset in datasets[:3]:
        try:
            found = dataset_provenance(store, iris, dataset, facts=facts)
        except BadIri:
            continue
        out.licences += [x for x in found.licences if x not in out.licences]
        out.publishers += [x for x in found.publishers if x not in out.publishers]
        out.datasets += found.datasets
    if not out.publishers:  # the record's own 発行者 (ic:メタデータ / ic:発行者)
        publishers = {o.value for _, meta in own if isinstance(meta, ox.BlankNode)
                      for p, o in index.get(meta, []) if p.value == IC_PUBLISHER and isinstance(o, ox.NamedNode)}
        labels = store_labels(store, publishers, facts=facts)
        out.publishers = [iri_label(p, iris, labels) for p in sorted(publishers)]
    out.rows = [_row_link(store, iris, r, page_size, facts) for r in rows]
    return out


#: the most records of a source file whose row numbers are kept in the facts cache (4 bytes each)
ROWS_KEPT = 50_000


def _row_link(store: Store, iris: IriBuilder, row: str, page_size: int, facts: DocumentCache | None) -> Link:
    """A source row, linked to the page of its source file that lists it (``?page=K#row=N``: the file's
    records are listed in row order, ``page_size`` a page). With ``facts``, the first row number of each of
    the file's records is read once and kept (files up to :data:`ROWS_KEPT` records); else counted per page."""
    link = iri_label(row, iris, {})
    parts = iris.parse(row)
    if parts is None or parts.kind != "source_row" or link.href is None:
        return link
    source = checked_iri(iris.source(parts.code, parts.file))
    graph = f"<{source}> <{ITSU_GRAPH}> ?g . GRAPH ?g"
    records = f"?r <{PROV_DERIVED_FROM}> ?d FILTER(isIRI(?r) && isIRI(?d)) {describe.row_number('d', 'k')}"
    starts = facts.get(("rows", source)) if facts is not None else None
    if starts is None and facts is not None:
        body, _ = store.query(f"SELECT (MIN(?k) AS ?first) WHERE {{ {graph} {{ {records} }} }} GROUP BY ?r LIMIT {ROWS_KEPT + 1}",
                              results="json")
        found = [int(b["first"]) for b in bindings(body) if b.get("first", "").lstrip("-").isdigit()]
        starts = array("l", sorted(found)) if len(found) <= ROWS_KEPT else False
        facts.put(("rows", source), starts)
    if isinstance(starts, array):
        before = bisect_left(starts, int(parts.row))
    else:
        body, _ = store.query(f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {graph} {{ {records} "
                              f"FILTER(?k < {int(parts.row)}) }} }}", results="json")
        before = int((bindings(body) or [{}])[0].get("n", "0"))
    page = before // page_size + 1
    if page == 1:
        return link
    document, _, fragment = link.href.partition("#")
    return replace(link, href=f"{document}?page={page}#{fragment}")


# --- the page -------------------------------------------------------------------------------------


def dataset_view(store: Store, iris: IriBuilder, dataset: str) -> dict[str, Any]:
    """Everything a dataset page shows besides its description and records."""
    provenance = dataset_provenance(store, iris, dataset)
    parts = iris.parse(dataset)
    view: dict[str, Any] = {"properties": properties(store, iris, dataset), "provenance": provenance,
                            "query": url_for("sparql.ui", query=dataset_query(dataset))}
    if parts is not None and parts.kind == "dataset":
        view["downloads"] = [(label, url_for("flat.table", dataset=parts.dataset, code=parts.code, ext=ext))
                             for label, ext in (("CSV", "csv"), ("JSON", "json"))]
        view["points"] = url_for("flat.points", dataset=parts.dataset, code=parts.code)
    view["reports"] = report_links(provenance.source_iris)
    return view


# --- links -----------------------------------------------------------------------------------------


def dataset_query(dataset: str) -> str:
    """A ready SPARQL query for the records of a dataset (its IRI as the store has it: the endpoint answers
    over the data as it is)."""
    return f"""PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
SELECT ?record ?label ?lat ?long WHERE {{
  ?record dcterms:isPartOf <{checked_iri(dataset)}> .
  OPTIONAL {{ ?record rdfs:label ?label FILTER(lang(?label) = "ja" || lang(?label) = "") }}
  OPTIONAL {{ ?record wgs:lat ?lat ; wgs:long ?long }}
}}
ORDER BY ?record
LIMIT 100"""


def report_links(sources: Iterable[str]) -> list[dict[str, str]]:
    """The validation report and diagnosis ``publish`` wrote for each of ``sources`` (source file IRIs under
    the data's base), when the reports folder has them: ``[{"file", "report", "stars"}]``."""
    folder = reports_folder()
    if folder is None:
        return []
    state = read_json(folder / "publish-state.json")
    diagnosed = diagnosed_files()
    anchors = {f.get("path"): f"file-{i}" for i, f in enumerate(diagnosed, 1) if isinstance(f, dict)}
    wanted = set(sources)
    out = []
    for entry in (state.get("files") or {}).values():
        outcome = entry.get("outcome", {}) if isinstance(entry, dict) else {}
        if outcome.get("source") not in wanted:
            continue
        link = {"file": outcome.get("name_in_iris") or Path(str(outcome.get("path", ""))).name}
        name = Path(str(outcome.get("report") or "")).name
        if name and (folder / "reports" / name).is_file():
            link["report"] = url_for("reports.report", name=name)
        if outcome.get("path") in anchors and (folder / "stars.html").is_file():
            link["stars"] = url_for("reports.stars") + "#" + anchors[outcome["path"]]
        if len(link) > 1:
            out.append(link)
    return sorted(out, key=lambda x: x["file"])

