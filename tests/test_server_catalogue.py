"""VoID, dumps and sitemap: what describes the whole published site."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

FIXTURE = Path(__file__).resolve().parent / "linking" / "131016_aed.csv"
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.csv"))
BASE = "https://data.example.lg.jp/"
VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def client():
    store = EmbeddedStore(None)
    for path in [FIXTURE, *EXAMPLES]:
        load_csv(store, path, base=BASE)
    app = create_app({"STORE": store, "BASE": BASE, "TESTING": True})
    return app.test_client()


def test_void_describes_every_dataset_graph(client):
    answer = client.get("/.well-known/void")
    assert answer.status_code == 200 and answer.mimetype == "text/turtle"
    g = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    site = URIRef("http://localhost/.well-known/void#site")
    subsets = set(g.objects(site, URIRef(VOID + "subset")))
    assert len(subsets) == 5
    assert (site, URIRef(VOID + "sparqlEndpoint"), URIRef("http://localhost/sparql")) in g
    assert all(int(g.value(s, URIRef(VOID + "triples"))) > 50 for s in subsets)


def test_dumps_of_one_dataset_and_of_everything(client):
    one = client.get("/dumps/aed/131016.nt.gz")
    assert one.status_code == 200 and one.headers["Content-Encoding"] == "gzip"
    triples = gzip.decompress(one.get_data()).decode("utf-8").strip().splitlines()
    assert len(triples) > 50 and all(t.endswith(" .") for t in triples)
    everything = client.get("/dumps/all.ttl")
    g = Graph().parse(data=everything.get_data(as_text=True), format="turtle")
    assert len(g) > len(triples)


@pytest.mark.parametrize("path", ["/dumps/../../etc/passwd", "/dumps/%2e%2e/%2e%2e/etc/passwd", "/dumps/aed/131016.csv",
                                  "/dumps/aed/999999.nt.gz", "/dumps/AED/131016.ttl", "/dumps/..%2fpyproject.toml"])
def test_dump_names_cannot_reach_files_or_unknown_graphs(client, path):
    assert client.get(path).status_code == 404


def test_sitemap_lists_record_pages(client):
    answer = client.get("/sitemap.xml")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "<loc>http://localhost/doc/aed/131016/L-1</loc>" in text
    assert text.count("<loc>") > 10


def test_dumps_answer_head_with_their_length(client):
    body = client.get("/dumps/aed/131016.nt.gz").get_data()
    for _ in range(2):  # the second HEAD is answered from the remembered size
        head = client.head("/dumps/aed/131016.nt.gz")
        assert head.status_code == 200 and head.get_data() == b""
        assert int(head.headers["Content-Length"]) == len(body) and head.headers["ETag"]
    etag = client.get("/dumps/aed/131016.ttl").headers["ETag"]
    assert client.get("/dumps/aed/131016.ttl", headers={"If-None-Match": etag}).status_code == 304


def test_publish_prebuilds_the_dumps_and_the_server_sends_them(tmp_path):
    """After `itsutsuboshi publish`, every dump of the live generation is a file beside the store; the server
    sends those files, byte for byte what it would build; a server with another public base builds its own."""
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main
    from itsutsuboshi.server.dumps import dump_bytes, prebuilt_folder

    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLES[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "published"
    result = CliRunner().invoke(main, ["publish", str(folder), "--base", BASE, "--out", str(out),
                                       "--license", "cc-by-4.0", "-q"])
    assert result.exit_code == 0, result.output
    store = EmbeddedStore(out / "data", read_only=True)
    prebuilt = prebuilt_folder(store)
    assert prebuilt is not None and (prebuilt / "all.nq.gz").is_file() and (prebuilt / "catalog.rdf").is_file()
    assert sorted(p.name for p in (out / "data" / "dumps").iterdir()) == [prebuilt.name]
    client = create_app({"STORE": store, "BASE": BASE, "TESTING": True}).test_client()
    for name in ("all.nt.gz", "all.ttl", "all.nq.gz", "catalog.jsonld", "aed/999997.ttl"):
        served = client.get(f"/dumps/{name}").get_data()
        assert served == (prebuilt / name).read_bytes(), name
    ext = "nq.gz"
    assert (prebuilt / "all.nq.gz").read_bytes() == dump_bytes(store, None, ext=ext, base=BASE)
    (prebuilt / "all.ttl").write_bytes(b"# not what the store holds\n")  # proves the file is what is sent
    assert client.get("/dumps/all.ttl").get_data() == b"# not what the store holds\n"
    other = create_app({"STORE": store, "BASE": BASE, "PUBLIC_BASE": "https://other.example.jp/",
                        "TESTING": True}).test_client()
    assert b"other.example.jp" in other.get("/dumps/all.ttl").get_data()  # built for another public base


@pytest.mark.parametrize("bucket_bytes", [16 << 20, 300])
def test_a_union_of_graphs_holds_each_triple_once_whatever_its_size(tmp_path, monkeypatch, bucket_bytes):
    """Graphs are sets, their union too: a triple two graphs hold is one line of the N-Triples and Turtle
    dumps (deduplicated in memory, or bucket by bucket for a union above the bucket size) and two quads of
    the N-Quads dump; every dump streams through files, the public base moved into each."""
    from itsutsuboshi.server import dumps
    from itsutsuboshi.store import distinct

    monkeypatch.setattr(distinct, "BUCKET_BYTES", bucket_bytes)
    store = EmbeddedStore(None)
    shared = f'<{BASE}id/town/1> <http://www.w3.org/2000/01/rdf-schema#label> "本町"@ja .\n'
    graphs = [f"{BASE}graph/aed/131016/{n}.csv" for n in (1, 2)]
    for n, graph in enumerate(graphs):
        path = tmp_path / f"{n}.nt"
        path.write_text(shared + "".join(f'<{BASE}id/aed/131016/{n}-{i}> <http://schema.org/name> "AED {i}" .\n'
                                         for i in range(20)) + f"_:b{n} <http://schema.org/name> \"x\" .\n",
                        encoding="utf-8")
        store.replace_graph(graph, path)
    public = "https://public.example.jp/"
    nt = gzip.decompress(dumps.dump_bytes(store, graphs, ext="nt.gz", base=BASE, public=public)).decode()
    lines = nt.splitlines()
    assert len(lines) == len(set(lines)) == 1 + 40 + 2
    assert BASE not in nt and lines.count(shared.strip().replace(BASE, public)) == 1
    assert len(Graph().parse(data=dumps.dump_bytes(store, graphs, ext="ttl", base=BASE, public=public),
                             format="turtle")) == 43
    quads = gzip.decompress(dumps.dump_bytes(store, graphs, ext="nq.gz", base=BASE, public=public)).decode()
    assert len(quads.splitlines()) == 2 * 22 and f"<{public}graph/aed/131016/2.csv> ." in quads
