"""Damaged files: runaway quotes, mixed encodings, huge cells, titles and notes, and the real samples
damaged in these ways. Every physical line ends up in a row, or is reported; nothing aborts a file."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from itsutsuboshi import formats
from itsutsuboshi.cli import main as cli
from itsutsuboshi.converters import lines as csvlines
from itsutsuboshi.converters.issues import make_issue
from itsutsuboshi.converters.lines import CELL_LIMIT, LINE_LIMIT, detect_encoding
from itsutsuboshi.converters.reader import open_csv
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import CASES, SHARED

HEADER = "都道府県コード又は市区町村コード,NO,名称,住所,緯度,経度"
_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _read(path: Path) -> tuple[list[tuple[int, list[str]]], dict[str, list[int]], object]:
    """Rows (number, cells), the rows of each reading issue, and the source (closed)."""
    issues: list = []
    source = open_csv(path, on_issue=issues.append)
    rows = []
    for raw in source.rows():
        rows.append((raw.row, raw.cells))
        issues += raw.issues
    source.close()
    found: dict[str, list[int]] = {}
    for issue in issues:
        found.setdefault(issue.code, []).append(issue.row)
    return rows, found, source


def _write(tmp_path: Path, text: str | bytes, newline: str = "\n", encoding: str = "utf-8") -> Path:
    path = tmp_path / "input.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.replace("\n", newline).encode(encoding))
    return path


def _row(n: int, name: str = "施設") -> str:
    return f"999997,{n},{name}{n},架空県星野市{n}番地,35.{n:06d},139.{n:06d}"


# -- runaway quotes ---------------------------------------------------------------------------------

QUOTES = {
    # name: (data lines after the header, the rows with a stray quote)
    "stray quote opening a cell": ([_row(1), _row(2).replace(",施設", ',"施設'), _row(3), _row(4)], [3]),
    "stray quote before a quoted cell on the same line": (
        [_row(1), '999997,2,"施設2,架空県星野市2番地,"35.0,139.0",139.1', _row(3)], [3]),
    "stray quote above a multi-line cell": (
        [_row(1), '999997,"2,施設2,"説明\n続き",35.1,139.1', _row(3)], [3]),
    "stray quote inside a multi-line cell": (
        [_row(1), '999997,2,施設2,"一行目\n二行目 4,"500円\n三行目",35.1,139.1', _row(3)], [3]),
    "stray quote in the last line": ([_row(1), _row(2), _row(3).replace(",施設", ',"施設')], [4]),
    "two stray quotes": ([_row(1), _row(2).replace(",架空", ',"架空'), _row(3), _row(4).replace(",施設", ',"施設'),
                          _row(5)], [3, 5]),
    "quoted cells and multi-line cells only": (
        [_row(1), '999997,2,"施設, 2","説明\nの\n続き",35.1,"139.1"', _row(3), '999997,4,施設4,住所,35.4,"経度\n"'],
        []),
}


@pytest.mark.parametrize("block", [csvlines.BLOCK, 40])  # 40 bytes: records cut across blocks everywhere
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("case", list(QUOTES))
def test_a_runaway_quote_costs_one_row_not_the_rest_of_the_file(tmp_path, monkeypatch, case, newline, block):
    monkeypatch.setattr(csvlines, "BLOCK", block)
    body, strays = QUOTES[case]
    rows, found, source = _read(_write(tmp_path, HEADER + "\n" + "\n".join(body) + "\n", newline))
    assert [r for r, _ in rows] == list(range(2, 2 + len(body)))  # spreadsheet rows, one per record
    assert all(len(cells) == 6 for _, cells in rows), rows
    assert found.get("row.quote_recovered", []) == strays
    assert all(cells[1] == str(r - 1) for r, cells in rows if r not in strays)
    for r, cells in rows:
        if r in strays:  # the stray quote is kept as text, the cell where it was
            assert '"' in "".join(cells)
        else:
            assert '"' not in "".join(c for c in cells if not c.startswith("説明"))
    if case.startswith("quoted"):
        assert rows[1][1][2:4] == ["施設, 2", "説明\nの\n続き"] and rows[3][1][5] == "経度"
    assert source.lines == len(body) + 1 + sum(line.count("\n") for line in body)


def test_a_quote_running_to_the_end_of_a_long_file(tmp_path):
    body = [_row(n) for n in range(1, 5001)]
    body[10] = body[10].replace(",施設", ',"施設')
    rows, found, _ = _read(_write(tmp_path, HEADER + "\n" + "\n".join(body) + "\n"))
    assert len(rows) == 5000 and [r for r, _ in rows][-1] == 5001
    assert found == {"row.quote_recovered": [12]}
    assert rows[10][1][2] == '"施設11' and rows[11][1][2] == "施設12"


def test_a_runaway_quote_is_cut_at_the_record_limit(tmp_path):
    # a quote that runs on past the limit is ended there (memory stays bounded), then read again
    body = [_row(n) for n in range(1, 2001)]
    body[0] = body[0].replace(",施設", ',"施設')
    limit = csv.field_size_limit(5000)
    try:
        rows, found, _ = _read(_write(tmp_path, HEADER + "\n" + "\n".join(body) + "\n"))
    finally:
        csv.field_size_limit(limit)
    assert [r for r, _ in rows] == list(range(2, 2002)) and found == {"row.quote_recovered": [2]}
    assert all(len(cells) == 6 for _, cells in rows)


def test_legitimate_multi_line_cells_are_one_row(tmp_path):
    text = HEADER + '\n999997,1,"名称\n(カナ)","住所,\n二行目\n三行目",35.1,139.1\n' + _row(2) + "\n"
    rows, found, _ = _read(_write(tmp_path, text, "\r\n"))
    assert [r for r, _ in rows] == [2, 3] and not found
    assert rows[0][1][3] == "住所,\n二行目\n三行目"


# -- encodings, row by row --------------------------------------------------------------------------


def _mixed(lines: list[str], encodings: list[str], newline: bytes = b"\r\n") -> bytes:
    return b"".join(line.encode(e) + newline for line, e in zip(lines, encodings, strict=True))


def _ambiguous() -> str:
    """Japanese text whose UTF-8 bytes also decode as CP932 (silent mojibake unless looked for)."""
    for text in ("アイ", "ア", "テスト", "タナカ", "カナ"):
        try:
            text.encode("utf-8").decode("cp932")
            return text
        except UnicodeDecodeError:
            continue
    pytest.skip("no such text")


ENCODINGS = {
    # name: (file encoding, encodings of header + 3 rows, code on row 3)
    "one CP932 row in a UTF-8 file": ("utf-8", ["utf-8", "utf-8", "cp932", "utf-8"], "encoding.mixed"),
    "one CP932 row in a UTF-8 file with BOM": ("utf-8-sig", ["utf-8-sig", "utf-8", "cp932", "utf-8"], "encoding.mixed"),
    "one UTF-8 row in a CP932 file": ("cp932", ["cp932", "cp932", "utf-8", "cp932"], "encoding.mixed"),
    "CP932 header, UTF-8 rows": ("utf-8", ["cp932", "utf-8", "utf-8", "utf-8"], None),
}


@pytest.mark.parametrize("case", list(ENCODINGS))
def test_each_row_is_decoded_in_its_own_encoding(tmp_path, case):
    expected, encodings, code = ENCODINGS[case]
    lines = [HEADER, _row(1, "星野"), _row(2, "市役所ﾛﾋﾞｰ"), _row(3, "体育館")]
    path = _write(tmp_path, _mixed(lines, encodings))
    rows, found, source = _read(path)
    assert source.encoding == expected and source.header[2] == "名称"
    assert [cells for _, cells in rows] == [line.split(",") for line in lines[1:]]
    if code:
        assert found == {code: [3]}
    else:
        assert found == {"encoding.mixed": [1]} or found == {}  # the header row: read right, reported or not


DAMAGE = {  # what becomes of the word 市 (its first byte flipped, a NUL before it, a byte neither encoding has)
    "flipped byte": lambda word: b"\xff" + word[1:],
    "NUL": lambda word: b"\x00" + word,
    "byte no encoding has": lambda word: b"\xfd" + word,
}


@pytest.mark.parametrize("case", list(DAMAGE))
@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_damaged_byte_costs_a_character_not_the_file(tmp_path, case, encoding):
    lines = [HEADER, _row(1, "星野"), _row(2, "市役所"), _row(3, "体育館")]
    word, name = "市".encode(encoding), "市役所".encode(encoding)
    data = ("\r\n".join(lines) + "\r\n").encode(encoding).replace(name, DAMAGE[case](word) + name[len(word):])
    rows, found, source = _read(_write(tmp_path, data))
    assert source.encoding == encoding and source.header[2] == "名称"
    assert len(rows) == 3 and rows[0][1][2] == "星野1" and rows[2][1][2] == "体育館3"
    assert found == {"encoding.replaced": [3]}
    assert rows[1][1][2].startswith("\ufffd") and rows[1][1][2].endswith("役所2")


def test_a_utf8_row_that_also_decodes_as_cp932_is_read_as_utf8(tmp_path):
    text = _ambiguous()
    lines = [HEADER] + [_row(n, "星野") for n in range(1, 4000)] + [_row(4000, text)]
    encodings = ["cp932"] * 4000 + ["utf-8"]
    rows, found, source = _read(_write(tmp_path, _mixed(lines, encodings)))
    assert source.encoding == "cp932" and rows[-1][1][2] == f"{text}4000"
    assert found == {"encoding.mixed": [4001]}


def test_the_encoding_is_decided_by_the_whole_file(tmp_path):
    # the first 256 KiB are CP932, most of the file UTF-8 (a file appended to by another program)
    lines = [HEADER] + [_row(n, "星野") for n in range(1, 20000)]
    encodings = ["utf-8"] + ["cp932"] * 3000 + ["utf-8"] * 16999
    path = _write(tmp_path, _mixed(lines, encodings))
    assert detect_encoding(path)[0] == "utf-8"
    rows, found, _ = _read(path)
    assert len(rows) == 19999 and all(cells[2].startswith("星野") for _, cells in rows)
    assert found["encoding.mixed"] == list(range(2, 3002))


# -- huge cells -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [
    "あ" * (LINE_LIMIT // 3 * 2),  # 32 MiB
    '"' + "長い説明, 続き。" * (LINE_LIMIT // 20) + '"',  # quoted, with commas inside
])
def test_a_cell_over_the_limit_is_cut_and_reported(tmp_path, cell):
    data = (HEADER + "\r\n" + _row(1) + "\r\n" + f"999997,2,施設2,{cell},35.2,139.2\r\n" + _row(3) + "\r\n").encode()
    rows, found, _ = _read(_write(tmp_path, data))
    assert [r for r, _ in rows] == [2, 3, 4]
    assert found == {"cell.truncated": [3]}
    kept = rows[1][1]
    assert kept[:3] == ["999997", "2", "施設2"] and kept[4:] == ["35.2", "139.2"]
    assert CELL_LIMIT < len(kept[3]) < CELL_LIMIT + 100 and "characters cut" in kept[3]
    assert rows[2][1][2] == "施設3"


# -- titles, notes, output --------------------------------------------------------------------------


def test_titles_and_notes_are_reported_with_their_rows(tmp_path):
    text = ("AED設置場所一覧,令和6年4月1日現在,,,,\n\n" + HEADER + "\n" + _row(1) + "\n" + "※ 休館日は使えません。,,,,,\n"
            + _row(2) + "\n,,,,,\n出典：星野市,,,,,\n作成 情報政策課\n")
    rows, found, source = _read(_write(tmp_path, text))
    assert source.header[0].startswith("都道府県") and source.header_row == 3
    assert [r for r, _ in rows] == [4, 6]
    assert found == {"row.title": [1], "row.note": [5, 8, 9]}
    assert source.blank_rows == 2


def test_convert_writes_its_files_only_when_complete(tmp_path, monkeypatch):
    out, issues = tmp_path / "all.ttl", tmp_path / "issues.csv"
    out.write_text("old output\n", encoding="utf-8")

    def failing(path, writer, *, on_issue, **options):  # a crash half-way: some issues and triples written
        on_issue(make_issue("row.failed", file=path.name, row=2, detail="x"))
        writer.write_all([])
        raise RuntimeError("disk full")

    monkeypatch.setattr(cli, "convert_file", failing)
    result = CliRunner().invoke(cli.main, ["convert", str(CASES / "aed-old" / "input.csv"), "-o", str(out),
                                           "--issues", str(issues)])
    assert result.exit_code != 0
    assert out.read_text(encoding="utf-8") == "old output\n" and not issues.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.ttl"]  # no partial file left behind
    monkeypatch.undo()
    result = CliRunner().invoke(cli.main, ["convert", str(CASES / "aed-old" / "input.csv"), "-o", str(out),
                                           "--issues", str(issues)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("@prefix") and issues.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.ttl", "issues.csv"]


# -- the real samples, damaged ----------------------------------------------------------------------

SAMPLES = sorted(p for folder in ("raw", "local") for p in (SHARED / "samples" / folder).glob("*.csv")
                 if p.name != "MANIFEST.csv")
HUGE = "aed__yaizu__1.csv"  # the one sample that also gets a cell over 16 MiB
MUTATIONS = ["stray quote", "damaged bytes", "title and notes"]
requires_samples = pytest.mark.skipif(not SAMPLES, reason="../shared/samples is absent (real municipal samples "
                                                          "are not in a user's clone)")


@cache
def _convert(path: Path) -> tuple:
    issues: list = []
    writer = open_writer(formats.NTRIPLES, io.StringIO())
    result = convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=issues.append,
                          workers=1)
    writer.close()
    return result, issues


def _rows_of_lines(text: str) -> dict[int, int]:
    """Physical line (1-based) -> the spreadsheet row it belongs to, for an undamaged file."""
    lines = io.StringIO(text, newline="").readlines()
    it, rows, done = iter(lines), {}, 0
    for row, _ in enumerate(csv.reader(it), 1):
        now = len(lines) - it.__length_hint__()
        rows.update(dict.fromkeys(range(done + 1, now + 1), row))
        done = now
    return rows


def _mutate(path: Path, mutation: str, target: Path) -> tuple[set[int] | None, dict[str, int]]:
    """Write ``path`` damaged by ``mutation`` to ``target``; return the rows the damage is on and the
    issues expected (code -> count)."""
    data = path.read_bytes()
    encoding = detect_encoding(path)[0]
    text = data.decode(encoding)
    rows = _rows_of_lines(text)
    source = open_csv(path)
    header_row = source.header_row
    source.close()
    lines = _BYTE_LINE.findall(data)
    newline = b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    middle = [i for i in range(len(lines) // 2, len(lines))
              if rows[i + 1] > header_row and not lines[i].startswith(b"#") and lines[i].strip()]
    plain = "utf-8" if encoding.startswith("utf") else "cp932"
    expected: dict[str, int] = {}
    damaged: set[int] | None = None
    if mutation == "stray quote":
        # at the start of a cell, or inside a quoted one when every cell is quoted
        i, at = next(((i, m.end()) for i in middle for m in re.finditer(rb',(?=[^",\r\n])', lines[i])), None) or next(
            (i, m.end() + 1) for i in middle for m in re.finditer(rb',"(?=[^",\r\n])', lines[i]))
        lines[i] = lines[i][:at] + b'"' + lines[i][at:]
        damaged = {rows[i + 1]}
        whole = rows.get(i) != rows[i + 1] != rows.get(i + 2) and lines[i][at - 1:at] == b","
        expected = {"row.quote_recovered": 1} if whole else {}  # else: reported, or kept as text
    elif mutation == "damaged bytes":  # a flipped byte, a NUL and a row in the other encoding, on three rows
        chosen = [i for i in middle if not lines[i].isascii()]
        chosen = [i for n, i in enumerate(chosen) if not n or rows[i + 1] != rows[chosen[n - 1] + 1]][:3]
        for i, damage in zip(chosen, ("flip", "nul", "other"), strict=False):
            line = lines[i]
            at = next(k for k, b in enumerate(line) if b > 0x7F)
            if damage == "flip":
                lines[i] = line[:at] + b"\xff" + line[at + 1:]
            elif damage == "nul":
                lines[i] = line[:at] + b"\x00" + line[at:]
            else:
                lines[i] = line.decode(plain).encode("cp932" if plain == "utf-8" else "utf-8", "replace")
        damaged = {rows[i + 1] for i in chosen}
        expected = {"encoding.replaced": min(len(chosen), 2), "encoding.mixed": int(len(chosen) == 3)}
        expected = {k: v for k, v in expected.items() if v}
    elif mutation == "title and notes":
        title = "一覧表,令和6年4月1日現在,,".encode(plain) + newline
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        lines[0] = bom + title + lines[0][len(bom):]
        if not lines[-1].endswith((b"\n", b"\r")):
            lines[-1] += newline
        lines.append("※ この表は令和6年4月1日現在です。,,".encode(plain) + newline)
        lines.append("作成：情報政策課".encode(plain) + newline)
        expected = {"row.title": 1, "row.note": 2}
    elif mutation == "huge cell":
        i = next(i for i in middle if lines[i].count(b",") > 5)
        cells = lines[i].split(b",")
        cells[4] = "あ".encode(plain) * (LINE_LIMIT // 2)
        lines[i] = b",".join(cells)
        damaged = {rows[i + 1]}
        expected = {"cell.truncated": 1}
    target.write_bytes(b"".join(lines))
    return damaged, expected


DAMAGED = [pytest.param(p, m, id=f"{p.name}-{m}") for p in SAMPLES for m in MUTATIONS] + [
    pytest.param(p, "huge cell", id=f"{p.name}-huge cell") for p in SAMPLES if p.name == HUGE  # a few seconds: one file
] or [pytest.param(None, None, marks=requires_samples)]


@pytest.mark.parametrize(("path", "mutation"), DAMAGED)
def test_damaged_real_file_keeps_every_line(tmp_path, path, mutation):
    before, _ = _convert(path)
    damaged = tmp_path / path.name
    rows_damaged, expected = _mutate(path, mutation, damaged)
    result, issues = _convert(damaged)
    assert result.ok and result.dataset == before.dataset  # still read and recognised
    # every row read became RDF or a row-level issue, and no row was lost or made up
    assert result.rows_read == before.rows_read
    failed = {i.row for i in issues if i.code == "row.failed"}
    assert result.rows_read == result.rows_converted + len(failed) and result.rows_failed == len(failed)
    # the damage is reported where it is, and only there
    reading = [i for i in issues if i.code in {"row.quote_recovered", "encoding.mixed", "encoding.replaced",
                                               "cell.truncated", "row.title", "row.note"}]
    found = {code: sum(1 for i in reading if i.code == code) for code in {i.code for i in reading}}
    if mutation == "stray quote" and not expected and found:  # inside a quoted cell: kept as text, or reported
        expected = found = {"row.quote_recovered": 1}
    assert found == expected, [(i.code, i.row, i.value) for i in reading]
    if rows_damaged is not None:
        assert {i.row for i in reading} <= rows_damaged and (not expected or {i.row for i in reading} == rows_damaged)
    # every physical line is a row read, the header, a '#' row, a blank row, a title or a note
    rows, reported, source = _read(damaged)
    physical = len(_BYTE_LINE.findall(damaged.read_bytes()))
    assert source.lines == physical
    hashes = sum(1 for line in damaged.read_bytes().splitlines()  # '#' rows but a '#property' header
                 if re.match(rb"(\xef\xbb\xbf)?#(?!property(,|$))", line))
    other = len(reported.get("row.title", [])) + len(reported.get("row.note", [])) + source.blank_rows + hashes
    assert len(rows) + other + source.header_rows == source.row_count
    if not any("\n" in c for _, cells in rows for c in cells):  # one line per row: lines and rows agree
        assert source.row_count == physical
