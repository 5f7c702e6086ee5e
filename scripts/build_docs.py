"""Rebuild docs/datasets.md from the bundled mapping files: ``.venv/bin/python scripts/build_docs.py``."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from itsutsuboshi.converters import mapping
from itsutsuboshi.vocab.namespaces import compact

ROOT = Path(__file__).resolve().parent.parent


# Where each header generation was taken from (repository · path · commit, or a publisher page).
SOURCES = {
    "event": [
        "old: 推奨データセット 項目定義 as modelled in NEC-FIWARE/smart-data-models · `cio/06_イベント一覧/model.yaml`"
        " · 6a51da18f9582fbb90fe1558d73bb3989e9d5ec0 (◎ marks)",
        "new: the same 79-column header in three publishers' files: 愛知県岡崎市 (BODIK 232025_event) and 大阪府"
        " (BODIK 270008_event) as mirrored in suzuking001/event_map · `data/okazaki_events.csv`, `data/osaka_events.csv`"
        " · 017e99766831469c46437cbaf60f2dd043333104; 静岡県焼津市 yaizu-city/opendata · `data/イベント情報/event.csv`"
        " · b5aeccea119c1883bef12f388f361095490f2e9a",
        "new: its concepts follow the デジタル庁 GIF イベントデータモデル (snapshot after GIF v2.2 of 2026-01-08), digital-go-jp/GIF ·"
        " `451_実装データモデル_行政/mermaid/451-5-1_イベントデータモデル_クラス図.mmd` · 357a03f2ad27ae76337091b8c8841cf7d95ddf34",
        "new: the デジタル庁 definition sheet (項目定義, ◎ marks, 共通語彙基盤 column) was not available; ◎ marks are"
        " those of the old generation",
    ],
    "hospital": [
        "old: 推奨データセット 項目定義 as modelled in NEC-FIWARE/smart-data-models · `cio/03_医療機関一覧/model.yaml`"
        " · 6a51da18f9582fbb90fe1558d73bb3989e9d5ec0 (◎ marks)",
        "new: neither the デジタル庁 definition sheet nor a complete published file was found; the header is not"
        " listed until one is",
    ],
}


def render() -> str:
    out = ["# データセット / Datasets", "",
           "itsutsuboshi は次の 14 データセットを、表そのものから自動で判別します（`--dataset` で指定も可）。"
           "標準の項目名でなくても、列の意味（辞書）と値、ファイル名・表題・メタデータの言葉から判断し、"
           "どれとも決められない表は一般的な表（`table`）として変換します。",
           "Header generations: `old` = 推奨データセット, `new` = 自治体標準オープンデータセット.",
           "", *RECOGNITION, "",
           "Generated from `converters/mappings/*.toml` and `converters/data/lexicon.toml` by `scripts/build_docs.py`.", "",
           "| No | dataset | 名称 | title | classes | generations |", "|---|---|---|---|---|---|"]
    for m in mapping.bundled().values():
        classes = ", ".join(compact(t) or t for t in m.types)
        out.append(f"| {m.number:02d} | `{m.dataset}` | {m.title_ja} | {m.title_en} | {classes} | "
                   f"{', '.join(m.headers)} |")
    out += ["", "## 列の意味の辞書 / The lexicon", "",
            "Each concept with the names that mean it (compared after normalisation: width, case, spaces, underscores,",
            "dashes, dots, brackets; an export prefix such as `USER_` dropped) and the words that name a dataset.", "",
            "| concept | names | name ends with | seen in |", "|---|---|---|---|"]
    data = tomllib.loads(resources.files("itsutsuboshi.converters").joinpath("data/lexicon.toml").read_text("utf-8"))
    for name, entry in data["concepts"].items():
        out.append(f"| {name} | {', '.join(entry.get('synonyms', []))} | {', '.join(entry.get('suffixes', []))} | "
                   f"{'; '.join(entry.get('seen', []))} |")
    out += ["", "| dataset | words |", "|---|---|"]
    out += [f"| {name} | {', '.join(entry['words'])} |" for name, entry in data["datasets"].items()]
    for m in mapping.bundled().values():
        out += ["", f"## {m.number:02d} {m.title_ja} / {m.title_en} (`{m.dataset}`)", ""]
        if m.description:
            out += [m.description, ""]
        out += [f"ID が空のときの鍵 / key columns for a blank ID: {', '.join(m.key) or '-'}", "",
                f"カタログの分類とキーワード / catalogue themes and keywords: {', '.join(m.themes) or '-'}; "
                f"{', '.join(m.keywords) or '-'}", ""]
        for generation, header in m.headers.items():
            out.append(f"- **{generation}**: " + ", ".join(header))
        if m.dataset in SOURCES:
            out += ["", "出典 / sources:", ""] + [f"- {line}" for line in SOURCES[m.dataset]]
        out += ["", "| column | aliases | ◎ | normaliser | path |", "|---|---|---|---|---|"]
        for c in m.columns:
            target = c.targets[0]
            paths = [" / ".join([compact(s.predicate) for s in t.steps] + [compact(t.leaf) or t.leaf])
                     for t in c.targets]
            prefix = "(publisher) " if c.on == "publisher" else ""
            out.append(f"| {c.name} | {', '.join(c.aliases)} | {'◎' if c.required else ''} | {target.normalizer}"
                       f"{' / ' + c.role if c.role else ''} | {prefix}{'; also '.join(paths)} |")
    return "\n".join(out) + "\n"


RECOGNITION = [
    "**How a table is recognised** (`converters/recognize.py`). The evidence, combined:",
    "",
    "1. the header against each standard header generation (an exact standard header is certain);",
    "2. each column against each field of each dataset: its name (a standard name or alias, or a synonym of the "
    "field's concept in the lexicon below) and its values (a sample of 200 rows: latitudes and longitudes inside "
    "Japan, phone numbers, postal codes, URLs, e-mail, dates incl. 和暦 and Excel serials, times, weekdays, yes/no "
    "flags, 団体コード and 法人番号 with valid check digits, kana, addresses, numbers), assigned one to one by the "
    "best assignment; fields only one or two datasets have (設置位置, 災害種別_津波, 医療機関コード) weigh most, "
    "fields every dataset has (名称, 住所, 緯度) nothing;",
    "3. words naming a dataset in the file name, the title rows, the LinkData metadata (`#file_name`, `#title`), "
    "the header and the values (a name column of 保育所 and 保育園 names the childcare dataset).",
    "",
    "A table is given a dataset only when the evidence is clear (confidence 0.6 and 0.15 ahead of the next "
    "dataset, or a header close to one standard); otherwise it is converted as a generic table (`table`: "
    "`ic:事物型` and `itsu:TableRecord` with what is recognised of each row, the rest as custom properties) "
    "and the `file.generic` warning names the best candidates. A file is never refused for its layout. "
    "`itsutsuboshi map FILE` writes what was recognised as a draft mapping to check once "
    "([mappings.md](mappings.md)).",
]


VOCAB_INTRO = """# 語彙 / Vocabulary

## 共通語彙基盤 / IMI core vocabulary

Records use the IMI core vocabulary 2.4.1 (共通語彙基盤 コア語彙, namespace `http://imi.go.jp/ns/core/rdf#`,
prefix `ic:`). The terms used are bundled with their Japanese and English labels, ranges and class
hierarchy in `vocab/imi-core.ttl` (derived from the IMI 2.4.1 vocabulary, CC0, by
`scripts/build_vocab.py`). Root classes: see docs/datasets.md.

## 広く使われる語彙 / Widely used equivalents

| what | terms |
|---|---|
| names | `rdfs:label`, `schema:name` (`@ja`, `@en` for English names) |
| coordinates | IMI `ic:地理座標 [ic:緯度; ic:経度]` (strings, as IMI defines them) plus W3C Basic Geo `wgs:lat`, `wgs:long` (xsd:decimal) and GeoSPARQL `geo:hasGeometry [geo:asWKT "POINT(lon lat)"^^geo:wktLiteral]` |
| weekdays | IMI `ic:開催期日 "月火水木金"` plus `schema:dayOfWeek schema:Monday …` |
| dataset | each publisher's dataset `{base}id/{dataset}/{code}` is a `dcat:Dataset` with `dcterms:title`, `dcterms:publisher`, `dcterms:source`, `dcterms:license` (from `#license` metadata) ; records point to it with `dcterms:isPartOf` |
| provenance | `prov:wasDerivedFrom <{base}source/{code}/{file}#row=N>` (the CSV row, CSV on the Web convention) |
| publisher | `{base}id/lg/{code}` a `ic:組織型` with `ic:ID [ic:体系 "全国地方公共団体コード"; ic:識別値 "…"]` and labels from the ABR list |

Prefixes (also the JSON-LD context `vocab/context.jsonld`):

| prefix | namespace |
|---|---|
"""

EXT_INTRO = """
## itsutsuboshi 拡張語彙 / Extension vocabulary

Namespace `https://w3id.org/itsutsuboshi/ns#` (prefix `itsu:`), the same for every deployment (never the
municipality's base IRI). File: `vocab/itsutsuboshi.ttl`. Every term has Japanese and English labels and
comments. English camelCase local names keep SPARQL easy to type.

| term | kind | range / superclass | ラベル | label | 説明 / comment |
|---|---|---|---|---|---|
"""


def render_vocabulary() -> str:
    from rdflib import OWL, RDF, RDFS, Graph, Literal

    from itsutsuboshi import vocab
    from itsutsuboshi.vocab.namespaces import ITSU, PREFIXES

    graph = Graph().parse(str(vocab.path("itsutsuboshi.ttl")), format="turtle")
    out = [VOCAB_INTRO.rstrip("\n")]
    out += [f"| `{p}` | `{ns}` |" for p, ns in PREFIXES.items()]
    out.append(EXT_INTRO.rstrip("\n"))

    def text(node, predicate, lang):
        return next((str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal) and o.language == lang), "")

    subjects = sorted({s for s in graph.subjects(RDF.type, None) if str(s).startswith(ITSU)},
                      key=lambda s: ((RDFS.Class not in set(graph.objects(s, RDF.type))), str(s)))
    for s in subjects:
        is_class = (s, RDF.type, OWL.Class) in graph
        kind = "class" if is_class else "property" if (s, RDF.type, RDF.Property) in graph else "dataset kind"
        target = graph.value(s, RDFS.subClassOf if is_class else RDFS.range)
        out.append(f"| `itsu:{str(s)[len(ITSU):]}` | {kind} | "
                   f"{compact(str(target)) if target else ''} | {text(s, RDFS.label, 'ja')} | {text(s, RDFS.label, 'en')} | "
                   f"{text(s, RDFS.comment, 'ja')} {text(s, RDFS.comment, 'en')} |")
    out += render_code_lists()
    out += ["", "Custom columns (outside the standard) become `{base}def/{dataset}/{column}` properties,",
            "sub-properties of `itsu:customColumn`, labelled with their header.",
            "Licences: IMI core vocabulary CC0; the local government list is derived from the アドレス・ベース・レジストリ",
            "(デジタル庁, CC BY 4.0: 「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成)."]
    return "\n".join(out) + "\n"


CODES_INTRO = """
## コードリスト / Code lists

Categorical values (診療科目, 実施サービス, 種別 …) are also concepts of SKOS concept schemes shipped with the
package: `vocab/codes/<name>.toml` (the data, with its sources; edit this) and `vocab/codes/<name>.ttl` (written
from it by `scripts/build_codes.py`). A scheme is `https://w3id.org/itsutsuboshi/code/<name>`, a concept
`…/code/<name>/<notation>`; the notation is the official code where there is one. Each site serves them at
`{base}def/code/<name>` and `publish` loads them into the vocabulary graph, so labels join in SPARQL.
Records link a concept with the property the list names (`itsu:codeProperty`) and keep the value as written.
分類の値（診療科目、実施サービス、種別など）は、同梱のコードリスト（SKOS の概念体系）の概念にも結び付けます。
記号は公式のコードがあればそのコードです。

| code list | 名前 | name | concepts | property | source |
|---|---|---|---|---|---|
"""


def render_code_lists() -> list[str]:
    from itsutsuboshi.vocab import codes

    out = [CODES_INTRO.rstrip("\n")]
    for name in codes.names():
        c = codes.get(name)
        out.append(f"| `{name}` | {c.title_ja} | {c.title_en} | {len(c.concepts)} | `{compact(c.link_property) or c.link_property}` | "
                   f"{c.citation_ja} |")
    return out


def render_issues() -> str:
    from itsutsuboshi.converters.issues import CATALOGUE

    out = ["# 問題コード / Issue codes", "",
           "変換で見つかった問題は、ファイル・行番号（表計算ソフトで見える行番号。0 はファイル全体）・列・値・",
           "コード・重要度・日本語と英語の説明・直し方として `issues.csv`（UTF-8 BOM 付き、Excel で開けます）",
           "または `--issues FILE.json` に出力されます。", "",
           "Every problem found while converting is reported with file, row (as a spreadsheet numbers it; 0 = the",
           "whole file), column, value, code, severity, message and fix in Japanese and English.", "",
           "重要度 / severity: `error` = the value could not be used (its original text is kept in the RDF as",
           "`itsu:sourceCell`), `warning` = used but doubtful or repaired in a way to check, `info` = repaired or",
           "noted. A row with issues is still converted; only an unreadable or unrecognisable file stops (exit 2).",
           "Generated from `converters/issues.py` by `scripts/build_docs.py`.", "",
           "| code | severity | 説明 | message | 直し方 / fix |", "|---|---|---|---|---|"]
    for code, (severity, ja, en, fix_ja, fix_en) in CATALOGUE.items():
        def blank(t: str) -> str:
            return t.replace("{detail}", "…").replace("{value}", "…")
        out.append(f"| `{code}` | {severity} | {blank(ja)} | {blank(en)} | {fix_ja} / {fix_en} |")
    return "\n".join(out) + "\n"


def render_shapes() -> str:
    """docs/shapes.md: every shape and rule with severity, messages and fix."""
    from rdflib import Literal
    from rdflib.namespace import SH

    from itsutsuboshi import shapes
    from itsutsuboshi.shapes.compile import path_predicates
    from itsutsuboshi.shapes.generate import FIX

    out = ["# 検証ルール / Validation rules (SHACL shapes)", "",
           "`itsutsuboshi validate` checks data against these shapes: `shapes/common.ttl` (rules of the IMI types,",
           "for every dataset) and one file per dataset, generated from its mapping (`scripts/build_shapes.py`).",
           "They are plain SHACL (Core + SHACL-SPARQL for check digits); pyshacl gives the same results.",
           "The rule name in reports is `<shape>:<constraint>` (e.g. `aed-名称-required:minCount`).", "",
           "重要度 / severity: **error** (`sh:Violation`) = breaks the standard, **warning** (`sh:Warning`) = weakens",
           "the data (no ID, no coordinates, no kana), **info** (`sh:Info`) = a suggestion.",
           "Generated from the shapes files by `scripts/build_docs.py`.", ""]
    sev = {str(SH.Violation): "error", str(SH.Warning): "warning", str(SH.Info): "info"}
    for name in shapes.files():
        g = shapes.load([]) if name == shapes.COMMON else shapes.load([name.removesuffix(".ttl")])
        owner = shapes.path(name).read_text(encoding="utf-8")
        out += [f"## `{name}`", "", "| rule | target / path | severity | 説明 | message | 直し方 / fix |",
                "|---|---|---|---|---|---|"]

        def text(node, predicate, lang, g=g):
            return next((str(o) for o in g.objects(node, predicate) if isinstance(o, Literal) and o.language == lang), "")

        rows = []
        for node_shape in sorted({s for p in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf)
                                  for s in g.subjects(p, None)}, key=str):
            local = str(node_shape).rsplit("#", 1)[-1]
            if f"shp:{local} a sh:NodeShape" not in owner:
                continue
            target = ", ".join(compact(str(t)) or str(t) for p in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf)
                               for t in g.objects(node_shape, p))
            members = [(p, g.value(p, SH.path)) for p in g.objects(node_shape, SH.property)]
            members += [(c, None) for c in g.objects(node_shape, SH.sparql)]
            for member, path in sorted(members, key=lambda m: str(m[0])):
                preds = path_predicates(g, path) if path is not None else ()
                where = target + (" → " + " / ".join(compact(p) or p for p in preds) if preds else "")
                severity = g.value(member, SH.severity) or g.value(node_shape, SH.severity) or SH.Violation
                rows.append(f"| `{str(member).rsplit('#', 1)[-1]}` | {where} | {sev[str(severity)]} | "
                            f"{text(member, SH.message, 'ja')} | {text(member, SH.message, 'en')} | "
                            f"{text(member, FIX, 'ja')} / {text(member, FIX, 'en')} |")
        out += rows + [""]
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "issues.md").write_text(render_issues(), encoding="utf-8")
    (ROOT / "docs" / "datasets.md").write_text(render(), encoding="utf-8")
    (ROOT / "docs" / "vocabulary.md").write_text(render_vocabulary(), encoding="utf-8")
    (ROOT / "docs" / "shapes.md").write_text(render_shapes(), encoding="utf-8")
    print("docs/datasets.md, docs/issues.md, docs/vocabulary.md and docs/shapes.md written")
