"""A small, fast Turtle writer for resource descriptions (pyoxigraph terms in, text out).

Readable like a hand-written file: one block per subject, ``a`` first, predicates sorted,
prefixed names where the Turtle grammar allows them, and blank nodes used once written inline
as ``[ … ]`` (住所型, 座標型 … nest under their record). Deterministic, so ETags are stable.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# PN_LOCAL of the Turtle grammar without ':' and escapes (anything else is written as a full IRI)
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
         "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_CHARS = _BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_LOCAL = re.compile(f"[{_BASE}_0-9](?:[{_CHARS}.]*[{_CHARS}])?")

Subject = ox.NamedNode | ox.BlankNode
Object = ox.NamedNode | ox.BlankNode | ox.Literal


class _Writer:
    def __init__(self, triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> None:
        self.rows: dict[Subject, list[tuple[ox.NamedNode, Object]]] = defaultdict(list)
        uses: Counter[ox.BlankNode] = Counter()
        for t in triples:
            subject, obj = t.subject, t.object
            if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):  # RDF-star: not in our data
                continue
            self.rows[subject].append((t.predicate, obj))
            if isinstance(obj, ox.BlankNode):
                uses[obj] += 1
        self.inline = {b for b, n in uses.items() if n == 1}
        self.namespaces = tuple(sorted(prefixes.items(), key=lambda kv: -len(kv[1])))
        self.used: dict[str, str] = {}
        self.labels: dict[ox.BlankNode, str] = {}
        self.written: set[Subject] = set()

    def iri(self, iri: str) -> str:
        found = _prefixed(iri, self.namespaces)
        if found is None:
            return f"<{iri}>"
        prefix, ns, name = found
        self.used[prefix] = ns
        return name

    def term(self, term: Object, depth: int) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.BlankNode):
            if term in self.inline and term not in self.rows:
                return "[]"
            if term in self.inline and term not in self.written:
                self.written.add(term)
                body = self.predicates(term, depth + 1)
                pad = "    " * depth
                return f"[\n{body}\n{pad}]"
            return self.blank(term)
        quoted = str(ox.Literal(term.value))
        datatype = term.datatype.value
        if term.language:
            return f"{quoted}@{term.language}"
        if datatype == XSD_STRING:
            return quoted
        return f"{quoted}^^{self.iri(datatype)}"

    def blank(self, node: ox.BlankNode) -> str:
        return "_:" + self.labels.setdefault(node, f"b{len(self.labels)}")

    def predicates(self, subject: Subject, depth: int) -> str:
        pad = "    " * depth
        grouped: dict[str, list[Object]] = defaultdict(list)
        for p, o in self.rows[subject]:
            grouped[p.value].append(o)
        lines = []
        for name in sorted(grouped, key=lambda v: (v != RDF_TYPE, v)):
            values = grouped[name]
            objects = ", ".join(self.term(o, depth) for o in (sorted(values, key=_order) if len(values) > 1 else values))
            lines.append(f"{pad}{'a' if name == RDF_TYPE else self.iri(name)} {objects}")
        return " ;\n".join(lines)

    def block(self, subject: Subject) -> str:
        self.written.add(subject)
        head = self.iri(subject.value) if isinstance(subject, ox.NamedNode) else self.blank(subject)
        return f"{head}\n{self.predicates(subject, 1)} ."


@lru_cache(maxsize=65536)
def _prefixed(iri: str, namespaces: tuple[tuple[str, str], ...]) -> tuple[str, str, str] | None:
    """(prefix, namespace, prefixed name) when ``iri`` can be written as a prefixed name."""
    for prefix, ns in namespaces:
        if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns):]):
            return prefix, ns, f"{prefix}:{iri[len(ns):]}"
    return None


def _order(term: Object) -> tuple[int, str]:
    return ({ox.NamedNode: 0, ox.Literal: 1}.get(type(term), 2), str(term))


def serialize(triples: Iterable[ox.Triple], *, prefixes: dict[str, str], first: str | None = None) -> bytes:
    """``triples`` as Turtle; the subject ``first`` (an IRI) leads, other IRIs follow in order."""
    w = _Writer(triples, prefixes)
    roots = sorted((s for s in w.rows if isinstance(s, ox.NamedNode)), key=lambda s: (s.value != first, s.value))
    blocks = [w.block(s) for s in roots]
    # blank nodes not reached inline (used twice, or only as subjects, or in a cycle)
    for blank in sorted((s for s in w.rows if isinstance(s, ox.BlankNode)), key=str):
        if blank not in w.written and blank not in w.inline:
            blocks.append(w.block(blank))
    for s in sorted((s for s in w.rows if s not in w.written), key=str):
        if s in w.written:  # written inline by an earlier block of the cycle
            continue
        w.inline.discard(s)  # an unreachable cycle of single-use blank nodes
        blocks.append(w.block(s))
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(w.used.items()))
    return (head + ("\n" if head else "") + "\n\n".join(blocks) + "\n").encode("utf-8")
