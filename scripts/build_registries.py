"""Derive the shipped registry tables from the ABR masters (アドレス・ベース・レジストリ, デジタル庁, CC BY 4.0).

- converters/data/local_governments.csv: prefectures and municipalities (mt_pref_all, mt_city_all);
- converters/data/towns.csv.gz: current 町字 with representative points where ABR publishes them
  (mt_town_prefNN, mt_town_pos_prefNN): see :mod:`itsutsuboshi.converters.towns`.

Run from the repository with ../shared beside it: ``.venv/bin/python scripts/build_registries.py``.
``itsutsuboshi registries update`` rebuilds the same tables from newer ABR files.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "registries" / "abr-2024-city"
TARGET = ROOT / "converters" / "data" / "local_governments.csv"


def main() -> int:
    from itsutsuboshi.converters import local_governments, towns

    count = local_governments.build(SOURCE / "mt_pref_all.csv", SOURCE / "mt_city_all.csv", TARGET,
                                    source="mt_pref_all.csv 2024-01-10, mt_city_all.csv 2024-03-12")
    print(f"{count} local governments written to {TARGET.relative_to(ROOT)}")
    town_files = sorted((ROOT.parent / "shared" / "registries").glob("abr-town*/mt_town_pref*.csv"))
    pos_files = sorted((ROOT.parent / "shared" / "registries").glob("abr-town*/mt_town_pos_pref*.csv"))
    count = towns.build(town_files, pos_files, ROOT / "converters" / "data" / towns.FILENAME)
    print(f"{count} 町字 written to converters/data/{towns.FILENAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
