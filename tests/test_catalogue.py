"""The DCAT catalogue: built from a store, loaded as a graph, served like every resource, harvestable."""

from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

import pyshacl
import pytest
import rdflib.namespace
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from itsutsuboshi.converters import mapping
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.publish.catalogue import (
    ADMS,
    IANA,
    LICENCES,
    VCARD,
    build_catalogue,
    catalogue_graph_iri,
    licence_iri,
    load_catalogue,
    write_catalogue,
)
from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore
from itsutsuboshi.store.remote import RemoteStore

# open namespaces: pytest's collection probes module attributes, which closed rdflib namespaces warn about
DCAT, DCTERMS, FOAF, RDF, SKOS = (Namespace(str(getattr(rdflib.namespace, n))) for n in ("DCAT", "DCTERMS", "FOAF", "RDF", "SKOS"))
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "linking" / "131016_aed.csv"
EXAMPLES = sorted((HERE.parent / "examples").glob("*.csv"))
BASE = "https://data.example.lg.jp/"
DAY = date(2024, 4, 1)
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
CC_BY = URIRef(LICENCES["cc-by-4.0"])
#: the municipality's own list: AED (a standard file name), 人口 (the standard title), ごみ (two files,
#: not published here) and 施設予約 (a page only, not published here)
LIST_ROWS = [
    {"データセット_ID": "DS-AED", "データセット_タイトル": "星野市AED設置箇所一覧", "データセット_概要": "市内のAED設置箇所です。",
     "データセット_分類": "健康・福祉", "データセット_最終更新日": "2024-03-31", "データセット_更新頻度": "随時",
     "データセット_URL": "https://www.example.lg.jp/opendata/aed.html", "ファイル形式": "CSV", "ファイル_ライセンス": "CC BY 4.0",
     "ファイル_ダウンロードURL": "https://www.example.lg.jp/opendata/999997_008_aed.csv"},
    {"データセット_ID": "DS-POP", "データセット_タイトル": "地域・年齢別人口", "データセット_分類": "人口・世帯",
     "データセット_最終更新日": "2024-04-01", "データセット_更新頻度": "毎月", "ファイル形式": "CSV",
     "ファイル_ダウンロードURL": "https://www.example.lg.jp/opendata/jinko_202404.csv"},
    {"データセット_ID": "DS-GOMI", "データセット_タイトル": "ごみ収集カレンダー", "データセット_分類": "くらし",
     "データセット_最終更新日": "2024-02-01", "データセット_更新頻度": "毎年", "データセット_URL": "https://www.example.lg.jp/gomi/",
     "データセット_連絡先名称": "環境課", "データセット_連絡先メールアドレス": "gomi@example.lg.jp",
     "データセット_連絡先電話番号": "0120-000-009", "ファイル形式": "CSV", "ファイル_ライセンス": "CC BY 4.0",
     "ファイル_ダウンロードURL": "https://www.example.lg.jp/gomi/calendar.csv"},
    {"データセット_ID": "DS-GOMI", "データセット_タイトル": "ごみ収集カレンダー", "データセット_分類": "くらし",
     "データセット_最終更新日": "2024-02-01", "ファイル形式": "PDF", "ファイル_ライセンス": "星野市の利用規約",
     "ファイル_ダウンロードURL": "https://www.example.lg.jp/gomi/calendar.pdf"},
    {"データセット_ID": "DS-YOYAKU", "データセット_タイトル": "施設予約状況", "データセット_分類": "施設",
     "データセット_最終更新日": "2024-01-10", "データセット_URL": "https://www.example.lg.jp/yoyaku/", "ファイル形式": "API"},
]
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <urn:catalogue-shapes#> .
:Catalog a sh:NodeShape ; sh:targetClass dcat:Catalog ; sh:property
  [ sh:path dcterms:title ; sh:minCount 1 ; sh:uniqueLang true ], [ sh:path dcterms:description ; sh:minCount 1 ],
  [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:class foaf:Agent ], [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ],
  [ sh:path dcat:service ; sh:class dcat:DataService ], [ sh:path dcterms:modified ; sh:maxCount 1 ; sh:datatype xsd:date ] .
:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property
  [ sh:path dcterms:title ; sh:minCount 1 ; sh:uniqueLang true ], [ sh:path dcterms:description ; sh:minCount 1 ],
  [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:maxCount 1 ; sh:class foaf:Agent ],
  [ sh:path dcat:distribution ; sh:class dcat:Distribution ], [ sh:path dcat:theme ; sh:class skos:Concept ],
  [ sh:path dcat:keyword ; sh:nodeKind sh:Literal ], [ sh:path dcat:landingPage ; sh:nodeKind sh:IRI ],
  [ sh:path dcterms:accrualPeriodicity ; sh:maxCount 1 ; sh:nodeKind sh:IRI ], [ sh:path dcterms:modified ; sh:maxCount 1 ] .
:Distribution a sh:NodeShape ; sh:targetClass dcat:Distribution ; sh:property
  [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ], [ sh:path dcat:downloadURL ; sh:nodeKind sh:IRI ],
  [ sh:path dcat:mediaType ; sh:maxCount 1 ; sh:nodeKind sh:IRI ; sh:pattern "^https://www.iana.org/assignments/media-types/" ],
  [ sh:path dcterms:format ; sh:class dcterms:MediaTypeOrExtent ], [ sh:path dcterms:license ; sh:class dcterms:LicenseDocument ],
  [ sh:path dcat:byteSize ; sh:maxCount 1 ; sh:datatype xsd:nonNegativeInteger ] .
:DataService a sh:NodeShape ; sh:targetClass dcat:DataService ; sh:property
  [ sh:path dcat:endpointURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ], [ sh:path dcterms:title ; sh:minCount 1 ],
  [ sh:path dcat:servesDataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .
:Agent a sh:NodeShape ; sh:targetClass foaf:Agent ; sh:property [ sh:path foaf:name ; sh:minCount 1 ; sh:uniqueLang true ] .
"""


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


def write_list(folder: Path, rows: list[dict[str, str]]) -> Path:
    header = list(mapping.get("open_data_list").headers["new"])
    path = folder / "999997_open_data_list.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows({"全国地方公共団体コード": "999997", "地方公共団体名": "架空県星野市", **row} for row in rows)
    return path


def fill(store, folder: Path, base: str = BASE, files: list[Path] | None = None):  # type: ignore[no-untyped-def]
    for path in files if files is not None else [FIXTURE, *EXAMPLES, write_list(folder, LIST_ROWS)]:
        assert load_csv(store, path, base=base).error is None
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return fill(EmbeddedStore(None), tmp_path_factory.mktemp("list"))


@pytest.fixture(scope="module")
def catalogue(store) -> Graph:
    return build_catalogue(store, base=BASE, modified=DAY)


@pytest.fixture(scope="module")
def client(store):
    assert load_catalogue(store, base=BASE, modified=DAY) > 500
    return create_app({"STORE": store, "BASE": BASE, "TESTING": True}).test_client()


def published(store) -> list[URIRef]:
    prefix = BASE + "graph/"  # one graph per source file: graph/{dataset}/{code}/{file}
    return sorted({iri("id/" + "/".join(g[len(prefix):].split("/")[:2])) for g in store.graphs()
                   if g.startswith(prefix) and g.count("/") == 6})


def test_one_catalogue_with_its_endpoint_and_publishers(store, catalogue):
    assert list(catalogue.subjects(RDF.type, DCAT.Catalog)) == [iri("id/catalog")]
    cat = iri("id/catalog")
    assert catalogue.value(cat, DCTERMS.modified) == Literal(DAY)
    service = catalogue.value(cat, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in catalogue
    assert catalogue.value(service, DCAT.endpointURL) == iri("sparql")
    assert catalogue.value(service, DCAT.endpointDescription) == iri("sparql?format=turtle")
    assert set(catalogue.objects(service, DCAT.servesDataset)) == set(published(store))
    chiyoda, hoshino = iri("id/lg/131016"), iri("id/lg/999997")
    assert set(catalogue.objects(cat, DCTERMS.publisher)) == {chiyoda, hoshino}
    assert catalogue.value(chiyoda, DCTERMS.identifier) == Literal("131016")
    corporate = catalogue.value(chiyoda, ADMS.identifier)
    assert catalogue.value(corporate, SKOS.notation) == Literal("8000020131016")
    assert catalogue.value(chiyoda, DCTERMS.spatial) == URIRef("http://data.e-stat.go.jp/lod/sac/C13101")
    assert catalogue.value(iri("id/aed/131016"), DCTERMS.spatial) == URIRef("http://data.e-stat.go.jp/lod/sac/C13101")


def test_themes_and_keywords_are_those_of_the_mapping_file(store, catalogue):
    theme = "http://publications.europa.eu/resource/authority/data-theme/"
    for dataset in published(store):
        m = mapping.get(str(dataset).split("/")[-2])
        assert {URIRef(theme + t) for t in m.themes} <= set(catalogue.objects(dataset, DCAT.theme)), dataset
        assert {Literal(w, lang="ja") for w in (*m.keywords, "自治体標準オープンデータセット")} <= set(
            catalogue.objects(dataset, DCAT.keyword)), dataset
    aed = iri("id/aed/131016")
    assert set(catalogue.objects(aed, DCAT.theme)) == {URIRef(theme + "HEAL")}
    assert {str(k) for k in catalogue.objects(aed, DCAT.keyword)} >= {"AED", "救命", "医療"}


def test_every_dataset_graph_has_distributions_that_answer(store, catalogue, client):
    for dataset in published(store):
        assert (iri("id/catalog"), DCAT.dataset, dataset) in catalogue
        assert catalogue.value(dataset, DCAT.landingPage) is not None
        typed = [d for d in catalogue.objects(dataset, DCAT.distribution) if catalogue.value(d, DCAT.mediaType)]
        assert len(typed) >= 7, dataset
        for dist in typed:
            url = str(catalogue.value(dist, DCAT.downloadURL) or catalogue.value(dist, DCAT.accessURL))
            if not url.startswith(BASE):
                continue  # the municipality's own file (from the list)
            assert str(dist).startswith(str(dataset) + "/distribution/")
            answer = client.get(url[len(BASE) - 1:])
            assert answer.status_code == 200, url
            assert answer.mimetype == str(catalogue.value(dist, DCAT.mediaType))[len(IANA):], url
            size = catalogue.value(dist, DCAT.byteSize)
            if size is not None:
                assert int(size) == len(answer.get_data()) == int(client.head(url[len(BASE) - 1:]).headers["Content-Length"])
        sparql = URIRef(f"{dataset}/distribution/sparql")
        assert catalogue.value(sparql, DCAT.accessService) == iri("id/catalog/sparql")
        assert client.get(str(catalogue.value(sparql, DCAT.accessURL))[len(BASE) - 1:]).status_code == 200


def test_catalogue_and_distributions_dereference(client):
    answer = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/doc/catalog")
    assert client.get("/catalog.jsonld").headers["Location"].endswith("/doc/catalog.jsonld")
    doc = client.get("/doc/catalog", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=doc.get_data(as_text=True), format="turtle")
    assert (iri("id/catalog"), RDF.type, DCAT.Catalog) in g and len(set(g.objects(iri("id/catalog"), DCAT.dataset))) == 8
    assert client.get("/id/aed/999997/distribution/dump-nt-gz").status_code == 303
    assert client.get("/doc/aed/999997/distribution/dump-nt-gz.ttl").status_code == 200
    assert client.get("/doc/catalog", headers={"Accept": "text/html"}).status_code == 200
    answer = client.get("/sparql", query_string={"query": "ASK { ?c a <http://www.w3.org/ns/dcat#Catalog> }"},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.get_json()["boolean"] is True


@pytest.mark.parametrize(("ext", "syntax"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld"), ("nt.gz", "nt")])
def test_the_whole_catalogue_is_one_download_for_harvesters(client, catalogue, ext, syntax):
    answer = client.get(f"/dumps/catalog.{ext}")
    assert answer.status_code == 200
    data = gzip.decompress(answer.get_data()) if ext == "nt.gz" else answer.get_data()
    assert isomorphic(Graph().parse(data=data, format=syntax), catalogue)
    assert client.get("/dumps/aed/999997.jsonld").status_code == 404  # other graphs: N-Triples and Turtle only


def test_void_and_sitemap_point_to_the_catalogue(client):
    void = Graph().parse(data=client.get("/.well-known/void").get_data(as_text=True), format="turtle")
    site = URIRef("http://localhost/.well-known/void#site")
    assert void.value(site, URIRef("http://rdfs.org/ns/void#rootResource")) == iri("id/catalog")
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert sitemap.count("<loc>http://localhost/doc/catalog</loc>") == 1


def test_licence_default_only_when_asked(store, catalogue):
    quiet = iri("id/evacuation_space/999997")  # states no licence, neither does the list
    assert catalogue.value(quiet, DCTERMS.license) is None
    assert catalogue.value(iri("id/aed/999997"), DCTERMS.license) == CC_BY  # the list says CC BY 4.0
    given = build_catalogue(store, base=BASE, licence="cc-by-4.0", modified=DAY)
    assert given.value(quiet, DCTERMS.license) == CC_BY
    assert all(given.value(d, DCTERMS.license) is not None for d in given.subjects(RDF.type, DCAT.Distribution))
    assert given.value(iri("id/catalog"), DCTERMS.license) == CC_BY
    url = build_catalogue(store, base=BASE, licence="https://example.lg.jp/terms", modified=DAY)
    assert url.value(quiet, DCTERMS.license) == URIRef("https://example.lg.jp/terms")
    with pytest.raises(ValueError, match="cc-by-4.0"):
        build_catalogue(store, base=BASE, licence="free")


@pytest.mark.parametrize(("text", "expected"), [
    ("CC BY 4.0", "cc-by-4.0"), ("クリエイティブ・コモンズ表示4.0国際", "cc-by-4.0"), ("cc0", "cc0-1.0"),
    ("公共データ利用規約（第1.0版）", "pdl-1.0"), ("CC-BY-2.1-JP", "cc-by-2.1-jp"), ("独自の規約", None)])
def test_licence_names(text, expected):
    assert licence_iri(text) == (LICENCES[expected] if expected else None)


def test_the_open_data_list_completes_the_catalogue(catalogue):
    entry = iri("id/open_data_list/999997/")
    aed, population = iri("id/aed/999997"), iri("id/population/999997")
    assert catalogue.value(aed, DCTERMS.isReferencedBy) == URIRef(entry + "DS-AED")  # by its standard file name
    assert Literal("星野市AED設置箇所一覧", lang="ja") in set(catalogue.objects(aed, DCTERMS.title))
    assert catalogue.value(aed, DCTERMS.accrualPeriodicity) == URIRef(FREQ + "IRREG")
    city_csv = URIRef("https://www.example.lg.jp/opendata/999997_008_aed.csv")
    (own,) = catalogue.subjects(DCAT.downloadURL, city_csv)
    assert (aed, DCAT.distribution, own) in catalogue and catalogue.value(own, DCAT.mediaType) == URIRef(IANA + "text/csv")
    assert catalogue.value(population, DCTERMS.isReferencedBy) == URIRef(entry + "DS-POP")  # by its title
    assert catalogue.value(population, DCTERMS.accrualPeriodicity) == URIRef(FREQ + "MONTHLY")
    listed = set(catalogue.objects(iri("id/catalog"), DCAT.dataset)) - {aed, population}
    gomi, yoyaku = URIRef(entry + "DS-GOMI"), URIRef(entry + "DS-YOYAKU")
    assert {gomi, yoyaku} <= listed and not any("-r" in str(d) for d in listed)  # one dataset, two file rows
    assert {str(catalogue.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
            for d in catalogue.objects(gomi, DCAT.distribution)} == {"calendar.csv", "calendar.pdf"}
    card = catalogue.value(gomi, DCAT.contactPoint)
    assert catalogue.value(card, VCARD.hasEmail) == URIRef("mailto:gomi@example.lg.jp")
    assert catalogue.value(card, VCARD.hasTelephone) == URIRef("tel:+81-120-000-009")
    (page,) = catalogue.objects(yoyaku, DCAT.distribution)
    assert catalogue.value(page, DCAT.accessURL) == URIRef("https://www.example.lg.jp/yoyaku/")


def test_dcat_shapes(catalogue):
    conforms, _, text = pyshacl.validate(catalogue, shacl_graph=Graph().parse(data=SHAPES, format="turtle"))
    assert conforms, text


def test_building_is_idempotent(store, catalogue, client):
    assert catalogue_graph_iri(BASE) in store.graphs()  # loaded by `client`, and not read back
    assert isomorphic(build_catalogue(store, base=BASE, modified=DAY), catalogue)
    assert isomorphic(build_catalogue(store, base=BASE, modified=DAY), catalogue)


def test_distribution_iris_never_meet_record_iris():
    """Records are ``{dataset}/{code}/{one segment}``: an ID with a slash is percent-encoded."""
    record = IriBuilder(BASE).record("aed", "999997", "distribution/dump-nt-gz")
    assert record == BASE + "id/aed/999997/distribution%2Fdump-nt-gz"


def test_written_files_move_iris_to_the_public_base(catalogue, tmp_path):
    public = "https://opendata.city.example.lg.jp/"
    paths = write_catalogue(catalogue, tmp_path, base=BASE, public_base=public)
    assert sorted(p.name for p in paths) == ["catalog.jsonld", "catalog.rdf", "catalog.ttl"]
    graphs = [Graph().parse(p, format={".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml"}[p.suffix]) for p in paths]
    assert all(isomorphic(graphs[0], g) for g in graphs[1:]) and len(graphs[0]) == len(catalogue)
    assert (URIRef(public + "id/catalog"), RDF.type, DCAT.Catalog) in graphs[0]
    assert BASE not in paths[0].read_text(encoding="utf-8")


def test_a_remote_store_gives_the_same_catalogue(oxigraph_server, tmp_path):
    base = "https://catalogue.example.lg.jp/"
    remote = fill(RemoteStore(oxigraph_server + "/query", listing_seconds=0.1), tmp_path, base, [FIXTURE, write_list(tmp_path, LIST_ROWS)])
    local = fill(EmbeddedStore(None), tmp_path, base, [FIXTURE, write_list(tmp_path, LIST_ROWS)])
    try:
        built = build_catalogue(remote, base=base, modified=DAY)
        expected = build_catalogue(local, base=base, modified=DAY)
        assert isomorphic(built, expected) and len(built) > 100
        assert (URIRef(base + "id/lg/131016"), RDF.type, FOAF.Agent) in built
    finally:
        for graph in [g for g in remote.graphs() if g.startswith(base)]:
            requests.delete(remote.graph_store, params={"graph": graph}, timeout=10)
