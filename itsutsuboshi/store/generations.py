"""Generations of the embedded store: readers only ever see a whole store, closed cleanly.

A store folder holds numbered generations, and a link ``live`` to the one readers open::

    data/live -> generations/000007        (a symbolic link, replaced atomically)
    data/generations/000007/               (a pyoxigraph store, flushed and closed before it went live)
    data/generations/000007.graphs/        (its named graphs as N-Triples files, where the store was given them)
    data/generations/000008.work/          (a write in progress; an interrupted one is removed by the next writer)
    data/.writer.lock                      (one writer at a time)

A write builds the next generation beside the live one (a hard-link snapshot of it, ``Store.backup``,
or a fresh store), changes it, flushes and closes it, and then replaces the link. A kill at any point
leaves the live generation as it was, and because every generation is flushed before it goes live,
opening it read-only never replays a write-ahead log. The generation before the live one is kept, so
that servers still reading it can switch over; older ones are removed.

The ``.graphs`` folder beside a generation keeps each graph that was loaded from N-Triples, one distinct
line a triple, as a file of its own (unchanged graphs are hard links to the files of the generation before).
Dumps are written from those files instead of being read back from the store's indexes, which costs about
20 µs a triple (:meth:`.EmbeddedStore.dump_to`).

A folder written by an earlier version (a plain pyoxigraph store) is read as it is, recovered once
when a crash left a write-ahead log behind, and becomes the first generation at the next write.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

LIVE = "live"
GENERATIONS = "generations"
LOCK = ".writer.lock"
WORK_SUFFIX = ".work"
GRAPHS_SUFFIX = ".graphs"
_ROCKSDB_MARKER = "CURRENT"  # the file every RocksDB folder has: a store of the earlier, single-folder layout


class StoreBusy(RuntimeError):
    """Another process is writing this store."""


def live_path(root: Path) -> Path | None:
    """The folder readers open: the live generation, a store of the earlier layout, or ``None`` (empty)."""
    link = root / LIVE
    if link.is_symlink() or link.exists():
        target = link.resolve()
        return target if target.is_dir() else None
    if (root / _ROCKSDB_MARKER).is_file():
        return root
    return None


def live_name(root: Path) -> str | None:
    """What the live link points to (cheap enough to check on every request)."""
    try:
        return os.readlink(root / LIVE)
    except OSError:
        return "legacy" if (root / _ROCKSDB_MARKER).is_file() else None


def open_read_only(root: Path) -> ox.Store | None:
    """The live store, read-only (``None`` when nothing was written yet). A store of the earlier layout
    that a crash left with a write-ahead log is recovered first, once, when no writer holds it."""
    path = live_path(root)
    if path is None:
        return None
    if path == root and _has_log(root):
        _recover(root)
    return ox.Store.read_only(str(path))


def _has_log(folder: Path) -> bool:
    return any(p.suffix == ".log" and p.stat().st_size > 0 for p in folder.glob("*.log"))


def _recover(root: Path) -> None:
    """Replay a write-ahead log once and flush it (opening read-only would replay it at every start)."""
    try:
        with writer_lock(root, wait=False):
            store = ox.Store(str(root))
            store.flush()
            del store
    except (StoreBusy, OSError):
        pass  # a writer is at work: it flushes when it is done


@contextmanager
def writer_lock(root: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the store's writer lock (``wait=False``: raise :class:`StoreBusy` when it is taken)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise StoreBusy(f"another process is writing {root}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Generation:
    """The next generation being written (inside :func:`writer_lock`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        folder = root / GENERATIONS
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name.removesuffix(WORK_SUFFIX)) for p in folder.iterdir()
                   if p.name.removesuffix(WORK_SUFFIX).isdigit()]
        self.number = max(numbers, default=0) + 1
        self.work = folder / f"{self.number:06d}{WORK_SUFFIX}"
        self.final = folder / f"{self.number:06d}"
        self.graphs = graph_files(self.final)
        shutil.rmtree(self.graphs, ignore_errors=True)  # what a write interrupted before its commit left

    def commit(self) -> None:
        """Make the (flushed and closed) work folder the live generation, atomically."""
        os.rename(self.work, self.final)
        link = self.root / f"{LIVE}.{os.getpid()}.tmp"
        if link.is_symlink():
            link.unlink()
        os.symlink(Path(GENERATIONS) / self.final.name, link)
        os.replace(link, self.root / LIVE)
        _sync(self.root)
        _sync(self.final.parent)


def graph_files(generation: Path) -> Path:
    """The folder of a generation's graph files (beside it: the store's own folder holds only its files)."""
    return generation.with_name(generation.name + GRAPHS_SUFFIX)


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean(root: Path) -> list[Path]:
    """Inside :func:`writer_lock`: remove interrupted writes and generations older than the one before the
    live one; move a store of the earlier layout into the first generation. Returns what was removed."""
    removed: list[Path] = []
    folder = root / GENERATIONS
    if (root / _ROCKSDB_MARKER).is_file():
        _adopt_legacy(root)
    if not folder.is_dir():
        return removed
    live = live_path(root)
    live = live.resolve() if live is not None else None
    done = sorted((p.resolve() for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    keep = {live} | ({done[done.index(live) - 1]} if live in done and done.index(live) > 0 else set())
    kept_graphs = {graph_files(p) for p in keep if p is not None}
    for path in (p.resolve() for p in folder.iterdir()):
        if path.name.endswith(WORK_SUFFIX) or (path.name.isdigit() and path not in keep) \
                or (path.name.endswith(GRAPHS_SUFFIX) and path not in kept_graphs):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _adopt_legacy(root: Path) -> None:
    """The single-folder store of an earlier version becomes generation 1 (its files are then removed;
    a move interrupted after the link was made only has the removal left to do)."""
    if not (root / LIVE).is_symlink():
        store = ox.Store(str(root))  # replays a write-ahead log a crash may have left
        store.flush()
        generation = Generation(root)
        store.backup(str(generation.work))
        del store
        generation.commit()
    for path in root.iterdir():
        if path.name not in (LIVE, GENERATIONS, LOCK):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
