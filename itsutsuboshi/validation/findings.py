"""Findings: problems in the user's terms (file, row, column, value, rule, what to do), and every finding
of one file in flat memory.

A file can have a finding on every row (an address that matches nothing, in every row of a 480,000-row
file). :class:`Findings` keeps them in report order (file-level ones first, then row by row), on disk beyond
:data:`~.spool.LIMIT` (:class:`~.spool.Spool`), and can be read again as often as needed; :meth:`Findings.sample`
is what a page shows (the first :data:`KEEP` of each kind), the counts are exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from itsutsuboshi.converters.issues import ERROR, INFO, WARNING
from itsutsuboshi.shapes.engine import ShaclResult
from itsutsuboshi.spool import Spool

RANK = {ERROR: 2, WARNING: 1, INFO: 0}
#: findings of one kind (severity, rule, column) kept in memory once a file's findings spill to disk
KEEP = 200


@dataclass(slots=True)
class Finding:
    """One problem in the user's terms: where (file, row, column, value), how bad, which rule, what to do."""

    file: str
    row: int
    column: str
    value: str
    severity: str
    rule: str
    message_ja: str
    message_en: str
    fix_ja: str
    fix_en: str
    source: str  # "convert" or "shacl"
    focus: str = ""  # the record's IRI (or the focus node) in the RDF
    results: list[ShaclResult] = field(default_factory=list, repr=False, compare=False)
    rows: int = field(default=0, repr=False, compare=False)  # rows a file-level finding stands for

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        del d["results"], d["rows"]
        return d


FIELDS = tuple(f for f in Finding.__dataclass_fields__ if f not in ("results", "rows"))


class Findings:
    """Every finding of one file, in report order, read again as often as needed."""

    def __init__(self) -> None:
        self.head: list[Finding] = []  # about the whole file
        self.rows: Spool[Finding] = Spool()
        self.severities: Counter[str] = Counter()
        self._kept: list[Finding] = []
        self._per_kind: Counter[tuple[str, str, str]] = Counter()

    def add(self, finding: Finding) -> None:
        """A row-level finding (rows come in order)."""
        self.rows.append(finding)
        self.severities[finding.severity] += 1
        kind = (finding.severity, finding.rule, finding.column)
        if self._per_kind[kind] < KEEP:
            self._kept.append(finding)
        self._per_kind[kind] += 1

    def set_head(self, findings: list[Finding]) -> None:
        for finding in self.head:
            self.severities[finding.severity] -= 1
        self.head = findings
        self.severities.update(f.severity for f in findings)

    def sample(self) -> list[Finding]:
        """All of them while they fit in memory; else the file-level ones and the first of each kind."""
        return self.head + (self._kept if self.rows.spilled else list(self.rows))

    def __iter__(self) -> Iterator[Finding]:
        yield from self.head
        yield from self.rows

    def __len__(self) -> int:
        return len(self.head) + len(self.rows)

    def __bool__(self) -> bool:
        return len(self) > 0


class Where:
    """The findings of ``findings`` that ``keep``, read again as often as needed (without a copy)."""

    def __init__(self, findings: Iterable[Finding], keep: Callable[[Finding], bool]) -> None:
        self.findings, self.keep = findings, keep

    def __iter__(self) -> Iterator[Finding]:
        return (f for f in self.findings if self.keep(f))

    def __bool__(self) -> bool:
        return any(True for _ in self)


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per problem cell: conversion issues and SHACL results about the same cell
    (file, row, column) are merged, keeping the first (the conversion's, more specific) message
    and the higher severity. File-level findings stay as they are."""
    out: list[Finding] = []
    by_cell: dict[tuple[str, int, str], Finding] = {}
    for f in findings:
        if f.row <= 0 or not f.column:
            out.append(f)
            continue
        key = (f.file, f.row, f.column)
        first = by_cell.get(key)
        if first is None:
            by_cell[key] = f
            out.append(f)
            continue
        if f.rule not in first.rule.split(", "):
            first.rule += ", " + f.rule
        if RANK[f.severity] > RANK[first.severity]:
            first.severity = f.severity
        first.results.extend(f.results)
        first.focus = first.focus or f.focus
        first.value = first.value or f.value
    out.sort(key=lambda f: (f.file, f.row, -RANK[f.severity], f.column))
    return out


class MissingColumns:
    """A rule about a column the file does not have at all is one file-level finding, not one per row."""

    def __init__(self, header: set[str], filename: str) -> None:
        self.header, self.filename = header, filename
        self.folded: dict[tuple[str, str], Finding] = {}

    def take(self, f: Finding) -> bool:
        """Fold ``f`` when it is about a missing column (``True``); else leave it to the caller."""
        if f.source != "shacl" or f.row <= 0 or not f.column or f.column in self.header:
            return False
        key = (f.rule, f.column)
        first = self.folded.get(key)
        if first is None:
            self.folded[key] = Finding(self.filename, 0, f.column, "", f.severity, f.rule, f.message_ja, f.message_en,
                                       f"「{f.column}」の列を追加して値を入れてください。",
                                       f"Add the column {f.column} and fill it in.", "shacl", "", list(f.results), 1)
        else:
            first.results.extend(f.results)
            first.rows += 1
        return True

    def findings(self) -> list[Finding]:
        for f in self.folded.values():
            f.message_ja += f"（列「{f.column}」がファイルにありません。{f.rows} 行）"
            f.message_en += f" (the file has no {f.column} column; {f.rows} rows)"
        return list(self.folded.values())

    @property
    def covered(self) -> set[str]:
        return {column for _, column in self.folded}
