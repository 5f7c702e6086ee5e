"""Opening hours written as text, read into schedules: 「日曜日は9:00～17:00」, 「土曜日の開所時間は07:00から18:00」,
「土曜保育：午前7時30分から午後4時30分まで」, 「【開館時間】9:00～17:00」, 「日・祝は17:00まで」.

A note is cut into clauses (at 。 ; line breaks, brackets and 【labels】). A clause with exactly one time range
(``9:00～17:00``, ``午前9時から午後5時まで``) or one closing time (``17:00まで``) is read when what comes before
the time names only days (曜日, 平日, 土日祝, 休日), a label (【開館時間】, 開所時間は, 土曜保育：) or nothing:
nothing means the schedule's own hours. A clause whose times come with anything else (a date, a floor, a
season, 延長, 放課後, several ranges) is left as text, and the note is marked unread so the user is told.
The text always stays in ``ic:説明``; :func:`read` only adds structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import CACHE_LIMIT, nfkc, parse_time, weekday_chars


@dataclass(frozen=True, slots=True)
class Segment:
    """Hours on some days: ``days`` as 月火水木金土日祝 characters ("" = the schedule's own days), times as
    ``HH:MM:SS`` (``start`` is ``None`` for 「17:00まで」)."""

    days: str
    start: str | None
    end: str


@dataclass(frozen=True, slots=True)
class Reading:
    segments: tuple[Segment, ...]
    unread: bool  # the text gives times that were not read into a segment


def _time(name: str) -> str:
    """A time as :func:`.normalize.parse_time` reads it (``9:00``, ``午後4時30分``), in the group ``name``."""
    return rf"(?P<{name}>(?:(?:午前|午後)\s*)?\d{{1,2}}(?:\s*:\s*\d{{2}}|\s*時(?:\s*\d{{1,2}}\s*分)?))"


_DASH = r"\s*(?:~|〜|-|−|‐|ー|から)\s*"
_RANGE = re.compile(_time("a") + _DASH + _time("b") + r"(?:\s*まで)?")
_UNTIL = re.compile(r"(?<![\d:~〜\-])" + _time("b") + r"\s*まで")
_ANY_TIME = re.compile(r"\d{1,2}\s*:\s*\d{2}|\d{1,2}\s*時(?!間)")
_CLAUSE = re.compile(r"([。;\n()]|(?=【))")
_LABEL = re.compile(r"【[^】]*】")
_SUBJECT = re.compile(r"(?:開所|開園|開館|開室|営業|診療|利用|利用可能|使用可能)?時間|保育")
_FILLER = re.compile(r"[\s:、,は]|の|毎週")
_CONDITION = re.compile(r"[可開営]")


def _hhmm(text: str, afternoon: bool = False) -> str | None:
    """``HH:MM:SS`` of a time (:func:`.normalize.parse_time`); a time without 午前/午後 after one said 午後 is
    afternoon too (「午後4時30分から6時30分まで」)."""
    if afternoon and not text.startswith(("午前", "午後")):
        text = "午後" + text
    values = parse_time(text)[0]
    return values[0].value if values else None


def _days(prefix: str) -> str | None:
    """The days a clause's words before its time name ("" for none), ``None`` when they say something else."""
    s = _LABEL.sub("", prefix)
    s = _FILLER.sub("", _SUBJECT.sub("", s))
    if not s:
        return ""
    if any(c.isdigit() for c in s) or _CONDITION.search(s):
        return None  # a date, a month, a floor, 開放日, 利用可能日: not a weekday schedule
    days, stray = weekday_chars(s)
    return days if days and not stray else None


@lru_cache(maxsize=CACHE_LIMIT)
def read(text: str) -> Reading:
    """The hours ``text`` gives, clause by clause (see the module's docstring)."""
    segments: list[Segment] = []
    unread = False
    parts = _CLAUSE.split(nfkc(text).replace("正午", "12:00").replace("時半", "時30分"))
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if not _ANY_TIME.search(clause):
            continue
        if i and parts[i - 1] == ")":  # the rest of a sentence a bracket interrupted: its subject is before it
            unread = True
            continue
        ranges = list(_RANGE.finditer(clause))
        taken = [(m.start(), m.end()) for m in ranges]
        untils = [m for m in _UNTIL.finditer(clause) if not any(a <= m.start() < b for a, b in taken)]
        found = ranges + untils
        rest = clause
        for m in found:
            rest = rest.replace(m.group(), "")
        if len(found) != 1 or _ANY_TIME.search(rest):
            unread = True
            continue
        m = found[0]
        days = _days(clause[:m.start()])
        ranged = m.re is _RANGE
        start = _hhmm(m.group("a")) if ranged else None
        end = _hhmm(m.group("b"), afternoon=ranged and m.group("a").startswith("午後"))
        if days is None or end is None or (ranged and start is None):
            unread = True
            continue
        if start is not None and start >= end:
            unread = True  # 22:00～6:00 and the like: not one span of a day
            continue
        segments.append(Segment(days, start, end))
    return Reading(tuple(segments), unread)
