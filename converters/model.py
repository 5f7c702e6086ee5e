"""A small, fast RDF tree model for converted records.

Each converted CSV row becomes one :class:`Node` tree: the record resource with nested
blank nodes (住所型, 座標型 …). Writers walk the tree; nothing here depends on rdflib, so
conversion stays fast and memory stays flat (a tree lives only while its row is written).
"""

from __future__ import annotations

from typing import NamedTuple, Union

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class IRI(str):
    """An IRI used as an object (a plain ``str`` subclass, so it is cheap)."""

    __slots__ = ()


class Lit(NamedTuple):
    """A literal: lexical form, datatype IRI (``None`` = xsd:string) and language tag.

    A tuple, so that hashing and comparing (done for every value written) run in C.
    """

    value: str
    datatype: str | None = None
    lang: str | None = None


Object = Union[IRI, Lit, "Node"]


class Node:
    """A resource: an IRI (``iri``) or, when ``iri`` is ``None``, a blank node."""

    __slots__ = ("iri", "types", "props")

    def __init__(self, iri: str | None = None, types: list[str] | None = None,
                 props: list[tuple[str, Object]] | None = None) -> None:
        self.iri = iri
        self.types = types if types is not None else []
        self.props = props if props is not None else []

    def __repr__(self) -> str:
        return f"Node({self.iri!r}, {self.types!r}, {len(self.props)} props)"

    def add(self, predicate: str, obj: Object) -> None:
        self.props.append((predicate, obj))
