"""The reader on the shapes real files come in: encodings, BOM, "#" rows, titles, group rows, notes, blank rows."""

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


# -- the header: titles above it, group rows, wrapped names, empty edge columns, notes below the data --

DATA = "999997,1,星野市役所,架空県星野市1番地\n999997,2,体育館,架空県星野市2番地\n"


@pytest.mark.parametrize(("above", "titles"), [
    ("AED設置場所一覧,令和6年4月1日現在\n", ["AED設置場所一覧 令和6年4月1日現在"]),  # a two-cell title
    ("AED設置場所一覧,,,\n", ["AED設置場所一覧"]),  # a lone cell over the whole header: a title, not a group
    ("AED設置場所一覧\n\n令和6年4月1日現在,,\n", ["AED設置場所一覧", "令和6年4月1日現在"]),
    ("AED設置場所一覧,令和6年4月1日現在\n単位：台\n", ["AED設置場所一覧 令和6年4月1日現在", "単位：台"]),
    ("", []),
])
def test_title_rows_above_the_header(tmp_path, above, titles):
    issues = []
    source = open_csv(_write(tmp_path, above + HEADER + "\n" + DATA, "utf-8"), on_issue=issues.append)
    rows = list(source.rows())
    assert source.header == HEADER.split(",") and source.comments == titles
    assert [i.code for i in issues] == ["row.title"] * len(titles)
    first = above.count("\n") + 2
    assert [r.row for r in rows] == [first, first + 1] and rows[0].cells[2] == "星野市役所"


@pytest.mark.parametrize(("header", "names"), [
    ("名称,所在地,,,電話番号\n,都道府県,市区町村,番地,\n",
     ["名称", "所在地_都道府県", "所在地_市区町村", "所在地_番地", "電話番号"]),
    ("名称,所在地,,座標,\n,都道府県,市区町村,緯度,経度\n",
     ["名称", "所在地_都道府県", "所在地_市区町村", "座標_緯度", "座標_経度"]),
    (",所在地,,\n名称,都道府県,市区町村,番地\n", ["名称", "所在地_都道府県", "所在地_市区町村", "所在地_番地"]),
    ('名称,"名称\n(カナ)",住所,"緯度\r\n（世界測地系）"\n', ["名称", "名称(カナ)", "住所", "緯度（世界測地系）"]),
])
def test_group_rows_and_wrapped_names_make_one_name_per_column(tmp_path, header, names):
    width = len(names)
    data = "".join(",".join(f"{r}-{c}" for c in range(width)) + "\n" for r in range(3))
    source = open_csv(_write(tmp_path, header + data, "utf-8"))
    rows = list(source.rows())
    assert source.header == names
    assert [r.cells for r in rows] == [[f"{r}-{c}" for c in range(width)] for r in range(3)]
    assert rows[0].row == header.count("\n") - header.count('\n(') - header.count("\r\n") + 1


def test_empty_columns_at_either_edge_are_not_columns(tmp_path):
    text = ",,名称,住所,,\n" + "".join(f",,施設{n},住所{n},,\n" for n in range(30)) + ",迷子,施設X,住所X,,\n"
    source = open_csv(_write(tmp_path, text, "utf-8"))
    rows = list(source.rows())
    assert source.header == ["名称", "住所"]
    assert rows[0].cells == ["施設0", "住所0"]
    assert rows[-1].cells == ["施設X", "住所X", "迷子"]  # a value left of the columns is kept, after them


def test_an_unnamed_column_with_values_stays(tmp_path):
    source = open_csv(_write(tmp_path, "名称,住所,\n施設,住所,メモ\n", "utf-8"))
    assert source.header == ["名称", "住所", ""] and next(source.rows()).cells == ["施設", "住所", "メモ"]


@pytest.mark.parametrize(("below", "notes", "records"), [
    ("※ 休館日は使えません。,,,\n", [4], 2),
    ("注1）令和6年4月1日現在,,,\n出典：星野市,,,\n", [4, 5], 2),
    (",,,\n作成 情報政策課\n令和6年4月\n", [5, 6], 2),  # one-cell rows that end the file
    ("999997,,,\n999997,3,公民館,架空県星野市3番地\n", [], 4),  # one cell, then more data: a (sparse) record
])
def test_notes_below_the_data_are_reported_not_read(tmp_path, below, notes, records):
    issues = []
    source = open_csv(_write(tmp_path, HEADER + "\n" + DATA + below, "utf-8"), on_issue=issues.append)
    rows = list(source.rows())
    assert [i.row for i in issues if i.code == "row.note"] == notes and len(rows) == records


def test_a_sparse_row_in_the_middle_is_data(tmp_path):
    text = HEADER + "\n" + "999997,,,\n" + DATA
    source = open_csv(_write(tmp_path, text, "utf-8"))
    assert [r.row for r in source.rows()] == [2, 3, 4]
