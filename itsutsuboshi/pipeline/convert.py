"""The conversion pipeline: CSV --read--> RawRow --normalize/to_rdf--> record trees --write--> RDF.

:func:`convert_file` never raises for bad input: an unreadable file, an unrecognised header or a
row that fails all become :class:`~itsutsuboshi.converters.issues.Issue` objects, passed to
``on_issue`` as they are found (so memory stays flat), and counted in the :class:`FileResult`.

The file is opened once (:class:`~itsutsuboshi.converters.reader.InputFile`): the rows recognition
samples and those read for the publisher's code are read ahead from the same stream and kept, so the
conversion reads every row once; the :class:`FileResult` carries what later stages need of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from itsutsuboshi.converters import absences
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters import publisher as publishers
from itsutsuboshi.converters.claims import Claims
from itsutsuboshi.converters.engine import RowConverter
from itsutsuboshi.converters.issues import Issue, make_issue
from itsutsuboshi.converters.links import Linker
from itsutsuboshi.converters.mapping import Mapping
from itsutsuboshi.converters.normalize import repair_lgcode
from itsutsuboshi.converters.profile import SAMPLE
from itsutsuboshi.converters.reader import CsvSource, InputFile, RawRow, open_csv
from itsutsuboshi.converters.recognize import LOW_CONFIDENCE, Recognition, recognize
from itsutsuboshi.converters.writers import Writer
from itsutsuboshi.iris import UNKNOWN_CODE, IriBuilder
from itsutsuboshi.pipeline import collector, parallel
from itsutsuboshi.pipeline.result import FileResult, IssueSink, Progress, convert_row, count_row
from itsutsuboshi.vocab.namespaces import IC

#: rows read ahead for their code column when nothing else says who published a file
PUBLISHER_SAMPLE_ROWS = 20_000


def convert_file(path: str | Path | InputFile, writer: Writer, *, iris: IriBuilder, on_issue: IssueSink,
                 dataset: str | None = None, mapping: Mapping | None = None, code: str | None = None,
                 progress: Progress | None = None, workers: int = 1, link: bool = False,
                 shared: Writer | None = None, source: str | None = None, claims: Claims | None = None) -> FileResult:
    """Convert one CSV into ``writer``; report every problem to ``on_issue``.

    ``path`` may be an :class:`InputFile` already opened (``publish`` opens each file once, for its
    checksums too); it is closed when the conversion is done.
    ``code`` is the publisher's 団体コード when the file does not say it (:mod:`.converters.publisher`).
    With ``shared``, what describes the file rather than its rows (the publisher and the municipalities
    named, the dataset, the source, custom column properties, 町字) goes there instead of ``writer``.
    ``source`` is the file's name in IRIs (default: its own name); with ``claims``, an ID another file of
    the dataset already holds gets a qualified IRI (:mod:`.converters.claims`).

    With ``link``, records get their links to the base registries (:mod:`.converters.links`);
    linking runs in this process, so the file is converted serially.

    With ``workers`` > 1, files of :data:`parallel.MIN_BYTES` or more are converted by that many
    processes (same output, rows in the same order).
    """
    opened = path if isinstance(path, InputFile) else None
    path = path.path if isinstance(path, InputFile) else Path(path)
    result = FileResult(str(path), source=source or path.name)
    shared = shared or writer

    def report(issue: Issue) -> None:
        result.issue_counts[issue.code] += 1
        on_issue(issue)

    try:
        opened = opened or InputFile(path)
        if opened.spreadsheet:
            opened.close()
            result.error = "file.excel"
            report(make_issue("file.excel", file=path.name))
            return result
        table = open_csv(opened, on_issue=report)  # title rows and notes are reported as read
    except (OSError, ValueError) as exc:
        code_ = "file.no_header" if str(exc) == "no header row" else "file.unreadable"
        result.error = code_
        report(make_issue(code_, file=path.name, detail=str(exc)))
        return result
    try:
        result.encoding, result.header, result.metadata = table.encoding, list(table.header), dict(table.metadata)
        chosen = mapping or (mappings.get(dataset) if dataset else None)
        recognition = _recognise(table, chosen)
        result.dataset = chosen.dataset if chosen else recognition.dataset
        result.generation, result.confidence = recognition.generation, recognition.confidence
        result.recognition = recognition
        if result.dataset is None or recognition.mapping is None:
            result.error = "file.unknown_dataset"
            best = ", ".join(f"{d}/{g} {s:.2f}" for d, g, s in recognition.candidates[:3])
            report(make_issue("file.unknown_dataset", file=path.name, detail=best or "-"))
            result.data_rows = table.count_rows()  # the size of the table, for the diagnosis
            return result
        chosen = recognition.mapping  # the dataset's fields, found under this file's column names
        result.mapping = chosen
        candidates = ", ".join(f"{d} {s:.2f}" for d, _, s in recognition.candidates[:3])
        if recognition.generic:
            report(make_issue("file.generic", file=path.name, detail=candidates or "-"))
        elif not mapping and not dataset and recognition.confidence < LOW_CONFIDENCE:
            report(make_issue("file.low_confidence", file=path.name,
                              detail=f"{chosen.title_ja} ({chosen.dataset}) {recognition.confidence:.2f}"))
        decided = _publisher(table, chosen, code)
        result.publisher, result.publisher_evidence = decided.code, decided.evidence
        if decided.code is None:
            report(make_issue("file.no_code", file=path.name, detail=decided.detail or "-"))
        elif decided.evidence == "prefecture":
            report(make_issue("file.publisher_inferred", file=path.name, detail=decided.detail))
        file_code = decided.code or UNKNOWN_CODE
        if claims is not None:
            claims.select(chosen.dataset, file_code)
        blank_is_no = _blanks_read_as_no(table, chosen, report)
        converter = RowConverter(chosen, table.header, iris=iris, filename=path.name, code=file_code,
                                 metadata=table.metadata, source=result.source, claims=claims,
                                 blank_is_no=blank_is_no)
        result.unmapped = [label for _, label, _ in converter.unmapped]
        for issue in converter.file_issues:
            report(issue)
        shared.write_all(converter.preamble())
        before = writer.triples
        rows = table.rows()
        linker = Linker(iris, filename=path.name, code=decided.code) if link else None
        with collector.converting():
            if linker is not None:
                result.links = linker.stats
                _convert_rows(rows, table, converter, writer, result, report, progress, linker)
            elif workers > 1 and table.size >= parallel.MIN_BYTES:
                # the first rows in this process: they tell the file's first code to the workers
                _convert_rows(islice(rows, parallel.CHUNK_ROWS), table, converter, writer, result, report, progress)
                parallel.convert_rows(rows, table, converter, writer, result, report, progress, iris=iris,
                                      workers=workers)
            else:
                _convert_rows(rows, table, converter, writer, result, report, progress)
        if linker is not None:  # the governments of the 町字 linked to are described too (a neighbour's, say)
            converter.codes |= linker.town_codes()
        epilogue = converter.epilogue()
        if linker is not None:
            governments = {iris.organization(c): c for c in converter.codes if c != UNKNOWN_CODE}
            for node in epilogue:
                if node.iri in governments:
                    linker.link_organization(node, governments[node.iri], publisher=governments[node.iri] == file_code)
            epilogue += linker.epilogue()
        result.triples = writer.triples - before
        result.codes = converter.code_stats
        shared.write_all(epilogue)
        result.blank_rows, result.data_rows = table.blank_rows, result.rows_read
        result.lines, result.rows_total, result.rows_set_aside = table.lines, table.row_count, table.rows_set_aside
        result.minted = converter.minted if claims is not None else None
    finally:
        table.close()
    return result


def _publisher(source: CsvSource, chosen: Mapping, given: str | None) -> publishers.Publisher:
    """Who published the file: file-level evidence, else the code column of its first rows."""
    found = publishers.from_file(given=given, filename=source.name, metadata=source.metadata,
                                 comments=source.comments)
    if found is not None:
        return found
    columns = [i for i, name in enumerate(source.header) if (spec := chosen.column_for(name)) and spec.role == "publisher"]
    if not columns:  # no code column: the addresses say where the list is from
        addresses = [i for i, name in enumerate(source.header) if (spec := chosen.column_for(name))
                     and spec.targets[0].leaf == IC + "表記" and any(s.cls == IC + "住所型" for s in spec.targets[0].steps)]
        if addresses:
            found = publishers.from_addresses(raw.cells[addresses[0]] for raw in source.ahead(SAMPLE)
                                              if addresses[0] < len(raw.cells) and raw.cells[addresses[0]])
            if found is not None:
                return found
    codes: Counter[str] = Counter()
    if columns:
        for raw in source.ahead(PUBLISHER_SAMPLE_ROWS):  # kept for the conversion, not read again
            for i in columns:
                cell = raw.cells[i] if i < len(raw.cells) else ""
                if cell:
                    repaired, problem = repair_lgcode(cell)
                    if repaired is not None and (problem is None or problem[0] == "lgcode.repaired"):
                        codes[repaired] += 1
                        break
    return publishers.from_rows(codes)


def recognise_file(path: str | Path, *, dataset: str | None = None) -> tuple[Recognition, list[str]]:
    """How a file is recognised (its dataset and what each column is), and its header; no conversion."""
    source = open_csv(path)
    try:
        return _recognise(source, mappings.get(dataset) if dataset else None), list(source.header)
    finally:
        source.close()


def _recognise(source: CsvSource, chosen: Mapping | None) -> Recognition:
    """The dataset and the meaning of each column, from the header, the first rows' values, the file name,
    the metadata and title rows; a dataset or mapping given is only bound to the file's columns."""
    candidates = [chosen] if chosen else list(mappings.bundled().values())
    return recognize(source.header, candidates, filename=source.name, rows=_sample(source),
                     metadata=source.metadata, comments=source.comments, generic=None if chosen else mappings.generic())


def _blanks_read_as_no(source: CsvSource, chosen: Mapping, report: IssueSink) -> list[int]:
    """The yes/no columns whose blanks mean no in this file (:mod:`.converters.absences`), each reported."""
    if not absences.groups(chosen, source.header):
        return []
    found = absences.blanks_read_as_no(chosen, source.header, _sample(source, absences.ROWS))
    indexes = []
    for group, columns in found.items():
        names = "、".join(source.header[i] for i in columns)
        report(make_issue("column.blank_is_no", file=source.name, column=names, detail=group))
        indexes += columns
    return indexes


def _sample(source: CsvSource, rows: int = SAMPLE) -> list[list[str]]:
    """The first data rows of the file, read ahead (the conversion takes them from there)."""
    return [raw.cells for raw in source.ahead(rows)]


def _convert_rows(rows: Iterable[RawRow], source: CsvSource, converter: RowConverter, writer: Writer,
                  result: FileResult, report: IssueSink, progress: Progress | None,
                  linker: Linker | None = None) -> None:
    last = source.bytes_read
    for raw in rows:
        result.rows_read += 1
        node, issues = convert_row(converter, source.name, raw.row, raw.cells)
        if raw.issues:  # what reading the row found (a damaged line, a stray quote) comes first
            issues[:0] = raw.issues
        if linker is not None and node is not None:
            code = converter.last_key.split("\x1f", 1)[0]
            issues += linker.link(node, raw.row, code=code if code != UNKNOWN_CODE else None)
        if node is not None:
            writer.write(node)
        count_row(result, node is not None, issues, report)
        if progress is not None and result.rows_read % 2048 == 0:
            now = source.bytes_read
            progress(now - last)
            last = now
    if progress is not None:
        progress(source.bytes_read - last)
