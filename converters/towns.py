"""The ABR 町字 master (大字・町, 丁目, 小字) with representative points, shipped offline.

``converters/data/towns.csv.gz`` is derived from the アドレス・ベース・レジストリ 町字マスター and its
位置参照拡張 (デジタル庁, CC BY 4.0, 「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成) by
:func:`build` (``scripts/build_registries.py``, ``itsutsuboshi registries update``). Only current
町字 are kept (no ``ablt_date``); one row per (団体コード, 町字ID). Points are the ABR representative
points (JGD2000 and JGD2011 mixed as published; the difference is far below the 1:25,000 scale of
the points). Loaded on first use; a newer table in :func:`data_dir` takes precedence.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

FILENAME = "towns.csv.gz"
FIELDS = ("lg_code", "machiaza_id", "machiaza_type", "oaza_cho", "chome", "koaza", "oaza_cho_kana",
          "rsdt_addr_flg", "lat", "lon")
ATTRIBUTION = "「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成 (CC BY 4.0)"


@dataclass(frozen=True, slots=True)
class Town:
    """One 町字: ``lg_code`` + ``machiaza_id`` identify it nationally."""

    lg_code: str
    machiaza_id: str
    machiaza_type: str  # 1 大字・町, 2 丁目, 3 小字, 4 none
    oaza_cho: str
    chome: str
    koaza: str
    oaza_cho_kana: str
    rsdt_addr_flg: str  # 1 住居表示 (番/号), 0 地番 (番地)
    lat: float | None
    lon: float | None

    @property
    def name(self) -> str:
        """``本町一丁目``, ``大字小手指字東``: the 町字 as an address writes it."""
        return self.oaza_cho + self.chome + self.koaza


def data_dir() -> Path:
    """Where ``registries update`` writes newer tables (``$ITSUTSUBOSHI_DATA`` or the user's data folder)."""
    env = os.environ.get("ITSUTSUBOSHI_DATA")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "itsutsuboshi"


def _open_table() -> bytes:
    updated = data_dir() / FILENAME
    if updated.is_file():
        return updated.read_bytes()
    return resources.files(__package__).joinpath("data/" + FILENAME).read_bytes()


@cache
def all_towns() -> dict[str, list[Town]]:
    """Every shipped 町字, by 団体コード."""
    text = gzip.decompress(_open_table()).decode("utf-8")
    out: dict[str, list[Town]] = {}
    for r in csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")):
        town = Town(r["lg_code"], r["machiaza_id"], r["machiaza_type"], r["oaza_cho"], r["chome"], r["koaza"],
                    r["oaza_cho_kana"], r["rsdt_addr_flg"], float(r["lat"]) if r["lat"] else None,
                    float(r["lon"]) if r["lon"] else None)
        out.setdefault(town.lg_code, []).append(town)
    return out


def towns_of(lg_code: str) -> list[Town]:
    """The 町字 of one municipality (empty when its prefecture's master is not shipped)."""
    return all_towns().get(lg_code, [])


@cache
def _by_id() -> dict[tuple[str, str], Town]:
    return {(t.lg_code, t.machiaza_id): t for ts in all_towns().values() for t in ts}


def get(lg_code: str, machiaza_id: str) -> Town | None:
    return _by_id().get((lg_code, machiaza_id))


@cache
def prefectures() -> frozenset[str]:
    """Two-digit prefecture codes whose 町字 master is shipped."""
    return frozenset(code[:2] for code in all_towns())


def build(town_files: Iterable[Path], pos_files: Iterable[Path], target: Path) -> int:
    """Derive the table from ABR ``mt_town_prefNN.csv`` and ``mt_town_pos_prefNN.csv`` files; returns rows."""
    points: dict[tuple[str, str], tuple[str, str]] = {}
    for path in pos_files:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                points.setdefault((r["lg_code"], r["machiaza_id"]), (r["rep_lat"], r["rep_lon"]))
    rows: dict[tuple[str, str], list[str]] = {}
    for path in town_files:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                key = (r["lg_code"], r["machiaza_id"])
                if r.get("ablt_date") or key in rows:
                    continue
                lat, lon = points.get(key, ("", ""))
                rows[key] = [r["lg_code"], r["machiaza_id"], r["machiaza_type"], r["oaza_cho"], r["chome"],
                             r["koaza"], r["oaza_cho_kana"], r["rsdt_addr_flg"], lat, lon]
    out = io.StringIO()
    out.write(f"# ABR 町字マスター + 位置参照拡張; {ATTRIBUTION}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows[k] for k in sorted(rows))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))
    tmp.replace(target)
    return len(rows)
