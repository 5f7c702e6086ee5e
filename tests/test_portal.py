"""The portal's search index and pages: folding (ｶﾀｶﾅ / カタカナ / かたかな), 1–2 character queries, facets,
pagination, the atomic replacement of the index, the index publish writes and the one the server builds itself,
and escaping of hostile names."""

from __future__ import annotations

import json
import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest
from markupsafe import escape

from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.publish.run import publish
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore, text_index
from itsutsuboshi.store.text_index import Query, TextIndex, fold

from .conftest import ROOT

BASE = "https://data.example.lg.jp/"
EXAMPLES = sorted((ROOT / "examples").glob("*.csv"))
HOSTILE = "<img src=x onerror=alert(1)>"
IC = "http://imi.go.jp/ns/core/rdf#"


def _hostile_graph(path: Path) -> str:
    """A dataset of one record whose name, kana, address, title and licence are hostile; its graph IRI."""
    d, r, a, n = f"<{BASE}id/test/000000>", f"<{BASE}id/test/000000/evil>", "_:a", "_:n"
    lines = [f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .",
             f'{d} <http://purl.org/dc/terms/title> "{HOSTILE}一覧"@ja .',
             f"{r} <http://purl.org/dc/terms/isPartOf> {d} .",
             f'{r} <http://www.w3.org/2000/01/rdf-schema#label> "{HOSTILE}ホール" .',
             f"{r} <{IC}名称> {n} .", f'{n} <{IC}表記> "{HOSTILE}ホール" .', f'{n} <{IC}カナ表記> "<b>ﾎｰﾙ</b>" .',
             f"{r} <{IC}住所> {a} .", f'{a} <{IC}表記> "<script>alert(2)</script>町" .',
             f"{r} <http://www.w3.org/2003/01/geo/wgs84_pos#lat> \"35.0\" .",
             f"{r} <http://www.w3.org/2003/01/geo/wgs84_pos#long> \"135.0\" ."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{BASE}graph/test/000000/evil.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = EmbeddedStore(None)
    for path in EXAMPLES:
        load_csv(store, path, base=BASE)
    graph = tmp_path_factory.mktemp("hostile") / "evil.nt"
    store.apply({_hostile_graph(graph): graph})
    return store


@pytest.fixture(scope="module")
def index(store, tmp_path_factory) -> TextIndex:
    path = tmp_path_factory.mktemp("index") / "search.sqlite"
    text_index.build(store, path, base=BASE)
    return TextIndex(path)


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()


def _names(index: TextIndex, text: str, **kw) -> list[str]:
    return [h["name"] for h in index.search(Query(text, size=100, **kw)).hits]


@pytest.mark.parametrize(("a", "b"), [("ﾎｼﾉｼﾔｸｼｮ", "ホシノシヤクショ"), ("ホシノシヤクショ", "ほしのしやくしょ"),
                                      ("ｶﾞｯｺｳ", "がっこう"), ("ＡＢＣ１２３", "abc123"), ("センタ-", "センター"),
                                      ("本町１丁目", "本町1丁目"), ("星野　市役所", "星野 市役所")])
def test_fold_makes_kana_width_and_dashes_one(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize(("place", "parts"), [("千葉県市川市", ("千葉県", "市川市")), ("京都府京都市", ("京都府", "京都市")),
                                            ("北海道札幌市", ("北海道", "札幌市")), ("神奈川県横浜市", ("神奈川県", "横浜市")),
                                            ("沖縄県", ("沖縄県", "")), ("", ("", ""))])
def test_a_linked_area_name_splits_into_prefecture_and_municipality(place, parts):
    assert text_index._split_place(place) == parts


def test_every_record_is_indexed_with_what_the_portal_shows(store, index):
    body, _ = store.query("SELECT ?d (COUNT(DISTINCT ?r) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> . "
                          "?r <http://purl.org/dc/terms/isPartOf> ?d } GROUP BY ?d")
    expected = {row["d"]["value"]: int(row["n"]["value"]) for row in json.loads(body)["results"]["bindings"]}
    assert index.counts()["records"] == sum(expected.values()) > 10
    assert {d["iri"]: d["records"] for d in index.datasets() if d["records"]} == expected  # the home page's counts
    hit = next(h for h in index.search(Query("星野市役所", kind="aed")).hits if h["name"] == "星野市役所")
    assert hit["iri"] == f"{BASE}id/aed/999997/0000000001" and hit["dataset"] == f"{BASE}id/aed/999997"
    assert (hit["kind"], hit["kind_label"], hit["kana"]) == ("aed", "AED設置箇所一覧", "ホシノシヤクショ")
    assert (hit["code"], hit["prefecture"], hit["municipality"]) == ("999997", "架空県", "星野市")
    assert "本町" in hit["address"] and (hit["lat"], hit["long"]) == (35.6812, 139.7671)
    kinds = {d["kind"] for d in index.datasets()}
    assert {"aed", "evacuation_space", "public_toilet", "population", "test"} <= kinds


@pytest.mark.parametrize(("text", "found"), [
    ("ﾎｼﾉｼﾔｸｼｮ", "星野市役所"),        # half-width kana, as the CSV writes it
    ("ほしのしやくしょ", "星野市役所"),    # hiragana finds the half-width kana
    ("シヤクショ", "星野市役所"),          # a katakana fragment
    ("市役所", "星野市役所"),              # three characters: the trigram index
    ("役所", "星野市役所"),                # two: looked for in the folded text
    ("役", "星野市役所"),                  # one
    ("ﾀｲｲｸ", "星野市民体育館"),
    ("本町１丁目", "星野市役所"),          # the address, full-width digits
    ("体育館 星野", "星野市民体育館"),     # every word must match
    ("ｷﾀｼｮｳ", "星野北小学校"),
])
def test_search_finds_by_name_kana_and_address(index, text, found):
    assert found in _names(index, text)


@pytest.mark.parametrize("text", ["存在しない施設名", "zzz", "ぬ", '"', "' OR 1=1 --", "NEAR(a b)", "*"])
def test_queries_that_find_nothing_or_are_odd_do_not_fail(index, text):
    results = index.search(Query(text))
    assert results.total == len(results.hits) == 0  # query syntax is looked for as text, never obeyed


def test_facets_count_under_the_other_choices(index):
    everything = index.search(Query())
    kinds = {f.value: f.count for f in everything.facets["kind"]}
    assert sum(kinds.values()) == everything.total and kinds["aed"] >= 2
    aed = index.search(Query(kind="aed"))
    assert aed.total == kinds["aed"]
    assert {f.value: f.count for f in aed.facets["kind"]} == kinds  # its own facet keeps the other kinds
    assert [f.value for f in aed.facets["kind"] if f.selected] == ["aed"]
    assert sum(f.count for f in aed.facets["code"]) == aed.total  # the others narrow
    assert {f.value for f in everything.facets["licence"]} == {""}  # loaded without a licence
    assert index.search(Query(licence="")).total == everything.total
    assert index.search(Query(code="999997", kind="aed")).total == kinds["aed"]
    missing = index.search(Query(kind="nothing-of-that-kind"))
    assert missing.total == 0 and [f.selected for f in missing.facets["kind"] if f.value == "nothing-of-that-kind"] == [True]


def test_pages_split_the_results_without_overlap(index):
    total = index.search(Query()).total
    seen: list[str] = []
    pages = index.search(Query(size=7)).pages
    assert pages == -(-total // 7)
    for page in range(1, pages + 1):
        seen += [h["iri"] for h in index.search(Query(page=page, size=7)).hits]
    assert len(seen) == len(set(seen)) == total
    last = index.search(Query(page=10_000, size=7))
    assert last.page == pages and [h["iri"] for h in last.hits] == seen[(pages - 1) * 7:]


def test_points_are_capped_evenly(index):
    total, points = index.points(Query())
    assert total == index.counts()["located"] == len(points) > 5
    capped_total, capped = index.points(Query(), limit=5)
    assert capped_total == total and len(capped) == 5 and len({p["iri"] for p in capped}) == 5
    every = [p["iri"] for p in points]
    positions = [every.index(p["iri"]) for p in capped]  # spread over all of them, the last one kept
    assert positions[-1] == total - 1 and all(0 < b - a <= -(-total // 5) for a, b in pairwise([-1, *positions]))


class _Failing:
    """A store whose query for coordinates fails half way through a build."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store

    def query(self, sparql: str, **kw):
        if "wgs:lat" in sparql:
            raise RuntimeError("the store went away")
        return self.store.query(sparql, **kw)


def test_the_index_read_a_few_datasets_at_a_time_is_the_same(store, index, tmp_path, monkeypatch):
    """Records are read a batch of datasets at a time (memory bounded by the batch, not the site): batches of
    one dataset give the same rows as one batch of all."""
    monkeypatch.setattr(text_index, "BATCH_RECORDS", 1)
    counts = {row["d"]: int(row["n"]) for row in text_index._rows(store, "counts")}
    assert len(list(text_index._batches(counts))) == len(counts) > 1
    small = tmp_path / "small.sqlite"
    built = text_index.build(store, small, base=BASE)

    def rows(path: Path) -> list[tuple]:
        with sqlite3.connect(path) as db:
            return sorted(tuple(r[1:]) for r in db.execute("SELECT * FROM records"))

    assert built["records"] == len(rows(small)) > 10 and rows(small) == rows(index.path)


def test_a_failed_build_leaves_the_index_as_it_was(store, tmp_path):
    target = tmp_path / "search.sqlite"
    text_index.build(store, target, base=BASE)
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        text_index.build(_Failing(store), target, base=BASE)  # type: ignore[arg-type]
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["search.sqlite"]  # no temporary file left
    reader = TextIndex(target)
    inode = target.stat().st_ino
    text_index.build(store, target, base=BASE)  # replaced whole: a new file under the same name
    assert target.stat().st_ino != inode and reader.search(Query("役所")).total >= 1
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_server_builds_the_index_once_when_none_was_published(store, monkeypatch):
    calls = []
    build = text_index.build
    monkeypatch.setattr(text_index, "build", lambda *a, **kw: calls.append(1) or build(*a, **kw))
    client = create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()
    for url in ("/", "/search?q=役所", "/search/points.json", "/search.json?q=ﾎｼﾉ"):
        assert client.get(url).status_code == 200
    assert len(calls) == 1


def test_publish_writes_the_index_of_each_generation_and_the_server_reads_it(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / EXAMPLES[0].name).write_bytes(EXAMPLES[0].read_bytes())
    out = tmp_path / "out"
    writer = EmbeddedStore(out / "data")
    publish([inputs], writer, base=BASE, out=out, licence="cc-by-4.0")
    first = text_index.generation_path(writer)
    assert first is not None and first.is_file()
    app = create_app({"STORE": str(out / "data"), "BASE": BASE, "MAP_TILES": ""})
    calls = []
    monkeypatch.setattr(text_index, "build", lambda *a, **kw: calls.append(1))
    client = app.test_client()
    assert "星野市役所" in client.get("/search?q=ｼﾔｸｼｮ").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    level = json.loads((out / "stars.json").read_text(encoding="utf-8"))["files"][0]["level"]
    assert f'<span class="stars" title="5 つ星の段階 / 5-star level">{"★" * level}{"☆" * (5 - level)}</span>' in home
    assert ">CC BY 4.0</a>" in home and "CC BY 4.0</a> <span class=\"count\">" in home  # the list and the facet
    assert calls == []  # the published index, not one built by the server
    monkeypatch.undo()
    (inputs / EXAMPLES[1].name).write_bytes(EXAMPLES[1].read_bytes())
    publish([inputs], writer, base=BASE, out=out)
    second = text_index.generation_path(writer)
    assert second is not None and second != first and second.is_file() and not first.exists()
    client.get("/")
    found = client.get("/search.json?q=ほしのきた").get_json()
    assert any(h["name"] == "星野北小学校" for h in found["hits"]), found


class _Remote:
    """A store with neither a folder nor generations, as a SPARQL server is."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store

    def query(self, sparql: str, **kw):
        return self.store.query(sparql, **kw)

    def graphs(self):
        return self.store.graphs()


def test_a_remote_store_gets_the_index_publish_wrote_to_out(store, tmp_path, monkeypatch):
    written = text_index.publish_index(_Remote(store), base=BASE, out=tmp_path)  # type: ignore[arg-type]
    assert written == tmp_path / text_index.FILE_NAME and written.is_file()
    stamp = written.stat().st_mtime_ns
    assert text_index.publish_index(_Remote(store), base=BASE, out=tmp_path, changed=False) == written  # type: ignore[arg-type]
    assert written.stat().st_mtime_ns == stamp  # nothing changed: not built again
    (tmp_path / "stars.html").write_text("", encoding="utf-8")
    calls = []
    monkeypatch.setattr(text_index, "build", lambda *a, **kw: calls.append(1))
    client = create_app({"STORE": _Remote(store), "BASE": BASE, "REPORTS": str(tmp_path)}).test_client()
    assert client.get("/search.json?q=役所").get_json()["total"] >= 1 and calls == []


def test_an_empty_store_and_a_broken_index_still_give_pages(tmp_path):
    empty = create_app({"STORE": EmbeddedStore(None), "BASE": BASE}).test_client()
    assert "No data loaded yet" in empty.get("/").get_data(as_text=True)
    assert empty.get("/search.json?q=x").get_json()["total"] == 0
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database")
    client = create_app({"STORE": EmbeddedStore(None), "BASE": BASE, "SEARCH_INDEX": str(broken)}).test_client()
    assert client.get("/").status_code == 200 and client.get("/search").status_code == 200


def test_a_configured_index_is_read_for_a_store_without_one(store, tmp_path):
    path = tmp_path / "elsewhere.sqlite"
    text_index.build(store, path, base=BASE)
    client = create_app({"STORE": EmbeddedStore(None), "BASE": BASE, "SEARCH_INDEX": str(path)}).test_client()
    assert client.get("/search.json?q=役所").get_json()["total"] >= 1


def test_search_json_lists_hits_facets_and_pages(client):
    data = client.get("/search.json?q=ﾎｼﾉ&size=2").get_json()
    assert data["total"] > 2 and data["pages"] == -(-data["total"] // 2) and len(data["hits"]) == 2
    assert set(data["facets"]) == {"kind", "code", "licence"}
    hit = data["hits"][0]
    assert hit["href"].startswith("/doc/") and hit["iri"].startswith(BASE)
    negotiated = client.get("/search?q=ﾎｼﾉ&size=2", headers={"Accept": "application/json"})
    assert negotiated.is_json and negotiated.get_json()["total"] == data["total"]
    html = client.get("/search?q=ﾎｼﾉ&page=2&size=2", headers={"Accept": "text/html,*/*"})
    assert html.mimetype == "text/html" and html.headers["Vary"] == "Accept"
    twin = html.headers["Link"].split(">")[0].lstrip("<")
    assert twin.startswith("/search.json?") and "page=2" in twin and "size=2" in twin and "rel=\"alternate\"" in html.headers["Link"]
    assert f'<a href="{escape(twin)}">JSON</a>' in html.get_data(as_text=True)  # the page links the same twin


def test_pages_link_facets_and_pages(client):
    html = client.get("/search?q=%E6%98%9F%E9%87%8E&size=2").get_data(as_text=True)
    assert 'href="/search?q=%E6%98%9F%E9%87%8E&amp;kind=aed&amp;size=2"' in html  # the page size is kept
    assert "page=2" in html and 'class="pager"' in html
    chosen = client.get("/search?kind=aed").get_data(as_text=True)
    assert 'class="selected"' in chosen and 'href="/search"' in chosen  # choosing it again clears it
    home = client.get("/").get_data(as_text=True)
    assert "架空県" in home and "AED設置箇所一覧" in home and 'data-points="/search/points.json"' in home
    by_kind = client.get("/?by=kind").get_data(as_text=True)
    assert '<h3 class="group">AED設置箇所一覧</h3>' in by_kind and '<h3 class="group">架空県</h3>' not in by_kind


@pytest.mark.parametrize("by", ["publisher", "kind"])
def test_the_home_page_lists_the_datasets_a_page_at_a_time(client, monkeypatch, by):
    from itsutsuboshi.server import portal

    monkeypatch.setattr(portal, "DATASETS_PAGE", 2)
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/?by={by}&page={page}").get_data(as_text=True)
        shown += [line for line in html.splitlines() if '<code class="iri">' in line]  # one a dataset
        assert 'class="pager"' in html and f"<strong aria-current=\"page\">{page}</strong>" in html
    assert len(shown) == len(set(shown)) == 5  # aed, evacuation_space, population, public_toilet, test


def test_datasets_json_lists_what_the_index_holds(client, index):
    listed = {d["iri"]: d for d in client.get("/search/datasets.json").get_json()["datasets"]}
    assert {iri: d["records"] for iri, d in listed.items()} == {d["iri"]: d["records"] for d in index.datasets()}
    aed = listed[f"{BASE}id/aed/999997"]
    assert (aed["kind"], aed["publisher_code"], aed["href"]) == ("aed", "999997", "/doc/aed/999997")


def test_points_json_is_compact(client):
    data = client.get("/search/points.json?kind=aed").get_json()
    assert data["total"] == data["shown"] == len(data["points"]) >= 2
    lat, long, kind, name, href = data["points"][0]
    assert isinstance(lat, float) and data["kinds"][kind] == "AED設置箇所一覧" and href.startswith("/doc/aed/")


@pytest.mark.parametrize("url", ["/", "/?by=kind", "/search?q=%E3%83%9B%E3%83%BC%E3%83%AB", "/search?kind=test",
                                 "/search?q=%3Cscript%3Ealert(1)%3C/script%3E"])
def test_hostile_names_are_escaped(client, url):
    html = client.get(url).get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html and "<b>" not in html
    if "kind=test" in url or "%E3%83%9B" in url:
        assert "&lt;img src=x onerror=alert(1)&gt;ホール" in html


def test_hostile_names_stay_text_in_json(client):
    hits = client.get("/search.json?q=%E3%81%BB%E3%83%BC%E3%82%8B").get_json()["hits"]
    assert [h["name"] for h in hits] == [f"{HOSTILE}ホール"]


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_the_index_builds_from_sparql_servers(request, tmp_path, server):
    import requests
    import requests.auth

    from itsutsuboshi.store.remote import RemoteStore

    base = "https://portal.example.lg.jp/"  # a base of its own: the servers live for the whole session
    url = request.getfixturevalue(server)
    remote = RemoteStore(url + "/query" if server == "oxigraph_server" else url, listing_seconds=0.1)
    assert load_csv(remote, ROOT / "tests" / "linking" / "131016_aed.csv", base=base).error is None
    try:
        built = text_index.build(remote, tmp_path / "search.sqlite", base=base)
        index = TextIndex(tmp_path / "search.sqlite")
        assert built["records"] == index.counts()["records"] >= 2
        hit = index.search(Query("ｸﾔｸｼｮ")).hits[0]
        assert (hit["name"], hit["kind"], hit["code"]) == ("区役所", "aed", "131016")
        assert (hit["lat"], hit["long"]) == (35.694003, 139.753595)
        assert index.search(Query("ざひょう")).total == 1
    finally:
        for graph in [g for g in remote.graphs() if g.startswith(base)]:
            requests.delete(remote.graph_store, params={"graph": graph}, timeout=10,
                            auth=requests.auth.HTTPDigestAuth(*remote.auth) if remote.auth else None)
