"""What the query editor completes (``/sparql/terms.json``): the prefixes the site's data uses, and the
classes and properties of the data as VoID class and property partitions (each with its number of
instances or triples, its compact name and its label), counted by the store once per publication (within the endpoint's time limit; past it, only the prefixes)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from itsutsuboshi.store import QueryTimeout
from itsutsuboshi.store.geo_functions import GEOF, UOM
from itsutsuboshi.vocab.namespaces import CATALOGUE_PREFIXES, PREFIXES

from .describe import bindings
from .render import curie, known_label
from .state import site_state

#: the prefixes offered: the data's, the catalogue's, and those GeoSPARQL queries need
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, **CATALOGUE_PREFIXES, "geof": GEOF, "uom": UOM,
                                  "spdx": "http://spdx.org/rdf/terms#"}
#: the partitions, as VoID counts them: instances per class, triples per property
PARTITIONS = {
    "classes": "SELECT ?term (COUNT(?s) AS ?n) WHERE { ?s a ?term } GROUP BY ?term ORDER BY DESC(?n)",
    "properties": "SELECT ?term (COUNT(*) AS ?n) WHERE { ?s ?term ?o } GROUP BY ?term ORDER BY DESC(?n)",
}
#: how long the counts of a store without generations (a remote store) are kept
REMOTE_SECONDS = 600.0
_kept: dict[tuple[int, Any], tuple[float, bytes]] = {}
_lock = threading.Lock()


def partition(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Rows of a partition query as completion entries: IRI, compact name, label and count."""
    return [{"iri": r["term"], "curie": curie(r["term"]), "label": known_label(r["term"]), "count": int(r["n"])}
            for r in rows if r.get("term", "").startswith(("http://", "https://"))]


def terms_json() -> bytes:
    """The JSON document of the completion route; counted again when a new publication goes live (the
    embedded store's next generation), or after :data:`REMOTE_SECONDS` on a remote store."""
    state = site_state()
    version = getattr(state.store, "version", None)
    key = (id(state.store), version)
    with _lock:
        kept = _kept.get(key)
    if kept is not None and (version is not None or time.monotonic() - kept[0] < REMOTE_SECONDS):
        return kept[1]
    counts: dict[str, list[dict[str, Any]]] | None
    try:
        counts = {name: partition(bindings(state.store.query(query, timeout=state.sparql.timeout)[0]))
                  for name, query in PARTITIONS.items()}
    except QueryTimeout:  # a store too large to count within the endpoint's time limit: prefixes only, asked again
        counts = None
    document = {"prefixes": QUERY_PREFIXES, **(counts or dict.fromkeys(PARTITIONS, []))}
    out = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if counts is None:
        return out
    with _lock:
        for old in [k for k in _kept if k[0] == key[0]]:
            del _kept[old]
        _kept[key] = (time.monotonic(), out)
    return out
