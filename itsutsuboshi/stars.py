"""The 5-star diagnosis (Tim Berners-Lee's 5-star open data) of each input file and of the published data.

For every file: which of the five stars it reaches, the evidence (Japanese, then English), and the
concrete steps to reach the next one. ★1 open licence, ★2 read as a table, ★3 CSV recognised as a
standard dataset, ★4 every row a record with its own stable URI and no validation errors, ★5 links
to the national base registries. The level is the highest star reached with all the stars below it.
See docs/stars.md.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from .converters import mapping as mappings
from .converters.iri import DEFAULT_BASE, IriBuilder
from .converters.issues import CATALOGUE, ERROR, INFO, Issue
from .converters.links import LinkStats
from .converters.mapping import Mapping
from .converters.reader import open_csv
from .formats import NTRIPLES
from .licences import Licence, catalogue_licence, licence_iri, metadata_licence, understand
from .pipeline import FileResult, convert_file
from .report_html import is_link
from .validation import Finding, validate_csv
from .writers import open_writer

ROW_SAMPLE = 6  # row numbers named in a step; the rest are counted
MAX_STEPS = 8  # steps per star; the rest become one step pointing to the validation report
_READ_ERRORS = ("file.excel", "file.unreadable", "file.no_header")
_FORMAT_RULES = ("column.unmapped", "file.low_confidence", "encoding.replaced", "file.unknown_dataset")
_DETAIL = re.compile(r"\s*[(（:：]?\s*\{detail\}\s*[)）]?")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
_GENERATIONS = {"new": ("自治体標準オープンデータセット（新しい項目名）", "the 自治体標準オープンデータセット (new column names)"),
                "old": ("推奨データセット（旧い項目名）", "the 推奨データセット (old column names)")}


@dataclass
class Step:
    """One thing to do, in Japanese and English; ``rows``: how many rows it concerns (0: the whole file).
    ``required``: needed for the star (otherwise an improvement)."""

    ja: str
    en: str
    rows: int = 0
    required: bool = True


@dataclass
class Star:
    """One of the five stars: reached or not, why, and what to do next."""

    number: int
    reached: bool
    evidence_ja: str
    evidence_en: str
    steps: list[Step] = field(default_factory=list)


@dataclass
class Diagnosis:
    """The five stars of one file."""

    path: str
    dataset: str | None
    title_ja: str
    stars: list[Star]
    title_en: str = ""
    licence: str | None = None  # the licence text found
    licence_iri: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def level(self) -> int:
        """The highest star reached together with every star below it (0 to 5)."""
        level = 0
        for star in sorted(self.stars, key=lambda s: s.number):
            if not star.reached:
                break
            level = star.number
        return level

    @property
    def next_step(self) -> Step | None:
        """The first step towards the next star (``None`` at five stars)."""
        star = next((s for s in self.stars if s.number == self.level + 1), None)
        return star.steps[0] if star and star.steps else None


# -- diagnose ------------------------------------------------------------------------------------

def diagnose(result: FileResult, *, findings: Sequence[Finding] = (), licence: str | None = None,
             published_base: str | None = None, catalogue: str | Path | None = None,
             mapping: Mapping | None = None) -> Diagnosis:
    """The 5-star diagnosis of one converted file: ``result`` (converted with ``link=True`` for ★5),
    its validation ``findings``, an explicit ``licence``, the ``published_base`` the data is served
    under (after ``load``), an オープンデータ一覧 ``catalogue`` CSV to look the licence up in."""
    path = Path(result.path)
    chosen = mapping or (mappings.get(result.dataset) if result.dataset in mappings.names() else None)
    title_ja = chosen.title_ja if chosen else (result.dataset or path.name)
    title_en = chosen.title_en if chosen else (result.dataset or path.name)
    readable = result.error not in _READ_ERRORS
    metadata, header, rows = _peek(path, count=result.error == "file.unknown_dataset") if readable else ({}, [], 0)
    found = _find_licence(path, licence, metadata, catalogue, title_ja if chosen else None)
    published = published_base if published_base is None or published_base.endswith("/") else published_base + "/"
    stars = [_star1(found, published)]
    stars.append(_star2(result, findings, header, rows or result.rows_read))
    stars.append(_star3(result, findings, stars[1].reached, title_ja, title_en))
    stars.append(_star4(result, findings, stars[2].reached, chosen, header, published))
    stars.append(_star5(result, findings, stars[2].reached, chosen, header, published))
    understood = found[0] if found else None
    return Diagnosis(str(path), result.dataset, title_ja, stars, title_en,
                     understood.text if understood else None, understood.iri if understood else None)


def _peek(path: Path, *, count: bool) -> tuple[dict[str, str], list[str], int]:
    """A file's ``#`` metadata rows and header (and data rows, when the conversion did not count them)."""
    try:
        source = open_csv(path)
    except (OSError, ValueError):
        return {}, [], 0
    try:
        rows = sum(1 for _ in source.rows()) if count else 0
        return dict(source.metadata), list(source.header), rows
    finally:
        source.close()


def _find_licence(path: Path, given: str | None, metadata: dict[str, str], catalogue: str | Path | None,
                  title: str | None) -> tuple[Licence, str, str] | None:
    """The first licence stated: given explicitly, in the CSV's metadata rows, in the オープンデータ一覧."""
    candidates = [(given, "指定されたライセンス", "the licence given")]
    candidates.append((metadata_licence(metadata), "CSV のメタデータ行（#license）", "the CSV's metadata rows (#license)"))
    if catalogue is not None:
        hit = catalogue_licence(catalogue, path, title=title)
        if hit:
            name = Path(catalogue).name
            candidates.append((hit[0], f"オープンデータ一覧 {name} の {hit[1]} 行目", f"row {hit[1]} of the open data list {name}"))
    for text, ja, en in candidates:
        understood = understand(text) if text else None
        if understood is not None:
            return understood, ja, en
    return None


def _star1(found: tuple[Licence, str, str] | None, published: str | None) -> Star:
    if found is None:
        return Star(1, False, "ライセンスが書かれていません（CSV のメタデータ行、オープンデータ一覧、指定のどれにもありません）。"
                    "ライセンスがないと、利用者は使ってよいか判断できません。",
                    "No licence is stated (not in the CSV's metadata rows, the open data list, or given). "
                    "Without one, nobody can tell whether they may reuse the data.", [Step(
                        "ライセンスを明記してください。デジタル庁のガイドラインが推奨する CC BY 4.0（または互換の公共データ利用規約 PDL1.0）"
                        "がおすすめです。例: `--license cc-by-4.0`、またはオープンデータ一覧の「ファイル_ライセンス」に書く。",
                        "State a licence: CC BY 4.0, recommended by the Digital Agency guidance (or the compatible "
                        "公共データ利用規約 PDL1.0). For example `--license cc-by-4.0`, or write it in the open data list's "
                        "ファイル_ライセンス column.")])
    lic, where_ja, where_en = found
    shown = lic.label + (f"（{lic.iri}）" if lic.iri and lic.iri != lic.label else "")
    web_ja, web_en = (f" {published} で公開しています。", f" Published at {published}.") if published else ("", "")
    if lic.open is False:
        return Star(1, False, f"ライセンス「{lic.label}」（{where_ja}）はオープンではありません。営利目的の利用や改変を禁止しています。",
                    f"The licence {lic.label} ({where_en}) is not open: it forbids commercial use or changes.", [Step(
                        "営利利用と改変を認めるライセンス（CC BY 4.0 または公共データ利用規約 PDL1.0）にしてください。",
                        "Choose a licence that allows commercial use and changes (CC BY 4.0 or PDL1.0).")])
    steps = []
    if lic.open is None:
        steps.append(Step("既知のオープンライセンスか確かめられませんでした。営利利用・改変を認めているか確認し、"
                          "できれば CC BY 4.0 などの名前か URL で書いてください。",
                          "This is not a licence we know: check that it allows commercial use and changes, and "
                          "preferably name it as CC BY 4.0 or give its URL.", required=False))
    elif lic.iri is None:
        steps.append(Step("ライセンスを版まで書いてください（例: CC BY 4.0、公共データ利用規約 PDL1.0）。"
                          "版が分かると、データからライセンスへリンクできます。",
                          "Name the licence with its version (e.g. CC BY 4.0, PDL1.0) so the data can link to it.",
                          required=False))
    elif lic.version and lic.iri.startswith("https://creativecommons.org/licenses/") and lic.version < "4.0":
        steps.append(Step("新しい CC BY 4.0 への切り替えを検討してください（デジタル庁のガイドラインの推奨）。",
                          "Consider moving to CC BY 4.0 (recommended by the Digital Agency guidance).", required=False))
    return Star(1, True, f"ライセンス: {shown}（{where_ja}）。" + ("ただしオープンか確認できません。" if lic.open is None else "")
                + web_ja, f"Licence: {lic.label} ({where_en})." + (" Openness not confirmed." if lic.open is None else "")
                + web_en, steps)


def _message(findings: Sequence[Finding], rule: str) -> tuple[str, str]:
    f = next((f for f in findings if f.rule == rule), None)
    return (f.message_ja, f.message_en) if f else (CATALOGUE[rule][1].replace(": {detail}", ""),
                                                   CATALOGUE[rule][2].replace(": {detail}", ""))


def _star2(result: FileResult, findings: Sequence[Finding], header: list[str], rows: int) -> Star:
    if result.error == "file.excel":
        return Star(2, False, "Excel のブック（.xlsx / .xls）です。表として読み取って確かめることができません。",
                    "This is an Excel workbook (.xlsx / .xls); it cannot be read and checked as a table.", [Step(
                        "Excel で「名前を付けて保存」→「CSV UTF-8 (コンマ区切り)」を選び、CSV で公開してください。",
                        "In Excel, use Save As → CSV UTF-8 (comma delimited), and publish the CSV.")])
    if result.error in _READ_ERRORS:
        ja, en = _message(findings, result.error)
        return Star(2, False, f"表として読み込めません: {ja}", f"The file cannot be read as a table: {en}", [Step(
            "CSV 形式（1 行目に項目名、2 行目からデータ）で保存し直してください。",
            "Save it again as CSV: the column names in the first row, the data from the second row.")])
    if rows == 0:
        return Star(2, False, "見出しだけで、データの行がありません。", "There is a header but no data rows.",
                    [Step("2 行目からデータを入れてください。", "Put the data in the rows below the header.")])
    blank = f"、空行 {result.blank_rows} 行は読み飛ばし" if result.blank_rows else ""
    return Star(2, True, f"表として読めました: 見出し {len(header)} 列、データ {rows} 行{blank}。",
                f"Read as a table: {len(header)} columns, {rows} data rows"
                + (f", {result.blank_rows} blank rows skipped." if result.blank_rows else "."))


def _first(number: int) -> list[Step]:
    return [Step(f"まず★{number}の手順を済ませてください。", f"First complete the steps for ★{number}.")]


def _star3(result: FileResult, findings: Sequence[Finding], ready: bool, title_ja: str, title_en: str) -> Star:
    if not ready:
        return Star(3, False, "★2 に達していないため、形式を確かめられません。", "Not checked: ★2 is not reached.", _first(2))
    if result.error == "file.unknown_dataset":
        ja, en = _message(findings, "file.unknown_dataset")
        return Star(3, False, f"CSV（オープンな形式）ですが、標準のデータセットとして判別できません。{ja}",
                    f"CSV (an open format), but not recognised as a standard dataset. {en}", [Step(
                        "項目名を自治体標準オープンデータセットの名前に合わせるか、`--dataset` でデータセットを指定してください"
                        "（一覧: itsutsuboshi datasets）。",
                        "Use the standard column names of the 自治体標準オープンデータセット, or pass `--dataset` "
                        "(list: itsutsuboshi datasets).")])
    encoding = {"cp932": "Shift_JIS（CP932）", "utf-8-sig": "UTF-8（BOM 付き）", "utf-8": "UTF-8"}.get(
        result.encoding or "", result.encoding or "?")
    gen_ja, gen_en = _GENERATIONS.get(result.generation or "", (f"独自の項目名（{result.generation}）",
                                                                f"its own column names ({result.generation})"))
    steps = []
    if result.encoding == "cp932":
        steps.append(Step("文字コードを UTF-8 にしてください（自治体標準オープンデータセットの推奨）。Excel では「CSV UTF-8」で保存します。",
                          "Save the file as UTF-8 (recommended for the standard datasets); in Excel choose CSV UTF-8.",
                          required=False))
    replaced = _rows(findings, "encoding.replaced") or result.issue_counts.get("encoding.replaced", 0)
    if replaced:
        steps.append(_rows_step("文字化けした文字（�）があります。UTF-8 で保存し直してください", "Some characters could not "
                                "be read (�); save the file again as UTF-8", replaced, required=False))
    if result.issue_counts.get("file.low_confidence"):
        steps.append(Step("判別の確信度が低いです。違う場合は `--dataset` で指定してください。",
                          "The recognition is uncertain; if it is wrong, pass `--dataset`.", required=False))
    if result.generation not in _GENERATIONS:
        steps.append(Step("自治体標準オープンデータセットの項目名（日本語の見出し 1 行）にすると、ほかの自治体のデータと並べて使えます。",
                          "Use the standard column names (one Japanese header row) so the data lines up with other "
                          "municipalities' data.", required=False))
    if result.unmapped:
        names = "「" + "」「".join(result.unmapped[:ROW_SAMPLE]) + "」" + (
            f" ほか {len(result.unmapped) - ROW_SAMPLE} 列" if len(result.unmapped) > ROW_SAMPLE else "")
        steps.append(Step(f"標準にない列 {len(result.unmapped)} 列 {names} は独自の項目として出力しました。"
                          "同じ意味の標準の項目があれば、その名前にしてください。",
                          f"{len(result.unmapped)} columns outside the standard ({', '.join(result.unmapped[:ROW_SAMPLE])}"
                          + ("…" if len(result.unmapped) > ROW_SAMPLE else "") + ") are kept as custom properties; "
                          "rename any that mean the same as a standard column.", required=False))
    return Star(3, True, f"CSV（{encoding}）で、見出しを「{title_ja}」の{gen_ja}として判別しました（一致度 {result.confidence:.0%}）。",
                f"CSV ({encoding}); the header was recognised as {title_en} in {gen_en} "
                f"(match {result.confidence:.0%}).", steps)


# -- ★4: records with stable URIs and no errors ---------------------------------------------------

def _rows(findings: Sequence[Finding], rule: str) -> list[int]:
    return sorted({f.row for f in findings if f.row > 0 and rule in f.rule.split(", ")})


def _row_list(rows: list[int] | int) -> tuple[str, str]:
    if isinstance(rows, int):
        return f"{rows} 行", f"{rows} row{'s' if rows != 1 else ''}"
    shown = ", ".join(str(r) for r in rows[:ROW_SAMPLE])
    more = len(rows) - ROW_SAMPLE
    return (f"{len(rows)} 行: {shown}{f' ほか {more} 行' if more > 0 else ' 行目'}",
            f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {shown}{f' and {more} more' if more > 0 else ''}")


def _rows_step(ja: str, en: str, rows: list[int] | int, *, required: bool = True) -> Step:
    rja, ren = _row_list(rows)
    return Step(f"{ja}（{rja}）。", f"{en} ({ren}).", rows if isinstance(rows, int) else len(rows), required)


def _topic(f: Finding) -> str:
    """Which star a finding speaks to: "format" (★3), "link" (★5), "id", "rule" (★4), or "" (a note)."""
    rules = f.rule.split(", ")
    if any(r.startswith("link.") or r == "file.no_code" for r in rules):
        return "link"
    if any(r in _FORMAT_RULES or r in _READ_ERRORS for r in rules):
        return "format"
    if "id.missing" in rules or "id.duplicate" in rules:
        return "id"
    return "" if f.severity == INFO else "rule"


def _count_steps(result: FileResult) -> list[Step]:
    """Without validation findings: one step per kind of conversion issue, from its count."""
    steps = []
    for code, n in sorted(result.issue_counts.items()):
        severity, ja, en, fix_ja, fix_en = CATALOGUE.get(code, (INFO, "", "", "", ""))
        if severity != INFO and _topic(Finding("", 0, "", "", severity, code, "", "", "", "", "convert")) == "rule":
            ja, en = (_DETAIL.sub("", t).format(value="") for t in (ja, en))
            steps.append(_rows_step(f"{ja}{fix_ja.rstrip('。')}", f"{en} {fix_en.rstrip('.')}", n,
                                    required=severity == ERROR))
    return steps


def _rule_steps(findings: Sequence[Finding]) -> list[Step]:
    """Findings grouped into steps: same fix and same rows → one step naming every column."""
    groups: dict[tuple, list[Finding]] = {}
    missing: dict[str, list[Finding]] = {}
    for f in findings:
        if _topic(f) != "rule":
            continue
        if f.row <= 0 and f.source == "shacl" and f.column:  # a column the file does not have at all
            missing.setdefault(f.severity, []).append(f)
            continue
        groups.setdefault((f.severity, f.fix_ja, f.fix_en, f.row <= 0 and f.message_ja), []).append(f)
    by_rows: dict[tuple, list[Finding]] = {}
    for key, items in groups.items():
        rows = tuple(sorted({f.row for f in items if f.row > 0}))
        by_rows.setdefault((*key, rows), []).extend(items)
    steps = []
    for (severity, fix_ja, fix_en, _, rows), items in by_rows.items():
        columns = list(dict.fromkeys(f.column for f in items if f.column))
        messages = {(f.message_ja, f.message_en) for f in items}
        ja = ("「" + "」「".join(columns[:ROW_SAMPLE]) + "」" + (f"ほか {len(columns) - ROW_SAMPLE} 列" if
              len(columns) > ROW_SAMPLE else "") + ": ") if columns else ""
        en = (", ".join(columns[:ROW_SAMPLE]) + ("…" if len(columns) > ROW_SAMPLE else "") + ": ") if columns else ""
        if len(messages) == 1:
            (mja, men), = messages
            ja, en = f"{ja}{mja} ", f"{en}{men} "
        if rows:
            steps.append(_rows_step(ja + fix_ja.rstrip("。"), en + fix_en.rstrip("."), list(rows),
                                    required=severity == ERROR))
        else:
            steps.append(Step(f"{ja}{fix_ja}".strip(), f"{en}{fix_en}".strip(), 0, severity == ERROR))
    for severity, items in missing.items():
        columns = list(dict.fromkeys(f.column for f in items))
        n = max(len(f.results) for f in items)
        steps.append(_rows_step("列 「" + "」「".join(columns) + "」 がありません。列を追加して値を入れてください",
                                "The file has no column " + ", ".join(columns) + "; add it and fill it in", n,
                                required=severity == ERROR))
    steps.sort(key=lambda s: (not s.required, -s.rows))
    return steps


def _cap(steps: list[Step]) -> list[Step]:
    if len(steps) <= MAX_STEPS:
        return steps
    rest = steps[MAX_STEPS - 1:]
    return steps[:MAX_STEPS - 1] + [Step(
        f"ほかに {len(rest)} 種類の指摘があります。`itsutsuboshi validate ファイル -r 検証結果.html` で一覧を確認してください。",
        f"{len(rest)} more kinds of problem: see them all with `itsutsuboshi validate FILE -r report.html`.",
        sum(s.rows for s in rest), any(s.required for s in rest))]


def _star4(result: FileResult, findings: Sequence[Finding], ready: bool, chosen: Mapping | None,
           header: list[str], published: str | None) -> Star:
    if not ready or not result.ok:
        return Star(4, False, "★3 に達していないため、URI を付けられません。", "Not checked: ★3 is not reached.", _first(3))
    steps = _rule_steps(findings) if findings else _count_steps(result)
    failed, converted = result.rows_failed, result.rows_converted
    if failed:
        steps.insert(0, _rows_step("変換できなかった行があります。値を確認してください", "Some rows could not be converted; "
                                   "check their values", _rows(findings, "row.failed") or failed))
    duplicates = _rows(findings, "id.duplicate") or result.issue_counts.get("id.duplicate", 0)
    if duplicates:
        steps.insert(0, _rows_step("ID が重複しています。行の順番で URI が変わらないよう、ID を一意にしてください",
                                   "Duplicate IDs: make them unique, so URIs do not depend on the row order", duplicates))
    fallback = result.issue_counts.get("id.missing", 0)
    id_column = next((c.name for c in chosen.columns if c.role == "id"), None) if chosen else None
    has_id = id_column is not None and any(chosen.column_for(h) is not None and chosen.column_for(h).role == "id"  # type: ignore[union-attr]
                                           for h in header)
    if fallback and id_column:
        ja = (f"「{id_column}」の列を追加して一意の値を入れてください" if not has_id else "ID 列に一意の値を入れてください")
        en = f"Add the {id_column} column with a unique value" if not has_id else "Fill the ID column with unique values"
        steps.append(_rows_step(ja + "。今は名称・住所などから ID を作っているため、それらを直すと URI が変わります",
                                en + "; the IDs are now made from the name, address etc., so fixing those changes the "
                                "URI", _rows(findings, "id.missing") or fallback, required=False))
    if result.issue_counts.get("file.no_code"):
        steps.append(Step("全国地方公共団体コードが分からないため、URI に 000000 を使っています。列を埋めるか `--code` を指定してください。",
                          "The local government code is unknown, so URIs use 000000: fill the code column or pass "
                          "`--code`.", required=False))
    host = urlsplit(published).hostname if published else None
    if published and (host in _LOCAL_HOSTS or (host or "").endswith(".local")):
        steps.append(Step(f"{published} はこのコンピュータの中だけのアドレスです。公開用のアドレスを `--base` で指定してください。",
                          f"{published} only works on this computer: publish under your public address with `--base`.",
                          required=False))
    elif not published:
        steps.append(Step("`itsutsuboshi publish`（または load と serve）で公開すると、URI をブラウザやプログラムで開けます。",
                          "Publish (`itsutsuboshi publish`, or load and serve) so the URIs open in a browser and in "
                          "programs.", required=False))
    errors = sum(1 for f in findings if f.severity == ERROR and _topic(f) == "rule") if findings else sum(
        n for c, n in result.issue_counts.items() if CATALOGUE.get(c, (INFO,))[0] == ERROR)
    ids_ja = f"ID 列から {converted - fallback} 行、ID がないため内容から作った ID {fallback} 行"
    ids_en = f"{converted - fallback} from the ID column, {fallback} made from the content for lack of an ID"
    ja = f"{result.rows_read} 行のうち {converted} 行に固有の URI を付けました（{ids_ja}）。"
    en = f"{converted} of {result.rows_read} rows got their own URI ({ids_en})."
    if failed:
        ja, en = ja + f"変換できなかった行が {failed} 行あります。", en + f" {failed} rows could not be converted."
    if errors:
        ja += f"標準の決まりに合わないエラーが {errors} 件あります。"
        en += f" {errors} errors against the standard's rules."
    if published and chosen:
        ja += f"URI は {published}id/{chosen.dataset}/… で公開され、開くとページや RDF が返ります。"
        en += f" The URIs are published under {published}id/{chosen.dataset}/… and return pages or RDF."
    steps = _cap(steps)
    return Star(4, not any(s.required for s in steps), ja, en, steps)


# -- ★5: links to other data ------------------------------------------------------------------------

def _star5(result: FileResult, findings: Sequence[Finding], ready: bool, chosen: Mapping | None,
           header: list[str], published: str | None) -> Star:
    if not ready or not result.ok:
        return Star(5, False, "★3 に達していないため、リンクを確かめられません。", "Not checked: ★3 is not reached.", _first(3))
    if result.links is None:
        return Star(5, False, "リンクを付けずに変換した結果です。", "Converted without links.", [Step(
            "リンクを付けて変換してください（`itsutsuboshi convert --link`）。", "Convert with links (`itsutsuboshi convert --link`).")])
    counts = result.links.counts
    steps: list[Step] = []
    ja: list[str] = []
    en: list[str] = []
    publishers = counts[("municipality", "linked")]
    if publishers:
        ja.append(f"発行者（{publishers} 団体）を全国地方公共団体コードから法人番号・e-Stat の地域コード・Wikidata につなぎました。")
        en.append(f"The publisher ({publishers}) is linked from its local government code to its 法人番号, the e-Stat "
                  "area and Wikidata.")
    elif counts[("municipality", "unknown")]:
        ja.append("全国地方公共団体コードが現在の団体のコード表にないため、発行者をつなげません。")
        en.append("The local government code is not a current one, so the publisher cannot be linked.")
        steps.append(Step("全国地方公共団体コード（6 桁）を総務省のコード表で確かめてください。",
                          "Check the 6-digit local government code against the official code list."))
    else:
        ja.append("全国地方公共団体コードが分からないため、発行者をつなげません。")
        en.append("The local government code is unknown, so the publisher cannot be linked.")
        steps.append(Step("「全国地方公共団体コード」の列を埋めるか、ファイル名を 222127_aed.csv のようにコードで始めるか、"
                          "`--code` を指定してください。", "Fill the 全国地方公共団体コード column, start the file name "
                          "with the code (222127_aed.csv), or pass `--code`."))
    addresses = _address_outcomes(result.links)
    if addresses:
        total, town = sum(addresses.values()), addresses["town"]
        ja.append(f"住所 {total} 件のうち {town} 件をアドレス・ベース・レジストリの町字に、"
                  f"{addresses['city'] + addresses['prefecture']} 件を市区町村までつなぎました。")
        en.append(f"Of {total} addresses, {town} are linked to the address base registry's 町字 and "
                  f"{addresses['city'] + addresses['prefecture']} only to the municipality.")
        for rule, (sja, sen), required in (
                ("link.address_unmatched", ("住所から市区町村を特定できません。都道府県名・市区町村名から書いてください",
                                            "The municipality of the address is unknown: write it starting with the "
                                            "prefecture and municipality"), True),
                ("link.town_unmatched", ("町字マスターと一致しません。町名と丁目を正しく書く（例: 本町二丁目 / 本町2丁目）か、"
                                         "町字ID の列を埋めてください", "The address does not match the 町字 master: "
                                         "write the town and 丁目 as registered, or fill the 町字ID column"), False),
                ("link.no_town_master", ("この都道府県の町字マスターが同梱されていないため、市区町村までつなぎました。"
                                         "`itsutsuboshi registries update --prefecture 都道府県コード` で取得できます",
                                         "No 町字 master is shipped for this prefecture, so the address is linked to the "
                                         "municipality; fetch it with `itsutsuboshi registries update --prefecture NN`"), False)):
            rows = _rows(findings, rule) or result.issue_counts.get(rule, 0)
            if rows:
                steps.append(_rows_step(sja, sen, rows, required=required))
        filled = counts[("coordinates", "filled")]
        if filled:
            ja.append(f"緯度・経度のない {filled} 行は町字の代表点で位置を補いました。")
            en.append(f"{filled} rows without coordinates were placed at their 町字's representative point.")
            steps.append(_rows_step("正確な緯度・経度を入れてください。今は町字の代表点です", "Fill the exact latitude and "
                                    "longitude; the position is now the 町字's representative point", filled, required=False))
    houjin, invalid = counts[("houjin", "linked")], counts[("houjin", "invalid")]
    if houjin:
        ja.append(f"法人番号 {houjin} 件を国税庁の法人番号につなぎました。")
        en.append(f"{houjin} corporate numbers are linked to the National Tax Agency's registry.")
    if invalid:
        steps.append(_rows_step("法人番号が正しくありません。国税庁法人番号公表サイトで 13 桁を確かめてください",
                                "Invalid 法人番号: check the 13 digits in the NTA registry", invalid))
    houjin_column = next((c.name for c in chosen.columns if c.targets[0].normalizer == "houjin"), None) if chosen else None
    if houjin_column and not houjin and not invalid:
        present = any(chosen.column_for(h) is not None and chosen.column_for(h).name == houjin_column for h in header)  # type: ignore[union-attr]
        steps.append(Step(("「法人番号」の列に" if present else "「法人番号」の列を追加し、") + "設置者・運営者の法人番号（13 桁）を入れると、"
                          "法人の情報とつながります。", ("Fill the 法人番号 column" if present else "Add the 法人番号 column")
                          + " with the 13-digit corporate number of the owner or operator to link it to the corporate registry.",
                          required=False))
    if published:
        ja.append(f"SPARQL エンドポイント {published}sparql で、ほかのデータと組み合わせて検索できます。")
        en.append(f"The SPARQL endpoint {published}sparql lets others query it together with other data.")
    steps.sort(key=lambda s: not s.required)
    return Star(5, not any(s.required for s in steps), "".join(ja), " ".join(en), _cap(steps))


def _address_outcomes(stats: LinkStats) -> Counter:
    return Counter({level: n for (kind, level), n in stats.counts.items() if kind == "address" and level != "empty"})


# -- one file, end to end -------------------------------------------------------------------------

def diagnose_file(path: str | Path, *, base: str = DEFAULT_BASE, licence: str | None = None,
                  catalogue: str | Path | None = None, dataset: str | None = None, code: str | None = None,
                  mapping: Mapping | None = None) -> Diagnosis:
    """Convert (with links, to nowhere) and validate one file, then :func:`diagnose` it."""
    issues: list[Issue] = []
    with open(os.devnull, "w", encoding="utf-8") as sink:
        writer = open_writer(NTRIPLES, sink)
        result = convert_file(path, writer, iris=IriBuilder(base), on_issue=issues.append, dataset=dataset,
                              mapping=mapping, code=code, link=True)
        writer.close()
    if result.ok:
        findings = validate_csv(path, base=base, dataset=dataset, mapping=mapping, code=code).findings
        findings += [_finding(i) for i in issues if i.code.startswith("link.")]
    else:
        findings = [_finding(i) for i in issues]
    return diagnose(result, findings=findings, licence=licence, catalogue=catalogue, mapping=mapping)


def _finding(issue: Issue) -> Finding:
    return Finding(issue.file, issue.row, issue.column, issue.value, issue.severity, issue.code, issue.message_ja,
                   issue.message_en, issue.fix_ja, issue.fix_en, "convert")


# -- output ---------------------------------------------------------------------------------------

def stars_text(level: int) -> str:
    """``★★★☆☆`` for level 3."""
    return "★" * level + "☆" * (5 - level)


def format_terminal(diagnoses: Sequence[Diagnosis], *, color: bool = False) -> str:
    """Each file's level and stars, evidence and steps; Japanese first, English below."""
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines: list[str] = []
    for d in diagnoses:
        lines.append(paint(f"{d.name} — {d.title_ja} / {d.title_en}", "1"))
        lines.append(f"  {paint(stars_text(d.level), '33')}  レベル {d.level} / level {d.level}")
        for star in d.stars:
            mark = paint("✔", "32") if star.reached else paint("✖", "31")
            lines.append(f"  {mark} ★{star.number} {star.evidence_ja}")
            lines.append(f"        {star.evidence_en}")
            for step in star.steps:
                arrow = "→" if step.required and not star.reached else "・"
                lines.append(f"      {arrow} {step.ja}")
                lines.append(f"        {step.en}")
        lines.append("")
    summary = Counter(d.level for d in diagnoses)
    lines.append("レベル別 / by level: " + ", ".join(f"{stars_text(n)} {summary[n]}" for n in range(5, -1, -1) if summary[n]))
    return "\n".join(lines)


def to_json(diagnoses: Sequence[Diagnosis]) -> dict:
    """The diagnoses as plain data (files, their level, stars with evidence and steps)."""
    return {"files": [{"file": d.name, "path": d.path, "dataset": d.dataset, "title_ja": d.title_ja,
                       "title_en": d.title_en, "level": d.level, "stars_text": stars_text(d.level),
                       "licence": d.licence, "licence_iri": d.licence_iri,
                       "stars": [asdict(s) for s in d.stars]} for d in diagnoses],
            "levels": {str(n): sum(1 for d in diagnoses if d.level == n) for n in range(6)}}


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("itsutsuboshi", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.tests["link"] = is_link
    env.filters["stars"] = stars_text
    return env.get_template("stars.html")


def render_html(diagnoses: Sequence[Diagnosis], *, generated: datetime | None = None) -> str:
    """A standalone, printable HTML page (no scripts; only http(s) links)."""
    generated = generated or datetime.now().astimezone()
    return _template().render(files=[(f"file-{i}", d) for i, d in enumerate(diagnoses, 1)],
                              generated=generated.isoformat(sep=" ", timespec="minutes"),
                              generated_iso=generated.isoformat(timespec="seconds"))


def write_diagnosis(diagnoses: Sequence[Diagnosis], target: Path) -> None:
    """Write ``diagnoses`` as HTML (``.html``/``.htm``) or JSON (``.json``); ``ValueError`` otherwise."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix in (".html", ".htm"):
        text = render_html(diagnoses)
    elif suffix == ".json":
        text = json.dumps(to_json(diagnoses), ensure_ascii=False, indent=2) + "\n"
    else:
        raise ValueError(f"unknown diagnosis format {target.suffix!r}; use .html or .json")
    target.write_text(text, encoding="utf-8")


__all__ = ["Diagnosis", "Star", "Step", "diagnose", "diagnose_file", "format_terminal", "licence_iri",
           "render_html", "stars_text", "to_json", "write_diagnosis"]
