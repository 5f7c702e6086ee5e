"""Tables as municipalities really write them: every golden case and every real sample, rewritten the ways
local layouts differ from the standard (columns renamed with the lexicon's synonyms or English keys, optional
columns dropped, columns reordered, a title row, no code column, a LinkData header), keeps its dataset and
its core values (name, address, coordinates); and generic tables are never taken for one of the datasets."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from itsutsuboshi import formats
from itsutsuboshi.converters.lexicon import lexicon
from itsutsuboshi.converters.mapping import Mapping, bundled
from itsutsuboshi.converters.reader import open_csv
from itsutsuboshi.converters.recognize import _weights, field_concepts
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.pipeline.convert import convert_file

from .conftest import CASES, SHARED, requires_shared

CORE = ("name", "address", "lat", "lon", "latlon")
GOLDEN = sorted(p / "input.csv" for p in CASES.iterdir() if (p / "input.csv").is_file()
                and not p.name.startswith(("population", "open_data_list")))  # tables of figures, of datasets
SAMPLES = sorted(p for folder in ("raw", "local") for p in (SHARED / "samples" / folder).glob("*.csv")
                 if p.name != "MANIFEST.csv") if SHARED.is_dir() else []
WAYS = ("synonyms", "english", "drop", "reorder", "title", "no_code", "linkdata")


def convert(path: Path) -> tuple[str | None, list[tuple], Mapping | None]:
    """The dataset a file is converted as, the core values of its records in row order, and the mapping (its
    fields bound to the file's columns)."""
    out = io.StringIO()
    writer = open_writer(formats.NTRIPLES, out)
    result = convert_file(path, writer, iris=IriBuilder("https://data.example.lg.jp/"), on_issue=lambda issue: None)
    writer.close()
    store = ox.Store()
    store.load(out.getvalue().encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    answer = store.query("""
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> PREFIX ic: <http://imi.go.jp/ns/core/rdf#>
        SELECT ?row (SAMPLE(?l) AS ?label) (SAMPLE(?la) AS ?lat) (SAMPLE(?lo) AS ?long) (SAMPLE(?a) AS ?address) WHERE {
          ?r prov:wasDerivedFrom ?src BIND(xsd:integer(STRAFTER(STR(?src), "#row=")) AS ?row)
          OPTIONAL { ?r rdfs:label ?l FILTER(lang(?l) = "ja") }
          OPTIONAL { ?r wgs:lat ?la ; wgs:long ?lo }
          OPTIONAL { ?r (!rdf:type)*/ic:住所/ic:表記 ?a }
        } GROUP BY ?row ORDER BY ?row""")
    rows = [tuple(s[v].value if s[v] is not None else None for v in ("label", "lat", "long", "address")) for s in answer]
    return result.dataset, rows, result.mapping


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    source = open_csv(path)
    try:
        return list(source.header), [raw.cells for raw in source.rows()]
    finally:
        source.close()


def variant(header: list[str], rows: list[list[str]], ways: list[str], rng: random.Random, mapping: Mapping) -> str:
    """The table rewritten in ``ways``, as CSV text (UTF-8): a column is renamed with a synonym of the field it
    fills (as the tool read the original), never one the tool has no name for."""
    lex = lexicon()
    specs = [mapping.column_for(h) for h in header]
    fields = field_concepts(mapping)
    concepts = [fields[spec.name] if spec is not None else None for spec in specs]
    keep = list(range(len(header)))
    names = list(header)
    title: list[str] = []
    if "drop" in ways:  # optional columns go, never the core ones or the ID, nor those only this dataset and one
        weights = _weights(list(bundled().values()))  # other have: without them no table says which it is
        keep = [i for i in keep if concepts[i] in (*CORE, "id") or weights.get(concepts[i] or "", 0) > 0.3
                or rng.random() > 0.3]
    if "no_code" in ways:
        keep = [i for i in keep if concepts[i] != "publisher_code"]
    for i in keep:
        concept = lex.concepts.get(concepts[i] or "")
        if concept is None or not concept.synonyms:
            continue
        plain = [s for s in concept.synonyms if not s.startswith("#") and not lex.datasets_named(s)]  # no hints
        if "english" in ways or "linkdata" in ways:
            choices = [s for s in plain if s.isascii() and s not in ("X", "Y")]
        elif "synonyms" in ways:
            choices = plain
        else:
            continue
        if choices:
            names[i] = rng.choice(choices)
    if "reorder" in ways:
        rng.shuffle(keep)
    if "title" in ways:
        title = ["一覧表（令和6年4月1日現在）"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if "linkdata" in ways:
        for row in (["#LINK", "http://example.org/"], ["#lang", "ja"], ["#license", "CC BY 4.0"]):
            w.writerow(row)
        w.writerow(["#property", *[names[i] for i in keep]])
    else:
        if title:
            w.writerow(title)
        w.writerow([names[i] for i in keep])
    for number, row in enumerate(rows, 1):
        cells = [row[i] if i < len(row) else "" for i in keep]
        w.writerow([str(number), *cells] if "linkdata" in ways else cells)  # LinkData: the row number first
    return out.getvalue()


def check(path: Path, ways: list[str], seed: int, tmp: Path) -> None:
    dataset, core, mapping = convert(path)
    assert mapping is not None
    header, rows = read(path)
    target = tmp / "data.csv"  # a file name that says nothing
    target.write_text(variant(header, rows, ways, random.Random(seed), mapping), encoding="utf-8")
    got, got_core, _ = convert(target)
    assert got == dataset, (path.name, ways, seed)
    assert len(got_core) == len(core)
    for before, after in zip(core, got_core, strict=True):  # name, coordinates, address as before
        assert [x for x in before if x is not None] == [x for x in after if x is not None] or after == before, \
            (path.name, ways, before, after)


ways_strategy = st.lists(st.sampled_from(WAYS), min_size=1, max_size=3, unique=True)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.parent.name for p in GOLDEN])
@settings(max_examples=4, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ways=ways_strategy, seed=st.integers(0, 1000))
def test_a_golden_case_rewritten_keeps_its_dataset_and_core_values(path, ways, seed, tmp_path):
    check(path, ways, seed, tmp_path)


@requires_shared
@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
@settings(max_examples=3, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ways=ways_strategy, seed=st.integers(0, 1000))
def test_a_real_sample_rewritten_keeps_its_dataset_and_core_values(path, ways, seed, tmp_path):
    check(path, ways, seed, tmp_path)


GENERIC = {
    "shops": "店名,住所,電話,営業時間,定休日\n喫茶ほしの,東京都千代田区九段南1-2-1,03-1234-5678,9:00-18:00,月曜\n"
             "書店そら,東京都千代田区神田1-1,03-2345-6789,10:00-20:00,なし\n",
    "bus stops": "停留所名,緯度,経度,系統\n市役所前,35.69,139.75,1\n中央公園,35.70,139.76,1;2\n",
    "menus": "品名,価格,カロリー\nカレー,800,700\nうどん,500,400\n",
}


@pytest.mark.parametrize("name", GENERIC)
def test_a_generic_table_is_converted_as_one_never_as_a_dataset(name, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(GENERIC[name], encoding="utf-8")
    dataset, core, _ = convert(path)
    assert dataset == "table" and len(core) == 2


def test_the_names_a_draft_mapping_adds_make_the_file_standard(tmp_path):
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main

    path = tmp_path / "hoiku.csv"
    path.write_text("施設名,所在地,電話番号,latitude,longitude\nひかり保育園,愛媛県今治市北鳥生町三丁目1番15号,0898-22-3749,"
                    "34.05,133.0\nそら保育所,愛媛県今治市南日吉町二丁目2番8号,0898-31-5058,34.06,132.99\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["map", str(path)])
    assert run.exit_code == 0, run.output
    draft = tmp_path / "hoiku.mapping.toml"
    assert "preschool" in draft.read_text(encoding="utf-8") and "施設名" in draft.read_text(encoding="utf-8")
    out = tmp_path / "out.nt"
    run = CliRunner().invoke(main, ["convert", str(path), "--mapping", str(draft), "-o", str(out), "-q"])
    assert run.exit_code == 0, run.output
    assert "ひかり保育園" in out.read_text(encoding="utf-8") and "/id/preschool/382027/" in out.read_text(encoding="utf-8")
    assert json.dumps  # the draft is a mapping file like any other
