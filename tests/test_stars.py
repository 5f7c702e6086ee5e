"""The 5-star diagnosis: each star boundary, licences, the published view, the reports, every real sample."""

from __future__ import annotations

import io
import json
from pathlib import Path

import lxml.html
import pytest

from itsutsuboshi import formats
from itsutsuboshi.converters.links import municipality_houjin
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.diagnosis.evidence import PDL, catalogue_licence, understand
from itsutsuboshi.diagnosis.stars import (
    Diagnosis,
    diagnose,
    diagnose_file,
    format_terminal,
    licence_iri,
    render_html,
    to_json,
    write_diagnosis,
)
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import SAMPLES, requires_shared

HEADER = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "住所", "方書", "緯度", "経度",
          "設置位置", "電話番号", "内線番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項",
          "小児対応設備の有無", "URL", "備考"]
ADDRESSES = ("静岡県焼津市本町2-16-32", "静岡県焼津市本町5-6-1")  # both in the shipped 町字 master
XSS = "<script>alert(1)</script>"


def aed(rows: int = 6, *, drop: tuple[str, ...] = (), blank: dict[str, tuple[int, ...]] | None = None,
        values: dict[str, dict[int, str]] | None = None, meta: str = "", extra: str = "") -> str:
    """A small AED file (old header, 焼津市); ``blank``/``values`` change cells by spreadsheet row (2 = first data row)."""
    header = [h for h in HEADER if h not in drop] + ([extra] if extra else [])
    lines = ([meta.rstrip("\n")] if meta else []) + [",".join(header)]
    for i in range(rows):
        row = i + 2
        cells = {"都道府県コード又は市区町村コード": "222127", "NO": str(i + 1), "都道府県名": "静岡県", "市区町村名": "焼津市",
                 "名称": f"施設{i + 1}", "名称_カナ": "シセツ", "住所": ADDRESSES[i % 2], "緯度": "34.866918",
                 "経度": "138.323171", "設置位置": "1階", "電話番号": "054-626-1139", extra: "x"}
        for column, rows_ in (blank or {}).items():
            if row in rows_:
                cells[column] = ""
        for column, by_row in (values or {}).items():
            if row in by_row:
                cells[column] = by_row[row]
        lines.append(",".join(cells.get(h, "") for h in header))
    return "\n".join(lines) + "\n"


def star(d: Diagnosis, number: int):  # type: ignore[no-untyped-def]
    return next(s for s in d.stars if s.number == number)


def text(d: Diagnosis, number: int) -> str:
    s = star(d, number)
    return " ".join([s.evidence_ja, s.evidence_en] + [t for step in s.steps for t in (step.ja, step.en)])


def assert_complete(d: Diagnosis) -> None:
    """Five stars, each with evidence in both languages; every star not reached says what to do."""
    assert [s.number for s in d.stars] == [1, 2, 3, 4, 5]
    for s in d.stars:
        assert s.evidence_ja and s.evidence_en, (d.name, s.number)
        if not s.reached:
            assert s.steps and all(step.ja and step.en for step in s.steps), (d.name, s.number)
    if d.level < 5:
        assert d.next_step is not None


# -- one case per star boundary --------------------------------------------------------------------

CASES = {
    # name: (file name, content, diagnose_file keywords, level, stars reached)
    "no-licence": ("222127_aed.csv", aed(), {}, 0, {2, 3, 4, 5}),
    "licence-in-metadata": ("222127_aed.csv", aed(meta="#license,https://creativecommons.org/licenses/by/4.0/\n"), {},
                            5, {1, 2, 3, 4, 5}),
    "licence-given": ("222127_aed.csv", aed(), {"licence": "公共データ利用規約 (PDL1.0)"}, 5, {1, 2, 3, 4, 5}),
    "licence-not-open": ("222127_aed.csv", aed(), {"licence": "CC BY-NC 4.0"}, 0, {2, 3, 4, 5}),
    "excel": ("222127_aed.xlsx", b"PK\x03\x04" + b"\0" * 64, {"licence": "cc-by-4.0"}, 1, {1}),
    "no-header-rows": ("222127_aed.csv", ",".join(HEADER) + "\n", {"licence": "cc-by-4.0"}, 1, {1}),
    "unknown-dataset": ("222127_menu.csv", "料理名,値段,辛さ\nカレー,800,中辛\n", {"licence": "cc-by-4.0"}, 2, {1, 2}),
    "cp932": ("222127_aed.csv", aed().encode("cp932"), {"licence": "cc-by-4.0"}, 5, {1, 2, 3, 4, 5}),
    "no-id-column": ("222127_aed.csv", aed(drop=("NO",)), {"licence": "cc-by-4.0"}, 5, {1, 2, 3, 4, 5}),
    "some-coordinates-missing": ("222127_aed.csv", aed(blank={"緯度": (3, 5, 7), "経度": (3, 5, 7)}),
                                 {"licence": "cc-by-4.0"}, 5, {1, 2, 3, 4, 5}),
    "phone-errors": ("222127_aed.csv", aed(values={"電話番号": {3: "内線のみ", 6: "12345"}}),
                     {"licence": "cc-by-4.0"}, 3, {1, 2, 3, 5}),
    "duplicate-ids": ("222127_aed.csv", aed(values={"NO": {3: "1"}}), {"licence": "cc-by-4.0"}, 3, {1, 2, 3, 5}),
    # no code anywhere, and addresses that name no municipality: who published it is unknown
    "no-publisher-code": ("aed.csv", aed(drop=("都道府県コード又は市区町村コード", "都道府県名", "市区町村名"),
                                         values={"住所": {r: "本町2-16-32" for r in range(2, 8)}}),
                          {"licence": "cc-by-4.0"}, 4, {1, 2, 3, 4}),
    # no code column, but the addresses say where the list is from
    "publisher-from-addresses": ("aed.csv", aed(drop=("都道府県コード又は市区町村コード",)), {"licence": "cc-by-4.0"}, 5,
                                 {1, 2, 3, 4, 5}),
    "fully-linked": ("222127_aed.csv", aed(values={"法人番号": {r: municipality_houjin("222127") for r in range(2, 8)}}),
                     {"licence": "cc-by-4.0"}, 5, {1, 2, 3, 4, 5}),
}


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory) -> dict[str, Diagnosis]:
    out = {}
    for name, (filename, content, kwargs, _, _) in CASES.items():
        path = tmp_path_factory.mktemp(name) / filename
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        out[name] = diagnose_file(path, base="https://data.example.lg.jp/", **kwargs)
    return out


@pytest.mark.parametrize("name", CASES)
def test_star_boundary(diagnosed, name):
    d = diagnosed[name]
    _, _, _, level, reached = CASES[name]
    assert {s.number for s in d.stars if s.reached} == reached
    assert d.level == level
    assert_complete(d)


def test_no_licence_is_never_assumed(diagnosed):
    d = diagnosed["no-licence"]
    assert d.licence is None and d.licence_iri is None
    step = star(d, 1).steps[0]
    assert "CC BY 4.0" in step.ja and "`--license cc-by-4.0`" in step.en and step.required
    assert d.next_step is step


def test_licence_from_metadata_and_given(diagnosed):
    d = diagnosed["licence-in-metadata"]
    assert d.licence_iri == "https://creativecommons.org/licenses/by/4.0/"
    assert "#license" in star(d, 1).evidence_ja and "CC BY 4.0" in star(d, 1).evidence_en
    given = diagnosed["licence-given"]
    assert given.licence_iri == PDL and "指定" in star(given, 1).evidence_ja
    closed = star(diagnosed["licence-not-open"], 1)
    assert "CC BY-NC 4.0" in closed.evidence_en and "not open" in closed.evidence_en


def test_excel_says_why(diagnosed):
    d = diagnosed["excel"]
    assert "Excel" in star(d, 2).evidence_ja and "CSV UTF-8" in star(d, 2).steps[0].ja
    assert "★2" in star(d, 3).steps[0].ja  # later stars point back to the star to fix first


def test_unreadable_variants(diagnosed):
    assert "データの行がありません" in star(diagnosed["no-header-rows"], 2).evidence_ja
    unknown = diagnosed["unknown-dataset"]
    assert "1 data row." in star(unknown, 2).evidence_en
    assert "`itsutsuboshi map FILE`" in star(unknown, 3).steps[0].en  # converted as a generic table


def test_cp932_is_an_improvement(diagnosed):
    s = star(diagnosed["cp932"], 3)
    assert s.reached and "Shift_JIS" in s.evidence_ja
    assert any("UTF-8" in step.ja and not step.required for step in s.steps)


def test_missing_id_column(diagnosed):
    s = star(diagnosed["no-id-column"], 4)
    step = next(step for step in s.steps if "「ID」の列を追加" in step.ja)
    assert step.rows == 6 and not step.required
    assert "made from the content" in s.evidence_en


def test_missing_coordinates_counts_rows(diagnosed):
    s = star(diagnosed["some-coordinates-missing"], 4)
    step = next(step for step in s.steps if "緯度" in step.ja)
    assert step.rows == 3 and "3, 5, 7" in step.ja and "3 rows: 3, 5, 7" in step.en


def test_validation_errors_block_star_four(diagnosed):
    s = star(diagnosed["phone-errors"], 4)
    assert not s.reached and "エラー" in s.evidence_ja
    first = s.steps[0]
    assert first.required and first.rows == 2 and "「電話番号」" in first.ja and "3, 6" in first.ja
    duplicates = star(diagnosed["duplicate-ids"], 4)
    assert not duplicates.reached and "重複" in duplicates.steps[0].ja and duplicates.steps[0].rows == 1


def test_publisher_code_missing(diagnosed):
    d = diagnosed["no-publisher-code"]
    s = star(d, 5)
    assert not s.reached and "`--code`" in s.steps[0].en
    assert any("000000" in step.ja for step in star(d, 4).steps)
    assert "町字" in s.evidence_ja  # the addresses still link


def test_fully_linked(diagnosed):
    d = diagnosed["fully-linked"]
    s = star(d, 5)
    assert "6 corporate numbers" in s.evidence_en and "町字" in s.evidence_ja
    assert not any("法人番号" in step.ja for step in s.steps)
    assert d.next_step is None and d.level == 5


# -- diagnose() on its own --------------------------------------------------------------------------

def convert(path: Path, *, link: bool = True):  # type: ignore[no-untyped-def]
    writer = open_writer(formats.NTRIPLES, io.StringIO())
    return convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=lambda _: None,
                        link=link)


def test_published_view(tmp_path):
    path = tmp_path / "222127_aed.csv"
    path.write_text(aed(), encoding="utf-8")
    result = convert(path)
    d = diagnose(result, licence="cc-by-4.0", published_base="https://data.example.lg.jp")
    assert "https://data.example.lg.jp/id/aed/" in star(d, 4).evidence_ja
    assert "https://data.example.lg.jp/sparql" in star(d, 5).evidence_en
    assert not any("publish" in step.en for step in star(d, 4).steps)
    local = diagnose(result, licence="cc-by-4.0", published_base="http://127.0.0.1:8000/")
    assert any("`--base`" in step.en for step in star(local, 4).steps)


def test_without_findings_or_links(tmp_path):
    path = tmp_path / "222127_aed.csv"
    path.write_text(aed(values={"緯度": {4: "不詳abc"}}), encoding="utf-8")
    d = diagnose(convert(path), licence="cc-by-4.0")  # the conversion's own counts stand in for validation
    s = star(d, 4)
    assert not s.reached and s.steps[0].required and s.steps[0].rows == 1
    unlinked = diagnose(convert(path, link=False), licence="cc-by-4.0")
    assert not star(unlinked, 5).reached and "--link" in star(unlinked, 5).steps[0].en


def test_licence_from_the_open_data_list(tmp_path):
    data = tmp_path / "222127_aed.csv"
    data.write_text(aed(), encoding="utf-8")
    catalogue = tmp_path / "222127_open_data_list.csv"
    catalogue.write_text("データセット_ID,全国地方公共団体コード,データセット_タイトル,ファイル_タイトル,ファイル_ダウンロードURL,"
                         "ファイル_ライセンス\n"
                         "D1,222127,公共施設一覧,222127_public_facility,,CC0\n"
                         "D2,222127,AED設置箇所一覧,222127_aed,https://example.lg.jp/files/222127_aed.csv,CC BY 4.0\n",
                         encoding="utf-8")
    assert catalogue_licence(catalogue, data) == ("CC BY 4.0", 3)
    assert catalogue_licence(catalogue, tmp_path / "other.csv", title="公共施設一覧") == ("CC0", 2)
    d = diagnose_file(data, catalogue=catalogue)
    assert star(d, 1).reached and "3 行目" in star(d, 1).evidence_ja
    assert d.licence_iri == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize(("given", "iri"), [
    ("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("クリエイティブ・コモンズ 表示 4.0 国際", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("cc0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("pdl-1.0", "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"),
    ("公共データ利用規約 (PDL1.0)", "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"),
    ("http://creativecommons.org/licenses/by/3.0/deed.ja", "https://creativecommons.org/licenses/by/3.0/"),
    ("CC BY 2.1 JP", "https://creativecommons.org/licenses/by/2.1/jp/"),
    ("https://www.city.example.lg.jp/riyou.html", "https://www.city.example.lg.jp/riyou.html"),
    ("CC BY", None),  # no version: nothing is assumed
    ("政府標準利用規約（第2.0版）", None),
    ("javascript:alert(1)", None),
    ("なし", None),
    ("", None),
])
def test_licence_iri(given, iri):
    assert licence_iri(given) == iri


@pytest.mark.parametrize(("given", "is_open"), [
    ("CC BY 4.0", True), ("CC BY", True), ("政府標準利用規約", True), ("CC BY-NC 4.0", False),
    ("クリエイティブ・コモンズ 表示-改変禁止 4.0", False), ("無断転載禁止", False), ("https://example.lg.jp/terms", None),
])
def test_licence_openness(given, is_open):
    assert understand(given).open is is_open  # type: ignore[union-attr]


# -- reports ----------------------------------------------------------------------------------------

def test_terminal_japanese_first(diagnosed):
    out = format_terminal([diagnosed["fully-linked"], diagnosed["no-licence"]])
    assert "★★★★★" in out and "☆☆☆☆☆" in out and "\033[" not in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "ライセンスが書かれていません" in line)
    assert "No licence is stated" in lines[first + 1]
    assert "\033[32m✔" in format_terminal([diagnosed["fully-linked"]], color=True)


def test_json_and_html_reports(diagnosed, tmp_path):
    ds = list(diagnosed.values())
    write_diagnosis(ds, tmp_path / "stars.json")
    data = json.loads((tmp_path / "stars.json").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(to_json(ds), ensure_ascii=False))
    assert data["files"][0]["stars"][0]["steps"][0]["ja"] and sum(data["levels"].values()) == len(ds)
    write_diagnosis(ds, tmp_path / "stars.html")
    tree = lxml.html.document_fromstring((tmp_path / "stars.html").read_text(encoding="utf-8"))
    assert tree.get("lang") == "ja" and len(tree.xpath("//main/section[@id]")) == len(ds)
    with pytest.raises(ValueError, match="html or .json"):
        write_diagnosis(ds, tmp_path / "stars.txt")


def test_html_escapes_and_links_only_http(tmp_path):
    path = tmp_path / "222127_aed.csv"
    path.write_text(aed(extra=XSS), encoding="utf-8")
    hostile = diagnose_file(path, licence="javascript:alert(1)")
    linked = diagnose_file(path, licence="cc-by-4.0")
    assert any(XSS in step.ja for step in star(hostile, 3).steps)  # the header is named in the ★3 step
    html = render_html([hostile, linked])
    tree = lxml.html.document_fromstring(html)
    assert "<script" not in html.lower() and not tree.xpath("//script | //img | //iframe | //*[@src]")
    assert XSS in tree.text_content()
    hrefs = tree.xpath("//@href")
    assert "https://creativecommons.org/licenses/by/4.0/" in hrefs
    assert all(h.startswith(("#", "http://", "https://")) for h in hrefs), hrefs


# -- the real municipal samples -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def samples() -> list[Diagnosis]:
    return [diagnose_file(p, base="https://data.example.lg.jp/") for p in sorted(SAMPLES.glob("*.csv"))]


@requires_shared
def test_every_real_sample_is_diagnosed(samples, tmp_path):
    assert len(samples) >= 20
    for d in samples:
        assert_complete(d)
        assert d.dataset is not None and star(d, 3).reached, d.name
    write_diagnosis(samples, tmp_path / "samples.html")
    write_diagnosis(samples, tmp_path / "samples.json")
    data = json.loads((tmp_path / "samples.json").read_text(encoding="utf-8"))
    assert [f["level"] for f in data["files"]] == [d.level for d in samples]
    assert (tmp_path / "samples.html").read_text(encoding="utf-8").count('class="star ') == 5 * len(samples)
