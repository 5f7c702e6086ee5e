"""Query benchmark: every query of the researchers' guide on published real data, through the embedded store
and, side by side, through the bare pyoxigraph store (the same query with the union default graph, no endpoint).

Usage (from the repository root)::

    .venv/bin/python bench/query_bench.py                      # the shared samples (../shared/samples)
    .venv/bin/python bench/query_bench.py --folder DIR --repeat 5

The CSVs (``raw/`` and ``local/`` of the samples, or ``--folder``) are published once into a temporary
embedded store with ``itsutsuboshi publish``'s own code; each query of docs/guide-researchers.md (sections 2 to
4 and the research questions of section 6) then runs ``--repeat`` times through ``EmbeddedStore.query`` with
the endpoint's time limit (a worker process, as the server runs it) and through ``pyoxigraph.Store.query``
directly. The script prints the median seconds of each, the rows, and the ratio; a query over the endpoint's
limit (10 s) is marked.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide-researchers.md"
LIMIT = 10.0


def queries() -> list[tuple[str, str]]:
    """(title, query) of every SPARQL block of the guide, titled by the heading above it."""
    text = GUIDE.read_text(encoding="utf-8")
    found, heading = [], ""
    for m in re.finditer(r"^(#{2,4} [^\n]*)$|^```sparql\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        if m.group(1):
            heading = m.group(1).lstrip("# ").strip()
        elif "SERVICE" not in m.group(2):  # the federated example runs elsewhere
            found.append((heading, m.group(2)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, help="CSV files to publish (default: the shared samples)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from itsutsuboshi.publish.run import publish
    from itsutsuboshi.store import EmbeddedStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        if args.folder:
            sources = sorted(args.folder.glob("*.csv"))
        else:
            samples = ROOT.parent / "shared" / "samples"
            sources = sorted((samples / "raw").glob("*.csv")) + sorted((samples / "local").glob("*__*.csv"))
        if not sources:
            print("no CSV files to publish", file=sys.stderr)
            return 2
        for path in sources:
            (folder / path.name).symlink_to(path.resolve())
        store = EmbeddedStore(Path(tmp) / "data")
        started = time.perf_counter()
        done = publish([folder], store, base="http://127.0.0.1:8000/", out=Path(tmp) / "out", licence="cc-by-4.0")
        print(f"published {len(done.outcomes)} files in {time.perf_counter() - started:.1f} s")
        total, _ = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        print(f"{json.loads(total)['results']['bindings'][0]['n']['value']} quads\n")
        print(f"{'query':<64} {'rows':>6} {'endpoint s':>11} {'bare s':>8} {'ratio':>6}")
        for title, query in queries():
            endpoint, bare, rows = [], [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                try:
                    body, _ = store.query(query, timeout=LIMIT * 3)
                except Exception as exc:  # reported, the other queries still run
                    print(f"{title[:64]:<64} failed: {exc}")
                    break
                endpoint.append(time.perf_counter() - t)
                answer = json.loads(body) if body.lstrip().startswith(b"{") else None
                rows = len(answer["results"]["bindings"]) if answer and "results" in answer else rows
                t = time.perf_counter()
                result = store.store.query(query, use_default_graph_as_union=True)
                if not isinstance(result, bool):
                    _ = list(result)  # solutions and triples are lazy: read them all
                bare.append(time.perf_counter() - t)
            if endpoint:
                e, b = statistics.median(endpoint), statistics.median(bare)
                mark = "  over the limit" if e > LIMIT else ""
                print(f"{title[:64]:<64} {rows:>6} {e:>11.3f} {b:>8.3f} {e / b if b else 0:>6.2f}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
