"""Categorical cells read as concepts of code lists (pure; the lists and their reading rules are data).

A cell is split into values (:mod:`.tokens`); each value is looked up among the labels of the column's
code lists (``skos:prefLabel``, ``altLabel``, ``hiddenLabel``), compared after folding: NFKC (width),
hiragana as katakana, no spaces, dashes after katakana as ``ー``, lower case, and the list's spelling
variants (``頚`` → ``頸``). What a value says beyond its concept is kept as its note: the text in brackets
(``麻酔科（上川務恵）`` is 麻酔科, note 上川務恵), a qualifier (``私立幼稚園`` is 幼稚園, note 私立). A value
that matches nothing stays text. Reading rules, in order (:meth:`Matcher.match`):

1. the whole value; a missing or repeated suffix (``耳鼻咽喉`` → 耳鼻咽喉科, ``内科科`` → 内科);
2. names joined by ``・`` or spaces that are each a concept (``歯科・小児歯科``), or that share a suffix
   (``乳腺・内分泌外科`` → 乳腺外科 and 内分泌外科);
3. brackets: the value without them (``（歯科）口腔外科``), else the text outside with the inside as note,
   else the values inside with the outside as note;
4. qualifiers and words to ignore taken out (``認可私立保育所``, ``多目的トイレ有り``); a negation
   (``多目的トイレ無し``) matches nothing;
5. two concepts written together (``市指定有形文化財``).

A deprecated concept with a successor (``循環器科``, replaced by 循環器内科) is read as its successor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..vocab.codes import CodeList, Concept
from . import tokens

_HIRAGANA = str.maketrans({chr(c): chr(c + 0x60) for c in range(0x3041, 0x3097)})
_SPACE = re.compile(r"\s+")
_DASH = re.compile(r"(?<=[\u30a1-\u30fa\u30fc])[-\u2010-\u2015\u2212\uff70]")
_STRIP = " \u3000\t。.、,"
MAX_DEPTH = 3


def fold(text: str, variants: Sequence[tuple[str, str]] = ()) -> str:
    """The form labels and values are compared in; ``variants`` are pairs already folded (longest first)."""
    folded = unicodedata.normalize("NFKC", text).translate(_HIRAGANA)
    folded = _DASH.sub("ー", _SPACE.sub("", folded)).lower()
    for written, read in variants:
        folded = folded.replace(written, read)
    return folded


@dataclass(frozen=True, slots=True)
class Match:
    """One value of a cell: as written, its concepts (none when nothing matched) and what they leave out."""

    text: str
    concepts: tuple[Concept, ...] = ()
    note: str = ""
    negated: bool = False  # the value says the concept is absent (``無し``)

    @property
    def matched(self) -> bool:
        return bool(self.concepts)


class _Index:
    """One code list's labels, folded, and its reading rules."""

    def __init__(self, codes: CodeList) -> None:
        self.codes = codes
        r = codes.reading
        self.variants = tuple(sorted(((fold(a), fold(b)) for a, b in r.variants), key=lambda p: -len(p[0])))
        self.suffixes = tuple(sorted({self.fold(s) for s in r.suffixes}, key=len, reverse=True))
        self.shared = tuple(sorted({self.fold(s) for s in r.shared_suffixes}, key=len, reverse=True))
        self.qualifiers = tuple(sorted({self.fold(s) for s in r.qualifiers}, key=len, reverse=True))
        self.ignore = tuple(sorted({self.fold(s) for s in r.ignore}, key=len, reverse=True))
        self.negations = tuple(sorted({self.fold(s) for s in r.negations}, key=len, reverse=True))
        self.short = {self.fold(a): full for a, full in r.abbreviations}  # whole values only
        self.labels: dict[str, Concept] = {}
        for concept in codes.concepts:
            for label in concept.labels:
                key = self.fold(label)
                other = self.labels.setdefault(key, concept)
                if other is not concept:
                    raise ValueError(f"code list {codes.name}: {label!r} names both {other.notation} and "
                                     f"{concept.notation}")

    def fold(self, text: str) -> str:
        return fold(text, self.variants)

    def exact(self, key: str) -> Concept | None:
        """The concept a folded value names, also with its suffix missing or doubled."""
        found = self.labels.get(key)
        if found is not None:
            return found
        for suffix in self.suffixes:
            if key.endswith(suffix + suffix):
                return self.labels.get(key[: -len(suffix)])
        for suffix in self.suffixes:
            if not key.endswith(suffix) and (found := self.labels.get(key + suffix)) is not None:
                return found
        return None

    def resolve(self, concept: Concept) -> tuple[Concept, ...]:
        """A deprecated concept's successors, else the concept."""
        if concept.replaced_by:
            return tuple(self.codes.concept(n) for n in concept.replaced_by)
        return (concept,)


class Matcher:
    """Reads cells as concepts of one or more code lists (the first list that knows a value wins)."""

    def __init__(self, lists: Iterable[CodeList]) -> None:
        self.indexes = tuple(_Index(c) for c in lists)

    # -- whole values -------------------------------------------------------------------------------

    def _exact(self, text: str) -> tuple[Concept, ...] | None:
        for index in self.indexes:
            key = index.fold(text)
            found = index.exact(key)
            if found is not None:
                return index.resolve(found)
            if key in index.short:
                return self._exact(index.short[key])
        return None

    def is_concept(self, text: str) -> bool:
        """Whether ``text`` is one whole concept (a name, with its suffix missing or doubled)."""
        return self._exact(text.strip(_STRIP)) is not None

    def is_label(self, text: str) -> bool:
        """Whether ``text`` is written as one of the concepts' labels (what splits a cell at ``・``)."""
        text = text.strip(_STRIP)
        return any(index.fold(text) in index.labels for index in self.indexes)

    def read(self, cell: str) -> list[Match]:
        """The values of a cell (:func:`.tokens.split`, ``・`` split between labels), each matched."""
        return [self.match(value) for value in tokens.split(cell, whole=self.is_label)]

    def match(self, value: str, _depth: int = 0) -> Match:
        """One value read by the rules of the module docstring."""
        text = value.strip(_STRIP)
        if not text:
            return Match(value)
        found = self._exact(text) or self._joined(text)
        if found:
            return Match(text, _unique(found))
        if _depth < MAX_DEPTH:
            for rule in (self._brackets, self._qualified, self._concatenated):
                result = rule(text, _depth)
                if result is not None:
                    return result
        return Match(text)

    # -- rules ----------------------------------------------------------------------------------------

    def _joined(self, text: str) -> tuple[Concept, ...] | None:
        """Names joined by ``・`` or spaces, each a concept or sharing the suffix of a later one."""
        pieces = [p for p in re.split(r"[・･\s]+", unicodedata.normalize("NFKC", text)) if p]
        if len(pieces) < 2:
            return None
        found: list[Concept] = []
        for i, piece in enumerate(pieces):
            concepts = self._exact(piece)
            if concepts is None:
                concepts = self._shared_suffix(piece, pieces[i + 1:])
            if concepts is None:
                return None
            found += concepts
        return tuple(found)

    def _shared_suffix(self, piece: str, later: list[str]) -> tuple[Concept, ...] | None:
        """``乳腺`` before ``内分泌外科``: 乳腺外科, when that is a concept."""
        for index in self.indexes:
            key = index.fold(piece)
            for after in later:
                folded = index.fold(after)
                for suffix in index.shared:
                    if folded.endswith(suffix) and index.exact(folded) is not None:
                        found = index.exact(key + suffix)
                        if found is not None:
                            return index.resolve(found)
        return None

    def _brackets(self, text: str, depth: int) -> Match | None:
        groups = tokens.spans(text)
        if not groups:
            return None
        inside = [text[a + 1:b].strip(_STRIP) for a, b in groups]
        inside = [g for g in inside if g]
        outer, plain, at = "", "", 0
        for a, b in groups:
            outer += text[at:a]
            plain += text[at:a] + text[a + 1:b]
            at = b + 1
        outer, plain = (outer + text[at:]).strip(_STRIP), plain + text[at:]
        found = self._exact(plain)
        if found:
            return Match(text, _unique(found))
        if outer:
            first = self.match(outer, depth + 1)
            if first.matched:
                notes = [first.note] + [g for g in inside if not self._same(g, first.concepts)]
                return Match(text, first.concepts, _join(notes))
        within = [self.match(v, depth + 1) for g in inside for v in tokens.split(g, whole=self.is_label)]
        if any(m.matched for m in within):
            concepts = tuple(c for m in within for c in m.concepts)
            notes = [outer] + [m.note for m in within] + [m.text for m in within if not m.matched]
            return Match(text, _unique(concepts), _join(notes))
        return None

    def _same(self, text: str, concepts: tuple[Concept, ...]) -> bool:
        found = self._exact(text.strip(_STRIP))
        return found is not None and set(found) <= set(concepts)

    def _qualified(self, text: str, depth: int) -> Match | None:
        for index in self.indexes:
            key = index.fold(text)
            kept: list[str] = []
            for word in index.qualifiers + index.ignore:
                if word and word in key and key != word:
                    key = key.replace(word, "")
                    if word in index.qualifiers:
                        kept.append(word)
            if key != index.fold(text) and key:
                found = index.exact(key)
                if found is not None:
                    return Match(text, index.resolve(found), _join(_as_written(text, kept)))
            key = index.fold(text)
            for word in index.negations:
                if word in key and key != word:
                    rest = key.replace(word, "")
                    for drop in index.ignore:
                        rest = rest.replace(drop, "")
                    if rest and index.exact(rest) is not None:
                        return Match(text, negated=True)
        return None

    def _concatenated(self, text: str, depth: int) -> Match | None:
        """Two concepts with nothing between them (``市指定有形文化財``)."""
        for index in self.indexes:
            key = index.fold(text)
            for i in range(1, len(key)):
                left = self._exact_key(key[:i])
                if left is None:
                    continue
                right = self._exact_key(key[i:])
                if right is not None:
                    return Match(text, _unique(left + right))
        return None

    def _exact_key(self, key: str) -> tuple[Concept, ...] | None:
        for index in self.indexes:
            found = index.labels.get(key)
            if found is not None:
                return index.resolve(found)
        return None


def _as_written(text: str, folded_words: list[str]) -> list[str]:
    """The qualifiers as the value writes them (NFKC), in the value's order."""
    normal = unicodedata.normalize("NFKC", text)
    found = [w for w in folded_words if w in normal]
    return sorted(found or folded_words, key=lambda w: normal.find(w))


def _join(notes: Iterable[str]) -> str:
    return " ".join(n.strip(_STRIP) for n in notes if n and n.strip(_STRIP))


def _unique(concepts: Iterable[Concept]) -> tuple[Concept, ...]:
    return tuple(dict.fromkeys(concepts))
