"""Items of one file in arrival order, in flat memory: kept in memory up to a limit, then written to a
temporary file (pickled batches) and read back in order, as often as needed.

A file with a problem on every row has as many issues and findings as rows; :class:`Spool` keeps their
memory bounded whatever the number of rows (``publish`` of a 160 MB CSV).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import weakref
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
#: items held in memory before a spool starts writing to disk
LIMIT = 20_000
_BATCH = 2_000


class Spool(Generic[T]):
    """An append-only sequence that spills to a temporary file beyond :data:`LIMIT` items, or, with
    ``weigh``, beyond a ``budget`` of the items' weights (characters, say) in memory."""

    def __init__(self, *, limit: int = LIMIT, weigh: Callable[[T], int] | None = None, budget: int = 0) -> None:
        self.limit = limit
        self._memory: list[T] = []
        self._path: str | None = None
        self._written = 0
        self._weigh, self._budget, self._weight = weigh, budget, 0

    def append(self, item: T) -> None:
        self._memory.append(item)
        if self._weigh is not None:
            self._weight += self._weigh(item)
            if self._weight >= self._budget:
                self._spill()
                return
        if len(self._memory) >= (_BATCH if self._path else self.limit):
            self._spill()

    def extend(self, items: list[T]) -> None:
        for item in items:
            self.append(item)

    @property
    def spilled(self) -> bool:
        return self._path is not None

    def _spill(self) -> None:
        if self._path is None:
            handle, self._path = tempfile.mkstemp(prefix="itsutsuboshi-", suffix=".spool")
            os.close(handle)
            weakref.finalize(self, _remove, self._path)
        with open(self._path, "ab") as f:
            for start in range(0, len(self._memory), _BATCH):
                pickle.dump(self._memory[start:start + _BATCH], f, protocol=pickle.HIGHEST_PROTOCOL)
        self._written += len(self._memory)
        self._memory = []
        self._weight = 0

    def __len__(self) -> int:
        return self._written + len(self._memory)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[T]:
        if self._path is not None:
            with open(self._path, "rb") as f:
                while True:
                    try:
                        batch = pickle.load(f)  # noqa: S301 - our own file, written above
                    except EOFError:
                        break
                    yield from batch
        yield from list(self._memory)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class Cursor(Generic[T]):
    """Reads a spool once, in order, a run of items at a time."""

    def __init__(self, items: Spool[T] | list[T]) -> None:
        self._items = iter(items)
        self._next: T | None = None
        self._done = False

    def take_while(self, keep) -> list[T]:
        """The next items for which ``keep(item)`` holds (stops at the first that does not)."""
        taken: list[T] = []
        while not self._done:
            if self._next is None:
                self._next = next(self._items, None)
                if self._next is None:
                    self._done = True
                    break
            if not keep(self._next):
                break
            taken.append(self._next)
            self._next = None
        return taken
