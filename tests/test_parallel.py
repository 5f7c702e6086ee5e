"""Parallel conversion gives the same graph, IRIs and issues as one process."""

from __future__ import annotations

import io
import re

from itsutsuboshi import formats
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline import parallel
from itsutsuboshi.pipeline.convert import convert_file

HEADER = ("都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,住所,方書,緯度,経度,設置位置,電話番号,"
          "内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,小児対応設備の有無,URL,備考")


def _rows(n: int) -> str:
    lines = [HEADER]
    for i in range(n):
        number = i % 37 if i % 50 == 7 else i  # some IDs repeat, across chunks too
        code = "" if i % 41 == 0 else "999997"  # some rows without a code use the file's code
        lines.append(f"{code},{number},架空県,星野市,施設{i},シセツ,架空県星野市本町{i},,35.{i:04d},139.5,1階,0120-000-001,,,"
                     f"星野市,月～金,9:00,17:00,,{'有' if i % 2 else '無'},https://example.lg.jp/{i},")
    return "\n".join(lines) + "\n"


def _convert(path, workers: int, fmt=formats.NTRIPLES):
    out = io.StringIO()
    writer = open_writer(fmt, out)
    issues = []
    result = convert_file(path, writer, iris=IriBuilder("https://x.example/"), on_issue=issues.append, workers=workers)
    writer.close()
    return out.getvalue(), result, sorted((i.row, i.code, i.detail if hasattr(i, "detail") else i.message_en)
                                          for i in issues)


def _file(tmp_path, monkeypatch, rows: int):
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 97)
    path = tmp_path / "999997_aed.csv"
    path.write_text(_rows(rows), encoding="utf-8")
    return path


def test_parallel_equals_serial(tmp_path, monkeypatch):
    path = _file(tmp_path, monkeypatch, 1500)
    serial, r1, issues1 = _convert(path, 1, formats.TURTLE)  # Turtle nests blank nodes: no labels to differ
    par, r2, issues2 = _convert(path, 2, formats.TURTLE)
    assert (r1.rows_read, r1.rows_converted, r1.rows_with_issues, r1.triples) == \
           (r2.rows_read, r2.rows_converted, r2.rows_with_issues, r2.triples)
    assert issues1 == issues2
    assert any(code == "id.duplicate" for _, code, _ in issues1)
    assert par == serial


def test_parallel_ntriples_differ_only_in_blank_node_labels(tmp_path, monkeypatch):
    path = _file(tmp_path, monkeypatch, 400)
    serial, _, _ = _convert(path, 1)
    par, _, _ = _convert(path, 2)

    def unlabelled(text: str) -> list[str]:
        return sorted(re.sub(r"_:\w+", "_:", line) for line in text.splitlines())

    assert unlabelled(par) == unlabelled(serial)
    labels = re.findall(r"_:\w+", par)
    assert len(set(labels)) == len(set(re.findall(r"_:\w+", serial)))  # still one label per blank node


def test_parallel_jsonld_is_one_document(tmp_path, monkeypatch):
    path = _file(tmp_path, monkeypatch, 300)
    assert _convert(path, 2, formats.JSONLD)[0] == _convert(path, 1, formats.JSONLD)[0]
