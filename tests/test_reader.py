"""The reader on the shapes real files come in: encodings, BOM, '#' rows, comment lines, blank rows."""

from __future__ import annotations

import pytest

from itsutsuboshi.converters.reader import header_key, open_csv

HEADER = "都道府県コード又は市区町村コード,NO,名称,備考"


def _write(tmp_path, text: str, encoding: str, newline: str = "\r\n"):
    path = tmp_path / "input.csv"
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_encodings_and_newlines(tmp_path, encoding, newline):
    path = _write(tmp_path, f"{HEADER}\n999997,1,星野市役所ﾛﾋﾞｰ,高橋\n", encoding, newline)
    source = open_csv(path)
    rows = list(source.rows())
    source.close()
    assert source.header[2] == "名称"
    assert rows[0].cells[2] == "星野市役所ﾛﾋﾞｰ"
    assert rows[0].row == 2


def test_metadata_rows_and_property_header(tmp_path):
    text = ("#LINK,,\n#lang,ja,\n#license,http://creativecommons.org/licenses/by/4.0/,\n"
            "#property,name,address\n#object_type_xsd,string,string\n1,星野,架空県星野市\n")
    source = open_csv(_write(tmp_path, text, "utf-8-sig"))
    rows = list(source.rows())
    assert source.header == ["#property", "name", "address"]
    assert source.metadata["license"].startswith("http://creativecommons.org/")
    # '#object_type_xsd' after the header is metadata, not data; row numbers count every line
    assert [r.row for r in rows] == [6]
    assert source.metadata["object_type_xsd"] == "string"


def test_comment_line_blank_rows_and_multiline_cells(tmp_path):
    text = f'AED設置箇所一覧（令和6年4月1日現在）\n{HEADER}\n\n999997,1,"星野\n市役所",\n,,,\n999997,2,体育館,\n'
    source = open_csv(_write(tmp_path, text, "utf-8"))
    rows = list(source.rows())
    assert source.comments == ["AED設置箇所一覧（令和6年4月1日現在）"]
    assert [r.row for r in rows] == [4, 6]  # spreadsheet rows: a multi-line cell is one row
    assert rows[0].cells[2] == "星野\n市役所"
    assert source.blank_rows == 2


def test_no_header(tmp_path):
    with pytest.raises(ValueError):
        open_csv(_write(tmp_path, "just one cell\n", "utf-8"))


@pytest.mark.parametrize(("a", "b"), [
    ("都道府県コ―ド又は市区町村コ―ド", "都道府県コード又は市区町村コード"),
    ("料金（基本）", "料金(基本)"),
    ("telephone　number", "telephonenumber"),
    ("建物名等（方書）", "建物名等(方書)"),
    ("\ufeff全国地方公共団体コード", "全国地方公共団体コード"),
    ("ＵＲＬ", "url"),
])
def test_header_spelling_variants(a, b):
    assert header_key(a) == header_key(b)
