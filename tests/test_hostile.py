"""Hostile input: formulas in CSV cells, RDF that makes parsers explode, concurrent queries, a server
that dies with query workers around it."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing.connection
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from itsutsuboshi import rdf_input
from itsutsuboshi.converters.issues import FIELDS, Issue
from itsutsuboshi.spreadsheet import FORMULA_STARTS, safe_cell
from itsutsuboshi.validation.findings import Finding

from .conftest import ROOT

LINUX = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not LINUX, reason="reads /proc")

HYPERLINK = '=HYPERLINK("http://evil.example/","click")'
CMD = "=cmd|' /C calc'!A0"
SUM = "@SUM(1,2)"
PHONE = "+81 3 1234 5678 代表"


def run_cli(*args: str, limit_gb: float = 2.0, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    """``itsutsuboshi *args`` in a process held to ``limit_gb`` of address space (a parser that blows up
    fails there, not in the test run): the result and the seconds it took."""
    def limit() -> None:
        size = int(limit_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "itsutsuboshi", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)
    return done, time.monotonic() - start


# -- spreadsheet-safe CSV ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [HYPERLINK, CMD, SUM, PHONE, "-", "-1", "+1", "\t=1+1", "\r=1+1", "=1+1"])
def test_cells_that_begin_like_formulas_get_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["東京都", "", "0120-000-001", "'=already", " =1", 42, None])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def _hostile_aed(path: Path) -> Path:
    with open(ROOT / "examples" / "999997_aed.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, row = rows[0], rows[1][:]
    at = {name: i for i, name in enumerate(header)}
    row[at["名称"]] = HYPERLINK
    row[at["URL"]] = HYPERLINK
    row[at["住所"]] = "@SUM(1+1)*cmd|' /C calc'!A0"
    row[at["緯度"]] = CMD
    row[at["電話番号"]] = PHONE
    row[at["開始時間"]] = SUM
    row[at["小児対応設備の有無"]] = "+1"
    row[at["法人番号"]] = "-1"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header + ["=独自"])
        writer.writerow(row + ["@x"])
    return path


def _cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_csv_written_for_people_has_no_live_formula(tmp_path):
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main

    source = _hostile_aed(tmp_path / "hostile_aed.csv")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(source), "-o", str(out), "--link", "--link-report",
                                       str(out / "links.csv"), "-q"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["validate", str(source), "-r", str(tmp_path / "report.csv"),
                                       "-r", str(tmp_path / "report.json"), "-q"])
    assert result.exit_code == 1, result.output
    written = {name: _cells(path) for name, path in [("issues", out / "issues.csv"), ("links", out / "links.csv"),
                                                    ("report", tmp_path / "report.csv")]}
    for name, cells in written.items():
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
    issues, links, report = written["issues"], written["links"], written["report"]
    for value in (HYPERLINK, CMD, SUM, PHONE, "+1", "-1", "=独自"):
        assert "'" + value in issues
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in links
    for value in (CMD, "-1"):
        assert "'" + value in report
    # the RDF and the JSON report keep every value as it was
    turtle = (out / "hostile_aed.ttl").read_text(encoding="utf-8")
    assert 'schema:name "=HYPERLINK(\\"http://evil.example/\\",\\"click\\")"@ja' in turtle
    assert f'"{PHONE}"' in turtle and '"@x"' in turtle
    values = {f["value"] for r in json.loads((tmp_path / "report.json").read_text())["files"] for f in r["findings"]}
    assert CMD in values and "-1" in values


def test_tab_and_carriage_return_cells_are_neutralised(tmp_path):
    """The CSV reader trims cells, so these come from the writers themselves."""
    from contextlib import ExitStack

    from itsutsuboshi.cli.main import _IssueFile
    from itsutsuboshi.linking import report as link_report
    from itsutsuboshi.validation.reports import write_csv
    from itsutsuboshi.validation.validate import FileReport

    issue = Issue("a.csv", 2, "\r@col", "\t=1+1", "link.address_unmatched", "warning", "m", "m", "f", "f")
    with ExitStack() as stack:
        sink = _IssueFile(stack, tmp_path / "issues.csv")
        sink.write(issue)
        sink.close()
    link_report.write([], [issue], tmp_path / "links.csv")
    finding = Finding("a.csv", 2, "\r@col", "\t=1+1", "warning", "r", "m", "m", "f", "f", "convert")
    with open(tmp_path / "report.csv", "w", encoding="utf-8", newline="") as f:
        write_csv([FileReport("a.csv", "csv", findings=[finding])], f)
    for name in ("issues.csv", "links.csv", "report.csv"):
        cells = _cells(tmp_path / name)
        assert "'\t=1+1" in cells and "'\r@col" in cells, name
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
    assert _cells(tmp_path / "issues.csv")[:len(FIELDS)] == list(FIELDS)


@pytest.fixture(scope="module")
def formula_app():
    import pyoxigraph as ox

    from itsutsuboshi.server import create_app
    from itsutsuboshi.store import EmbeddedStore

    store = EmbeddedStore(None)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    graph = ox.NamedNode("http://example.org/graph/g")
    for i, value in enumerate([HYPERLINK, "-", PHONE, "line\nbreak, \"quoted\"", "東京都"]):
        store.store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), label, ox.Literal(value), graph))
    return create_app({"STORE": store, "MAP_TILES": ""})


def test_sparql_csv_is_standard_unless_asked_for_a_spreadsheet(formula_app):
    client = formula_app.test_client()
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"
    plain = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(plain.get_data(as_text=True), newline="")))
    assert [r[1] for r in rows[1:]] == [HYPERLINK, "-", PHONE, "line\nbreak, \"quoted\"", "東京都"]
    safe = client.get("/sparql", query_string={"query": query, "format": "csv", "spreadsheet": "1"})
    assert safe.status_code == 200 and safe.mimetype == "text/csv"
    assert safe.data.startswith("\ufeff".encode())
    assert safe.headers["X-Result-Limit"] == plain.headers["X-Result-Limit"]
    rows = list(csv.reader(io.StringIO(safe.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["s", "label"]
    assert [r[1] for r in rows[1:]] == ["'" + HYPERLINK, "'-", "'" + PHONE, "line\nbreak, \"quoted\"", "東京都"]
    as_json = client.get("/sparql", query_string={"query": query, "format": "json", "spreadsheet": "1"})
    assert HYPERLINK in [b["label"]["value"] for b in as_json.get_json()["results"]["bindings"]]


# -- hostile RDF ----------------------------------------------------------------------------------

RDF_HEAD = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            '<rdf:Description rdf:about="http://example.org/a"><ex:p>{}</ex:p></rdf:Description>\n</rdf:RDF>\n')


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """Files that made the parsers use gigabytes or minutes, and a secret an external entity would read."""
    d = tmp_path_factory.mktemp("hostile")
    secret = d / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    entities, previous = ['<!ENTITY lol "lol">'], "lol"
    for i in range(1, 10):
        entities.append(f'<!ENTITY lol{i} "{("&" + previous + ";") * 10}">')
        previous = f"lol{i}"
    files = {
        "laughs.rdf": '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
                      + RDF_HEAD.format("&lol9;"),
        "xxe.rdf": f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{secret.as_uri()}"> ]>\n'
                   + RDF_HEAD.format("&xxe;"),
        "dtd.rdf": f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{secret.as_uri()}">\n' + RDF_HEAD.format("x"),
        "deep.jsonld": '{"@id": "http://example.org/a", "http://example.org/p": '
                       + '{"http://example.org/p": ' * 20000 + '"x"' + "}" * 20001,
        "deep.rdf": RDF_HEAD.format("").replace(
            "<ex:p></ex:p>", "<ex:p><rdf:Description>" * 100000 + "</rdf:Description></ex:p>" * 100000),
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return {name: d / name for name in files} | {"secret": secret}


CODES = {"laughs.rdf": "file.xml_doctype", "xxe.rdf": "file.xml_doctype", "dtd.rdf": "file.xml_doctype",
         "deep.jsonld": "file.too_deep", "deep.rdf": "file.too_deep"}


def test_validate_refuses_hostile_rdf_fast(hostile, tmp_path):
    report = tmp_path / "report.json"
    done, seconds = run_cli("validate", *(str(hostile[n]) for n in CODES), "-r", str(report), "-q")
    assert done.returncode == 2, done.stderr[-2000:]
    assert seconds < 15
    files = {Path(f["path"]).name: f for f in json.loads(report.read_text())["files"]}
    for name, code in CODES.items():
        assert files[name]["error"] == code
        assert [f["rule"] for f in files[name]["findings"]] == [code]
        assert files[name]["findings"][0]["fix_en"]
    assert "billion laughs" in files["laughs.rdf"]["findings"][0]["message_en"]
    assert "external entity xxe" in files["xxe.rdf"]["findings"][0]["message_en"]
    assert "external DTD" in files["dtd.rdf"]["findings"][0]["message_en"]
    assert "TOP-SECRET" not in report.read_text() + done.stderr


def test_load_refuses_hostile_rdf(hostile, tmp_path):
    from itsutsuboshi.store import EmbeddedStore

    names = ["laughs.rdf", "xxe.rdf", "deep.jsonld", "deep.rdf"]
    done, seconds = run_cli("load", "--store", str(tmp_path / "store"), "--graph", "http://example.org/g",
                               *(str(hostile[n]) for n in names))
    assert done.returncode == 2 and seconds < 15
    assert done.stderr.count("not loaded") == len(names), done.stderr[-2000:]
    assert "nested too deeply" in done.stderr and "entity lol" in done.stderr
    assert EmbeddedStore(tmp_path / "store", read_only=True).graphs() == []


def test_shapes_file_is_checked_too(hostile, tmp_path):
    deep = tmp_path / "deep.ttl"
    deep.write_text("<http://example.org/a> <http://example.org/p> " + "[ <http://example.org/p> " * 5000
                    + '"x"' + " ]" * 5000 + " .\n")
    for shapes, message in [(hostile["laughs.rdf"], "entity lol"), (deep, "nested too deeply")]:
        done, seconds = run_cli("validate", "--shapes", str(shapes), str(ROOT / "examples" / "999997_aed.csv"))
        assert done.returncode == 2 and seconds < 15
        assert message in done.stderr and "Traceback" not in done.stderr


def test_ordinary_rdf_still_validates_and_loads(tmp_path):
    from click.testing import CliRunner

    from itsutsuboshi.cli.main import main
    from itsutsuboshi.publish.loading import load_rdf
    from itsutsuboshi.store import EmbeddedStore
    from itsutsuboshi.validation.validate import validate_rdf

    source = ROOT / "examples" / "999997_aed.csv"
    store = EmbeddedStore(None)
    for suffix in (".jsonld", ".rdf", ".ttl", ".nt"):
        target = tmp_path / ("aed" + suffix)
        assert CliRunner().invoke(main, ["convert", str(source), "-o", str(target), "-q"]).exit_code == 0
        report = validate_rdf(target)
        assert report.error is None and report.triples > 100, suffix
        loaded = load_rdf(store, target, graph=f"http://example.org/graph/{suffix[1:]}")
        assert loaded.error is None, suffix
    bare = tmp_path / "bare.rdf"
    bare.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n' + RDF_HEAD.format("&amp; x"), encoding="utf-8")
    assert validate_rdf(bare).triples == 1
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/a> <http://example.org/p> .\n")
    assert load_rdf(store, broken, graph="http://example.org/graph/broken").error


def test_size_limit_for_rdf_held_in_memory(tmp_path):
    from itsutsuboshi.validation.validate import validate_rdf

    path = tmp_path / "big.nt"
    path.write_text("<http://example.org/a> <http://example.org/p> \"x\" .\n" * 100)
    report = validate_rdf(path, max_bytes=1000)
    assert report.error == "file.too_large" and report.triples == 0
    assert "too large" in report.findings[0].message_en and "CSV" in report.findings[0].fix_en
    assert validate_rdf(path).error is None


@pytest.mark.parametrize("text, depth", [
    ('{"a": "[[[[{{{{", "b": ["\\\\", "\\"]]]]"]}', 2),
    ('[[["\\\\\\"[{"]], {"k\\\\": {"x": []}}]', 4),
    ('{"東京": [{"大阪\\u005b": "}}}"}]}', 3),
    ('"[[[[["', 0),
])
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_json_nesting_is_counted_outside_strings(monkeypatch, text, depth, chunk):
    monkeypatch.setattr(rdf_input, "CHUNK", chunk)
    data = text.encode("utf-8")
    json.loads(text)  # the cases are JSON
    monkeypatch.setattr(rdf_input, "MAX_DEPTH", depth)
    rdf_input._scan_json(io.BytesIO(data))
    if depth:
        monkeypatch.setattr(rdf_input, "MAX_DEPTH", depth - 1)
        with pytest.raises(rdf_input.UnsafeInput):
            rdf_input._scan_json(io.BytesIO(data))


# -- the server under concurrent queries, and its query workers --------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the server did not start")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    done = subprocess.run([sys.executable, "-m", "itsutsuboshi", "publish", str(ROOT / "examples"), "-o", str(out),
                           "-q"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out / "data"


SERVE_THREADED = """
import sys
from werkzeug.serving import make_server
from itsutsuboshi.server import create_app
app = create_app({"STORE": sys.argv[1], "SPARQL_WORKERS": int(sys.argv[2]), "MAP_TILES": ""})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def threaded_server(published):
    """The app in a fresh process (rdflib's parser not yet used) behind werkzeug's threaded WSGI server."""
    process = subprocess.Popen([sys.executable, "-c", SERVE_THREADED, str(published), "25"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    port = int(process.stdout.readline())  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/sparql"
    process.terminate()
    process.wait(10)


def _distinct_query(i: int) -> str:
    return (f'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n'
            f'SELECT ?s (COUNT(?o) AS ?n{i}) WHERE {{ {{ ?s rdfs:label ?l{i} . FILTER(STRLEN(?l{i}) > {i} || '
            f'LANG(?l{i}) = "ja") }} UNION {{ ?s ?p ?o OPTIONAL {{ ?o ?q "x{i}"@en }} BIND(?o AS ?b{i}) }} }} '
            f'GROUP BY ?s ORDER BY DESC(?n{i}) LIMIT {i + 1}')


def test_concurrent_distinct_queries_get_200_or_503(threaded_server):
    answers: list[tuple[int, str, dict[str, str]] | None] = [None] * 50
    start = threading.Barrier(50)

    def ask(i: int) -> None:
        data = urllib.parse.urlencode({"query": _distinct_query(i)}).encode()
        start.wait()
        try:
            with urllib.request.urlopen(urllib.request.Request(threaded_server, data=data), timeout=30) as r:
                answers[i] = (r.status, r.read().decode("utf-8"), dict(r.headers))
        except urllib.error.HTTPError as e:
            answers[i] = (e.code, e.read().decode("utf-8"), dict(e.headers))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = Counter(a[0] for a in answers if a is not None)
    assert set(statuses) <= {200, 503} and sum(statuses.values()) == 50, statuses
    assert statuses[200] >= 10
    for status, body, headers in (a for a in answers if a is not None):
        if status == 200:
            assert json.loads(body)["head"]["vars"][:1] == ["s"]
        else:
            assert body == "too many queries running; try again shortly\n" or "timed out" in body
            assert headers["Retry-After"]


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@linux_only
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_query_workers_die_with_the_server(published, stop):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "itsutsuboshi", "serve", "--store", str(published), "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, server)
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        for _ in range(2):  # the second query reuses the worker: it outlived the request's thread
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?{query}", timeout=30) as r:
                assert int(json.load(r)["results"]["bindings"][0]["n"]["value"]) > 1000
        workers = _children(server.pid)
        assert len(workers) == 1
    finally:
        server.send_signal(stop)
        server.wait(10)
    deadline = time.monotonic() + 3
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "a query worker outlived its server"
    with socket.socket() as s:  # as a server binds: another server can take the port at once
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


@linux_only
def test_a_worker_keeps_the_store_files_and_lets_go_of_sockets(published):
    from itsutsuboshi.store import EmbeddedStore

    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    pipe_r, pipe_w = os.pipe()  # as the server's own pipes
    store = EmbeddedStore(published, read_only=True)  # nothing read yet: the worker reads the files itself
    done: list[bytes] = []
    asker = threading.Thread(target=lambda: done.append(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", results="csv", timeout=30)[0]))
    asker.start()
    asker.join()
    assert int(done[0].decode().split()[1]) > 1000
    worker = store._pool.idle[0]
    pid = worker.process.pid
    links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    assert len([link for link in links if link.startswith("socket:")]) == 1, links  # its own pipe only
    ours = {os.readlink(f"/proc/self/fd/{fd}") for fd in (pipe_r, pipe_w)}
    assert not ours & set(links)
    assert any(str(published.resolve()) in link for link in links)  # the store's own files stay open
    assert not multiprocessing.connection.wait([worker.process.sentinel], 0)  # multiprocessing's pipes kept
    os.close(pipe_r)
    os.close(pipe_w)
    listening.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the worker does not hold the closed listening socket
    second = store.query("ASK { ?s ?p ?o }", timeout=30)[0]
    assert b"true" in second
    assert store._pool.idle[0].process.pid == pid  # the same worker, although its asker thread ended
    for w in store._pool.idle:
        w.stop()
