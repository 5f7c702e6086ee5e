"""GeoSPARQL functions in the dialect of a store that lacks them: Virtuoso has ``bif:st_*`` instead of ``geof:``.

:func:`for_virtuoso` rewrites the calls it can translate and leaves the query otherwise as written:

- ``geof:distance(a, b, uom:kilometre)`` → ``bif:st_distance(a, b)`` (kilometres; with ``uom:metre``, times
  1000; without a unit, left as is, so the server reports it);
- ``geof:sfWithin``, ``geof:sfContains``, ``geof:sfIntersects`` → ``bif:st_within``, ``bif:st_contains``,
  ``bif:st_intersects`` compared with 0 (Virtuoso answers 1 or 0, GeoSPARQL true or false).

A function is found as ``geof:name`` (the prefix the documentation uses) or by its full IRI; strings, IRIs
and comments are skipped. Other geof: functions go through unchanged and the server answers that it does not
know them (docs/sparql.md lists what each store evaluates).
"""

from __future__ import annotations

import re

from itsutsuboshi.store.base import SPARQL_SKIPPED

GEOF = "http://www.opengis.net/def/function/geosparql/"
UOM = "http://www.opengis.net/def/uom/OGC/1.0/"
_RELATIONS = {"sfWithin": "bif:st_within", "sfContains": "bif:st_contains", "sfIntersects": "bif:st_intersects"}
_CALL = re.compile(r"(?:geof:|<" + re.escape(GEOF) + r")(?P<name>distance|sfWithin|sfContains|sfIntersects)>?\s*\(")
_SKIP = re.compile(SPARQL_SKIPPED, re.DOTALL)
_UNITS = {"uom:kilometre": "", f"<{UOM}kilometre>": "", "uom:metre": " * 1000", f"<{UOM}metre>": " * 1000"}


def for_virtuoso(sparql: str) -> str:
    """``sparql`` with the GeoSPARQL calls Virtuoso has under another name rewritten (see the module)."""
    if "geof:" not in sparql and GEOF not in sparql:
        return sparql
    out, i = [], 0
    while True:
        call = _next_call(sparql, i)
        if call is None:
            out.append(sparql[i:])
            return "".join(out)
        start, name, args, end = call
        translated = _translate(name, [for_virtuoso(a) for a in args])
        out.append(sparql[i:start])
        out.append(translated if translated is not None else sparql[start:end])
        i = end


def _next_call(text: str, i: int) -> tuple[int, str, list[str], int] | None:
    """The next call at or after ``i`` outside strings, IRIs and comments: (start, name, arguments, end)."""
    while True:
        call = _CALL.search(text, i)
        if call is None:
            return None
        skip = _SKIP.search(text, i)
        is_the_call = skip is not None and skip.start() == call.start() and text[call.start()] == "<"
        if skip is not None and skip.start() <= call.start() and not is_the_call:
            i = skip.end()  # a string, IRI or comment first: the call may be inside it
            continue
        args = _arguments(text, call.end())
        if args is None:
            return None
        return call.start(), call.group("name"), args[0], args[1]


def _arguments(text: str, i: int) -> tuple[list[str], int] | None:
    """The comma-separated arguments after an opening parenthesis at ``i``, and the index after the ``)``."""
    depth, parts, start = 0, [], i
    while i < len(text):
        skip = _SKIP.match(text, i)
        if skip is not None:
            i = skip.end()
            continue
        c = text[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            if depth == 0:
                parts.append(text[start:i].strip())
                return parts, i + 1
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    return None


def _translate(name: str, args: list[str]) -> str | None:
    if name == "distance":
        if len(args) != 3 or args[2] not in _UNITS:
            return None
        return f"(bif:st_distance({args[0]}, {args[1]}){_UNITS[args[2]]})"
    if len(args) != 2:
        return None
    return f"({_RELATIONS[name]}({args[0]}, {args[1]}) != 0)"
