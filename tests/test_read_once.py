"""Each input is read once: ``publish`` opens every CSV one time (checksums, encoding, recognition, the
publisher's code and the conversion all come from that one open), rows read ahead come back in order with
what reading them found, and the conversion result carries what later stages need."""

from __future__ import annotations

import builtins
import codecs
import hashlib
import io
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from itsutsuboshi.converters import lines, reader
from itsutsuboshi.converters.reader import InputFile, open_csv
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.diagnosis.stars import diagnose
from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file
from itsutsuboshi.publish.run import publish
from itsutsuboshi.store import EmbeddedStore

from .conftest import CASES, ROOT, SAMPLES, requires_shared

BASE = "http://127.0.0.1:8000/"
EXAMPLES = ROOT / "examples"
AED = (EXAMPLES / "999997_aed.csv").read_text(encoding="utf-8-sig")


class Opens:
    """Every open of the given files, by any route Python offers (``open``, ``io.open``, ``os.open``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, files: list[Path]) -> None:
        self.files = {str(p.resolve()) for p in files}
        self.counts: Counter[str] = Counter()
        real_open, real_os_open = builtins.open, os.open

        def counted(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._note(file)
            return real_open(file, *args, **kwargs)

        def os_counted(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._note(file)
            return real_os_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", counted)
        monkeypatch.setattr(io, "open", counted)
        monkeypatch.setattr(os, "open", os_counted)

    def _note(self, file: object) -> None:
        if isinstance(file, str | Path):
            key = str(Path(file).resolve())
            if key in self.files:
                self.counts[Path(key).name] += 1

    def take(self) -> Counter[str]:
        counts, self.counts = self.counts, Counter()
        return counts


def _inputs(folder: Path) -> list[Path]:
    """The examples and files that take every path of reading: a code column read ahead for the publisher
    (with a title row and a note), Shift_JIS, no code column (the addresses), an Excel workbook."""
    shutil.copytree(EXAMPLES, folder)
    (folder / "aed_list.csv").write_text("星野市 AED 設置箇所一覧（令和6年4月1日現在）\n" + AED + "※ 休館日は使えません。\n",
                                         encoding="utf-8")
    (folder / "aed_sjis.csv").write_bytes(AED.encode("cp932"))
    without_code = "\n".join(line.split(",", 1)[1] if "," in line else line for line in AED.splitlines())
    (folder / "aed_nocode.csv").write_text(without_code + "\n", encoding="utf-8")
    (folder / "book.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 64)
    return sorted(p for p in folder.iterdir() if p.is_file())


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "two processes"])
def test_publish_opens_each_input_once(tmp_path, monkeypatch, workers):
    """In one process, each input is opened once. With two, the main process opens each once to know whether
    it changed and each converting process once more (not counted here); a file is opened again only to be
    converted again, when an earlier file of the same run, of its dataset and publisher, took some of its IDs
    (``tests/test_publish.py`` compares such a run with a serial one)."""
    from itsutsuboshi.publish import run

    monkeypatch.setattr(run, "_WORKERS", workers)
    files = _inputs(tmp_path / "csv")
    opens = Opens(monkeypatch, files)
    store = EmbeddedStore(tmp_path / "data")
    done = publish([tmp_path / "csv"], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    again = {"aed_list.csv", "aed_sjis.csv"} if workers > 1 else set()  # 999997_aed.csv's IDs, and listed after it
    assert opens.take() == Counter({p.name: 1 + (p.name in again) for p in files})
    by_name = {o.name: o for o in done.outcomes}
    assert by_name["aed_list.csv"].publisher == "999997"  # from the code column, read ahead
    assert by_name["aed_sjis.csv"].publisher == "999997"
    assert by_name["aed_list.csv"].records == by_name["999997_aed.csv"].records
    assert by_name["book.xlsx"].error == "file.excel"
    for o in done.outcomes:  # the checksum and size of the bytes read are the file's
        if o.status == "published":
            data = (tmp_path / "csv" / o.name).read_bytes()
            assert (o.sha256, o.size) == (hashlib.sha256(data).hexdigest(), len(data))
    opens.take()  # the reads just above
    publish([tmp_path / "csv"], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")  # unchanged
    assert opens.take() == Counter({p.name: 1 for p in files})
    publish([tmp_path / "csv"], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0", force=True)
    assert opens.take() == Counter({p.name: 1 for p in files})  # the IDs they were told are those of the last run


@requires_shared
@pytest.mark.slow
def test_publishing_the_real_samples_opens_each_once(tmp_path, monkeypatch):
    files = sorted(SAMPLES.glob("*.csv"))
    opens = Opens(monkeypatch, files)
    publish([SAMPLES], EmbeddedStore(tmp_path / "data"), base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert opens.take() == Counter({p.name: 1 for p in files})


def test_a_table_that_is_not_converted_is_counted_in_the_same_open(tmp_path, monkeypatch):
    path = tmp_path / "222127_menu.csv"
    path.write_text("料理名,値段,辛さ\nカレー,800,中辛\nうどん,500,\n\nそば,550,\n", encoding="utf-8")
    opens = Opens(monkeypatch, [path])
    with io.StringIO() as out:
        result = convert_file(path, open_writer(NTRIPLES, out), iris=IriBuilder(BASE), on_issue=lambda i: None,
                              dataset="aed")
    assert result.error == "file.unknown_dataset" and (result.rows_read, result.data_rows) == (0, 3)
    assert "3 data rows" in diagnose(result, licence="cc-by-4.0").stars[1].evidence_en
    assert opens.take() == Counter({path.name: 1})


# -- reading ahead ----------------------------------------------------------------------------------

def _events(source: reader.CsvSource, issues: list) -> list:
    """Rows and reported issues, in the order a reader of :meth:`rows` sees them."""
    seen: list = []
    mark = len(issues)
    for raw in source.rows():
        seen += [("issue", i.code, i.row) for i in issues[mark:]]
        mark = len(issues)
        seen.append((raw.row, raw.cells, [i.code for i in raw.issues]))
    seen += [("issue", i.code, i.row) for i in issues[mark:]]
    return seen


def _tricky(tmp_path: Path) -> list[Path]:
    """Real layouts: the golden cases, a title and notes, one-cell rows held at the end, a broken quote."""
    cases = sorted(CASES.glob("*/input.csv"))
    held = tmp_path / "held.csv"
    held.write_text("名称,住所,電話番号\nA,B,C\n\nD,E,F\n備考\nG,H,I\n注1 表の見方\n出典 星野市\n最後\n",
                    encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text('名称,住所,電話番号\nA,"B,C\nD,E,F\nG,H,I\n', encoding="utf-8")
    listed = tmp_path / "aed_list.csv"
    listed.write_text("星野市 AED 一覧\n" + AED + "※ 注意書き\n", encoding="utf-8")
    return [*cases, held, broken, listed, *sorted(SAMPLES.glob("*.csv"))]


@pytest.mark.parametrize("budget", [reader.AHEAD_CHARS, 40])  # kept in memory, or mostly in a temporary file
def test_rows_read_ahead_come_back_as_if_read_once(tmp_path, monkeypatch, budget):
    monkeypatch.setattr(reader, "AHEAD_CHARS", budget)
    for path in _tricky(tmp_path):
        plain: list = []
        expected = _events(open_csv(path, on_issue=plain.append), plain)
        for first, second in ((3, 0), (200, 20_000), (1, 2)):
            issues: list = []
            source = open_csv(path, on_issue=issues.append)
            before = len(issues)
            taken = [raw.row for raw in source.ahead(first)]
            if second:
                assert [raw.row for raw in source.ahead(second)][:first] == taken  # read ahead again: the same
            assert len(issues) == before  # what reading ahead found waits for its rows
            assert _events(source, issues) == expected, path.name
            source.close()


def test_an_input_file_is_read_in_one_pass_for_its_encoding_and_checksums(tmp_path):
    text = "名称,住所\n星野市役所,架空県星野市本町1\n"
    files = {"bom.csv": codecs.BOM_UTF8 + text.encode("utf-8"), "utf8.csv": text.encode("utf-8"),
             "sjis.csv": text.encode("cp932"), "mixed.csv": text.encode("cp932") + "駅前,本町2\n".encode() * 3,
             "book.xlsx": b"PK\x03\x04" + b"\0" * 16}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        lines._DETECTED.clear()
        fresh = lines.detect_encoding(path) if not name.endswith(".xlsx") else ("", frozenset())
        lines._DETECTED.clear()
        digest, other = hashlib.sha256(b"salt\0"), hashlib.sha256()
        with InputFile(path, hashes=(digest, other)) as opened:
            assert (opened.encoding, opened.suspects) == fresh, name
            assert opened.spreadsheet == name.endswith(".xlsx")
            assert opened.size == len(data) and opened.raw.tell() == 0
        assert digest.hexdigest() == hashlib.sha256(b"salt\0" + data).hexdigest(), name
        assert other.hexdigest() == hashlib.sha256(data).hexdigest(), name


def test_a_row_read_ahead_is_kept_whole():
    for cells in (["a", "", "b"], ["only"], [""], ["nul\x00inside", "x"]):  # the reader never yields a NUL
        raw = reader.RawRow(7, cells, ())
        assert reader._unpack(reader._pack(raw)) == raw
