"""Dataset and record pages: the summary of a dataset's properties, its flat CSV/JSON tables (streamed page
by page), the ready query, the links to its reports, the provenance row of a record, and hostile literals."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from itsutsuboshi.cli.main import main
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.publish.loading import load_csv
from itsutsuboshi.server import create_app, flat
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT

BASE = "https://data.example.lg.jp/"
ICHIKAWA = ROOT / "demo" / "ichikawa"
FIXED = ["iri", "name", "kana", "address", "lat", "long", "machiaza_id", "lg_code", "tel", "website"]
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
IS_PART_OF = "http://purl.org/dc/terms/isPartOf"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NOTE = "http://imi.go.jp/ns/core/rdf#備考"
#: literals a spreadsheet would run, and what the flat CSV must hold instead
FORMULAS = [("=HYPERLINK(\"http://evil.example/\",\"x\")", "'=HYPERLINK(\"http://evil.example/\",\"x\")"),
            ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\t=1", "'\t=1"),
            ("-12.5", "-12.5"), ("<script>alert(1)</script>", "<script>alert(1)</script>"),
            ('a "quoted"\r\nline, with a comma', 'a "quoted"\r\nline, with a comma')]
BIG = 25  # records of the dataset read over several pages


def _nt_literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _extra(path: Path) -> None:
    """A dataset of hostile literals and one of :data:`BIG` records."""
    iris = IriBuilder(BASE)
    lines = []
    for name, size in (("hostile", len(FORMULAS)), ("big", BIG)):
        d = f"<{iris.dataset(name, '999997')}>"
        lines += [f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DCAT_DATASET}> .",
                  f'{d} <http://purl.org/dc/terms/title> "{name}"@ja .']
        if name == "hostile":  # a licence that is a script, a publisher whose name is markup
            lg = f"<{iris.organization('999990')}>"
            lines += [f"{d} <http://purl.org/dc/terms/license> <javascript:alert(2)> .",
                      f"{d} <http://purl.org/dc/terms/publisher> {lg} .",
                      f'{lg} <{LABEL}> "<img src=x onerror=alert(3)>"@ja .']
        for i in range(size):
            r = f"<{iris.record(name, '999997', f'r{i:03d}')}>"
            label = FORMULAS[i][0] if name == "hostile" else f"記録{i:03d}"
            lines += [f"{r} <{IS_PART_OF}> {d} .", f"{r} <{LABEL}> {_nt_literal(label)}@ja .",
                      f"{r} <{NOTE}> {_nt_literal(label)} ."]
            if name == "hostile":
                lines.append(f"{r} <http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:alert({i})> .")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def fixture_app(tmp_path_factory):
    """The fictional examples and the hostile and big datasets, loaded as files are."""
    store = EmbeddedStore(None)
    for path in sorted((ROOT / "examples").glob("*.csv")):
        load_csv(store, path, base=BASE)
    extra = tmp_path_factory.mktemp("extra") / "extra.nt"
    _extra(extra)
    store.replace_graph(IriBuilder(BASE).graph("extra", "999997", "extra.csv"), extra)
    return create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""})


@pytest.fixture(scope="module")
def ichikawa(tmp_path_factory):
    """市川市's AED, evacuation sites and open data list published with a licence, served with their reports."""
    work = tmp_path_factory.mktemp("ichikawa")
    (work / "ichikawa").mkdir()
    for name in ("aed__ichikawa__1.csv", "evacuation_space__ichikawa__1.csv", "open_data_list__ichikawa__1.csv"):
        shutil.copy(ICHIKAWA / name, work / "ichikawa" / name)
    out = work / "published"
    run = CliRunner().invoke(main, ["publish", str(work / "ichikawa"), "--license", "cc-by-4.0", "--base", BASE,
                                    "-o", str(out), "-q"])
    assert run.exit_code == 0, run.output
    return create_app({"STORE": str(out / "data"), "BASE": BASE, "MAP_TILES": "", "REPORTS": str(out)})


def _csv(response) -> list[dict[str, str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _table(client, path: str, ext: str):
    response = client.get(f"/table/{path}.{ext}")
    assert response.status_code == 200, response.data[:200]
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def _summary(html: str) -> dict[str, tuple[int, str]]:
    """``{compact IRI: (records, the row's HTML)}`` of a dataset page's summary of properties."""
    body = html.split('<table class="summary">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr class=\"depth-\d\">(.*?)</tr>", body, re.S):
        curie = unescape(re.search(r"<small><code>(.*?)</code></small>", row).group(1))
        rows.setdefault(curie, (int(re.search(r'<td class="num">(\d+)</td>', row).group(1)), row))
    return rows


# --- the summary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("site", "path", "records", "expected"), [
    ("fixture", "aed/999997", 3, {"rdfs:label": 3, "wgs:lat": 3, "ic:設置地点": 3}),
    ("ichikawa", "aed/122033", 191, {"rdfs:label": 191, "schema:name": 191, "ic:設置位置": 191, "ic:Webサイト": 189,
                                     "ic:方書": 4}),
    ("ichikawa", "evacuation_space/122033", 121, {"rdfs:label": 121, "itsu:forTsunami": 121}),
])
def test_the_summary_counts_the_records_of_each_property(request, site, path, records, expected):
    app = request.getfixturevalue("fixture_app" if site == "fixture" else "ichikawa")
    html = app.test_client().get(f"/doc/{path}").get_data(as_text=True)
    summary = _summary(html)
    for curie, n in expected.items():
        assert summary[curie][0] == n, curie
    assert len(_csv(_table(app.test_client(), path, "csv"))) == records
    assert f"({records})" in html  # the records list agrees


@pytest.mark.parametrize("path", ["aed/122033", "evacuation_space/122033"])
def test_the_summary_counts_agree_with_the_flat_table(ichikawa, path):
    """Each single-valued literal property: as many records and distinct values in the summary as in the table."""
    client = ichikawa.test_client()
    summary = _summary(client.get(f"/doc/{path}").get_data(as_text=True))
    data = json.loads(_table(client, path, "json").get_data())
    own = [c for c in data["columns"] if c["property"]]
    assert own
    for column in own:
        values = [r[column["name"]] for r in data["records"] if r[column["name"]] is not None]
        records, row = summary[column["name"]]
        distinct = int(re.findall(r'<td class="num">(\d*)</td>', row)[1])
        assert (records, distinct) == (len(values), len({json.dumps(v) for v in values})), column["name"]


def test_the_summary_names_properties_and_links_the_concepts_used(ichikawa):
    html = ichikawa.test_client().get("/doc/evacuation_space/122033").get_data(as_text=True)
    summary = _summary(html)
    codes = summary["itsu:disasterTypeCode"][1]
    assert re.search(r'<a href="https://w3id.org/itsutsuboshi/code/disaster_type/earthquake">[^<]*地震', codes)
    assert "設置位置" in _summary(ichikawa.test_client().get("/doc/aed/122033").get_data(as_text=True))["ic:設置位置"][1]
    assert "千葉県市川市" in summary["ic:住所"][1] or "千葉県市川市" in summary["ic:表記"][1]


# --- the flat table ------------------------------------------------------------------------------

#: one record of 市川市's AED list (its IRI is made from its content, so the same bytes give the same IRI)
FUMIHAMA = {"iri": BASE + "id/aed/122033/x-6b4e15e7812a74aa", "name": "富美浜小学校", "kana": "フミハマショウガッコウ",
            "address": "千葉県市川市南行徳2丁目3-1", "lat": "35.67152659", "long": "139.9053257",
            "machiaza_id": "0076002", "lg_code": "122033", "tel": "(047)396-2522",
            "website": "http://www.city.ichikawa.lg.jp/pub01/1211000002.html", "ic:設置位置": "校長室前"}


def test_the_flat_csv_and_json_of_ichikawa_have_the_normalised_columns(ichikawa):
    client = ichikawa.test_client()
    rows = _csv(_table(client, "aed/122033", "csv"))
    assert list(rows[0])[:len(FIXED)] == FIXED and "ic:設置位置" in rows[0]
    by_iri = {r["iri"]: r for r in rows}
    assert {k: by_iri[FUMIHAMA["iri"]][k] for k in FUMIHAMA} == FUMIHAMA
    assert all(r["lg_code"] == "122033" and re.fullmatch(r"\d{7}", r["machiaza_id"]) for r in rows)
    data = json.loads(_table(client, "aed/122033", "json").get_data())
    assert data["dataset"] == BASE + "id/aed/122033"
    assert [c["name"] for c in data["columns"]][:len(FIXED)] == FIXED
    record = next(r for r in data["records"] if r["iri"] == FUMIHAMA["iri"])
    assert record["lat"] == 35.67152659 and record["long"] == 139.9053257 and record["name"] == "富美浜小学校"
    assert [r["iri"] for r in data["records"]] == [r["iri"] for r in rows]  # the same records, the same order
    shelters = json.loads(_table(client, "evacuation_space/122033", "json").get_data())["records"]
    assert {type(r["itsu:forTsunami"]) for r in shelters} == {bool}


def test_the_flat_table_of_a_fixture(fixture_app):
    rows = _csv(_table(fixture_app.test_client(), "aed/999997", "csv"))
    assert len(rows) == 3 and all(r["iri"].startswith(BASE + "id/aed/999997/") for r in rows)
    assert all(r["name"] and r["lat"] and r["long"] for r in rows)
    assert {r["lg_code"] for r in rows} == {"999997"}


def test_the_flat_table_shows_iris_under_the_public_base(fixture_app):
    store = fixture_app.extensions["itsutsuboshi"].store
    client = create_app({"STORE": store, "BASE": BASE, "PUBLIC_BASE": "http://127.0.0.1:8000/"}).test_client()
    rows = _csv(_table(client, "aed/999997", "csv"))
    assert rows and all(r["iri"].startswith("http://127.0.0.1:8000/id/aed/999997/") for r in rows)
    points = client.get("/points/aed/999997.json").get_json()
    assert len(points) == 3 and all(p[3].startswith("http://127.0.0.1:8000/id/") for p in points)
    assert BASE not in client.get("/table/aed/999997.json").get_data(as_text=True)


def test_a_large_dataset_is_read_page_by_page_and_streamed(fixture_app, monkeypatch):
    monkeypatch.setattr(flat, "PAGE_SIZE", 7)
    store = fixture_app.extensions["itsutsuboshi"].store
    seen: list[str] = []
    original = store.query

    def spy(sparql, **kw):
        seen.append(sparql)
        return original(sparql, **kw)

    monkeypatch.setattr(store, "query", spy)
    response = fixture_app.test_client().get("/table/big/999997.json", buffered=False)
    assert response.is_streamed
    records = json.loads(response.get_data())["records"]
    assert [r["iri"] for r in records] == [IriBuilder(BASE).record("big", "999997", f"r{i:03d}") for i in range(BIG)]
    assert len([q for q in seen if "LIMIT 7" in q]) == -(-BIG // 7)  # 4 pages of at most 7
    assert len(_csv(fixture_app.test_client().get("/table/big/999997.csv"))) == BIG


@pytest.mark.parametrize("path", ["/table/nothing/999997.csv", "/table/aed/999997.xml", "/table/aed/999997%3E.csv",
                                  "/table/..%2F..%2Fetc/passwd.csv", "/points/nothing/999997.json",
                                  "/table/aed/999997/0000000001.csv"])
def test_only_datasets_have_tables(fixture_app, path):
    assert fixture_app.test_client().get(path).status_code == 404


# --- the query link, the map's points, the reports ----------------------------------------------------


@pytest.mark.parametrize("public", [None, "http://127.0.0.1:8000/"])
def test_the_query_link_runs_on_the_endpoint_and_returns_the_records(fixture_app, public):
    store = fixture_app.extensions["itsutsuboshi"].store
    client = create_app({"STORE": store, "BASE": BASE, "PUBLIC_BASE": public}).test_client()
    html = client.get("/doc/big/999997").get_data(as_text=True)
    href = unescape(re.search(r'<a href="([^"]+)" class="query">', html).group(1))
    assert urlsplit(href).path == "/sparql/ui"
    query = parse_qs(urlsplit(href).query)["query"][0]
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    found = {b["record"]["value"] for b in answer.get_json()["results"]["bindings"]}
    assert found == {IriBuilder(BASE).record("big", "999997", f"r{i:03d}") for i in range(BIG)}


def test_the_map_points_of_a_dataset(ichikawa):
    points = ichikawa.test_client().get("/points/aed/122033.json").get_json()
    assert len(points) == 191
    assert [35.67152659, 139.9053257, "富美浜小学校", FUMIHAMA["iri"]] in points


def test_a_dataset_page_links_its_downloads_reports_and_provenance(ichikawa):
    client = ichikawa.test_client()
    html = client.get("/doc/aed/122033").get_data(as_text=True)
    for href in ("/table/aed/122033.csv", "/table/aed/122033.json", "/reports/ichikawa-aed__ichikawa__1.html"):
        assert f'href="{href}"' in html
        assert client.get(href).status_code == 200
    stars = re.search(r'href="(/stars#file-\d)"', html).group(1)
    assert client.get(stars.split("#")[0]).status_code == 200
    provenance = html.split('<table class="provenance">', 1)[1].split("</table>", 1)[0]
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in provenance
    assert f'<a href="{BASE}id/lg/122033">千葉県市川市</a>' in provenance
    assert f'<a href="{BASE}source/122033/aed__ichikawa__1.csv">aed__ichikawa__1.csv</a>' in provenance
    assert re.search(r"最終更新.*\d{4}-\d\d-\d\d", provenance, re.S)


EU = "http://publications.europa.eu/resource/authority/"


@pytest.mark.parametrize(("path", "link"), [
    ("/doc/aed/122033", f'<a href="{EU}data-theme/HEAL">健康 / Health</a>'),
    ("/doc/aed/122033", f'<a href="{EU}access-right/PUBLIC">公開 / Public</a>'),
    ("/doc/aed/122033/distribution/doc-ttl", f'<a href="{EU}file-type/RDF_TURTLE">Turtle</a>'),
    ("/doc/aed/122033/distribution/doc-jsonld", f'<a href="{EU}file-type/JSON_LD">JSON-LD</a>'),
])
def test_pages_name_the_eu_concepts_of_the_catalogue(ichikawa, path, link):
    assert link in ichikawa.test_client().get(path).get_data(as_text=True)


# --- record pages --------------------------------------------------------------------------------


def test_a_record_shows_its_provenance(ichikawa):
    html = ichikawa.test_client().get("/doc/aed/122033/x-6b4e15e7812a74aa").get_data(as_text=True)
    row = html.split('<p class="provenance">', 1)[1].split("</p>", 1)[0]
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in row
    assert f'<a href="{BASE}id/lg/122033">千葉県市川市</a>' in row
    assert f'<a href="{BASE}id/aed/122033">AED設置箇所一覧</a>' in row
    assert f'<a href="{BASE}source/122033/aed__ichikawa__1.csv#row=13">元の CSV の 13 行目</a> <small>source row 13</small>' in row
    # the source row shown in the table is labelled too; no IRI of the site is shown bare where a label exists
    assert f'<a href="{BASE}source/122033/aed__ichikawa__1.csv#row=13">元の CSV の 13 行目 / source row 13</a>' in html
    assert re.findall(rf'<a href="[^"]*">{re.escape(BASE)}[^<]*</a>', html) == []


@pytest.mark.parametrize(("record", "row", "page"), [("x-6b4e15e7812a74aa", 13, 1), ("x-821e37ff7fd3b70e", 182, 2)])
def test_the_source_row_links_the_page_of_the_source_file_that_lists_it(ichikawa, record, row, page):
    client = ichikawa.test_client()
    html = client.get(f"/doc/aed/122033/{record}").get_data(as_text=True)
    source = f"{BASE}source/122033/aed__ichikawa__1.csv"
    href = unescape(re.search(r'元データ <small>Source</small>: <a href="([^"]+)"', html).group(1))
    assert href == source + (f"?page={page}" if page > 1 else "") + f"#row={row}"
    listing = client.get(href.removeprefix(BASE[:-1]).split("#")[0]).get_data(as_text=True)
    item = re.search(rf'<li><a href="([^"]+)" id="row={row}">[^<]*</a> <small class="row">{row} 行目 / row {row}</small>',
                     listing)
    assert item and item.group(1) == f"{BASE}id/aed/122033/{record}"
    rows = [int(n) for n in re.findall(r' id="row=(\d+)">', listing)]
    assert rows == sorted(rows) and len(rows) == (100 if page == 1 else 91)  # the file's 191 rows, in CSV order


def test_an_entry_of_the_open_data_list_is_a_record_with_its_provenance(ichikawa):
    """Entries of an open data list are datasets (dcat:Dataset) and records of the list: a record's page."""
    html = ichikawa.test_client().get("/doc/open_data_list/122033/MM0000000101").get_data(as_text=True)
    row = html.split('<p class="provenance">', 1)[1].split("</p>", 1)[0]
    assert f'<a href="{BASE}id/open_data_list/122033">オープンデータ一覧</a>' in row and "元の CSV の 2 行目" in row
    assert '<table class="summary">' not in html and '<table class="provenance">' not in html


def test_a_record_without_a_licence_says_so(fixture_app):
    html = fixture_app.test_client().get("/doc/aed/999997/0000000001").get_data(as_text=True)
    row = html.split('<p class="provenance">', 1)[1].split("</p>", 1)[0]
    assert "記載なし" in row and "元の CSV の" in row
    # the dataset has a title but no rdfs:label: its title names it in the table too
    assert f'<a href="{BASE}id/aed/999997">AED設置箇所一覧 / AED locations</a>' in html


# --- hostile literals ----------------------------------------------------------------------------


def test_hostile_literals_are_escaped_in_the_summary_and_defused_in_the_csv(fixture_app):
    client = fixture_app.test_client()
    html = client.get("/doc/hostile/999997").get_data(as_text=True)
    summary = html.split('<table class="summary">', 1)[1].split("</table>", 1)[0]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in summary
    assert 'href="javascript:' not in html and "<img" not in html
    provenance = html.split('<table class="provenance">', 1)[1].split("</table>", 1)[0]
    assert "javascript:alert(2)" in provenance and "&lt;img src=x onerror=alert(3)&gt;" in provenance
    rows = _csv(_table(client, "hostile/999997", "csv"))
    assert sorted(r["ic:備考"] for r in rows) == sorted(cell for _, cell in FORMULAS)
    assert sorted(r["name"] for r in rows) == sorted(cell for _, cell in FORMULAS)
    values = json.loads(_table(client, "hostile/999997", "json").get_data())["records"]
    assert sorted(r["ic:備考"] for r in values) == sorted(text for text, _ in FORMULAS)  # JSON keeps them as they are


# --- the static export ---------------------------------------------------------------------------


def test_the_static_export_writes_each_datasets_tables_and_points(tmp_path):
    from itsutsuboshi.server.static_site import export_static

    store = EmbeddedStore(None)
    load_csv(store, ROOT / "examples" / "999997_aed.csv", base=BASE)
    export_static(store, tmp_path / "site", base=BASE)
    live = create_app({"STORE": store, "BASE": BASE}).test_client()
    for path in ("table/aed/999997.csv", "table/aed/999997.json", "points/aed/999997.json"):
        assert (tmp_path / "site" / path).read_bytes() == live.get("/" + path).get_data()


# --- remote stores -------------------------------------------------------------------------------


@pytest.mark.parametrize("server", ["oxigraph-server", "virtuoso"])
def test_dataset_pages_and_tables_through_a_remote_store(request, server):
    import requests

    from itsutsuboshi.store.remote import RemoteStore

    base = f"https://flat-{server}.example.lg.jp/"  # a base of its own: the servers live for the whole session
    endpoint = request.getfixturevalue("oxigraph_server") + "/query" if server == "oxigraph-server" \
        else request.getfixturevalue("virtuoso_server")
    remote, local = RemoteStore(endpoint, listing_seconds=0.1), EmbeddedStore(None)
    aed = ROOT / "examples" / "999997_aed.csv"
    try:
        for store in (remote, local):
            assert load_csv(store, aed, base=base).error is None
        there = create_app({"STORE": remote, "BASE": base, "MAP_TILES": ""}).test_client()
        here = create_app({"STORE": local, "BASE": base, "MAP_TILES": ""}).test_client()
        for path in ("/table/aed/999997.csv", "/table/aed/999997.json", "/points/aed/999997.json"):
            assert there.get(path).get_data() == here.get(path).get_data(), path
        page = there.get("/doc/aed/999997").get_data(as_text=True)
        counts = {k: n for k, (n, _) in _summary(page).items()}
        assert counts == {k: n for k, (n, _) in _summary(here.get("/doc/aed/999997").get_data(as_text=True)).items()}
        assert "true <small>(2)</small>" in _summary(page)["itsu:pediatricSupport"][1]
        record = there.get("/doc/aed/999997/0000000001").get_data(as_text=True)
        row = record.split('<p class="provenance">', 1)[1].split("</p>", 1)[0]
        assert "元の CSV の 2 行目" in row and ">AED設置箇所一覧</a>" in row  # the dataset named by its title
        from itsutsuboshi.server.describe import bindings, derived_query  # a source file's records in row order

        body, _ = remote.query(derived_query(IriBuilder(base).graph("aed", "999997", aed.name), limit=10, offset=0))
        assert [int(b["at"]) for b in bindings(body)] == [2, 3, 4]
        assert _summary(page)["rdfs:label"][0] == 3
    finally:
        for graph in [g for g in remote.graphs() if g.startswith(base)]:
            requests.delete(remote.graph_store, params={"graph": graph}, timeout=10,
                            auth=requests.auth.HTTPDigestAuth(*remote.auth) if remote.auth else None)


def test_record_pages_follow_a_republication_at_once_with_the_page_cache_off(tmp_path):
    """The facts pages share (a dataset's licence, the rows of a source file) are forgotten with the pages when a
    new publication goes live."""
    (tmp_path / "in").mkdir()
    shutil.copy(ICHIKAWA / "aed__ichikawa__1.csv", tmp_path / "in" / "aed__ichikawa__1.csv")
    out = tmp_path / "published"

    def publish(licence: str) -> None:
        run = CliRunner().invoke(main, ["publish", str(tmp_path / "in"), "--license", licence, "--base", BASE,
                                        "-o", str(out), "-q"])
        assert run.exit_code == 0, run.output

    def provenance() -> str:
        html = client.get("/doc/aed/122033/x-821e37ff7fd3b70e").get_data(as_text=True)
        return html.split('<p class="provenance">', 1)[1].split("</p>", 1)[0]

    publish("cc-by-4.0")
    client = create_app({"STORE": str(out / "data"), "BASE": BASE, "MAP_TILES": "", "CACHE_SIZE": 0}).test_client()
    assert "CC BY 4.0" in provenance() and "?page=2#row=182" in provenance()
    publish("cc0-1.0")
    assert "CC BY 4.0" not in provenance() and "CC0" in provenance()


def test_the_source_row_page_is_the_same_counted_or_from_the_kept_rows(ichikawa):
    from itsutsuboshi.server import summary
    from itsutsuboshi.server.cache import DocumentCache
    from itsutsuboshi.server.state import site_state

    with ichikawa.test_request_context():
        state = site_state(ichikawa)
        facts = DocumentCache(size=16, seconds=60)
        rows = [f"{BASE}source/122033/aed__ichikawa__1.csv#row={n}" for n in (2, 13, 101, 102, 182, 192)]
        counted = [summary._row_link(state.store, state.iris, r, 100, None).href for r in rows]
        kept = [summary._row_link(state.store, state.iris, r, 100, facts).href for r in rows]
    assert kept == counted and any("?page=2" in h for h in counted) and any("?page=2" not in h for h in counted)
