"""Derive the shipped registry tables from the ABR masters (アドレス・ベース・レジストリ, デジタル庁, CC BY 4.0).

- converters/data/local_governments.csv: prefectures and municipalities (mt_pref_all, mt_city_all);
- converters/data/towns.csv.gz: current 町字 with representative points where ABR publishes them
  (mt_town_prefNN, mt_town_pos_prefNN): see :mod:`itsutsuboshi.converters.towns`.

Run from the repository with ../shared beside it: ``.venv/bin/python scripts/build_registries.py``.
``itsutsuboshi registries update`` rebuilds the same tables from newer ABR files.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "registries" / "abr-2024-city"
TARGET = ROOT / "converters" / "data" / "local_governments.csv"
FIELDS = ["code", "pref", "county", "city", "ward", "kana", "name_en"]


def main() -> int:
    rows: list[dict[str, str]] = []
    with open(SOURCE / "mt_pref_all.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows.append({"code": r["lg_code"], "pref": r["pref"], "county": "", "city": "", "ward": "",
                         "kana": r["pref_kana"], "name_en": r["pref_roma"]})
    with open(SOURCE / "mt_city_all.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            kana = r["city_kana"] + r["ward_kana"]
            roma = " ".join(x for x in (r["city_roma"], r["ward_roma"]) if x)
            rows.append({"code": r["lg_code"], "pref": r["pref"], "county": r["county"], "city": r["city"],
                         "ward": r["ward"], "kana": kana, "name_en": roma})
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with open(TARGET, "w", encoding="utf-8", newline="") as f:
        f.write("# Derived from アドレス・ベース・レジストリ (デジタル庁) mt_pref_all.csv 2024-01-10, "
                "mt_city_all.csv 2024-03-12; CC BY 4.0; 「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成\n")
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["code"]))
    print(f"{len(rows)} local governments written to {TARGET.relative_to(ROOT)}")
    from itsutsuboshi.converters import towns

    town_files = sorted((ROOT.parent / "shared" / "registries").glob("abr-town*/mt_town_pref*.csv"))
    pos_files = sorted((ROOT.parent / "shared" / "registries").glob("abr-town*/mt_town_pos_pref*.csv"))
    count = towns.build(town_files, pos_files, ROOT / "converters" / "data" / towns.FILENAME)
    print(f"{count} 町字 written to converters/data/{towns.FILENAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
