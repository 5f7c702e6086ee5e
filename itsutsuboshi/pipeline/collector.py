"""The cycle collector while rows are converted: what was loaded before is frozen, and collections are rare.

Record trees, issues and rendered lines hold no reference cycles, so reference counting frees each row's
objects as soon as the row is written; the cycle collector only rescans the long-lived tables (mappings,
code lists, town names, caches) every few hundred rows. Freezing them and collecting every
:data:`THRESHOLD` allocations instead of 700 saves that work; memory stays flat, since nothing a row
makes is kept.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: allocations between two collections of the youngest generation while rows are converted
THRESHOLD = 50_000


def freeze() -> None:
    """Move everything allocated so far out of the collector's sight (a worker calls it once, set up)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def converting() -> Iterator[None]:
    """Rows are converted inside: frozen setup, rare collections; the collector as it was afterwards."""
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()  # a caller's own frozen objects stay frozen
    gc.freeze()
    gc.set_threshold(THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen:
            gc.unfreeze()
