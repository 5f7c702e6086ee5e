"""Statistical disclosure control (秘匿): a breakdown withheld where its total is published.

Small-area tables (population by 町字 and age, households …) publish an area's total but leave its
breakdown blank where so few people live there that the cells would point at persons (塩浜3丁目:
総人口 3, every age band blank). Such a blank is "not published", not a value the municipality forgot.
The mapping says which count breaks down which (``breakdown_of = "男性"`` on 0-4歳の男性); a row reads as
withholding a breakdown when the count it breaks down is given and every cell of the breakdown is blank
(or a suppression mark: ``X``, ``秘匿``, ``*``). Those cells give no triple; the row gets one warning
(``row.suppressed``) instead of a required-value error. A lone blank among given cells stays an error:
it looks like a forgotten value, and a table that suppresses single cells marks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .mapping import Mapping

#: what a withheld cell may hold besides nothing (e-Stat writes X; tables also write 秘匿, *); a dash is not
#: one: statistical tables write it for none (0)
MARKS = frozenset({"X", "x", "Ｘ", "ｘ", "秘匿", "秘", "*", "＊", "…", "･･･"})


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One total column of a file's header and the columns that break it down."""

    total: int
    parts: tuple[int, ...]


def breakdowns(mapping: Mapping, header: Sequence[str]) -> list[Breakdown]:
    """The breakdowns of ``header`` whose total is a column of the file too."""
    by_name: dict[str, int] = {}
    parts: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        spec = mapping.column_for(name)
        if spec is None:
            continue
        by_name.setdefault(spec.name, index)
        if spec.breakdown_of:
            parts.setdefault(spec.breakdown_of, []).append(index)
    return [Breakdown(by_name[total], tuple(found)) for total, found in parts.items() if total in by_name]


def withheld(found: Sequence[Breakdown], cells: Sequence[str]) -> list[int]:
    """The column indexes of the breakdowns ``cells`` (one row) withhold: the total given, every part blank
    or marked; in header order."""
    width = len(cells)
    out: list[int] = []
    for breakdown in found:
        if breakdown.total >= width:
            continue
        total = cells[breakdown.total].strip()
        if not total or total in MARKS:
            continue
        if all(i >= width or _withheld(cells[i]) for i in breakdown.parts):
            out += breakdown.parts
    return sorted(out)


def _withheld(cell: str) -> bool:
    cell = cell.strip()
    return not cell or cell in MARKS


def describe(header: Sequence[str], indexes: Sequence[int]) -> str:
    """The withheld columns in a few words, in either language: ``0-4歳の男性 … 85歳以上の女性 ×36``."""
    names = [header[i] for i in indexes]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} … {names[-1]} ×{len(names)}"
