"""The duplicate-ID check: a chunk's fingerprints checked together say what one by one would."""

from __future__ import annotations

import gc

import pytest

from itsutsuboshi.converters.seen import SeenIds
from itsutsuboshi.pipeline import collector


def _ids(n: int) -> list[str]:
    """IDs with repeats near and far, across the switch from the exact set to the Bloom filter."""
    return [f"id-{i % 700}" if i % 3 == 0 else f"id-{i}" for i in range(n)]


@pytest.mark.parametrize("chunk", [1, 7, 250, 5000])
def test_chunk_repeats_are_those_found_one_by_one(monkeypatch, chunk):
    monkeypatch.setattr(SeenIds, "EXACT_LIMIT", 400)
    ids = _ids(3000)
    one = SeenIds()
    expected = {i for i, value in enumerate(ids) if i != 5 and one.add(value)}  # row 5 gives no record
    together = SeenIds()
    digests: list[bytes | None] = [SeenIds.digest(value) for value in ids]
    digests[5] = None  # a row that gave no record
    found: set[int] = set()
    for start in range(0, len(digests), chunk):
        found |= {start + i for i in together.repeats(digests[start:start + chunk])}
    assert found == expected
    assert together._exact is None and one._bloom == together._bloom


def test_the_collector_is_as_it_was_after_converting():
    before = gc.get_threshold()
    with collector.converting():
        assert gc.get_threshold()[0] == collector.THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
