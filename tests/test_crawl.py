"""Every IRI we write dereferences: a published folder is crawled, IRI by IRI, through the server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from itsutsuboshi.publish.run import publish
from itsutsuboshi.server import create_app
from itsutsuboshi.store import EmbeddedStore

from .conftest import ROOT, SAMPLES, requires_shared

BASE = "https://data.example.lg.jp/"
#: the site's own entry points, besides every IRI the data holds
ENTRY_POINTS = ["", "catalog", "def/itsutsuboshi", "ns", "shapes", ".well-known/void", "sitemap.xml", "sparql/ui"]

FOLDERS = [pytest.param(ROOT / "examples", id="examples"),
           pytest.param(SAMPLES, id="real-samples", marks=[requires_shared, pytest.mark.slow])]


def iris_under_base(store: EmbeddedStore) -> list[str]:
    """Every IRI under the base that the store holds, as subject or object, without its fragment."""
    body, _ = store.query(f"""SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }}
                                  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{BASE}")) }}""")
    return sorted({b["x"]["value"].split("#", 1)[0] for b in json.loads(body)["results"]["bindings"]})


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_iri_we_write_dereferences(folder: Path, tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    done = publish([folder], store, base=BASE, out=tmp_path / "out", licence="cc-by-4.0")
    assert done.count("published") == len(done.outcomes) and not done.differences
    client = create_app({"STORE": store, "BASE": BASE, "MAP_TILES": "", "CACHE_SIZE": 0}).test_client()
    found = iris_under_base(store)
    kinds = {urlsplit(iri).path.split("/")[1] for iri in found}
    assert {"id", "source", "graph"} <= kinds  # records, datasets, publishers, sources, graphs at least
    missing = []
    for iri in [BASE + p for p in ENTRY_POINTS] + found:
        target = urlsplit(iri)
        path = target.path + (f"?{target.query}" if target.query else "")
        answer = client.get(path, headers={"Accept": "text/turtle"})
        if answer.status_code in (301, 302, 303):
            answer = client.get(answer.headers["Location"], headers={"Accept": "text/turtle"})
        if answer.status_code != 200:
            missing.append((iri, answer.status_code))
    assert missing == [], missing[:20]
