"""The physical lines of a CSV file and the csv records they make (used by :mod:`.reader`).

The encoding is decided from the whole file: a BOM says UTF-8; otherwise each line that is not plain
ASCII is evidence for UTF-8 (it decodes strictly as UTF-8) or against it, and the file is UTF-8 when
most such lines are. The file is then read in blocks of whole lines. A block that decodes strictly is
split into lines at once; in one that does not, each line is decoded alone, and only a damaged line
falls back: to the other encoding when it is plainly written in it, else to '�'. A line longer than
:data:`LINE_LIMIT` is never held whole: it is read in parts, its long cells cut with a note; a cell
over :data:`CELL_LIMIT` characters (one long line, or a quoted cell over many) is cut the same way.

The csv module parses the lines strictly. A record it refuses (a quote followed by text, a quote left
open at the end, a cell over :data:`RECORD_CHARS`), or one spanning several lines that each read as a
whole row, has a stray quote: it is read again with one quote taken as text, and the lines after it
are read again. Row numbers count records as a spreadsheet does.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain
from operator import length_hint
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from itsutsuboshi.converters.issues import Issue, make_issue

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

BLOCK = 1 << 20  # bytes read at a time
LINE_LIMIT = 1 << 24  # a physical line longer than this (bytes, 16 MiB) has its long cells cut while it is read
CELL_LIMIT = 1 << 20  # characters kept of a cell that is cut
RECORD_CHARS = 1 << 25  # a quoted cell still open after this many characters is a quote that ran away
csv.field_size_limit(RECORD_CHARS)  # the csv module's own limit: reaching it means a runaway quote here

_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_STOP = re.compile(r'[,"\r\n]')
_CUT_NOTE = "…（以下 {0} 文字省略 / {0} characters cut）"  # no comma: it goes inside a cell
_CUT_MARK = re.compile(r"…（以下 (\d+) 文字省略 / \d+ characters cut）")
_LINES, _PART, _LAST = 0, 1, 2
_OTHER = {"utf-8": "cp932", "cp932": "utf-8"}
_ASCII = bytes(range(128))
_CP932_STRAY = re.compile("[\uf8f1-\uf8f3]")  # what the single bytes 0xFD–0xFF decode to in CP932
_WIDTH_SAMPLE = 1000  # rows whose widths tell what a whole row is
_BACK = 64  # lines above a failure searched for the stray quote
_KEPT = "\ufdd0"  # stands for a stray quote while a line is read again (a noncharacter: never in text)


#: the encodings of the last files read (path, size, mtime), for a file read again in the same process
_DETECTED: dict[tuple[str, int, int], tuple[str, frozenset[int]]] = {}


def open_input(path: str | Path) -> BinaryIO:
    """Open an input file for reading, as bytes: the one place an input file is opened."""
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def detect_encoding(path: str | Path, raw: BinaryIO | None = None, *,
                    hashes: Sequence[Hash] = ()) -> tuple[str, frozenset[int]]:
    """The file's encoding (``utf-8-sig`` for a BOM, else ``utf-8`` or ``cp932``, whichever more lines
    are written in) and, in a CP932 file, the blocks holding lines that are UTF-8.

    ``raw`` is ``path`` already open, at its start (else the file is opened); it is left anywhere. With
    ``hashes`` (``hashlib`` objects), the whole file is read in the same pass and every byte given to each."""
    stat = os.fstat(raw.fileno()) if raw is not None else Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if not hashes and key in _DETECTED:
        return _DETECTED[key]
    if raw is None:
        with open_input(path) as opened:
            found = _detect(opened, hashes)
    else:
        found = _detect(raw, hashes)
    _DETECTED[key] = found
    while len(_DETECTED) > 32:
        del _DETECTED[next(iter(_DETECTED))]
    return found


class _Hashing:
    """A binary stream that gives every byte read from it to ``hashes``."""

    def __init__(self, raw: BinaryIO, hashes: Sequence[Hash]) -> None:
        self.raw, self.hashes = raw, hashes

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        for h in self.hashes:
            h.update(data)
        return data


def _detect(raw: BinaryIO, hashes: Sequence[Hash]) -> tuple[str, frozenset[int]]:
    stream: BinaryIO = _Hashing(raw, hashes) if hashes else raw  # type: ignore[assignment]
    first = stream.read(BLOCK)
    if first[:3] == codecs.BOM_UTF8:
        read_all(raw, hashes)  # the rest, for the checksums
        return "utf-8-sig", frozenset()
    utf8 = other = 0
    utf8_blocks: set[int] = set()
    for number, (kind, block) in enumerate(_blocks(stream, first)):
        if kind != _LINES or block.isascii():
            continue  # an over-long line is cut anyway; ASCII says nothing
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            utf8 += block.count(b"\n") or 1
            utf8_blocks.add(number)
            continue
        for line in block.split(b"\n"):
            if not line.isascii():
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    other += 1
                else:
                    utf8 += 1
                    utf8_blocks.add(number)
    return ("cp932", frozenset(utf8_blocks)) if other > utf8 else ("utf-8", frozenset())


def read_all(raw: BinaryIO, hashes: Sequence[Hash]) -> None:
    """Give the rest of ``raw`` to each of ``hashes``."""
    while block := raw.read(BLOCK):
        for h in hashes:
            h.update(block)


def decode_line(line: bytes, encoding: str) -> tuple[str, str | None]:
    """One physical line: strictly in ``encoding``, else in the other one when it is plainly written in
    it, else with '�' for the bytes that are not text. The second value is the issue code, if any."""
    problem = None
    try:
        text = line.decode(encoding)
    except UnicodeDecodeError:
        other = _OTHER[encoding]
        text, problem = line.decode(encoding, "replace"), "encoding.replaced"
        try:
            alternative = line.decode(other)
        except UnicodeDecodeError:
            pass
        else:  # a line written in the other encoding is garbage in this one; one damaged byte is not
            if other == "utf-8" or 4 * text.count("\ufffd") >= len(line.translate(None, _ASCII)):
                text, problem = alternative, "encoding.mixed"
    else:
        if encoding == "cp932" and not line.isascii():
            try:  # a UTF-8 line may happen to decode as CP932 too: UTF-8 is far stricter, so it wins
                text, problem = line.decode("utf-8"), "encoding.mixed"
            except UnicodeDecodeError:
                pass
    if problem is None and encoding == "cp932" and _CP932_STRAY.search(text):
        text, problem = _CP932_STRAY.sub("\ufffd", text), "encoding.replaced"
    if "\x00" in text or ("\ufffd" in text and problem is None):
        text, problem = text.replace("\x00", "\ufffd"), "encoding.replaced"
    return text, problem


def _damaged_cp932(block: bytes) -> bool:
    """Bytes 0xFD–0xFF are no part of CP932 text (Python maps them to private characters)."""
    return b"\xfd" in block or b"\xfe" in block or b"\xff" in block


def _blocks(raw: BinaryIO, first: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """The file in blocks of whole lines (``_LINES``); a line over :data:`LINE_LIMIT` comes in parts
    (``_PART`` …, ``_LAST``) so that it is never held whole. ``first`` is the first read, already done."""
    carry = b""
    long = False
    chunks = iter(lambda: raw.read(BLOCK), b"")
    for chunk in chain([first], chunks) if first is not None else chunks:
        if not chunk:
            break
        if long:
            end = _first_break(chunk)
            if end < 0:
                yield _PART, chunk
                continue
            yield _LAST, chunk[:end]
            long, chunk = False, chunk[end:]
        data = carry + chunk if carry else chunk
        end = _last_break(data)
        if end:
            yield _LINES, data[:end]
        carry = data[end:]
        if len(carry) > LINE_LIMIT:
            yield _PART, carry
            carry, long = b"", True
    if long:
        yield _LAST, b""
    elif carry:
        yield _LINES, carry


def _last_break(data: bytes) -> int:
    """The end of the last line break in ``data`` (0: none); a final CR may be half of a CRLF."""
    return max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1


def _first_break(data: bytes) -> int:
    n, r = data.find(b"\n"), data.find(b"\r")
    if r >= 0 and (n < 0 or r < n):
        return r + 2 if data[r + 1:r + 2] == b"\n" else r + 1
    return n + 1 if n >= 0 else -1


def _split(text: str) -> list[str]:
    """Lines with their breaks (CRLF, LF or CR), as a spreadsheet sees them."""
    lines = text.splitlines(True)  # fast, but also breaks at \x0b, \x1c, U+2028 …, which are cell text
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if len(lines) != breaks + (not text.endswith(("\n", "\r"))):
        lines = io.StringIO(text, newline="").readlines()
    return lines


class _Cutter:
    """Keeps an over-long line, cutting each cell (quoted or not) to :data:`CELL_LIMIT` characters with a
    note saying how much was cut; the quotes and commas that make the row stay as they are."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = self.run = self.cut = 0
        self.quoted = self.closing = False  # in a quoted cell; a quote seen in it (closing, or half of "")
        self.start = True  # at the start of a cell

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            if self.quoted:
                if not self.closing:
                    j = text.find('"', i)
                    if j < 0:  # the line may end inside the cell (a multi-line cell): its break is kept
                        body = text[i:].rstrip("\r\n")
                        self._text(body)
                        self._put(text[i + len(body):])
                        return
                    self._text(text[i:j])
                    self.closing, i = True, j + 1
                elif text[i] == '"':  # "" stands for one quote
                    self._text('""')
                    self.closing, i = False, i + 1
                else:
                    self._note()
                    self._put('"')
                    self.quoted = self.closing = False
                continue
            found = _STOP.search(text, i)
            j = found.start() if found else n
            if j > i:
                self.start = False
                self._text(text[i:j])
            if found is None:
                return
            stop, i = text[j], j + 1
            if stop != '"':  # a comma or line break ends the cell
                self._note()
                self._put(stop)
                self.start = True
            elif self.start:
                self.quoted, self.start = True, False
                self._put('"')
            else:
                self._text('"')

    def _text(self, piece: str) -> None:
        room = CELL_LIMIT - self.run
        if len(piece) > room:
            keep = room if piece != '""' else 0
            self.cut += len(piece) - keep
            piece = piece[:keep]
        self.run += len(piece)
        self._put(piece)

    def _put(self, piece: str) -> None:
        if self.size + len(piece) <= LINE_LIMIT:
            self.parts.append(piece)
            self.size += len(piece)
        else:  # a line of countless cells: what does not fit is cut, and noted in the cell being read
            self.cut += len(piece)

    def _note(self) -> None:
        if self.cut:
            note = _CUT_NOTE.format(self.cut)
            self.parts.append(note)
            self.size += len(note)
        self.run = self.cut = 0

    def text(self) -> str:
        if self.quoted and self.closing:
            self._note()
            self._put('"')
        line = "".join(self.parts)
        body = line.rstrip("\r\n")
        self.parts = [body]
        self._note()
        return "".join(self.parts) + line[len(body):]


def _lf(record: list[str]) -> list[str]:
    """The line breaks inside the cells of a multi-line record as LF."""
    return [c.replace("\r\n", "\n").replace("\r", "\n") if "\r" in c else c for c in record]


def _first_record(lines: list[str], *, strict: bool) -> tuple[list[str] | None, int]:
    """The first record the csv module reads from ``lines``, and the number of lines it took."""
    it = iter(lines)
    try:
        record = next(csv.reader(it, strict=strict))
    except (csv.Error, StopIteration):
        return None, 0
    return record, len(lines) - length_hint(it)


def _stray_candidates(lines: list[str], failed: int) -> Iterator[tuple[int, int]]:
    """Quotes that may be the stray one: on the line where reading failed and the lines above it, up to
    the record's first line (which is always tried); on each line, quotes opening a cell first."""
    for at in dict.fromkeys([*range(failed, max(failed - _BACK, 0), -1), 0]):
        line = lines[at]
        quotes = [m.start() for m in re.finditer('"', line)][:40]
        quotes.sort(key=lambda p: not (p == 0 or line[p - 1] == ","))
        yield from ((at, p) for p in quotes)


def split_loose(line: str, literal: int = -1) -> tuple[list[str], int]:
    """Split one physical line on commas, honouring quoted cells that close on this line; a quote that
    never closes (or the one at index ``literal``) is kept as text. Returns the cells and the index of
    the cell holding such a stray quote (-1: none)."""
    line = line.rstrip("\r\n")
    cells: list[str] = []
    stray = -1
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"' and i != literal:
            j, parts, k = i + 1, [], -1
            while True:
                k = line.find('"', j)
                if k < 0 or line[k + 1:k + 2] != '"':
                    break
                parts.append(line[j:k + 1])
                j = k + 2
            if k >= 0:
                end = line.find(",", k + 1)
                parts += [line[j:k], line[k + 1:] if end < 0 else line[k + 1:end]]  # text after it, as csv keeps
                cells.append("".join(parts))
                if end < 0:
                    return cells, stray
                i = end + 1
                continue
            stray = len(cells)
        elif i == literal:
            stray = len(cells)
        end = line.find(",", i)
        cells.append(line[i:] if end < 0 else line[i:end])
        if end < 0:
            return cells, stray
        i = end + 1


def recover(line: str, widths: set[int]) -> tuple[list[str], int]:
    """The split of one line, with its stray quote kept as text, that gives a whole row if any does."""
    cells, stray = split_loose(line)
    if not widths or len(cells) in widths:
        return cells, stray
    for position in (m.start() for m in re.finditer('"', line)):
        if position == 0 or line[position - 1] == ",":
            tried, where = split_loose(line, position)
            if len(tried) in widths:
                return tried, where
    plain = line.rstrip("\r\n").split(",")  # no quoting at all
    if len(plain) in widths:
        return plain, next((i for i, c in enumerate(plain) if '"' in c), -1)
    return cells, stray


class CsvLines:
    """The records (spreadsheet rows) of a CSV stream, with damaged lines and runaway quotes repaired.

    Iterating yields ``(row, cells, issues)``; ``cells`` are as the csv module gives them (not stripped;
    the line breaks of a multi-line cell are LF). :attr:`widths` (the number of cells a whole row has)
    and :attr:`columns` (the names of the cells, for issues) are set by the reader once it knows the
    header; until then runaway quotes are only found by their length."""

    def __init__(self, raw: BinaryIO, encoding: str, suspects: frozenset[int], name: str) -> None:
        self.raw = raw
        self.name = name
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.suspects = suspects
        if encoding == "utf-8-sig" and raw.read(3) != codecs.BOM_UTF8:
            raw.seek(0)
        self.bytes_read = raw.tell()
        self.line = 0  # physical lines consumed
        self.row = 0  # rows numbered
        self.widths: set[int] = set()
        self.columns: list[str] = []
        self.lead = 0  # cells left of the first column
        self.counted: Counter[int] = Counter()  # widths of the first rows below the header
        self._problems: dict[int, tuple[str, ...]] = {}  # physical line (1-based) -> issue codes, in order
        self._decoded = 0  # lines decoded so far
        self._list: list[str] = []  # the lines being read, ...
        self._it: Iterator[str] = iter(self._list)  # ... the csv module's position in them, ...
        self._base = 0  # ... and the number of lines before them
        self._history: list[tuple[int, list[str]]] = []  # the lists a record being read may span
        self._blocks = self._lists()

    def _lists(self) -> Iterator[Iterator[str]]:
        """The decoded lines, a list per block; a line too long to hold whole is cut as it is read."""
        encoding, problems = self.encoding, self._problems
        cp932 = encoding == "cp932"
        cutter, decoder = _Cutter(), codecs.getincrementaldecoder(encoding)("replace")
        for index, (kind, block) in enumerate(_blocks(self.raw)):
            self.bytes_read += len(block)
            if kind == _LINES:
                text = None
                if index not in self.suspects and b"\x00" not in block and not (cp932 and _damaged_cp932(block)):
                    try:
                        text = block.decode(encoding)
                    except UnicodeDecodeError:
                        pass
                if text is not None and "\ufffd" not in text:
                    lines = _split(text)
                else:
                    lines = []
                    for raw_line in _BYTE_LINE.findall(block):
                        line, problem = decode_line(raw_line, encoding)
                        lines.append(line)
                        if problem:
                            problems[self._decoded + len(lines)] = (problem,)
            else:
                cutter.feed(decoder.decode(block, final=kind == _LAST).replace("\x00", "\ufffd"))
                if kind == _PART:
                    continue
                line = cutter.text()
                lines = [line]
                problems[self._decoded + 1] = ("cell.truncated",) + (("encoding.replaced",) if "\ufffd" in line else ())
                cutter, decoder = _Cutter(), codecs.getincrementaldecoder(encoding)("replace")
            self._base, self._list, self._it = self._decoded, lines, iter(lines)
            self._decoded += len(lines)
            self._history.append((self._base, lines))
            yield self._it

    def _span(self, start: int, end: int) -> list[str]:
        """Physical lines ``start`` to ``end`` (0-based, end excluded)."""
        found: list[str] = []
        for base, lines in self._history:
            if base < end and base + len(lines) > start:
                found += lines[max(start - base, 0):end - base]
        return found

    def __iter__(self) -> Iterator[tuple[int, list[str], tuple[Issue, ...]]]:
        reader = csv.reader(chain.from_iterable(self._blocks), strict=True)
        problems, counted, history = self._problems, self.counted, self._history
        start = 0  # physical lines before the record being read
        sampled = 0
        while True:
            try:
                record = next(reader)
                broken = False
            except StopIteration:
                return
            except csv.Error:  # a quote not followed by a comma, one left open at the end, a cell too long
                record, broken = [], True
            end = self._base + len(self._list) - length_hint(self._it)
            if end == start:
                return
            self.row += 1
            issues: tuple[Issue, ...] = ()
            long = True  # a cell may be over CELL_LIMIT: a record of several lines, or of one long line
            if end - start == 1 and not broken:
                start = end
                at = end - 1 - self._base
                long = not 0 <= at < len(self._list) or len(self._list[at]) > CELL_LIMIT
            elif not broken and not (self.widths and self._runaway(self._span(start, end))):
                start = end  # a legitimate multi-line cell
                record = _lf(record)
            else:
                record, issues, start = self._repair(start, end, broken)
                reader = csv.reader(chain(self._it, chain.from_iterable(self._blocks)), strict=True)
            self.line = start
            if len(history) > 1:
                while len(history) > 1 and history[1][0] <= start:
                    del history[0]
            widths = self.widths
            if widths and sampled < _WIDTH_SAMPLE:
                sampled += 1
                counted[len(record)] += 1
                if sampled in (10, 100, _WIDTH_SAMPLE):  # a whole row is as wide as the header or most rows
                    widths.add(counted.most_common(1)[0][0])
            if problems and next(iter(problems)) <= start:
                issues += self._line_issues(record)
            if long:
                issues += self._long_cells(record)
            yield self.row, record, issues

    def _repair(self, start: int, end: int, broken: bool) -> tuple[list[str], tuple[Issue, ...], int]:
        """Read the record starting at line ``start`` again: with one stray quote taken as text, else
        leniently as the csv module reads it, else its first line alone as one row. The lines after it
        are then read again; returns the record, its issues and the lines consumed."""
        lines = self._span(start, end) + self._list[end - self._base:]  # the record and what follows it
        while len(lines) - (end - start) < 200 and next(self._blocks, None) is not None:
            lines += self._list  # a cell read again may run on into the next block
        widths = self.widths

        def whole(found: list[str] | None, used: int, tried: list[str]) -> bool:
            return found is not None and (not widths or len(found) in widths) and (
                used == 1 or not widths or not self._runaway(tried[:used]))

        record: list[str] | None = None
        used, stray = 0, None  # stray: the cell holding the quote taken as text (None: read leniently)
        for at, position in _stray_candidates(lines, (end - start - 1) if broken else 0):
            tried = lines.copy()
            tried[at] = lines[at][:position] + _KEPT + lines[at][position + 1:]
            record, used = _first_record(tried, strict=True)
            if record is not None and whole(record, used, tried):
                stray = next((i for i, c in enumerate(record) if _KEPT in c), -1)
                record = [c.replace(_KEPT, '"') for c in record]
                break
            record = None
        if record is None and broken:  # quoting off in more than one place, as the csv module reads it
            record, used = _first_record(lines, strict=False)
            if not whole(record, used, lines):
                record = None
        if record is None:  # no reading gives a whole row: this line is one row, its quotes as text
            record, stray = recover(lines[0], widths)
            used = 1
        issues = () if stray is None else (self._quote_issue(record, stray),)
        if used > 1:
            record = _lf(record)
        again = lines[used:]
        self._base, self._list, self._it = start + used, again, iter(again)
        self._history[:] = [(start + used, again)]
        return record, issues, start + used

    def _runaway(self, lines: list[str]) -> bool:
        """A record over several lines whose lines each read as a whole row: a quote ran away."""
        widths = self.widths
        if not widths or len(recover(lines[0], widths)[0]) not in widths:
            return False
        rest = lines[1:9]
        whole = sum(1 for line in rest if len(split_loose(line)[0]) in widths)
        return 2 * whole >= len(rest)

    def _column(self, index: int) -> str:
        index -= self.lead
        if 0 <= index < len(self.columns) and self.columns[index]:
            return self.columns[index]
        return f"(列{index + 1})" if index >= 0 else ""

    def _quote_issue(self, cells: list[str], stray: int) -> Issue:
        found = 0 <= stray < len(cells)
        return make_issue("row.quote_recovered", file=self.name, row=self.row,
                          column=self._column(stray) if found else "", value=cells[stray][:200] if found else "")

    def _long_cells(self, record: list[str]) -> tuple[Issue, ...]:
        """Cells over :data:`CELL_LIMIT` not cut yet (a quoted cell over many lines, a long line under
        :data:`LINE_LIMIT`): cut, so that no literal is too long for a store's parser."""
        found = []
        for i, cell in enumerate(record):
            if len(cell) > CELL_LIMIT and _CUT_MARK.match(cell, CELL_LIMIT) is None:
                record[i] = cell[:CELL_LIMIT] + _CUT_NOTE.format(len(cell) - CELL_LIMIT)
                found.append(make_issue("cell.truncated", file=self.name, row=self.row, column=self._column(i),
                                        detail=f"{len(cell):,}"))
        return tuple(found)

    def _line_issues(self, record: list[str]) -> tuple[Issue, ...]:
        """The issues of the physical lines this record was read from (an encoding fallback, a cut cell)."""
        problems = self._problems
        codes: list[str] = []
        while problems and (number := next(iter(problems))) <= self.line:
            codes += [c for c in problems.pop(number) if c not in codes]
        found: list[Issue] = []
        for code in codes:
            if code != "cell.truncated":
                detail = ("UTF-8" if self.encoding == "cp932" else "Shift_JIS (CP932)") if code == "encoding.mixed" else ""
                found.append(make_issue(code, file=self.name, row=self.row, detail=detail))
                continue
            for i, cell in enumerate(record):
                if len(cell) > CELL_LIMIT and _CUT_MARK.search(cell) is None:  # a long quoted cell with commas
                    record[i] = cell = cell[:CELL_LIMIT] + _CUT_NOTE.format(len(cell) - CELL_LIMIT)
                cut = _CUT_MARK.search(cell)
                if cut is not None:
                    size = int(cut.group(1)) + cut.start()
                    found.append(make_issue(code, file=self.name, row=self.row, column=self._column(i),
                                            detail=f"{size:,}"))
        return tuple(found)
