"""RDF from users (``validate``, ``load --graph``, ``validate --shapes``): scanned before a parser sees it.

RDF parsers are built for well-formed data, not for hostile data. Three kinds of file made them use
memory or time out of all proportion to the file's size, and :func:`check` refuses them first:

- **RDF/XML with a DOCTYPE**: entity declarations expand (nine nested entities of ten references
  each, "billion laughs", are 3 GB from a 1 KB file), external entities and DTDs point at other
  files (XXE). Any DOCTYPE with declarations or an external DTD is refused: expat reads the file and
  stops at the first declaration, before anything is expanded; it fetches nothing.
- **Deep nesting**: JSON-LD objects and arrays nested 20,000 deep crashed pyoxigraph's parser after
  5.6 GB; RDF/XML elements nested 100,000 deep took it three minutes (the time grows with the square
  of the depth). More than :data:`MAX_DEPTH` levels are refused. Turtle and N-Triples need no such
  check: pyoxigraph reads any depth in linear time (rdflib, which reads shapes files, stops with a
  RecursionError that the caller turns into a clear error).
- **Size**: a file that is parsed into memory as a whole (``validate`` of an RDF file, about 10 bytes of
  memory per byte of N-Triples; a shapes file in rdflib) is refused beyond a size the caller gives.

Each scan reads the file once, a chunk at a time, without recursion: memory stays flat and time grows
with the file's size. :class:`UnsafeInput` carries a code, the reason in Japanese and English and
what to do, like the issues of a conversion.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate
from pathlib import Path
from typing import IO
from xml.parsers import expat

from itsutsuboshi import formats
from itsutsuboshi.formats import JSONLD, NTRIPLES, RDFXML, TURTLE

#: nesting levels allowed in JSON-LD (objects and arrays) and RDF/XML (elements)
MAX_DEPTH = 100
#: the largest RDF file ``validate`` reads: it is loaded into memory, about 10 bytes for each byte of N-Triples
MAX_VALIDATE_BYTES = 512 << 20
#: the largest shapes file (``validate --shapes``): rdflib holds it in memory, slower and larger still
MAX_SHAPES_BYTES = 64 << 20
CHUNK = 1 << 20
#: suffixes rdflib also reads a shapes file by (TriX, TriG, N-Quads), as the format whose syntax they share
_RDFLIB_ONLY = {".trix": RDFXML, ".json-ld": JSONLD, ".trig": TURTLE, ".nq": NTRIPLES, ".nquads": NTRIPLES}
#: file name suffix -> the syntax a parser reads it as (a format name: ``rdfxml``, ``jsonld`` … are scanned)
KINDS = {**{ext: f.name for f in formats.all_formats(reading=True) for ext in f.extensions},
         **{ext: f.name for ext, f in _RDFLIB_ONLY.items()}}
_JSON_INSIDE = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)  # inside a string, up to its closing quote
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


class UnsafeInput(ValueError):
    """An RDF file refused before parsing. ``str()`` is the English reason."""

    def __init__(self, code: str, message_ja: str, message_en: str, fix_ja: str, fix_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja, self.message_en = message_ja, message_en
        self.fix_ja, self.fix_en = fix_ja, fix_en


def check(path: str | Path, kind: str | None = None, *, max_bytes: int | None = None) -> None:
    """Raise :class:`UnsafeInput` when ``path`` must not reach an RDF parser. ``kind`` (``"rdfxml"``,
    ``"jsonld"``, ``"turtle"``, ``"nt"``) defaults to the one its suffix names, else to what its first
    bytes look like; ``max_bytes``: the largest file accepted (for parsers that hold it all in memory)."""
    path = Path(path)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise UnsafeInput(
            "file.too_large", f"ファイルが大きすぎます ({_mib(size)}、上限 {_mib(max_bytes)})。",
            f"The file is too large ({_mib(size)}; at most {_mib(max_bytes)} here).",
            "元の CSV を検証するか (少しずつ検証します)、ファイルを分けてください。",
            "Validate the CSV it came from (checked a chunk at a time), or split the file.")
    with open(path, "rb") as stream:
        kind = kind or KINDS.get(path.suffix.lower()) or _sniff(stream.read(512).lstrip(b"\xef\xbb\xbf \t\r\n"))
        stream.seek(0)
        if kind == RDFXML.name:
            _scan_xml(stream)
        elif kind == JSONLD.name:
            _scan_json(stream)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB"


def _sniff(head: bytes) -> str | None:
    if head.startswith((b"<?xml", b"<!", b"<rdf:", b"<RDF")):
        return RDFXML.name
    if head.startswith((b"{", b"[")):
        return JSONLD.name
    return None


def _too_deep(syntax: str) -> UnsafeInput:
    return UnsafeInput(
        "file.too_deep", f"{syntax} の入れ子が深すぎます ({MAX_DEPTH} 段まで)。",
        f"The {syntax} is nested too deeply (at most {MAX_DEPTH} levels).",
        "入れ子の空白ノードに IRI を付けて平らにしてください (Turtle や N-Triples でも構いません)。",
        "Flatten it: give nested nodes IRIs (or save it as Turtle or N-Triples).")


def _scan_json(stream: IO[bytes]) -> None:
    """The nesting of objects and arrays outside strings, a chunk at a time: strings are cut out by one
    regular expression, the brackets left become steps of +1 and -1, and the running sum is the depth
    (UTF-8: no byte of a multi-byte character is a bracket, a quote or a backslash)."""
    depth, in_string, carry = 0, False, b""
    while chunk := stream.read(CHUNK):
        data, carry, pos = carry + chunk, b"", 0
        if in_string:  # the rest of a string begun in an earlier chunk
            pos = _JSON_INSIDE.match(data).end()  # type: ignore[union-attr]
            if pos == len(data) or data[pos] != 0x22:
                carry = data[pos:]  # nothing, or a backslash cut off from what it escapes
                continue
            pos, in_string = pos + 1, False
        outside = _JSON_STRING.sub(b"", data[pos:])
        opened = outside.find(b'"')  # a string that goes on in the next chunk
        if opened >= 0:
            in_string, outside = True, outside[:opened]
            if (len(data) - len(data.rstrip(b"\\"))) % 2:  # it ends with a backslash that escapes what follows
                carry = b"\\"
        steps = array("b", outside.translate(_STEPS, _NOT_BRACKETS))
        if steps:
            deepest = max(accumulate(steps, initial=depth))
            if deepest > MAX_DEPTH:
                raise _too_deep("JSON-LD")
            depth += sum(steps)


def _scan_xml(stream: IO[bytes]) -> None:
    """Read the XML with expat: refuse a DOCTYPE with declarations or an external DTD (before any
    entity is expanded; expat fetches nothing), and nesting beyond :data:`MAX_DEPTH`."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    fix = ("DOCTYPE 宣言を削除し、実体参照 (&名前;) を元の文字列や IRI に書き換えてください "
           "(Turtle や N-Triples で保存し直しても構いません)。",
           "Remove the DOCTYPE and write out what its entity references (&name;) stand for "
           "(or save the data as Turtle or N-Triples).")

    def refuse(ja: str, en: str) -> UnsafeInput:
        return UnsafeInput("file.xml_doctype", ja, en, *fix)

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if system_id or public_id:
            raise refuse(f"外部の DTD を参照しています ({system_id or public_id})。読み込みません。",
                         f"The DOCTYPE refers to an external DTD ({system_id or public_id}); it is not read.")
        if internal:
            parser.EndDoctypeDeclHandler = declarations

    def declarations() -> None:
        raise refuse("DOCTYPE に宣言があります。実体の展開は受け付けません。",
                     "The DOCTYPE has declarations; entity expansion is not accepted.")

    def entity(name: str, parameter: int, value: str | None, base: str | None, system_id: str | None,
               public_id: str | None, notation: str | None = None) -> None:
        if system_id or public_id:
            raise refuse(f"外部実体 {name} (XXE) が宣言されています ({system_id or public_id})。読み込みません。",
                         f"The DOCTYPE declares the external entity {name} (XXE: {system_id or public_id}); "
                         "it is not read.")
        raise refuse(f"実体 {name} が宣言されています。実体の展開 (billion laughs) は受け付けません。",
                     f"The DOCTYPE declares the entity {name}; entity expansion (billion laughs) is not accepted.")

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep("XML")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.ordered_attributes = True
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise UnsafeInput(
            "file.xml_malformed", f"XML として正しくありません: {expat.ErrorString(exc.code)} "
            f"({exc.lineno} 行 {exc.offset + 1} 文字目)。",
            f"Not well-formed XML: {expat.ErrorString(exc.code)} (line {exc.lineno}, column {exc.offset + 1}).",
            "UTF-8 の正しい XML で保存し直してください。", "Save it again as well-formed XML in UTF-8.") from None


__all__ = ["KINDS", "MAX_DEPTH", "MAX_SHAPES_BYTES", "MAX_VALIDATE_BYTES", "UnsafeInput", "check"]
