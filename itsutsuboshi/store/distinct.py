"""N-Triples files joined with no line twice, in bounded memory (a graph is a set; files of it may repeat)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

#: what is read at a time, and the lines deduplicated in memory at once (bytes of N-Triples)
BLOCK = 1 << 20
BUCKET_BYTES = 16 << 20


def distinct_lines(files: Sequence[Path], target: Path) -> None:
    """``files`` joined into ``target`` with no line twice; above :data:`BUCKET_BYTES`, the
    lines are first shared out into buckets by their subject (a triple is in the bucket of its subject
    wherever it is), so memory holds one bucket at a time."""
    buckets = max(1, -(-sum(f.stat().st_size for f in files) // BUCKET_BYTES))
    with open(target, "wb") as out:
        if buckets == 1:
            _write_distinct(out, (line for f in files for line in _lines(f)))
            return
        parts = [target.with_suffix(f".{i}") for i in range(buckets)]
        with contextlib.ExitStack() as opened:
            shares = [opened.enter_context(open(p, "wb")) for p in parts]
            for f in files:
                for line in _lines(f):
                    shares[zlib.crc32(line[:line.find(b" ")]) % buckets].write(line)
        for part in parts:
            _write_distinct(out, _lines(part))
            part.unlink()


def _lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.readlines(BLOCK):
            yield from (line if line.endswith(b"\n") else line + b"\n" for line in block if line.strip())


def _write_distinct(out: BinaryIO, lines: Iterable[bytes]) -> None:
    seen: set[bytes] = set()
    batch: list[bytes] = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            batch.append(line)
            if len(batch) >= 10_000:
                out.write(b"".join(batch))
                batch.clear()
    out.write(b"".join(batch))
