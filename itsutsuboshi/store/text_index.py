"""The search index of what is published: every record's names, kana, address, kind and municipality in
SQLite FTS5 with the trigram tokenizer, and per record what the portal's lists, facets and map need (IRI,
dataset, kind, municipality code and name, prefecture, licence, lat/long), so that none of it asks SPARQL.

Text is folded before it is indexed and before it is looked for (:func:`fold`: NFKC, katakana to hiragana,
one long-vowel mark for the dashes municipalities type instead of ``ー``), so ｶﾀｶﾅ, カタカナ and かたかな find
each other. Trigrams need three characters: a shorter term is looked for with ``instr`` over the folded text.

The index is built from a store by SPARQL over what is loaded (:func:`build`), into a temporary file that
replaces the index with ``os.replace`` when complete: a reader sees the old index or the new one, never half.
An embedded store keeps one index per live generation beside its generations (:func:`generation_path`:
``{data}/search/{generation}.sqlite``), so an index is always the one of the data readers see.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.licences import understand
from itsutsuboshi.store.base import Store
from itsutsuboshi.vocab.namespaces import DCAT, DCTERMS, IC, ITSU, PROV, RDFS, WGS

#: the index's file name where it is not per generation (``publish --out`` with a remote store)
FILE_NAME = "search.sqlite"
FOLDER = "search"
SCHEMA_VERSION = "1"
#: results per page unless asked otherwise, and the most a page may hold
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
#: the most points the map is sent (an even sample of them beyond that)
MAX_POINTS = 10_000
#: values listed per facet
FACET_LIMIT = 30
FACETS = ("kind", "code", "licence")

_PREFIXES = (f"PREFIX ic: <{IC}> PREFIX itsu: <{ITSU}> PREFIX dcterms: <{DCTERMS}> PREFIX dcat: <{DCAT}> "
             f"PREFIX rdfs: <{RDFS}> PREFIX wgs: <{WGS}> PREFIX prov: <{PROV}> ")
_RECORD = "?d a dcat:Dataset . ?r dcterms:isPartOf ?d . FILTER(isIRI(?r)) "
#: the records read from the store at once (whole datasets, so that a dataset larger than this is read alone):
#: memory is bounded by this, not by the site
BATCH_RECORDS = 20_000
#: where a record keeps its names and its address (IMI 名称型 and 住所型 nodes), as property paths
NAME_PATH = "ic:名称|ic:設置地点/ic:名称|itsu:area/ic:名称"
ADDRESS_PATH = "ic:住所|ic:設置地点/ic:住所"
#: what is read from the store, one query each (merged by record in Python: no query joins them all)
QUERIES = {
    "records": f"SELECT ?r ?d WHERE {{ {_RECORD} }}",
    "labels": f"SELECT ?r ?v WHERE {{ {_RECORD} ?r rdfs:label ?v }}",
    "names": f"SELECT ?r ?v ?kana WHERE {{ {_RECORD} ?r {NAME_PATH} ?n . "
             "OPTIONAL { ?n ic:表記 ?v } OPTIONAL { ?n ic:カナ表記 ?kana } }",
    "addresses": f"SELECT ?r ?v ?pref ?city ?code ?place WHERE {{ {_RECORD} ?r {ADDRESS_PATH} ?a . "
                 "OPTIONAL { ?a ic:表記 ?v } OPTIONAL { ?a ic:都道府県 ?pref } OPTIONAL { ?a ic:市区町村 ?city } "
                 "OPTIONAL { ?a ic:市区町村コード/ic:識別値 ?code } "
                 "OPTIONAL { ?a dcterms:spatial/rdfs:label ?place FILTER(langMatches(lang(?place), 'ja')) } }",
    "points": f"SELECT ?r ?lat ?long WHERE {{ {_RECORD} ?r wgs:lat ?lat ; wgs:long ?long }}",
    "licences": "SELECT ?r ?licence WHERE { ?r dcterms:isPartOf ?d . ?s itsu:graph ?g ; dcterms:license ?licence . "
                "GRAPH ?g { ?r prov:wasDerivedFrom ?row } }",
    "counts": f"SELECT ?d (COUNT(?r) AS ?n) WHERE {{ {_RECORD} }} GROUP BY ?d",
    "datasets": "SELECT ?d ?title ?title_en ?publisher ?file ?modified ?issued ?licence WHERE { ?d a dcat:Dataset . "
                "OPTIONAL { ?d dcterms:source ?s OPTIONAL { ?s dcterms:title ?file } OPTIONAL { ?s dcterms:modified ?modified } "
                "OPTIONAL { ?s dcterms:issued ?issued } OPTIONAL { ?s dcterms:license ?licence } } "
                "OPTIONAL { ?d dcterms:title ?title FILTER(langMatches(lang(?title), 'ja') || lang(?title) = '') } "
                "OPTIONAL { ?d dcterms:title ?title_en FILTER(langMatches(lang(?title_en), 'en')) } "
                "OPTIONAL { ?d dcterms:publisher ?publisher } }",
    "publishers": "SELECT ?o ?label ?code ?pref ?city WHERE { ?d a dcat:Dataset ; dcterms:publisher ?o . "
                  "OPTIONAL { ?o rdfs:label ?label FILTER(langMatches(lang(?label), 'ja') || lang(?label) = '') } "
                  "OPTIONAL { ?o dcterms:identifier ?code } "
                  "OPTIONAL { ?o ic:住所 ?a . OPTIONAL { ?a ic:都道府県 ?pref } OPTIONAL { ?a ic:市区町村 ?city } } }",
    "published": "SELECT ?m WHERE { ?c a dcat:Catalog ; dcterms:modified ?m }",
}
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE datasets(iri TEXT PRIMARY KEY, kind TEXT, title TEXT, title_en TEXT, publisher TEXT, publisher_code TEXT,
                      publisher_name TEXT, prefecture TEXT, municipality TEXT, records INTEGER, licences TEXT,
                      modified TEXT, files TEXT);
CREATE TABLE records(id INTEGER PRIMARY KEY, iri TEXT, dataset TEXT, kind TEXT, kind_label TEXT, name TEXT,
                     kana TEXT, address TEXT, code TEXT, municipality TEXT, prefecture TEXT, licence TEXT,
                     licence_label TEXT, lat REAL, long REAL, name_folded TEXT, folded TEXT);
CREATE VIRTUAL TABLE search USING fts5(folded, content='records', content_rowid='id', tokenize='trigram');
CREATE INDEX records_kind ON records(kind);
CREATE INDEX records_code ON records(code);
CREATE INDEX records_licence ON records(licence);
"""
#: katakana to hiragana (ァ…ヶ → ぁ…ゖ), and the dashes typed for ``ー`` as ``ー``
_FOLD: dict[int, str] = {**{c: chr(c - 0x60) for c in range(ord("ァ"), ord("ヶ") + 1)},
                         **dict.fromkeys(map(ord, "-‐‑‒–—―−─━"), "ー")}


def fold(text: str) -> str:
    """``text`` as the index keeps it: NFKC (half-width kana and full-width letters), lower case, katakana as
    hiragana, dashes as ``ー``, runs of space as one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).split())


def generation_path(store: Store) -> Path | None:
    """Where the index of an embedded store's live generation lives (``None`` for other stores)."""
    path, version = getattr(store, "path", None), getattr(store, "version", None)
    if not isinstance(path, Path) or not version:
        return None
    return path / FOLDER / f"{Path(version).name}.sqlite"


# --- building -----------------------------------------------------------------------------------------------


def _rows(store: Store, name: str, datasets: list[str] | None = None) -> list[dict[str, str]]:
    """The answers to ``QUERIES[name]``, about the records of ``datasets`` only when given."""
    query = QUERIES[name]
    if datasets is not None:
        query = query.replace("WHERE { ", "WHERE { VALUES ?d { " + " ".join(f"<{d}>" for d in datasets) + " } ", 1)
    body, _ = store.query(_PREFIXES + query, results="json")
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def _number(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def licence_label(iri: str) -> str:
    """A short name for a licence IRI (``CC BY 4.0``), the IRI itself when it is not known."""
    found = understand(iri) if iri else None
    return found.label if found is not None else iri


@dataclass
class _Record:
    dataset: str
    labels: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kana: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    prefecture: str = ""
    city: str = ""
    code: str = ""
    place: str = ""  # the statistical area linked (e-Stat), as named in Japanese: 千葉県市川市
    lat: float | None = None
    long: float | None = None
    licence: str = ""


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def _batches(counts: dict[str, int]) -> Iterator[list[str]]:
    """The datasets in order, grouped so that a group holds about :data:`BATCH_RECORDS` records."""
    batch: list[str] = []
    held = 0
    for dataset in sorted(counts):
        if batch and held + counts[dataset] > BATCH_RECORDS:
            yield batch
            batch, held = [], 0
        batch.append(dataset)
        held += counts[dataset]
    if batch:
        yield batch


def _collect(store: Store, datasets: list[str]) -> dict[str, _Record]:
    """The records of ``datasets``, with what the index keeps of them."""
    records: dict[str, _Record] = {}
    for row in _rows(store, "records", datasets):
        records.setdefault(row["r"], _Record(row["d"]))
    for name in ("labels", "names"):
        for row in _rows(store, name, datasets):
            if (record := records.get(row["r"])) is not None:
                _add(getattr(record, name), row.get("v"))
                _add(record.kana, row.get("kana"))
    for row in _rows(store, "addresses", datasets):
        if (record := records.get(row["r"])) is not None:
            _add(record.addresses, row.get("v"))
            record.prefecture = record.prefecture or row.get("pref", "")
            record.city = record.city or row.get("city", "")
            record.code = record.code or row.get("code", "")
            record.place = record.place or row.get("place", "")
    for row in _rows(store, "points", datasets):
        if (record := records.get(row["r"])) is not None:
            lat, long = _number(row.get("lat")), _number(row.get("long"))
            if lat is not None and long is not None and -90 <= lat <= 90 and -180 <= long <= 180:
                record.lat, record.long = lat, long
    for row in _rows(store, "licences", datasets):
        if (record := records.get(row["r"])) is not None:
            record.licence = min(filter(None, (record.licence, row["licence"])))
    return records


def _datasets(store: Store, iris: IriBuilder, counts: dict[str, int]) -> dict[str, dict[str, Any]]:
    publishers: dict[str, dict[str, str]] = {}
    for row in _rows(store, "publishers"):
        known = publishers.setdefault(row["o"], {})
        for key in ("label", "code", "pref", "city"):
            known[key] = known.get(key) or row.get(key, "")
    datasets: dict[str, dict[str, Any]] = {}
    for row in _rows(store, "datasets"):
        d = datasets.setdefault(row["d"], {"title": "", "title_en": "", "publisher": "", "files": set(),
                                           "modified": "", "licences": set()})
        for key in ("title", "title_en", "publisher"):
            d[key] = d[key] or row.get(key, "")
        d["modified"] = max(d["modified"], row.get("modified", ""))
        for key, target in (("file", "files"), ("licence", "licences")):
            if row.get(key):
                d[target].add(row[key])
    for iri in [iri for iri, d in datasets.items() if not d["files"] and not counts.get(iri)]:
        del datasets[iri]  # a dataset only listed (a municipality's open data list), nothing of it published here
    for iri, d in datasets.items():
        parts = iris.parse(iri)
        d["kind"] = parts.dataset if parts is not None and parts.kind == "dataset" else d["title"] or iri
        publisher = publishers.get(d["publisher"], {})
        d["publisher_code"] = publisher.get("code") or (parts.code if parts is not None else "")
        d["publisher_name"] = publisher.get("label", "")
        d["prefecture"], d["municipality"] = publisher.get("pref", ""), publisher.get("city", "")
        d["records"] = counts.get(iri, 0)
    return datasets


def build(store: Store, target: Path, *, base: str) -> dict[str, Any]:
    """Write the index of what ``store`` holds to ``target``, atomically (a temporary file beside it, renamed
    over it when complete). Returns what was indexed: ``records``, ``datasets``, ``seconds``."""
    started = time.perf_counter()
    iris = IriBuilder(base)
    counts = {row["d"]: int(row["n"]) for row in _rows(store, "counts")}
    datasets = _datasets(store, iris, counts)
    published = next((row["m"] for row in _rows(store, "published")), "")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        with closing(sqlite3.connect(name)) as db:
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [("schema", SCHEMA_VERSION), ("base", iris.base), ("published", published),
                            ("built", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))])
            db.executemany("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(iri, d["kind"], d["title"], d["title_en"], d["publisher"], d["publisher_code"],
                             d["publisher_name"], d["prefecture"], d["municipality"], d["records"],
                             json.dumps(sorted(d["licences"])), d["modified"] or published,
                             json.dumps(sorted(d["files"]), ensure_ascii=False))
                            for iri, d in sorted(datasets.items())])
            indexed = 0
            for batch in _batches(counts):  # memory holds one batch of records, whatever the size of the site
                records = _collect(store, batch)
                db.executemany("INSERT INTO records VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               _record_rows(records, datasets))
                indexed += len(records)
            db.execute("INSERT INTO search(search) VALUES ('rebuild')")
            db.commit()
        os.chmod(name, 0o644)  # read by the server, which may run as another user
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return {"records": indexed, "datasets": len(datasets), "seconds": time.perf_counter() - started}


def _record_rows(records: dict[str, _Record], datasets: dict[str, dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for iri, r in sorted(records.items()):
        d = datasets.get(r.dataset) or {"kind": "", "title": "", "title_en": "", "publisher_code": "",
                                       "publisher_name": "", "prefecture": "", "municipality": "", "licences": set()}
        name = (r.names or r.labels or [""])[0]
        licence = r.licence or min(d["licences"], default="")
        prefecture, municipality = _split_place(r.place)
        prefecture = prefecture or r.prefecture or d["prefecture"]
        municipality = municipality or r.city or d["municipality"] or d["publisher_name"]
        words = [*r.names, *r.labels, *r.kana, *r.addresses, d["title"], d["title_en"], prefecture, municipality]
        yield (iri, r.dataset, d["kind"], d["title"], name, (r.kana or [""])[0], (r.addresses or [""])[0],
               r.code or d["publisher_code"], municipality, prefecture, licence, licence_label(licence),
               r.lat, r.long, fold(" ".join([*r.names, *r.labels, *r.kana])),
               "\n".join(fold(w) for w in dict.fromkeys(words) if w))


_PREFECTURE = re.compile(r"^(北海道|東京都|京都府|大阪府|.{2,3}?県)(.*)$")


def _split_place(place: str) -> tuple[str, str]:
    """A linked area's name as prefecture and municipality (``千葉県市川市`` → ``千葉県``, ``市川市``), a name
    the registry gives rather than the record's own 市区町村 column, which files sometimes fill with more."""
    found = _PREFECTURE.match(place)
    return (found[1], found[2]) if found else ("", place)


def publish_index(store: Store, *, base: str, out: Path, changed: bool = True) -> Path:
    """After a publication: the index of the store's live generation (an embedded store's, built once per
    generation; those of older ones removed), else ``out/search.sqlite``, built again when the publication
    ``changed`` something or it is missing."""
    own = generation_path(store)
    target = own if own is not None else out / FILE_NAME
    if target.is_file() and (own is not None or not changed):
        return target
    build(store, target, base=base)
    if own is not None:
        for other in own.parent.glob("*.sqlite"):
            if other != target:
                other.unlink(missing_ok=True)
    return target


# --- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What is asked: words (``text``), a facet value each (``kind``, ``code``, ``licence``), a page."""

    text: str = ""
    kind: str | None = None
    code: str | None = None
    licence: str | None = None
    page: int = 1
    size: int = PAGE_SIZE

    def filters(self) -> dict[str, str]:
        return {name: value for name in FACETS if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Results:
    hits: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    facets: dict[str, list[Facet]]


_HIT_COLUMNS = ("iri", "dataset", "kind", "kind_label", "name", "kana", "address", "code", "municipality",
                "prefecture", "licence", "licence_label", "lat", "long")
_FACET_LABELS = {"kind": "MAX(kind_label)", "code": "MAX(prefecture || municipality)", "licence": "MAX(licence_label)"}


def terms(text: str) -> list[str]:
    """The folded words of a query, each looked for on its own."""
    return list(dict.fromkeys(fold(text).split()))[:10]


def _words(query: Query) -> tuple[str, list[Any]]:
    """The SQL condition on ``records`` (alias ``r``) for the words of ``query`` (``""``: no words)."""
    clauses, params = [], []
    words = terms(query.text)
    long_terms = [t for t in words if len(t) >= 3]
    if long_terms:
        clauses.append("r.id IN (SELECT rowid FROM search WHERE search MATCH ?)")
        params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
    for term in (t for t in words if len(t) < 3):
        clauses.append("instr(r.folded, ?) > 0")
        params.append(term)
    return " AND ".join(clauses), params


def _conditions(query: Query, words: str, *, without: str | None = None) -> tuple[str, list[Any]]:
    """The SQL condition on ``records`` (alias ``r``) for ``query``'s facets, leaving out the facet ``without``,
    and ``words`` (the condition :meth:`TextIndex._matched` gives)."""
    clauses, params = [words] if words else [], []
    for name, value in query.filters().items():
        if name != without:
            clauses.append(f"r.{name} = ?")
            params.append(value)
    return (" AND ".join(clauses) or "1"), params


#: answers a :class:`TextIndex` keeps (an index never changes: a new build is a new file, opened anew)
CACHED_ANSWERS = 256


class TextIndex:
    """A built index, read-only; each call opens its own connection (threads share nothing), and the last
    :data:`CACHED_ANSWERS` answers are kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._answers: dict[tuple[str, Query, int], Any] = {}
        with self._db() as db:
            found = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if found.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"{path}: not a search index of this version")
        self.meta = found

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def _kept(self, key: tuple[str, Query, int], compute: Callable[[], Any]) -> Any:
        found = self._answers.get(key)
        if found is None:
            found = compute()
            if len(self._answers) >= CACHED_ANSWERS:
                self._answers.clear()
            self._answers[key] = found
        return found

    def search(self, query: Query) -> Results:
        """One page of the records ``query`` finds (names that match first), with every facet's counts under
        the other facets' choices."""
        return self._kept(("search", query, 0), lambda: self._search(query))

    def _search(self, query: Query) -> Results:
        size = max(1, min(query.size, MAX_PAGE_SIZE))
        first = (terms(query.text) or [""])[0]
        with self._db() as db:
            words = self._matched(db, query)
            where, params = _conditions(query, words)
            total = db.execute(f"SELECT COUNT(*) FROM records r WHERE {where}", params).fetchone()[0]
            pages = max(1, -(-total // size))
            page = max(1, min(query.page, pages))
            rows = db.execute(f"SELECT {', '.join('r.' + c for c in _HIT_COLUMNS)} FROM records r WHERE {where} "
                              "ORDER BY instr(r.name_folded, ?) = 0, r.kind, r.name_folded, r.iri LIMIT ? OFFSET ?",
                              [*params, first, size, (page - 1) * size]).fetchall()
            facets = {name: self._facet(db, query, words, name) for name in FACETS}
        return Results([dict(row) for row in rows], total, page, pages, facets)

    @staticmethod
    def _matched(db: sqlite3.Connection, query: Query) -> str:
        """The records the words of ``query`` find, looked for once into a temporary table (the count, the page
        and each facet then read it); the condition that selects them, ``""`` when there are no words."""
        where, params = _words(query)
        if not where:
            return ""
        db.execute("CREATE TEMP TABLE IF NOT EXISTS matched(id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM matched")
        db.execute(f"INSERT INTO matched SELECT r.id FROM records r WHERE {where}", params)
        return "r.id IN matched"

    def _facet(self, db: sqlite3.Connection, query: Query, words: str, name: str) -> list[Facet]:
        where, params = _conditions(query, words, without=name)
        chosen = query.filters().get(name)
        rows = db.execute(f"SELECT r.{name}, {_FACET_LABELS[name]}, COUNT(*) AS n FROM records r WHERE {where} "
                          f"GROUP BY r.{name} ORDER BY n DESC, r.{name} LIMIT ?", [*params, FACET_LIMIT]).fetchall()
        facets = [Facet(row[0] or "", row[1] or "", row[2], row[0] == chosen) for row in rows]
        if chosen is not None and not any(f.selected for f in facets):
            facets.append(Facet(chosen, chosen, 0, True))
        return facets

    def points(self, query: Query, *, limit: int = MAX_POINTS) -> tuple[int, list[dict[str, Any]]]:
        """The records with coordinates that ``query`` finds (pages aside): how many, and an even sample of
        at most ``limit`` of them."""
        return self._kept(("points", query, limit), lambda: self._points(query, limit))

    def _points(self, query: Query, limit: int) -> tuple[int, list[dict[str, Any]]]:
        with self._db() as db:
            where, params = _conditions(query, self._matched(db, query))
            located = f"{where} AND r.lat IS NOT NULL AND r.long IS NOT NULL"
            total = db.execute(f"SELECT COUNT(*) FROM records r WHERE {located}", params).fetchone()[0]
            shown = max(0, min(limit, total))
            # the k-th of ``total`` is kept when k * shown / total reaches a new whole number: ``shown`` rows, evenly
            rows = db.execute(f"SELECT r.iri, r.name, r.kind, r.kind_label, r.lat, r.long FROM "
                              f"(SELECT *, ROW_NUMBER() OVER (ORDER BY id) AS k FROM records r WHERE {located}) r "
                              "WHERE (r.k * ?) / ? > ((r.k - 1) * ?) / ?",
                              [*params, shown, max(total, 1), shown, max(total, 1)]).fetchall()
        return total, [dict(row) for row in rows]

    def datasets(self) -> list[dict[str, Any]]:
        """Every dataset indexed, by prefecture, municipality, kind (licences and files as lists)."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM datasets ORDER BY prefecture, publisher_code, kind, iri").fetchall()
        out = []
        for row in rows:
            d = dict(row)
            d["licences"], d["files"] = json.loads(d["licences"]), json.loads(d["files"])
            out.append(d)
        return out

    def counts(self) -> dict[str, int]:
        """How many records, datasets, publishers and located records the index holds."""
        with self._db() as db:
            records, located = db.execute("SELECT COUNT(*), COUNT(lat) FROM records").fetchone()
            datasets, publishers = db.execute("SELECT COUNT(*), COUNT(DISTINCT publisher_code) FROM datasets").fetchone()
        return {"records": records, "located": located, "datasets": datasets, "publishers": publishers}
