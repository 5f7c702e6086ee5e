"""Validation (``validate``): a CSV or an RDF file in, findings that point to file, row and column.

A CSV is converted first (its row-level issues are kept), and checked against the shapes of its
dataset a chunk of records at a time (each chunk, with the file's shared descriptions, in an
in-memory pyoxigraph store), so memory stays flat whatever the size of the file. An RDF file is loaded as it is and checked
against the shapes of the datasets it declares (``dcterms:conformsTo``), or all of them. Every
SHACL result is traced back: focus node → record → ``prov:wasDerivedFrom <…/file.csv#row=N>``,
and the property path → the column that fills it. Conversion issues and SHACL results about the
same cell become one :class:`Finding`.
"""

from __future__ import annotations

import re
import tempfile
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from itsutsuboshi import formats, rdf_input
from itsutsuboshi import shapes as bundled_shapes
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.claims import Claims
from itsutsuboshi.converters.issues import ERROR, INFO, WARNING, Issue, make_issue
from itsutsuboshi.converters.mapping import Mapping
from itsutsuboshi.converters.reader import InputFile
from itsutsuboshi.converters.writers import CanonicalNTriplesWriter, open_writer
from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.iris import DEFAULT_BASE, IriBuilder, parse_source_row
from itsutsuboshi.pipeline.convert import FileResult, convert_file
from itsutsuboshi.shapes.compile import path_predicates
from itsutsuboshi.shapes.engine import ShaclEngine, ShaclResult
from itsutsuboshi.shapes.generate import FIX, dataset_shapes
from itsutsuboshi.spool import Cursor, Spool
from itsutsuboshi.validation.findings import RANK, Finding, Findings, MissingColumns, merge
from itsutsuboshi.vocab.namespaces import DCTERMS, GEO, ITSU, PROV, RDF, RDFS, SCHEMA, WGS

SEVERITIES = {str(SH.Violation): ERROR, str(SH.Warning): WARNING, str(SH.Info): INFO}
#: triples of records validated together (a chunk of whole records and the file's shared descriptions)
CHUNK_TRIPLES = 100_000
_DERIVED_FROM = ox.NamedNode(PROV + "wasDerivedFrom")
_TYPE = ox.NamedNode(RDF + "type")

#: default texts per constraint component, when a shape has no sh:message / itsu:fix of its own
_DEFAULTS: dict[str, tuple[str, str, str, str]] = {
    "MinCount": ("値がありません。", "A value is missing.", "この列に値を入れてください。", "Fill in this column."),
    "MaxCount": ("値が多すぎます。", "Too many values.", "値を 1 つにしてください。", "Keep one value."),
    "Datatype": ("値の型が違います。", "Wrong kind of value.", "書式を確認してください。", "Check the format."),
    "Pattern": ("書式が違います。", "Wrong format.", "書式を確認してください。", "Check the format."),
    "In": ("決められた値のどれでもありません。", "Not one of the allowed values.",
           "決められた値から選んでください。", "Use one of the allowed values."),
}
_FALLBACK = ("規則に合いません。", "Does not meet a rule.", "値を確認してください。", "Check the value.")


@dataclass
class FileReport:
    """The validation of one input file."""

    path: str
    kind: str  # "csv" or "rdf"
    dataset: str | None = None
    rows: int = 0  # CSV rows read
    records: int = 0  # records validated
    triples: int = 0
    shapes: list[str] = field(default_factory=list)
    engine: str = "sparql"  # or "pyshacl" (shapes outside the compiled subset)
    findings: list[Finding] = field(default_factory=list)
    results: list[ShaclResult] = field(default_factory=list, repr=False)  # every SHACL result
    shapes_graph: Graph | None = field(default=None, repr=False)
    error: str | None = None
    result: FileResult | None = field(default=None, repr=False)  # the conversion (CSV input)
    every: Findings | None = field(default=None, repr=False)  # all findings, when ``findings`` is a sample

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def titles(self) -> tuple[str, str]:
        """Japanese and English titles of the dataset(s), e.g. ("AED設置箇所一覧", "AED locations")."""
        found = [mappings.get(d) for d in (self.dataset or "").split(", ") if d in mappings.names()]
        return ("、".join(m.title_ja for m in found) or (self.dataset or "—"),
                ", ".join(m.title_en for m in found) or (self.dataset or "—"))

    def all_findings(self) -> Findings | list[Finding]:
        """Every finding (:attr:`findings` holds a sample when a file has too many to keep in memory)."""
        return self.every if self.every is not None else self.findings

    def counts(self) -> Counter:
        if self.every is not None:
            return +self.every.severities
        return Counter(f.severity for f in self.findings)

    def rows_with(self, severity: str) -> int:
        return len({(f.file, f.row) for f in self.all_findings() if f.severity == severity and f.row > 0})


# -- columns ------------------------------------------------------------------------------------

class ColumnIndex:
    """Which column fills which path (predicates from the record), for one mapping."""

    def __init__(self, entries: dict[tuple[str, ...], str], names: dict[str, str] | None = None) -> None:
        self.entries = entries
        self.names = names or {}  # standard column name -> the file's header

    def named(self, name: str) -> str:
        """The file's header for the standard column ``name``."""
        return self.names.get(name, name)

    @classmethod
    def for_mapping(cls, mapping: Mapping, header: list[str] | None = None, *, on: str = "record") -> ColumnIndex:
        """Paths of ``mapping``'s columns that describe ``on`` (the record, or its publisher), named as
        in ``header`` (the canonical names without one)."""
        names: dict[str, str] = {}
        for h in header or []:
            spec = mapping.column_for(h)
            if spec is not None and spec.name not in names:
                names[spec.name] = h
        entries: dict[tuple[str, ...], str] = {}
        for spec in mapping.columns:
            if header is not None and spec.name not in names:
                continue
            label = names.get(spec.name, spec.name)
            if spec.on != on or (on == "publisher" and spec.role == "publisher"):
                continue
            for target in spec.targets:
                entries.setdefault(tuple(s.predicate for s in target.steps) + (target.leaf,), label)
            if spec.role in ("lat", "latlon"):
                entries.setdefault((WGS + "lat",), label)
                entries.setdefault((GEO + "hasGeometry", GEO + "asWKT"), label)
            if spec.role in ("lon", "latlon"):
                entries.setdefault((WGS + "long",), label)
            if spec.role == "name":
                entries.setdefault((RDFS + "label",), label)
                entries.setdefault((SCHEMA + "name",), label)
        return cls(entries, names)

    def lookup(self, preds: tuple[str, ...]) -> str:
        if not preds:
            return ""
        found = self.entries.get(preds)
        if found is not None:
            return found
        for key, name in self.entries.items():  # a node on the way to a column (住所型 → 住所)
            if key[:len(preds)] == preds:
                return name
        return ""


@cache
def _bundled_columns() -> dict[str, ColumnIndex]:
    """Column indexes of the bundled mappings, by the dataset's own class."""
    return {m.types[-1]: ColumnIndex.for_mapping(m) for m in (mappings.get(n) for n in mappings.names())}


# -- shapes -------------------------------------------------------------------------------------

@cache
def _engine_for(datasets: tuple[str, ...] | None) -> ShaclEngine:
    return ShaclEngine(bundled_shapes.load(datasets))


def engine_for_mapping(mapping: Mapping) -> ShaclEngine:
    """Bundled shapes for a bundled mapping (also when its fields are bound to a file's own column names);
    shapes generated from the mapping for a user's own mapping or the generic table."""
    if mapping.dataset in bundled_shapes.names() and mappings.get(mapping.dataset).columns is mapping.columns:
        return _engine_for((mapping.dataset,))
    return _generated_engine(mapping.columns, mapping)


_GENERATED: dict[int, tuple[tuple, ShaclEngine]] = {}


def _generated_engine(columns: tuple, mapping: Mapping) -> ShaclEngine:
    """Shapes generated for a mapping, once for each set of fields (the generic table's are the same for
    every file)."""
    kept = _GENERATED.get(id(columns))
    if kept is None or kept[0] is not columns:
        g = bundled_shapes.load(())
        kept = _GENERATED[id(columns)] = (columns, ShaclEngine(g + dataset_shapes(mapping, g)))
    return kept[1]


def load_shapes(path: str | Path) -> Graph:
    """A user's shapes file (any RDF syntax rdflib reads); :class:`ValueError` when it is refused or
    nested too deeply for rdflib."""
    rdf_input.check(path, max_bytes=rdf_input.MAX_SHAPES_BYTES)
    try:
        return Graph().parse(str(path))
    except RecursionError:
        raise ValueError(f"{Path(path).name}: nested too deeply to read (give nested nodes IRIs)") from None


# -- validate -----------------------------------------------------------------------------------

def validate_file(path: str | Path, *, shapes: Graph | None = None, base: str = DEFAULT_BASE,
                  dataset: str | None = None, mapping: Mapping | None = None, code: str | None = None,
                  threads: int = 2) -> FileReport:
    """Validate one CSV (converted first) or RDF file; never raises for bad input."""
    path = Path(path)
    if formats.by_extension(path.suffix, reading=True):
        return validate_rdf(path, shapes=shapes, threads=threads)
    return validate_csv(path, shapes=shapes, base=base, dataset=dataset, mapping=mapping, code=code,
                        threads=threads)


def validate_csv(path: str | Path, *, shapes: Graph | None = None, base: str = DEFAULT_BASE,
                 dataset: str | None = None, mapping: Mapping | None = None, code: str | None = None,
                 threads: int = 2, link: bool = False) -> FileReport:
    """Convert (with registry links when ``link``) and validate one CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        return convert_and_validate(path, Path(tmp) / "records.nt", Path(tmp) / "shared.nt", shapes=shapes,
                                    iris=IriBuilder(base), dataset=dataset, mapping=mapping, code=code,
                                    threads=threads, link=link)


def convert_and_validate(path: str | Path | InputFile, records: Path, shared: Path, *, iris: IriBuilder,
                         shapes: Graph | None = None, dataset: str | None = None, mapping: Mapping | None = None,
                         code: str | None = None, threads: int = 2, link: bool = False, source: str | None = None,
                         claims: Claims | None = None, label_prefix: str = "b", keep_results: bool = True) -> FileReport:
    """Convert one CSV into ``records`` (N-Triples, the rows) and ``shared`` (N-Triples, what describes the
    file: publishers, dataset, source, 町字; blank nodes labelled by content), then validate it a chunk of
    records at a time. One conversion serves validation and loading (``publish``). Without
    ``keep_results`` the SHACL results are not kept beside the findings (only a ``sh:ValidationReport``
    output needs them). ``path`` may be an :class:`InputFile` already opened (:func:`.convert_file`)."""
    opened = path if isinstance(path, InputFile) else None
    path = path.path if isinstance(path, InputFile) else Path(path)
    report = FileReport(str(path), "csv")
    whole: list[Issue] = []  # about the whole file
    issues: Spool[Issue] = Spool()  # row by row, in order

    def on_issue(issue: Issue) -> None:
        (issues.append if issue.row > 0 else whole.append)(issue)

    with open(records, "w", encoding="utf-8") as out, open(shared, "w", encoding="utf-8") as side:
        writer = open_writer(NTRIPLES, out, label_prefix=label_prefix)
        writer.mark_every(CHUNK_TRIPLES)
        described = CanonicalNTriplesWriter(side)
        result = convert_file(opened or path, writer, iris=iris, on_issue=on_issue, dataset=dataset, mapping=mapping,
                              code=code, link=link, shared=described, source=source, claims=claims)
        writer.close()
        described.close()
    report.result = result
    report.dataset, report.rows, report.records, report.triples = (
        result.dataset, result.rows_read, result.rows_converted, result.triples)
    if not result.ok:
        report.error = result.error
        report.findings = [_from_issue(i, {}) for i in [*whole, *issues]]
        return report
    chosen = result.mapping or mapping or mappings.get(result.dataset)  # type: ignore[arg-type]
    engine = ShaclEngine(shapes) if shapes is not None else engine_for_mapping(chosen)
    report.shapes = _shape_names(engine.shapes)
    report.shapes_graph = engine.shapes
    columns = ColumnIndex.for_mapping(chosen, result.header)
    publisher = ColumnIndex.for_mapping(chosen, result.header, on="publisher")
    report.every = _check_chunks(report, records, [*writer.marks, writer.triples], shared, engine,
                                 lambda _root, is_record: columns if is_record else publisher, threads,
                                 whole, issues, keep_results, MissingColumns(set(result.header), path.name))
    report.findings = report.every.sample()
    return report


def _check_chunks(report: FileReport, records: Path, ends: list[int], shared: Path, engine: ShaclEngine,
                  columns, threads: int, whole: list[Issue], issues: Spool[Issue],
                  keep_results: bool, missing: MissingColumns) -> Findings:
    """Validate ``records`` a chunk at a time (lines up to each of ``ends``), each chunk with ``shared``,
    and merge each chunk's SHACL results with the conversion issues of its rows (rows come in order); a
    result about a shared node, found in every chunk, is kept once."""
    if engine.unsupported:
        report.engine = "pyshacl"
    described = shared.read_bytes()
    found = Findings()
    about_file: list[Finding] = [_from_issue(i, {}) for i in whole]
    pending = Cursor(issues)
    seen: set[tuple] = set()
    with open(records, "rb") as f:
        start = 0
        ends = list(dict.fromkeys(ends))
        for number, end in enumerate(ends):
            chunk = b"".join(islice(f, end - start))
            start = end
            store = ox.Store()
            store.bulk_load(chunk + described, format=NTRIPLES.ox)
            rows = _Rows(store, report.name)
            last = number == len(ends) - 1
            top = max((row for _, row in rows.memo.values()), default=None)
            taken = pending.take_while(lambda i, last=last, top=top: last or (top is not None and i.row <= top))
            chunk_findings = [_from_issue(i, rows.records) for i in taken]
            for r in engine.validate(store, threads=threads):
                if r.root not in rows.memo:  # not about a record of this chunk: a shared node, seen in every chunk
                    key = (str(r.focus), str(r.value), r.check.shape, r.check.constraint, r.check.component, str(r.path))
                    if key in seen:
                        continue
                    seen.add(key)
                result = _from_result(r, engine.shapes, rows, columns)
                if keep_results:
                    report.results.append(r)
                else:
                    result.results = []
                chunk_findings.append(result)
            for finding in merge(chunk_findings):
                if finding.row <= 0:
                    about_file.append(finding)
                elif not missing.take(finding):
                    found.add(finding)
    found.set_head(merge(_required_columns(about_file, missing.covered) + missing.findings()))
    return found


def _required_columns(findings: list[Finding], covered: set[str]) -> list[Finding]:
    """The conversion's "required column missing" note keeps only the columns no rule reports."""
    out: list[Finding] = []
    for f in findings:
        if f.rule == "column.missing_required" and covered:
            missing = [c for c in f.message_ja.split(": ", 1)[-1].split("、") if c not in covered]
            if missing:
                out.append(_from_issue(make_issue("column.missing_required", file=f.file, detail="、".join(missing)), {}))
            continue
        out.append(f)
    return out


def validate_rdf(path: str | Path, *, shapes: Graph | None = None, threads: int = 2,
                 max_bytes: int = rdf_input.MAX_VALIDATE_BYTES) -> FileReport:
    """An RDF file, loaded as a whole into memory: refused unread when it is larger than ``max_bytes`` or
    hostile (:func:`.rdf_input.check`)."""
    path = Path(path)
    report = FileReport(str(path), "rdf")
    store = ox.Store()
    try:
        rdf_input.check(path, max_bytes=max_bytes)
    except rdf_input.UnsafeInput as exc:
        report.error = exc.code
        report.findings = [_from_issue(Issue(path.name, 0, "", "", exc.code, ERROR, exc.message_ja, exc.message_en,
                                             exc.fix_ja, exc.fix_en), {})]
        return report
    except OSError:
        pass  # reported below, as by the parser
    fmt = formats.by_extension(path.suffix, reading=True)
    try:
        if fmt is None:
            raise ValueError(f"no RDF format has the extension {path.suffix!r}")
        store.bulk_load(path=str(path), format=fmt.ox, base_iri=path.resolve().as_uri())
    except (OSError, SyntaxError, ValueError) as exc:
        report.error = "file.unreadable"
        report.findings = [_from_issue(make_issue("file.unreadable", file=path.name, detail=str(exc)), {})]
        return report
    report.triples = len(store)
    declared = _declared_datasets(store)
    report.dataset = ", ".join(declared) or None
    engine = ShaclEngine(shapes) if shapes is not None else _engine_for(tuple(declared) if declared else None)
    report.shapes = _shape_names(engine.shapes)
    report.shapes_graph = engine.shapes
    by_class = _bundled_columns()
    types: dict[str, ColumnIndex | None] = {}

    def columns(root: str, is_record: bool) -> ColumnIndex | None:
        if not is_record:
            return None
        if root not in types:
            found = None
            for quad in store.quads_for_pattern(ox.NamedNode(root), _TYPE, None):
                found = found or by_class.get(_value(quad.object))
            types[root] = found
        return types[root]

    _check(report, store, engine, columns, threads, [])
    report.records = sum(1 for _ in store.quads_for_pattern(None, _DERIVED_FROM, None))
    return report


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term's text (an RDF-star triple, never in the data, has none)."""
    return "" if isinstance(term, ox.Triple) else term.value


def _declared_datasets(store: ox.Store) -> list[str]:
    found = set()
    prefix = ITSU + "dataset/"
    for quad in store.quads_for_pattern(None, ox.NamedNode(DCTERMS + "conformsTo"), None):
        if _value(quad.object).startswith(prefix):
            name = _value(quad.object)[len(prefix):]
            if name in bundled_shapes.names():
                found.add(name)
    return sorted(found)


def _shape_names(g: Graph) -> list[str]:
    return sorted({str(s).rsplit("#", 1)[-1] for s in g.subjects(SH.targetClass, None)}
                  | {str(s).rsplit("#", 1)[-1] for s in g.subjects(SH.targetObjectsOf, None)})


def _check(report: FileReport, store: ox.Store, engine: ShaclEngine, columns, threads: int,
           issues: list[Issue]) -> None:
    if engine.unsupported:
        report.engine = "pyshacl"
    results = engine.validate(store, threads=threads)
    report.results = results
    rows = _Rows(store, report.name)
    findings = [_from_issue(i, rows.records) for i in issues]
    findings += [_from_result(r, engine.shapes, rows, columns) for r in results]
    report.findings = merge(findings)


class _Rows:
    """Record IRI → (source file, row) from ``prov:wasDerivedFrom``; and back."""

    def __init__(self, store: ox.Store, default_file: str) -> None:
        self.store = store
        self.default_file = default_file
        self.memo: dict[str, tuple[str, int]] = {}
        self.records: dict[tuple[str, int], str] = {}
        for quad in store.quads_for_pattern(None, _DERIVED_FROM, None):
            found = parse_source_row(_value(quad.object))
            if found and isinstance(quad.subject, ox.NamedNode):
                self.memo[quad.subject.value] = found
                self.records.setdefault(found, quad.subject.value)

    def of(self, root: str | None) -> tuple[str, int]:
        if root is None:
            return self.default_file, 0
        return self.memo.get(root, (self.default_file, 0))


def _from_issue(issue: Issue, records: dict[tuple[str, int], str]) -> Finding:
    return Finding(issue.file, issue.row, issue.column, issue.value, issue.severity, issue.code,
                   issue.message_ja, issue.message_en, issue.fix_ja, issue.fix_en, "convert",
                   records.get((issue.file, issue.row), ""))


def _from_result(result: ShaclResult, shapes: Graph, rows: _Rows, columns) -> Finding:
    check = result.check
    file, row = rows.of(result.root)
    preds = _shape_fact(shapes, ("path", result.path), path_predicates, shapes, result.path) \
        if result.path is not None else ()
    index = columns(result.root, row > 0) if result.root else None
    column = index.lookup(result.trail + (preds or ())) if index is not None else ""
    if check.constraint is not None and check.path is not None and result.trail == ():
        # a SPARQL rule of a property shape tells apart nodes the path alone cannot (age groups):
        # the shape's own column name is the exact one
        name = _text(shapes, check.shape, SH.name, "ja")
        column = (index.named(name) if index is not None else name) if name else column
    # a node-level SPARQL constraint is its own rule; in a property shape, the shape is the rule
    owner = check.constraint if check.constraint is not None and check.path is None else check.shape
    if not column:
        column = _text(shapes, check.shape, SH.name, "ja") or ""
    component = str(check.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    defaults = _DEFAULTS.get(component, _FALLBACK)
    messages = {m.language: str(m) for m in check.messages if isinstance(m, Literal)}
    value = result.value
    shown = "" if value is None or isinstance(value, ox.BlankNode) else value.value
    focus = result.root or str(result.focus)
    return Finding(
        file, row, column, shown, SEVERITIES.get(str(check.severity), ERROR),
        f"{_local(owner)}:{component.lower() if component.isupper() else component[0].lower() + component[1:]}",
        messages.get("ja") or messages.get(None) or defaults[0], messages.get("en") or defaults[1],
        _text(shapes, check.constraint, FIX, "ja") or _text(shapes, check.shape, FIX, "ja") or defaults[2],
        _text(shapes, check.constraint, FIX, "en") or _text(shapes, check.shape, FIX, "en") or defaults[3],
        "shacl", focus, [result])


#: what the shapes say, read once per shapes graph (a file can have thousands of results of a few checks)
_SHAPE_FACTS: weakref.WeakKeyDictionary[Graph, dict] = weakref.WeakKeyDictionary()


def _shape_fact(shapes: Graph, key: tuple, read, *args):
    facts = _SHAPE_FACTS.get(shapes)
    if facts is None:
        facts = _SHAPE_FACTS[shapes] = {}
    if key not in facts:
        facts[key] = read(*args)
    return facts[key]


def _text(g: Graph, subject, predicate: URIRef, lang: str) -> str | None:
    if subject is None:
        return None
    return _shape_fact(g, ("text", subject, predicate, lang), _read_text, g, subject, predicate, lang)


def _read_text(g: Graph, subject, predicate: URIRef, lang: str) -> str | None:
    for o in g.objects(subject, predicate):
        if isinstance(o, Literal) and o.language == lang:
            return str(o)
    return None


def _local(node) -> str:
    text = str(node)
    return re.split(r"[#/]", text)[-1] or text


def exit_status(reports: list[FileReport], *, fail_on: str = ERROR) -> int:
    """0 when nothing at or above ``fail_on`` (``"never"``: always 0), 1 otherwise, 2 when an input
    could not be read."""
    if any(r.error for r in reports):
        return 2
    if fail_on == "never":
        return 0
    threshold = RANK[fail_on]
    return 1 if any(RANK[severity] >= threshold for r in reports for severity in r.counts()) else 0
