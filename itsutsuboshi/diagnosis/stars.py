"""The 5-star diagnosis (Tim Berners-Lee's 5-star open data) of each input file and of the published data.

For every file: which of the five stars it reaches, the evidence (Japanese, then English) and the
concrete steps to the next one. ★1 an open licence is stated; ★2 the file reads as a table; ★3 it is
CSV recognised as a standard dataset; ★4 every row is a record with its own stable URI and no
validation errors; ★5 it links to the base registries. The level is the highest star reached with
every star below it. Licences are understood by :mod:`.licences`. See docs/stars.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.issues import CATALOGUE, ERROR, INFO
from itsutsuboshi.converters.mapping import Mapping
from itsutsuboshi.diagnosis import evidence
from itsutsuboshi.diagnosis.evidence import (
    DETAIL,
    READ_ERRORS,
    ROW_SAMPLE,
    Licence,
    Step,
    cap,
    count_steps,
    licence_iri,
    rows_of,
    rows_step,
    rule_steps,
    topic,
)
from itsutsuboshi.iris import DEFAULT_BASE
from itsutsuboshi.pipeline.convert import FileResult
from itsutsuboshi.validation.findings import Finding, Where
from itsutsuboshi.validation.report_html import is_link
from itsutsuboshi.validation.validate import validate_csv

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
_ENCODINGS = {"cp932": ("Shift_JIS (CP932)", "Shift_JIS (CP932)"), "utf-8-sig": ("UTF-8 (BOM 付き)", "UTF-8 with BOM"),
              "utf-8": ("UTF-8", "UTF-8")}
_GENERATIONS = {"new": ("自治体標準オープンデータセットの新しい項目名", "the new column names of the standard datasets"),
                "old": ("推奨データセットの旧い項目名", "the old column names of the recommended datasets")}


@dataclass
class Star:
    """One of the five stars: reached or not, the evidence, the steps."""

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
    """The 5 stars of one converted file: ``result`` (converted with ``link=True`` for ★5), its validation
    ``findings``, an explicit ``licence``, the ``published_base`` it is served under (after ``load``),
    an オープンデータ一覧 ``catalogue`` CSV in which to look the licence up."""
    path = Path(result.path)
    chosen = mapping or result.mapping or (mappings.get(result.dataset) if result.dataset in mappings.names() else None)
    title_ja, title_en = (chosen.title_ja, chosen.title_en) if chosen else (
        (result.dataset,) * 2 if result.dataset else ("（データセット不明）", "(unknown dataset)"))
    metadata, header, rows = result.metadata, result.header, result.data_rows  # what the conversion read
    found = evidence.find_licence(path, given=licence, metadata=metadata, catalogue=catalogue,
                                   title=title_ja if chosen else None)
    published = published_base if not published_base or published_base.endswith("/") else published_base + "/"
    stars = [_star1(found, published), _star2(result, findings, header, rows or result.rows_read)]
    stars.append(_star3(result, findings, stars[1].reached, title_ja, title_en))
    stars.append(_star4(result, findings, stars[2].reached, chosen, header, published))
    stars.append(_star5(result, findings, stars[2].reached, chosen, header, published))
    lic = found[0] if found else None
    return Diagnosis(str(path), result.dataset, title_ja, stars, title_en, lic.text if lic else None,
                     lic.iri if lic else None)


def _star1(found: tuple[Licence, str, str] | None, published: str | None) -> Star:
    if found is None:
        return Star(1, False, "ライセンスが書かれていません（CSV のメタデータ行・オープンデータ一覧・指定のどれにもありません）。"
                    "ライセンスがないと、利用者は使ってよいか判断できません。", "No licence is stated (not in the CSV's "
                    "metadata rows, the open data list, or given): nobody can tell whether they may reuse the data.",
                    [Step(*evidence.STATE_A_LICENCE)])
    lic, where_ja, where_en = found
    if lic.open is False:
        return Star(1, False, f"ライセンス「{lic.label}」（{where_ja}）はオープンではありません。営利利用か改変を禁止しています。",
                    f"The licence {lic.label} ({where_en}) is not open: it forbids commercial use or changes.",
                    [Step(*evidence.CHOOSE_OPEN)])
    better = evidence.advice(lic)
    iri = f"（{lic.iri}）" if lic.iri and lic.iri != lic.label else ""
    unsure = ("オープンかどうかは確かめられません。", " Whether it is open could not be confirmed.") if lic.open is None else ("", "")
    web = (f"{published} で公開しています。", f" Published at {published}.") if published else ("", "")
    return Star(1, True, f"ライセンスは「{lic.label}」{iri}です（{where_ja}）。{unsure[0]}{web[0]}",
                f"Licence: {lic.label} ({where_en}).{unsure[1]}{web[1]}",
                [Step(*better, required=False)] if better else [])


def _message(findings: Sequence[Finding], rule: str) -> tuple[str, str]:
    f = next((f for f in findings if f.rule == rule), None)
    return (f.message_ja, f.message_en) if f else tuple(DETAIL.sub("", t) for t in CATALOGUE[rule][1:3])  # type: ignore[return-value]


def _link_step(result: FileResult, findings: Sequence[Finding], rule: str, *, required: bool) -> Step | None:
    """The step for the rows a link rule reported (its message and fix from the catalogue); ``None`` without any."""
    rows = rows_of(findings, rule) or result.issue_counts.get(rule, 0)
    if not rows:
        return None
    _, ja, en, fix_ja, fix_en = CATALOGUE[rule]
    return rows_step(DETAIL.sub("", ja) + fix_ja.rstrip("。"), DETAIL.sub("", en) + " " + fix_en.rstrip("."), rows,
                     required=required)


def _star2(result: FileResult, findings: Sequence[Finding], header: list[str], rows: int) -> Star:
    if result.error == "file.excel":
        return Star(2, False, "Excel のブック（.xlsx / .xls）です。表として読み取って確かめることができません。",
                    "This is an Excel workbook (.xlsx / .xls): it cannot be read and checked as a table.",
                    [Step("Excel で「名前を付けて保存」→「CSV UTF-8 (コンマ区切り)」を選び、CSV で公開してください。",
                          "In Excel, use Save As → CSV UTF-8 (comma delimited) and publish the CSV.")])
    if result.error in READ_ERRORS:
        ja, en = _message(findings, result.error)
        return Star(2, False, f"表として読み込めません: {ja}", f"The file cannot be read as a table: {en}",
                    [Step("CSV 形式（1 行目に項目名、2 行目からデータ）で保存し直してください。",
                          "Save it again as CSV: column names in the first row, data from the second row.")])
    if rows == 0:
        return Star(2, False, "見出しだけで、データの行がありません。", "There is a header but no data rows.",
                    [Step("見出しの下の行からデータを入れてください。", "Put the data in the rows below the header.")])
    blank_ja, blank_en = (f"（空行 {result.blank_rows} 行は読み飛ばし）", f" ({result.blank_rows} blank rows skipped)") \
        if result.blank_rows else ("", "")
    return Star(2, True, f"表として読めました: 見出し {len(header)} 列、データ {rows} 行{blank_ja}。",
                f"Read as a table: {len(header)} columns, {rows} data row{'s' if rows != 1 else ''}{blank_en}.")


def _first(number: int) -> list[Step]:
    return [Step(f"まず★{number}の手順を済ませてください。", f"First complete the steps for ★{number}.")]


def _star3(result: FileResult, findings: Sequence[Finding], ready: bool, title_ja: str, title_en: str) -> Star:
    if not ready:
        return Star(3, False, "★2 に達していないため、確かめられません。", "Not checked: ★2 is not reached.", _first(2))
    if result.recognition is not None and result.recognition.generic:
        named = "、".join(f"{m.header}→{m.field}" for m in result.recognition.columns[:ROW_SAMPLE]) or "なし"
        return Star(3, False, f"CSV（オープンな形式）ですが、どのデータセットか判別できないため、一般的な表として変換しました"
                    f"（意味の分かった列: {named}）。", "CSV (an open format), but no dataset fits it, so it was converted "
                    "as a generic table (columns understood: " + (", ".join(f"{m.header}→{m.field}" for m in
                                                                   result.recognition.columns[:ROW_SAMPLE]) or "none")
                    + ").", [Step("`itsutsuboshi map ファイル` で列の対応の下書きを作り、データセットと列を確かめて CSV の横に置いてください"
                                  "（publish が使います）。標準の項目名にすると自動で判別できます。",
                                  "Run `itsutsuboshi map FILE` for a draft mapping, check the dataset and the columns, and "
                                  "keep it next to the CSV (publish uses it); the standard column names are recognised "
                                  "without one.")])
    if result.error == "file.unknown_dataset":
        return Star(3, False, "CSV（オープンな形式）ですが、見出しを標準のデータセットとして判別できません。",
                    "CSV (an open format), but the header is not recognised as a standard dataset.", [Step(
                        "項目名を自治体標準オープンデータセットに合わせるか、`--dataset` でデータセットを指定してください"
                        "（一覧: `itsutsuboshi datasets`）。", "Use the standard datasets' column names, or pass "
                        "`--dataset` (list: `itsutsuboshi datasets`).")])
    enc_ja, enc_en = _ENCODINGS.get(result.encoding or "", (result.encoding or "?",) * 2)
    gen_ja, gen_en = _GENERATIONS.get(result.generation or "", ("独自の項目名", "its own column names"))
    notes = [(result.encoding == "cp932", "文字コードを UTF-8 にしてください（自治体標準オープンデータセットの推奨）。Excel では"
              "「CSV UTF-8」で保存します。", "Save the file as UTF-8, as the standard datasets recommend (in Excel: CSV "
              "UTF-8)."), (bool(result.issue_counts.get("file.low_confidence")), "判別の確信度が低いです。違う場合は "
              "`--dataset` で指定してください。", "The recognition is uncertain: if it is wrong, pass `--dataset`."),
             (result.generation not in _GENERATIONS, "自治体標準オープンデータセットの項目名（日本語の見出し 1 行）にすると、"
              "ほかの自治体のデータと並べて使えます。", "Use the standard column names (one Japanese header row) so the "
              "data lines up with other municipalities'.")]
    steps = [Step(ja, en, required=False) for wanted, ja, en in notes if wanted]
    replaced = rows_of(findings, "encoding.replaced") or result.issue_counts.get("encoding.replaced", 0)
    if replaced:
        steps.append(rows_step("読めない文字（�）があります。UTF-8 で保存し直してください",
                               "Some characters could not be read (�): save the file again as UTF-8", replaced,
                               required=False))
    if result.unmapped:
        more = len(result.unmapped) - ROW_SAMPLE
        shown = "「" + "」「".join(result.unmapped[:ROW_SAMPLE]) + "」" + (f"ほか {more} 列" if more > 0 else "")
        steps.append(Step(f"標準にない列 {shown} は独自の項目として出力しました。同じ意味の標準の項目があれば、その名前にしてください。",
                          f"Columns outside the standard ({', '.join(result.unmapped[:ROW_SAMPLE])}"
                          f"{f' and {more} more' if more > 0 else ''}) are kept as custom properties; rename any that "
                          "mean the same as a standard column.", required=False))
    return Star(3, True, f"CSV（文字コード {enc_ja}）です。見出しを「{title_ja}」の{gen_ja}として判別しました"
                f"（一致度 {result.confidence:.0%}）。", f"CSV ({enc_en}); the header was recognised as {title_en} "
                f"with {gen_en} (match {result.confidence:.0%}).", steps)


# -- ★4 and ★5 ------------------------------------------------------------------------------------

def _star4(result: FileResult, findings: Sequence[Finding], ready: bool, chosen: Mapping | None,
           header: list[str], published: str | None) -> Star:
    if not ready or not result.ok:
        return Star(4, False, "★3 に達していないため、確かめられません。", "Not checked: ★3 is not reached.", _first(3))
    fallback = result.issue_counts.get("id.missing", 0)
    id_spec = next((c for c in chosen.columns if c.role == "id"), None) if chosen else None
    if fallback and id_spec is not None:  # said once below, not again as "the file has no ID column"
        findings = Where(findings, lambda f: chosen.column_for(f.column) is not id_spec)  # type: ignore[union-attr,assignment]
    steps = rule_steps(findings) if findings else count_steps(result)
    failed, converted = result.rows_failed, result.rows_converted
    duplicates = rows_of(findings, "id.duplicate") or result.issue_counts.get("id.duplicate", 0)
    if duplicates:
        steps.insert(0, rows_step("ID が重複しています。行の順番で URI が変わらないよう、ID を一意にしてください",
                                  "Duplicate IDs: make them unique so URIs do not depend on the row order", duplicates))
    if failed:
        steps.insert(0, rows_step("変換できなかった行があります。値を確かめてください",
                                  "Some rows could not be converted: check their values",
                                  rows_of(findings, "row.failed") or failed))
    if fallback and id_spec is not None:
        has_id = any(chosen.column_for(h) is id_spec for h in header)  # type: ignore[union-attr]
        ja = "ID 列に一意の値を入れてください" if has_id else f"「{id_spec.name}」の列を追加して一意の値を入れてください"
        en = "Fill the ID column with unique values" if has_id else f"Add the {id_spec.name} column with unique values"
        steps.append(rows_step(ja + "。今は名称・住所などから ID を作っているので、それらを直すと URI が変わります",
                               en + ": the IDs are now made from the name, address etc., so correcting those changes "
                               "the URIs", rows_of(findings, "id.missing") or fallback, required=False))
    if result.issue_counts.get("file.no_code"):
        steps.append(Step("全国地方公共団体コードが分からないため、URI に 000000 を使っています。列を埋めるか `--code` を指定してください。",
                          "The local government code is unknown, so the URIs use 000000: fill the code column or "
                          "pass `--code`.", required=False))
    host = urlsplit(published).hostname or "" if published else ""
    if published and (host in _LOCAL_HOSTS or host.endswith(".local")):
        steps.append(Step(f"{published} はこのコンピュータの中だけのアドレスです。公開用のアドレスを `--base` で指定してください。",
                          f"{published} only works on this computer: publish under your public address with `--base`.",
                          required=False))
    elif not published:
        steps.append(Step("`itsutsuboshi publish`（または load と serve）で公開すると、URI をブラウザやプログラムで開けます。",
                          "Publish (`itsutsuboshi publish`, or load and serve) so the URIs open in browsers and "
                          "programs.", required=False))
    ids_ja = ("ID 列の値から" if not fallback else "ID がないため、すべて内容から ID を作りました" if fallback >= converted
              else f"ID 列から {converted - fallback} 行、ID がないため内容から作った ID で {fallback} 行")
    ids_en = ("from the ID column" if not fallback else "all made from the content for lack of an ID"
              if fallback >= converted else f"{converted - fallback} from the ID column, {fallback} made from the content")
    ja = f"{result.rows_read} 行のうち {converted} 行に固有の URI を付けました（{ids_ja}）。"
    en = f"{converted} of {result.rows_read} rows got their own URI ({ids_en})."
    if failed:
        ja, en = ja + f"変換できなかった行が {failed} 行あります。", en + f" {failed} rows could not be converted."
    errors = sum(1 for f in findings if f.severity == ERROR and topic(f.rule, f.severity) == "rule") if findings \
        else sum(n for c, n in result.issue_counts.items() if CATALOGUE.get(c, (INFO,))[0] == ERROR)
    if errors:
        ja, en = ja + f"標準の決まりに合わない値（エラー）が {errors} 件あります。", en + f" {errors} values break the standard's rules."
    if published and chosen:
        ja += f"URI は {published}id/{chosen.dataset}/… で公開され、開くとページや RDF が返ります。"
        en += f" The URIs are published under {published}id/{chosen.dataset}/… and return pages or RDF."
    steps = cap(steps)
    return Star(4, not any(s.required for s in steps), ja, en, steps)


def _star5(result: FileResult, findings: Sequence[Finding], ready: bool, chosen: Mapping | None,
           header: list[str], published: str | None) -> Star:
    if not ready or not result.ok:
        return Star(5, False, "★3 に達していないため、確かめられません。", "Not checked: ★3 is not reached.", _first(3))
    if result.links is None:
        return Star(5, False, "リンクを付けずに変換した結果です。", "Converted without links.", [Step(
            "リンクを付けて変換してください（`itsutsuboshi convert --link`）。", "Convert with links (`itsutsuboshi convert --link`).")])
    counts = result.links.counts
    steps: list[Step] = []
    publishers = counts[("municipality", "linked")]
    if publishers:
        ja = [("発行者" if publishers == 1 else f"発行者 {publishers} 団体") + "を、全国地方公共団体コードから法人番号・"
              "e-Stat の地域コード・Wikidata につなぎました。"]
        en = [("The publisher is" if publishers == 1 else f"The {publishers} publishers are") + " linked from the "
              "local government code to the 法人番号, the e-Stat area and Wikidata."]
    elif counts[("municipality", "unknown")]:
        ja, en = ["全国地方公共団体コードが現在の団体のコード表にないため、発行者をつなげません。"], [
            "The local government code is not a current one, so the publisher cannot be linked."]
        steps.append(Step("全国地方公共団体コード（6 桁）を総務省のコード表で確かめてください。",
                          "Check the 6-digit local government code against the official code list."))
    else:
        ja, en = ["全国地方公共団体コードが分からないため、発行者をつなげません。"], [
            "The local government code is unknown, so the publisher cannot be linked."]
        steps.append(Step("「全国地方公共団体コード」の列を埋めるか、ファイル名をコードで始める（222127_aed.csv）か、`--code` を指定してください。",
                          "Fill the 全国地方公共団体コード column, start the file name with the code (222127_aed.csv), "
                          "or pass `--code`."))
    levels = Counter({level: n for (kind, level), n in counts.items() if kind == "address" and level != "empty"})
    if levels:
        total, town, city = sum(levels.values()), levels["town"], levels["city"] + levels["prefecture"]
        ja.append(f"住所 {total} 件のうち {town} 件をアドレス・ベース・レジストリの町字に" + (f"、{city} 件を市区町村まで" if city else "")
                  + "つなぎました。")
        en.append(f"Of {total} addresses, {town} are linked to the address base registry's 町字"
                  + (f" and {city} only to the municipality." if city else "."))
        for rule in ("link.address_unmatched", "link.town_unmatched", "link.no_town_master"):
            if step := _link_step(result, findings, rule, required=rule == "link.address_unmatched"):
                steps.append(step)
    areas = Counter({outcome: n for (kind, outcome), n in counts.items() if kind == "area" and outcome != "empty"})
    if areas:
        total, town, whole = sum(areas.values()), areas["town"], areas["municipality"]
        ja.append(f"統計の地域名 {total} 件のうち {town} 件をアドレス・ベース・レジストリの町字に"
                  + (f"、{whole} 件を市区町村全体として e-Stat の地域に" if whole else "") + "つなぎました。")
        en.append(f"Of {total} statistical area names, {town} are linked to the address base registry's 町字"
                  + (f" and {whole} to the e-Stat area of the whole municipality." if whole else "."))
        for rule in ("link.area_unmatched", "link.no_town_master"):
            said = rule == "link.no_town_master" and levels  # said above for the addresses
            if not said and (step := _link_step(result, findings, rule, required=False)):
                steps.append(step)
    filled = counts[("coordinates", "filled")]
    if filled:
        ja.append(f"緯度・経度のない {filled} 行は、町字の代表点で位置を補いました。")
        en.append(f"{filled} rows without coordinates were placed at their 町字's representative point.")
        steps.append(rows_step("正確な緯度・経度を入れてください。今は町字の代表点です",
                               "Fill the exact latitude and longitude; the position is now the 町字's representative "
                               "point", rows_of(findings, "link.coordinates_filled") or filled, required=False))
    houjin, invalid = counts[("houjin", "linked")], counts[("houjin", "invalid")]
    if houjin:
        ja.append(f"法人番号 {houjin} 件を国税庁の法人番号につなぎました。")
        en.append(f"{houjin} corporate numbers are linked to the National Tax Agency's registry.")
    if invalid:
        steps.append(rows_step("法人番号が正しくありません。国税庁法人番号公表サイトで 13 桁を確かめてください",
                               "Invalid 法人番号: check the 13 digits in the NTA registry",
                               rows_of(findings, "houjin.invalid") or invalid))
    houjin_spec = next((c for c in chosen.columns if c.targets[0].normalizer == "houjin"), None) if chosen else None
    if houjin_spec is not None and not houjin and not invalid:
        present = any(chosen.column_for(h) is houjin_spec for h in header)  # type: ignore[union-attr]
        steps.append(Step(("「法人番号」の列に" if present else "「法人番号」の列を追加して、") + "設置者・運営者の法人番号"
                          "（13 桁）を入れると、法人の登記情報とつながります。", ("Fill the 法人番号 column" if present else
                          "Add the 法人番号 column") + " with the 13-digit corporate number of the owner or operator "
                          "to link to the corporate registry.", required=False))
    if published:
        ja.append(f"SPARQL エンドポイント {published}sparql で、ほかのデータと組み合わせて検索できます。")
        en.append(f"The SPARQL endpoint {published}sparql lets anyone query it together with other data.")
    steps = cap(sorted(steps, key=lambda s: not s.required))
    return Star(5, not any(s.required for s in steps), "".join(ja), " ".join(en), steps)


# -- one file, end to end -------------------------------------------------------------------------

def diagnose_file(path: str | Path, *, base: str = DEFAULT_BASE, licence: str | None = None,
                  catalogue: str | Path | None = None, dataset: str | None = None, code: str | None = None,
                  mapping: Mapping | None = None) -> Diagnosis:
    """Convert one file with its links and validate it (one conversion), then :func:`diagnose` it."""
    report = validate_csv(path, base=base, dataset=dataset, mapping=mapping, code=code, link=True)
    assert report.result is not None  # a CSV report always carries its conversion
    return diagnose(report.result, findings=report.all_findings(), licence=licence, catalogue=catalogue,  # type: ignore[arg-type]
                    mapping=mapping)


def stars_text(level: int) -> str:
    """``★★★☆☆`` for level 3."""
    return "★" * level + "☆" * (5 - level)


def format_terminal(diagnoses: Sequence[Diagnosis], *, color: bool = False) -> str:
    """Each file's level, then every star with its evidence and steps; Japanese first, English below."""
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines: list[str] = []
    for d in diagnoses:
        lines += [paint(f"{d.name} — {d.title_ja} / {d.title_en}", "1"),
                  f"  {paint(stars_text(d.level), '33')}  レベル {d.level} / level {d.level}"]
        for star in d.stars:
            mark = paint("✔", "32") if star.reached else paint("✖", "31")
            lines += [f"  {mark} ★{star.number} {star.evidence_ja}", f"        {star.evidence_en}"]
            for step in star.steps:
                arrow = "→" if step.required and not star.reached else "・"
                lines += [f"      {arrow} {step.ja}", f"        {step.en}"]
        lines.append("")
    levels = Counter(d.level for d in diagnoses)
    lines.append("レベル別 / by level: " + ", ".join(f"{stars_text(n)} {levels[n]}" for n in range(5, -1, -1) if levels[n]))
    return "\n".join(lines)


def to_json(diagnoses: Sequence[Diagnosis]) -> dict:
    """The diagnoses as plain data: each file with its level and stars (evidence, steps)."""
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
    env.tests["link"] = lambda value: isinstance(value, str) and is_link(value)
    return env.get_template("stars.html")


def render_html(diagnoses: Sequence[Diagnosis], *, generated: datetime | None = None) -> str:
    """One standalone, printable HTML page: no scripts, every value escaped, only http(s) links."""
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
        raise ValueError(f"unknown diagnosis format {target.suffix!r}: use .html or .json")
    target.write_text(text, encoding="utf-8")


__all__ = ["Diagnosis", "Star", "Step", "diagnose", "diagnose_file", "format_terminal", "licence_iri",
           "render_html", "stars_text", "to_json", "write_diagnosis"]
