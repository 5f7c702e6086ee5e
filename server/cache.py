"""A small LRU cache of rendered documents, with a time limit (``CACHE_SIZE``, ``CACHE_SECONDS``).

A description depends only on the store's data, which a running server never changes itself;
the time limit bounds how long a page stays stale after ``load`` replaces a dataset in a shared
store. ``CACHE_SIZE = 0`` turns it off. A second one (:data:`FACTS_SIZE` entries, the same time limit) keeps
what many pages share, such as a dataset's licence and publisher and the labels of linked resources, so that
a page seen for the first time does not ask the store for them again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

#: entries of the cache of facts many pages share (:attr:`.state.SiteState.facts`)
FACTS_SIZE = 4096


class DocumentCache:
    """``key → value`` (rendered documents: bytes) for at most ``size`` entries, each kept ``seconds`` at most."""

    def __init__(self, *, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        if self.size <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, body: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every document (the data changed)."""
        with self._lock:
            self._entries.clear()
