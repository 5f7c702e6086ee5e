"""Every real municipal file in ../shared/samples/raw converts (skipped when ../shared is absent)."""

from __future__ import annotations

import io

import pyoxigraph
import pytest

from itsutsuboshi import formats
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import SAMPLES, requires_shared, shared_manifest

MANIFEST = shared_manifest()


@requires_shared
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_real_file_converts(entry):
    out = io.StringIO()
    writer = open_writer(formats.NTRIPLES, out)
    issues = []
    result = convert_file(SAMPLES / entry["file"], writer, iris=IriBuilder("https://data.example.lg.jp/"),
                          on_issue=issues.append)
    writer.close()
    assert result.ok, [i.message_en for i in issues if i.row == 0]
    assert result.dataset == entry["dataset"]
    # nothing lost: every row read became RDF or a row-level issue
    failed_rows = {i.row for i in issues if i.code == "row.failed"}
    assert result.rows_read == result.rows_converted + len(failed_rows)
    assert result.rows_read == int(entry["rows"])
    assert result.rows_failed == 0
    store = pyoxigraph.Store()
    store.load(out.getvalue().encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    records = {str(q.subject) for q in store.quads_for_pattern(
        None, pyoxigraph.NamedNode("http://purl.org/dc/terms/isPartOf"), None)}
    assert len(records) == result.rows_converted  # one distinct IRI per row
    # every issue points at a spreadsheet row of this file (or the whole file) and has both languages
    assert all(i.row >= 0 for i in issues) and all(i.message_ja and i.message_en for i in issues)
    # columns that no standard names are reported, never dropped
    for column in result.unmapped:
        assert any(i.code == "column.unmapped" and i.column == column for i in issues)


@requires_shared
def test_manifest_lists_every_sample():
    assert {e["file"] for e in MANIFEST} == {p.name for p in SAMPLES.glob("*.csv")}
