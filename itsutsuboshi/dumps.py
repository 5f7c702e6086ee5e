"""Dumps (``/dumps/…``): a graph, or every graph of the site, serialised exactly as the server sends it.

The catalogue's own graph goes through rdflib (it is small) so it can also be served as RDF/XML and
JSON-LD for harvesters, with ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again.
"""

from __future__ import annotations

import gzip

from rdflib import XSD, Graph, Literal
from rdflib.namespace import DCAT

from .catalogue import PREFIXES, catalog_graph_iri
from .store import Store


def dump_bytes(store: Store, graph: str | None, *, ext: str, base: str, public: str | None = None) -> bytes:
    """A dump exactly as ``/dumps/`` serves it: ``nt.gz`` (gzip, mtime 0) or ``ttl``, IRIs moved to ``public``;
    ``graph=None`` is every graph of the site (dataset graphs and the catalogue), one after the other.
    The catalogue's graph goes through rdflib (it is small), also as ``rdf`` and ``jsonld``, with its
    ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again (stores keep such numbers as ``xsd:integer``)."""
    catalogue = graph == catalog_graph_iri(base)
    syntax = "turtle" if ext == "ttl" and not catalogue else "nt"
    if graph is None:  # the site's graphs one after the other (not the store's own, such as Virtuoso's)
        ours = [g for g in store.graphs() if g.startswith(base + "graph/") and "#" not in g]  # not a load's staging
        text = "\n".join(store.dump(g, format=syntax).decode("utf-8") for g in ours)
    else:
        text = store.dump(graph, format=syntax).decode("utf-8")
    if public and public != base:
        text = text.replace(base, public)
    data = text.encode("utf-8")
    if catalogue:
        g = Graph().parse(data=text, format="nt")
        for s, p, o in list(g.triples((None, DCAT.byteSize, None))):
            g.set((s, p, Literal(int(o), datatype=XSD.nonNegativeInteger)))
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        rdflib_format = {"ttl": "turtle", "rdf": "pretty-xml", "jsonld": "json-ld"}.get(ext, "nt")
        data = g.serialize(format=rdflib_format, context=PREFIXES, encoding="utf-8")
    return data if ext != "nt.gz" else gzip.compress(data, mtime=0)
