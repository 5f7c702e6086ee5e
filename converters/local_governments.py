"""The list of local governments (都道府県・市区町村) with their 6-digit codes, shipped offline.

Derived from the アドレス・ベース・レジストリ 都道府県マスター and 市区町村マスター by :func:`build`
(``scripts/build_registries.py``, ``itsutsuboshi registries update``; CC BY 4.0,
「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成). Loaded on first use; a newer table in
:func:`itsutsuboshi.converters.towns.data_dir` takes precedence over the shipped one.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .towns import data_dir

FILENAME = "local_governments.csv"
FIELDS = ["code", "pref", "county", "city", "ward", "kana", "name_en"]
ATTRIBUTION = "CC BY 4.0; 「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成"


@dataclass(frozen=True, slots=True)
class LocalGovernment:
    code: str
    pref: str
    county: str
    city: str
    ward: str
    kana: str
    name_en: str

    @property
    def name(self) -> str:
        """``千葉県市川市``, ``北海道札幌市中央区``, ``東京都`` …"""
        return self.pref + self.city + self.ward


def _open_table() -> str:
    updated = data_dir() / FILENAME
    if updated.is_file():
        return updated.read_text(encoding="utf-8")
    return resources.files(__package__).joinpath("data/" + FILENAME).read_text(encoding="utf-8")


@cache
def all_local_governments() -> dict[str, LocalGovernment]:
    text = _open_table()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {r["code"]: LocalGovernment(**r) for r in csv.DictReader(io.StringIO("\n".join(lines)))}


def by_code(code: str) -> LocalGovernment | None:
    return all_local_governments().get(code)


@cache
def _by_name() -> dict[str, list[LocalGovernment]]:
    index: dict[str, list[LocalGovernment]] = {}
    for lg in all_local_governments().values():
        keys = {lg.name, lg.city + lg.ward} if lg.city else {lg.pref}
        if lg.county:
            keys.add(lg.pref + lg.county + lg.city)
        for key in keys:
            index.setdefault(key, []).append(lg)
    return index


def find(name: str) -> LocalGovernment | None:
    """The local government called ``name`` (``高松市``, ``香川県高松市``), when the name is unambiguous."""
    key = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")
    found = _by_name().get(key, [])
    return found[0] if len(found) == 1 else None


def search(text: str) -> LocalGovernment | None:
    """The one local government named inside ``text`` (a file name, a title row): ``沖縄県医療機関一覧`` →
    沖縄県, ``那覇市_aed`` → 那覇市; a municipality wins over the prefecture it lies in; ``None`` when no
    name, an ambiguous one (府中市) or two unrelated ones appear."""
    key = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    hits = {name: governments for name, governments in _by_name().items() if len(name) >= 2 and name in key}
    found: dict[str, LocalGovernment] = {}
    for name, governments in hits.items():
        if any(name != other and name in other for other in hits):
            continue  # 北区 inside 東京都北区: the longer name says which
        if len(governments) > 1:
            return None
        found[governments[0].code] = governments[0]
    specific = [lg for lg in found.values() if lg.city]
    # 札幌市中央区 also names 札幌市: the ward is meant; 沖縄県那覇市 names the prefecture too: the city is meant
    narrow = [lg for lg in specific if not any(o is not lg and (lg.city + lg.ward) in (o.city + o.ward) for o in specific)]
    if specific:
        return narrow[0] if len(narrow) == 1 else None
    return next(iter(found.values())) if len(found) == 1 else None


def build(pref_csv: Path, city_csv: Path, target: Path, *,
          source: str = "mt_pref_all.csv, mt_city_all.csv") -> int:
    """Derive the table from ABR ``mt_pref_all.csv`` and ``mt_city_all.csv``; returns rows.

    Only current codes are kept (no ``ablt_date``). ``source`` names the files (and their dates) in the
    comment line that opens the table.
    """
    rows: list[dict[str, str]] = []
    with open(pref_csv, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r.get("ablt_date"):
                continue
            rows.append({"code": r["lg_code"], "pref": r["pref"], "county": "", "city": "", "ward": "",
                         "kana": r["pref_kana"], "name_en": r["pref_roma"]})
    with open(city_csv, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r.get("ablt_date"):
                continue
            kana = r["city_kana"] + r["ward_kana"]
            roma = " ".join(x for x in (r["city_roma"], r["ward_roma"]) if x)
            rows.append({"code": r["lg_code"], "pref": r["pref"], "county": r["county"], "city": r["city"],
                         "ward": r["ward"], "kana": kana, "name_en": roma})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(f"# Derived from アドレス・ベース・レジストリ (デジタル庁) {source}; {ATTRIBUTION}\n")
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["code"]))
    tmp.replace(target)
    return len(rows)
