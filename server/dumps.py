"""Dumps (``/dumps/…``) and named graphs (``/graph/…``), serialised exactly as the server sends them.

The site's graphs are ``{base}graph/catalog`` and one graph per source file,
``{base}graph/{dataset}/{code}/{source-key}``; a dataset's dump joins the graphs of its source files.
Graphs of a load in progress (``urn:itsutsuboshi:staging:…``, or an IRI with a ``#``) are never dumped.
The catalogue's own graph is also served as RDF/XML and JSON-LD for harvesters, with ``dcat:byteSize``
typed ``xsd:nonNegativeInteger`` again. Every dump streams from one N-Triples file per graph (:class:`GraphFiles`).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import XSD
from rdflib.namespace import DCAT

from itsutsuboshi import jsonld
from itsutsuboshi.formats import CATALOGUE_DUMPS, DUMPS, NQUADS, NTRIPLES, RDFXML, TURTLE, Dump
from itsutsuboshi.iris import DUMPS_PATH, GRAPH, IriBuilder, catalogue_graph_iri
from itsutsuboshi.store import Store
from itsutsuboshi.store.distinct import distinct_lines
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
    ``ttl`` Turtle), IRIs moved to ``public``; the bytes :func:`write_dump` writes.
    ``graph`` is one graph, several (a dataset's source graphs) or ``None``, every graph of the site; several
    graphs are joined with no triple twice. The catalogue's graph is also written as ``rdf`` and ``jsonld``,
    with its ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again (stores keep such numbers as ``xsd:integer``)."""
    output = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="dump-") as work:
        write_dump(store, graph, ext=ext, output=output, graphs=GraphFiles(store, Path(work), base=base, public=public))
    return output.getvalue()


class GraphFiles:
    """Each named graph of ``store`` as an N-Triples file in ``work``, read from the store once and with its
    IRIs moved to the public base, so that every dump joining it streams from disk (memory stays flat
    whatever the size of the site)."""

    def __init__(self, store: Store, work: Path, *, base: str, public: str | None = None) -> None:
        self.store, self.work = store, work
        self.iris = IriBuilder(base, public=public)
        self.base, self.public = base, public
        self._files: dict[str, Path] = {}
        self._unions: dict[tuple[str, ...], Path] = {}
        self._catalogue: list[ox.Triple] | None = None

    def __call__(self, graph: str) -> Path:
        if graph not in self._files:
            self.prefetch([graph], workers=1)
        return self._files[graph]

    def prefetch(self, graphs: Sequence[str], *, workers: int) -> None:
        """Write the files of ``graphs`` (those not yet written), ``workers`` at a time: the embedded store
        serialises without holding Python's lock, so two threads write two graphs on two cores."""
        wanted = {g: self.work / f"g{len(self._files) + i}.nt" for i, g in enumerate(dict.fromkeys(graphs))
                  if g not in self._files}
        self.work.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max(1, workers)) as pool:
            list(pool.map(self._write, wanted.keys(), wanted.values()))
        self._files.update(wanted)

    def _write(self, graph: str, path: Path) -> None:
        writer = getattr(self.store, "dump_to", None)  # the embedded store writes the file itself
        if writer is not None:
            writer(graph, path)
        else:
            path.write_bytes(self.store.dump(graph, format=NTRIPLES.name))
        if self.iris.public != self.iris.base:
            moved = path.with_suffix(".moved")
            with open(path, "rb") as src, open(moved, "wb") as dst:
                old, new = self.iris.base.encode("utf-8"), self.iris.public.encode("utf-8")
                while block := src.readlines(_BLOCK):
                    dst.write(b"".join(block).replace(old, new))
            os.replace(moved, path)

    def catalogue(self, graph: str) -> list[ox.Triple]:
        """The catalogue's graph (it is small), read once: its ``dcat:byteSize`` typed
        ``xsd:nonNegativeInteger`` again (stores keep such numbers as ``xsd:integer``)."""
        if self._catalogue is None:
            size = ox.NamedNode(str(DCAT.byteSize))
            self._catalogue = [ox.Triple(q.subject, q.predicate, ox.Literal(q.object.value, datatype=_NON_NEGATIVE))
                               if q.predicate == size and isinstance(q.object, ox.Literal) else q.triple
                               for q in ox.parse(path=str(self(graph)), format=NTRIPLES.ox)]
        return self._catalogue

    def union(self, graphs: Sequence[str]) -> Path:
        """One N-Triples file of ``graphs``, each distinct triple once (graphs are sets; only their union
        repeats): deduplicated in memory a bucket at a time, the triples shared out by subject."""
        files = [self(g) for g in graphs]
        if len(files) == 1:
            return files[0]
        key = tuple(graphs)
        if key not in self._unions:
            self._unions[key] = target = self.work / f"union{len(self._unions)}.nt"
            distinct_lines(files, target)
        return self._unions[key]


def write_dump(store: Store, graph: str | Sequence[str] | None, *, ext: str, output: BinaryIO,
               graphs: GraphFiles) -> None:
    """Write the dump :func:`dump_bytes` describes to ``output``, a stream, from the graph files of ``graphs``
    (read from the store once, shared by every dump of a :func:`prebuild`)."""
    dump = DUMP_EXTENSIONS[ext]
    base = graphs.base
    if isinstance(graph, str) and graph == catalogue_graph_iri(base):
        output.write(_catalogue(graphs, graph, dump=dump))
        return
    names = [graph] if isinstance(graph, str) else site_graphs(store.graphs(), base) if graph is None else list(graph)
    stream: BinaryIO = gzip.GzipFile(filename="", fileobj=output, mode="wb", compresslevel=_GZIP_LEVEL, mtime=0) \
        if dump.gzip else output  # type: ignore[assignment]
    try:
        if dump.format is NQUADS:  # every triple with its graph's name: a triple two graphs hold is two quads
            for name in names:
                suffix = f" <{graphs.iris.shown(name)}> .\n".encode()
                with open(graphs(name), "rb") as f:
                    while block := f.readlines(_BLOCK):
                        text = b"".join(block)
                        if text.count(b" .\n") == len(block):  # the store's own lines: " .\n" ends each of them
                            stream.write(text.replace(b" .\n", suffix))  # (never inside one: N-Triples escapes newlines)
                        else:
                            stream.write(b"".join(line.rstrip()[:-1].rstrip() + suffix for line in block if line.strip()))
        elif dump.format is NTRIPLES:
            with open(graphs.union(names), "rb") as f:
                shutil.copyfileobj(f, stream, _BLOCK)
        else:
            triples = ox.parse(path=str(graphs.union(names)), format=NTRIPLES.ox)  # default-graph quads: triples
            ox.serialize(triples, output=stream, format=dump.format.ox, prefixes=PREFIXES)
    finally:
        if stream is not output:
            stream.close()  # writes gzip's trailer; ``output`` stays open


#: what is read or written at a time (bytes of N-Triples)
_BLOCK = 1 << 20
_GZIP_LEVEL = 6
_NON_NEGATIVE = ox.NamedNode(str(XSD.nonNegativeInteger))


def _moved(text: str, base: str, public: str | None) -> str:
    return IriBuilder(base, public=public).shown_text(text)


def _catalogue(graphs: GraphFiles, graph: str, *, dump: Dump) -> bytes:
    """The catalogue in ``dump``'s format: pyoxigraph's writers, :mod:`itsutsuboshi.jsonld` for compacted
    JSON-LD (what harvesters read)."""
    triples = graphs.catalogue(graph)
    if dump.format is NQUADS:
        name = ox.NamedNode(graphs.iris.shown(graph))
        data = ox.serialize((ox.Quad(t.subject, t.predicate, t.object, name) for t in triples), format=NQUADS.ox)
    elif dump.format in (NTRIPLES, TURTLE, RDFXML):
        data = ox.serialize(triples, format=dump.format.ox, prefixes=PREFIXES)
    else:  # JSON-LD compacted with the site's prefixes
        data = jsonld.compact(triples, PREFIXES)
    return gzip.compress(data or b"", mtime=0) if dump.gzip else data or b""


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
    every, datasets = site_graphs(graphs, base), dataset_graphs(graphs, base)
    names: list[tuple[str, str | list[str], str]] = []
    for dump in DUMPS:
        names.append((iris.dump_path(dump.extension), every, dump.extension[1:]))
        for (dataset, code), sources in datasets.items():
            names.append((iris.dump_path(dump.extension, dataset=dataset, code=code), sources, dump.extension[1:]))
    if catalogue_graph_iri(base) in graphs:
        names += [(iris.dump_path(d.extension, catalogue=True), catalogue_graph_iri(base), d.extension[1:])
                  for d in CATALOGUE_DUMPS]
    work = folder.with_name(folder.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    scratch = folder.with_name(folder.name + ".graphs")  # each graph read from the store once, for every dump
    shutil.rmtree(scratch, ignore_errors=True)
    files = GraphFiles(store, scratch, base=base, public=public)
    workers = os.cpu_count() or 1
    sizes: dict[str, int] = {}

    def write(path: str, graph: str | list[str], ext: str) -> None:
        name = path.removeprefix(DUMPS_PATH + "/")  # the name below the dumps' path, as the route reads it
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as output:
            write_dump(store, graph, ext=ext, output=output, graphs=files)
        sizes[name] = target.stat().st_size

    try:
        files.prefetch(every, workers=workers)
        for _, graph, _ in names:  # the unions first (Python's work), then the files two at a time
            if isinstance(graph, list):
                files.union(graph)
        if catalogue_graph_iri(base) in graphs:  # read before the threads start
            files.catalogue(catalogue_graph_iri(base))
        with ThreadPoolExecutor(workers) as pool:  # gzip and the store's writers run without Python's lock
            list(pool.map(lambda n: write(*n), names))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
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
