"""Streaming RDF writers: record trees in, Turtle / N-Triples / JSON-LD / RDF/XML out.

Each writer takes one :class:`~itsutsuboshi.converters.model.Node` tree at a time and writes it
at once, so memory does not grow with the number of records. Blank nodes are labelled by the
writer (``_:b1`` …), which keeps labels unique across every file written to one output.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from itsutsuboshi.converters.model import RDF_TYPE, Lit, Node
from itsutsuboshi.formats import JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from itsutsuboshi.vocab.namespaces import PREFIXES, XSD

_NEEDS_ESCAPE = re.compile(r'[\\"\n\r]')
_XSD_STRING = XSD + "string"
_RDF_TYPE_NT = f"<{RDF_TYPE}>"
_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI_ESCAPES = {c: f"\\u{ord(c):04X}" for c in '<>"{}|^`\\ '}
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_PN_LOCAL = re.compile(r"^[\w\-]([\w\-.]*[\w\-])?$", re.UNICODE)
_NCNAME_TAIL = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*$", re.UNICODE)


def _iri(value: str) -> str:
    if _IRI_BAD.search(value):
        value = "".join(_IRI_ESCAPES.get(c, c) if c in _IRI_ESCAPES or ord(c) > 0x20 else f"\\u{ord(c):04X}"
                        for c in value)
    return f"<{value}>"


def _nt_literal(lit: Lit) -> str:
    text = f'"{lit.value.translate(_NT_ESCAPES)}"'
    if lit.lang:
        return f"{text}@{lit.lang}"
    if lit.datatype and lit.datatype != XSD + "string":
        return f"{text}^^<{lit.datatype}>"
    return text


class Writer:
    """Base class: ``write(node)`` for each record, then ``close()`` (which does not close the stream).

    ``render(node)`` gives a record's text without writing it (parallel workers render, the main
    process writes with ``write_rendered``); ``label_prefix`` keeps blank node labels of different
    renderers apart.
    """

    format: Format

    #: written between two records (JSON-LD's comma); empty for the other formats
    separator = ""

    def __init__(self, stream: IO[str] | None, *, label_prefix: str = "b") -> None:
        self.stream = stream
        self.label_prefix = label_prefix
        self._blank = 0
        self._first = True
        self.triples = 0
        #: with :meth:`mark_every`: the triple counts at which a chunk of whole records ends (N-Triples: lines)
        self.marks: list[int] = []
        self._every = 0

    def mark_every(self, triples: int) -> None:
        """Note in :attr:`marks` where each run of about ``triples`` triples of whole records ends, so that a
        reader can take the output a chunk of records at a time."""
        self._every = triples

    def _mark(self) -> None:
        if self._every and self.triples - (self.marks[-1] if self.marks else 0) >= self._every:
            self.marks.append(self.triples)

    def _label(self) -> str:
        self._blank += 1
        return f"{self.label_prefix}{self._blank}"

    def write_all(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self.write(node)

    def write(self, node: Node) -> None:
        self.write_rendered(self.render(node))

    def write_rendered(self, text: str) -> None:
        if self.separator and not self._first:
            text = self.separator + text
        self._first = False
        self.stream.write(text)  # type: ignore[union-attr]
        self._mark()

    def write_encoded(self, records: list[bytes]) -> None:
        """Write records rendered and UTF-8 encoded elsewhere (parallel workers), in one call."""
        if not records:
            return
        separator = self.separator.encode()
        data = separator.join(records)
        if separator and not self._first:
            data = separator + data
        self._first = False
        buffer = getattr(self.stream, "buffer", None)
        if buffer is None:
            self.stream.write(data.decode("utf-8"))  # type: ignore[union-attr]
        else:
            self.stream.flush()  # type: ignore[union-attr]
            buffer.write(data)
        self._mark()

    def render(self, node: Node) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        if self.stream is not None:
            self.stream.flush()


class NTriplesWriter(Writer):
    format = NTRIPLES

    def __init__(self, stream: IO[str] | None, *, label_prefix: str = "b") -> None:
        super().__init__(stream, label_prefix=label_prefix)
        self._terms: dict[str, str] = {}  # rendered predicates, classes and datatypes (a bounded set)
        self._literals: dict[Lit, str] = {}

    def _term(self, iri: str) -> str:
        rendered = self._terms.get(iri)
        if rendered is None:
            rendered = _iri(iri)
            if len(self._terms) < 65536:
                self._terms[iri] = rendered
        return rendered

    def render(self, node: Node) -> str:
        lines: list[str] = []
        append = lines.append
        literals, terms = self._literals, self._terms
        literal, term = self._literal, self._term
        prefix = "_:" + self.label_prefix
        blank = self._blank
        if node.iri:
            stack = [(node, _iri(node.iri))]
        else:
            blank += 1
            stack = [(node, f"{prefix}{blank}")]
        while stack:
            current, subject = stack.pop()
            for cls in current.types:
                append(f"{subject} {_RDF_TYPE_NT} {terms.get(cls) or term(cls)} .\n")
            for predicate, obj in current.props:
                kind = type(obj)
                if kind is Lit:
                    rendered = literals.get(obj) or literal(obj)  # type: ignore[arg-type]
                elif kind is Node:
                    if obj.iri:  # type: ignore[union-attr]
                        rendered = _iri(obj.iri)  # type: ignore[union-attr]
                    else:
                        blank += 1
                        rendered = f"{prefix}{blank}"
                    stack.append((obj, rendered))  # type: ignore[arg-type]
                else:
                    rendered = terms.get(obj) or term(obj)  # type: ignore[arg-type]
                append(f"{subject} {terms.get(predicate) or term(predicate)} {rendered} .\n")
        self._blank = blank
        self.triples += len(lines)
        return "".join(lines)

    def _literal(self, lit: Lit) -> str:
        text = lit.value
        if _NEEDS_ESCAPE.search(text):
            text = text.translate(_NT_ESCAPES)
        if lit.lang:
            rendered = f'"{text}"@{lit.lang}'
        elif lit.datatype and lit.datatype != _XSD_STRING:
            rendered = f'"{text}"^^{self._terms.get(lit.datatype) or self._term(lit.datatype)}'
        else:
            rendered = f'"{text}"'
        if len(self._literals) > 65536:  # bounded: repeated values (曜日, 有無, 市区町村) stay cached
            self._literals.clear()
        self._literals[lit] = rendered
        return rendered


class CanonicalNTriplesWriter(NTriplesWriter):
    """N-Triples whose blank node labels come from their content (``_:h`` + a hash of the node's triples),
    so the same description written for two files is the same lines, and merging them keeps one copy."""

    def render(self, node: Node) -> str:
        lines: list[str] = []
        self._emit(node, lines)
        self.triples += len(lines)
        return "".join(lines)

    def _emit(self, node: Node, lines: list[str]) -> str:
        own: list[tuple[str, str]] = [(_RDF_TYPE_NT, self._term(cls)) for cls in node.types]
        for predicate, obj in node.props:
            if type(obj) is Lit:
                rendered = self._literal(obj)
            elif type(obj) is Node:
                rendered = self._emit(obj, lines) if obj.iri is None or obj.types or obj.props else _iri(obj.iri)
            else:
                rendered = self._term(obj)  # type: ignore[arg-type]
            own.append((self._term(predicate), rendered))
        own = sorted(set(own))
        if node.iri:
            subject = _iri(node.iri)
        else:
            digest = hashlib.blake2b("\n".join(f"{p} {o}" for p, o in own).encode("utf-8"), digest_size=12)
            subject = "_:h" + digest.hexdigest()
        lines.extend(f"{subject} {p} {o} .\n" for p, o in own)
        return subject


class TurtleWriter(Writer):
    """Readable Turtle: prefixed names, one block per record, nested blank nodes as ``[ … ]``."""

    format = TURTLE

    def __init__(self, stream: IO[str] | None, *, label_prefix: str = "b") -> None:
        super().__init__(stream, label_prefix=label_prefix)
        self._namespaces = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
        if stream is not None:
            stream.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n")

    def _name(self, iri: str) -> str:
        for prefix, ns in self._namespaces:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if local and _PN_LOCAL.match(local):
                    return f"{prefix}:{local}"
        return _iri(iri)

    def _literal(self, lit: Lit) -> str:
        value = lit.value.translate(_NT_ESCAPES)
        if lit.lang:
            return f'"{value}"@{lit.lang}'
        if lit.datatype and lit.datatype != XSD + "string":
            return f'"{value}"^^{self._name(lit.datatype)}'
        return f'"{value}"'

    def _body(self, node: Node, indent: str) -> list[str]:
        parts: list[str] = []
        if node.types:
            parts.append("a " + ", ".join(self._name(t) for t in node.types))
        for predicate, obj in node.props:
            if isinstance(obj, Lit):
                rendered = self._literal(obj)
            elif isinstance(obj, Node):
                if obj.iri:
                    rendered = self._name(obj.iri)
                    self._pending.append(obj)
                else:
                    inner = self._body(obj, indent + "    ")
                    rendered = "[\n" + indent + "    " + (" ;\n" + indent + "    ").join(inner) + "\n" + indent + "]"
            else:
                rendered = self._name(obj)
            name = "a" if predicate == RDF_TYPE else self._name(predicate)
            parts.append(f"{name} {rendered}")
            self.triples += 1
        self.triples += len(node.types)
        return parts

    def render(self, node: Node) -> str:
        self._pending: list[Node] = [node]
        out: list[str] = []
        while self._pending:
            current = self._pending.pop(0)
            body = self._body(current, "    ")
            subject = self._name(current.iri) if current.iri else "[]"
            if body:
                out.append(subject + " " + " ;\n    ".join(body) + " .\n\n")
        return "".join(out)


class JsonLdWriter(Writer):
    """JSON-LD with the itsutsuboshi context inline and one ``@graph`` entry per record."""

    format = JSONLD

    separator = ",\n"

    def __init__(self, stream: IO[str] | None, *, label_prefix: str = "b") -> None:
        super().__init__(stream, label_prefix=label_prefix)
        context = {p: ns for p, ns in PREFIXES.items()}
        if stream is not None:
            stream.write('{\n"@context": ' + json.dumps(context, ensure_ascii=False) + ',\n"@graph": [\n')
        self._namespaces = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))

    def _name(self, iri: str) -> str:
        for prefix, ns in self._namespaces:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def _node(self, node: Node) -> dict:
        out: dict[str, Any] = {}
        if node.iri:
            out["@id"] = node.iri
        if node.types:
            out["@type"] = [self._name(t) for t in node.types]
            self.triples += len(node.types)
        for predicate, obj in node.props:
            if isinstance(obj, Lit):
                if obj.lang:
                    value: object = {"@value": obj.value, "@language": obj.lang}
                elif obj.datatype and obj.datatype != XSD + "string":
                    value = {"@value": obj.value, "@type": self._name(obj.datatype)}
                else:
                    value = obj.value
            elif isinstance(obj, Node):
                value = self._node(obj)
            else:
                value = {"@id": str(obj)}
            key = self._name(predicate)
            out.setdefault(key, []).append(value)
            self.triples += 1
        return out

    def render(self, node: Node) -> str:
        return json.dumps(self._node(node), ensure_ascii=False)

    def close(self) -> None:
        self.stream.write("\n]\n}\n")  # type: ignore[union-attr]
        super().close()


class RdfXmlWriter(Writer):
    """RDF/XML, one ``rdf:Description`` per record, nested blank nodes as ``rdf:parseType="Resource"``."""

    format = RDFXML

    def __init__(self, stream: IO[str] | None, *, label_prefix: str = "b") -> None:
        super().__init__(stream, label_prefix=label_prefix)
        self._namespaces = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
        decls = "".join(f'\n    xmlns:{p}="{ns}"' for p, ns in PREFIXES.items())
        if stream is not None:
            stream.write(f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n')

    def _qname(self, iri: str) -> tuple[str, str]:
        """``(qname, extra xmlns declaration)`` for a predicate IRI."""
        for prefix, ns in self._namespaces:
            if iri.startswith(ns) and _NCNAME_TAIL.fullmatch(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}", ""
        m = _NCNAME_TAIL.search(iri)
        if not m or m.start() == 0:
            raise ValueError(f"property IRI cannot be written in RDF/XML: {iri}")
        return f"ns0:{m.group()}", f" xmlns:ns0={quoteattr(iri[:m.start()])}"

    def _element(self, node: Node, indent: str, out: list[str]) -> None:
        for cls in node.types:
            out.append(f"{indent}<rdf:type rdf:resource={quoteattr(cls)}/>\n")
            self.triples += 1
        for predicate, obj in node.props:
            name, decl = self._qname(predicate)
            self.triples += 1
            if isinstance(obj, Lit):
                attrs = decl
                if obj.lang:
                    attrs += f' xml:lang="{obj.lang}"'
                elif obj.datatype and obj.datatype != XSD + "string":
                    attrs += f" rdf:datatype={quoteattr(obj.datatype)}"
                out.append(f"{indent}<{name}{attrs}>{xml_escape(obj.value)}</{name}>\n")
            elif isinstance(obj, Node) and obj.iri is None:
                out.append(f'{indent}<{name}{decl} rdf:parseType="Resource">\n')
                self._element(obj, indent + "  ", out)
                out.append(f"{indent}</{name}>\n")
            else:
                target = (obj.iri or "") if isinstance(obj, Node) else str(obj)
                out.append(f"{indent}<{name}{decl} rdf:resource={quoteattr(target)}/>\n")
                if isinstance(obj, Node):
                    self._later.append(obj)

    def render(self, node: Node) -> str:
        self._later: list[Node] = [node]
        out: list[str] = []
        while self._later:
            current = self._later.pop(0)
            about = f" rdf:about={quoteattr(current.iri)}" if current.iri else ""
            out.append(f"  <rdf:Description{about}>\n")
            self._element(current, "    ", out)
            out.append("  </rdf:Description>\n")
        return "".join(out)

    def close(self) -> None:
        self.stream.write("</rdf:RDF>\n")  # type: ignore[union-attr]
        super().close()


_WRITERS: dict[str, type[Writer]] = {w.format.name: w for w in (TurtleWriter, NTriplesWriter, JsonLdWriter,
                                                                 RdfXmlWriter)}


def open_writer(format: Format, stream: IO[str] | None, *, label_prefix: str = "b") -> Writer:
    """A streaming writer for ``format`` on an open text ``stream`` (``None``: render only)."""
    writer = _WRITERS.get(format.name)
    if writer is None:
        raise ValueError(f"{format.label} is read, never written; write one of {', '.join(_WRITERS)}")
    return writer(stream, label_prefix=label_prefix)


__all__ = ["Writer", "open_writer"]
