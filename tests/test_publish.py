"""``publish``: a folder to a published site in one step, idempotent, a bad file never stops the rest;
end to end on the real samples (every sampled IRI dereferences, SPARQL counts match the rows)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, Namespace

from itsutsuboshi.cli import main
from itsutsuboshi.publish import STATE, find_inputs, publish
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore, graph_iri

from .conftest import ROOT, SAMPLES, requires_shared

BASE = "http://127.0.0.1:8000/"
EXAMPLES = ROOT / "examples"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's closed namespace warns when pytest inspects it


def count(store, sparql: str) -> int:
    body, _ = store.query(sparql)
    row = json.loads(body)["results"]["bindings"][0]
    return int(next(iter(row.values()))["value"])


def total(store) -> int:
    return count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "csv"
    shutil.copytree(EXAMPLES, target)
    return target


def test_publishing_a_folder_loads_every_dataset_and_writes_the_reports(folder, tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    done = publish([folder], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert [o.status for o in done.outcomes] == ["published"] * 4
    graphs = store.graphs()
    assert {o.graph for o in done.outcomes} < set(graphs) and BASE + "graph/catalog" in graphs
    for o in done.outcomes:
        assert o.records == o.rows > 0 and o.diagnosis is not None and o.diagnosis.stars[0].reached
        assert (tmp_path / "out" / o.report).is_file()
    levels = json.loads((tmp_path / "out" / "stars.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in levels["files"]] == [o.name for o in done.outcomes]
    assert "★" in (tmp_path / "out" / "stars.html").read_text(encoding="utf-8")
    catalogue = Graph().parse(tmp_path / "out" / "catalog.ttl")
    datasets = set(catalogue.objects(None, DCAT.dataset))
    for o in done.outcomes:  # every published dataset is in the catalogue, under the licence given
        dataset = URIRef(BASE + "id/" + o.graph[len(BASE + "graph/"):])
        assert dataset in datasets and (dataset, DCTERMS.license, URIRef(CC_BY)) in catalogue


def test_publishing_again_skips_unchanged_files_and_replaces_changed_ones(folder, tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    out = tmp_path / "out"
    publish([folder], store, base=BASE, out=out)
    before = total(store)
    again = publish([folder], store, base=BASE, out=out)
    assert [o.status for o in again.outcomes] == ["unchanged"] * 4
    assert total(store) == before
    assert all(o.diagnosis is not None for o in again.outcomes)  # the last results are kept
    aed = folder / "999997_aed.csv"
    aed.write_bytes(aed.read_bytes().replace("体育館入口".encode(), "体育館東口".encode()))
    changed = publish([folder], store, base=BASE, out=out)
    assert [o.status for o in changed.outcomes] == ["published", "unchanged", "unchanged", "unchanged"]
    places = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p \"{}\" }}"
    assert count(store, places.format("体育館東口")) == 1 and count(store, places.format("体育館入口")) == 0
    assert total(store) == before  # replaced, not added to
    forced = publish([folder], store, base=BASE, out=out, force=True)
    assert [o.status for o in forced.outcomes] == ["published"] * 4
    other = publish([folder], store, base="https://data.example.lg.jp/", out=out)
    assert [o.status for o in other.outcomes] == ["published"] * 4  # another base mints other IRIs


def test_a_bad_file_never_stops_the_others(folder, tmp_path):
    (folder / "broken.csv").write_bytes(b"\x00\x01\x02 not a table")
    (folder / "workbook.xlsx").write_bytes(b"PK\x03\x04 a spreadsheet")
    (folder / "unknown.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.csv").write_text("a\n1\n", encoding="utf-8")
    assert len(find_inputs([folder])) == 7
    run = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "out"), "-q"])
    assert run.exit_code == 2, run.output
    state = json.loads((tmp_path / "out" / STATE).read_text(encoding="utf-8"))
    assert len(state["files"]) == 4  # the good ones; failed files are tried again next time
    stars = json.loads((tmp_path / "out" / "stars.json").read_text(encoding="utf-8"))
    assert {f["file"] for f in stars["files"]} >= {"broken.csv", "workbook.xlsx", "unknown.csv"}


def test_the_command_checks_its_licence_and_prints_a_summary(folder, tmp_path):
    run = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "out"), "--license", "no such"])
    assert run.exit_code == 2 and "--license" in run.output
    run = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "out"), "--license", "cc-by-4.0"])
    assert run.exit_code == 0, run.output
    assert "公開しました / published: 4" in run.output and "★" in run.output
    assert (tmp_path / "out" / "data").is_dir()


@requires_shared
@pytest.mark.slow
def test_publishing_every_real_sample(tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    done = publish([SAMPLES], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert len(done.outcomes) == len(list(SAMPLES.glob("*.csv")))
    assert [o.name for o in done.outcomes if o.status != "published"] == []
    client = create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()
    rng = random.Random(5)
    for o in done.outcomes:
        # the SPARQL count of records matches the rows converted (a prefecture's file can hold the
        # datasets of several publishers, all in the file's graph)
        records_of = f"GRAPH <{o.graph}> {{ ?s <{DCTERMS.isPartOf}> ?d . ?d a <{DCAT.Dataset}> }}"
        assert count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {records_of} }}") == o.records, o.name
        body, _ = store.query(f"SELECT ?s WHERE {{ {records_of} }} ORDER BY ?s")
        records = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
        for record in rng.sample(records, min(3, len(records))):
            minted = _minted(client, record)
            for iri in minted:  # the record and every IRI of ours it links to
                path = iri[len(BASE) - 1:]
                seen = client.get(path, headers={"Accept": "text/turtle"})
                assert seen.status_code == 303, iri
                doc = client.get(seen.headers["Location"], headers={"Accept": "text/turtle"})
                assert doc.status_code == 200, iri
                assert client.get(seen.headers["Location"], headers={"Accept": "text/html"}).status_code == 200
    stars = json.loads((tmp_path / "out" / "stars.json").read_text(encoding="utf-8"))
    assert len(stars["files"]) == len(done.outcomes)
    for f in stars["files"]:  # the diagnosis agrees with the data: a licence given, IRIs minted
        assert f["stars"][0]["reached"] and f["stars"][3]["evidence_en"]
    catalogue = Graph().parse(tmp_path / "out" / "catalog.ttl")
    listed = set(catalogue.objects(next(catalogue.subjects(RDF.type, DCAT.Catalog)), DCAT.dataset))
    assert {URIRef(BASE + "id/" + o.graph[len(BASE + "graph/"):]) for o in done.outcomes} <= listed


def _minted(client, record: str) -> set[str]:
    """The record and the IRIs under /id/ its description links to (publisher, dataset, 町字 …)."""
    answer = client.get(record[len(BASE) - 1:].replace("/id/", "/doc/", 1) + ".ttl")
    assert answer.status_code == 200, record
    graph = Graph().parse(data=answer.data.decode("utf-8"), format="turtle")
    linked = {str(o) for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(BASE + "id/")}
    return {record} | linked


def test_diagnose_and_export_static_commands(folder, tmp_path):
    report = tmp_path / "stars.json"
    run = CliRunner().invoke(main, ["diagnose", str(folder), "-r", str(report), "--license", "cc-by-4.0"])
    assert run.exit_code == 0, run.output
    assert "★" in run.output and len(json.loads(report.read_text(encoding="utf-8"))["files"]) == 4
    assert CliRunner().invoke(main, ["diagnose", str(folder), "-r", str(tmp_path / "x.txt")]).exit_code == 2
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["publish", str(folder), "-o", str(out), "-q"]).exit_code == 0
    site = tmp_path / "site"
    run = CliRunner().invoke(main, ["export-static", str(site), "--store", str(out / "data")])
    assert run.exit_code == 0, run.output
    assert (site / "nginx.conf").is_file() and (site / ".htaccess").is_file()
    assert (site / "doc" / "aed" / "999997" / "0000000001.ttl").is_file() and "resources" in run.output


def test_a_deleted_file_is_reported_then_withdrawn_with_prune(folder, tmp_path):
    out = tmp_path / "out"

    def run(*options: str) -> str:
        answer = CliRunner().invoke(main, ["publish", str(folder), "-o", str(out), *options])
        assert answer.exit_code == 0, answer.output
        return answer.output

    def graphs() -> list[str]:
        return EmbeddedStore(out / "data", read_only=True).graphs()

    run()
    toilet = graph_iri(BASE, "public_toilet", "999997")
    assert toilet in graphs()
    (folder / "999997_public_toilet.csv").unlink()
    missing, withdrawn = "ファイルなし / missing", "取り下げ / withdrawn"
    assert missing in run() and toilet in graphs()  # reported, nothing withdrawn without being asked
    assert withdrawn in run("--prune") and toilet not in graphs()
    catalogue = Graph().parse(out / "catalog.ttl")
    assert URIRef(BASE + "id/public_toilet/999997") not in set(catalogue.objects(None, DCAT.dataset))
    again = run()
    assert missing not in again and withdrawn not in again  # forgotten once withdrawn
