"""Reading real municipal CSV files: encoding, ``#`` metadata rows, header row, spreadsheet row numbers.

:func:`open_csv` sniffs the encoding (UTF-8 with or without BOM, CP932/Shift_JIS), skips ``#``
metadata rows (keeping them in :attr:`CsvSource.metadata`) and comment lines before the header,
and then streams :class:`RawRow` objects. Row numbers are those a spreadsheet shows: the header
of a plain file is row 1, its first data row is row 2, a multi-line quoted cell is one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

SNIFF_BYTES = 1 << 18
csv.field_size_limit(1 << 24)

_DASH_LIKE = str.maketrans({c: "-" for c in "―‐‑‒–—−ー－ｰ─"})
_SPACES = re.compile(r"\s+")


def header_key(name: str) -> str:
    """The comparison key of a column name: width, dashes, brackets, spaces and case unified."""
    s = unicodedata.normalize("NFKC", name.lstrip("\ufeff")).translate(_DASH_LIKE)
    return _SPACES.sub("", s).lower()


@dataclass(slots=True)
class RawRow:
    """One data row as read: its spreadsheet row number and its cells (``str``, stripped)."""

    row: int
    cells: list[str]


class CountingReader(io.RawIOBase):
    """A binary reader that counts bytes consumed, for progress bars."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.consumed += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def sniff_encoding(sample: bytes) -> str:
    """``utf-8-sig`` for a BOM, else ``utf-8`` if the sample decodes, else ``cp932``."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
            return encoding
        except UnicodeDecodeError:
            continue
    return "cp932"


@dataclass
class CsvSource:
    """An opened CSV: what was learnt about it before the data rows, and the rows themselves."""

    path: Path
    encoding: str
    header: list[str]
    header_row: int
    metadata: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    blank_rows: int = 0
    _records: Iterator[list[str]] | None = None
    _counter: CountingReader | None = None
    _next_row: int = 0
    size: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def bytes_read(self) -> int:
        return self._counter.consumed if self._counter else 0

    def rows(self) -> Iterator[RawRow]:
        """Stream the data rows; blank rows are counted in :attr:`blank_rows` and skipped."""
        assert self._records is not None
        row = self._next_row
        preamble = True
        for record in self._records:
            row += 1
            cells = [c.strip() for c in record]
            if "\r" in "".join(cells):  # a multi-line cell written with CRLF
                cells = [c.replace("\r\n", "\n") for c in cells]
            if not any(cells):
                self.blank_rows += 1
                continue
            if preamble and cells[0].startswith("#"):  # '#object_type_xsd' etc. right after the header
                self.metadata[cells[0].lstrip("#").strip()] = next((c for c in cells[1:] if c), "")
                continue
            preamble = False
            yield RawRow(row, cells)

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()


def open_csv(path: str | Path, *, encoding: str | None = None, max_preamble: int = 50) -> CsvSource:
    """Open ``path`` and read up to its header row. Raises ``ValueError`` when no header is found."""
    path = Path(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed by CsvSource.close
    sample = raw.read(SNIFF_BYTES)
    raw.seek(0)
    chosen = encoding or sniff_encoding(sample)
    counter = CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding=chosen, errors="replace", newline="")
    records = csv.reader(text)
    metadata: dict[str, str] = {}
    comments: list[str] = []
    row = 0
    try:
        for record in records:
            row += 1
            cells = [c.strip() for c in record]
            first = cells[0] if cells else ""
            if first.startswith("#"):
                key = first.lstrip("#").strip()
                if key.lower() == "property":
                    return CsvSource(path, chosen, cells, row, metadata, comments,
                                     _records=records, _counter=counter, _next_row=row, size=_size(path))
                metadata[key] = next((c for c in cells[1:] if c), "")
                continue
            if sum(1 for c in cells if c) >= 2:
                return CsvSource(path, chosen, cells, row, metadata, comments,
                                 _records=records, _counter=counter, _next_row=row, size=_size(path))
            if any(cells):
                comments.append(" ".join(c for c in cells if c))
            if row >= max_preamble:
                break
    except (csv.Error, UnicodeError) as exc:
        counter.close()
        raise ValueError(str(exc)) from exc
    counter.close()
    raise ValueError("no header row")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
