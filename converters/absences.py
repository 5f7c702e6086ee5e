"""Explicit absences: when a blank yes/no cell means "no", and when it means "not said".

Many files mark only the yes of a yes/no column: the standard's 災害種別_* columns are "1" where a
site is designated and blank where it is not, and files write ○ or 有 the same way. Elsewhere a blank
is simply not filled in. The mapping names the columns where the first reading may apply
(``blank_is_no = "<group>"``, one group per set of columns filled by one rule); the file decides:

- a group whose cells in the file hold a yes and never a no (1/blank, ○/blank, 有/blank) follows
  the mark convention, so its blank cells are written ``false``;
- a group with any explicit no (×, 無, 0) tells no from unknown itself, so its blanks stay unknown;
- a group with no yes at all, or missing from the header, gives no convention: nothing is written.

The decision is taken from the rows read ahead (:data:`ROWS`, the whole file for all but the largest
tables) before any row is converted, so conversion still streams. A partial mark (△) is neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .mapping import Mapping
from .normalize import flag

#: rows read ahead to decide the convention (the whole file for any real list of sites or facilities)
ROWS = 20_000


def groups(mapping: Mapping, header: Sequence[str]) -> dict[str, list[int]]:
    """The header's column indexes per ``blank_is_no`` group of the mapping."""
    found: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        spec = mapping.column_for(name)
        if spec is not None and spec.blank_is_no:
            found.setdefault(spec.blank_is_no, []).append(index)
    return found


def blanks_read_as_no(mapping: Mapping, header: Sequence[str],
                      rows: Iterable[Sequence[str]]) -> dict[str, list[int]]:
    """The groups (and their column indexes) whose blank cells mean "no" in this file."""
    found = groups(mapping, header)
    if not found:
        return {}
    tally = {group: [0, 0, 0] for group in found}  # yes, no, blank
    for cells in rows:
        width = len(cells)
        for group, indexes in found.items():
            counts = tally[group]
            for i in indexes:
                if i >= width:
                    continue  # a short row is reported as such; its missing cells say nothing
                cell = cells[i].strip()
                if not cell:
                    counts[2] += 1
                    continue
                values = flag(cell)[0]
                if values and values[0].value == "true":
                    counts[0] += 1
                elif values and values[0].value == "false":
                    counts[1] += 1
    return {group: found[group] for group, (yes, no, blank) in tally.items() if yes and not no and blank}
