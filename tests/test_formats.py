"""The formats table: lookups, and every owner (writers, store, negotiation, routes, dumps, loader,
validator, reports, catalogue) covering every format it lists; no other module restates it."""

from __future__ import annotations

import ast
import gzip
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from itsutsuboshi import formats
from itsutsuboshi.converters.model import IRI, Lit, Node
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.formats import HTML, NTRIPLES, RDF, RESULTS
from itsutsuboshi.publish.catalogue import FILE_TYPES, load_catalogue
from itsutsuboshi.publish.loading import load_csv, load_rdf
from itsutsuboshi.server import create_app, negotiation
from itsutsuboshi.server.static_site import nginx_config
from itsutsuboshi.store import EmbeddedStore
from itsutsuboshi.validation.reports import EXTENSIONS, write_report
from itsutsuboshi.validation.validate import validate_file

from .conftest import ROOT

BASE = "http://127.0.0.1:8000/"
RECORD = "aed/999997/0000000001"
WRITTEN = formats.all_formats()
#: every extension a file may be read by, with its format
READ = [(ext, f) for f in formats.all_formats(reading=True) for ext in f.extensions]
_ids = {"ids": lambda f: f.name}


def _triples(data: bytes, fmt: formats.Format) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(data, format=fmt.ox, base_iri=BASE)}


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    store = EmbeddedStore(None)
    load_csv(store, ROOT / "examples" / "999997_aed.csv", base=BASE)
    load_catalogue(store, base=BASE)
    return store


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE": store, "BASE": BASE, "TESTING": True}).test_client()


# -- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", formats.all_formats(reading=True), **_ids)
def test_found_by_every_key(fmt):
    reading = not fmt.written
    assert all(formats.get(k.upper(), reading=reading) is fmt for k in fmt.keys)
    assert all(formats.by_media_type(m + "; charset=utf-8", reading=reading) is fmt for m in fmt.media_types)
    assert all(formats.by_extension(e.upper(), reading=True) is fmt for e in fmt.extensions)
    assert formats.by_extension(fmt.extension) is (fmt if fmt.written else None)
    assert fmt.ox.media_type == fmt.media_type and fmt.w3c and (fmt.eu or not fmt.written)


def test_lookups():
    assert formats.names()[:4] == ["turtle", "nt", "jsonld", "rdfxml"]  # Turtle first: the default
    assert formats.get("text/turtle") is formats.TURTLE and formats.get("ntriples") is NTRIPLES
    assert formats.by_extension(".json") is None and formats.by_extension(".json", reading=True) is formats.JSONLD
    assert formats.by_media_type("application/json") is formats.JSONLD and formats.by_media_type("image/png") is None
    assert RESULTS.get("json").ox is ox.QueryResultsFormat.JSON and RESULTS.by_media_type("text/xml").name == "xml"
    with pytest.raises(KeyError, match="known: turtle, nt, jsonld"):
        formats.get("n3")  # read, never written
    assert formats.get("n3", reading=True) is formats.N3
    with pytest.raises(ValueError, match="share"):
        formats.Registry("RDF", formats.TURTLE, formats.Format(
            name="turtle2", label="T", media_types=("text/turtle",), extensions=(".t",), ox=ox.RdfFormat.TURTLE,
            rdflib="turtle"))


# -- every owner covers every format ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_writer(fmt):
    record = Node(BASE + "id/x/1", ["http://schema.org/Thing"],
                  [("http://schema.org/name", Lit("名前", lang="ja")), ("http://schema.org/url", IRI(BASE)),
                   ("http://schema.org/address", Node(None, [], [("http://schema.org/postalCode", Lit("100-0001"))]))])
    out = io.StringIO()
    writer = open_writer(fmt, out)
    writer.write(record)
    writer.close()
    data = out.getvalue()
    assert len(_triples(data.encode("utf-8"), fmt)) == 5
    assert len(Graph().parse(data=data, format=fmt.rdflib)) == 5


def test_no_writer_for_a_format_only_read():
    with pytest.raises(ValueError, match="never written"):
        open_writer(formats.N3, io.StringIO())


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_store_serialises(store, fmt):
    graph = next(g for g in store.graphs() if "/aed/" in g)
    expected = _triples(store.dump(graph, format=NTRIPLES.name), NTRIPLES)
    assert _triples(store.dump(graph, format=fmt.name), fmt) == expected
    body, media = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", graph=fmt.name)
    assert media == fmt.media_type and len(_triples(body, fmt)) == len(expected)


@pytest.mark.parametrize("fmt", RESULTS.all(), ids=lambda f: f.name)
def test_store_answers_in_every_results_format(store, fmt):
    body, media = store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", results=fmt.name)
    assert media == fmt.media_type and body


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_negotiation_offers(fmt):
    assert fmt in negotiation.OFFERS and negotiation.EXTENSIONS[fmt.extension] is fmt
    assert all(negotiation.by_key(k) is fmt for k in fmt.keys)
    assert negotiation.from_accept(f"{fmt.media_type}, text/html;q=0.5") is fmt
    assert negotiation.split_extension(f"aed/1{fmt.extension}") == ("aed/1", fmt)
    assert f"{fmt.media_type} {fmt.extension[1:]};" in nginx_config(Path("/srv"), public_base=BASE)


@pytest.mark.parametrize("path", [f"doc/{RECORD}", "def/itsutsuboshi", "shapes", "doc/catalog"])
@pytest.mark.parametrize("fmt", [HTML, *WRITTEN], ids=lambda f: f.name)
def test_routes_serve_every_extension(client, path, fmt):
    answer = client.get(f"/{path}{fmt.extension}")
    assert answer.status_code == 200 and answer.mimetype == fmt.media_type
    assert answer.headers["Content-Location"].endswith(fmt.extension)
    if fmt is not HTML:
        assert _triples(answer.get_data(), fmt)  # type: ignore[arg-type]
        assert client.get(f"/{path}?format={fmt.name}").mimetype == fmt.media_type


@pytest.mark.parametrize("fmt", [HTML, *WRITTEN], ids=lambda f: f.name)
def test_catalog_route_redirects_every_extension(client, fmt):
    assert client.get(f"/catalog{fmt.extension}").headers["Location"].endswith(f"/doc/catalog{fmt.extension}")


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_sparql_endpoint_answers_in_every_format(client, fmt):
    answer = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "format": fmt.name})
    assert answer.status_code == 200 and answer.mimetype == fmt.media_type and len(_triples(answer.data, fmt)) == 3
    for media in fmt.media_types:
        answer = client.get("/sparql", query_string={"query": "DESCRIBE <urn:x:none>"}, headers={"Accept": media})
        assert answer.mimetype == fmt.media_type


@pytest.mark.parametrize("fmt", RESULTS.all(), ids=lambda f: f.name)
def test_sparql_endpoint_answers_in_every_results_format(client, fmt):
    for media in fmt.media_types:
        answer = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
                            headers={"Accept": media})
        assert answer.status_code == 200 and answer.mimetype == fmt.media_type


@pytest.mark.parametrize("dump", formats.CATALOGUE_DUMPS, ids=lambda d: d.extension)
def test_dumps(client, dump):
    names = ["catalog"] + (["all", "aed/999997"] if dump in formats.DUMPS else [])
    for name in names:
        answer = client.get(f"/dumps/{name}{dump.extension}")
        assert answer.status_code == 200 and answer.mimetype == dump.format.media_type
        data = gzip.decompress(answer.data) if dump.gzip else answer.data
        assert _triples(data, dump.format)
    if dump not in formats.DUMPS:
        assert client.get(f"/dumps/all{dump.extension}").status_code == 404


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_loader_reads_every_format(store, tmp_path, fmt):
    graph = next(g for g in store.graphs() if "/aed/" in g)
    path = tmp_path / f"data{fmt.extension}"
    path.write_bytes(store.dump(graph, format=fmt.name))
    target = EmbeddedStore(None)
    loaded = load_rdf(target, path, graph=BASE + "graph/test")
    assert loaded.error is None
    assert isomorphic(Graph().parse(data=target.dump(BASE + "graph/test", format=NTRIPLES.name), format="nt"),
                      Graph().parse(data=store.dump(graph, format=NTRIPLES.name), format="nt"))


@pytest.mark.parametrize(("ext", "fmt"), READ, ids=[ext for ext, _ in READ])
def test_validator_reads_every_extension(store, tmp_path, ext, fmt):
    graph = next(g for g in store.graphs() if "/aed/" in g)
    written = fmt if fmt.written else formats.TURTLE  # N3 reads Turtle
    path = tmp_path / f"data{ext}"
    path.write_bytes(store.dump(graph, format=written.name))
    report = validate_file(path)
    assert report.kind == "rdf" and report.error is None and report.triples == len(_triples(path.read_bytes(), fmt))


@pytest.mark.parametrize("fmt", WRITTEN, **_ids)
def test_validation_report_in_every_format(tmp_path, fmt):
    assert fmt.extension in EXTENSIONS
    report = validate_file(ROOT / "examples" / "999997_aed.csv", base=BASE)
    write_report([report], tmp_path / f"report{fmt.extension}")
    assert _triples((tmp_path / f"report{fmt.extension}").read_bytes(), fmt)


@pytest.mark.parametrize("fmt", [HTML, *WRITTEN], ids=lambda f: f.name)
def test_catalogue_distributions(store, fmt):
    assert FILE_TYPES[fmt.extension[1:]] == (fmt.media_type, fmt.eu)
    body, _ = store.query(f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        ASK {{ ?d dcat:accessURL <{BASE}doc/aed/999997{fmt.extension}> ;
                  dcat:mediaType <https://www.iana.org/assignments/media-types/{fmt.media_type}> }}""")
    assert b"true" in body


def test_a_dataset_lists_its_dumps_in_void(client):
    text = client.get("/.well-known/void").get_data(as_text=True)
    assert all(f"dumps/aed/999997{d.extension}>" in text for d in formats.DUMPS)


# -- stated once ----------------------------------------------------------------------------------

#: media types other tables use too (file types of a municipality's list, error bodies, the sitemap)
_GENERIC = {"text/plain", "application/json", "application/xml", "text/xml", "text/csv", "text/tab-separated-values"}
_OWNED = {m for f in (*RDF.all(reading=True), *RESULTS) for m in f.media_types} - _GENERIC
#: extensions a literal list must not hold two of
_EXTENSIONS = {e for f in RDF.all(reading=True) for e in f.extensions} | {f.extension[1:] for f in WRITTEN}


def _package_modules() -> list[Path]:
    return [p for folder in ("itsutsuboshi", "converters", "server", "shapes", "vocab")
            for p in sorted((ROOT / folder).rglob("*.py")) if p != ROOT / "itsutsuboshi" / "formats.py"]


def _restatements(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [f"{path.name}:{node.lineno}: {m}" for m in _OWNED if m in node.value]
        if isinstance(node, ast.Attribute) and node.attr in ("RdfFormat", "QueryResultsFormat"):
            found.append(f"{path.name}:{node.lineno}: {node.attr}")
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            listed = {i.value for i in items if isinstance(i, ast.Constant) and i.value in _EXTENSIONS}
            if len(listed) > 1:
                found.append(f"{path.name}:{node.lineno}: {sorted(listed)}")
    return found


def test_formats_are_stated_only_in_the_table():
    assert [r for p in _package_modules() for r in _restatements(p)] == []
