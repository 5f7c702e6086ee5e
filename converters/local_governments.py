"""The list of local governments (都道府県・市区町村) with their 6-digit codes, shipped offline.

Derived from the アドレス・ベース・レジストリ by ``scripts/build_registries.py`` (CC BY 4.0,
「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成). Loaded on first use.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


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


@cache
def all_local_governments() -> dict[str, LocalGovernment]:
    text = resources.files(__package__).joinpath("data/local_governments.csv").read_text(encoding="utf-8")
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
