"""Columns that name concepts of code lists (``codes = "…"``, ``concept = "…"`` in a mapping).

A text column with ``codes`` is split into values by :mod:`.tokens` (separators outside brackets, ``・``
between whole concepts) instead of its ``split`` pattern; each value is written at the column's path as
written, and the concepts it names (:class:`.concepts.Matcher`) are linked from the record with the
property their code list names (``itsu:medicalSubjectCode``, ``ic:種別コード`` …). A value that names no
concept stays text, and is reported (``link.code_unmatched``) when the lists are closed (``closed`` in the
code list: a 診療科 outside the statutory names is worth a note, a municipality's own data category is not). A yes/no column with ``concept`` links that one
concept when the cell says yes (``災害種別_洪水`` → ``disaster_type/flood``).

:func:`compile_target` gives the engine a column's normaliser and handler once per file; :class:`CodeStats`
counts the values and the matches per column, for the link report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from ..vocab import codes as code_lists
from ..vocab.namespaces import XSD
from .concepts import Match, Matcher
from .model import IRI, Lit
from .normalize import CACHE_LIMIT, Normalizer
from .paths import Target
from .roles import Handler, RowState, plain

_TRUE = Lit("true", XSD + "boolean")
UNMATCHED_KEPT = 200  # distinct unmatched values remembered per column (the counts stay exact)


@cache
def matcher(lists: tuple[str, ...]) -> Matcher:
    """The matcher of the code lists ``lists`` (built once per process)."""
    return Matcher(code_lists.get(name) for name in lists)


@dataclass
class CodeStats:
    """Per column (its header) and code lists: values read, matched, matched with a note, negated; and the
    values that matched nothing."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (column, lists, outcome) -> n
    unmatched: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    def count(self, column: str, lists: str, found: list[Match]) -> None:
        for m in found:
            outcome = "negated" if m.negated else "unmatched" if not m.matched else "noted" if m.note else "matched"
            self.counts[(column, lists, outcome)] += 1
            if outcome == "unmatched":
                kept = self.unmatched.setdefault((column, lists), Counter())
                if m.text in kept or len(kept) < UNMATCHED_KEPT:
                    kept[m.text] += 1

    def merge(self, other: CodeStats) -> None:
        """Add what another converter (a parallel worker) counted."""
        self.counts.update(other.counts)
        for key, texts in other.unmatched.items():
            kept = self.unmatched.setdefault(key, Counter())
            for text, n in texts.items():
                if text in kept or len(kept) < UNMATCHED_KEPT:
                    kept[text] += n

    def take(self) -> CodeStats:
        """What was counted so far, handed over and forgotten."""
        taken = CodeStats(self.counts, self.unmatched)
        self.counts, self.unmatched = Counter(), {}
        return taken

    def rows(self) -> list[tuple[str, str, int, int, dict[str, int]]]:
        """(column, lists, values, matched, outcomes) per column."""
        table: dict[tuple[str, str], dict[str, int]] = {}
        for (column, lists, outcome), n in self.counts.items():
            table.setdefault((column, lists), {})[outcome] = n
        return [(column, lists, sum(o.values()), o.get("matched", 0) + o.get("noted", 0), dict(sorted(o.items())))
                for (column, lists), o in sorted(table.items())]


def compile_target(target: Target, normalize: Normalizer, handle: Handler, *, header: str,
                   stats: CodeStats) -> tuple[Normalizer, Handler, bool]:
    """The normaliser and handler of a target that names concepts (``target.codes`` or
    ``target.concept``), and whether the cell is still split by ``target.split``; others unchanged."""
    if target.concept:
        return normalize, _flag_handler(target, handle), True
    if not target.codes:
        return normalize, handle, True
    m = matcher(target.codes)
    lists = ",".join(target.codes)
    closed = all(code_lists.get(name).closed for name in target.codes)  # values outside are reported
    read: dict[str, list[Match]] = {}

    def matches(cell: str) -> list[Match]:
        found = read.get(cell)
        if found is None:
            found = m.read(cell)
            if len(read) < CACHE_LIMIT:
                read[cell] = found
        return found

    def normalize_values(cell: str):
        """Each value of the cell normalised; the first problem, else the values no concept knows."""
        values: list = []
        problem = None
        lossy = False
        found = matches(cell)
        for match in found:
            v, p, lo = normalize(match.text)
            values += v
            problem = problem or p
            lossy = lossy or lo
        missing = [x.text for x in found if not x.matched and not x.negated]
        if problem is None and missing and closed:
            problem = ("link.code_unmatched", f"{'、'.join(missing)} ({lists})")
        return values, problem, lossy

    prop = tuple(code_lists.get(name).link_property for name in target.codes)

    def link(state: RowState, t: Target, values: list, problem, cell: str, column: str) -> bool:
        found = matches(cell)
        stats.count(header, lists, found)
        props = state.root.props
        for match in found:
            for concept in match.concepts:
                pair = (prop[target.codes.index(concept.scheme)], IRI(concept.iri))
                if pair not in props:
                    props.append(pair)
        return handle is plain or handle(state, t, values, problem, cell, column)

    return normalize_values, link, False


def _flag_handler(target: Target, handle: Handler) -> Handler:
    concept = code_lists.reference(target.concept or "")
    pair = (code_lists.get(concept.scheme).link_property, IRI(concept.iri))

    def link(state: RowState, t: Target, values: list, problem, cell: str, column: str) -> bool:
        if any(type(v) is Lit and v == _TRUE for v in values) and pair not in state.root.props:
            state.root.props.append(pair)
        return handle is plain or handle(state, t, values, problem, cell, column)

    return link
