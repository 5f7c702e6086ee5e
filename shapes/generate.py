"""Dataset shapes derived from a mapping: the standard's rules for each column, as SHACL.

The mapping already says where each column goes (its path), what kind of value it holds (its
normaliser) and whether the standard requires it (◎, ``required = true``). From that this module
writes one node shape per dataset, targeting the dataset's own class, with property shapes for:

- required columns: ``sh:minCount 1`` (sh:Violation), except yes/no columns, where a blank cell means no;
- what only weakens the data (no ID, no coordinates, no kana): sh:Warning;
- suggestions (町字ID for linking to the address registry): sh:Info;
- datatypes, patterns and cardinalities of typed columns, unless a shared shape of the IMI type
  (``common.ttl``) already checks that property.

``scripts/build_shapes.py`` writes the bundled files; a user's own mapping gets shapes the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from ..converters.mapping import ColumnSpec, Mapping, Target
from ..vocab.namespaces import ITSU, PREFIXES

SHP = Namespace("https://w3id.org/itsutsuboshi/shapes#")
FIX = URIRef(ITSU + "fix")


@dataclass(frozen=True)
class Rule:
    """Texts of one kind of generated rule."""

    severity: URIRef
    message: tuple[str, str]
    fix: tuple[str, str]


REQUIRED = Rule(SH.Violation, ("必須項目が空です。", "A required value is missing."),
                ("この列に値を入れてください (標準で必須の項目です)。", "Fill in this column (the standard requires it)."))
NO_KANA = Rule(SH.Warning, ("カナ表記がありません。", "The kana reading is missing."),
               ("名称の読みをカタカナで入れてください。", "Add the reading of the name in katakana."))
NO_ID = Rule(SH.Warning, ("ID がありません。", "The ID is missing."),
             ("一意の ID を入れると、データの URI が変わらなくなります。", "Add a unique ID so the record's URI stays stable."))
NO_COORDINATES = Rule(SH.Warning, ("緯度・経度がありません。地図に表示できません。",
                                   "No latitude/longitude: the record cannot be shown on a map."),
                      ("緯度・経度を十進数 (例: 35.681236, 139.767125) で入れてください。",
                       "Add latitude and longitude as decimal degrees (e.g. 35.681236, 139.767125)."))
NO_TOWN_ID = Rule(SH.Info, ("町字ID がありません。", "The 町字ID (town ID) is missing."),
                  ("アドレス・ベース・レジストリの町字ID を入れると、住所が全国のデータとつながります。",
                   "Add the address base registry's 町字ID to link the address to national data."))
_VALUE_RULES: dict[str, tuple[dict[str, object], Rule]] = {
    "integer": ({"datatype": XSD.integer},
                Rule(SH.Violation, ("整数ではありません。", "Not an integer."),
                     ("半角数字だけを書いてください。", "Write digits only."))),
    "count": ({"datatype": XSD.integer, "minInclusive": Literal(0)},
              Rule(SH.Violation, ("0 以上の整数ではありません。", "Not a whole number of 0 or more."),
                   ("半角数字だけを書いてください。", "Write digits only."))),
    "decimal": ({"datatype": XSD.decimal},
                Rule(SH.Violation, ("数値ではありません。", "Not a number."),
                     ("半角の数字と小数点だけを書いてください。", "Write digits and a decimal point only."))),
    "flag": ({"datatype": XSD.boolean},
             Rule(SH.Violation, ("有無 (真偽値) ではありません。", "Not a yes/no value."),
                  ("「有」または「無」と書いてください。", "Write 有 (yes) or 無 (no)."))),
    "time": ({"datatype": XSD.time},
             Rule(SH.Violation, ("時刻ではありません。", "Not a time."),
                  ("09:00 の形式で書いてください。", "Write the time as 09:00."))),
    "date": ({"pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"},
             Rule(SH.Violation, ("日付ではありません。", "Not a date."),
                  ("西暦で 2024-04-01 の形式で書いてください。", "Write the date as 2024-04-01."))),
    "url": ({"datatype": XSD.anyURI, "pattern": "^(https?|ftp)://"},
            Rule(SH.Violation, ("URL ではありません。", "Not a URL."),
                 ("http:// または https:// で始まる URL を書いてください。", "Write a URL starting with https://."))),
    "fax": ({"pattern": "^\\+?[0-9()-]{6,20}$"},
            Rule(SH.Violation, ("FAX 番号の書式ではありません。", "Not a fax number."),
                 ("03-1234-5678 の形式で書いてください。", "Write it as 03-1234-5678."))),
    "phone": ({"pattern": "^\\+?[0-9()-]{6,20}$"},
              Rule(SH.Violation, ("電話番号の書式ではありません。", "Not a telephone number."),
                   ("03-1234-5678 の形式で書いてください。", "Write it as 03-1234-5678."))),
    "postal": ({"pattern": "^[0-9]{3}-?[0-9]{4}$"},
               Rule(SH.Violation, ("郵便番号の書式ではありません。", "Not a postal code."),
                    ("123-4567 の形式で書いてください。", "Write it as 123-4567."))),
    "email": ({"pattern": "^[^@ ]+@[^@ ]+\\.[^@ ]+$"},
              Rule(SH.Violation, ("メールアドレスの書式ではありません。", "Not an e-mail address."),
                   ("name@example.lg.jp の形式で書いてください。", "Write it as name@example.lg.jp."))),
    "lgcode": ({"pattern": "^[0-9]{6}$"},
               Rule(SH.Violation, ("全国地方公共団体コードは 6 桁の数字です。", "A local government code has 6 digits."),
                    ("検査数字を含む 6 桁のコードを書いてください。", "Write the 6-digit code with its check digit."))),
}


def covered_properties(common: Graph) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """What the shared shapes check: (class, property) pairs and (linking property, property) pairs."""
    by_class: set[tuple[str, str]] = set()
    by_link: set[tuple[str, str]] = set()
    for shape in set(common.subjects(SH.property, None)):
        paths = [common.value(p, SH.path) for p in common.objects(shape, SH.property)]
        props = {str(p) for p in paths if isinstance(p, URIRef)}
        for cls in common.objects(shape, SH.targetClass):
            by_class |= {(str(cls), p) for p in props}
        for link in common.objects(shape, SH.targetObjectsOf):
            by_link |= {(str(link), p) for p in props}
    return by_class, by_link


def dataset_shapes(mapping: Mapping, common: Graph) -> Graph:
    """The node shape of ``mapping``'s dataset and its property shapes."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    g.bind("sh", SH)
    g.bind("shp", SHP)
    by_class, by_link = covered_properties(common)
    node = SHP[mapping.dataset]
    g.add((node, RDF.type, SH.NodeShape))
    g.add((node, RDFS.label, Literal(mapping.title_ja, lang="ja")))
    g.add((node, RDFS.label, Literal(mapping.title_en, lang="en")))
    g.add((node, SH.targetClass, URIRef(mapping.types[-1])))
    seen: set[tuple[tuple[str, ...], str]] = set()

    def add(column: ColumnSpec, target: Target, kind: str, rule: Rule, **constraints: object) -> None:
        path = tuple(s.predicate for s in target.steps) + (target.leaf,)
        query = _presence_query(mapping, target, column) if "minCount" in constraints else None
        key = (path, kind) if query is None else ((target.parent, target.leaf), kind)
        if key in seen:  # one rule per place (several generations can name the same place)
            return
        seen.add(key)
        shape = SHP[f"{mapping.dataset}-{_slug(column.name)}-{kind}"]
        g.add((node, SH.property, shape))
        g.add((shape, RDF.type, SH.PropertyShape))
        g.add((shape, SH.path, _path(g, path)))
        g.add((shape, SH.name, Literal(column.name, lang="ja")))
        g.add((shape, SH.description, Literal(f"{mapping.title_ja}の「{column.name}」列", lang="ja")))
        g.add((shape, SH.description, Literal(f"The column {column.name} of {mapping.title_en}", lang="en")))
        if query is not None:  # other columns fill the same path on sibling nodes: say which node
            constraint = SHP[f"{mapping.dataset}-{_slug(column.name)}-{kind}-query"]
            g.add((shape, SH.sparql, constraint))
            g.add((constraint, RDF.type, SH.SPARQLConstraint))
            g.add((constraint, SH.select, Literal(query)))
            g.add((constraint, SH.message, Literal(rule.message[0], lang="ja")))
            g.add((constraint, SH.message, Literal(rule.message[1], lang="en")))
            constraints = {}
        for key_, value in constraints.items():
            g.add((shape, SH[key_], value if isinstance(value, URIRef | Literal) else Literal(value)))
        g.add((shape, SH.severity, rule.severity))
        g.add((shape, SH.message, Literal(rule.message[0], lang="ja")))
        g.add((shape, SH.message, Literal(rule.message[1], lang="en")))
        g.add((shape, FIX, Literal(rule.fix[0], lang="ja")))
        g.add((shape, FIX, Literal(rule.fix[1], lang="en")))

    for column in mapping.columns:
        if column.on != "record" or column.role == "publisher":
            continue
        target = column.targets[0]
        kind = target.normalizer
        if column.role == "id" and (kind == "id" or not column.required):
            add(column, target, "required", NO_ID, minCount=1)
        elif column.role == "id":  # part of the ID, but a value the standard requires (調査年月日)
            add(column, target, "required", REQUIRED, minCount=1)
        elif column.role in ("lat", "latlon"):
            add(column, target, "required", NO_COORDINATES, minCount=1)
        elif kind == "kana" and target.lang in (None, "ja"):
            add(column, target, "required", NO_KANA, minCount=1)
        elif column.required and target.lang in (None, "ja") and kind != "flag":
            # a blank yes/no cell means "no" in real files (災害種別_洪水 is 1 or blank), so a required
            # flag column must exist (checked when converting) but its cells may be blank
            add(column, target, "required", REQUIRED, minCount=1)
        elif column.name == "町字ID":
            add(column, target, "recommended", NO_TOWN_ID, minCount=1)
        if column.role in ("lat", "lon", "latlon"):
            continue  # coordinates have their own shared shapes
        for t in column.targets:
            value_rule = _VALUE_RULES.get(t.normalizer)
            parent_class = t.steps[-1].cls if t.steps else None
            link = t.steps[-1].predicate if t.steps else None
            if value_rule is None or (parent_class, t.leaf) in by_class or (link, t.leaf) in by_link:
                continue
            constraints, rule = value_rule
            add(column, t, "value", rule, **constraints)
    return g


def _presence_query(mapping: Mapping, target: Target, column: ColumnSpec) -> str | None:
    """A SPARQL test that ``target``'s own node holds a value, when other record columns fill the
    same predicate path on sibling nodes (36 age groups under itsu:populationByAgeSex, a second
    ic:ID with its ic:体系), or when the column breaks down a total (``breakdown_of``: a record giving the
    total and none of the breakdown withholds it, :mod:`itsutsuboshi.converters.suppression`); ``None``
    when the path alone says where the value is."""
    preds = tuple(s.predicate for s in target.steps)
    targets = [t for c in mapping.columns if c.on == "record" for t in c.targets]
    siblings = [t for t in targets if tuple(s.predicate for s in t.steps) == preds and t.parent != target.parent]
    if not column.breakdown_of and (not preds or not siblings):
        return None
    mine = {t.leaf for t in targets if t.parent == target.parent} | {k for k, _ in _stated(target)}
    theirs = {t.leaf for t in siblings} | {k for t in siblings for k, _ in _stated(t)}
    lines = []
    subject = "$this"
    for i, step in enumerate(target.steps, 1):
        lines.append(f"{subject} <{step.predicate}> ?n{i} .")
        lines += [f"?n{i} <{p}> {_constant(v)} ." for p, v in step.consts]
        subject = f"?n{i}"
    lines += [f"{subject} <{p}> {_constant(v)} ." for p, v in target.with_]
    lines.append(f"{subject} <{target.leaf}> ?value .")
    lines += [f"FILTER NOT EXISTS {{ {subject} <{p}> [] }}" for p in sorted(theirs - mine)]
    body = "\n            ".join(lines)
    withheld = _withheld_filter(mapping, column)
    # OPTIONAL + !BOUND rather than FILTER NOT EXISTS: the same answers, and engines join it once
    # instead of re-running the inner pattern for every focus node
    return f"""
        SELECT DISTINCT $this WHERE {{
          OPTIONAL {{
            {body}
          }}
          FILTER(!BOUND(?value)){withheld}
        }}
    """


def _withheld_filter(mapping: Mapping, column: ColumnSpec) -> str:
    """For a column breaking down a total: missing only when the total is missing too or another part of
    the breakdown is given (a breakdown withheld as a whole, the total given, is suppression, not absence)."""
    if not column.breakdown_of:
        return ""
    total = next(c for c in mapping.columns if c.name == column.breakdown_of).targets[0]
    parts = [c.targets[0] for c in mapping.columns if c.breakdown_of == column.breakdown_of]
    by_place: dict[tuple[tuple[str, ...], str], list[Target]] = {}
    for part in parts:
        by_place.setdefault((tuple(s.predicate for s in part.steps), part.leaf), []).append(part)
    given = " UNION ".join("{ " + " ".join(_pattern(place[0], place[1], _common(found), "g", "?given")) + " }"
                           for place, found in by_place.items())
    total_pattern = " ".join(_pattern(tuple(s.predicate for s in total.steps), total.leaf, (), "t", "?total"))
    # OPTIONAL + BOUND rather than FILTER(NOT EXISTS … || EXISTS …): the same answers, a hundred times faster
    # (the engine joins each pattern once instead of re-running it for every focus node)
    return (f"\n          OPTIONAL {{ {total_pattern} }}"
            f"\n          OPTIONAL {{ {given} }}"
            f"\n          FILTER(!BOUND(?total) || BOUND(?given))")


def _common(targets: list[Target]) -> list[tuple[str, object]]:
    """The constants every target of one place states (itsu:sex of one sex's age bands)."""
    return [kv for kv in _stated(targets[0]) if all(kv in _stated(t) for t in targets)]


def _stated(target: Target) -> tuple[tuple[str, object], ...]:
    """The constants ``target``'s node states: its ``with`` and those of its last step."""
    return (*target.with_, *(target.steps[-1].consts if target.steps else ()))


def _pattern(preds: tuple[str, ...], leaf: str, consts: list[tuple[str, object]] | tuple, name: str,
             value: str) -> list[str]:
    """Triple patterns from ``$this`` along ``preds`` (nodes ``?{name}1`` …) to ``value`` of ``leaf``, the last
    node stating ``consts``."""
    lines, subject = [], "$this"
    for i, pred in enumerate(preds, 1):
        lines.append(f"{subject} <{pred}> ?{name}{i} .")
        subject = f"?{name}{i}"
    lines += [f"{subject} <{p}> {_constant(v)} ." for p, v in consts]
    lines.append(f"{subject} <{leaf}> {value} .")
    return lines


def _constant(value: object) -> str:
    """A mapping constant as a SPARQL term, typed as the converter writes it."""
    if isinstance(value, bool):
        return Literal(value).n3()
    if isinstance(value, int):
        return Literal(value).n3()
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return f"<{value}>"
    return Literal(str(value)).n3()


def _path(g: Graph, predicates: tuple[str, ...]) -> URIRef | BNode:
    if len(predicates) == 1:
        return URIRef(predicates[0])
    head = BNode()
    Collection(g, head, [URIRef(p) for p in predicates])
    return head


def _slug(name: str) -> str:
    """A column name as a readable IRI fragment (letters, kana and kanji kept)."""
    return re.sub(r"[^\w\-]+", "_", name).strip("_") or "column"


def serialize(g: Graph, mapping: Mapping) -> str:
    """Turtle text of a generated shapes graph, with a header saying where it comes from."""
    head = (f"# SHACL shapes for {mapping.title_ja} ({mapping.title_en}), generated from "
            f"converters/mappings/{mapping.dataset}.toml by scripts/build_shapes.py. Do not edit.\n"
            "# Loaded together with common.ttl (shared shapes of the IMI types).\n\n")
    return head + g.serialize(format="turtle")
