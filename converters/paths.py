"""Paths of a mapping: where a column's values go, hop by hop, and the named nodes they start from.

A path is hops separated by ``/``: ``ic:住所@ic:住所型/ic:表記``. A mapping's ``[nodes]`` table names node
paths once (``住所 = "ic:設置地点@ic:地物型/ic:住所@ic:住所型"``) and a path may start with such a name
(``住所/ic:表記``); :func:`node_table` writes every node out in full and :func:`expand` puts a node's
path in place of its name, so the engine only ever sees full paths. docs/mappings.md describes the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..vocab.namespaces import expand as expand_term


class MappingError(ValueError):
    """A mapping file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Step:
    """One hop of a path: the node reached by ``predicate`` from ``parent``, typed ``cls``,
    created with the constant statements ``consts`` (``{ic:役割=設置者}``)."""

    key: str
    parent: str
    predicate: str
    cls: str | None
    consts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Where a column's values go: intermediate steps, leaf predicate and normaliser."""

    steps: tuple[Step, ...]
    leaf: str
    normalizer: str
    lang: str | None = None
    split: str | None = None
    with_: tuple[tuple[str, object], ...] = ()
    parent: str = ""  # key of the node the leaf hangs on ("" = the record)
    codes: tuple[str, ...] = ()  # code lists whose concepts the values name (converters/coding.py)
    concept: str | None = None  # the concept a yes in this (flag) column names: "<code list>/<notation>"


_HOP = re.compile(r"^(?P<pred>[^@#{]+)(?:@(?P<cls>[^#{]+))?(?:#(?P<tag>[^{]+))?(?:\{(?P<consts>[^}]*)\})?$")
#: a node's name: no prefix colon and none of the characters a hop is built with
_NODE_NAME = re.compile(r"^[^:/@#{}\s]+$")


def _hops(path: str) -> list[str]:
    return [p.strip() for p in path.split("/") if p.strip()]


def node_table(table: object, *, where: str) -> dict[str, str]:
    """A ``[nodes]`` table with each node's path written out in full (a node may start with another)."""
    if not isinstance(table, dict):
        raise MappingError(f"{where}: [nodes] must be a table of name = \"path\"")
    for name, path in table.items():
        if not _NODE_NAME.match(name):
            raise MappingError(f"{where}: node name {name!r} may not contain ':', '/', '@', '#', braces or spaces")
        if not isinstance(path, str) or not _hops(path):
            raise MappingError(f"{where}: node {name!r} needs a path")
    resolved: dict[str, str] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> str:
        if name in resolved:
            return resolved[name]
        if name in seen:
            raise MappingError(f"{where}: nodes refer to each other in a circle: {' → '.join((*seen, name))}")
        hops = _hops(table[name])
        if hops[0] in table:
            hops = [resolve(hops[0], (*seen, name)), *hops[1:]]
        resolved[name] = "/".join(hops)
        return resolved[name]

    for name in table:
        full = resolve(name, ())
        parse_path(full + "/rdf:value", where=f"{where}: node {name!r}")  # every hop must be a valid hop
    return resolved


def expand(path: str, nodes: dict[str, str], *, where: str) -> str:
    """``path`` with a node name at its start replaced by the node's full path."""
    first, slash, rest = path.strip().partition("/")
    first = first.strip()
    if first in nodes:
        if not slash or not rest.strip():
            raise MappingError(f"{where}: path {path!r} names node {first!r} but no property after it")
        return f"{nodes[first]}/{rest}"
    if slash and ":" not in first:
        known = f"; known nodes: {', '.join(nodes)}" if nodes else "; the mapping has no [nodes] table"
        raise MappingError(f"{where}: path {path!r} starts with {first!r}, which is no node{known}")
    return path


def parse_path(path: str, *, where: str) -> tuple[tuple[Step, ...], str]:
    """``ic:住所@ic:住所型/ic:表記`` → steps (with node keys) and the leaf predicate IRI.

    ``@Class`` types the node a hop creates; ``#n`` after it keeps otherwise equal hops apart;
    ``{prop=value;…}`` adds constant statements to the node (``ic:関与@ic:関与型{ic:役割=設置者}``).
    """
    parts = _hops(path)
    if not parts:
        raise MappingError(f"{where}: empty path")
    steps: list[Step] = []
    parent = ""
    try:
        for hop in parts[:-1]:
            m = _HOP.match(hop)
            if not m:
                raise ValueError(f"bad hop {hop!r}")
            consts = tuple((expand_term(k.strip()), v.strip()) for k, _, v in
                           (c.partition("=") for c in (m["consts"] or "").split(";") if c.strip()))
            key = f"{parent}/{hop}"
            steps.append(Step(key, parent, expand_term(m["pred"]), expand_term(m["cls"]) if m["cls"] else None,
                              consts))
            parent = key
        leaf = expand_term(parts[-1])
    except (KeyError, ValueError) as exc:
        raise MappingError(f"{where}: bad term in path {path!r}: {exc}") from exc
    return tuple(steps), leaf
