"""Run SHACL shapes over a pyoxigraph store and trace each result to the record it belongs to.

:class:`ShaclEngine` compiles the shapes once (:mod:`itsutsuboshi.shapes.compile`) and runs one
SPARQL query per constraint. Shapes outside the compiled subset are run by pyshacl instead, on
the same data, so every shapes graph works. Each :class:`ShaclResult` carries, besides the
standard fields, the record (an IRI) its focus node hangs from and the predicates leading there,
which is how a result finds its way back to a CSV row and column.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.shapes.compile import Check, Unsupported, compile_shapes

_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
MAX_TRAIL = 16


@dataclass(frozen=True, slots=True)
class ShaclResult:
    """One validation result (``sh:ValidationResult``), plus where its focus node sits."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    path: Node | None  # in the shapes graph; for SPARQL constraints possibly bound by ?path
    check: Check
    root: str | None  # IRI of the record (or other named node) the focus node belongs to
    trail: tuple[str, ...]  # predicates from ``root`` down to the focus node


class ShaclEngine:
    """Compiled shapes, ready to validate stores."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.unsupported: str | None = None
        self._compiled: dict[bool, list[Check]] = {}
        try:
            self._compiled[True] = compile_shapes(shapes, subclasses=True)
        except Unsupported as exc:
            self.unsupported = str(exc)

    def checks(self, store: ox.Store) -> list[Check]:
        """The compiled checks; the faster rdf:type-only form when the data has no subclass axioms."""
        subclasses = next(iter(store.quads_for_pattern(None, _SUBCLASS, None)), None) is not None
        if subclasses not in self._compiled:
            self._compiled[subclasses] = compile_shapes(self.shapes, subclasses=subclasses)
        return self._compiled[subclasses]

    def validate(self, store: ox.Store, *, threads: int = 2) -> list[ShaclResult]:
        """All results for the data in ``store`` (its default graph)."""
        if self.unsupported is not None:
            return _run_pyshacl(store, self.shapes)
        checks = self.checks(store)
        trails = _Trails(store)
        with ThreadPoolExecutor(max(1, threads)) as pool:
            solutions = list(pool.map(lambda c: _solutions(store, c), checks))
        results: list[ShaclResult] = []
        for check, rows in zip(checks, solutions, strict=True):
            for focus, value, bound_path in rows:
                root, trail = trails.of(focus)
                path = check.path
                if bound_path is not None and path is None:
                    path = URIRef(bound_path.value)
                results.append(ShaclResult(focus, value, path, check, root, trail))
        return results


def _solutions(store: ox.Store, check: Check) -> list[tuple]:
    solutions = cast(ox.QuerySolutions, store.query(check.query, use_default_graph_as_union=False))
    names = {v.value for v in solutions.variables}
    has_value, has_path = "value" in names, "path" in names
    out = []
    for solution in solutions:
        focus = solution["this"]
        if focus is None:
            continue
        value = solution["value"] if has_value else None
        if value is None and check.value_is_focus:
            value = focus
        bound = solution["path"] if has_path else None
        out.append((focus, value, bound if isinstance(bound, ox.NamedNode) else None))
    return out


class _Trails:
    """Memoised walk from a blank node up to the named node it hangs from."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.memo: dict[str, tuple[str | None, tuple[str, ...]]] = {}

    def of(self, node) -> tuple[str | None, tuple[str, ...]]:
        if isinstance(node, ox.NamedNode):
            return node.value, ()
        if not isinstance(node, ox.BlankNode):
            return None, ()
        key = node.value
        if key in self.memo:
            return self.memo[key]
        trail: list[str] = []
        current: ox.NamedNode | ox.BlankNode = node
        found: tuple[str | None, tuple[str, ...]] = (None, ())
        while len(trail) < MAX_TRAIL:
            quad = next(iter(self.store.quads_for_pattern(None, None, current)), None)
            if quad is None:
                found = (None, tuple(trail))
                break
            trail.insert(0, quad.predicate.value)
            if isinstance(quad.subject, ox.Triple):  # RDF-star: not in the data
                found = (None, tuple(trail))
                break
            current = quad.subject
            if isinstance(current, ox.NamedNode):
                found = (current.value, tuple(trail))
                break
            if current.value in self.memo:
                root, above = self.memo[current.value]
                found = (root, above + tuple(trail))
                break
        self.memo[key] = found
        return found


def _run_pyshacl(store: ox.Store, shapes: Graph) -> list[ShaclResult]:
    """pyshacl on the store's data, for shapes the compiler does not cover."""
    import pyshacl

    data = Graph()
    data.parse(data=store.dump(format=NTRIPLES.ox, from_graph=ox.DefaultGraph()), format=NTRIPLES.rdflib)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus, value = report.value(r, SH.focusNode), report.value(r, SH.value)
        shape = report.value(r, SH.sourceShape)
        component = report.value(r, SH.sourceConstraintComponent)
        check = Check(shape=shape, component=component, severity=report.value(r, SH.resultSeverity),
                      query="", path=shapes.value(shape, SH.path) if shape is not None else None,
                      constraint=report.value(r, SH.sourceConstraint),
                      messages=tuple(report.objects(r, SH.resultMessage)))
        root, trail = rdflib_trail(data, focus)
        results.append(ShaclResult(_to_ox(focus), _to_ox(value) if value is not None else None,
                                   report.value(r, SH.resultPath), check, root, trail))
    return results


def rdflib_trail(g: Graph, node: Node) -> tuple[str | None, tuple[str, ...]]:
    """The IRI a node hangs from in an rdflib graph and the predicates leading down to it."""
    trail: list[str] = []
    while isinstance(node, BNode) and len(trail) < MAX_TRAIL:
        parent = next(iter(g.subject_predicates(node)), None)
        if parent is None:
            return None, tuple(trail)
        trail.insert(0, str(parent[1]))
        node = parent[0]
    return (str(node), tuple(trail)) if isinstance(node, URIRef) else (None, tuple(trail))


def _to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(term)


def to_rdflib(term) -> Node:
    """A pyoxigraph term as an rdflib term (blank node labels kept)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(term)
