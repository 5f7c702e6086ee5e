"""The evidence a 5-star diagnosis reads (:mod:`.stars`): stated licences, and findings as steps.

**Licences.** :func:`licence_iri` turns a key (``cc-by-4.0``), a name (``CC BY 4.0``,
``公共データ利用規約 (PDL1.0)``, ``クリエイティブ・コモンズ 表示 4.0 国際``) or a URL into the licence's IRI,
for ``dcterms:license``; nothing is assumed: a text naming no version or no known licence gives
``None``. :func:`find_licence` finds where a file states one (given, ``#license`` row, オープンデータ一覧).

**Steps.** Validation findings and conversion issue counts become :class:`Step` objects: one per fix,
naming the columns and the first rows concerned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from itsutsuboshi.converters.issues import CATALOGUE, ERROR, INFO
from itsutsuboshi.converters.reader import header_key, open_csv
from itsutsuboshi.licences import CC, CC0, PDL, Licence, licence_iri, understand
from itsutsuboshi.pipeline.convert import FileResult
from itsutsuboshi.validation.findings import Finding

ROW_SAMPLE = 6  # row numbers named in a step; the rest are counted
MAX_STEPS = 8  # steps per star; the rest become one step pointing to the validation report
READ_ERRORS = ("file.excel", "file.unreadable", "file.no_header")
_FORMAT_RULES = ("column.unmapped", "file.low_confidence", "encoding.replaced", "file.unknown_dataset")
DETAIL = re.compile(r"\s*[(（:：]?\s*\{detail\}\s*[)）]?")

# -- licences ------------------------------------------------------------------------------------

#: metadata row keys (``#license,…``) that state a licence
METADATA_KEYS = frozenset({"license", "licence", "ライセンス", "利用規約", "dcterms:license", "dct:license", "rights"})
#: オープンデータ一覧 columns that state a file's licence, in order of preference
CATALOGUE_LICENCE = ("ファイル_ライセンス", "ライセンス", "ファイル_利用規約")
_CATALOGUE_FILE = ("ファイル_タイトル", "ファイル_ダウンロードURL", "ファイル_アクセスURL", "URL", "データセット_URL")
_CATALOGUE_TITLE = ("データセット_タイトル", "データ名称")

#: the step when no licence is stated (Japanese, English)
STATE_A_LICENCE = (
    "ライセンスを明記してください。デジタル庁のガイドラインが推奨する CC BY 4.0（互換の公共データ利用規約 PDL1.0 でも可）"
    "がおすすめです。例: `--license cc-by-4.0`、またはオープンデータ一覧の「ファイル_ライセンス」に書く。",
    "State a licence: CC BY 4.0 is recommended by the Digital Agency guidance (the compatible 公共データ利用規約 PDL1.0 "
    "also works), e.g. `--license cc-by-4.0`, or write it in the open data list's ファイル_ライセンス column.")
#: the step when the licence stated is not open
CHOOSE_OPEN = ("営利利用と改変を認めるライセンス（CC BY 4.0 または公共データ利用規約 PDL1.0）にしてください。",
               "Choose a licence that allows commercial use and changes (CC BY 4.0 or PDL1.0).")


def advice(licence: Licence) -> tuple[str, str] | None:
    """What would make a stated, not closed licence better (Japanese, English), if anything."""
    if licence.open is None:
        return ("既知のオープンライセンスではありません。営利利用・改変を認めているか確かめ、できれば CC BY 4.0 などの名前か "
                "URL で書いてください。", "Not a licence we know: check that it allows commercial use and changes, and "
                "preferably name it (CC BY 4.0 …) or give its URL.")
    if licence.iri is None:
        return ("ライセンスを版まで書いてください（例: CC BY 4.0、公共データ利用規約 PDL1.0）。データからライセンスへリンクできます。",
                "Name the licence with its version (e.g. CC BY 4.0, PDL1.0) so the data can link to it.")
    if licence.version and licence.iri.startswith(CC) and licence.version < "4.0":
        return ("CC BY 4.0 への切り替えを検討してください（デジタル庁のガイドラインの推奨）。",
                "Consider moving to CC BY 4.0 (recommended by the Digital Agency guidance).")
    return None


def metadata_licence(metadata: dict[str, str]) -> str | None:
    """The licence a CSV's ``#`` metadata rows state (``#license,https://…``), if any."""
    for key, value in metadata.items():
        if key.strip().lower() in METADATA_KEYS and value.strip():
            return value.strip()
    return None


def find_licence(path: str | Path, *, given: str | None = None, metadata: dict[str, str] | None = None,
                 catalogue: str | Path | None = None, title: str | None = None) -> tuple[Licence, str, str] | None:
    """The first licence stated for the file ``path``, and where (Japanese, English): ``given``
    explicitly, in its ``#`` ``metadata`` rows, or in the オープンデータ一覧 ``catalogue``."""
    candidates = [(given, "指定による", "as given"), (metadata_licence(metadata or {}), "CSV のメタデータ行 #license による",
                                                     "from the CSV's metadata row #license")]
    hit = catalogue_licence(catalogue, path, title=title) if catalogue is not None else None
    if hit:
        name = Path(catalogue).name  # type: ignore[arg-type]
        candidates.append((hit[0], f"オープンデータ一覧 {name} の {hit[1]} 行目による",
                           f"from row {hit[1]} of the open data list {name}"))
    for text, ja, en in candidates:
        understood = understand(text) if text else None
        if understood is not None:
            return understood, ja, en
    return None


def catalogue_licence(catalogue: str | Path, path: str | Path, *, title: str | None = None) -> tuple[str, int] | None:
    """The licence an オープンデータ一覧 CSV states for the file ``path``, with its spreadsheet row.

    A row is that file's when its ファイル_タイトル is the file's name (with or without ``.csv``) or
    one of its URLs ends with the file name; failing that, when its データセット_タイトル is ``title``
    (the dataset's title, e.g. AED設置箇所一覧). Unreadable catalogues give ``None``."""
    name = Path(path).name
    names = {unicodedata.normalize("NFKC", n) for n in (name, Path(name).stem)}
    try:
        source = open_csv(catalogue)
    except (OSError, ValueError):
        return None
    try:
        keys = [header_key(h) for h in source.header]

        def cell(cells: list[str], columns: tuple[str, ...]) -> list[str]:
            found = [keys.index(header_key(c)) for c in columns if header_key(c) in keys]
            return [cells[i].strip() for i in found if i < len(cells)]

        by_title: tuple[str, int] | None = None
        for raw in source.rows():
            licence = next((v for v in cell(raw.cells, CATALOGUE_LICENCE) if v), "")
            if not licence:
                continue
            for value in cell(raw.cells, _CATALOGUE_FILE):
                last = unquote(urlsplit(value).path.rsplit("/", 1)[-1]) if "/" in value else value
                if unicodedata.normalize("NFKC", last) in names:
                    return licence, raw.row
            if title and by_title is None and title in cell(raw.cells, _CATALOGUE_TITLE):
                by_title = licence, raw.row
        return by_title
    finally:
        source.close()


# -- findings as steps ---------------------------------------------------------------------------

@dataclass
class Step:
    """One thing to do (Japanese, English); ``rows`` it concerns (0: the whole file); ``required`` for
    the star, else an improvement."""

    ja: str
    en: str
    rows: int = 0
    required: bool = True


def rows_of(findings: Sequence[Finding], rule: str) -> list[int]:
    """The spreadsheet rows of the findings of ``rule``."""
    return sorted({f.row for f in findings if f.row > 0 and rule in f.rule.split(", ")})


def rows_step(ja: str, en: str, rows: list[int] | int, *, required: bool = True) -> Step:
    """A step about some rows: ``ja``/``en`` (no final stop) with the count and the first row numbers."""
    n = rows if isinstance(rows, int) else len(rows)
    shown = "" if isinstance(rows, int) else ", ".join(str(r) for r in rows[:ROW_SAMPLE])
    more = n - ROW_SAMPLE
    where_ja = f"{n} 行" + (f": {shown}" + (f" ほか {more} 行" if more > 0 else " 行目") if shown else "")
    where_en = f"{n} row{'s' if n != 1 else ''}" + (f": {shown}" + (f" and {more} more" if more > 0 else "") if shown else "")
    return Step(f"{ja}（{where_ja}）。", f"{en} ({where_en}).", n, required)


def topic(rule: str, severity: str) -> str:
    """Which star a finding speaks to: "format" (★3), "link" (★5), "id" or "rule" (★4), "" (a note)."""
    rules = rule.split(", ")
    if any(r.startswith("link.") or r == "file.no_code" for r in rules):
        return "link"
    if any(r in _FORMAT_RULES or r in READ_ERRORS for r in rules):
        return "format"
    if "id.missing" in rules or "id.duplicate" in rules:
        return "id"
    return "" if severity == INFO else "rule"


def _stop(text: str, stop: str) -> str:
    return text if not text or text.endswith(stop) else text + stop


def rule_steps(findings: Sequence[Finding]) -> list[Step]:
    """Findings as steps: the same fix in the same rows is one step naming every column concerned."""
    cells: dict[tuple[str, str, str, str, str], tuple[set[int], set[tuple[str, str]]]] = {}
    missing: dict[str, list[Finding]] = {}
    for f in findings:
        if topic(f.rule, f.severity) != "rule":
            continue
        if f.row <= 0 and f.source == "shacl" and f.column:  # a column the file does not have at all
            missing.setdefault(f.severity, []).append(f)
            continue
        rows, messages = cells.setdefault((f.severity, f.fix_ja, f.fix_en, f.column, f.rule if f.row <= 0 else ""),
                                          (set(), set()))
        rows.add(f.row)
        messages.add((f.message_ja, f.message_en))
    merged: dict[tuple, tuple[list[str], set[tuple[str, str]]]] = {}
    for (severity, fix_ja, fix_en, column, rule), (rows, messages) in cells.items():
        entry = merged.setdefault((severity, fix_ja, fix_en, rule, tuple(sorted(r for r in rows if r > 0))), ([], set()))
        entry[0].extend([column] if column else [])
        entry[1].update(messages)
    steps = []
    for (severity, fix_ja, fix_en, _, rows), (columns, messages) in merged.items():
        more = f"ほか {len(columns) - ROW_SAMPLE} 列" if len(columns) > ROW_SAMPLE else ""
        ja = ("「" + "」「".join(columns[:ROW_SAMPLE]) + f"」{more}: ") if columns else ""
        en = (", ".join(columns[:ROW_SAMPLE]) + ("…" if more else "") + ": ") if columns else ""
        if len(messages) == 1:
            (mja, men), = messages
            ja, en = ja + _stop(mja, "。"), en + _stop(men, ".") + " "
        if rows:
            steps.append(rows_step(ja + fix_ja.rstrip("。"), en + fix_en.rstrip("."), list(rows),
                                   required=severity == ERROR))
        else:
            steps.append(Step(ja + fix_ja, (en + fix_en).strip(), 0, severity == ERROR))
    for severity, items in missing.items():
        columns = list(dict.fromkeys(f.column for f in items))
        steps.append(rows_step("列「" + "」「".join(columns) + "」がありません。列を追加して値を入れてください",
                               "The file has no column " + ", ".join(columns) + ": add it and fill it in",
                               max(f.rows or len(f.results) for f in items), required=severity == ERROR))
    return sorted(steps, key=lambda s: (not s.required, -s.rows))


def count_steps(result: FileResult) -> list[Step]:
    """Without validation findings: one step per kind of conversion issue, from its count."""
    steps = []
    for code, n in sorted(result.issue_counts.items()):
        severity, ja, en, fix_ja, fix_en = CATALOGUE.get(code, (INFO, "", "", "", ""))
        if topic(code, severity) == "rule":
            ja, en = (DETAIL.sub("", t).format(value="") for t in (ja, en))
            steps.append(rows_step(_stop(ja, "。") + fix_ja.rstrip("。"), _stop(en, ".") + " " + fix_en.rstrip("."),
                                   n, required=severity == ERROR))
    return sorted(steps, key=lambda s: (not s.required, -s.rows))


def cap(steps: list[Step]) -> list[Step]:
    """At most :data:`MAX_STEPS` steps; the last one counts the rest and points to the validation report."""
    if len(steps) <= MAX_STEPS:
        return steps
    rest = steps[MAX_STEPS - 1:]
    return steps[:MAX_STEPS - 1] + [Step(
        f"ほかに {len(rest)} 種類の指摘があります。`itsutsuboshi validate ファイル -r 検証結果.html` で一覧を見てください。",
        f"{len(rest)} more kinds of problem: list them with `itsutsuboshi validate FILE -r report.html`.",
        sum(s.rows for s in rest), any(s.required for s in rest))]


__all__ = ["CC0", "CHOOSE_OPEN", "MAX_STEPS", "PDL", "ROW_SAMPLE", "STATE_A_LICENCE", "Licence", "Step", "advice",
           "cap", "catalogue_licence", "count_steps", "find_licence", "licence_iri", "metadata_licence", "rows_of",
           "rows_step", "rule_steps", "topic", "understand"]
