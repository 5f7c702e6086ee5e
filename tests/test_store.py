"""Stores: the embedded pyoxigraph store and a real Oxigraph server behind the same interface; `load`."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest
import requests
import requests.auth
from click.testing import CliRunner

from itsutsuboshi.cli.main import main
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.store import Dataset, EmbeddedStore, StoreUnavailable, open_store
from itsutsuboshi.store.remote import RemoteStore

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.csv"))
FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_aed.csv"
BASE = "https://data.example.lg.jp/"


def count(store, graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else f"GRAPH ?g {{ ?s ?p ?o FILTER(STRSTARTS(STR(?g), '{BASE}')) }}"
    body, media = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    assert media == "application/sparql-results+json"
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(params=["embedded", "oxigraph-server", "virtuoso"])
def store(request, tmp_path):
    if request.param == "embedded":
        return EmbeddedStore(tmp_path / "data")
    if request.param == "oxigraph-server":
        remote = RemoteStore(request.getfixturevalue("oxigraph_server") + "/query", listing_seconds=0.1)
    else:
        remote = RemoteStore(request.getfixturevalue("virtuoso_server"), listing_seconds=0.1)
    for graph in ours(remote):  # the server lives for the session: start each test empty
        requests.delete(remote.graph_store, params={"graph": graph}, timeout=10,
                        auth=requests.auth.HTTPDigestAuth(*remote.auth) if remote.auth else None)
    return remote


def graph_of(path: Path) -> str:
    """The graph a standard-named example file is loaded into: graph/{dataset}/{code}/{file name}."""
    code, dataset = path.stem.split("_", 1)
    return IriBuilder(BASE).graph(dataset.removesuffix("_20240401"), code, path.name)


def ours(store) -> list[str]:
    """Our named graphs (Virtuoso also has its system graphs)."""
    return [g for g in store.graphs() if g.startswith(BASE)]


def test_load_gives_one_graph_per_dataset_and_reloading_replaces_it(store):
    for path in EXAMPLES:
        assert load_csv(store, path, base=BASE).error is None
    graphs = ours(store)
    assert graphs == sorted(graph_of(path) for path in EXAMPLES)
    before = count(store)
    load_csv(store, EXAMPLES[0], base=BASE)
    assert count(store) == before  # replaced, not appended
    assert b"<" in store.dump(graphs[0], format="nt")


def test_query_results_in_every_format(store):
    load_csv(store, FIXTURE, base=BASE)
    for results, media in (("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
                           ("csv", "text/csv"), ("tsv", "text/tab-separated-values")):
        body, got = store.query("SELECT ?s WHERE { ?s a <http://imi.go.jp/ns/core/rdf#設備型> }", results=results)
        assert got == media and b"131016" in body
    body, got = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5", graph="nt")
    assert got == "application/n-triples" and body.count(b"\n") == 5


def test_readers_never_see_half_a_dataset(tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    big = tmp_path / "big.nt"
    graph = IriBuilder(BASE).graph("aed", "131016", "131016_aed.csv")
    with open(big, "w", encoding="utf-8") as f:
        for i in range(60000):
            f.write(f"<https://data.example.lg.jp/id/x/{i}> <http://example.org/p> \"{i}\" .\n")
    small = tmp_path / "small.nt"
    small.write_text("<https://data.example.lg.jp/id/x/0> <http://example.org/p> \"0\" .\n", encoding="utf-8")
    store.replace_graph(graph, small)
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(count(store, graph))

    reader = threading.Thread(target=read)
    reader.start()
    store.replace_graph(graph, big)
    store.replace_graph(graph, small)
    stop.set()
    reader.join()
    assert seen <= {1, 60000}, sorted(seen)[:5]


def test_an_unreachable_remote_store_says_so():
    with pytest.raises(StoreUnavailable):
        RemoteStore("http://127.0.0.1:9/query", timeout=2).query("ASK {}")


def test_open_store_picks_by_spec(tmp_path):
    assert isinstance(open_store(tmp_path / "d"), EmbeddedStore)
    assert isinstance(open_store("http://127.0.0.1:7878/query"), RemoteStore)


def test_load_command(tmp_path, oxigraph_server):
    folder = tmp_path / "data"
    result = CliRunner().invoke(main, ["load", *map(str, EXAMPLES), "--store", str(folder), "--base", BASE])
    assert result.exit_code == 0, result.output
    assert len(EmbeddedStore(folder).graphs()) == 4
    result = CliRunner().invoke(main, ["load", str(FIXTURE), "--store", oxigraph_server + "/query", "--base", BASE])
    assert result.exit_code == 0, result.output
    assert graph_of(FIXTURE) in RemoteStore(oxigraph_server + "/query").graphs()


def test_timed_queries_run_in_workers_that_are_stopped_and_replaced(tmp_path):
    from itsutsuboshi.store import QueryTimeout

    store = EmbeddedStore(None)
    load_csv(store, FIXTURE, base=BASE)
    before = count(store)
    with pytest.raises(QueryTimeout):
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", timeout=0.5)
    assert all(not w.process.is_alive() or w in store._pool.idle for w in store._pool.idle)
    body, _ = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=5)  # a fresh worker answers
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == before
    load_csv(store, EXAMPLES[0], base=BASE)  # a write: workers forked before it are replaced
    body, _ = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=5)
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > before


def test_describe_gives_the_same_description_on_every_store(store):
    from rdflib.compare import isomorphic

    from itsutsuboshi.server.describe import to_rdflib

    load_csv(store, FIXTURE, base=BASE)
    reference = EmbeddedStore(None)
    load_csv(reference, FIXTURE, base=BASE)
    body, _ = reference.query("SELECT ?s WHERE { ?s a <http://imi.go.jp/ns/core/rdf#設備型> } ORDER BY ?s LIMIT 1")
    iri = json.loads(body)["results"]["bindings"][0]["s"]["value"]
    expected = reference.describe(iri)
    got = store.describe(iri)
    assert len(got) == len(expected) > 20
    assert isomorphic(to_rdflib(got), to_rdflib(expected))
    labels = [t for t in got if t.predicate.value.endswith("#label") and t.subject.value.endswith("/id/lg/131016")]
    assert labels  # the label of the publisher it links to
    assert store.describe(BASE + "id/none/000000/x") == []


def test_blank_nodes_of_two_files_stay_apart(store, tmp_path):
    """Files label their blank nodes alike (``_:b0``); each load must give them fresh ones."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.nt").write_text(
            f"<{BASE}id/t/000000/{name}> <http://imi.go.jp/ns/core/rdf#住所> _:b0 .\n"
            f'_:b0 <http://imi.go.jp/ns/core/rdf#表記> "{name}" .\n', encoding="utf-8")
        store.replace_graph(f"{BASE}graph/t/{name}", tmp_path / f"{name}.nt")
    for name in ("a", "b"):
        values = {t.object.value for t in store.describe(f"{BASE}id/t/000000/{name}") if t.object.value in "ab"}
        assert values == {name}


def test_query_workers_stop_on_sigterm_whatever_the_parent_does(tmp_path):
    """gunicorn's workers catch SIGTERM; the query processes they fork must not inherit that."""
    import signal

    store = EmbeddedStore(None)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        store.query("ASK {}", timeout=5)
        worker = store._pool.idle[0]
    finally:
        signal.signal(signal.SIGTERM, previous)
    worker.process.terminate()  # what multiprocessing does to daemonic children at exit
    worker.process.join(5)
    assert worker.process.exitcode == -signal.SIGTERM


def test_dumps_are_whole_graphs_on_every_store(store):
    """Through the Graph Store Protocol: a CONSTRUCT would stop at Virtuoso's row cap without an error."""
    from rdflib import Graph, URIRef
    from rdflib.compare import isomorphic

    from itsutsuboshi.server.dumps import dump_bytes

    load_csv(store, FIXTURE, base=BASE)
    reference = EmbeddedStore(None)
    load_csv(reference, FIXTURE, base=BASE)
    graph = graph_of(FIXTURE)
    wkt = URIRef("http://www.opengis.net/ont/geosparql#asWKT")
    for format, syntax in (("nt", "nt"), ("turtle", "turtle")):
        got = Graph().parse(data=store.dump(graph, format=format).decode("utf-8"), format=syntax)
        expected = Graph().parse(data=reference.dump(graph, format=format).decode("utf-8"), format=syntax)
        assert len(got) == len(expected) > 100
        # Virtuoso keeps WKT points as single-precision geometries (139.75 comes back as 139.75000000…);
        # everything else must come back exactly
        assert {o.datatype for o in got.objects(None, wkt)} == {o.datatype for o in expected.objects(None, wkt)}
        got.remove((None, wkt, None))
        expected.remove((None, wkt, None))
        assert isomorphic(got, expected)
    assert store.dump(BASE + "graph/none/000000") == b""
    everything = Graph().parse(data=gzip.decompress(dump_bytes(store, None, ext="nt.gz", base=BASE)).decode(), format="nt")
    assert len(everything) == len(reference.dump(graph).splitlines())  # the site's graphs only, not Virtuoso's own


def test_drop_graph_removes_one_graph(store):
    for path in EXAMPLES[:2]:
        load_csv(store, path, base=BASE)
    first, second = ours(store)
    store.drop_graph(first)
    store.drop_graph(BASE + "graph/none/000000")  # absent: nothing happens
    assert ours(store) == [second] and count(store, first) == 0


@pytest.mark.parametrize(("query", "dataset"), [
    ("SELECT * WHERE { ?s ?p ?o }", None),
    ("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <http://g/b> WHERE { ?s ?p ?o }",
     Dataset(("http://g/a",), ("http://g/b",))),
    ("BASE <http://h/> SELECT * FROM <x> {}", Dataset(("http://h/x",), ())),
    ('SELECT * { ?s ?p "FROM <http://g/a>" }', None),  # in a string
    ("# FROM <http://g/a>\nSELECT * {}", None),  # in a comment
    ("SELECT * { ?s ex:FROM ?o }", None),  # a local name
])
def test_the_dataset_a_query_names(query, dataset):
    from itsutsuboshi.store.base import from_clauses, names_dataset

    assert from_clauses(query) == dataset
    assert names_dataset(query) is (dataset is not None)


@pytest.mark.parametrize(("query", "expected"), [
    ('BIND (geof:distance(?a, "POINT(1 2)"^^geo:wktLiteral, uom:kilometre) AS ?d)',
     'BIND ((bif:st_distance(?a, "POINT(1 2)"^^geo:wktLiteral)) AS ?d)'),
    ("BIND (<http://www.opengis.net/def/function/geosparql/distance>(?a, ?b, uom:metre) AS ?d)",
     "BIND ((bif:st_distance(?a, ?b) * 1000) AS ?d)"),
    ("FILTER (geof:sfWithin(?w, ?p))", "FILTER ((bif:st_within(?w, ?p) != 0))"),
    ("BIND (geof:sfIntersects(?x, geof:envelope(?y)) AS ?z)", "BIND ((bif:st_intersects(?x, geof:envelope(?y)) != 0) AS ?z)"),
    ('?s ?p "geof:sfWithin(?a, ?b)" # geof:sfWithin(?a, ?b)', '?s ?p "geof:sfWithin(?a, ?b)" # geof:sfWithin(?a, ?b)'),
    ("FILTER (geof:distance(?a, ?b))", "FILTER (geof:distance(?a, ?b))"),  # no unit: the server says so
])
def test_geosparql_calls_in_virtuoso_s_dialect(query, expected):
    from itsutsuboshi.store.geo_functions import for_virtuoso

    assert for_virtuoso(query) == expected


@pytest.mark.parametrize("labelled", [True, False], ids=["labelled N-Triples", "blank nodes renamed"])
def test_a_generation_keeps_its_graphs_as_files_that_hold_what_the_store_holds(tmp_path, labelled):
    """Graphs loaded from labelled N-Triples are kept as files beside their generation, with no line twice;
    an unchanged graph's file is a hard link to the one before; dumps read those files or, without one, the
    store, and either way hold what the store holds; files of removed generations go with them."""
    import pyoxigraph as ox

    from itsutsuboshi.store.generations import GENERATIONS, GRAPHS_SUFFIX

    store = EmbeddedStore(tmp_path / "data")
    graphs = [f"{BASE}graph/aed/131016/{n}.csv" for n in (1, 2)]
    for n, graph in enumerate(graphs):
        path = tmp_path / f"{n}.nt"
        lines = [f'<{BASE}id/aed/131016/{n}-{i}> <http://schema.org/name> "AED {i}" .\n' for i in range(5)]
        path.write_text("".join(lines * 2) + f'_:s{n}b1 <http://schema.org/name> "x" .\n', encoding="utf-8")
        store.apply({graph: path}, labelled=labelled)
    folders = sorted((tmp_path / "data" / GENERATIONS).glob(f"*{GRAPHS_SUFFIX}"))
    assert [f.name for f in folders] == [f"00000{n}{GRAPHS_SUFFIX}" for n in (1, 2)]  # the live one, the one before
    kept = sorted(folders[-1].iterdir())
    assert len(kept) == (2 if labelled else 0)
    if labelled:
        first = next(p for p in kept if (folders[0] / p.name).exists())
        assert first.stat().st_ino == (folders[0] / first.name).stat().st_ino  # the unchanged graph: linked
    for graph in graphs:
        dumped = tmp_path / "dumped.nt"
        store.dump_to(graph, dumped)
        lines = dumped.read_bytes().splitlines()
        assert len(lines) == len(set(lines)) == 6
        mine = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(path=str(dumped), format=ox.RdfFormat.N_TRIPLES))
        held = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        for dataset in (mine, held):
            dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        assert set(mine) == set(held)
    store.apply({graphs[0]: None}, labelled=labelled)
    assert sorted(f.name for f in (tmp_path / "data" / GENERATIONS).glob(f"*{GRAPHS_SUFFIX}")) == \
        [f"00000{n}{GRAPHS_SUFFIX}" for n in (2, 3)]
