"""Record IDs held by other files of the same dataset and publisher, so that two files never merge.

Municipalities split a dataset over several files (公共施設 as 市役所・センター, 学校, 公園 …), and IDs
often restart at 1 in each. An ID belongs to the first file that published it; a row of another file
with the same ID gets an IRI qualified by its own file (``{base}id/{dataset}/{code}/{file}/{ID}``,
:meth:`~.iri.IriBuilder.record`), and keeps it when the file is published again, even after the first
file is gone (docs/uri-policy.md). IDs are kept as sorted 64-bit fingerprints: 8 bytes an ID.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field


def fingerprint(local_id: str) -> int:
    """A 64-bit fingerprint of a record's local ID (collisions are negligible below billions of IDs)."""
    return int.from_bytes(hashlib.blake2b(local_id.encode("utf-8"), digest_size=8).digest(), "little")


def _holds(ids: array, value: int) -> bool:
    i = bisect_left(ids, value)
    return i < len(ids) and ids[i] == value


def sorted_ids(values: array) -> array:
    """``values`` sorted, without repeats (the form :class:`Claims` reads)."""
    return array("Q", sorted(set(values)))


@dataclass
class Claims:
    """What a file's rows must not take: the IDs of other files (``taken``: file name → sorted IDs), and the
    IDs this file qualified when it was published before (``qualified``, sorted), which stay qualified."""

    taken: dict[str, array] = field(default_factory=dict)
    qualified: array = field(default_factory=lambda: array("Q"))
    #: the IDs of the other files of a dataset and publisher, once the file's own are known (:meth:`select`)
    loader: Callable[[str, str], dict[str, array]] | None = None

    def select(self, dataset: str, code: str) -> None:
        """The file turned out to be ``dataset`` published by ``code``: take the IDs of the other such files."""
        if self.loader is not None:
            self.taken = self.loader(dataset, code)

    def holder(self, local_id: str) -> str | None:
        """The other file that holds ``local_id``, or ``""`` when this file qualified it before; ``None``
        when the ID is free."""
        value = fingerprint(local_id)
        for name, ids in self.taken.items():
            if _holds(ids, value):
                return name
        return "" if _holds(self.qualified, value) else None

    def add(self, name: str, ids: array) -> None:
        """Another file's IDs (sorted), for the files converted after it."""
        self.taken[name] = ids


@dataclass
class Minted:
    """The IDs a file's rows took (``plain``) and those it qualified (``qualified``), as fingerprints."""

    plain: array = field(default_factory=lambda: array("Q"))
    qualified: array = field(default_factory=lambda: array("Q"))
