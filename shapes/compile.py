"""SHACL shapes compiled to SPARQL: one SELECT per constraint, returning that constraint's violations.

A shapes graph (rdflib) becomes a list of :class:`Check`. Each check's query selects ``?this``
(the focus node) and, for value constraints, ``?value``; every solution is one validation result.
The queries run on any SPARQL 1.1 engine; :mod:`itsutsuboshi.validation.validate` runs them on pyoxigraph,
which validates a whole file in a few queries instead of walking it node by node.

Covered: targets (class, node, subjects-of, objects-of), all SHACL property paths, and the
constraints sh:minCount, sh:maxCount, sh:datatype, sh:nodeKind, sh:class, sh:pattern, sh:flags,
sh:min/maxInclusive, sh:min/maxExclusive, sh:min/maxLength, sh:in, sh:hasValue, sh:languageIn
and SPARQL-based constraints (sh:sparql with sh:select and sh:prefixes). A shapes graph using
anything else raises :class:`Unsupported`, and the caller falls back to pyshacl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

#: Constraint parameters this compiler understands (others make a shape :class:`Unsupported`).
_HANDLED = {SH[p] for p in ["minCount", "maxCount", "datatype", "nodeKind", "class", "pattern", "flags", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength", "in", "hasValue", "languageIn", "sparql", "property", "path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "severity", "message", "name", "description", "deactivated", "order", "group", "defaultValue"]}
_UNSUPPORTED = {SH[p] for p in ["node", "not", "and", "or", "xone", "closed", "ignoredProperties", "equals", "disjoint", "lessThan", "lessThanOrEquals", "uniqueLang", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "target", "rule"]}

#: Datatypes whose lexical form SPARQL can check by casting (an ill-formed literal fails sh:datatype).
_CASTABLE = {XSD[t] for t in ["integer", "decimal", "double", "float", "boolean", "date", "dateTime"]}

_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class Unsupported(ValueError):
    """The shapes use a SHACL feature the SPARQL compiler does not cover."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a query whose solutions are its violations."""

    shape: Node
    component: URIRef
    severity: URIRef
    query: str
    path: Node | None = None  # the shape's sh:path (an rdflib node in the shapes graph)
    constraint: Node | None = None  # the sh:sparql node, for SPARQL-based constraints
    messages: tuple[Literal, ...] = ()
    value_is_focus: bool = False  # node shapes: the value is the focus node itself
    parameters: dict[str, Node] = field(default_factory=dict)


def compile_shapes(shapes: Graph, *, subclasses: bool = True) -> list[Check]:
    """Every active constraint of every targeted shape in ``shapes``.

    ``subclasses=False`` tells the compiler that the data graph holds no rdfs:subClassOf triples,
    so class targets and sh:class match rdf:type directly (much faster).
    """
    checks: list[Check] = []
    for shape in _shapes_with_targets(shapes):
        target = _target_pattern(shapes, shape, subclasses)
        checks += _shape_checks(shapes, shape, target, subclasses)
    return checks


def _shapes_with_targets(g: Graph) -> list[Node]:
    found: set[Node] = set()
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(g.subjects(p, None))
    for s in g.subjects(RDF.type, SH.NodeShape):
        if (s, RDF.type, RDFS.Class) in g:
            raise Unsupported("implicit class targets")
    if any(g.subjects(SH.target, None)):
        raise Unsupported("sh:target (SHACL-AF)")
    return sorted(found, key=str)


def _target_pattern(g: Graph, shape: Node, subclasses: bool) -> str:
    parts = []
    for cls in g.objects(shape, SH.targetClass):
        parts.append(f"?this {_type_path(subclasses)} {_term(cls)} .")
    nodes = list(g.objects(shape, SH.targetNode))
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_term(n) for n in nodes) + " }")
    for p in g.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?this {_term(p)} [] .")
    for p in g.objects(shape, SH.targetObjectsOf):
        parts.append(f"[] {_term(p)} ?this .")
    return parts[0] if len(parts) == 1 else " UNION ".join("{ " + p + " }" for p in parts)


def _type_path(subclasses: bool) -> str:
    return f"<{RDF.type}>/<{RDFS.subClassOf}>*" if subclasses else f"<{RDF.type}>"


def _shape_checks(g: Graph, shape: Node, target: str, subclasses: bool) -> list[Check]:
    """Checks of a node shape and of its property shapes (``sh:property``)."""
    if _deactivated(g, shape):
        return []
    _require_supported(g, shape)
    checks = _constraint_checks(g, shape, target, None, subclasses)
    for prop in g.objects(shape, SH.property):
        if _deactivated(g, prop):
            continue
        _require_supported(g, prop)
        if any(g.objects(prop, SH.property)):
            raise Unsupported("sh:property inside a property shape")
        path = g.value(prop, SH.path)
        if path is None:
            raise Unsupported("property shape without sh:path")
        checks += _constraint_checks(g, prop, target, path, subclasses)
    return checks


def _deactivated(g: Graph, shape: Node) -> bool:
    return g.value(shape, SH.deactivated) == Literal(True)


def _require_supported(g: Graph, shape: Node) -> None:
    for p in set(g.predicates(shape, None)):
        if p in _UNSUPPORTED:
            raise Unsupported(str(p))


def _constraint_checks(g: Graph, shape: Node, target: str, path: Node | None, subclasses: bool) -> list[Check]:
    severity = g.value(shape, SH.severity) or SH.Violation
    messages = tuple(o for o in g.objects(shape, SH.message) if isinstance(o, Literal))
    base = {"shape": shape, "severity": severity, "path": path, "messages": messages,
            "value_is_focus": path is None}
    values = f"?this {sparql_path(g, path)} ?value ." if path is not None else "BIND(?this AS ?value)"
    checks: list[Check] = []

    def add(component: str, query: str, **params: Node) -> None:
        checks.append(Check(component=SH[component], query=query, parameters=params, **base))  # type: ignore[arg-type]

    def value_check(component: str, condition: str, **params: Node) -> None:
        add(component, f"SELECT DISTINCT ?this ?value WHERE {{ {target} {values} FILTER({condition}) }}", **params)

    if path is not None:
        p = sparql_path(g, path)
        n = g.value(shape, SH.minCount)
        if n is not None and _count(n) > 0:
            if _count(n) == 1:  # MINUS: pyoxigraph runs a multi-step FILTER NOT EXISTS per focus node (quadratic)
                query = f"SELECT DISTINCT ?this WHERE {{ {target} MINUS {{ ?this {p} ?value }} }}"
            else:
                query = (f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?value }} }} "
                         f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {_count(n)})")
            add("MinCountConstraintComponent", query, minCount=n)
        n = g.value(shape, SH.maxCount)
        if n is not None:
            add("MaxCountConstraintComponent", f"SELECT ?this WHERE {{ {target} ?this {p} ?value }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {_count(n)})", maxCount=n)
        v = g.value(shape, SH.hasValue)
        if v is not None:
            add("HasValueConstraintComponent",
                f"SELECT DISTINCT ?this WHERE {{ {target} MINUS {{ ?this {p} {_term(v)} }} }}", hasValue=v)
    else:
        v = g.value(shape, SH.hasValue)
        if v is not None:
            value_check("HasValueConstraintComponent", f"!sameTerm(?value, {_term(v)})", hasValue=v)
    for dt in g.objects(shape, SH.datatype):
        ok = f"isLiteral(?value) && datatype(?value) = {_term(dt)}"
        if dt in _CASTABLE:
            ok += f" && COALESCE(isLiteral({_term(dt)}(STR(?value))), false)"
        value_check("DatatypeConstraintComponent", f"!({ok})", datatype=dt)
    for kind in g.objects(shape, SH.nodeKind):
        value_check("NodeKindConstraintComponent", "!" + _NODE_KINDS[URIRef(str(kind))].format(v="?value"), nodeKind=kind)
    for cls in g.objects(shape, SH["class"]):
        value_check("ClassConstraintComponent",
                    f"isLiteral(?value) || NOT EXISTS {{ ?value {_type_path(subclasses)} {_term(cls)} }}", **{"class": cls})
    for pattern in g.objects(shape, SH.pattern):
        flags = g.value(shape, SH.flags)
        regex = f"REGEX(STR(?value), {_term(Literal(str(pattern)))}" + (f", {_term(Literal(str(flags)))})" if flags else ")")
        value_check("PatternConstraintComponent", f"isBlank(?value) || !{regex}", pattern=pattern)
    for name, op in (("minInclusive", ">="), ("maxInclusive", "<="), ("minExclusive", ">"), ("maxExclusive", "<")):
        for bound in g.objects(shape, SH[name]):
            value_check(name[0].upper() + name[1:] + "ConstraintComponent",
                        f"!COALESCE(?value {op} {_term(bound)}, false)", **{name: bound})
    for name, op in (("minLength", "<"), ("maxLength", ">")):
        for n in g.objects(shape, SH[name]):
            value_check(name[0].upper() + name[1:] + "ConstraintComponent",
                        f"isBlank(?value) || STRLEN(STR(?value)) {op} {_count(n)}", **{name: n})
    for members in g.objects(shape, SH["in"]):
        allowed = list(Collection(g, members))
        cond = " || ".join(f"sameTerm(?value, {_term(m)})" for m in allowed) or "false"
        value_check("InConstraintComponent", f"!({cond})", **{"in": members})
    for langs in g.objects(shape, SH.languageIn):
        tags = [str(t) for t in Collection(g, langs)]
        cond = " || ".join(f"langMatches(lang(?value), {_term(Literal(t))})" for t in tags) or "false"
        value_check("LanguageInConstraintComponent", f"!(isLiteral(?value) && ({cond}))", languageIn=langs)
    for constraint in g.objects(shape, SH.sparql):
        if _deactivated(g, constraint):
            continue
        checks.append(_sparql_check(g, shape, constraint, target, path, base))
    return checks


def _sparql_check(g: Graph, shape: Node, constraint: Node, target: str, path: Node | None, base: dict) -> Check:
    select = g.value(constraint, SH.select)
    if select is None:
        raise Unsupported("sh:sparql without sh:select")
    text = str(select)
    if path is not None:
        text = re.sub(r"\$PATH\b", sparql_path(g, path), text)
    match = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE) or re.search(r"\{", text)
    if match is None:
        raise Unsupported("SPARQL constraint without a WHERE clause")
    query = _prefixes(g, constraint) + text[:match.end()] + f" {target} " + text[match.end():]
    messages = tuple(o for o in g.objects(constraint, SH.message) if isinstance(o, Literal)) or base["messages"]
    severity = URIRef(str(g.value(constraint, SH.severity) or base["severity"]))
    return Check(shape=shape, component=SH.SPARQLConstraintComponent, severity=severity, query=query,
                 path=path, constraint=constraint, messages=messages, value_is_focus=False)


def _prefixes(g: Graph, constraint: Node) -> str:
    lines = []
    for ontology in g.objects(constraint, SH.prefixes):
        for decl in g.objects(ontology, SH.declare):
            prefix, namespace = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(set(lines)))


def sparql_path(g: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return _term(path)
    if (path, RDF.first, None) in g:
        return "(" + "/".join(sparql_path(g, p) for p in Collection(g, path)) + ")"
    for predicate, form in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                            (SH.zeroOrOnePath, "{}?")):
        inner = g.value(path, predicate)
        if inner is not None:
            return "(" + form.format(sparql_path(g, inner)) + ")"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(g, p) for p in Collection(g, alternatives)) + ")"
    raise Unsupported(f"property path {path!r}")


def path_predicates(g: Graph, path: Node | None) -> tuple[str, ...] | None:
    """A predicate or a sequence of predicates as a tuple of IRIs; ``None`` for other paths."""
    if path is None:
        return ()
    if isinstance(path, URIRef):
        return (str(path),)
    if (path, RDF.first, None) in g:
        steps = list(Collection(g, path))
        if all(isinstance(s, URIRef) for s in steps):
            return tuple(str(s) for s in steps)
    return None


def _count(node: Node) -> int:
    """An integer parameter (``sh:minCount 1``, ``sh:maxLength 20``)."""
    return int(str(node))


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{_iri(str(node))}>"
    if isinstance(node, Literal):
        return node.n3()
    if isinstance(node, BNode):
        raise Unsupported("blank node as a constant in a constraint")
    raise Unsupported(f"term {node!r}")


def _iri(value: str) -> str:
    if re.search(r'[\s<>"{}|^`\\]', value):
        raise Unsupported(f"IRI that cannot be written in SPARQL: {value!r}")
    return value
