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

from itsutsuboshi.cli.main import main
from itsutsuboshi.converters.mapping import get as get_mapping
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.publish.run import STATE, find_inputs, publish
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT, SAMPLES, requires_shared

BASE = "http://127.0.0.1:8000/"
EXAMPLES = ROOT / "examples"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's closed namespace warns when pytest inspects it
ITSU = "https://w3id.org/itsutsuboshi/ns#"


def count(store, sparql: str) -> int:
    body, _ = store.query(sparql)
    row = json.loads(body)["results"]["bindings"][0]
    return int(next(iter(row.values()))["value"])


def total(store) -> int:
    return count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")


def union(store) -> int:
    """Solutions of ?s ?p ?o over the union of the graphs (the default graph readers query)."""
    return count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def distinct(store) -> int:
    return count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")


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
        dataset = URIRef(IriBuilder(BASE).dataset(o.dataset, o.publisher))
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
    assert len(state["files"]) == 5  # the good ones and the generic table; failed files are tried again next time
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
    assert total(store) == count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?g ?s ?p ?o WHERE { "
                                        "GRAPH ?g { ?s ?p ?o } } }")
    assert union(store) == distinct(store)  # shared resources live once: counting needs no DISTINCT
    for o in done.outcomes:
        # the SPARQL count of records matches the rows converted, one publisher and dataset per file
        records_of = f"GRAPH <{o.graph}> {{ ?s <{DCTERMS.isPartOf}> <{IriBuilder(BASE).dataset(o.dataset, o.publisher)}> }}"
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
    assert {URIRef(IriBuilder(BASE).dataset(o.dataset, o.publisher)) for o in done.outcomes} <= listed
    okinawa = next(o for o in done.outcomes if "okinawa" in o.name)
    assert okinawa.publisher == "470007"  # a prefecture's list: one publisher, each row's municipality kept
    assert count(store, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ GRAPH <{okinawa.graph}> {{ ?r <{ITSU}municipality> ?m }} }}") > 20


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
    toilet = IriBuilder(BASE).graph("public_toilet", "999997", "999997_public_toilet.csv")
    assert toilet in graphs()
    (folder / "999997_public_toilet.csv").unlink()
    missing, withdrawn = "ファイルなし / missing", "取り下げ / withdrawn"
    assert missing in run() and toilet in graphs()  # reported, nothing withdrawn without being asked
    assert withdrawn in run("--prune") and toilet not in graphs()
    catalogue = Graph().parse(out / "catalog.ttl")
    assert URIRef(BASE + "id/public_toilet/999997") not in set(catalogue.objects(None, DCAT.dataset))
    again = run()
    assert missing not in again and withdrawn not in again  # forgotten once withdrawn


# -- several files, publishers, shared resources, self-check, recovery ----------------------------------------

AED_HEADER = get_mapping("aed").headers["old"]


def write_aed(path: Path, rows: list[tuple[str, ...]], *, header: list[str] | None = None) -> Path:
    """An AED list in the old standard layout: rows of (code, NO, name, address[, lat, lon])."""
    import csv

    columns = header or AED_HEADER
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(columns)
        for code, number, name, address, *point in rows:
            cells = {"都道府県コード又は市区町村コード": code, "NO": number, "名称": name, "住所": address,
                     "緯度": point[0] if point else "", "経度": point[1] if point else ""}
            out.writerow([cells.get(c, "") for c in columns])
    return path


CITY_HALL = ("131016", "1", "区役所", "東京都千代田区九段南一丁目2-1", "35.694003", "139.753595")


def split_folder(root: Path) -> Path:
    """One municipality's AED list split over two files whose NO restart at 1 (two 公共施設 lists, …)."""
    root.mkdir()
    write_aed(root / "aed_main.csv", [CITY_HALL, ("131016", "2", "図書館", "東京都千代田区九段南一丁目3-1"),
                                       ("131016", "3", "体育館", "東京都千代田区内神田1-1")])
    write_aed(root / "aed_schools.csv", [("131016", str(i), f"小学校{i}", f"東京都千代田区神田{i}-1") for i in range(1, 5)])
    return root


def records(store, graph: str) -> list[str]:
    body, _ = store.query(f"SELECT ?r WHERE {{ GRAPH <{graph}> {{ ?r <http://www.w3.org/ns/prov#wasDerivedFrom> ?s }} }} "
                          "ORDER BY ?r")
    return [b["r"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_every_file_of_a_dataset_keeps_its_records_and_ids_never_merge(tmp_path):
    folder = split_folder(tmp_path / "csv")
    store, out = EmbeddedStore(tmp_path / "data"), tmp_path / "out"
    done = publish([folder], store, base=BASE, out=out)
    main, schools = done.outcomes
    assert [o.status for o in done.outcomes] == ["published"] * 2 and main.graph != schools.graph
    assert len(records(store, main.graph)) == 3 and len(records(store, schools.graph)) == 4
    dataset = IriBuilder(BASE).dataset("aed", "131016")
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?r <{DCTERMS.isPartOf}> <{dataset}> }}") == 7
    sources = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{dataset}> <{DCTERMS.source}> ?s }}")
    assert sources == 2  # the dataset lists both files
    # the second file's NO 1-3 are the first file's too: reported row by row, IRIs qualified by the file
    qualified = [r for r in records(store, schools.graph) if "/aed_schools/" in r]
    assert sorted(r.rsplit("/", 1)[1] for r in qualified) == ["1", "2", "3"]
    assert BASE + "id/aed/131016/4" in records(store, schools.graph)
    report = (out / schools.report).with_suffix(".csv").read_text(encoding="utf-8-sig")
    assert report.count("id.collision") == 3
    before = records(store, schools.graph)
    again = publish([folder], store, base=BASE, out=out, force=True)
    assert records(store, again.outcomes[1].graph) == before  # the same IRIs next time
    (folder / "aed_main.csv").unlink()  # the first file goes: the second keeps its IRIs all the same
    (folder / "aed_schools.csv").write_text((folder / "aed_schools.csv").read_text(encoding="utf-8") + "\n",
                                            encoding="utf-8")
    later = publish([folder], store, base=BASE, out=out, prune=True)
    assert [o.status for o in later.outcomes] == ["published", "withdrawn"]
    assert records(store, schools.graph) == before and main.graph not in store.graphs()


def test_files_converted_side_by_side_publish_what_one_process_publishes(tmp_path, monkeypatch):
    """Files are converted two at a time in forked processes; two new files of one dataset and publisher
    that share IDs are settled in order, so the store, the reports and the outcomes are those of a serial run."""
    from itsutsuboshi.publish import run

    folder = split_folder(tmp_path / "csv")
    shutil.copytree(EXAMPLES, folder / "examples")
    seen = []
    for workers in (1, 2):
        monkeypatch.setattr(run, "_WORKERS", workers)
        store, out = EmbeddedStore(tmp_path / f"data{workers}"), tmp_path / f"out{workers}"
        done = publish([folder], store, base=BASE, out=out, licence="cc-by-4.0")
        body, _ = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", graph="nt")
        quads = sorted(line for line in body.decode().splitlines()  # all but blank nodes and the run's own mark
                       if "_:" not in line and not line.startswith(f"<{BASE}graph/catalog> <{DCTERMS.identifier}>"))
        reports = {p.name: p.read_text(encoding="utf-8-sig") for p in sorted((out / "reports").glob("*.csv"))}
        seen.append(([(o.name, o.status, o.graph, o.records, o.errors, o.level) for o in done.outcomes], quads, reports))
    assert seen[0] == seen[1]
    assert [o[1] for o in seen[0][0]].count("published") >= 4 and len(seen[0][1]) > 100


def test_a_converting_process_killed_leaves_its_files_to_the_main_process(tmp_path, monkeypatch):
    """A forked converter that dies (the kernel's out-of-memory killer, say) breaks its pool: the files it had
    not returned are converted in the main process, and every file is published."""
    import os

    from itsutsuboshi.publish import run

    folder = split_folder(tmp_path / "csv")
    shutil.copytree(EXAMPLES, folder / "examples")
    forked = run._publish_forked

    def dying(n: int):
        if run._FORKED["jobs"][n].path.name == "aed_schools.csv":
            os._exit(9)
        return forked(n)

    dying.__module__, dying.__qualname__ = run.__name__, "_publish_forked"  # sent to the pool by that name
    monkeypatch.setattr(run, "_WORKERS", 2)
    monkeypatch.setattr(run, "_publish_forked", dying)
    store = EmbeddedStore(tmp_path / "data")
    done = publish([folder], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert done.differences == [] and done.count("published") == len(done.outcomes) - done.count("failed") > 4
    schools = next(o for o in done.outcomes if o.name == "aed_schools.csv")
    assert schools.status == "published" and len(records(store, schools.graph)) == 4


def test_shared_resources_live_once(tmp_path):
    folder = split_folder(tmp_path / "csv")
    shutil.copytree(EXAMPLES, folder / "examples")
    store = EmbeddedStore(tmp_path / "data")
    publish([folder], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert union(store) == distinct(store)
    publisher = IriBuilder(BASE).organization("131016")
    body, _ = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{publisher}> ?p ?o }} }}")
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [BASE + "graph/catalog"]
    for query in ("SELECT ?d ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t }",
                  f"SELECT ?p ?o WHERE {{ <{publisher}> ?p ?o }}"):
        plain, _ = store.query(query)
        unique, _ = store.query(query.replace("SELECT", "SELECT DISTINCT", 1))
        assert len(json.loads(plain)["results"]["bindings"]) == len(json.loads(unique)["results"]["bindings"])


def test_the_publisher_is_who_published_the_file(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    # a prefecture's list: its rows name the municipalities, the file names nobody
    write_aed(folder / "list.csv", [("472018", "1", "那覇市役所", "沖縄県那覇市泉崎1-1-1"),
                                    ("472051", "2", "宜野湾市役所", "沖縄県宜野湾市野嵩1-1-1"),
                                    ("472085", "3", "浦添市役所", "沖縄県浦添市安波茶1-1-1")])
    # no code anywhere: the publisher is unknown, said at the file level, never a silent 000000
    write_aed(folder / "nowhere.csv", [("", "1", "どこかの施設", "どこか1-1")])
    other = folder / "settled"
    other.mkdir()
    write_aed(other / "aed.csv", [("", "1", "区役所", "九段南一丁目2-1")])
    (other / "itsutsuboshi.toml").write_text('code = "131016"\n', encoding="utf-8")  # the folder's settings
    store = EmbeddedStore(tmp_path / "data")
    done = publish([folder], store, base=BASE, out=tmp_path / "out")
    by_name = {o.name: o for o in done.outcomes}
    assert by_name["list.csv"].publisher == "470007"
    assert by_name["aed.csv"].publisher == "131016"
    unknown = by_name["nowhere.csv"]
    assert unknown.publisher is None and unknown.status == "published"
    publishers = f"SELECT DISTINCT ?p WHERE {{ ?d a <{DCAT.Dataset}> ; <{DCTERMS.publisher}> ?p }}"
    body, _ = store.query(publishers)
    assert {b["p"]["value"] for b in json.loads(body)["results"]["bindings"]} == {
        BASE + "id/lg/470007", BASE + "id/lg/131016"}
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{BASE}id/lg/000000> ?p ?o }}") == 0
    named = f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?r <{ITSU}municipality> ?m }}"
    assert count(store, named) == 3
    five = unknown.diagnosis.stars[4]
    assert not five.reached and any("--code" in step.en for step in five.steps)
    issues = (tmp_path / "out" / unknown.report).with_suffix(".csv").read_text(encoding="utf-8-sig")
    assert "file.no_code" in issues


def test_publish_checks_the_store_and_says_what_differs(folder, tmp_path, monkeypatch):
    original = EmbeddedStore.apply

    def losing(self, changes, **kw):  # type: ignore[no-untyped-def]  # a store that silently drops one file's records
        first = next(g for g in changes if "/graph/aed/" in g)
        return original(self, {g: (p if g != first else None) for g, p in changes.items()}, **kw)

    monkeypatch.setattr(EmbeddedStore, "apply", losing)
    run = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "out"), "-q"])
    assert run.exit_code == 3, run.output
    assert "999997_aed.csv: 3 records published, 0 in the store" in run.output


def test_a_new_version_that_fails_leaves_the_last_one_published(folder, tmp_path):
    store, out = EmbeddedStore(tmp_path / "data"), tmp_path / "out"
    first = publish([folder], store, base=BASE, out=out)
    aed = first.outcomes[0]
    path = folder / "999997_aed.csv"
    good = path.read_bytes()
    path.write_bytes(b"\x00\x01\x02 not a table")
    broken = publish([folder], store, base=BASE, out=out)
    assert broken.outcomes[0].status == "failed" and len(records(store, aed.graph)) == aed.records
    assert broken.differences == []
    path.write_bytes(good)
    fixed = publish([folder], store, base=BASE, out=out)
    assert fixed.outcomes[0].status == "published"  # tried again, since it failed last time


def test_what_an_interrupted_run_left_is_cleaned_up(folder, tmp_path):
    store, out = EmbeddedStore(tmp_path / "data"), tmp_path / "out"
    publish([folder], store, base=BASE, out=out)
    generations = tmp_path / "data" / "generations"
    (generations / "000099.work").mkdir()  # a generation a kill interrupted
    (out / ".work").mkdir()
    (out / ".work" / "0.nt").write_text("half a file", encoding="utf-8")
    publish([folder], store, base=BASE, out=out, force=True)
    assert not (out / ".work").exists()
    assert not list(generations.glob("*.work")) and len([p for p in generations.iterdir() if p.name.isdigit()]) <= 2
    assert sorted(p.name for p in generations.glob("*.graphs")) == sorted(f"{p.name}.graphs" for p in generations.iterdir()
                                                                         if p.name.isdigit())


def test_a_store_of_the_earlier_layout_is_read_then_adopted(folder, tmp_path):
    import pyoxigraph as ox

    legacy = tmp_path / "data"
    old = ox.Store(str(legacy))
    old.add(ox.Quad(ox.NamedNode(BASE + "id/x/1"), ox.NamedNode(BASE + "p"), ox.Literal("kept"),
                    ox.NamedNode(BASE + "graph/x/000000")))
    del old
    assert EmbeddedStore(legacy, read_only=True).graphs() == [BASE + "graph/x/000000"]
    store = EmbeddedStore(legacy)
    publish([folder], store, base=BASE, out=tmp_path / "out")
    assert (legacy / "live").is_symlink() and not (legacy / "CURRENT").exists()
    assert BASE + "graph/x/000000" in store.graphs()  # nothing published before is lost


def test_a_store_folder_given_relative_to_the_working_folder(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for options in ([], ["--force"]):  # the second publication replaces a live generation
        run = CliRunner().invoke(main, ["publish", str(folder), "-o", "published", "-q", *options])
        assert run.exit_code == 0, run.output
    live = Path("published/data/live")
    assert live.resolve().is_dir() and len(EmbeddedStore(live.parent, read_only=True).graphs()) == 5
