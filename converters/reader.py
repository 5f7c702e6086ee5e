"""Reading real municipal CSV files: encoding, damaged lines, ``#`` metadata rows, header rows, notes.

:func:`open_csv` decides the encoding from the whole file (UTF-8 with or without BOM, CP932/Shift_JIS:
whichever most lines decode as), then streams the file line by line, decoding each line strictly and
falling back, for a damaged line only, to the other encoding or to '�'. It skips ``#`` metadata rows
(kept in :attr:`CsvSource.metadata`) and title rows above the header, finds the header (a group row
above a sub-header row is joined into one name per column), and then streams :class:`RawRow` objects.

An input file is opened once (:class:`InputFile`): one pass decides its encoding (and gives its bytes to
any checksums wanted), then its rows are read from the same handle. Rows read ahead of the conversion (a
sample to recognise the table, the code column to find the publisher: :meth:`CsvSource.ahead`) are kept,
not read again.

Row numbers are those a spreadsheet shows: the header of a plain file is row 1, its first data row is
row 2, a multi-line quoted cell is one row. Damage never aborts a file and nothing is dropped silently
(:mod:`.lines`): a stray quote is taken as text and its row read again instead of swallowing the rows
after it, a cell too large to keep is cut, a title or a note is reported; every physical line ends up
in a row, a blank row, the header, a metadata row, or an issue.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from itsutsuboshi.converters.issues import Issue, make_issue
from itsutsuboshi.converters.lines import CsvLines, detect_encoding, open_input, read_all
from itsutsuboshi.spool import Spool

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

LOOKAHEAD = 20  # rows read below the header to see which edge columns are empty
HOLD_LIMIT = 50  # one-cell rows held back to see whether they are notes below the data
AHEAD_CHARS = 1 << 22  # characters of rows read ahead kept in memory (the rest wait in a temporary file)
_SEP = "\x00"  # joins the cells of a row read ahead: never in a cell (lines read a NUL as U+FFFD)

_DASH_LIKE = str.maketrans({c: "-" for c in "―‐‑‒–—−ー－ｰ─"})
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_NUMERIC = re.compile(r"[-+−]?[\d０-９][\d０-９,.．:：/\-−年月日時分秒]*")
#: a one-cell row that is a note, not a record: ※…, 注1…, (注)…, 出典…, 備考:…, *…
_NOTE = re.compile(r"(?:[※＊*]|[（(【〔]?注[\d０-９:：)）】〕.．、\s意記]|出典|資料[:：]|参考[:：]|備考[:：])")


@lru_cache(maxsize=16384)
def header_key(name: str) -> str:
    """The comparison key of a column name: width, dashes, brackets, spaces and case unified (cached: recognition
    asks for the same names and vocabulary words many times)."""
    s = unicodedata.normalize("NFKC", name.lstrip("\ufeff")).translate(_DASH_LIKE)
    return _SPACES.sub("", s).lower()


@dataclass(slots=True)
class RawRow:
    """One data row as read: its spreadsheet row number, its cells (``str``, stripped) and what
    reading it found (a line decoded in the other encoding, a stray quote, a cell cut)."""

    row: int
    cells: list[str]
    issues: tuple[Issue, ...] = ()


# -- the file ---------------------------------------------------------------------------------------


def _filled(cells: list[str]) -> int:
    return len(cells) - cells.count("")


def _span(cells: list[str]) -> int:
    """The number of cells up to the last non-empty one."""
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if cells[i]), 0)


def _header_like(cells: list[str]) -> bool:
    """Column names: at least two, distinct, hardly any of them numbers or dates."""
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return False
    numeric = sum(1 for c in filled if _NUMERIC.fullmatch(c))
    return 5 * numeric <= len(filled) and 10 * len(set(filled)) >= 9 * len(filled)


def _is_title(row: list[str], below: list[str]) -> bool:
    """A row above a header at least twice as wide as it (a table title with a date, say)."""
    return _filled(below) >= 3 and 2 * _span(row) <= _span(below) and _header_like(below)


def _group_names(top: list[str], below: list[str]) -> list[str] | None:
    """The column names of a two-row header (a group row over a sub-header row), or ``None``.

    A group name stands over two or more sub-names with empty cells to its right (merged cells);
    a name over an empty sub-cell is a column of its own. A lone cell in the first column over the
    whole header is a title, not a group."""
    width = max(len(top), len(below))
    top, below = top + [""] * (width - len(top)), below + [""] * (width - len(below))
    starts = {j for j in range(width - 1) if top[j] and not top[j + 1] and below[j] and below[j + 1]}
    if not starts or not _header_like(below):
        return None
    if any(top[j] and below[j] and j not in starts for j in range(width)):
        return None
    if _filled(top) == 1 and top[0]:
        return None
    names, group = [], ""
    for j in range(width):
        if top[j]:
            group = top[j] if j in starts else ""
        elif not below[j]:
            group = ""
        if top[j] and j not in starts:
            names.append(top[j])
        else:
            names.append(f"{group}_{below[j]}" if group and below[j] else below[j])
    return names


def _header_name(cell: str) -> str:
    """A column name as written, without the line breaks of a wrapped header cell."""
    return _LINE_BREAKS.sub("", cell) if "\n" in cell or "\r" in cell else cell


class CsvSource:
    """An opened CSV: what was learnt about it before the data rows, and the rows themselves.

    File-level findings of reading (title rows above the header, notes below the data) go to the
    ``on_issue`` given to :func:`open_csv`, else to :attr:`issues`."""

    def __init__(self, path: Path, encoding: str, lines: CsvLines, on_issue: Callable[[Issue], None] | None) -> None:
        self.path = path
        self.encoding = encoding
        self.header: list[str] = []
        self.header_row = 0
        self.metadata: dict[str, str] = {}
        self.comments: list[str] = []
        self.blank_rows = 0
        self.metadata_rows = 0  # '#' rows: LinkData metadata, '#object_type_xsd' …
        self.title_rows = 0
        self.note_rows = 0
        self.issues: list[Issue] = []
        self.size = _size(path)
        self._lines = lines
        self._stream = iter(lines)
        self._ahead: list[tuple[int, list[str], tuple[Issue, ...]]] = []
        self._report = on_issue or self.issues.append
        self._lead = 0
        self.header_rows = 1  # 2 for a group row over a sub-header row
        self._data: Iterator[RawRow] | None = None  # the data rows, read once
        self._kept: Spool[_Kept | Issue] | None = None  # rows read ahead, and what reading them reported
        self._kept_rows = 0
        self._kept_from = 0  # bytes read before the rows read ahead

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far, up to the rows not yet taken from :meth:`rows`."""
        return self._kept_from if self._kept else self._lines.bytes_read

    @property
    def lines(self) -> int:
        """Physical lines read so far."""
        return self._lines.line

    @property
    def row_count(self) -> int:
        """Spreadsheet rows read so far, of every kind (header, metadata, blank, title, note, data)."""
        return self._lines.row

    @property
    def rows_set_aside(self) -> int:
        """Rows read that are not data rows: the header, ``#`` rows, blank rows, titles and notes. Every
        row is a data row or one of these: :attr:`row_count` = data rows + :attr:`rows_set_aside`."""
        return self.header_rows + self.metadata_rows + self.blank_rows + self.title_rows + self.note_rows

    def _read_header(self, max_preamble: int) -> None:
        """Find the header: the first row of two or more cells, unless the row below it is a header at
        least twice as wide (it is then a title), or a sub-header row (the two make one header)."""
        Row = tuple[int, list[str], tuple[Issue, ...]]
        pending: tuple[Row, list[str]] | None = None  # a row that may be the header, and its cells
        below: list[Row] = []  # one-cell rows under it: titles, or the first data rows
        for item in self._stream:
            row, record, issues = item
            cells = [c.strip() for c in record]
            first = cells[0] if cells else ""
            if first.startswith("#"):
                self._reported(issues)
                key = first.lstrip("#").strip()
                if key.lower() == "property":  # a LinkData header: the names follow the marker
                    self._titles(([pending[0]] if pending else []) + below)
                    self._set_header(row, cells, len(record))
                    return
                self.metadata_rows += 1
                self.metadata[key] = next((c for c in cells[1:] if c), "")
            elif not any(cells):
                self._reported(issues)
                self.blank_rows += 1
            elif pending is None:
                if _filled(cells) >= 2 or not cells[0]:  # a lone cell right of the first column may be a group
                    pending = (item, cells)
                    self._lines.widths = {len(record)}
                else:
                    self._titles([item])
            elif _filled(cells) < 2:
                below.append(item)
            elif (names := _group_names(pending[1], cells)) is not None:
                self._reported(pending[0][2] + issues)
                self._titles(below)
                self.header_rows = 2
                self._set_header(row, names, max(len(pending[0][1]), len(record)))
                return
            elif _filled(pending[1]) < 2 or _is_title(pending[1], cells):
                self._titles([pending[0], *below])
                below = []
                pending = (item, cells)
                self._lines.widths = {len(record)}
            else:
                self._ahead = [*below, item]
                break
            if row >= max_preamble and (pending is None or len(below) > HOLD_LIMIT):
                self._ahead = below
                break
        else:
            self._ahead = below
        if pending is None or _filled(pending[1]) < 2:
            raise ValueError("no header row")
        (row, record, issues), cells = pending
        self._reported(issues)
        self._set_header(row, cells, len(record))

    def _reported(self, issues: tuple[Issue, ...]) -> None:
        for issue in issues:
            self._report(issue)

    def _titles(self, rows: list[tuple[int, list[str], tuple[Issue, ...]]]) -> None:
        """Rows above the header: kept as comments (a title says what the file is), reported as titles."""
        for row, record, issues in rows:
            text = " ".join(c for c in (c.strip() for c in record) if c)
            self.comments.append(text)
            self.title_rows += 1
            self._report(make_issue("row.title", file=self.name, row=row, value=text[:200]))
            self._reported(issues)

    def _set_header(self, row: int, cells: list[str], width: int) -> None:
        """Take the header; then read a few rows below it to leave out empty columns at either edge."""
        lines = self._lines
        names = [_header_name(c) for c in cells]
        self.header_row = row
        lines.widths = {width}
        lines.columns = names
        lines.counted.clear()
        for item in self._stream:
            self._ahead.append(item)
            if len(self._ahead) >= LOOKAHEAD:
                break
        rows = [cells for _, record, _ in self._ahead
                if not (cells := [c.strip() for c in record]) or not cells[0].startswith("#")]

        def empty(j: int) -> bool:
            return not names[j] and all(j >= len(r) or not r[j] for r in rows)

        lead, end = 0, len(names)
        while lead < end and empty(lead):
            lead += 1
        while end > lead and empty(end - 1):
            end -= 1
        self.header = names[lead:end]
        self._lead = lead
        lines.columns, lines.lead = self.header, lead

    def rows(self) -> Iterator[RawRow]:
        """Stream the data rows. Blank rows are counted in :attr:`blank_rows`; ``#`` rows right below the
        header are metadata; a one-cell note (※…, 注…, 出典…), or one-cell rows ending the file, are
        reported as notes (``row.note``), not read as records. Rows read ahead (:meth:`ahead`) come first,
        what reading them found reported in its place, as if they were read only now."""
        if self._kept is not None:
            kept, self._kept, self._kept_rows = self._kept, None, 0
            for item in kept:
                if isinstance(item, tuple):
                    yield _unpack(item)
                else:
                    self._report(item)
        yield from self._stream_rows()

    def ahead(self, count: int) -> Iterator[RawRow]:
        """The first ``count`` data rows (fewer in a shorter file), read ahead of :meth:`rows`, which still
        yields them: they are read from the file once and kept, each row's cells joined in one string (up
        to :data:`AHEAD_CHARS` characters in memory, the rest in a temporary file), and what reading them
        reports waits with them."""
        kept = self._kept
        if kept is None:
            kept = self._kept = Spool(weigh=_weight, budget=AHEAD_CHARS)
            self._kept_from = self._lines.bytes_read
        taken = 0
        for item in kept:
            if taken == count:
                return
            if isinstance(item, tuple):
                taken += 1
                yield _unpack(item)
        data = self._stream_rows()
        report = self._report
        while taken < count:
            self._report = kept.append  # a title or a note found on the way waits for its turn
            try:
                raw = next(data, None)
            finally:
                self._report = report
            if raw is None:
                return
            kept.append(_pack(raw))
            taken += 1
            yield raw

    def count_rows(self) -> int:
        """The data rows left (those read ahead included), read to the end without reporting anything:
        the size of a table that is not converted."""
        kept, self._kept = self._kept, None
        report, self._report = self._report, lambda issue: None
        try:
            return sum(1 for item in kept or () if isinstance(item, tuple)) + sum(1 for _ in self._stream_rows())
        finally:
            self._report = report

    def _stream_rows(self) -> Iterator[RawRow]:
        if self._data is None:
            self._data = self._read_rows()
        return self._data

    def _read_rows(self) -> Iterator[RawRow]:
        lead, width = self._lead, len(self.header)
        held: list[tuple[int, list[str], tuple[Issue, ...]]] = []  # one-cell rows that may end the file
        records = 0
        preamble = True
        ahead, self._ahead = self._ahead, []
        for row, record, issues in chain(ahead, self._stream):
            cells = [c.strip() for c in record]
            if not any(cells):
                self.blank_rows += 1
                continue
            if preamble and cells[0].startswith("#"):  # '#object_type_xsd' etc. right after the header
                self.metadata_rows += 1
                self.metadata[cells[0].lstrip("#").strip()] = next((c for c in cells[1:] if c), "")
                continue
            preamble = False
            if lead:
                left, cells = [c for c in cells[:lead] if c], cells[lead:]
            if len(cells) > width and not cells[-1]:  # empty cells right of the columns are no cells
                cells = cells[:max(width, _span(cells))]
            if lead and left:  # a value left of the columns is kept, after them
                cells += left
            if cells.count("") == len(cells) - 1 and width >= 2:  # one cell only
                text = next(c for c in cells if c)
                if _NOTE.match(text):
                    self._note(row, text, issues)
                    continue
                if records and width >= 3 and len(held) < HOLD_LIMIT:
                    held.append((row, cells, issues))
                    continue
            for h in held:
                yield RawRow(*h)
            held = []
            records += 1
            yield RawRow(row, cells, issues)
        for row, cells, issues in held:  # one-cell rows below the last record: notes, not records
            self._note(row, next(c for c in cells if c), issues)

    def _note(self, row: int, text: str, issues: tuple[Issue, ...]) -> None:
        self.note_rows += 1
        self._report(make_issue("row.note", file=self.name, row=row, value=text[:200]))
        for issue in issues:
            self._report(issue)

    def close(self) -> None:
        self._lines.raw.close()


class InputFile:
    """An input file opened once for everything read from it (a context manager).

    Opening reads it whole, once: its first bytes (an Excel workbook is told apart), its encoding, and every
    byte given to ``hashes`` (``hashlib`` objects, for checksums), all in one pass; :func:`open_csv` then
    reads its rows from the same handle. Raises ``OSError`` when the file cannot be opened or read."""

    def __init__(self, path: str | Path, *, hashes: Sequence[Hash] = (), encoding: str | None = None) -> None:
        self.path = Path(path)
        self.raw = open_input(self.path)
        try:
            self.size = os.fstat(self.raw.fileno()).st_size
            self.head = self.raw.read(8)
            self.raw.seek(0)
            self.encoding, self.suspects = encoding or "", frozenset[int]()
            if self.spreadsheet or encoding:
                read_all(self.raw, hashes)  # nothing to detect: only the checksums, if any, read the file
            else:
                self.encoding, self.suspects = detect_encoding(self.path, self.raw, hashes=hashes)
            self.raw.seek(0)
        except BaseException:
            self.raw.close()
            raise

    @property
    def spreadsheet(self) -> bool:
        """An Excel workbook (.xlsx is a zip, .xls an OLE file) passed by mistake."""
        return self.head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> InputFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_csv(path: str | Path | InputFile, *, encoding: str | None = None, max_preamble: int = 50,
             on_issue: Callable[[Issue], None] | None = None) -> CsvSource:
    """Open ``path`` (or read an :class:`InputFile` from its start) and read up to its header row; closing
    the source closes the file. Raises ``ValueError`` when no header is found and ``OSError`` when the
    file cannot be opened; damaged content never raises."""
    opened = path if isinstance(path, InputFile) else InputFile(path, encoding=encoding)
    raw = opened.raw
    try:
        raw.seek(0)
        source = CsvSource(opened.path, opened.encoding, CsvLines(raw, opened.encoding, opened.suspects,
                                                                  opened.path.name), on_issue)
        source._read_header(max_preamble)
    except BaseException:
        raw.close()
        raise
    return source


_Kept = tuple[int, "str | list[str]", tuple[Issue, ...]]  # a row read ahead: number, cells, issues


def _pack(raw: RawRow) -> _Kept:
    """A row read ahead, compact: its cells joined (a quarter of the memory of a list of strings)."""
    joined = _SEP.join(raw.cells)
    return raw.row, joined if raw.cells and joined.count(_SEP) == len(raw.cells) - 1 else raw.cells, raw.issues


def _unpack(item: _Kept) -> RawRow:
    row, cells, issues = item
    return RawRow(row, cells.split(_SEP) if isinstance(cells, str) else cells, issues)


def _weight(item: _Kept | Issue) -> int:
    """The characters a row read ahead holds."""
    return (len(item[1]) if isinstance(item[1], str) else sum(map(len, item[1]))) if isinstance(item, tuple) else 1


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
