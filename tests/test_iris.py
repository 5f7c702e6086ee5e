"""The IRI scheme both ways: what is minted parses back to its parts, documents and dumps are named
from it, and no other module spells or slices IRIs of the scheme."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from itsutsuboshi.iris import ID, IriBuilder, IriParts, column_name

BASE = "https://data.city.example.lg.jp/lod/"
IRIS = IriBuilder(BASE)
ROOT = Path(__file__).resolve().parent.parent
#: IDs and file names as municipalities write them
ODD = ["A 1", "避難所", "no#5", "A/1", "100%", "a b#c/d%e"]

MINTED = [
    *[(IRIS.record("aed", "222127", local), IriParts("record", dataset="aed", code="222127", id=local)) for local in ODD],
    *[(IRIS.record("aed", "222127", local, scope=f"{name}.csv"),
       IriParts("record", dataset="aed", code="222127", id=local, scope=name))
      for local, name in zip(ODD, ["公共施設 一覧", "学校#2", "a/b", "50%", "x", "避難 所#1/2%"], strict=True)],
    (IRIS.record("aed", "222127", "x-0123456789abcdef"), IriParts("record", dataset="aed", code="222127",
                                                             id="x-0123456789abcdef")),
    (IRIS.dataset("public_facility", "000000"), IriParts("dataset", dataset="public_facility", code="000000")),
    (IRIS.organization("222127"), IriParts("organization", code="222127")),
    (IRIS.town("222127", "0001001"), IriParts("town", code="222127", id="0001001")),
    (IRIS.org("2010005999991"), IriParts("org", id="2010005999991")),
    *[(IRIS.org(code="222127", name=name), IriParts("org", code="222127", id=name))
      for name in ("社会福祉法人ほし会", "株式会社A/B", "100%ケア#1")],
    (IRIS.column_property("aed", "料金（基本）"), IriParts("property", dataset="aed", id=column_name("料金（基本）"))),
    *[(IRIS.source("222127", name), IriParts("source", code="222127", file=name))
      for name in ("aed.csv", "AED 一覧.csv", "no#1.csv", "a/b.csv", "100%.csv", "避難 所#1/2%.csv")],
    *[(IRIS.source_row("222127", name, row), IriParts("source_row", code="222127", file=name, row=row))
      for name, row in (("aed.csv", 2), ("避難 所#1/2%.csv", 1048576))],
    *[(IRIS.graph("event", "131016", name), IriParts("graph", dataset="event", code="131016", file=name))
      for name in ("event.csv", "イベント 2024#春/夏%.csv")],
    (IRIS.catalogue_graph(), IriParts("catalogue_graph")),
    (IRIS.catalogue(), IriParts("catalogue")),
    (IRIS.catalogue_service(), IriParts("catalogue_service")),
]


@pytest.mark.parametrize(("iri", "parts"), MINTED, ids=[f"{p.kind}:{i[len(BASE):]}" for i, p in MINTED])
def test_what_is_minted_parses_back_and_its_document_names_it_again(iri, parts):
    assert IRIS.parse(iri) == parts
    assert IriBuilder(BASE.rstrip("/")).parse(iri) == parts  # the base as given, without its slash
    if parts.kind == "source_row":
        assert iri.startswith(IRIS.source(parts.code, parts.file) + "#row=")
        return
    # the document's URL path, decoded as a server does, names the IRI again
    path = IRIS.document_path(iri)
    assert path is not None and " " not in path and "#" not in path
    space, *segments = [unquote(s) for s in path.split("/")]
    if space == "doc":
        assert IRIS.from_path(ID, segments) == iri
    else:
        assert space == IRIS.space_of(iri)
        assert IRIS.from_path(space, segments, unicode=parts.kind == "property") == iri


@pytest.mark.parametrize("iri", [
    "https://other.example.jp/lod/id/aed/222127/1", BASE, BASE + "id", BASE + "id/", BASE + "id/aed",
    BASE + "id/aed/222127/a/b/c", BASE + "id//222127", BASE + "id/lg/222127/x", BASE + "id/catalog/x",
    BASE + "id/org/222127/a/b",
    BASE + "source/222127", BASE + "source/222127/a.csv#frag", BASE + "id/aed/222127/1#row=2",
    BASE + "graph/aed/222127", BASE + "sparql", BASE + "doc/aed/222127/1",
])
def test_anything_else_does_not_parse(iri):
    assert IRIS.parse(iri) is None


@pytest.mark.parametrize(("extension", "kw", "path"), [
    (".nt.gz", {}, "dumps/all.nt.gz"), (".ttl", {"catalogue": True}, "dumps/catalog.ttl"),
    (".ttl", {"dataset": "aed", "code": "222127"}, "dumps/aed/222127.ttl"),
    (".nt.gz", {"dataset": "public_facility", "code": "000000"}, "dumps/public_facility/000000.nt.gz"),
])
def test_dump_paths_both_ways(extension, kw, path):
    assert IRIS.dump_path(extension, **kw) == path
    found = IRIS.parse_dump(path.removeprefix("dumps/"))
    assert found is not None and (found.extension, found.dataset or None, found.code or None, found.catalogue) == (
        extension, kw.get("dataset"), kw.get("code"), kw.get("catalogue", False))


@pytest.mark.parametrize("name", ["aed/22212.ttl", "AED/222127.ttl", "../all.ttl", "all", "all.ttl\n", "x/y/z.ttl"])
def test_other_dump_names_are_refused(name):
    assert IRIS.parse_dump(name) is None


def test_the_public_base_and_query_filters():
    shown = IriBuilder(BASE, public="http://127.0.0.1:8000")
    assert shown.shown(IRIS.dataset("aed", "222127")) == "http://127.0.0.1:8000/id/aed/222127"
    assert shown.shown("http://imi.go.jp/ns/core/rdf#住所型") == "http://imi.go.jp/ns/core/rdf#住所型"
    assert shown.shown_text(f"<{BASE}id/lg/222127> .") == "<http://127.0.0.1:8000/id/lg/222127> ."
    assert IRIS.shown(BASE + "id/x") == BASE + "id/x"
    assert IRIS.sparql_starts("?s", "id", "lg") == f'STRSTARTS(STR(?s), "{BASE}id/lg/")'
    assert IriBuilder('https://x.example/"q\\').sparql_starts("?s", "id") == \
        'STRSTARTS(STR(?s), "https://x.example/\\"q\\\\/id/")'
    assert IRIS.document_path(IRIS.catalogue()) == "doc/catalog" and IRIS.url("doc/catalog") == BASE + "doc/catalog"
    assert IRIS.document_path("https://other.example/id/x") is None


#: the modules that show, query or serve IRIs of the scheme
USERS = ["server/catalogue.py", "server/describe.py", "server/dumps.py", "server/pages.py", "server/static_site.py",
         "itsutsuboshi/publish/catalogue.py", "itsutsuboshi/validation/validate.py"]
#: spelling or slicing IRIs of the scheme by hand
BY_HAND = re.compile(r"""len\((?:self\.)?base\)|\bbase \+ ["'f]|\{(?:self\.)?(?:base|public)\}(?:id|doc|source|def|graph|sparql)\b"""
                     r"""|\}(?:id|doc|source|graph|dumps)/|["']/?(?:id|doc|source|graph|dumps|def(?!/itsutsuboshi))/""")


@pytest.mark.parametrize("module", USERS)
def test_the_server_export_dumps_and_catalogue_use_the_scheme(module):
    text = (ROOT / module).read_text(encoding="utf-8")
    assert "from itsutsuboshi.iris import" in text
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):  # docstrings describe the patterns; code must not spell them
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            for number in range(body[0].lineno - 1, body[0].end_lineno or body[0].lineno):
                lines[number] = ""
    assert not [(n, m.group()) for n, line in enumerate(lines, 1) for m in BY_HAND.finditer(line)]


def test_the_app_keeps_one_typed_state():
    from itsutsuboshi.server import create_app
    from itsutsuboshi.server.state import SiteState, site_state
    from itsutsuboshi.store import EmbeddedStore

    app = create_app({"STORE": EmbeddedStore(), "BASE": BASE, "PUBLIC_BASE": "http://127.0.0.1:8000"})
    state = site_state(app)
    assert isinstance(state, SiteState) and [k for k in app.extensions if k.startswith("itsutsuboshi")] == ["itsutsuboshi"]
    assert (state.iris.base, state.iris.public) == (BASE, "http://127.0.0.1:8000/")
    assert (state.sparql.timeout, state.sparql.max_rows, state.sparql.allowlist) == (10, 10000, [])
    app.config["SPARQL_MAX_ROWS"] = 5  # read when asked
    assert state.sparql.max_rows == 5
