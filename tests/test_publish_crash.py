"""A SIGKILL at any moment of ``publish`` never shows a reader part of a dataset, and the next run recovers.

A folder of AED files (version A, one file large enough that publishing takes seconds) is published; then
the folder holds version B (rows added, removed and changed in every file, a file added), and for each
kill point a copy of the site as A left it publishes B in a subprocess killed with SIGKILL when a phase of
the run is seen (a file being converted, the shared graph, a generation or a staging graph being loaded …)
or after a delay. A reader then finds every graph exactly as A or as B left it (in the embedded store all
of them together: a generation goes live whole), through the store and through the web app, and
publishing B again ends with B's data, a state that agrees with it and nothing left over.

A phase that a run passes too quickly to be seen falls back to the delay named in the test id.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from itsutsuboshi.converters.mapping import get as mapping
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.publish.run import STATE, WORK
from itsutsuboshi.server import create_app
from itsutsuboshi.store import STAGING, EmbeddedStore, Store
from itsutsuboshi.store.generations import GENERATIONS, GRAPHS_SUFFIX, LIVE, WORK_SUFFIX
from itsutsuboshi.store.remote import RemoteStore

BASE = "https://crash-test.example.jp/"
CODE = "999997"
IRIS = IriBuilder(BASE)
CATALOGUE = IRIS.catalogue_graph()
ADDED = IRIS.graph("aed", CODE, "aed_new.csv")  # the graph of the file B adds
PROV = "http://www.w3.org/ns/prov#wasDerivedFrom"
#: triples and records (one ``prov:wasDerivedFrom`` each) of every named graph, read in one snapshot
SIZES = (f"SELECT ?g (COUNT(*) AS ?t) (SUM(IF(?p = <{PROV}>, 1, 0)) AS ?r) "
         "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
RECORDS = f"SELECT ?g (COUNT(?r) AS ?n) WHERE {{ GRAPH ?g {{ ?r <{PROV}> ?s }} }} GROUP BY ?g"
#: records of ours in the default graph (every live graph merged): staging graphs must not add to them
MERGED = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?r <{PROV}> ?s FILTER(STRSTARTS(STR(?r), "{BASE}")) }}'
SHOWN = re.compile(rb"Records</small> \((\d+)\)")
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/sparql-results+json"}
OPEN_SECONDS = 5.0  # opening the store read-only after a kill
POLL = 0.005  # seconds between two looks at a run's files
SERVER_POLL = 0.02  # … at the server (each look is a query or two)
SETTLE_SECONDS = 60.0  # a server may still run the last request of a killed writer

Sizes = dict[str, tuple[int, int]]  # named graph → (triples, records), the graphs under BASE
Files = dict[str, list[list[str]]]  # file name → rows


# --- the two versions of the folder -------------------------------------------------------------

def _row(n: int, changed: bool = False) -> list[str]:
    """Row ``n`` of an AED file in the old standard layout; ``changed`` renames it and moves it."""
    name, place = (f"星野施設{n}改", "玄関") if changed else (f"星野施設{n}", "受付横")
    return [CODE, f"{n:010d}", "架空県", "星野市", name, "ホシノシセツ", f"架空県星野市本町{n % 9 + 1}丁目{n}番", "",
            f"{35.6 + n % 1000 / 10000:.4f}", f"{139.7 + n % 997 / 10000:.4f}", place, "0120-000-001", "", "",
            "星野市", "月火水木金", "9:00", "17:00", "", "有", "", ""]


def _rows(ids: Iterable[int], changed: Container[int] = ()) -> list[list[str]]:
    return [_row(n, n in changed) for n in ids]


def versions(big: int) -> tuple[Files, Files]:
    """Versions A and B: B drops, adds and changes rows in every file of A, and has one file more."""
    a = {"aed_big.csv": _rows(range(1, big + 1)), "aed_small.csv": _rows(range(10_001, 10_031)),
         "aed_tiny.csv": _rows(range(20_001, 20_013))}
    b = {"aed_big.csv": _rows(range(101, big + 151), changed=range(200, 300)),
         "aed_small.csv": _rows(range(10_006, 10_041), changed={10_010}),
         "aed_tiny.csv": _rows(range(20_002, 20_016), changed={20_005}),
         "aed_new.csv": _rows(range(30_001, 30_021))}
    return a, b


def _write(folder: Path, files: Files) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    header = list(mapping("aed").headers["old"])
    for name, rows in files.items():
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows([header, *rows])


def _graph(name: str) -> str:
    return IRIS.graph("aed", CODE, name)


# --- reading a store ------------------------------------------------------------------------------

def _bindings(body: bytes) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def _sizes(body: bytes) -> Sizes:
    return {row["g"]: (int(row["t"]), int(row["r"])) for row in _bindings(body) if row["g"].startswith(BASE)}


def _records(sizes: Sizes) -> dict[str, int]:
    return {g: r for g, (_, r) in sizes.items() if r}


def _state(out: Path) -> dict[str, tuple[str, int]]:
    """What ``publish-state.json`` says was published: file name → (graph, records)."""
    state = json.loads((out / STATE).read_text(encoding="utf-8"))
    return {Path(k).name: (v["outcome"]["graph"], v["outcome"]["records"]) for k, v in state["files"].items()}


# --- sites ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """Where a run is killed: when ``seen`` first holds (looked at every ``poll`` seconds), or at ``after`` × a
    whole run (also the fallback)."""

    name: str
    after: float
    seen: Callable[[Any], bool] | None = None
    poll: float = POLL

    @property
    def id(self) -> str:
        return f"{self.name}-else-{self.after:.0%}" if self.seen else f"after-{self.after:.0%}"


class Site:
    """A site that published version A and whose folder holds version B; :meth:`reset` brings back the
    site as A left it."""

    rows = 0  # rows of the large file

    def __init__(self, root: Path, store: str) -> None:
        self.root, self.store = root, store
        self.folder, self.out, self.log = root / "csv", root / "out", root / "publish.log"
        self.a_files, self.b_files = versions(self.rows)
        self.a: Sizes = {}
        self.b: Sizes = {}
        self.seconds = 0.0  # a whole run of B

    def setup(self) -> Site:
        """Publish A and keep it; publish B to learn its sizes and how long a run takes."""
        _write(self.folder, self.a_files)
        assert self.publish() == 0, self.log.read_text(encoding="utf-8")
        self.a = self.raw()[0]
        self.keep()
        _write(self.folder, self.b_files)
        started = time.monotonic()
        assert self.publish() == 0, self.log.read_text(encoding="utf-8")
        self.seconds = time.monotonic() - started
        self.b = self.raw()[0]
        for files, sizes in ((self.a_files, self.a), (self.b_files, self.b)):  # one record a row
            assert _records(sizes) == {_graph(name): len(rows) for name, rows in files.items()}
        assert self.a[CATALOGUE] != self.b[CATALOGUE]  # which catalogue a reader sees tells the version
        return self

    def start(self) -> subprocess.Popen:
        with open(self.log, "wb") as log:
            return subprocess.Popen([sys.executable, "-m", "itsutsuboshi", "publish", str(self.folder), "--store",
                                     self.store, "-o", str(self.out), "--base", BASE, "--license", "cc-by-4.0", "-q"],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def publish(self) -> int:
        return self.start().wait(300)

    def kill(self, point: Point) -> str:
        """Publish B and SIGKILL it at ``point``; where it was killed, in words. A phase the run went through
        unseen, or a delay it ended before, is tried again at that share of the run just seen."""
        process, started = self.start(), time.monotonic()
        if point.seen is not None:
            while process.poll() is None:
                if point.seen(self):
                    return _kill(process, f"{point.name} seen", started)
                _wait(process, point.poll)
            what = f"{point.name} unseen, so after {point.after:.0%} of a run"
        elif not _wait(process, point.after * self.seconds):
            return _kill(process, "delay", started)
        else:
            what = f"delay, after {point.after:.0%} of a run that ended before it"
        whole = time.monotonic() - started
        assert process.returncode == 0, self.log.read_text(encoding="utf-8")
        self.reset()
        process, started = self.start(), time.monotonic()
        if _wait(process, point.after * whole):
            return f"not killed: the run ended within {time.monotonic() - started:.2f} s"
        return _kill(process, what, started)

    # what a store kind does
    def keep(self) -> None:
        """Keep the site as A left it."""
        shutil.copytree(self.out, self.root / "out-a")

    def reset(self) -> None:
        shutil.rmtree(self.out)
        shutil.copytree(self.root / "out-a", self.out)

    def reader(self) -> Store:
        raise NotImplementedError

    def raw(self) -> tuple[Sizes, list[str]]:
        """The graphs under BASE as the writer left them, and the staging graphs."""
        raise NotImplementedError

    def leftovers(self) -> list[str]:
        """What an unfinished run left: ``OUT/.work``, and in the store."""
        return ([WORK] if (self.out / WORK).exists() else []) + self.unfinished()

    def unfinished(self) -> list[str]:
        """What an unfinished write left in the store."""
        raise NotImplementedError


def _wait(process: subprocess.Popen, seconds: float) -> bool:
    """Wait at most ``seconds`` for the run to end; ``True`` when it did."""
    try:
        process.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _kill(process: subprocess.Popen, what: str, started: float) -> str:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    return f"killed: {what} at {time.monotonic() - started:.2f} s"


class EmbeddedSite(Site):
    rows = 1000

    def __init__(self, root: Path) -> None:
        super().__init__(root, str(root / "store"))
        self.path = root / "store"
        self.live = ""  # the live generation A left

    def keep(self) -> None:
        super().keep()
        shutil.copytree(self.path, self.root / "store-a", symlinks=True)
        self.live = os.readlink(self.path / LIVE)

    def reset(self) -> None:
        super().reset()
        shutil.rmtree(self.path)
        shutil.copytree(self.root / "store-a", self.path, symlinks=True)

    def reader(self) -> Store:
        started = time.monotonic()
        store = EmbeddedStore(self.path, read_only=True)
        assert time.monotonic() - started < OPEN_SECONDS
        return store

    def raw(self) -> tuple[Sizes, list[str]]:
        return _sizes(self.reader().query(SIZES)[0]), []

    def unfinished(self) -> list[str]:
        found = [p.name for p in (self.path / GENERATIONS).iterdir() if p.name.endswith(WORK_SUFFIX)]
        found += [p.name for p in self.path.glob(f"{LIVE}.*")]  # a link made but not yet renamed
        found += [p.name for p in (self.path / GENERATIONS).glob(f"*{GRAPHS_SUFFIX}")  # graph files of no generation
                  if not p.with_name(p.name.removesuffix(GRAPHS_SUFFIX)).is_dir()]
        return found


class RemoteSite(Site):
    rows = 100  # a run takes seconds already: the writer waits before it uploads, and moving a graph is slow

    def __init__(self, root: Path, url: str) -> None:
        super().__init__(root, url + "/query")
        self.url = url
        self.dumps: dict[str, bytes] = {}

    def keep(self) -> None:
        super().keep()
        for graph in self.a:
            answer = requests.get(self.url + "/store", params={"graph": graph}, timeout=60,
                                  headers={"Accept": "application/n-triples"})
            answer.raise_for_status()
            self.dumps[graph] = answer.content

    def reset(self) -> None:
        super().reset()
        sizes, staging = self.raw()
        for graph in [*staging, *(g for g in sizes if g not in self.dumps)]:
            self.update(f"DROP SILENT GRAPH <{graph}>")
        for graph, body in self.dumps.items():
            requests.put(self.url + "/store", params={"graph": graph}, data=body, timeout=60,
                         headers={"Content-Type": "application/n-triples"}).raise_for_status()
        assert self.raw() == (self.a, [])

    def reader(self) -> Store:
        return RemoteStore(self.store)

    def select(self, sparql: str) -> bytes:
        answer = requests.post(self.url + "/query", data={"query": sparql}, headers=JSON, timeout=60)
        answer.raise_for_status()
        return answer.content

    def update(self, sparql: str) -> None:
        requests.post(self.url + "/update", data={"update": sparql}, timeout=60).raise_for_status()

    def ask(self, pattern: str) -> bool:
        return bool(json.loads(self.select(f"ASK {{ {pattern} }}"))["boolean"])

    def staging(self) -> list[str]:
        body = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(row["g"] for row in _bindings(body) if row["g"].startswith(STAGING))

    def raw(self) -> tuple[Sizes, list[str]]:
        body = self.select(SIZES)
        return _sizes(body), sorted(row["g"] for row in _bindings(body) if row["g"].startswith(STAGING))

    def unfinished(self) -> list[str]:
        return self.staging()


# --- kill points ----------------------------------------------------------------------------------

def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def converting(site: Site) -> bool:
    """The first file's records are being written to ``OUT/.work``."""
    return _size(site.out / WORK / "0.nt") > 0


def next_file(site: Site) -> bool:
    """The first file is converted and staged, the second one is being converted."""
    return _size(site.out / WORK / "1.nt") >= 0


def shared_graph(site: Site) -> bool:
    """The shared graph (publishers, datasets, sources, the catalogue) is being written."""
    return _size(site.out / WORK / "site.nt") >= 0


def loading(site: EmbeddedSite) -> bool:
    """The next generation of the store is being built."""
    try:
        return any(p.name.endswith(WORK_SUFFIX) for p in (site.path / GENERATIONS).iterdir())
    except OSError:
        return False


def gone_live(site: EmbeddedSite) -> bool:
    """B's generation is live; the run still writes the catalogue files and the state."""
    try:
        return os.readlink(site.path / LIVE) != site.live
    except OSError:
        return False


def announced(site: RemoteSite) -> bool:
    """The writer's marker graph is on the server (it waits before uploading)."""
    return len(site.staging()) >= 1


def uploading(site: RemoteSite) -> bool:
    """A graph is on the server under a staging name, besides the marker."""
    return len(site.staging()) >= 2


def _added_graph_live(site: RemoteSite) -> bool:
    return site.ask(f"GRAPH <{ADDED}> {{ ?s ?p ?o }}")


def _added_described(site: RemoteSite) -> bool:
    return site.ask(f"GRAPH <{CATALOGUE}> {{ ?s ?p <{ADDED}> }}")


def half_moved(site: RemoteSite) -> bool:
    """Some graphs are B's (the added file's is live), the catalogue graph is still A's."""
    return _added_graph_live(site) and not _added_described(site)


def cleaned(site: RemoteSite) -> bool:
    """Every graph is B's and the staging graphs are gone; the run still writes its files and the state."""
    return _added_described(site) and not site.staging()


def _points(points: list[Point], slow: set[str]) -> list:
    return [pytest.param(p, id=p.id, marks=[pytest.mark.slow] if p.id in slow else []) for p in points]


EMBEDDED_POINTS = [Point("converting", 0.2, converting), Point("next-file", 0.4, next_file),
                   Point("shared-graph", 0.45, shared_graph), Point("loading", 0.6, loading),
                   Point("gone-live", 0.95, gone_live),
                   *(Point("delay", f) for f in (0.05, 0.3, 0.5, 0.7, 0.85))]
REMOTE_POINTS = [Point("converting", 0.1, converting), Point("shared-graph", 0.2, shared_graph),
                 Point("announced", 0.3, announced, SERVER_POLL), Point("uploading", 0.5, uploading, SERVER_POLL),
                 Point("half-moved", 0.8, half_moved, SERVER_POLL), Point("cleaned", 0.97, cleaned, SERVER_POLL),
                 *(Point("delay", f) for f in (0.05, 0.35, 0.6, 0.75))]
SLOW = {p.id for p in EMBEDDED_POINTS + REMOTE_POINTS if p.seen is None}  # delays spread what the phases cover


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory) -> EmbeddedSite:
    site = EmbeddedSite(tmp_path_factory.mktemp("crash-embedded"))
    site.setup()
    return site


@pytest.fixture(scope="module")
def remote_site(oxigraph_server, tmp_path_factory) -> Iterator[RemoteSite]:
    site = RemoteSite(tmp_path_factory.mktemp("crash-remote"), oxigraph_server)
    site.setup()
    yield site
    for graph in site.raw()[0]:
        site.update(f"DROP SILENT GRAPH <{graph}>")


# --- what a reader sees -------------------------------------------------------------------------

def check_reader(site: Site, store: Store, *, whole: bool) -> Sizes:
    """Every graph ``store`` shows is exactly A's or B's (``whole``: all of them together), no staging graph
    shows, the web app agrees and the state names no more than the store holds; the sizes seen."""
    body, _ = store.query(SIZES)
    assert not [row["g"] for row in _bindings(body) if row["g"].startswith(STAGING)]
    sizes = _sizes(body)
    if whole:
        assert sizes in (site.a, site.b)
    for graph, size in sizes.items():
        assert size in (site.a.get(graph), site.b.get(graph)), graph
    graphs = store.graphs()
    assert not [g for g in graphs if g.startswith(STAGING)]
    assert {g for g in graphs if g.startswith(BASE)} == set(sizes)  # no empty graph half made
    merged = int(_bindings(store.query(MERGED)[0])[0]["n"])
    assert merged == sum(r for _, r in sizes.values())
    described = site.a_files if sizes[CATALOGUE] == site.a[CATALOGUE] else site.b_files
    _check_app(store, sizes, described, {**site.a_files, **site.b_files})
    state = _state(site.out)  # never half written; ahead of the store only as a publication the store does not hold
    assert state in (_published(site.a_files), _published(site.b_files))
    assert state == _published(site.a_files) or sizes == site.b or _publication(site.out) != _publication_in(store)
    return sizes


def _publication(out: Path) -> str | None:
    """The publication the state describes."""
    return json.loads((out / STATE).read_text(encoding="utf-8")).get("publication")


def _publication_in(store: Store) -> str | None:
    """The publication the store holds (named in its shared graph)."""
    body, _ = store.query(f"SELECT ?t WHERE {{ GRAPH <{CATALOGUE}> {{ <{CATALOGUE}> "
                          f"<http://purl.org/dc/terms/identifier> ?t }} }}")
    return next((row["t"] for row in _bindings(body)), None)


def _check_app(store: Store, sizes: Sizes, described: Files, names: Iterable[str]) -> None:
    """The web app shows what the store holds: the SPARQL counts, the dataset's records, and each source's
    records on its page (there when the catalogue seen describes the source: ``described``)."""
    client = create_app({"STORE": store, "BASE": BASE, "MAP_TILES": ""}).test_client()
    answer = client.get("/sparql", query_string={"query": RECORDS}, headers=JSON)
    assert answer.status_code == 200
    assert {row["g"]: int(row["n"]) for row in _bindings(answer.data) if row["g"].startswith(BASE)} == _records(sizes)
    page = client.get(f"/doc/aed/{CODE}", headers=HTML)
    assert page.status_code == 200 and _shown(page.data) == sum(r for _, r in sizes.values())
    for name in names:
        page = client.get(f"/source/{CODE}/{name}", headers=HTML)
        if name in described:
            assert page.status_code == 200 and _shown(page.data) == sizes[_graph(name)][1], name
        else:
            assert page.status_code == 404, name


def _published(files: Files) -> dict[str, tuple[str, int]]:
    return {name: (_graph(name), len(rows)) for name, rows in files.items()}


def _shown(page: bytes) -> int:
    found = SHOWN.search(page)
    assert found is not None
    return int(found[1])


def _settled(site: Site, check: Callable[[], Sizes]) -> Sizes:
    """``check`` the site (what it returns); on a server the killed writer's last request may still be running,
    so a check that fails while the data changes is made again once it changed."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        before = site.raw()
        try:
            return check()
        except AssertionError:
            if site.raw() == before or time.monotonic() > deadline:
                raise


def _seen(site: Site, sizes: Sizes) -> str:
    """Which version of each graph a reader saw, in words."""
    return " ".join(f"{g.rsplit('/', 1)[-1]}={'A' if size == site.a.get(g) else 'B'}" for g, size in sorted(sizes.items()))


def check_recovered(site: Site, running: Store) -> None:
    """Publishing B again finishes the job: B's data (for a reader that ran through it all too), a state that
    says so, nothing left over."""
    assert site.publish() == 0, site.log.read_text(encoding="utf-8")
    for store in (site.reader(), running):
        assert check_reader(site, store, whole=True) == site.b
    assert _state(site.out) == _published(site.b_files)
    assert site.leftovers() == []


# --- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("point", _points(EMBEDDED_POINTS, SLOW))
def test_a_killed_publish_leaves_the_embedded_store_whole(embedded_site, point):
    site = embedded_site
    site.reset()
    running = site.reader()  # a server reading through the kill
    print(site.kill(point), "· left over:", site.leftovers())
    for store in (site.reader(), running):
        print("seen:", _seen(site, check_reader(site, store, whole=True)))  # a new generation goes live whole
    check_recovered(site, running)


@pytest.mark.parametrize("point", _points(REMOTE_POINTS, SLOW))
def test_a_killed_publish_leaves_every_remote_graph_old_or_new(remote_site, point):
    site = remote_site
    site.reset()
    running = site.reader()  # a server reading through the kill
    print(site.kill(point), "· left over:", site.leftovers())
    for store in (site.reader(), running):
        print("seen:", _seen(site, _settled(site, partial(check_reader, site, store, whole=False))))
    check_recovered(site, running)


def state_ahead(site: EmbeddedSite) -> bool:
    """The run wrote B's state and has not yet swapped the store."""
    try:
        return _state(site.out) == _published(site.b_files) and os.readlink(site.path / LIVE) == site.live
    except (OSError, ValueError, KeyError):
        return False


def test_publishing_the_last_version_again_after_a_kill_between_the_state_and_the_swap(embedded_site):
    """The state is written before the store goes live; a kill between them leaves a state that names a
    publication the store does not hold, so the next run trusts neither and publishes every file again."""
    site = embedded_site
    site.reset()
    print(site.kill(Point("state-ahead", 0.9, state_ahead)))
    if not (site.raw()[0] == site.a and _state(site.out) == _published(site.b_files)):
        pytest.skip("the kill did not fall between the state and the swap")
    _write(site.folder, site.a_files)  # A again, as it was before B
    try:
        assert site.publish() == 0, site.log.read_text(encoding="utf-8")
        assert site.raw()[0] == site.a
    finally:
        _write(site.folder, site.b_files)
