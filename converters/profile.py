"""What a column's values look like: the share of a sample that reads as a latitude in Japan, a phone
number, a date, a 団体コード with a valid check digit, kana, an address … Value evidence confirms or
rejects a column name, and finds columns whose names say nothing (``列1``, ``備考2``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .normalize import NORMALIZERS, houjin_valid, lgcode_valid, nfkc, parse_degrees

SAMPLE = 200
LAT = (20.0, 46.0)
LON = (122.0, 154.0)
_KANA = re.compile(r"^[\u3040-\u309f\u30a0-\u30ff\uff66-\uff9f\s・ー\-－（）()]+$")
_ADDRESS = re.compile(r"(都|道|府|県|市|区|町|村|郡)\S*?(\d|[一二三四五六七八九十]+丁目|番地|番|号|字)")
_INTEGER = re.compile(r"^[+-]?\d{1,3}(,\d{3})*$|^[+-]?\d+$")

#: kinds a value can be, as the normaliser a column spec names (``as = …``) or a role
KINDS = ("lat", "lon", "latlon", "phone", "postal", "url", "email", "date", "time", "weekdays", "flag", "lgcode",
         "houjin", "kana", "address", "integer", "decimal")


@dataclass
class Profile:
    """The share of a column's sampled non-blank values that reads as each kind; ``blank``: the share of
    blank cells; ``values``: the distinct sample values (for vocabularies)."""

    shares: dict[str, float] = field(default_factory=dict)
    blank: float = 1.0
    values: Counter = field(default_factory=Counter)

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)


def _accepts(kind: str, value: str) -> bool:
    if kind in ("lat", "lon"):
        deg = parse_degrees(value)
        low, high = LAT if kind == "lat" else LON
        return deg is not None and low <= deg <= high
    if kind == "latlon":
        values, problem, _ = NORMALIZERS["latlon"](value)
        if problem is not None or len(values) != 2:
            return False
        a, b = float(values[0].value), float(values[1].value)
        return (LAT[0] <= a <= LAT[1] and LON[0] <= b <= LON[1]) or (LAT[0] <= b <= LAT[1] and LON[0] <= a <= LON[1])
    if kind == "lgcode":
        digits = re.sub(r"\D", "", nfkc(value))
        return len(digits) == 6 and lgcode_valid(digits) and value.strip().isdigit()
    if kind == "houjin":
        digits = re.sub(r"\D", "", nfkc(value))
        return len(digits) == 13 and houjin_valid(digits)
    if kind == "kana":
        return bool(_KANA.match(unicodedata.normalize("NFKC", value))) and any(c not in " ・ー-－()（）" for c in value)
    if kind == "address":
        return bool(_ADDRESS.search(nfkc(value)))
    if kind == "integer":
        return bool(_INTEGER.match(nfkc(value).strip()))
    if kind == "phone":
        s = nfkc(value)
        return NORMALIZERS["phone"](value)[1] is None and ("-" in s or "(" in s or s.startswith("0"))
    if kind == "date":
        s = nfkc(value).strip()
        return NORMALIZERS["date"](value)[1] is None and not s.isdigit() or (s.isdigit() and 20000 <= int(s) <= 60000
                                                                             and len(s) == 5)
    normalizer = NORMALIZERS[kind]
    values, problem, lossy = normalizer(value)
    return problem is None and bool(values) and not lossy


def profile(values: Iterable[str]) -> Profile:
    """Profile a column from its cells (the first :data:`SAMPLE` are read)."""
    sample = [v.strip() for _, v in zip(range(SAMPLE), values, strict=False)]
    filled = [v for v in sample if v]
    found = Profile(blank=1.0 - len(filled) / len(sample) if sample else 1.0, values=Counter(filled))
    if not filled:
        return found
    distinct = list(found.values)
    for kind in KINDS:
        hits = sum(found.values[v] for v in distinct if _accepts(kind, v))
        found.shares[kind] = hits / len(filled)
    return found


def profiles(rows: Sequence[Sequence[str]], width: int) -> list[Profile]:
    """Profiles of every column of a sample of rows."""
    return [profile(row[i] if i < len(row) else "" for row in rows) for i in range(width)]


#: the kind a column spec's normaliser (``as``) expects of its values
EXPECTED = {"coordinate": None, "latlon": "latlon", "phone": "phone", "fax": "phone", "postal": "postal",
            "url": "url", "email": "email", "date": "date", "time": "time", "weekdays": "weekdays",
            "weekday_iris": "weekdays", "flag": "flag", "lgcode": "lgcode", "houjin": "houjin", "kana": "kana",
            "integer": "integer", "count": "integer", "decimal": "decimal", "price": "integer"}


def expected_kind(normalizer: str, role: str | None) -> str | None:
    """What a column spec expects: ``lat``/``lon`` by role, else from its normaliser (``None``: free text)."""
    if role in ("lat", "lon", "latlon"):
        return role
    return EXPECTED.get(normalizer)
