"""Dumps (``/dumps/…``) and named graphs (``/graph/…``), serialised exactly as the server sends them.

The site's graphs are ``{base}graph/catalog`` and one graph per source file,
``{base}graph/{dataset}/{code}/{source-key}``; a dataset's dump joins the graphs of its source files.
Graphs of a load in progress (``urn:itsutsuboshi:staging:…``, or an IRI with a ``#``) are never dumped.
The catalogue's own graph goes through rdflib (it is small) so it can also be served as RDF/XML and
JSON-LD for harvesters, with ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, Graph, Literal
from rdflib.namespace import DCAT

from itsutsuboshi.formats import CATALOGUE_DUMPS, DUMPS, NQUADS, NTRIPLES, Dump
from itsutsuboshi.iris import DUMPS_PATH, GRAPH, IriBuilder, catalogue_graph_iri
from itsutsuboshi.store import Store
from itsutsuboshi.vocab.namespaces import CATALOGUE_PREFIXES as PREFIXES

#: the dumps by their extension without the dot (``nt.gz``, ``ttl`` …)
DUMP_EXTENSIONS: dict[str, Dump] = {d.extension[1:]: d for d in (*CATALOGUE_DUMPS, *DUMPS)}


def site_graphs(graphs: Iterable[str], base: str) -> list[str]:
    """The graphs of the site among ``graphs``: under ``{base}graph/``, and not a load's staging graph."""
    iris = IriBuilder(base)
    return sorted(g for g in graphs if iris.space_of(g) == GRAPH and "#" not in g)


def dataset_graphs(graphs: Iterable[str], base: str) -> dict[tuple[str, str], list[str]]:
    """``{(dataset, code): [graph, …]}``: the source graphs ``{base}graph/{dataset}/{code}/{source-key}``
    of each dataset of each publisher, sorted."""
    out: dict[tuple[str, str], list[str]] = {}
    iris = IriBuilder(base)
    for graph in site_graphs(graphs, base):
        if (parts := iris.parse(graph)) is not None and parts.kind == "graph" and iris.has_dump(parts):
            out.setdefault((parts.dataset, parts.code), []).append(graph)
    return dict(sorted(out.items()))


def graph_bytes(store: Store, graph: str, *, format: str, base: str, public: str | None = None) -> bytes:
    """One named graph in ``format`` (a name of :data:`itsutsuboshi.formats.RDF`), IRIs moved to ``public``."""
    data = store.dump(graph, format=format)
    return _moved(data.decode("utf-8"), base, public).encode("utf-8")


def dump_bytes(store: Store, graph: str | Sequence[str] | None, *, ext: str, base: str,
               public: str | None = None) -> bytes:
    """A dump exactly as ``/dumps/`` serves it (``ext``: :data:`DUMP_EXTENSIONS`; ``nt.gz`` is gzip with mtime 0,
    ``ttl`` Turtle), IRIs moved to ``public``.
    ``graph`` is one graph, several (a dataset's source graphs) or ``None``, every graph of the site; several
    graphs are joined with no triple twice. The catalogue's graph goes through rdflib (it is small), also as
    ``rdf`` and ``jsonld``, with its ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again (stores keep
    such numbers as ``xsd:integer``)."""
    dump = DUMP_EXTENSIONS[ext]
    if isinstance(graph, str) and graph == catalogue_graph_iri(base):
        return _catalogue(store.dump(graph, format=NTRIPLES.name).decode("utf-8"), dump=dump, base=base, public=public,
                          graph=graph)
    graphs = [graph] if isinstance(graph, str) else site_graphs(store.graphs(), base) if graph is None else graph
    text = _moved(_quads(store, graphs) if dump.format is NQUADS else _union(store, graphs), base, public)
    if dump.format in (NTRIPLES, NQUADS):
        data = text.encode("utf-8")
    else:
        triples = (q.triple for q in ox.parse(text.encode("utf-8"), format=NTRIPLES.ox))
        data = ox.serialize(triples, format=dump.format.ox, prefixes=PREFIXES) or b""
    return gzip.compress(data, mtime=0) if dump.gzip else data


def _union(store: Store, graphs: Sequence[str]) -> str:
    """The N-Triples of ``graphs``, each distinct triple on one line (graphs are sets; only their union repeats)."""
    if len(graphs) == 1:
        return store.dump(graphs[0], format=NTRIPLES.name).decode("utf-8")
    seen: set[str] = set()
    lines = []
    for graph in graphs:
        for line in store.dump(graph, format=NTRIPLES.name).decode("utf-8").splitlines(keepends=True):
            if line.strip() and line not in seen:
                seen.add(line)
                lines.append(line)
    return "".join(lines)


def _quads(store: Store, graphs: Sequence[str]) -> str:
    """The N-Quads of ``graphs``: every triple with its graph's name, so nothing of the store is lost (a triple
    two graphs hold is two quads, one per graph, as in the store)."""
    out = []
    for graph in graphs:
        name = f" <{graph}> .\n"
        out += [line.rstrip()[:-1].rstrip() + name
                for line in store.dump(graph, format=NTRIPLES.name).decode("utf-8").splitlines() if line.strip()]
    return "".join(out)


def _moved(text: str, base: str, public: str | None) -> str:
    return IriBuilder(base, public=public).shown_text(text)


def _catalogue(ntriples: str, *, dump: Dump, base: str, public: str | None, graph: str) -> bytes:
    g = Graph().parse(data=_moved(ntriples, base, public), format=NTRIPLES.rdflib)
    for s, p, o in list(g.triples((None, DCAT.byteSize, None))):
        g.set((s, p, Literal(int(str(o)), datatype=XSD.nonNegativeInteger)))
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    if dump.format is NQUADS:
        name = f" <{IriBuilder(base, public=public).shown(graph)}> .\n"
        lines = g.serialize(format=NTRIPLES.rdflib, encoding="utf-8").decode("utf-8").splitlines()
        data = "".join(line.rstrip()[:-1].rstrip() + name for line in lines if line.strip()).encode("utf-8")
    else:
        data = g.serialize(format=dump.format.serializer, context=PREFIXES, encoding="utf-8")
    return gzip.compress(data, mtime=0) if dump.gzip else data


#: what a prebuilt folder was built for (the IRIs in its files depend on both bases)
_PREBUILT_MANIFEST = "prebuilt.json"


def prebuilt_folder(store: Store) -> Path | None:
    """Where the dumps of an embedded store's live generation are prebuilt (``{data}/dumps/{generation}``);
    ``None`` for stores without one (in memory, remote)."""
    path, version = getattr(store, "path", None), getattr(store, "version", None)
    if not isinstance(path, Path) or not version:
        return None
    return path / "dumps" / Path(version).name


def prebuild(store: Store, *, base: str, public: str | None = None) -> dict[str, int]:
    """Write every dump ``/dumps/`` serves for the live generation as files, so that the server sends them
    instead of building them on request (the whole site's N-Triples, Turtle and N-Quads; each dataset's; the
    catalogue in every format). Written beside the store under the generation's name and renamed into place
    when complete; the folders of earlier generations are removed. Returns the sizes by name."""
    folder = prebuilt_folder(store)
    if folder is None:
        return {}
    iris = IriBuilder(base, public=public)
    if _built_for(folder) == {"base": base, "public": iris.public}:  # nothing went live since: already written
        return {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*")
                if p.is_file() and p.name != _PREBUILT_MANIFEST}
    graphs = store.graphs()
    names: list[tuple[str, str | list[str] | None, str]] = []
    for dump in DUMPS:
        names.append((iris.dump_path(dump.extension), None, dump.extension[1:]))
        for (dataset, code), sources in dataset_graphs(graphs, base).items():
            names.append((iris.dump_path(dump.extension, dataset=dataset, code=code), sources, dump.extension[1:]))
    if catalogue_graph_iri(base) in graphs:
        names += [(iris.dump_path(d.extension, catalogue=True), catalogue_graph_iri(base), d.extension[1:])
                  for d in CATALOGUE_DUMPS]
    work = folder.with_name(folder.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    sizes: dict[str, int] = {}
    for path, graph, ext in names:
        name = path.removeprefix(DUMPS_PATH + "/")  # the name below the dumps' path, as the route reads it
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        data = dump_bytes(store, graph, ext=ext, base=base, public=public)
        target.write_bytes(data)
        sizes[name] = len(data)
    (work / _PREBUILT_MANIFEST).write_text(json.dumps({"base": base, "public": iris.public}), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(work, folder)
    for other in folder.parent.iterdir():
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)
    return sizes


def _built_for(folder: Path) -> dict | None:
    """The bases a prebuilt folder was written for (``None``: none is complete there)."""
    try:
        return json.loads((folder / _PREBUILT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def prebuilt_dump(store: Store, name: str, *, base: str, public: str) -> bytes | None:
    """A dump prebuilt for the live generation and these bases, else ``None`` (build it on request)."""
    folder = prebuilt_folder(store)
    if folder is None:
        return None
    if _built_for(folder) != {"base": base, "public": public}:
        return None
    try:
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            return None
        return path.read_bytes()
    except (OSError, ValueError):
        return None
