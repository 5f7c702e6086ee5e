"""What converting a file produced (:class:`FileResult`), and converting and counting one row, shared by
the serial and the parallel conversion."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from itsutsuboshi.converters.claims import Minted
from itsutsuboshi.converters.coding import CodeStats
from itsutsuboshi.converters.engine import RowConverter
from itsutsuboshi.converters.issues import INFO, Issue, make_issue
from itsutsuboshi.converters.links import LinkStats
from itsutsuboshi.converters.mapping import Mapping
from itsutsuboshi.converters.model import Node
from itsutsuboshi.converters.recognize import Recognition

IssueSink = Callable[[Issue], None]


Progress = Callable[[int], None]


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    dataset: str | None = None
    generation: str | None = None
    confidence: float = 0.0
    encoding: str | None = None
    rows_read: int = 0
    data_rows: int = 0  # the data rows of the file: those read, or counted when the file was not converted
    rows_converted: int = 0
    rows_failed: int = 0
    rows_with_issues: int = 0
    blank_rows: int = 0
    lines: int = 0  # physical lines of the file read
    rows_total: int = 0  # spreadsheet rows read, of every kind: rows_read + rows_set_aside
    rows_set_aside: int = 0  # the header, '#' rows, blank rows, titles and notes (reported as such)
    triples: int = 0
    unmapped: list[str] = field(default_factory=list)
    issue_counts: Counter = field(default_factory=Counter)
    links: LinkStats | None = None  # with ``link=True``
    codes: CodeStats | None = None  # the values of code list columns and the concepts they name
    error: str | None = None
    publisher: str | None = None  # the publishing government's code (None: unknown)
    publisher_evidence: str = ""  # what it was read from (:class:`~.converters.publisher.Publisher`)
    source: str = ""  # the file's name in IRIs
    header: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # the ``#`` metadata rows
    minted: Minted | None = None  # the IDs taken and qualified (with ``claims``)
    mapping: Mapping | None = None  # the mapping the rows were converted with (fields bound to the columns)
    recognition: Recognition | None = None  # how the dataset and the columns were recognised

    @property
    def ok(self) -> bool:
        return self.error is None


def convert_row(converter: RowConverter, filename: str, row: int, cells: list[str], *,
                duplicate: bool = False) -> tuple[Node | None, list[Issue]]:
    """One row to a record tree and its issues; a row that cannot be converted becomes an issue."""
    try:
        node, issues = converter.convert(cells, row, duplicate=duplicate)
    except Exception as exc:  # a bad row never aborts the file
        return None, [make_issue("row.failed", file=filename, row=row, detail=f"{type(exc).__name__}: {exc}")]
    return node, issues


def count_row(result: FileResult, converted: bool, issues: list[Issue], report: IssueSink) -> None:
    """Account for one row in ``result`` and pass its issues on."""
    if converted:
        result.rows_converted += 1
    else:
        result.rows_failed += 1
    if issues:
        if any(i.severity != INFO for i in issues):  # notes (a repaired code, a 和暦 date) are not problems
            result.rows_with_issues += 1
        for issue in issues:
            report(issue)
