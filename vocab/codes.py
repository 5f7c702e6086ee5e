"""Code lists: the categorical values of the datasets as SKOS concept schemes, shipped as data.

Each list is one TOML file in ``vocab/codes/`` (readable, commented, with its legal or official
source); ``scripts/build_codes.py`` writes the Turtle beside it (``vocab/codes/<name>.ttl``), which the
server serves and ``publish`` loads. The converters read the TOML (:func:`get`) to match cells.

A scheme is ``https://w3id.org/itsutsuboshi/code/<name>``, a concept ``…/code/<name>/<notation>``.
The notation is the official code where one exists (介護保険のサービス種類コード ``11``, 診療科名コード
``01``) and a short English name otherwise (``nursery``). Stdlib only; nothing is read at import.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from .namespaces import ITSU, PREFIXES, expand

#: the namespace of the code lists (the same for every deployment, like ``itsu:``)
CODE = "https://w3id.org/itsutsuboshi/code/"
#: what a scheme says links records to its concepts
CODE_PROPERTY = ITSU + "codeProperty"
FOLDER = "codes"
_NOTATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"scheme", "title", "definition", "property", "sources", "citation", "rights", "license",
             "notation_note", "reading", "components", "concepts", "closed"}
_CONCEPT_KEYS = {"notation", "ja", "en", "alt", "hidden", "broader", "replaced_by", "deprecated", "note"}
_READING_KEYS = {"suffixes", "shared_suffixes", "qualifiers", "ignore", "negations", "variants", "abbreviations"}


class CodeListError(ValueError):
    """A code list file that breaks the format (names the file and the concept)."""


@dataclass(frozen=True, slots=True)
class Concept:
    """One concept: its notation, labels (``ja`` preferred, ``alt`` synonyms, ``hidden`` misspellings and
    abbreviations matched but never shown) and its place in the scheme."""

    scheme: str
    notation: str
    ja: str
    en: str
    alt: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # notations
    replaced_by: tuple[str, ...] = ()  # notations: a deprecated name is read as these
    deprecated: bool = False
    note_ja: str = ""
    note_en: str = ""

    @property
    def iri(self) -> str:
        return concept_iri(self.scheme, self.notation)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the matcher knows the concept by."""
        return (self.ja, self.en, *self.alt, *self.hidden)


@dataclass(frozen=True, slots=True)
class Reading:
    """How cells of this list are read (:mod:`itsutsuboshi.converters.codes`).

    ``suffixes``: endings a value may lack or repeat (``耳鼻咽喉`` is ``耳鼻咽喉科``, ``内科科`` is ``内科``);
    ``shared_suffixes``: endings two names joined by ``・`` share (``乳腺・内分泌外科``); ``qualifiers``: words
    that may stand in a value without changing its concept, kept as its note (``私立``); ``ignore``: words
    dropped without a note (``有り``); ``negations``: words that make a value say the opposite (``無し``),
    never matched; ``variants``: spellings read as another (``頚`` → ``頸``); ``abbreviations``: short forms
    lists use for a whole value (``整`` for 整形外科), read as the name they stand for, never inside a longer value."""

    suffixes: tuple[str, ...] = ()
    shared_suffixes: tuple[str, ...] = ()
    qualifiers: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    variants: tuple[tuple[str, str], ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CodeList:
    """A concept scheme and what is known about it (its source, its licence notes)."""

    name: str
    title_ja: str
    title_en: str
    definition_ja: str
    definition_en: str
    link_property: str  # the property records link its concepts with (full IRI)
    sources: tuple[str, ...]  # dcterms:source: the legal or official sources
    citation_ja: str
    citation_en: str
    rights_ja: str
    rights_en: str
    licence: str
    notation_note_ja: str
    notation_note_en: str
    reading: Reading
    concepts: tuple[Concept, ...]
    components: dict[str, str] = field(default_factory=dict)  # code -> name, for composed notations
    closed: bool = True  # a value outside the list is worth reporting (False: lists often use their own words)
    _by_notation: dict[str, Concept] = field(default_factory=dict, repr=False)

    @property
    def iri(self) -> str:
        return scheme_iri(self.name)

    def concept(self, notation: str) -> Concept:
        """The concept with ``notation``; ``KeyError`` when there is none."""
        try:
            return self._by_notation[notation]
        except KeyError:
            raise KeyError(f"no concept {notation!r} in code list {self.name!r}") from None

    def narrower(self, notation: str) -> list[Concept]:
        return [c for c in self.concepts if notation in c.broader]


def scheme_iri(name: str) -> str:
    return f"{CODE}{name}"


def concept_iri(name: str, notation: str) -> str:
    return f"{CODE}{name}/{notation}"


def names() -> list[str]:
    """The bundled code lists, by name."""
    folder = resources.files(__package__).joinpath(FOLDER)
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def path(name: str, suffix: str = ".ttl") -> Traversable:
    """The bundled file of code list ``name`` (``.ttl`` or ``.toml``)."""
    if name not in names() or suffix not in (".ttl", ".toml"):
        raise KeyError(f"unknown code list {name!r}; known: {', '.join(names())}")
    return resources.files(__package__).joinpath(FOLDER, name + suffix)


@cache
def get(name: str) -> CodeList:
    """The bundled code list ``name`` (read on first use)."""
    text = path(name, ".toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text), source=f"{name}.toml")


def reference(ref: str) -> Concept:
    """The concept ``<list>/<notation>`` (as mapping files name one); ``KeyError`` when unknown."""
    name, slash, notation = ref.partition("/")
    if not slash or name not in names():
        raise KeyError(f"not a concept reference {ref!r}; write <code list>/<notation>, lists: {', '.join(names())}")
    return get(name).concept(notation)


def _words(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CodeListError(f"{where}: {key} must be a list of words")
    return tuple(value)


def _text(data: dict, key: str, where: str) -> tuple[str, str]:
    value = data.get(key, {})
    if isinstance(value, str):
        return value, ""
    if not isinstance(value, dict) or set(value) - {"ja", "en"}:
        raise CodeListError(f"{where}: {key} must be a table of ja and en")
    return value.get("ja", ""), value.get("en", "")


def parse(data: dict, *, source: str) -> CodeList:
    """Check and build a :class:`CodeList` from parsed TOML ``data``."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise CodeListError(f"{source}: unknown keys {sorted(unknown)}")
    name = data.get("scheme", "")
    if not _NAME.match(name) or f"{name}.toml" != source.rsplit("/", 1)[-1]:
        raise CodeListError(f"{source}: scheme must be the file's name in lower case ({name!r})")
    reading_data = data.get("reading", {})
    if set(reading_data) - _READING_KEYS:
        raise CodeListError(f"{source}: unknown reading keys {sorted(set(reading_data) - _READING_KEYS)}")
    variants = reading_data.get("variants", {})
    reading = Reading(suffixes=_words(reading_data, "suffixes", source),
                      shared_suffixes=_words(reading_data, "shared_suffixes", source),
                      qualifiers=_words(reading_data, "qualifiers", source),
                      ignore=_words(reading_data, "ignore", source),
                      negations=_words(reading_data, "negations", source),
                      variants=tuple((str(k), str(v)) for k, v in variants.items()),
                      abbreviations=tuple((str(k), str(v)) for k, v in reading_data.get("abbreviations", {}).items()))
    concepts: list[Concept] = []
    by_notation: dict[str, Concept] = {}
    for i, entry in enumerate(data.get("concepts", [])):
        where = f"{source}: concept {entry.get('notation', i)!r}"
        bad = set(entry) - _CONCEPT_KEYS
        notation = str(entry.get("notation", ""))
        if bad or not _NOTATION.match(notation) or not entry.get("ja") or not entry.get("en"):
            raise CodeListError(f"{where}: needs notation (letters, digits, - and _), ja and en; unknown keys "
                                f"{sorted(bad)}")
        if notation in by_notation:
            raise CodeListError(f"{where}: notation used twice")
        note_ja, note_en = _text(entry, "note", where)
        concept = Concept(name, notation, entry["ja"], entry["en"], _words(entry, "alt", where),
                          _words(entry, "hidden", where), _words(entry, "broader", where),
                          _words(entry, "replaced_by", where), bool(entry.get("deprecated", False)), note_ja, note_en)
        by_notation[notation] = concept
        concepts.append(concept)
    for concept in concepts:
        for other in (*concept.broader, *concept.replaced_by):
            if other not in by_notation:
                raise CodeListError(f"{source}: concept {concept.notation!r} refers to unknown {other!r}")
    try:
        prop = expand(data["property"])
    except (KeyError, ValueError) as exc:
        raise CodeListError(f"{source}: property must be a prefixed name ({exc})") from exc
    title, definition = _text(data, "title", source), _text(data, "definition", source)
    citation, rights = _text(data, "citation", source), _text(data, "rights", source)
    notation_note = _text(data, "notation_note", source)
    return CodeList(name, *title, *definition, prop, _words(data, "sources", source), *citation, *rights,
                    data.get("license", ""), *notation_note, reading, tuple(concepts),
                    {str(k): str(v) for k, v in data.get("components", {}).items()},
                    bool(data.get("closed", True)), by_notation)


# --- Turtle --------------------------------------------------------------------------------------

_TTL_PREFIXES = ("skos", "dcterms", "rdfs", "owl", "ic", "itsu")


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _pair(ja: str, en: str) -> list[str]:
    return [x for x in (_lit(ja, "ja") if ja else "", _lit(en, "en") if en else "") if x]


def _block(subject: str, props: list[tuple[str, list[str]]]) -> str:
    lines = [f"{p} {', '.join(objects)}" for p, objects in props if objects]
    return subject + " " + " ;\n    ".join(lines) + " .\n"


def turtle(codes: CodeList) -> str:
    """The code list as Turtle: the scheme, then each concept in the file's order (deterministic)."""
    prefixes = {p: PREFIXES[p] for p in _TTL_PREFIXES}
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
    head += f"@prefix c: <{codes.iri}/> .\n\n"
    head += (f"# {codes.title_ja} / {codes.title_en}: written by scripts/build_codes.py from "
             f"vocab/codes/{codes.name}.toml; edit that file, not this one.\n")
    tops = [c for c in codes.concepts if not c.broader]
    scheme = _block(f"<{codes.iri}>", [
        ("a", ["skos:ConceptScheme"]),
        ("skos:prefLabel", _pair(codes.title_ja, codes.title_en)),
        ("rdfs:label", _pair(codes.title_ja, codes.title_en)),
        ("skos:definition", _pair(codes.definition_ja, codes.definition_en)),
        ("dcterms:source", [f"<{s}>" for s in codes.sources]),
        ("dcterms:bibliographicCitation", _pair(codes.citation_ja, codes.citation_en)),
        ("dcterms:rights", _pair(codes.rights_ja, codes.rights_en)),
        ("dcterms:license", [f"<{codes.licence}>"] if codes.licence else []),
        ("skos:editorialNote", _pair(codes.notation_note_ja, codes.notation_note_en)),
        ("itsu:codeProperty", [_curie(codes.link_property)]),
        ("skos:hasTopConcept", [f"c:{c.notation}" for c in tops]),
    ])
    blocks = [head, scheme]
    for c in codes.concepts:
        labels = _pair(c.ja, c.en)
        blocks.append(_block(f"c:{c.notation}", [
            ("a", ["skos:Concept", "ic:コード型"]),
            ("skos:inScheme", [f"<{codes.iri}>"]),
            ("skos:topConceptOf", [f"<{codes.iri}>"] if not c.broader else []),
            ("skos:notation", [_lit(c.notation)]),
            ("skos:prefLabel", labels),
            ("rdfs:label", labels),
            ("skos:altLabel", [_lit(a, "ja") for a in c.alt]),
            ("skos:hiddenLabel", [_lit(h, "ja") for h in c.hidden]),
            ("skos:broader", [f"c:{b}" for b in c.broader]),
            ("skos:narrower", [f"c:{n.notation}" for n in codes.narrower(c.notation)]),
            ("skos:scopeNote", _pair(c.note_ja, c.note_en)),
            ("owl:deprecated", ["true"] if c.deprecated else []),
            ("dcterms:isReplacedBy", [f"c:{r}" for r in c.replaced_by]),
        ]))
    return "\n".join(blocks)


def _curie(iri: str) -> str:
    for p in _TTL_PREFIXES:
        ns = PREFIXES[p]
        if iri.startswith(ns) and re.fullmatch(r"[^\W\d][\w-]*", iri[len(ns):]):
            return f"{p}:{iri[len(ns):]}"
    return f"<{iri}>"
