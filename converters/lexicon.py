"""The lexicon (``data/lexicon.toml``): what a column means whatever a file calls it, and the words that
name a dataset. Pure lookups, loaded on first use.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .reader import header_key

#: prefixes GIS and database exports put before column names (``USER_施設名称``)
_EXPORT_PREFIX = re.compile(r"^(?:user|field|attr|fld|col)_+", re.IGNORECASE)
_NOISE = re.compile(r"[\s_\-.・･()（）\[\]［］【】「」『』<>＜＞:：/／]+")


def concept_key(name: str) -> str:
    """A column name as compared with the lexicon: width, case, spaces, underscores, dashes, dots and
    brackets unified, an export prefix dropped (``USER_施設名称`` → ``施設名称``; ``phoneNumber`` =
    ``phone_number``)."""
    text = unicodedata.normalize("NFKC", name.lstrip("\ufeff")).strip()
    text = _EXPORT_PREFIX.sub("", text)
    return _NOISE.sub("", header_key(text))


@dataclass(frozen=True)
class Concept:
    name: str
    keys: frozenset[str]
    suffixes: tuple[str, ...]
    synonyms: tuple[str, ...] = ()  # as written in the lexicon


@dataclass(frozen=True)
class Lexicon:
    concepts: dict[str, Concept]
    words: dict[str, tuple[str, ...]]  # dataset → words naming it
    #: dataset → its words as compared (:func:`concept_key`) and whether they are ASCII, computed once
    word_keys: dict[str, tuple[tuple[str, bool], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keyed = {dataset: tuple((k, k.isascii()) for k in map(concept_key, words)) for dataset, words in self.words.items()}
        object.__setattr__(self, "word_keys", keyed)

    def concept_of(self, name: str, *, suffixes: bool = True) -> str | None:
        """The concept a column name means, by synonym (exact after normalisation), then by suffix."""
        key = concept_key(name)
        if not key:
            return None
        for concept in self.concepts.values():
            if key in concept.keys:
                return concept.name
        if not suffixes:
            return None
        for concept in self.concepts.values():
            if any(key.endswith(s) and key != s for s in concept.suffixes):
                return concept.name
        return None

    def datasets_named(self, text: str) -> dict[str, int]:
        """The datasets whose words appear in ``text`` (a file name, a title, a value), with how many."""
        key = concept_key(text)
        ascii_tokens = set(re.findall(r"[a-z]+", key))
        found: dict[str, int] = {}
        for dataset, words in self.word_keys.items():
            n = 0
            for w, ascii in words:
                if ascii:
                    n += w in ascii_tokens or (len(w) >= 5 and w in key)
                else:
                    n += w in key
            if n:
                found[dataset] = n
        return found


@cache
def lexicon() -> Lexicon:
    data = tomllib.loads(resources.files(__package__).joinpath("data/lexicon.toml").read_text(encoding="utf-8"))
    concepts = {}
    for name, entry in data.get("concepts", {}).items():
        keys = frozenset(k for k in (concept_key(s) for s in entry.get("synonyms", ())) if k)
        suffixes = tuple(s for s in (concept_key(x) for x in entry.get("suffixes", ())) if s)
        concepts[name] = Concept(name, keys, suffixes, tuple(entry.get("synonyms", ())))
    words = {name: tuple(entry.get("words", ())) for name, entry in data.get("datasets", {}).items()}
    return Lexicon(concepts, words)
