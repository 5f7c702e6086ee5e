"""Recognition: which dataset a table is, and which of its columns is which of the dataset's fields.

The evidence, combined:

- the header as a whole against each standard header generation of each dataset (Jaccard similarity;
  an exact standard header is certain);
- each column against each field of each dataset, by its name (a standard name or alias; a synonym of the
  field's concept in the lexicon, :mod:`.lexicon`) and by its values (:mod:`.profile`: a phone-number column
  is phone numbers whatever it is called), assigned one to one by the best assignment (:mod:`.assign`);
  fields that only one or two datasets have weigh more than those every dataset has (名称, 住所, 緯度 …);
- words naming a dataset in the file name, the title rows, the LinkData metadata, the header and the values
  (保育所, 病院, 避難 …).

Evidence that is only generic (名称, 住所, 電話番号, 緯度, 経度) names no dataset: such a table is converted
as a generic table (``table``), with the best candidates named. Columns the chosen mapping cannot place
are listed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field, replace
from functools import cache

from .assign import best_assignment
from .lexicon import concept_key, lexicon
from .mapping import ColumnSpec, Mapping
from .profile import Profile, expected_kind, profiles
from .reader import header_key

FILENAME_BONUS = 0.15
MIN_CONFIDENCE = 0.45  # the header alone: below this, no standard generation is close
LOW_CONFIDENCE = 0.7  # below: recognised, with a warning
ACCEPT = 0.6  # all the evidence: below this a table is generic
MARGIN = 0.15  # … and so is one whose two best datasets are this close
FAINT, WIDE_MARGIN = 0.45, 0.25  # weaker evidence is enough when no other dataset comes near
STANDARD_MARGIN = 0.1  # a header this much closer to one dataset's standard than to any other's decides
SUPPORT_RATIO = 1.3  # … and so do distinctive fields this many times those of any other dataset
MIN_PAIR = 0.3  # a column and a field below this score are not paired
#: kinds of value that identify a field on their own, whatever the column is called
SELF_EVIDENT = {"lat": 0.55, "lon": 0.55, "latlon": 0.55, "phone": 0.45, "postal": 0.45, "email": 0.5, "url": 0.45,
                "lgcode": 0.5, "houjin": 0.5, "kana": 0.4}
#: metadata rows that name the file or its contents (LinkData ``#file_name``, ``#title`` …)
TITLE_KEYS = ("title", "file_name", "filename", "name", "dataset", "タイトル", "ファイル名", "データ名")


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the file placed on a field of the dataset, with the score and what it rests on."""

    header: str
    field: str
    score: float
    evidence: str


@dataclass(frozen=True)
class Recognition:
    dataset: str | None
    generation: str | None
    confidence: float
    unplaced: tuple[str, ...] = ()
    candidates: tuple[tuple[str, str, float], ...] = field(default=())
    mapping: Mapping | None = None  # the mapping to convert with, its fields bound to this file's columns
    columns: tuple[ColumnMatch, ...] = ()
    evidence: tuple[str, ...] = ()  # what decided the dataset
    generic: bool = False


def _slug_tokens(filename: str) -> set[str]:
    stem = filename.rsplit(".", 1)[0].lower()
    tokens = set(re.split(r"[^a-z]+", stem)) - {""}
    parts = re.split(r"[^a-z_]+", stem)
    return tokens | {p.strip("_") for p in parts if p}


def field_concepts(mapping: Mapping) -> dict[str, str]:
    """The concept of each field of ``mapping`` (by field name), cached per mapping's fields."""
    return _field_concepts(mapping.columns)


@cache
def _field_concepts(columns: tuple[ColumnSpec, ...]) -> dict[str, str]:
    """A field's role says its concept (the record's name, ID, publisher code, coordinates); else the lexicon
    through its own name (synonyms; of the suffix rules only kana and English names: a field named 場所名称 is
    not the record's 名称, 介護サービス事業所名称_カナ is its kana); else through an alias, unless another field
    of the dataset has that concept by name (高松市's ``address`` holds the 番地 only); else its own name."""
    lex = lexicon()
    by_name: dict[str, str | None] = {}
    for spec in columns:
        if spec.role in _ROLE_CONCEPTS and spec.on == "record":
            by_name[spec.name] = _ROLE_CONCEPTS[spec.role]
            continue
        found = lex.concept_of(spec.name, suffixes=False) or lex.concept_of(spec.name)
        by_name[spec.name] = found if found and (found in ("kana", "name_en") or
                                                 lex.concept_of(spec.name, suffixes=False)) else None
    claimed = {c for c in by_name.values() if c}
    concepts: dict[str, str] = {}
    for spec in columns:
        concept = by_name[spec.name]
        if concept is None:
            concept = next((c for c in (lex.concept_of(a, suffixes=False) for a in spec.aliases)
                            if c and c not in claimed), None)
        concepts[spec.name] = concept or "own:" + concept_key(spec.name)
    return concepts


_ROLE_CONCEPTS = {"name": "name", "id": "id", "publisher": "publisher_code", "lat": "lat", "lon": "lon",
                  "latlon": "latlon"}


def _weights(mappings: Sequence[Mapping]) -> dict[str, float]:
    """How much a field of each concept says about the dataset: 1 when only this dataset has it, falling
    to 0 when every dataset has it (名称, 住所, 緯度 … tell datasets apart not at all)."""
    count: dict[str, int] = {}
    for m in mappings:
        for concept in set(field_concepts(m).values()):
            count[concept] = count.get(concept, 0) + 1
    total = len(mappings)
    if total <= 1:
        return dict.fromkeys(count, 1.0)
    return {c: max(0.0, 1.0 / n - 1.0 / total) * total / (total - 1) for c, n in count.items()}


def _pair_score(header: str, key: str, concept: str | None, spec: ColumnSpec, profile: Profile,
                field_concept: str) -> tuple[float, str]:
    kind = expected_kind(spec.targets[0].normalizer, spec.role)
    filled = 1.0 - profile.blank
    share = profile.share(kind) if kind else 0.0
    if key in spec.keys:
        if kind and filled >= 0.2 and share < 0.5:
            return 0.85, f"standard name; values {share:.0%} {kind}"
        return 1.0, "standard name"
    if concept is not None and concept == field_concept:
        if kind and filled > 0:
            return 0.9 * (0.55 + 0.45 * share), f"lexicon: {concept}; values {share:.0%} {kind}"
        return 0.85, f"lexicon: {concept}"
    if kind in SELF_EVIDENT and filled >= 0.3 and share >= 0.8:
        return SELF_EVIDENT[kind] * share, f"values: {share:.0%} {kind}"
    return 0.0, ""


def _assign(names: list[str], keys: list[str], concepts: list[str | None], found: list[Profile],
            mapping: Mapping) -> list[ColumnMatch]:
    specs = list(mapping.columns)
    fields = field_concepts(mapping)
    scored = [[_pair_score(n, k, c, s, p, fields[s.name]) for s in specs]
              for n, k, c, p in zip(names, keys, concepts, found, strict=True)]
    rows = [i for i, row in enumerate(scored) if any(x >= MIN_PAIR for x, _ in row)]
    cols = [j for j in range(len(specs)) if any(scored[i][j][0] >= MIN_PAIR for i in rows)]
    matrix = [[scored[i][j][0] for j in cols] for i in rows]
    pairs = best_assignment(matrix, minimum=MIN_PAIR)
    return [ColumnMatch(names[rows[a]], specs[cols[b]].name, round(scored[rows[a]][cols[b]][0], 3),
                        scored[rows[a]][cols[b]][1]) for a, b in pairs]


def _words(lines: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in lines:
        for dataset, n in lexicon().datasets_named(line).items():
            found[dataset] = found.get(dataset, 0) + n
    return found


def _value_words(found: list[Profile]) -> dict[str, float]:
    """For each dataset, the largest share of a column's values that name it (保育所 in a name column)."""
    best: dict[str, float] = {}
    for profile in found:
        total = sum(profile.values.values())
        if not total:
            continue
        hits: dict[str, int] = {}
        for value, n in profile.values.most_common(100):
            for dataset in lexicon().datasets_named(value):
                hits[dataset] = hits.get(dataset, 0) + n
        seen = sum(n for _, n in profile.values.most_common(100))
        for dataset, n in hits.items():
            best[dataset] = max(best.get(dataset, 0.0), n / seen)
    return best


def _standard(keys: set[str], mapping: Mapping, slugs: set[str]) -> tuple[float, float, str | None]:
    """The header against the dataset's standard generations: (score, Jaccard, generation)."""
    bonus = FILENAME_BONUS if slugs & set(mapping.filename_slugs) else 0.0
    placed = len(keys & mapping.known_keys) / len(keys) if keys else 0.0
    best: tuple[float, float, str | None] = (0.0, 0.0, None)
    for generation, columns in mapping.headers.items():
        gen = {header_key(c) for c in columns}
        jaccard = len(keys & gen) / len(keys | gen) if keys | gen else 0.0
        score = 1.0 if jaccard == 1.0 else min(1.0, 0.8 * jaccard + 0.2 * placed + bonus)
        best = max(best, (score, jaccard, generation), key=lambda b: (b[0], b[1]))
    return best


def bind(mapping: Mapping, columns: Sequence[ColumnMatch], header: Iterable[str] = ()) -> Mapping:
    """``mapping`` with its fields found under the file's column names: each column of ``header`` stands
    for the field it was assigned, or for none (a custom column) even if its name is one the mapping knows."""
    by_key = dict(mapping._by_key)
    for name in header:
        by_key.pop(header_key(name), None)
    specs = {s.name: s for s in mapping.columns}
    for match in columns:
        by_key[header_key(match.header)] = specs[match.field]
    return replace(mapping, _by_key=by_key)


def recognize(header: Iterable[str], mappings: Iterable[Mapping], *, filename: str = "",
              rows: Sequence[Sequence[str]] = (), metadata: MappingType[str, str] | None = None,
              comments: Iterable[str] = (), generic: Mapping | None = None) -> Recognition:
    """Decide the dataset of a table from its ``header``, a sample of its ``rows``, its ``filename``, its
    ``#`` metadata rows and title rows (``comments``). With ``generic``, a table no dataset fits is
    recognised as that generic mapping instead of not at all."""
    header = list(header)
    candidates = list(mappings)
    names = [h for h in header if h]
    keys = [header_key(h) for h in names]
    concepts = [lexicon().concept_of(h) for h in names]
    width = len(header)
    all_profiles = profiles(rows, width) if rows else [Profile() for _ in range(width)]
    found = [all_profiles[i] for i, h in enumerate(header) if h]
    key_set, slugs = set(keys), _slug_tokens(filename)
    weights = _weights(candidates)
    titles = [filename.rsplit(".", 1)[0], *comments]
    titles += [v for k, v in (metadata or {}).items() if k.strip().lower() in TITLE_KEYS]
    named = _words(titles)
    in_header = _words([" ".join(names)])
    in_values = _value_words(found)
    scored: list[tuple[float, float, str | None, Mapping, list[ColumnMatch], list[str], float, float]] = []
    for mapping in candidates:
        standard, jaccard, generation = _standard(key_set, mapping, slugs)
        if jaccard == 1.0:
            matched = [ColumnMatch(n, mapping.column_for(n).name, 1.0, "standard name")  # type: ignore[union-attr]
                       for n in names if mapping.column_for(n) is not None]
            scored.append((1.0, 1.0, generation, mapping, matched, ["the standard header"], 1.0, 1.0))
            continue
        matched = _assign(names, keys, concepts, found, mapping)
        by_name = {m.header: m for m in matched}
        fields = field_concepts(mapping)
        support = sum(m.score * weights.get(fields[m.field], 1.0) for m in by_name.values())
        structure = 1.0 - math.exp(-support)
        words = max(0.8 if named.get(mapping.dataset) else 0.0, 0.5 if in_header.get(mapping.dataset) else 0.0,
                    0.9 * in_values.get(mapping.dataset, 0.0) if in_values.get(mapping.dataset, 0.0) >= 0.3 else 0.0)
        combined = 1.0 - (1.0 - structure) * (1.0 - words)
        evidence = [f"fields {structure:.2f}"] + ([f"words {words:.2f}"] if words else [])
        if standard >= combined:
            evidence.insert(0, f"standard header {standard:.2f}")
        # the header close to a standard one is the strongest evidence short of it; the fields alone less so
        coverage = support  # the distinctive fields found, before they saturate into a confidence
        scored.append((max(min(0.99, standard), min(0.95, combined)), jaccard, generation, mapping, matched, evidence,
                       standard, coverage))
    if not scored:
        return Recognition(None, None, 0.0, tuple(names))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0]
    listed = tuple((s[3].dataset, s[2] or "-", round(s[0], 3)) for s in scored[:5])
    second = scored[1][0] if len(scored) > 1 else 0.0
    other_standard = max((s[6] for s in scored[1:]), default=0.0)
    certain = best[1] == 1.0 or best[6] >= LOW_CONFIDENCE and best[6] - other_standard >= STANDARD_MARGIN
    other_support = max((s[7] for s in scored[1:]), default=0.0)
    ahead = best[0] - second >= MARGIN or best[7] >= 1.0 and best[7] >= SUPPORT_RATIO * other_support
    clear = best[0] >= ACCEPT and ahead or best[0] >= FAINT and best[0] - second >= WIDE_MARGIN
    if not certain and not clear:
        if generic is None:
            return Recognition(None, None, round(best[0], 3), tuple(names), listed)
        matched = _assign(names, keys, concepts, found, generic)
        bound = bind(generic, matched, names)
        unplaced = tuple(n for n in names if bound.column_for(n) is None)
        return Recognition(generic.dataset, None, round(best[0], 3), unplaced, listed, bound, tuple(matched),
                           ("no dataset fits",), True)
    confidence, _, generation, mapping, matched, evidence, _, _ = best
    bound = bind(mapping, matched, names)
    unplaced = tuple(n for n in names if bound.column_for(n) is None)
    return Recognition(mapping.dataset, generation or "other", round(confidence, 3), unplaced, listed, bound,
                       tuple(matched), tuple(evidence))
