"""A dataset as one flat table, for spreadsheets and scripts: ``/table/{dataset}/{code}.csv`` (UTF-8 with a
BOM, so Excel opens it) and ``.json``, and the points of its map, ``/points/{dataset}/{code}.json``.

Columns are data (:data:`COLUMNS`): the record's IRI, name, kana, address, lat, long, 町字ID (ABR), the
municipality code (of the address, else the publisher's), telephone and web site, read through the IMI paths the mappings write (a record's own
``ic:住所`` or its ``ic:設置地点``'s), then every literal property the dataset's records have at most once
(one column each, named by its compact IRI). The records are read page by page (:data:`PAGE_SIZE` at a time,
after the last IRI of the page before), so a large dataset is never in memory at once; the answer streams.
A CSV cell that a spreadsheet would read as a formula (``= + - @``, tab, CR) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, abort, stream_with_context

from itsutsuboshi.iris import POINTS_PATH, TABLE_PATH, IriBuilder
from itsutsuboshi.store import Store
from itsutsuboshi.vocab.namespaces import IC, ITSU, SCHEMA, WGS, XSD

from . import render
from .describe import DCAT_DATASET, DCTERMS_IS_PART_OF, TRUE_TEXTS, BadIri, bindings, checked_iri
from .state import site_state

bp = Blueprint("flat", __name__)

#: records read per query
PAGE_SIZE = 1000
#: the most points a map is sent
MAX_POINTS = 50000
_ADDRESS = f"(<{IC}住所>|<{IC}設置地点>/<{IC}住所>)"
_NUMBERS = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger",
                              "decimal", "double", "float")}
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column of the flat table: its ``name``, the SPARQL property path that reads it from a record
    (``None`` for the IRI itself), and what it means."""

    name: str
    path: str | None
    ja: str
    en: str
    property: str | None = None  # the property of a dataset's own literal column


#: the normalised columns every flat table starts with
COLUMNS = (
    Column("iri", None, "IRI", "IRI"),
    Column("name", f"(<{SCHEMA}name>|<{render.LABEL}>)", "名称", "Name"),
    Column("kana", f"(<{IC}名称>|<{IC}設置地点>/<{IC}名称>)/<{IC}カナ表記>", "カナ", "Kana"),
    Column("address", f"{_ADDRESS}/<{IC}表記>", "住所", "Address"),
    Column("lat", f"<{WGS}lat>", "緯度", "Latitude"),
    Column("long", f"<{WGS}long>", "経度", "Longitude"),
    Column("machiaza_id", f"({_ADDRESS}|<{ITSU}area>)/<{ITSU}town>", "町字ID（アドレス・ベース・レジストリ）",
           "Machiaza ID (address base registry)"),
    Column("lg_code", f"{_ADDRESS}/<{IC}市区町村コード>/<{IC}識別値>", "全国地方公共団体コード", "Local government code"),
    Column("tel", f"<{IC}連絡先>/<{IC}電話番号>", "電話番号", "Telephone"),
    Column("website", f"(<{IC}Webサイト>|<{IC}連絡先>/<{IC}Webサイト>)", "Webサイト", "Web site"),
)
#: properties the normalised columns already show
_SHOWN = frozenset({SCHEMA + "name", render.LABEL, WGS + "lat", WGS + "long", IC + "Webサイト"})


@dataclass(frozen=True)
class Cell:
    """A value read: its text, and its datatype IRI (``""`` for an IRI)."""

    text: str
    datatype: str = ""


Row = dict[str, Cell | None]


def dataset_iri(iris: IriBuilder, dataset: str, code: str) -> str:
    """The IRI of the dataset ``dataset`` of ``code``, checked safe for a query (:class:`BadIri`)."""
    return checked_iri(iris.dataset(dataset, code))


def is_dataset(store: Store, iri: str) -> bool:
    """Whether the store has ``iri`` as a ``dcat:Dataset`` (a SELECT: Virtuoso answers ASK as a result row)."""
    body, _ = store.query(f"SELECT ?d WHERE {{ BIND(<{checked_iri(iri)}> AS ?d) ?d a <{DCAT_DATASET}> }} LIMIT 1",
                          results="json")
    return bool(bindings(body))


def columns(store: Store, dataset: str) -> list[Column]:
    """:data:`COLUMNS`, then a column for each literal property no record of ``dataset`` has twice."""
    d = f"<{checked_iri(dataset)}>"
    body, _ = store.query(
        f"SELECT ?p (MAX(?c) AS ?most) (SAMPLE(?l) AS ?label) WHERE {{ {{ SELECT ?p (COUNT(?o) AS ?c) WHERE {{ "
        f"?r <{DCTERMS_IS_PART_OF}> {d} ; ?p ?o FILTER(isLiteral(?o)) }} GROUP BY ?r ?p }} "
        f"OPTIONAL {{ ?p <{render.LABEL}> ?l FILTER(langMatches(lang(?l), 'ja')) }} }} GROUP BY ?p ORDER BY ?p",
        results="json")
    out, names = list(COLUMNS), {c.name for c in COLUMNS}
    for row in bindings(body):
        p = row["p"]
        if int(row["most"]) != 1 or p in _SHOWN:
            continue
        try:
            checked_iri(p)
        except BadIri:
            continue
        term = render.term(p)
        name = term.curie if term.curie != p else row.get("label") or p
        while name in names:
            name += "_"
        names.add(name)
        out.append(Column(name, f"<{p}>", term.ja or row.get("label", ""), term.en, property=p))
    return out


def page_query(dataset: str, cols: list[Column], *, after: str | None, limit: int) -> str:
    """The records of ``dataset`` after the IRI ``after`` (in IRI order), ``limit`` of them, one row each
    with the smallest value of each column."""
    d = f"<{checked_iri(dataset)}>"
    start = f' && STR(?r) > "{checked_iri(after)}"' if after else ""
    picks, reads = [], []
    for i, c in enumerate(cols):
        if c.path is not None:
            picks.append(f"(MIN(?v{i}) AS ?c{i})")
            reads.append(f"OPTIONAL {{ ?r {c.path} ?v{i} FILTER(!isBlank(?v{i})) }}")
    return (f"SELECT ?r {' '.join(picks)} WHERE {{ {{ SELECT ?r WHERE {{ ?r <{DCTERMS_IS_PART_OF}> {d} "
            f"FILTER(isIRI(?r){start}) }} ORDER BY STR(?r) LIMIT {int(limit)} }} {' '.join(reads)} }} "
            f"GROUP BY ?r ORDER BY STR(?r)")


def rows(store: Store, iris: IriBuilder, dataset: str, cols: list[Column]) -> Iterator[Row]:
    """Every record of ``dataset`` as ``{column name: Cell or None}``, :data:`PAGE_SIZE` per query; a
    record with no address of its own has the dataset's publisher's code as its ``lg_code``."""
    parts = iris.parse(dataset)
    publisher = Cell(parts.code, XSD + "string") if parts is not None and parts.code else None
    after = None
    while True:
        body, _ = store.query(page_query(dataset, cols, after=after, limit=PAGE_SIZE), results="json")
        found = json.loads(body)["results"]["bindings"]
        for binding in found:
            row: Row = {}
            for i, c in enumerate(cols):
                value = binding.get("r" if c.path is None else f"c{i}")
                row[c.name] = None if value is None else _cell(value, c, iris)
            if "lg_code" in row and row["lg_code"] is None:
                row["lg_code"] = publisher
            yield row
        if len(found) < PAGE_SIZE:
            return
        after = found[-1]["r"]["value"]


def _cell(value: dict[str, str], column: Column, iris: IriBuilder) -> Cell:
    if value["type"] == "uri":
        if column.name == "machiaza_id" and (parts := iris.parse(value["value"])) is not None and parts.kind == "town":
            return Cell(parts.id, XSD + "string")
        return Cell(iris.shown(value["value"]))
    return Cell(value["value"], value.get("datatype", XSD + "string"))


def json_value(cell: Cell | None) -> str | int | float | bool | None:
    """A cell in JSON: numbers and booleans typed as such, anything else its text."""
    if cell is None:
        return None
    if cell.datatype in _NUMBERS:
        try:
            number = float(cell.text)
        except ValueError:
            return cell.text
        return int(number) if cell.datatype.endswith(("integer", "int", "long", "short")) and number.is_integer() \
            else number
    if cell.datatype == XSD + "boolean":
        return cell.text in TRUE_TEXTS
    return cell.text


def csv_text(cell: Cell | None) -> str:
    """A cell in CSV, with a leading ``'`` where a spreadsheet would read a formula (plain numbers aside);
    booleans as ``true`` / ``false`` (Virtuoso gives ``1`` / ``0``)."""
    if cell is None:
        return ""
    if cell.datatype == XSD + "boolean":
        return "true" if cell.text in TRUE_TEXTS else "false"
    text = cell.text
    if text.startswith(_FORMULA) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_chunks(names: list[str], records: Iterator[Row]) -> Iterator[str]:
    """The CSV (BOM, a header of the column ``names``, CRLF lines) a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(names)
    for n, row in enumerate(records, 1):
        writer.writerow([csv_text(row[name]) for name in names])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(dataset: str, cols: list[Column], records: Iterator[Row]) -> Iterator[str]:
    """``{"dataset", "columns", "records": [...]}``, one record at a time."""
    meta = [{"name": c.name, "ja": c.ja, "en": c.en, "property": c.property} for c in cols]
    yield (f'{{"dataset": {json.dumps(dataset)}, "columns": {json.dumps(meta, ensure_ascii=False)}, '
           f'"records": [')
    for n, row in enumerate(records):
        yield ("," if n else "") + "\n" + json.dumps({k: json_value(v) for k, v in row.items()}, ensure_ascii=False)
    yield "\n]}\n"


def _dataset_or_404(dataset: str, code: str) -> str:
    state = site_state()
    try:
        iri = dataset_iri(state.iris, dataset, code)
    except BadIri:
        abort(404)
    if not is_dataset(state.store, iri):
        abort(404)
    return iri


def _filename(dataset: str, code: str, ext: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{dataset}-{code}") + ext


@bp.get(f"/{TABLE_PATH}/<dataset>/<code>.<ext>")
def table(dataset: str, code: str, ext: str) -> Response:
    """The flat table of a dataset, CSV or JSON, streamed."""
    if ext not in ("csv", "json"):
        abort(404)
    iri = _dataset_or_404(dataset, code)
    state = site_state()
    cols = columns(state.store, iri)
    records = rows(state.store, state.iris, iri, cols)
    headers = {"Content-Disposition": f'attachment; filename="{_filename(dataset, code, "." + ext)}"',
               "X-Content-Type-Options": "nosniff"}
    if ext == "csv":
        chunks = csv_chunks([c.name for c in cols], records)
        return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8", headers=headers)
    chunks = json_chunks(state.iris.shown(iri), cols, records)
    return Response(stream_with_context(chunks), content_type="application/json", headers=headers)


@bp.get(f"/{POINTS_PATH}/<dataset>/<code>.json")
def points(dataset: str, code: str) -> Response:
    """``[[lat, long, name, IRI], …]`` of the records that have coordinates (at most :data:`MAX_POINTS`)."""
    iri = _dataset_or_404(dataset, code)
    state = site_state()
    cols = [c for c in COLUMNS if c.name in ("iri", "name", "lat", "long")]
    found = []
    for row in rows(state.store, state.iris, iri, cols):
        lat, long = json_value(row["lat"]), json_value(row["long"])
        if isinstance(lat, float | int) and isinstance(long, float | int) and -90 <= lat <= 90 \
                and -180 <= long <= 180:
            name, record = row["name"], row["iri"]
            found.append([lat, long, name.text if name else "", record.text if record else ""])
            if len(found) >= MAX_POINTS:
                break
    return Response(json.dumps(found, ensure_ascii=False, separators=(",", ":")), content_type="application/json")
