"""Validation reports: terminal summary, CSV/JSON rows, the standard SHACL report graph, HTML.

The report format of ``--report FILE`` follows the file's extension (:data:`EXTENSIONS`).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from itsutsuboshi import formats
from itsutsuboshi.converters.issues import ERROR, INFO, WARNING
from itsutsuboshi.shapes.engine import to_rdflib
from itsutsuboshi.shapes.generate import SHP
from itsutsuboshi.spreadsheet import safe_row
from itsutsuboshi.validation.findings import FIELDS, RANK, Finding
from itsutsuboshi.validation.validate import FileReport
from itsutsuboshi.vocab.namespaces import DCTERMS, ITSU, PREFIXES

SEVERITY_LABELS = {ERROR: ("エラー", "error"), WARNING: ("警告", "warning"), INFO: ("情報", "info")}
_SEVERITY_IRIS = {ERROR: SH.Violation, WARNING: SH.Warning, INFO: SH.Info}


# -- terminal ------------------------------------------------------------------------------------

def summary(reports: list[FileReport], *, limit: int = 5) -> str:
    """Problems grouped by rule and message, with counts and the first rows; then totals per file."""
    lines: list[str] = []
    for report in reports:
        counts = report.counts()
        head = (f"{report.name}: {report.dataset or '?'} — {report.rows or report.records} 行/rows, "
                + ", ".join(f"{SEVERITY_LABELS[s][0]} {counts.get(s, 0)}" for s in (ERROR, WARNING, INFO)))
        lines.append(head)
        for (severity, rule, column), (count, items) in _groups(report.all_findings(), limit):
            ja, en = items[0].message_ja, items[0].message_en
            where = ", ".join(f"{f.row}行" if f.row else "ファイル" for f in items)
            more = f" ほか{count - limit}件" if count > limit else ""
            col = f"「{column}」" if column else ""
            lines.append(f"  [{SEVERITY_LABELS[severity][0]}] {col}{ja} ×{count} ({where}{more})")
            lines.append(f"      {en}  [{rule}]")
            lines.append(f"      → {items[0].fix_ja} / {items[0].fix_en}")
    total = sum((r.counts() for r in reports), Counter())
    lines.append("合計 / total: " + ", ".join(
        f"{SEVERITY_LABELS[s][0]} {total.get(s, 0)} {SEVERITY_LABELS[s][1]}" for s in (ERROR, WARNING, INFO)))
    return "\n".join(lines)


def _groups(findings: Iterable[Finding], limit: int) -> list[tuple[tuple[str, str, str], tuple[int, list[Finding]]]]:
    """Findings by (severity, rule, column): how many, and the first ``limit``."""
    groups: dict[tuple[str, str, str], tuple[int, list[Finding]]] = {}
    for f in findings:  # messages may carry the value; the first one stands for the group
        count, first = groups.get((f.severity, f.rule, f.column), (0, []))
        if len(first) < limit:
            first.append(f)
        groups[(f.severity, f.rule, f.column)] = (count + 1, first)
    return sorted(groups.items(), key=lambda kv: (-RANK[kv[0][0]], -kv[1][0], kv[0][1]))


# -- rows ----------------------------------------------------------------------------------------

def write_csv(reports: list[FileReport], stream: IO[str]) -> None:
    """One row per finding (UTF-8 with BOM, so Excel opens it; no cell is taken for a formula:
    :mod:`.spreadsheet`)."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for report in reports:
        for f in report.all_findings():
            row = f.as_dict()
            writer.writerow(safe_row(row[k] for k in FIELDS))


def write_json(reports: list[FileReport], stream: IO[str]) -> None:
    """Files with their counts and findings."""
    data = {"conforms": not any(r.counts().get(ERROR) for r in reports), "files": [
        {"file": r.name, "path": r.path, "kind": r.kind, "dataset": r.dataset, "rows": r.rows,
         "records": r.records, "triples": r.triples, "error": r.error, "engine": r.engine, "shapes": r.shapes,
         "counts": {s: r.counts().get(s, 0) for s in (ERROR, WARNING, INFO)},
         "findings": [f.as_dict() for f in r.all_findings()]} for r in reports]}
    json.dump(data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


# -- SHACL report graph --------------------------------------------------------------------------

def report_graph(reports: list[FileReport]) -> Graph:
    """The standard ``sh:ValidationReport``: every SHACL result, plus conversion issues as results
    whose ``sh:sourceConstraintComponent`` is ``itsu:ConversionConstraintComponent``. Each result
    also says where it comes from: ``dcterms:source`` (the file), ``itsu:row``, ``itsu:column``, and
    ``itsu:fix`` (how to correct it)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sh", SH)
    g.bind("shp", SHP)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    for file_report in reports:
        shapes = file_report.shapes_graph
        for finding in file_report.all_findings():
            if finding.results:
                for result in finding.results:
                    node = _shacl_result(g, result, shapes)
                    _provenance(g, node, finding)
                    g.add((report, SH.result, node))
            else:
                g.add((report, SH.result, _conversion_result(g, finding)))
            conforms = False
    g.add((report, SH.conforms, Literal(conforms)))
    return g


def _shacl_result(g: Graph, result, shapes: Graph | None) -> BNode:
    node = BNode()
    check = result.check
    g.add((node, RDF.type, SH.ValidationResult))
    g.add((node, SH.focusNode, to_rdflib(result.focus)))
    if result.value is not None:
        g.add((node, SH.value, to_rdflib(result.value)))
    if result.path is not None:
        g.add((node, SH.resultPath, _copy(shapes, g, result.path)))
    g.add((node, SH.sourceShape, check.shape))
    g.add((node, SH.sourceConstraintComponent, check.component))
    if check.constraint is not None:
        g.add((node, SH.sourceConstraint, check.constraint))
    g.add((node, SH.resultSeverity, check.severity))
    for message in check.messages:
        g.add((node, SH.resultMessage, message))
    return node


def _conversion_result(g: Graph, finding: Finding) -> BNode:
    node = BNode()
    g.add((node, RDF.type, SH.ValidationResult))
    if finding.focus:
        g.add((node, SH.focusNode, URIRef(finding.focus)))
    g.add((node, SH.sourceShape, URIRef(ITSU + "issue/" + finding.rule)))
    g.add((node, SH.sourceConstraintComponent, URIRef(ITSU + "ConversionConstraintComponent")))
    g.add((node, SH.resultSeverity, _SEVERITY_IRIS[finding.severity]))
    if finding.value:
        g.add((node, SH.value, Literal(finding.value)))
    g.add((node, SH.resultMessage, Literal(finding.message_ja, lang="ja")))
    g.add((node, SH.resultMessage, Literal(finding.message_en, lang="en")))
    _provenance(g, node, finding)
    return node


def _provenance(g: Graph, node: BNode, finding: Finding) -> None:
    g.add((node, URIRef(DCTERMS + "source"), Literal(finding.file)))
    if finding.row > 0:
        g.add((node, URIRef(ITSU + "row"), Literal(finding.row)))
    if finding.column:
        g.add((node, URIRef(ITSU + "column"), Literal(finding.column)))
    g.add((node, URIRef(ITSU + "fix"), Literal(finding.fix_ja, lang="ja")))
    g.add((node, URIRef(ITSU + "fix"), Literal(finding.fix_en, lang="en")))


def _copy(source: Graph | None, target: Graph, node):
    """A path node with the blank-node structure it has in the shapes graph (RDF lists etc.)."""
    if not isinstance(node, BNode) or source is None:
        return node
    copy = BNode()
    for p, o in source.predicate_objects(node):
        target.add((copy, p, _copy(source, target, o)))
    return copy


# -- dispatch ------------------------------------------------------------------------------------

def _write_rdf(format: str) -> Callable[[list[FileReport], IO[str]], None]:
    def write(reports: list[FileReport], stream: IO[str]) -> None:
        stream.write(report_graph(reports).serialize(format=format))
    return write


def _write_html(reports: list[FileReport], stream: IO[str]) -> None:
    from itsutsuboshi.validation.report_html import render_html
    stream.write(render_html(reports))


EXTENSIONS: dict[str, Callable[[list[FileReport], IO[str]], None]] = {
    ".csv": write_csv, ".json": write_json, ".html": _write_html, ".htm": _write_html,
    **{f.extension: _write_rdf(f.serializer) for f in formats.all_formats()},
}


def write_report(reports: list[FileReport], path: str | Path) -> None:
    """Write ``reports`` to ``path`` in the format its extension names."""
    path = Path(path)
    writer = EXTENSIONS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"unknown report format {path.suffix!r}; use one of {', '.join(EXTENSIONS)}")
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer(reports, stream)


__all__ = ["EXTENSIONS", "report_graph", "summary", "write_csv", "write_json", "write_report"]
