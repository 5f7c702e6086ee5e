"""Parallel conversion of large files on several cores, with the same output as one process.

The main process reads the CSV and sends chunks of rows to worker processes; each worker converts
and renders its chunk (``to_rdf`` and serialisation are the costly parts), and the main process
writes the rendered records in the original order. Duplicate IDs are found in the main process,
which converts the rare duplicate row again with its suffix, so IRIs are those of a serial run.
At most ``2 × workers`` chunks are in flight, so memory stays flat.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from itsutsuboshi import formats
from itsutsuboshi.converters.engine import RowConverter
from itsutsuboshi.converters.seen import SeenIds
from itsutsuboshi.converters.writers import Writer, open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline import collector
from itsutsuboshi.pipeline import result as pipeline

if TYPE_CHECKING:
    from itsutsuboshi.converters.reader import CsvSource, RawRow

CHUNK_ROWS = 2000
MIN_BYTES = 4 << 20

_state: dict[str, Any] = {}


def _start(converter_args: dict[str, Any], format_name: str) -> None:
    """Worker initialiser: one converter per process, without its own duplicate check."""
    _state["converter"] = RowConverter(**converter_args, dedupe=False)
    _state["format"] = formats.get(format_name)
    collector.freeze()


def _convert_chunk(number: int, rows: list[tuple[int, list[str]]]) -> tuple:
    """Convert and render one chunk: UTF-8 records, ID fingerprints, issues by row position."""
    converter: RowConverter = _state["converter"]
    writer = open_writer(_state["format"], None, label_prefix=f"c{number}b")
    converter.take_publishers()  # start the chunk with empty file-level state
    converter.code_stats.take()
    records: list[bytes | None] = []
    digests: list[bytes | None] = []
    triples: list[int] = []
    issues_at: list[tuple[int, list]] = []
    for position, (row, cells) in enumerate(rows):
        node, issues = pipeline.convert_row(converter, converter.filename, row, cells)
        if issues:
            issues_at.append((position, issues))
        if node is None:
            records.append(None)
            digests.append(None)
            triples.append(0)
            continue
        before = writer.triples
        records.append(writer.render(node).encode("utf-8"))
        digests.append(SeenIds.digest(converter.last_key))
        triples.append(writer.triples - before)
    return records, digests, triples, issues_at, *converter.take_publishers(), converter.code_stats.take()


def convert_rows(rows: Iterable[RawRow], source: CsvSource, converter: RowConverter, writer: Writer,
                 result: pipeline.FileResult, report: pipeline.IssueSink, progress: pipeline.Progress | None, *,
                 iris: IriBuilder, workers: int) -> None:
    """Convert the remaining ``rows`` of ``source`` with ``workers`` processes into ``writer``."""
    args = {"mapping": converter.mapping, "header": converter.header, "iris": iris, "filename": converter.filename,
            "code": converter.file_code, "metadata": converter.metadata, "blank_is_no": converter.blank_is_no}
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pending: deque[tuple[list[tuple[int, list[str]]], dict[int, tuple], Future]] = deque()
    last = source.bytes_read
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(args, writer.format.name)) as pool:
        batch: list[tuple[int, list[str]]] = []
        read: dict[int, tuple] = {}  # what reading found, by position in the batch
        number = 0
        for raw in rows:
            result.rows_read += 1
            if raw.issues:
                read[len(batch)] = raw.issues
            batch.append((raw.row, raw.cells))
            if len(batch) == CHUNK_ROWS:
                number += 1
                pending.append((batch, read, pool.submit(_convert_chunk, number, batch)))
                batch, read = [], {}
                if progress is not None:
                    now = source.bytes_read
                    progress(now - last)
                    last = now
                while len(pending) > 2 * workers:
                    _write_chunk(*pending.popleft(), source, converter, writer, result, report)
        if batch:
            pending.append((batch, read, pool.submit(_convert_chunk, number + 1, batch)))
        while pending:
            _write_chunk(*pending.popleft(), source, converter, writer, result, report)
    if progress is not None:
        progress(source.bytes_read - last)


def _write_chunk(rows: list[tuple[int, list[str]]], read: dict[int, tuple], future: Future, source: CsvSource,
                 converter: RowConverter, writer: Writer, result: pipeline.FileResult,
                 report: pipeline.IssueSink) -> None:
    records, digests, triples, issues_at, codes, publishers, code_stats = future.result()
    converter.merge_publishers(codes, publishers)
    converter.code_stats.merge(code_stats)
    issues_by_position = dict(issues_at)
    for position, found in read.items():  # what reading the row found comes first
        issues_by_position[position] = [*found, *issues_by_position.get(position, [])]
    repeats = converter.repeated(digests)
    # rows with nothing to say are written and counted together; the others one by one, in order
    special = sorted({*issues_by_position, *repeats, *(i for i, d in enumerate(digests) if d is None)})
    ready: list[bytes] = []
    start = 0
    for position in (*special, len(digests)):
        ready += records[start:position]  # no None between special rows
        result.rows_converted += position - start
        writer.triples += sum(triples[start:position])
        start = position + 1
        if position == len(digests):
            break
        if digests[position] is None:  # the row could not be converted: its issue says why
            pipeline.count_row(result, False, issues_by_position.pop(position, []), report)
            continue
        if position in repeats:  # a duplicate ID: convert again with its suffix
            writer.write_encoded(ready)
            ready = []
            row, cells = rows[position]
            node, issues = pipeline.convert_row(converter, source.name, row, cells, duplicate=True)
            if node is not None:
                writer.write(node)
            issues_by_position.pop(position, None)  # the new conversion reports the row's issues again
            pipeline.count_row(result, node is not None, [*read.get(position, ()), *issues], report)
            continue
        ready.append(records[position])
        writer.triples += triples[position]
        pipeline.count_row(result, True, issues_by_position.pop(position, []), report)
    writer.write_encoded(ready)
