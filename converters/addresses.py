"""Japanese address normalisation and matching to the ABR 町字 master, offline.

:func:`match_address` reads an address from the left: 都道府県, then 市区町村 (with or without 郡,
政令指定都市 with or without the 区), then the longest 町字 of that municipality in the shipped
master (:mod:`.towns`). A 団体コード hint supplies the municipality when the text starts below it
(``本町1-2-3``); a municipality named in the text wins over the hint. Matching keys fold width,
spaces, dash variants, 丁目 numerals (``1丁目`` = ``一丁目`` = ``１丁目``, and ``本町1-2-3`` =
``本町一丁目2-3`` where that 丁目 exists), optional 大字 / 字 prefixes and the ケ/ヶ/が and の/ノ/之
spellings. What follows the 町字 comes back tidied in :attr:`AddressMatch.rest` (``2番3号`` → ``2-3``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .local_governments import LocalGovernment, all_local_governments
from .normalize import lgcode_check_digit
from .towns import Town, prefectures, towns_of

__all__ = ["AddressMatch", "match_address", "normalize_address"]

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−─━﹣⁃", "-"))  # after NFKC (－ is then -, ｰ is ー)
_SPACE = re.compile(r"\s+")
_DIGIT_DASH = re.compile(r"(?<=[0-9])[ーの]+(?=[0-9])")
_KANJI = "〇一二三四五六七八九十百千"
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHOME_KANJI = re.compile(f"[{_KANJI}]+(?=丁目)")
_BANCHI_KANJI = re.compile(f"[{_KANJI}]+(?=番地|番|号)")
_BANCHI_SEP = re.compile(r"(?<=[0-9])(?:番地|番|号)の?-?(?=[0-9])")
_CHOME_SEP = re.compile(r"(?<=[0-9])丁目-?(?=[0-9])")
_BANCHI_END = re.compile(r"(?<=[0-9])(?:番地|番|号)(?=$|[^\w])")
_CHOME = re.compile(f"([0-9]+|[{_KANJI}]+)丁")
_CHOME_NEXT = re.compile(r"([0-9]+)(?:-(?=[0-9]{1,3}(?![0-9]))|$)")  # 本町1-2-3, not 浜当目3-1731
_POSTAL = re.compile(r"〒?[0-9]{3}-[0-9]{4}|〒[0-9]{7}")
_FOLD = str.maketrans("ヶヵがのノ之ッ髙﨑濵邉邊", "ケケケノノノツ高崎浜辺辺")  # one-to-one: positions stay aligned
_ELIDE = re.compile(r"(?<=[\u4e00-\u9fff])ケ(?=[\u4e00-\u9fff])")  # 市ケ谷 = 市谷


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """How far an address resolved: ``level`` is ``"town"``, ``"city"``, ``"prefecture"`` or ``None``."""

    level: str | None
    lg_code: str | None  # 6-digit 団体コード of the municipality (or of the prefecture at that level)
    town: Town | None  # the 町字 at level "town"
    rest: str  # what follows the matched part (番地・号・建物), normalised
    reason: str  # "" at level "town"; else no_master, no_town, no_city, empty, ambiguous


def _kanji_int(s: str) -> int:
    """``三`` → 3, ``二十一`` → 21, ``一〇`` → 10."""
    if not any(c in _KANJI_UNITS for c in s):
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total = num = 0
    for c in s:
        if c in _KANJI_UNITS:
            total += (num or 1) * _KANJI_UNITS[c]
            num = 0
        else:
            num = num * 10 + _KANJI_DIGITS[c]
    return total + num


def _arabic(m: re.Match[str]) -> str:
    return str(_kanji_int(m.group()))


def normalize_address(text: object) -> str:
    """The canonical spelling: NFKC, no spaces, ``-`` for every dash (and ``ー``/``の`` between digits),
    arabic 丁目 numerals, and arabic 番地/番/号 written with hyphens (``1番地の2`` → ``1-2``)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    s = unicodedata.normalize("NFKC", text)
    s = _SPACE.sub("", s).translate(_DASHES)
    s = _DIGIT_DASH.sub("-", s)
    if "丁目" in s:
        s = _CHOME_KANJI.sub(_arabic, s)
    if "番" in s or "号" in s:
        s = _BANCHI_END.sub("", _BANCHI_SEP.sub("-", s))
    return s


def _tidy(rest: str) -> str:
    """番地・号 after the 町字, kanji numerals included (``三番地の五`` → ``3-5``)."""
    s = _CHOME_SEP.sub("-", _BANCHI_KANJI.sub(_arabic, rest))
    return _BANCHI_END.sub("", _BANCHI_SEP.sub("-", s)).lstrip("-")


def _key(text: str) -> str:
    return normalize_address(text).translate(_FOLD)


def _strip_aza(key: str) -> str:
    return key[2:] if key.startswith("大字") else key[1:] if key.startswith("字") else key


# --- local governments ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cities:
    prefs: dict[str, str]  # key → prefecture 団体コード
    pref_lengths: tuple[int, ...]
    names: dict[str, tuple[str, ...]]  # key → 団体コード of 市区町村 (incl. 札幌市 and 札幌市中央区)
    lengths: tuple[int, ...]
    wards: dict[str, dict[str, str]]  # 政令指定都市 code → ward key → ward code
    parent: dict[str, str]  # ward code → 政令指定都市 code


@cache
def _cities() -> _Cities:
    lgs = all_local_governments()
    prefs = {_key(lg.pref): code for code, lg in lgs.items() if not lg.city}
    cities = {(lg.pref, lg.city): code for code, lg in lgs.items() if lg.city and not lg.ward}
    names: dict[str, list[str]] = {}
    wards: dict[str, dict[str, str]] = {}
    parent: dict[str, str] = {}
    for code, lg in lgs.items():
        if not lg.city:
            continue
        keys = {_key(lg.city + lg.ward)}
        if lg.county:
            keys.add(_key(lg.county + lg.city))
        for key in keys:
            names.setdefault(key, []).append(code)
        if lg.ward and (lg.pref, lg.city) in cities:
            parent[code] = cities[lg.pref, lg.city]
            wards.setdefault(parent[code], {})[_key(lg.ward)] = code
    return _Cities(prefs, _lengths(prefs), {k: tuple(v) for k, v in names.items()}, _lengths(names), wards, parent)


def _lengths(keys: Iterable[str]) -> tuple[int, ...]:
    return tuple(sorted({len(k) for k in keys if k}, reverse=True))


def _hint(lg_code: object) -> LocalGovernment | None:
    """The local government of a 団体コード hint (5 digits get their check digit), else None."""
    if lg_code is None:
        return None
    code = unicodedata.normalize("NFKC", str(lg_code)).strip()
    if len(code) == 5 and code.isdigit():
        code += lgcode_check_digit(code)
    return all_local_governments().get(code)


def _match_city(k: str, p: int, pref: str | None, hint: LocalGovernment | None) -> tuple[str | None, int, bool]:
    """(団体コード, end, ambiguous) of the 市区町村 named at ``k[p:]``."""
    c = _cities()
    if hint is not None and not pref:  # 中央区… inside the hint's 政令指定都市
        home = c.parent.get(hint.code, hint.code)
        for key, code in sorted(c.wards.get(home, {}).items(), key=lambda kv: -len(kv[0])):
            if k.startswith(key, p):
                return code, p + len(key), False
    want = pref[:2] if pref else hint.code[:2] if hint else None
    for n in c.lengths:
        if p + n > len(k):  # a shorter name at the end of the text must not be taken for a longer one
            continue
        codes = c.names.get(k[p:p + n])
        if not codes:
            continue
        if pref:
            codes = tuple(x for x in codes if x[:2] == pref[:2])
        elif len(codes) > 1 and want:
            codes = tuple(x for x in codes if x[:2] == want) or codes
        if len(codes) == 1:
            return codes[0], p + n, False
        if codes:
            return None, p, True
    return None, p, False


# --- 町字 -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    exact: dict[str, tuple[Town, ...]]  # key → 町字 (several only across the wards of one city)
    stems: frozenset[str]  # 大字・町 keys that have 丁目 (本町 of 本町一丁目)
    lengths: tuple[int, ...]
    lone: Town | None  # the only 町字 of a municipality without 町字 (利島村)


def _town_keys(t: Town, elide: bool) -> tuple[set[str], str | None]:
    """The keys of one 町字 and its 丁目 stem (or None); ``elide`` drops ケ between kanji."""
    oaza = _strip_aza(_key(t.oaza_cho))
    koaza = _strip_aza(_key(t.koaza))
    chomes = [""]
    if t.chome:
        m = _CHOME.match(_key(t.chome))
        chomes = [_key(t.chome)] + ([f"{_kanji_int(m[1]) if not m[1].isdigit() else int(m[1])}丁目"] if m else [])
    keys = set()
    for chome in chomes:
        base = oaza + chome
        keys.add(base + koaza)
        if base and koaza:
            keys.add(base + "字" + koaza)
    stem = oaza if t.chome and not koaza and oaza else None
    if elide:
        return {_ELIDE.sub("", key) for key in keys}, stem and _ELIDE.sub("", stem)
    return keys, stem


@cache
def _town_index(codes: tuple[str, ...], elide: bool = False) -> _Index:
    best: dict[str, dict[str, Town]] = {}
    stems: set[str] = set()
    for code in codes:
        for t in towns_of(code):
            keys, stem = _town_keys(t, elide)
            if stem:
                stems.add(stem)
            for key in keys:
                if not key:
                    continue
                old = best.setdefault(key, {}).get(t.lg_code)
                if old is None or (t.machiaza_type, t.machiaza_id) < (old.machiaza_type, old.machiaza_id):
                    best[key][t.lg_code] = t  # a 大字 over a 小字 of the same name
    all_towns = [t for code in codes for t in towns_of(code)]
    lone = all_towns[0] if len(all_towns) == 1 and all_towns[0].machiaza_type == "4" else None
    exact = {k: tuple(v.values()) for k, v in best.items()}
    return _Index(exact, frozenset(stems), _lengths(set(exact) | stems), lone)


def _find_town(idx: _Index, k: str, p: int) -> tuple[tuple[Town, ...], int, str]:
    """The longest 町字 at ``k[p:]``: (towns, end, reason)."""
    q = p + 2 if k.startswith("大字", p) else p + 1 if k.startswith("字", p) else p
    room = len(k) - q
    for n in idx.lengths:
        if n > room:
            continue
        key = k[q:q + n]
        found = idx.exact.get(key)
        if key in idx.stems:
            m = _CHOME_NEXT.match(k, q + n)
            chome = idx.exact.get(f"{key}{m[1]}丁目") if m else None
            if chome and m:
                return chome, m.end(), ""
            if found is None:
                return (), p, "ambiguous"  # 本町 without (a known) 丁目
        if found:
            return found, q + n, ""
    if idx.lone is not None:
        return (idx.lone,), p, ""
    return (), p, "no_town"


def _find_elided(codes: tuple[str, ...], k: str, p: int) -> tuple[tuple[Town, ...], int, str]:
    """:func:`_find_town` with ケ between kanji dropped on both sides (市ヶ谷本村町 = 市谷本村町)."""
    kept = [i for i in range(p, len(k)) if not _ELIDE.match(k, i)]
    found, end, reason = _find_town(_town_index(codes, True), "".join(k[i] for i in kept), 0)
    return found, (kept[end - 1] + 1 if found and end else p), reason


def _codes(code: str) -> tuple[str, ...]:
    """A municipality's 町字 live under it, or under its wards for a 政令指定都市."""
    wards = _cities().wards.get(code)
    return tuple(sorted(wards.values())) if wards else (code,)


def _in_city(code: str, s: str, k: str, p: int, *, hinted: bool = False) -> tuple[AddressMatch, int]:
    """The 町字 at ``k[p:]`` within municipality ``code``, and where it ends."""
    if code[:2] not in prefectures():
        return AddressMatch("city", code, None, s[p:], "no_master"), p
    found, end, reason = _find_town(_town_index(_codes(code)), k, p)
    if not found and reason == "no_town" and "ケ" in k[p:]:
        found, end, reason = _find_elided(_codes(code), k, p)
    parent = _cities().parent.get(code)
    if not found and hinted and parent and reason == "no_town":  # the hint's ward, the 町字 in another ward
        found, end, reason = _find_town(_town_index(_codes(parent)), k, p)
        code = parent if found else code
    if not found:
        return AddressMatch("city", code, None, s[p:], reason), p
    if len({t.lg_code for t in found}) > 1:
        return AddressMatch("city", code, None, s[p:], "ambiguous"), p
    town = found[0]
    return AddressMatch("town", town.lg_code, town, _tidy(s[end:]), ""), end


def match_address(text: object, *, lg_code: str | None = None) -> AddressMatch:
    """Match ``text`` to a 町字; ``lg_code`` (the record's or the publisher's 団体コード) is the hint
    for text that does not name its municipality. Never raises."""
    s = normalize_address(text)
    if not s:
        return AddressMatch(None, None, None, "", "empty")
    k = s.translate(_FOLD)
    m = _POSTAL.match(k)
    p = m.end() if m else 0
    c = _cities()
    n = next((n for n in c.pref_lengths if p + n <= len(k) and k[p:p + n] in c.prefs), 0)
    pref = c.prefs[k[p:p + n]] if n else None
    p += n
    hint = _hint(lg_code)
    if hint is not None and pref and hint.code[:2] != pref[:2]:
        hint = None
    city, q, ambiguous = _match_city(k, p, pref, hint)
    local = hint if hint is not None and hint.city else None
    if city and local and not pref and c.parent.get(city, city) != c.parent.get(local.code, local.code):
        own, end = _in_city(local.code, s, k, p, hinted=True)  # a 町字 of the hint spelt like a municipality
        if own.level == "town" and end >= q:
            return own
    if city:
        return _in_city(city, s, k, q)[0]
    if local:
        short = _key(local.city)[:-1]  # 南風原字照屋 for 南風原町字照屋 (but 君津台 is not 君津市 + 台)
        after = p + len(short)
        if len(short) > 1 and k.startswith(short, p) and k.startswith("字", after + k.startswith("大", after)):
            own, _ = _in_city(local.code, s, k, after, hinted=True)
            if own.level == "town":
                return own
        return _in_city(local.code, s, k, p, hinted=True)[0]
    pref = pref or (hint.code if hint is not None else None)
    reason = "ambiguous" if ambiguous else "no_city"
    return AddressMatch("prefecture" if pref else None, pref, None, s[p:], reason)
