"""The duplicate-ID check: a chunk's fingerprints checked together say what one by one would, in one process
or several."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest

from itsutsuboshi import formats
from itsutsuboshi.converters.seen import SeenIds
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline import collector, parallel
from itsutsuboshi.pipeline.convert import convert_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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


@pytest.mark.parametrize("caller_froze", [False, True])
def test_the_collector_is_as_it_was_after_converting(caller_froze):
    assert gc.get_freeze_count() == 0  # nothing else in the test process freezes
    if caller_froze:
        gc.freeze()
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        with collector.converting():
            assert gc.get_threshold()[0] == collector.THRESHOLD
            assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before
        if caller_froze:
            assert gc.get_freeze_count() >= frozen > 0  # a caller's frozen objects stay frozen
        else:
            assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_parallel_duplicates_past_the_bloom_switch_are_those_of_one_process(tmp_path, monkeypatch):
    """Every ID of the example repeats many times, most of them after the exact set gave way to the filter."""
    monkeypatch.setattr(SeenIds, "EXACT_LIMIT", 3)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 7)
    header, records = (EXAMPLES / "999997_aed.csv").read_text(encoding="utf-8").split("\n", 1)
    path = tmp_path / "999997_aed.csv"
    path.write_text(header + "\n" + "\r\n".join([records.rstrip("\r\n")] * 15) + "\r\n", encoding="utf-8")
    outputs = []
    for workers in (1, 2):
        out, issues = io.StringIO(), []
        writer = open_writer(formats.TURTLE, out)  # Turtle nests blank nodes: no labels to differ
        result = convert_file(path, writer, iris=IriBuilder("https://x.example/"), on_issue=issues.append,
                              workers=workers)
        writer.close()
        outputs.append((out.getvalue(), [(i.row, i.code, i.value, i.message_en) for i in issues]))
    assert outputs[0] == outputs[1]
    assert sum(issue[1] == "id.duplicate" for issue in outputs[0][1]) == result.rows_read // 15 * 14 > 0
