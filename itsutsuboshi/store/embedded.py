"""The embedded store: pyoxigraph on disk in generations (or in memory), queried by forked workers."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing
import os
import queue
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from itsutsuboshi import formats
from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.store import generations
from itsutsuboshi.store.base import (
    _LABEL,
    _TYPE,
    COPY_COST,
    DELETE_COST,
    DESCRIBE_LIMIT,
    LOAD_CHUNK,
    OPTIMIZE_MIN,
    Dataset,
    QueryError,
    QueryTimeout,
    _checked,
    names_dataset,
)
from itsutsuboshi.store.distinct import distinct_lines


class EmbeddedStore:
    """pyoxigraph in a folder (``path``) or in memory (``path=None``).

    On disk, the store is read from its live generation (:mod:`.generations`), always read-only: every
    write builds the next generation. A reader follows the live link when another process writes
    (one ``readlink`` per call): servers see new data without a restart, and a page asked for after
    ``publish`` returned shows it."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._write = threading.Lock()
        self._generation = 0  # bumped by every change: workers forked before it see old data
        self._pool = _WorkerPool()
        self.version: str | None = None  # the live generation (changes when new data goes live)
        if self.path is None:
            self.store = ox.Store()
            return
        if not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        self._open()

    def _open(self) -> None:
        assert self.path is not None
        self.version = generations.live_name(self.path)
        live = generations.open_read_only(self.path)
        self.store = live if live is not None else ox.Store()  # nothing written yet: an empty store
        self._generation += 1

    def refresh(self) -> bool:
        """Open the new live generation when another process made one; ``True`` when the data changed."""
        if self.path is None:
            return False
        if generations.live_name(self.path) == self.version:
            return False
        with self._write:
            self._open()
        return True

    def query(self, sparql: str, *, results: str = "json", graph: str = "turtle",
              timeout: float | None = None, dataset: Dataset | None = None,
              base: str | None = None) -> tuple[bytes, str]:
        """With ``timeout``, the query runs in a forked worker process that is killed when time is
        up (pyoxigraph cannot cancel a query, and a runaway one must not keep a CPU and its memory).
        Workers are forked ahead of use and reused, and replaced after a change of the data."""
        self.refresh()
        if timeout is None:
            return _run(self.store, sparql, results, graph, dataset, base)
        worker = self._pool.take(self.store, self._generation)
        try:
            answer = worker.ask((sparql, results, graph, dataset, base), timeout)
        except BaseException:
            worker.stop()
            raise
        self._pool.give_back(worker)
        kind, payload = answer
        if kind == "error":
            raise QueryError(str(payload), 400)
        return cast(tuple[bytes, str], payload)

    def apply(self, changes: Mapping[str, Path | None], *, format: str = "nt", labelled: bool = False) -> None:
        for graph in changes:
            _checked(graph)
        if self.path is None:
            with self._write:
                for graph, path in changes.items():
                    self.store.remove_graph(ox.NamedNode(graph))
                    if path is not None:
                        self.store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
                                          for q in ox.parse(path=str(path), format=formats.get(format).ox,
                                                            rename_blank_nodes=True))
                self._generation += 1
            return
        if self.read_only:
            raise QueryError("the store was opened read-only", 500)
        with self._write, generations.writer_lock(self.path):
            generations.clean(self.path)
            self._open()  # the live generation as it is now: another process may have written
            generation = generations.Generation(self.path)
            live, previous = self.store if self.version is not None else None, self._graph_files()
            _build(generation.work, live, changes, format, labelled, previous)
            _keep_graph_files(generation.graphs, previous, live, changes,
                              as_loaded=labelled and formats.get(format) is NTRIPLES)
            generation.commit()
            generations.clean(self.path)
            self._open()

    def replace_graph(self, graph: str, path: Path, *, format: str = "nt") -> None:
        self.apply({graph: path}, format=format)

    def graphs(self) -> list[str]:
        self.refresh()
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def drop_graph(self, graph: str) -> None:
        self.apply({graph: None})

    def dump(self, graph: str | None, *, format: str = "nt") -> bytes:
        self.refresh()
        if graph is None:
            out = ox.Store()
            for quad in self.store:
                out.add(ox.Quad(quad.subject, quad.predicate, quad.object))
            return _written(out.dump(format=formats.get(format).ox, from_graph=ox.DefaultGraph()))
        return _written(self.store.dump(format=formats.get(format).ox, from_graph=ox.NamedNode(graph)))

    def dump_to(self, graph: str, path: Path) -> None:
        """One named graph as N-Triples into the file ``path``, streamed (memory stays flat): a copy of the
        graph's file kept with the live generation (:mod:`.generations`), else read from the store."""
        self.refresh()
        folder = self._graph_files()
        kept = folder / _graph_file_name(graph) if folder is not None else None
        if kept is not None and kept.is_file():
            shutil.copyfile(kept, path)
        else:
            self.store.dump(str(path), format=NTRIPLES.ox, from_graph=ox.NamedNode(graph))

    def _graph_files(self) -> Path | None:
        """The graph files of the live generation (``None``: in memory, or a store of the earlier layout)."""
        if self.path is None or not self.version or not self.version.startswith(generations.GENERATIONS):
            return None
        return generations.graph_files(self.path / self.version)

    def describe(self, iri: str) -> list[ox.Triple]:
        self.refresh()
        return _describe(self.store, iri)


def _build(work: Path, live: ox.Store | None, changes: Mapping[str, Path | None], format: str,
           labelled: bool, previous: Path | None = None) -> None:
    """Write the next generation into ``work``: the live store with ``changes``, built the cheaper way
    (a hard-link snapshot of the live store with the changed graphs deleted, or a fresh store with the
    unchanged graphs copied, from their files in ``previous`` where the live generation kept them), then
    flushed, compacted when much was loaded, and closed."""
    changed = {ox.NamedNode(g) for g in changes}
    deleted = sum(_count(live, g) for g in changed if live.contains_named_graph(g)) if live is not None else 0
    total = len(live) if live is not None else 0
    loaded = 0
    if live is not None and deleted * DELETE_COST <= (total - deleted) * COPY_COST:
        live.backup(str(work))
        target = ox.Store(str(work))
        for graph in changed:
            _remove(target, graph)
    else:
        target = ox.Store(str(work))
        for kept in (live.named_graphs() if live is not None else ()):
            if isinstance(kept, ox.NamedNode) and kept not in changed:
                file = previous / _graph_file_name(kept.value) if previous is not None else None
                if file is not None and file.is_file():  # its file: no need to read it from the store
                    loaded += _load(target, file, NTRIPLES.name, kept, fresh=False)
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    copy = Path(tmp) / "graph.nt"
                    live.dump(str(copy), format=NTRIPLES.ox, from_graph=kept)  # type: ignore[union-attr]
                    loaded += _load(target, copy, NTRIPLES.name, kept, fresh=False)
    for name, path in changes.items():
        if path is not None:
            loaded += _load(target, path, format, ox.NamedNode(name), fresh=not labelled)
    target.flush()
    if loaded > OPTIMIZE_MIN:
        target.optimize()
    del target  # closed before it goes live


def _graph_file_name(graph: str) -> str:
    return hashlib.sha1(graph.encode("utf-8")).hexdigest() + NTRIPLES.extension


def _keep_graph_files(target: Path, previous: Path | None, live: ox.Store | None, changes: Mapping[str, Path | None],
                      *, as_loaded: bool) -> None:
    """Beside the next generation, each graph's N-Triples file: those of the unchanged graphs linked from the
    live generation's, those of the changed ones written from the files loaded, one line a triple, when they
    went in as they are (``as_loaded``: N-Triples whose blank nodes are labelled for this store)."""
    target.mkdir(parents=True, exist_ok=True)
    if live is not None and previous is not None:
        for kept in live.named_graphs():
            if isinstance(kept, ox.NamedNode) and kept.value not in changes:
                name = _graph_file_name(kept.value)
                with contextlib.suppress(OSError):  # none kept for it: it is read from the store when dumped
                    os.link(previous / name, target / name)
    for graph, path in changes.items():
        if path is not None and as_loaded:
            distinct_lines([path], target / _graph_file_name(graph))


def _count(store: ox.Store, graph: ox.NamedNode) -> int:
    answer = cast(ox.QuerySolutions, store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))
    return int(next(iter(answer))["n"].value)


def _remove(store: ox.Store, graph: ox.NamedNode) -> None:
    """Delete a graph a batch at a time (one transaction for a big graph would hold it all in memory)."""
    while True:
        batch = list(islice(store.quads_for_pattern(None, None, None, graph), LOAD_CHUNK))
        if not batch:
            break
        for quad in batch:
            store.remove(quad)
    store.remove_graph(graph)


def _load(store: ox.Store, path: Path, format: str, graph: ox.NamedNode, *, fresh: bool = True) -> int:
    """Bulk-load ``path`` into ``graph`` a chunk at a time, so memory stays flat whatever the file's size;
    ``fresh``: blank nodes get labels of their own (two files never share one)."""
    loaded = 0
    if not fresh and formats.get(format) is NTRIPLES:  # already labelled by this store: the lines go in as they are
        with open(path, "rb") as f:
            while lines := list(islice(f, LOAD_CHUNK)):
                store.bulk_load(b"".join(lines), format=NTRIPLES.ox, to_graph=graph)
                loaded += len(lines)
        return loaded
    quads = ox.parse(path=str(path), format=formats.get(format).ox, rename_blank_nodes=True)
    while chunk := list(islice(quads, LOAD_CHUNK)):
        store.bulk_load(ox.serialize(chunk, format=NTRIPLES.ox), format=NTRIPLES.ox, to_graph=graph)
        loaded += len(chunk)
    if not loaded:  # an empty graph is still a graph
        store.add_graph(graph)
    return loaded


def _describe(store: ox.Store, iri: str) -> list[ox.Triple]:
    """:meth:`Store.describe` in-process: Oxigraph's DESCRIBE (the concise bounded description, blank
    nodes followed) plus the labels of the IRIs it links to. Bounded work, so no timeout is needed."""
    described = cast(ox.QueryTriples, store.query(f"DESCRIBE <{_checked(iri)}>", use_default_graph_as_union=True))
    found = list(islice(described, DESCRIBE_LIMIT))
    label, kind = ox.NamedNode(_LABEL), ox.NamedNode(_TYPE)
    for o in {t.object for t in found if isinstance(t.object, ox.NamedNode) and t.predicate != kind}:
        found.extend(q.triple for q in store.quads_for_pattern(o, label, None, None))
    return list(dict.fromkeys(found))[:DESCRIBE_LIMIT]


def _run(store: ox.Store, sparql: str, results: str, graph: str, dataset: Dataset | None = None,
         base: str | None = None) -> tuple[bytes, str]:
    """One query: on the dataset the request names, else the one of its FROM clauses, else every graph as the
    default graph (:meth:`EmbeddedStore.query`)."""
    options: dict = {"base_iri": base} if base else {}
    if dataset is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in dataset.default]
        options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
    elif not names_dataset(sparql):
        options["use_default_graph_as_union"] = True
    answer = store.query(sparql, **options)
    if isinstance(answer, ox.QueryTriples):
        triples = formats.get(graph)
        return _written(answer.serialize(format=triples.ox)), triples.media_type
    solutions = formats.RESULTS.get(results)
    return _written(answer.serialize(format=solutions.ox)), solutions.media_type


def _written(data: bytes | None) -> bytes:
    """What a pyoxigraph serialiser returns when given no output file (bytes, typed as optional)."""
    return data if data is not None else b""


def _serve_queries(store: ox.Store, connection, parent: int, inherited: frozenset[tuple[int, int]]) -> None:
    """A worker process: answer queries from the pipe until it closes or the process is killed (a timeout;
    the server died: :func:`_die_with_parent`)."""
    _die_with_parent(parent)
    _close_inherited(inherited, keep=connection.fileno())
    _forget_parent_signals()
    while True:
        try:
            sparql, results, graph, dataset, base = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("ok", _run(store, sparql, results, graph, dataset, base)))
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


_PR_SET_PDEATHSIG = 1  # prctl(2)


def _die_with_parent(parent: int) -> None:
    """On Linux, the kernel SIGKILLs this worker when the thread that forked it ends, which lives as long
    as the server (:meth:`_WorkerPool.fork`), also mid-query. Elsewhere the pipe's end stops it when idle."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent:  # the server died before the signal was asked for
        os._exit(0)


def _sockets_and_pipes() -> list[tuple[int, int, int]]:
    """(descriptor, mode, inode) of this process's open sockets and pipes, standard streams aside."""
    found = []
    for name in os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"):
        try:
            info = os.fstat(int(name))
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if int(name) > 2 and (stat.S_ISSOCK(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            found.append((int(name), info.st_mode, info.st_ino))
    return found


def _close_inherited(inherited: frozenset[tuple[int, int]], *, keep: int) -> None:
    """Let go of the server's sockets and pipes (``inherited``: open when it forked; its listening socket,
    clients, other workers' pipes) and of sockets opened meanwhile, but this worker's pipe (``keep``) and
    multiprocessing's own: a worker must never keep the port bound or another worker's pipe open. Each
    becomes /dev/null, so its number stays taken. Files stay open: the store reads its files through them.
    ``inherited`` holds (descriptor, inode): a number closed by another thread before the fork and taken
    again by multiprocessing's own pipes is not the one listed."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd, mode, inode in _sockets_and_pipes():
        if fd not in (keep, null) and ((fd, inode) in inherited or stat.S_ISSOCK(mode)):
            os.dup2(null, fd, inheritable=False)
    os.close(null)


class _Worker:
    """A forked process holding a copy-on-write view of the store as it was when forked."""

    def __init__(self, store: ox.Store, generation: int) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child_end = context.Pipe()
        inherited = frozenset((fd, inode) for fd, _, inode in _sockets_and_pipes())
        self.process = context.Process(target=_serve_queries, args=(store, child_end, os.getpid(), inherited),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.generation = generation

    def ask(self, request: tuple, timeout: float) -> tuple[str, object]:
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
    """Idle query workers; a worker that timed out or failed is stopped, not returned. New workers are
    forked by the pool's own thread (see :func:`_die_with_parent`)."""

    def __init__(self) -> None:
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()
        self._forker: tuple[int, threading.Thread, queue.SimpleQueue] | None = None  # (pid, thread, requests)

    def take(self, store: ox.Store, generation: int) -> _Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.generation == generation and worker.process.is_alive():
                    return worker
                worker.stop()
        return self.fork(store, generation)

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            self.idle.append(worker)

    def fork(self, store: ox.Store, generation: int) -> _Worker:
        """A new worker. The kernel's parent-death signal follows the *thread* that forked: a worker forked
        by a request's thread would be killed when that request ends. One thread per process forks them
        all (started again in a process forked from this one, as gunicorn's workers are)."""
        with self.lock:
            if self._forker is None or self._forker[0] != os.getpid() or not self._forker[1].is_alive():
                requests: queue.SimpleQueue = queue.SimpleQueue()
                thread = threading.Thread(target=self._forking, args=(requests,), name="sparql-worker-forker",
                                          daemon=True)
                thread.start()
                self._forker = (os.getpid(), thread, requests)
            requests = self._forker[2]
        answer: queue.SimpleQueue = queue.SimpleQueue()
        requests.put((store, generation, answer))
        worker = answer.get()
        if isinstance(worker, BaseException):
            raise worker
        return worker

    @staticmethod
    def _forking(requests: queue.SimpleQueue) -> None:
        """The pool's forking thread: one :class:`_Worker` (or the exception) for each request."""
        while True:
            store, generation, answer = requests.get()
            try:
                answer.put(_Worker(store, generation))
            except BaseException as exc:  # handed to the thread that asked
                answer.put(exc)

