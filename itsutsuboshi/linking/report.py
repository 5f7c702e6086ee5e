"""The link report: how many records were linked to each registry, per dataset, and which were not."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TypedDict

from itsutsuboshi.converters.issues import FIELDS, Issue
from itsutsuboshi.pipeline.convert import FileResult
from itsutsuboshi.spreadsheet import safe_row

#: kind -> (label ja, label en, outcomes counted as linked)
KINDS = {
    "municipality": ("市区町村 (公開者)", "municipality (publisher)", ("linked",)),
    "municipality_named": ("市区町村 (広域の一覧の各行)", "municipality (rows of a wide-area list)", ("linked",)),
    "location_code": ("所在地の団体コード", "location code", ("linked",)),
    "houjin": ("法人番号", "corporate number", ("linked",)),
    "address": ("住所 → 町字", "address → town", ("town",)),
    "coordinates": ("代表点で補った座標", "coordinates filled", ("filled",)),
    "area": ("統計の地域 → 町字", "statistical area → town", ("town", "municipality")),
    "organization": ("運営者・設置者など → 一つの団体", "operator → one organisation",
                     ("corporate_number", "local_government", "name")),
}


class LinkRow(TypedDict):
    """One line of the link report (``file`` is ``"*"`` in the rows of a whole dataset)."""

    file: str
    dataset: str
    kind: str
    total: int
    linked: int
    rate: float
    outcomes: dict[str, int]


def rows(results: list[FileResult], *, per_file: bool = False) -> list[LinkRow]:
    """One row per (dataset, kind), or with ``per_file`` per (file, dataset, kind): total, linked, rate and
    the other outcomes."""
    table: dict[tuple[str, str, str], dict[str, int]] = {}
    for r in results:
        for column, lists, _, matched, outcomes in r.codes.rows() if r.codes else ():
            # values of a code list column: linked to a concept, matching none, or saying it is absent
            cell = table.setdefault((Path(r.path).name if per_file else "*", r.dataset or "-", f"{column} → {lists}"), {})
            for outcome, n in (("linked", matched), ("unmatched", outcomes.get("unmatched", 0)),
                               ("negated", outcomes.get("negated", 0))):
                if n or outcome == "linked":
                    cell[outcome] = cell.get(outcome, 0) + n
        if r.links is None:
            continue
        for (kind, outcome), n in r.links.counts.items():
            cell = table.setdefault((Path(r.path).name if per_file else "*", r.dataset or "-", kind), {})
            cell[outcome] = cell.get(outcome, 0) + n
    out: list[LinkRow] = []
    for (file, dataset, kind), outcomes in sorted(table.items()):
        total = sum(outcomes.values())
        linked = sum(outcomes.get(o, 0) for o in KINDS.get(kind, ("", "", ("linked",)))[2])
        out.append({"file": file, "dataset": dataset, "kind": kind, "total": total, "linked": linked,
                    "rate": round(linked / total, 4) if total else 0.0,
                    "outcomes": dict(sorted(outcomes.items()))})
    return out


def summary(results: list[FileResult]) -> str:
    lines = [f"{'dataset':<18} {'kind':<28} {'linked':>8} {'total':>7} {'rate':>7}  outcomes"]
    for row in rows(results):
        ja, en, _ = KINDS.get(row["kind"], (row["kind"], row["kind"], ()))
        outcomes = ", ".join(f"{k} {v}" for k, v in row["outcomes"].items())
        lines.append(f"{row['dataset']:<18} {en:<28} {row['linked']:>8} {row['total']:>7} "
                     f"{row['rate']:>7.1%}  {outcomes}  ({ja})")
    return "\n".join(lines)


def write(results: list[FileResult], issues: list[Issue], path: Path) -> None:
    """``.json``: the counts per dataset (``links``) and per file (``files``) and the rows that could not be
    linked; ``.csv``: those rows (UTF-8 BOM, no cell taken for a formula: :mod:`.spreadsheet`)."""
    unlinked = [i for i in issues if i.code.startswith("link.") and i.code != "link.coordinates_filled"]
    if path.suffix.lower() == ".json":
        data = {"links": rows(results), "files": rows(results, per_file=True),
                "unlinked": [i.as_dict() for i in unlinked]}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FIELDS)
        writer.writerows(safe_row(getattr(i, k) for k in FIELDS) for i in unlinked)
