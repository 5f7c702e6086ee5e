"""Multi-valued cells split into values: separators count only outside brackets and quotes.

``内科;麻酔科（上川務恵）;矯正歯科（第４日曜、第５日曜）`` is three values, not four: the ``、`` is inside
brackets. Hard separators (``、 , ; ／ | …`` and line breaks) always split outside brackets; soft ones
(``・`` and spaces) split only where every part is a whole value of its own, as ``whole`` (a code list's
matcher) decides: ``歯科・小児歯科`` is two values, ``崖崩れ・土石流・地滑り`` one. A bracket that is never
closed (or closed without being opened) is read as text, so one stray ``（`` does not swallow the cell.
"""

from __future__ import annotations

from collections.abc import Callable

#: opening bracket -> closing bracket (quotes included; ASCII double quotes pair with themselves)
PAIRS = {"(": ")", "（": "）", "[": "]", "［": "］", "{": "}", "｛": "｝", "「": "」", "『": "』", "【": "】",
         "〔": "〕", "〈": "〉", "《": "》", "<": ">", "＜": "＞", "“": "”", "‘": "’", '"': '"'}
CLOSERS = {v: k for k, v in PAIRS.items()}
#: separators that split a cell outside brackets
HARD = frozenset("、､,，;；|｜/／\n\r\t")
#: separators that split only between whole values
SOFT = frozenset("・･ \u3000")


def spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) positions of the bracket pairs of ``text`` that no other pair contains; a bracket
    that pairs with nothing is text."""
    paired: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in PAIRS and not (ch in CLOSERS and stack and stack[-1][0] == CLOSERS[ch]):
            stack.append((ch, i))
        elif ch in CLOSERS:
            # close the nearest matching opener; openers above it were never closed
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == CLOSERS[ch]:
                    paired.append((stack[k][1], i))
                    del stack[k:]
                    break
    paired.sort()
    outer: list[tuple[int, int]] = []
    for start, end in paired:
        if not outer or start > outer[-1][1]:
            outer.append((start, end))
    return outer


def depths(text: str) -> list[bool]:
    """For each character, whether it is inside brackets (the brackets themselves included)."""
    out = [False] * len(text)
    for start, end in spans(text):
        for i in range(start, end + 1):
            out[i] = True
    return out


def split(cell: str, *, whole: Callable[[str], bool] | None = None) -> list[str]:
    """The values of a cell, stripped, empty ones left out. ``whole`` says whether a text is a whole value
    (without it, soft separators never split)."""
    level = depths(cell)
    parts: list[str] = []
    start = 0
    for i, ch in enumerate(cell):
        if ch in HARD and not level[i]:
            parts.append(cell[start:i])
            start = i + 1
    parts.append(cell[start:])
    out: list[str] = []
    for part in parts:
        part = part.strip(" \u3000\t")
        if part:
            out += _soft(part, whole) if whole is not None else [part]
    return out


def _soft(token: str, whole: Callable[[str], bool]) -> list[str]:
    """``token`` split at soft separators outside brackets, longest whole values first, when every piece is
    a whole value; else the token as it is."""
    level = depths(token)
    pieces: list[str] = []
    seps: list[str] = []
    start = 0
    for i, ch in enumerate(token):
        if ch in SOFT and not level[i]:
            pieces.append(token[start:i])
            seps.append(ch)
            start = i + 1
    pieces.append(token[start:])
    if len(pieces) == 1 or whole(token):
        return [token]
    out: list[str] = []
    i, n = 0, len(pieces)
    while i < n:
        if not pieces[i].strip():
            i += 1
            continue
        for j in range(n, i, -1):
            candidate = "".join(p + (seps[k] if k < j - 1 else "") for k, p in enumerate(pieces[i:j], start=i))
            if whole(candidate.strip()):
                out.append(candidate.strip())
                i = j
                break
        else:
            return [token]
    return out
