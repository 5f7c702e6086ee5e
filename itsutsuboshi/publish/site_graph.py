"""The shared graph ``{base}graph/catalog``: everything that is not a record, described once.

Every source contributes descriptions of things other sources describe too: the publisher, the dataset
several files belong to, 町字, custom column properties. Kept in each source's graph, they would be
counted once per graph by any query over the union of graphs (``COUNT`` without ``DISTINCT`` 8–18 times
too high). So they go into one graph, merged: the sources' ``shared.nt`` files (blank nodes labelled by
content, :class:`~.writers.CanonicalNTriplesWriter`), the description of each source, the DCAT
catalogue built from them (:func:`.catalogue.build_catalogue`), and the site's vocabulary: the code lists
(:mod:`itsutsuboshi.vocab.codes`) whose concepts records link to, so their labels join in SPARQL. Every
triple once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from itsutsuboshi.converters.model import Node
from itsutsuboshi.converters.writers import CanonicalNTriplesWriter
from itsutsuboshi.formats import NTRIPLES, TURTLE
from itsutsuboshi.publish.catalogue import build_catalogue
from itsutsuboshi.store import EmbeddedStore
from itsutsuboshi.vocab import codes

_SHARED = ox.NamedNode("urn:itsutsuboshi:shared")


def build(shared: Iterable[Path], descriptions: Iterable[Node], target: Path, *, base: str,
          licence: str | None = None) -> Graph:
    """Write the shared graph to ``target`` (N-Triples, every triple once); returns the DCAT catalogue."""
    merged = EmbeddedStore(None)
    with tempfile.TemporaryDirectory() as tmp:
        parts = Path(tmp) / "parts.nt"
        with open(parts, "wb") as out:
            for path in shared:
                out.write(path.read_bytes())
                out.write(b"\n")
        with open(parts, "a", encoding="utf-8") as out:
            CanonicalNTriplesWriter(out).write_all(descriptions)
        # one load: the content-labelled blank nodes of two files are the same node
        merged.store.bulk_load(path=str(parts), format=NTRIPLES.ox, to_graph=_SHARED)
    for name in codes.names():  # the concept schemes: labels of the concepts records link to
        merged.store.load(codes.path(name).read_bytes(), format=TURTLE.ox, to_graph=_SHARED)
    catalogue = build_catalogue(merged, base=base, licence=licence)
    merged.store.load(catalogue.serialize(format=NTRIPLES.serializer, encoding="utf-8"), format=NTRIPLES.ox,
                      to_graph=_SHARED)
    merged.store.dump(str(target), format=NTRIPLES.ox, from_graph=_SHARED)
    return catalogue
