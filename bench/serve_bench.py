"""Serving benchmark: our Linked Data server against the bare backend and Trifid, with wrk, in one run.

Usage (from the repository root; needs the Debian package ``wrk`` and ``pip install gunicorn``;
Trifid needs node and npm, and is skipped with a message without them)::

    .venv/bin/python bench/serve_bench.py                 # 10,000 AED rows, 32 connections, 10 s each
    .venv/bin/python bench/serve_bench.py --rows 2000 --duration 5 --no-trifid

It loads generated AED data (bench/convert_bench.py's generator) into an embedded store folder
under bench/work/, then serves it on 127.0.0.1 in turn with: a bare Flask + pyoxigraph app under
gunicorn whose one route answers a DESCRIBE of the resource in Turtle (the physical limit of this
stack); our app (``itsutsuboshi.server:create_app()``) under gunicorn, once with its document
cache off (``ITSUTSUBOSHI_CACHE_SIZE=0``: every request does the full work) and once with the
default cache; and Trifid (bench/trifid.py) in front of ``oxigraph serve-read-only`` on the same
folder. Each target gets an untimed wrk warm-up, then wrk requests a rotating list of record
documents (Lua script; ``/doc/...`` for us, the IRI path ``/id/...`` for Trifid) and prints
requests/s and latency. The SPARQL proxy is compared with the same query mix sent straight to
pyoxigraph in the bare app (after checking both give the same number of results per query). The
peak resident memory of each server's process tree is sampled from /proc while it runs.
Results go to bench/work/serve-results.json.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trifid  # noqa: E402
from convert_bench import HEADER, generate_rows  # noqa: E402

from itsutsuboshi.store.generations import live_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
BIN = Path(sys.executable).parent
BASE = "http://127.0.0.1:8000/"
JSON_RESULTS = "application/sparql-results+json"

BARE_APP = '''
import os
import pyoxigraph as ox
from flask import Flask, Response, request
store = ox.Store.read_only(os.environ["STORE"])
app = Flask(__name__)

@app.get("/doc/<path:path>")
def describe(path):
    iri = os.environ["BASE"] + "id/" + path.removesuffix(".ttl")
    body = store.query(f"DESCRIBE <{iri}>", use_default_graph_as_union=True).serialize(format=ox.RdfFormat.TURTLE)
    return Response(body, mimetype="text/turtle")

@app.route("/sparql", methods=["GET", "POST"])
def sparql():
    query = request.values["query"]
    answer = store.query(query, use_default_graph_as_union=True)
    return Response(answer.serialize(format=ox.QueryResultsFormat.JSON), mimetype="application/sparql-results+json")
'''

LUA = '''
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = "%s"})
end
'''

PREFIXES = """PREFIX ic: <http://imi.go.jp/ns/core/rdf#>
PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: the SPARQL mix: two broad queries, then selective ones as researchers send them (none reaches
#: the proxy's row cap, so proxy and direct return the same results; checked before each run)
QUERIES = {
    "10 AEDs": "SELECT ?s WHERE { ?s a <https://w3id.org/itsutsuboshi/ns#AED> } LIMIT 10",
    "count all triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "AEDs of one town (address codes)": PREFIXES + """SELECT ?s ?name ?address WHERE {
  ?s a itsu:AED ; rdfs:label ?name ; ic:設置地点/ic:住所 ?a .
  ?a ic:市区町村コード/ic:識別値 "999997" ; ic:町名 "北野4丁目" ; ic:表記 ?address .
} ORDER BY ?s""",
    "label filter": PREFIXES + """SELECT ?s ?name WHERE {
  ?s a itsu:AED ; rdfs:label ?name . FILTER(CONTAINS(STR(?name), "桜台図書館"))
} ORDER BY ?name""",
    "coordinate box": PREFIXES + """SELECT ?s ?name ?lat ?long WHERE {
  ?s a itsu:AED ; rdfs:label ?name ; geo:lat ?lat ; geo:long ?long .
  FILTER(?lat >= 35.0 && ?lat <= 36.5 && ?long >= 139.0 && ?long <= 140.5)
}""",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(rows: int) -> tuple[Path, Path, list[str]]:
    """A store folder with ``rows`` AED records, the pyoxigraph folder of its live generation (what the bare
    app and Oxigraph open), and the document paths of a sample of them."""
    store = WORK / f"serve-store-{rows}"
    csv_path = WORK / f"serve-aed-{rows}.csv"
    if not store.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(generate_rows(rows))
        subprocess.run([str(BIN / "itsutsuboshi"), "load", str(csv_path), "--store", str(store), "--base", BASE,
                        "--no-link", "-q"], check=True)
    live = live_path(store)
    if live is None:
        raise SystemExit(f"{store} holds no data: remove it and run again")
    out = subprocess.run([str(BIN / "python"), "-c", textwrap.dedent(f"""
        import pyoxigraph as ox
        s = ox.Store.read_only({str(live)!r})
        q = 'SELECT ?s WHERE {{ ?s a <https://w3id.org/itsutsuboshi/ns#AED> }} LIMIT 1000'
        for r in s.query(q, use_default_graph_as_union=True):
            print(r['s'].value)
        """)], check=True, capture_output=True, text=True)
    paths = ["/doc/" + iri[len(BASE) + 3:] for iri in out.stdout.split()]
    return store, live, paths


def start(app: str, env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    """gunicorn serving ``app`` on ``port`` (own process group), once it answers a SPARQL ASK."""
    environ = {k: v for k, v in os.environ.items() if k != "ITSUTSUBOSHI_CACHE_SIZE"}
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app]
    process = subprocess.Popen(command, env={**environ, **env}, cwd=WORK, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=1).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"{app} did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """Quick shutdown of a gunicorn master and its workers (SIGQUIT; call it once the server is idle, see
    ``settle``), then SIGKILL to whatever is left of the process group, such as forked query workers."""
    try:
        os.killpg(process.pid, signal.SIGQUIT)
        process.wait(10)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(5)


# -- process trees: memory and idleness -----------------------------------------------------

def _processes() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, CPU ticks used so far) of every process, from /proc/<pid>/stat."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text(encoding="ascii", errors="replace")
                fields = stat.rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def _tree(roots: Iterable[int], table: dict[int, tuple[int, int]]) -> list[int]:
    """``roots`` and all their descendants that are alive in ``table``."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], [pid for pid in roots if pid in table]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _vm_rss(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(roots: Iterable[int]) -> tuple[int, int]:
    """Summed VmRSS (bytes) and number of the processes in the trees under ``roots``."""
    pids = _tree(roots, _processes())
    return sum(_vm_rss(pid) for pid in pids), len(pids)


def settle(roots: Iterable[int], timeout: float = 60) -> None:
    """Wait until the trees under ``roots`` are idle: a server keeps working on the requests wrk
    abandoned when it stopped, which would otherwise eat into the next measurement."""
    roots = list(roots)
    deadline, previous = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        table = _processes()
        ticks = sum(table[pid][1] for pid in _tree(roots, table))
        if previous is not None and ticks - previous <= 2:  # under 10 % of a core over the last 0.2 s
            return
        previous = ticks
        time.sleep(0.2)


class PeakRss:
    """Samples the summed VmRSS of process trees in a background thread; keeps the peak."""

    def __init__(self, roots: Iterable[int], interval: float = 0.5) -> None:
        self.roots, self.interval = list(roots), interval
        self.peak, self.processes = 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        rss, count = tree_rss(self.roots)
        if rss > self.peak:
            self.peak, self.processes = rss, count

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def finish(self) -> dict[str, float]:
        """Take a last sample (call before stopping the servers) and end the sampling."""
        self._done.set()
        self._thread.join()
        self.sample()
        return {"peak_rss_mb": self.peak / 2**20, "processes": self.processes}


# -- load -----------------------------------------------------------------------------------

def wrk(url: str, paths_file: Path, accept: str, duration: int, connections: int) -> dict[str, float]:
    """requests/s, median latency, non-2xx answers and socket errors of one wrk run (30 s request timeout,
    so that slow queries are measured rather than abandoned to a server that still runs them)."""
    lua = LUA % (paths_file, accept)
    script = WORK / f"wrk-{hashlib.sha1(lua.encode()).hexdigest()[:12]}.lua"
    script.write_text(lua, encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
                          "-s", str(script), url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan"),
            "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0}


def measure(url: str, paths_file: Path, accept: str, args: argparse.Namespace, roots: list[int]) -> dict[str, float]:
    """An untimed warm-up (caches, JIT), then the measured wrk run, each followed by waiting until
    the server (process trees under ``roots``) is idle again."""
    if args.warmup > 0:
        wrk(url, paths_file, accept, args.warmup, args.connections)
        settle(roots)
    result = wrk(url, paths_file, accept, args.duration, args.connections)
    settle(roots)
    return result


def probe(url: str, accept: str) -> None:
    """Fail early unless ``url`` answers 200 with a non-empty body in ``accept``."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as answer:
        body = answer.read()
        kind = answer.headers.get("Content-Type", "")
    if not body or not kind.startswith(accept):
        raise RuntimeError(f"{url} answered {kind!r} ({len(body)} bytes) for Accept: {accept}")


def result_sizes(sparql_url: str) -> dict[str, int]:
    """The number of result rows of each query of the mix at ``sparql_url``."""
    sizes = {}
    for name, query in QUERIES.items():
        request = urllib.request.Request(f"{sparql_url}?query={urllib.request.quote(query)}",
                                         headers={"Accept": JSON_RESULTS})
        with urllib.request.urlopen(request, timeout=60) as answer:
            sizes[name] = len(json.load(answer)["results"]["bindings"])
    return sizes


def write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def run_gunicorn(label: str, app: str, env: dict[str, str], targets: dict[str, tuple[Path, str]],
                 args: argparse.Namespace, results: dict, memory: dict, sizes: dict) -> None:
    """Serve ``app`` and measure each target (name → paths file, Accept) against it."""
    port = free_port()
    process = start(app, env, port, args.workers)
    rss = PeakRss([process.pid])
    try:
        url = f"http://127.0.0.1:{port}"
        sizes[label] = result_sizes(url + "/sparql")
        for name, (paths_file, accept) in targets.items():
            if accept != JSON_RESULTS:
                probe(url + paths_file.read_text(encoding="utf-8").split("\n", 1)[0], accept)
            results[f"{label} {name}"] = measure(url, paths_file, accept, args, [process.pid])
    finally:
        memory[label] = rss.finish()
        stop(process)


def run_trifid(server: Path, store: Path, paths_file: Path, args: argparse.Namespace, results: dict,
               memory: dict) -> None:
    """Trifid (``server``: its server.js) and its Oxigraph on the same folder, /id/... in Turtle and HTML."""
    running = trifid.start(store, BASE, server)
    rss = PeakRss(running.pids)
    try:
        first = paths_file.read_text(encoding="utf-8").split("\n", 1)[0]
        for name, accept in (("turtle", "text/turtle"), ("html", "text/html")):
            probe(running.url + first, accept)
            results[f"trifid /id {name}"] = measure(running.url, paths_file, accept, args, running.pids)
    finally:
        memory["trifid (node + oxigraph)"] = rss.finish()
        trifid.stop(running)


def ratio(results: dict, top: str, bottom: str) -> float:
    return results[top]["rps"] / results[bottom]["rps"] if top in results and bottom in results else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--warmup", type=int, default=2, help="untimed seconds of wrk before each target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each app")
    parser.add_argument("--no-trifid", action="store_true", help="leave Trifid out")
    args = parser.parse_args()
    if not shutil.which("wrk") or not (BIN / "gunicorn").exists():
        print("needs wrk (Debian package) and gunicorn (pip install gunicorn)", file=sys.stderr)
        return 2
    trifid_server = None if args.no_trifid else trifid.install()  # None (with a message): Trifid skipped
    store, live, paths = prepare(args.rows)
    doc_paths = write_lines(WORK / "serve-paths.txt", paths)
    id_paths = write_lines(WORK / "serve-paths-id.txt", ("/id/" + p.removeprefix("/doc/") for p in paths))
    query_paths = write_lines(WORK / "serve-queries.txt",
                              ("/sparql?query=" + urllib.request.quote(q) for q in QUERIES.values()))
    (WORK / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    results: dict[str, dict[str, float]] = {}
    memory: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}

    run_gunicorn("bare", "bare_app:app", {"STORE": str(live), "BASE": BASE, "PYTHONPATH": str(WORK)},
                 {"DESCRIBE turtle": (doc_paths, "text/turtle"), "/sparql": (query_paths, JSON_RESULTS)},
                 args, results, memory, sizes)
    ours = {"ITSUTSUBOSHI_STORE": str(store), "ITSUTSUBOSHI_BASE": BASE}
    ours_targets = {"/doc turtle": (doc_paths, "text/turtle"), "/doc html": (doc_paths, "text/html"),
                    "/sparql": (query_paths, JSON_RESULTS)}
    for label, env in (("ours uncached", {**ours, "ITSUTSUBOSHI_CACHE_SIZE": "0"}), ("ours cached", ours)):
        run_gunicorn(label, "itsutsuboshi.server:create_app()", env, ours_targets, args, results, memory, sizes)
    if trifid_server is not None:
        run_trifid(trifid_server, live, id_paths, args, results, memory)

    print(f"\n{'target':<30} {'req/s':>9} {'p50 ms':>9} {'non-2xx':>8} {'sock err':>8}")
    for name, r in results.items():
        print(f"{name:<30} {r['rps']:>9.1f} {r['p50_ms']:>9.2f} {r['non_2xx']:>8} {r['socket_errors']:>8}")
    print(f"\n{'server':<30} {'peak RSS MB':>12} {'processes':>10}")
    for name, m in memory.items():
        print(f"{name:<30} {m['peak_rss_mb']:>12.1f} {m['processes']:>10}")
    print(f"\n{'query (result rows)':<40} " + " ".join(f"{label:>14}" for label in sizes))
    for query in QUERIES:
        print(f"{query:<40} " + " ".join(f"{sizes[label][query]:>14}" for label in sizes))
    same = all(s == sizes["bare"] for s in sizes.values())
    print("query mix: same results through the proxy and direct" if same
          else "WARNING: the query mix gives different result sizes through the proxy and direct")

    print()
    doc = ratio(results, "ours uncached /doc turtle", "bare DESCRIBE turtle")
    print(f"/doc Turtle, uncached: {doc:.0%} of the bare DESCRIBE route (goal ≥ 90 %)")
    if trifid_server is not None:
        for kind in ("turtle", "html"):
            uncached = ratio(results, f"ours uncached /doc {kind}", f"trifid /id {kind}")
            cached = ratio(results, f"ours cached /doc {kind}", f"trifid /id {kind}")
            print(f"ours vs Trifid, {kind}: {uncached:.2f}× uncached, {cached:.2f}× cached (goal ≥ 2×)")
    for label in ("ours uncached", "ours cached"):
        proxy = ratio(results, "bare /sparql", f"{label} /sparql")
        print(f"SPARQL proxy ({label.removeprefix('ours ')}): {proxy:.2f}× the time of the direct backend "
              "(goal ≤ 1.10×)")
    (WORK / "serve-results.json").write_text(json.dumps(
        {"args": vars(args), "results": results, "memory": memory, "result_sizes": sizes}, indent=2,
        ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
