"""The researchers' questions on real data (docs/guide-researchers.md, section 6): each query, run on the shared
samples as ``itsutsuboshi publish`` publishes them, gives exactly the table printed under it."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ROOT, SAMPLES, SHARED, requires_shared

GUIDE = ROOT / "docs" / "guide-researchers.md"
REAL_DATA = "## 6. Research questions on real data"
BASE = "http://127.0.0.1:8000/"


def questions() -> list[tuple[str, str, list[str], list[list[str]]]]:
    """(title, query, header, rows) for every query of the section with the table that follows it."""
    section = GUIDE.read_text(encoding="utf-8").split(REAL_DATA, 1)[1].split("\n## ", 1)[0]
    found = []
    for title, body in re.findall(r"^### (R\d+\..*?)\n(.*?)(?=^### |\Z)", section, re.MULTILINE | re.DOTALL):
        pairs = re.findall(r"^```sparql\n(.*?)^```\n\n((?:\|[^\n]*\|\n)+)", body, re.MULTILINE | re.DOTALL)
        for n, (query, table) in enumerate(pairs):
            lines = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()]
            found.append((f"{title.split('.')[0]}{'abc'[n] if len(pairs) > 1 else ''}", query, lines[0], lines[2:]))
    return found


QUESTIONS = questions()


def test_the_section_has_the_questions_asked():
    assert [q[0] for q in QUESTIONS] == ["R1", "R2a", "R2b", "R3", "R4", "R5", "R6", "R7"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The real samples (standard and local layouts) published into an embedded store."""
    from itsutsuboshi.publish.run import publish
    from itsutsuboshi.store import EmbeddedStore

    tmp = tmp_path_factory.mktemp("research")
    folder = tmp / "in"
    folder.mkdir()
    files = sorted(SAMPLES.glob("*.csv")) + sorted((SHARED / "samples" / "local").glob("*__*.csv"))
    for path in files:
        (folder / path.name).symlink_to(path)
    published = EmbeddedStore(tmp / "data")
    done = publish([folder], published, base=BASE, out=tmp / "out", licence="cc-by-4.0")
    assert [o.name for o in done.outcomes if o.status != "published"] == []
    return published


@requires_shared
@pytest.mark.parametrize(("name", "query", "header", "rows"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_research_question_gives_the_figures_checked_by_hand(store, name, query, header, rows):
    body, _ = store.query(query)
    answer = json.loads(body)
    assert answer["head"]["vars"] == header
    got = [[b.get(v, {}).get("value", "") for v in header] for b in answer["results"]["bindings"]]
    assert got == rows
