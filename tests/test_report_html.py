"""The HTML validation report: well-formed, bilingual, self-contained, and every value shown as text."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest

from itsutsuboshi.validation.report_html import LIMIT, group_findings, render_html
from itsutsuboshi.validation.validate import FileReport, Finding, validate_file

from .conftest import CASES

XSS_VALUE = "<script>alert(1)</script>"
XSS_COLUMN = '"><img src=x onerror=alert(1)>'


def finding(**kw: object) -> Finding:
    base: dict[str, object] = dict(file="data.csv", row=2, column="名称", value="x", severity="error",
                                   rule="test:rule", message_ja="テスト", message_en="Test", fix_ja="直す",
                                   fix_en="Fix it", source="convert", focus="")
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def occurrence_rows(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return tree.xpath("//table[contains(@class, 'occurrences')]/tbody/tr")


def assert_self_contained(html: str, tree: lxml.html.HtmlElement) -> None:
    assert not tree.xpath("//script | //link | //img | //iframe | //object | //embed")
    assert not tree.xpath("//*[@src]")
    assert "<script" not in html.lower()
    for href in tree.xpath("//@href"):
        assert href.startswith(("#", "http://", "https://")), href


@pytest.fixture(scope="module")
def aed() -> tuple[FileReport, str]:
    report = validate_file(CASES / "aed-new" / "input.csv")
    return report, render_html([report], generated=datetime(2024, 5, 1, 9, 30))


def test_real_report_parses_and_is_self_contained(aed):
    report, html = aed
    tree = parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert tree.get("lang") == "ja"
    assert tree.xpath("//meta[@charset='utf-8']")
    assert "データ検証レポート" in tree.findtext(".//title") and "2024-05-01 09:30" in html
    assert_self_contained(html, tree)


def test_real_report_summary_counts(aed):
    report, html = aed
    tree = parse(html)
    summary = tree.xpath("//table[contains(@class, 'summary')]/tbody/tr")[0]
    cells = [c.text_content().strip() for c in summary.xpath("td")]
    counts = report.counts()
    assert cells[0] == report.name == "input.csv"
    assert cells[1] == "AED設置箇所一覧 AED locations"
    assert cells[2:7] == [str(report.rows), str(report.records), str(counts["error"]), str(counts["warning"]),
                          str(counts["info"])]
    assert "要修正" in cells[7]
    assert "要修正" in tree.xpath("string(//div[contains(@class, 'verdict')])")


def test_real_report_houjin_group(aed):
    _, html = aed
    tree = parse(html)
    groups = [g for g in tree.xpath("//section[contains(@class, 'group')]") if "法人番号" in g.xpath("string(.//h3)")]
    assert len(groups) == 1
    group = groups[0]
    assert "error" in group.get("class") and "エラー" in group.xpath("string(.//h3)")
    assert "直し方" in group.xpath("string(.//div[@class='fix'])")
    row = occurrence_rows(group)[0]
    cells = [c.text_content().strip() for c in row.xpath("td")]
    assert cells[:3] == ["3", "法人番号", "1234567890123"]
    assert row.xpath(".//a/@href")[0].startswith("http")


def test_groups_sorted_by_severity_then_count():
    findings = [finding(severity="info", rule="i"), finding(severity="warning", rule="w1"),
                finding(severity="warning", rule="w2", row=3), finding(severity="warning", rule="w2", row=4),
                finding(severity="error", rule="e")]
    assert [(g.severity, g.rule, g.count) for g in group_findings(findings)] == [
        ("error", "e", 1), ("warning", "w2", 2), ("warning", "w1", 1), ("info", "i", 1)]


def test_values_are_escaped_and_never_executable():
    findings = [finding(value=XSS_VALUE, column=XSS_COLUMN, focus="javascript:alert(1)",
                        message_ja="<b>太字</b>", message_en="<b>bold</b>", fix_ja="<i>x</i>"),
                finding(row=3, focus="https://example.lg.jp/id/1")]
    report = FileReport("data.csv", "csv", dataset="<em>ds</em>", rows=2, records=2, findings=findings)
    html = render_html([report])
    tree = parse(html)
    assert_self_contained(html, tree)
    assert not tree.xpath("//i | //em") and all(b.text == "直し方" for b in tree.iter("b"))
    assert all(not h.lower().startswith("javascript:") for h in tree.xpath("//@href"))
    text = tree.text_content()
    for raw in (XSS_VALUE, XSS_COLUMN, "javascript:alert(1)", "<b>太字</b>", "<em>ds</em>"):
        assert raw in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert tree.xpath("//td[contains(@class, 'focus')]/a/@href") == ["https://example.lg.jp/id/1"]


def test_row_zero_is_the_whole_file():
    report = FileReport("data.csv", "csv", findings=[finding(row=0, column="", severity="info")])
    tree = parse(render_html([report]))
    cell = occurrence_rows(tree)[0].xpath("td")[0].text_content()
    assert "ファイル全体" in cell and "Whole file" in cell
    assert "合格" in tree.xpath("string(//div[contains(@class, 'verdict')])")


def test_unreadable_file_shows_its_message():
    message = "ファイルを読み込めません: 壊れています"
    report = FileReport("broken.csv", "csv", error="file.unreadable",
                        findings=[finding(file="broken.csv", row=0, column="", value="", rule="file.unreadable",
                                          message_ja=message, message_en="The file cannot be read: broken")])
    tree = parse(render_html([report]))
    failure = tree.xpath("string(//tr[@class='failure'])")
    assert message in failure and "The file cannot be read: broken" in failure
    assert "要修正" in tree.xpath("string(//div[contains(@class, 'verdict')])")


def test_long_groups_are_capped():
    findings = [finding(row=i + 2, value=str(i)) for i in range(LIMIT + 50)]
    tree = parse(render_html([FileReport("data.csv", "csv", findings=findings)]))
    assert len(occurrence_rows(tree)) == LIMIT == 200
    assert "ほか 50 件" in tree.xpath("string(//p[@class='more'])")
    assert "250 件" in tree.xpath("string(//p[@class='count'])")
