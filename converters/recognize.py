"""Recognition: which standard dataset and header generation a CSV header belongs to.

The score of a (dataset, generation) pair is the Jaccard similarity of the file's normalised
column names and the generation's header, plus a small bonus when the file name carries the
dataset's slug (``222127_aed.csv``). Columns the chosen mapping cannot place are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .mapping import Mapping
from .reader import header_key

FILENAME_BONUS = 0.15
MIN_CONFIDENCE = 0.45  # below: not recognised (a generic 名称,住所,緯度,経度 file is no dataset)
LOW_CONFIDENCE = 0.7  # below: recognised, with a warning


@dataclass(frozen=True)
class Recognition:
    dataset: str | None
    generation: str | None
    confidence: float
    unplaced: tuple[str, ...] = ()
    candidates: tuple[tuple[str, str, float], ...] = field(default=())



def _slug_tokens(filename: str) -> set[str]:
    stem = filename.rsplit(".", 1)[0].lower()
    tokens = set(re.split(r"[^a-z]+", stem)) - {""}
    parts = re.split(r"[^a-z_]+", stem)
    return tokens | {p.strip("_") for p in parts if p}


def recognize(header: Iterable[str], mappings: Iterable[Mapping], *, filename: str = "") -> Recognition:
    """Rank every (dataset, generation) against ``header``; the best one wins."""
    names = [h for h in header if h]
    keys = {header_key(h) for h in names}
    slugs = _slug_tokens(filename)
    scored: list[tuple[float, float, str, str, Mapping]] = []
    for mapping in mappings:
        bonus = FILENAME_BONUS if slugs & set(mapping.filename_slugs) else 0.0
        placed = len(keys & mapping.known_keys) / len(keys) if keys else 0.0
        for generation, columns in mapping.headers.items():
            gen = {header_key(c) for c in columns}
            jaccard = len(keys & gen) / len(keys | gen) if keys | gen else 0.0
            score = min(1.0, 0.8 * jaccard + 0.2 * placed + bonus)
            if jaccard == 1.0:
                score = 1.0
            scored.append((score, jaccard, mapping.dataset, generation, mapping))
    if not scored:
        return Recognition(None, None, 0.0, tuple(names))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0]
    candidates = tuple((d, g, round(s, 3)) for s, _, d, g, _ in scored[:5])
    if best[0] < MIN_CONFIDENCE:
        return Recognition(None, None, round(best[0], 3), tuple(names), candidates)
    mapping = best[4]
    unplaced = tuple(h for h in names if mapping.column_for(h) is None)
    return Recognition(mapping.dataset, best[3], round(best[0], 3), unplaced, candidates)
