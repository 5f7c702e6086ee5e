"""Serving benchmark: our Linked Data server against the bare backend, with wrk, in one run.

Usage (from the repository root; needs the Debian package ``wrk`` and ``pip install gunicorn``)::

    .venv/bin/python bench/serve_bench.py                 # 10,000 AED rows, 32 connections, 10 s each
    .venv/bin/python bench/serve_bench.py --rows 2000 --duration 5

It loads generated AED data (bench/convert_bench.py's generator) into an embedded store folder
under bench/work/, then serves it twice with gunicorn on 127.0.0.1: our app
(``itsutsuboshi.server:create_app()``) and a bare Flask + pyoxigraph app whose one route answers a
DESCRIBE of the resource in Turtle (the physical limit of this stack). wrk requests a rotating list
of record documents (Lua script) and prints requests/s and latency; the SPARQL proxy is compared
with the same queries sent straight to pyoxigraph in the bare app.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_bench import HEADER, generate_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
BIN = Path(sys.executable).parent
BASE = "http://127.0.0.1:8000/"

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(rows: int) -> tuple[Path, list[str]]:
    """A store folder with ``rows`` AED records, and the document paths of a sample of them."""
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
    out = subprocess.run([str(BIN / "python"), "-c", textwrap.dedent(f"""
        import pyoxigraph as ox
        s = ox.Store.read_only({str(store)!r})
        q = 'SELECT ?s WHERE {{ ?s a <https://w3id.org/itsutsuboshi/ns#AED> }} LIMIT 1000'
        for r in s.query(q, use_default_graph_as_union=True):
            print(r['s'].value)
        """)], check=True, capture_output=True, text=True)
    paths = ["/doc/" + iri[len(BASE) + 3:] for iri in out.stdout.split()]
    return store, paths


def start(app: str, env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
                                "warning", app], env={**os.environ, **env}, cwd=WORK, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=1).read()
            return process
        except OSError:
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                raise RuntimeError(f"{app} did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """Quick shutdown of a gunicorn master, its workers and their query workers (one process group)."""
    os.killpg(process.pid, signal.SIGQUIT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def wrk(url: str, paths_file: Path, accept: str, duration: int, connections: int) -> dict[str, float]:
    script = WORK / f"wrk-{abs(hash((str(paths_file), accept)))}.lua"
    script.write_text(LUA % (paths_file, accept), encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale[p50.group(2)],
            "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each app")
    args = parser.parse_args()
    if not shutil.which("wrk") or not (BIN / "gunicorn").exists():
        print("needs wrk (Debian package) and gunicorn (pip install gunicorn)", file=sys.stderr)
        return 2
    store, paths = prepare(args.rows)
    paths_file = WORK / "serve-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    queries = ["SELECT ?s WHERE { ?s a <https://w3id.org/itsutsuboshi/ns#AED> } LIMIT 10",
               "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
    query_paths = WORK / "serve-queries.txt"
    query_paths.write_text("\n".join("/sparql?query=" + urllib.request.quote(q) for q in queries) + "\n",
                           encoding="utf-8")
    (WORK / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    ours_port, bare_port = free_port(), free_port()
    results: dict[str, dict[str, float]] = {}
    ours = start("itsutsuboshi.server:create_app()", {"ITSUTSUBOSHI_STORE": str(store), "ITSUTSUBOSHI_BASE": BASE},
                 ours_port, args.workers)
    try:
        for name, accept in (("turtle", "text/turtle"), ("html", "text/html")):
            results[f"itsutsuboshi /doc {name}"] = wrk(f"http://127.0.0.1:{ours_port}", paths_file, accept,
                                                       args.duration, args.connections)
        results["itsutsuboshi /sparql"] = wrk(f"http://127.0.0.1:{ours_port}", query_paths,
                                              "application/sparql-results+json", args.duration, args.connections)
    finally:
        stop(ours)
    bare = start("bare_app:app", {"STORE": str(store), "BASE": BASE, "PYTHONPATH": str(WORK)}, bare_port,
                 args.workers)
    try:
        results["bare DESCRIBE turtle"] = wrk(f"http://127.0.0.1:{bare_port}", paths_file, "text/turtle",
                                              args.duration, args.connections)
        results["bare /sparql"] = wrk(f"http://127.0.0.1:{bare_port}", query_paths,
                                      "application/sparql-results+json", args.duration, args.connections)
    finally:
        stop(bare)
    print(f"{'target':<28} {'req/s':>9} {'p50 ms':>8} {'non-2xx':>8}")
    for name, r in results.items():
        print(f"{name:<28} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['non_2xx']:>8}")
    turtle = results["itsutsuboshi /doc turtle"]["rps"] / results["bare DESCRIBE turtle"]["rps"]
    proxy = results["bare /sparql"]["rps"] / results["itsutsuboshi /sparql"]["rps"]
    print(f"/doc Turtle: {turtle:.0%} of the bare DESCRIBE route (goal ≥ 90 %)")
    print(f"SPARQL proxy: {proxy:.2f}× the time of the direct backend (goal ≤ 1.10×)")
    (WORK / "serve-results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
