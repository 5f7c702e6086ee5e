"""The guides are tested: the researchers' queries run on the example data, the operators' guide names every
server setting and command, the municipal guide covers the one-step command and the five stars."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from itsutsuboshi.cli.main import main

from .conftest import ROOT

DOCS = ROOT / "docs"
BASE = "http://127.0.0.1:8000/"


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


#: the guide's questions on real data (tests/test_research_queries.py runs them on the shared samples)
REAL_DATA = "## 6. Research questions on real data"


def sparql_blocks() -> list[str]:
    """The guide's example queries, all of which return rows on the bundled examples."""
    text = read("guide-researchers.md").split(REAL_DATA)[0]
    return re.findall(r"^```sparql\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


QUERIES = sparql_blocks()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The example CSVs published the way ``itsutsuboshi publish`` does, into an embedded store."""
    from itsutsuboshi.publish.run import publish
    from itsutsuboshi.store import EmbeddedStore

    tmp = tmp_path_factory.mktemp("guides")
    store = EmbeddedStore(tmp / "data")
    result = publish([ROOT / "examples"], store, base=BASE, out=tmp / "out", licence="cc-by-4.0")
    assert result.count("published") == len(list((ROOT / "examples").glob("*.csv"))), result.outcomes
    return store


@pytest.fixture(scope="module")
def client(published):
    from itsutsuboshi.server import create_app

    return create_app({"STORE": published, "BASE": BASE}).test_client()


def count_results(body: bytes, media: str) -> int:
    """Solutions of a SELECT (JSON results), or triples of a CONSTRUCT / DESCRIBE (Turtle)."""
    if "sparql-results+json" in media or media.startswith("application/json"):
        answer = json.loads(body)
        if "boolean" in answer:
            return int(answer["boolean"])
        return len(answer["results"]["bindings"])
    from rdflib import Graph

    return len(Graph().parse(data=body.decode("utf-8"), format="turtle"))


def test_the_researchers_guide_has_at_least_eight_queries():
    assert len(QUERIES) >= 8


@pytest.mark.parametrize("query", QUERIES, ids=[f"query-{n}" for n in range(1, len(QUERIES) + 1)])
def test_every_example_query_returns_results_from_the_store(published, query):
    body, media = published.query(query)
    assert count_results(body, media) > 0, query


@pytest.mark.parametrize("query", QUERIES, ids=[f"query-{n}" for n in range(1, len(QUERIES) + 1)])
def test_every_example_query_returns_results_through_the_endpoint(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert count_results(response.get_data(), response.mimetype) > 0, query
    posted = client.post("/sparql", data=query.encode("utf-8"), content_type="application/sparql-query")
    assert posted.status_code == 200, posted.get_data(as_text=True)


def server_settings() -> set[str]:
    """Every config key and environment variable the server reads (Python modules and templates)."""
    found: set[str] = set()
    for path in [*sorted((ROOT / "server").glob("*.py")), *sorted((ROOT / "server" / "templates").glob("*.html"))]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""config\.get\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))
        found |= set(re.findall(r"""config\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]""", text))
        found |= set(re.findall(r"""config\.setdefault\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))
        found |= set(re.findall(r"""_setting\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))
        found |= set(re.findall(r"\bITSUTSUBOSHI_[A-Z][A-Z0-9_]*", text))
        if "ITSUTSUBOSHI_{name}" in text:  # variables named in a loop: for name in ("CACHE_SIZE", …)
            for names in re.findall(r"for name in \(([^)]*)\)", text):
                found |= {f"ITSUTSUBOSHI_{n}" for n in re.findall(r"""["']([A-Z][A-Z0-9_]*)["']""", names)}
    return found


def test_the_settings_scan_finds_the_known_ones():
    found = server_settings()
    assert {"BASE", "PUBLIC_BASE", "SPARQL_TIMEOUT", "ITSUTSUBOSHI_STORE"} <= found, found


@pytest.mark.parametrize("setting", sorted(server_settings()))
def test_every_server_setting_is_in_the_operators_guide(setting):
    assert re.search(rf"`{re.escape(setting)}`", read("guide-operators.md")), setting


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_operators_guide(command):
    text = read("guide-operators.md")
    assert f"itsutsuboshi {command}" in text, command
    group = main.commands[command]
    for sub in getattr(group, "commands", {}):
        assert f"itsutsuboshi {command} {sub}" in text, (command, sub)


def test_the_municipal_guide_covers_the_one_step_command_and_the_five_stars():
    text = read("guide-municipal.md")
    for needed in ("itsutsuboshi publish", "stars.html", "--license", "--base", "export-static"):
        assert needed in text, needed
    for star in range(1, 6):
        assert f"★{star}" in text, star


def test_the_guides_name_no_file_that_is_missing():
    for name in ("guide-municipal.md", "guide-researchers.md", "guide-operators.md"):
        for target in re.findall(r"\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)", read(name)):
            assert (DOCS / target).exists(), (name, target)


def test_the_queries_do_not_depend_on_the_base():
    for query in QUERIES:
        assert BASE not in query and "example.lg.jp" not in query, query


def test_the_examples_the_guides_rely_on_exist():
    assert Path(ROOT / "examples").is_dir()
    assert any((ROOT / "examples").glob("*_aed.csv")) and any((ROOT / "examples").glob("*_population_*.csv"))


def _toggled(query: str) -> str:
    """The query with its top-level DISTINCT removed, or added when it has none; COUNT(DISTINCT …) counts all."""
    head, select, rest = re.split(r"(\bSELECT\s+)", query, maxsplit=1)
    rest = rest[len("DISTINCT "):] if rest.startswith("DISTINCT ") else "DISTINCT " + rest
    return head + select + re.sub(r"COUNT\s*\(\s*DISTINCT\s+", "COUNT(", rest)


SELECTS = [q for q in QUERIES if re.search(r"\bSELECT\b", q)]


@pytest.mark.parametrize("query", SELECTS, ids=[f"select-{n}" for n in range(1, len(SELECTS) + 1)])
def test_every_example_query_gives_the_same_rows_with_and_without_distinct(published, query):
    """Shared resources live in one graph only: no query needs DISTINCT to count or list them once."""
    def rows(text: str) -> list[str]:
        body, _ = published.query(text)
        return sorted(json.dumps(b, sort_keys=True) for b in json.loads(body)["results"]["bindings"])

    assert rows(query) == rows(_toggled(query)), query
