"""Publishing (``publish``): a folder of CSVs to a 5-star Linked Open Data site in one step.

Each CSV is a *source* (:mod:`.sources`): recognised, converted with its registry links, validated and
diagnosed from one conversion, its records kept for its own named graph. Any number of files of one
dataset and publisher coexist; an ID that another file already holds gets a qualified IRI
(:mod:`.converters.claims`). The shared graph (publishers, datasets, sources, 町字, the DCAT catalogue,
:mod:`.site_graph`) is rebuilt from every source, and all the changes reach the store in one
:meth:`~.store.Store.apply`: readers see the site as it was, or as it is now, never half of it. Then
``publish`` counts each source's records in the store and says what differs.

A file whose bytes, settings and licence have not changed since the last publication is skipped (its
last results are kept in ``publish-state.json``). A bad file never stops the others. A file gone from
the folder is reported, and withdrawn with ``prune``. What an interrupted run left (``.work/``, a
store's unfinished generation or staging graph) is cleaned up by the next one.

Written to ``out``: ``stars.html`` / ``stars.json`` (the 5-star diagnosis of every file),
``reports/<file>.html`` / ``.csv`` (the validation of each file), ``catalog.ttl`` / ``.jsonld`` /
``.rdf``, ``publish-state.json`` and ``sources/``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
import uuid
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from itsutsuboshi.converters.claims import Claims, Minted
from itsutsuboshi.converters.mapping import MappingError, load_mapping
from itsutsuboshi.converters.reader import InputFile
from itsutsuboshi.diagnosis import stars
from itsutsuboshi.iris import UNKNOWN_CODE, IriBuilder
from itsutsuboshi.licences import licence_iri
from itsutsuboshi.publish import catalogue, site_graph, sources
from itsutsuboshi.store import Store, generations, text_index
from itsutsuboshi.validation.reports import write_report
from itsutsuboshi.validation.validate import ERROR, WARNING, FileReport, convert_and_validate
from itsutsuboshi.vocab.namespaces import DCTERMS, PROV

STATE = "publish-state.json"
STATE_VERSION = 2
WORK = ".work"
INPUT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls")  # spreadsheets are reported, not converted
Progress = Callable[[str, int, int], None]


@dataclass
class Outcome:
    """What happened to one input file."""

    path: str
    status: str  # "published", "unchanged", "failed", "missing" (file gone) or "withdrawn" (its graph dropped)
    dataset: str | None = None
    graph: str | None = None
    rows: int = 0
    records: int = 0
    triples: int = 0
    errors: int = 0
    warnings: int = 0
    level: int = 0
    error: str | None = None
    report: str | None = None  # the validation report (HTML), relative to ``out``
    publisher: str | None = None  # the publishing government's code (None: unknown)
    source: str | None = None  # the source's IRI
    name_in_iris: str | None = None  # the file's name in IRIs (its own, or with its folder when two clash)
    sid: str | None = None  # its folder under ``sources/``
    sha256: str = ""
    size: int = 0
    issued: str = ""  # first published (date)
    modified: str = ""  # last published (date)
    licence: str | None = None  # the licence IRI it is published under
    in_store: int | None = None  # records counted in the store after publishing
    diagnosis: stars.Diagnosis | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class Publication:
    """The result of one ``publish``."""

    outcomes: list[Outcome]
    out: Path
    catalogue_triples: int = 0
    seconds: float = 0.0
    differences: list[str] = field(default_factory=list)  # what the store holds that the outcomes do not say

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def find_inputs(paths: Iterable[Path]) -> list[Path]:
    """The files to publish: files as given, folders searched (recursively) for CSV and spreadsheets."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


class _Claims:
    """The record IDs of the sources being published, by dataset and publisher (for :class:`Claims`)."""

    def __init__(self, out: Path, work: Path, state: dict) -> None:
        self.out, self.work = out, work
        self.held: dict[tuple[str, str], dict[str, tuple[str, Path | array]]] = defaultdict(dict)
        for key, kept in state["files"].items():
            o = kept["outcome"]
            if o.get("sid") and o.get("dataset") and o.get("publisher"):
                self.held[(o["dataset"], o["publisher"])][key] = (Path(key).name, self.out / sources.FOLDER / o["sid"])

    def for_file(self, key: str, files: sources.SourceFiles) -> Claims:
        def loader(dataset: str, code: str) -> dict[str, array]:
            taken = {}
            for other, (name, ids) in self.held.get((dataset, code), {}).items():
                if other != key:
                    taken[name] = ids if isinstance(ids, array) else sources.SourceFiles(ids, ids).ids()
            return taken

        return Claims(qualified=files.qualified(), loader=loader)

    def update(self, key: str, outcome: Outcome, ids: array | None) -> None:
        for held in self.held.values():
            held.pop(key, None)
        if ids is not None and outcome.dataset and outcome.publisher:
            self.held[(outcome.dataset, outcome.publisher)][key] = (Path(key).name, ids)


def publish(paths: Sequence[Path], store: Store, *, base: str, out: Path, licence: str | None = None,
            public_base: str | None = None, force: bool = False, prune: bool = False,
            progress: Progress | None = None, alongside: Callable[[], object] | None = None) -> Publication:
    """Publish ``paths`` (files or folders) into ``store``; reports and the catalogue go to ``out``.

    A file published before that no longer exists is reported (status ``missing``); with ``prune`` its
    graph is dropped (status ``withdrawn``). ``alongside`` (the server's prebuilt dumps) runs beside the
    search index, once the store is verified to hold what was published. One ``publish`` at a time writes to ``out``
    (and its store)."""
    out.mkdir(parents=True, exist_ok=True)
    with generations.writer_lock(out):
        return _publish(paths, store, base=base, out=out, licence=licence, public_base=public_base, force=force,
                        prune=prune, progress=progress, alongside=alongside)


def _publish(paths: Sequence[Path], store: Store, *, base: str, out: Path, licence: str | None,
             public_base: str | None, force: bool, prune: bool, progress: Progress | None,
             alongside: Callable[[], object] | None) -> Publication:
    iris = IriBuilder(base)
    base = iris.base
    started = time.perf_counter()
    (out / "reports").mkdir(exist_ok=True)
    work = out / WORK
    shutil.rmtree(work, ignore_errors=True)  # what an interrupted run left
    work.mkdir()
    state = _read_state(out, base)
    live = set(store.graphs())
    if not _agrees(store, iris, state, live):  # a kill between the store's swap and the state: trust neither
        force = True
    files = find_inputs(paths)
    names = _names_in_iris(files)
    claims = _Claims(out, work, state)
    outcomes: list[Outcome] = []
    retained: list[Outcome] = []  # earlier versions that stay published because the new one failed
    changes: dict[str, Path | None] = {}
    staged: dict[str, tuple[dict, sources.SourceFiles]] = {}
    roots = [Path(p) for p in paths]
    order: list[int] = []  # the file of each outcome

    def listed() -> Iterator[_Job]:
        """The files to convert, one at a time (the unchanged ones are outcomes at once)."""
        for i, path in enumerate(files):
            key = str(path.resolve())
            settings = sources.folder_settings(path, roots)
            given = licence_iri(settings["license"]) if settings.get("license") else None
            chosen = given or (licence_iri(licence) if licence else None)
            mapping_file = sources.mapping_for(path, settings)
            mapping_text = mapping_file.read_text(encoding="utf-8") if mapping_file and mapping_file.is_file() else ""
            read_as = json.dumps([licence, settings, mapping_text], sort_keys=True)
            opened, digest, checksum = _open(path, read_as)
            kept = state["files"].get(key)
            files_of = sources.SourceFiles.of(out, sources.source_id(key), work)
            if not force and kept and kept["sha256"] == digest and kept["outcome"].get("graph") in live \
                    and kept["outcome"].get("sid") and files_of.ready():
                if opened is not None:
                    opened.close()
                outcomes.append(_restore(kept["outcome"], status="unchanged"))
                order.append(i)
                continue
            yield _Job(i, path, key, read_as, opened, digest, checksum, kept, files_of, chosen, {
                "iris": iris, "out": out, "work": work, "number": i, "licence": chosen or licence,
                "mapping_file": mapping_file, "public_base": public_base, "code": settings.get("code"),
                "name": names[path], "files": files_of})

    for done, (job, outcome, ids) in enumerate(_converted(listed(), claims, len(files))):
        if progress:
            progress(job.path.name, done, len(files))
        key, kept, files_of = job.key, job.kept, job.files
        outcome.licence = job.licence
        outcomes.append(outcome)
        order.append(job.number)
        previous = kept["outcome"].get("graph") if kept else None
        if outcome.status == "published":
            changes[outcome.graph] = work / f"{job.number}.nt"  # type: ignore[index]
            outcome.issued = (kept or {}).get("outcome", {}).get("issued") or sources.today()
            outcome.modified = sources.today()
            staged[key] = ({"sha256": job.digest, "outcome": outcome}, files_of)
            claims.update(key, outcome, ids)
        elif kept and previous in live and kept["outcome"].get("sid") and files_of.ready():
            # the new version failed: the last one stays published, and the file is tried again next time
            retained.append(_restore(kept["outcome"], status="unchanged"))
            staged[key] = ({"sha256": "", "outcome": retained[-1]}, files_of)
            continue
        else:
            claims.update(key, outcome, None)
            staged[key] = ({}, files_of)  # failed: tried again next time
        if previous and previous in live and previous != outcome.graph:
            changes.setdefault(previous, None)  # its graph has another name now, or the file failed
    outcomes = [o for _, o in sorted(zip(order, outcomes, strict=True), key=lambda pair: pair[0])]  # the files' order
    if progress:
        progress("", len(files), len(files))
    gone = _gone(state, current={str(p.resolve()) for p in files}, prune=prune, live=live)
    for outcome in gone:
        if outcome.status == "withdrawn" and outcome.graph:
            changes[outcome.graph] = None
    outcomes += gone
    publication = Publication(outcomes, out)
    # still published: the files published now or before, and those gone but not withdrawn
    kept_live = [o for o in outcomes if o.status in ("published", "unchanged")
                 or (o.status == "missing" and o.sid and (out / sources.FOLDER / o.sid / "shared.nt").is_file())]
    kept_live += retained
    site = work / "site.nt"
    graph = site_graph.build(
        [staged[str(Path(o.path).resolve())][1].work / "shared.nt" if o.status == "published"
         else out / sources.FOLDER / o.sid / "shared.nt" for o in kept_live],  # type: ignore[operator]
        [_description(iris, o) for o in kept_live], site, base=base, licence=licence)
    publication.catalogue_triples = len(graph)
    for graph in state.get("pending", []):  # withdrawals an interrupted run did not finish
        if graph in live and graph not in changes:
            changes[graph] = None
    site_digest = _sha256(site)
    write = bool(changes) or force or state.get("site") != site_digest or iris.catalogue_graph() not in live
    if write:
        state["publication"] = _mark(site, iris)
        changes[iris.catalogue_graph()] = site
        state["pending"] = sorted(g for g, p in changes.items() if p is None)
    state["site"] = site_digest
    _commit(state, staged, gone, out)
    _write_state(out, state)  # first the state, then the store: a kill between them leaves a state the store
    if write:                 # does not match (its publication), and the next run publishes everything again
        store.apply(changes, labelled=True)  # readers see every change at once (the embedded store) or graph by graph (a server)
    state["pending"] = []
    publication.differences = _verify(store, kept_live)
    with ThreadPoolExecutor(2) as pool:  # what reads the live store at once: the store's work runs without Python's lock
        index = pool.submit(text_index.publish_index, store, base=base, out=out, changed=write)  # the search index
        extra = pool.submit(alongside) if alongside is not None and not publication.differences else None
        catalogue.write_catalogue(graph, out, base=base, public_base=public_base)
        diagnoses = [o.diagnosis for o in outcomes if o.diagnosis is not None]
        stars.write_diagnosis(diagnoses, out / "stars.html")
        stars.write_diagnosis(diagnoses, out / "stars.json")
        index.result()
        if extra is not None:
            extra.result()
    _write_state(out, state)
    shutil.rmtree(work, ignore_errors=True)
    publication.seconds = time.perf_counter() - started
    return publication


@dataclass
class _Job:
    """A file to convert (it changed since it was last published, or it is new)."""

    number: int
    path: Path
    key: str
    read_as: str  # the settings its digest covers
    opened: InputFile | None
    digest: str
    checksum: str
    kept: dict | None  # what the state kept of its last publication
    files: sources.SourceFiles
    licence: str | None  # the licence its folder or the run chose (``None``: none given)
    options: dict


#: what forked converters inherit: the jobs, and the claims as they were before the first job
_FORKED: dict[str, Any] = {}


def _converted(jobs: Iterable[_Job], claims: _Claims, count: int) -> Iterator[tuple[_Job, Outcome, array | None]]:
    """Each of ``jobs`` (at most ``count``) converted by ``_publish_one``, in order, one file open at a time.
    With more than one file and more than one core, the jobs run in forked processes, two at a time, each
    against the IDs the other files held before this run; when an earlier job of this run changed the IDs
    of its dataset and publisher (two new or changed files of one dataset and publisher) and the job's own
    IDs are among those changed, it is converted again here, against the IDs as they are now, so the IRIs
    are those of a serial run. The caller updates ``claims`` after each job."""
    workers = min(count, os.cpu_count() or 1, _WORKERS)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:  # the file opened to decide whether it changed is the one converted
            try:
                yield job, *_publish_one(job.path, job.opened, job.checksum, claims=claims.for_file(job.key, job.files),
                                         **job.options)
            finally:
                if job.opened is not None:
                    job.opened.close()
        return
    listed = []
    for job in jobs:  # each process opens its file again: no more than one file open here at a time
        if job.opened is not None:
            job.opened.close()
            job.opened = None
        listed.append(job)
    _FORKED.update(jobs=listed, claims=claims)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_publish_forked, n) for n in range(len(listed))]
            for job, future in zip(listed, futures, strict=True):
                now = claims.for_file(job.key, job.files)
                try:
                    outcome, ids, seen = future.result()
                    again = _depends(job, ids, seen, now)
                except BrokenProcessPool:  # a process was killed (out of memory …): the rest are converted here
                    again = True
                if again:
                    opened, _, checksum = _open(job.path, job.read_as)
                    try:
                        outcome, ids = _publish_one(job.path, opened, checksum, claims=now, **job.options)
                    finally:
                        if opened is not None:
                            opened.close()
                yield job, outcome, ids
    finally:
        _FORKED.clear()


def _depends(job: _Job, ids: array | None, seen: dict[tuple[str, str], dict[str, array]], now: Claims) -> bool:
    """Whether the job's conversion might differ with the IDs ``now`` holds from those it was told (``seen``):
    some ID its rows took or qualified is held, or was held, by a file whose IDs changed since."""
    changed: set[int] = set()
    for which, told in seen.items():
        current = now.loader(*which)  # type: ignore[misc]
        for name in told.keys() | current.keys():
            if told.get(name) != current.get(name):
                changed.update(told.get(name, ()), current.get(name, ()))
    if not changed:
        return False
    mine = set(ids or ()) | set(sources.SourceFiles(job.files.work, job.files.work).qualified())
    return not changed.isdisjoint(mine)


_WORKERS = 2  # conversion is Python's work: more processes than this mostly add memory on small machines


def _publish_forked(n: int) -> tuple[Outcome, array | None, dict[tuple[str, str], dict[str, array]]]:
    """In a forked process: job ``n``, and the IDs of other files it was told it must not take."""
    job: _Job = _FORKED["jobs"][n]
    told = _FORKED["claims"].for_file(job.key, job.files)
    seen: dict[tuple[str, str], dict[str, array]] = {}

    def loader(dataset: str, code: str) -> dict[str, array]:
        seen[(dataset, code)] = taken = told.loader(dataset, code)
        return taken

    opened, _, checksum = _open(job.path, job.read_as)
    try:
        outcome, ids = _publish_one(job.path, opened, checksum, claims=Claims(qualified=told.qualified, loader=loader),
                                    **job.options)
    finally:
        if opened is not None:
            opened.close()
    return outcome, ids, seen


def _publish_one(path: Path, opened: InputFile | None, checksum: str, *, iris: IriBuilder, out: Path, work: Path,
                 number: int, licence: str | None, mapping_file: Path | None, public_base: str | None,
                 code: str | None, name: str, claims: Claims, files: sources.SourceFiles) -> tuple[Outcome, array | None]:
    """Convert, link, validate and diagnose one file, read once (``opened``, whose bytes give ``checksum``):
    one conversion serves them all. Its records wait in ``work/{number}.nt`` for the store, its shared
    descriptions and IDs in ``files`` (staged); returns the outcome and the IDs its records hold."""
    records, shared = work / f"{number}.nt", work / f"{number}.shared.nt"
    sid = files.folder.name
    try:
        mapping = load_mapping(mapping_file) if mapping_file is not None else None
    except MappingError as exc:  # a broken mapping fails its file, not the others
        return Outcome(str(path), "failed", error=f"mapping: {exc}"), None
    report = convert_and_validate(opened or path, records, shared, iris=iris, code=code, link=True, source=name, mapping=mapping,
                                  claims=claims, label_prefix=f"s{sid}b", keep_results=False)
    result = report.result
    outcome = _outcome(path, report)
    outcome.sid, outcome.name_in_iris = sid, name
    if result is not None:
        outcome.publisher = result.publisher
        outcome.diagnosis = stars.diagnose(result, findings=report.all_findings(), licence=licence,  # type: ignore[arg-type]
                                           published_base=public_base or iris.base)
        outcome.level = outcome.diagnosis.level
    report_name = _report_name(path)
    write_report([report], out / "reports" / f"{report_name}.html")
    write_report([report], out / "reports" / f"{report_name}.csv")
    outcome.report = f"reports/{report_name}.html"
    if result is None or not result.ok:
        outcome.status, outcome.error = "failed", report.error or (result.error if result else "file.unreadable")
        records.unlink(missing_ok=True)
        return outcome, None
    code = result.publisher or UNKNOWN_CODE
    outcome.graph = iris.graph(result.dataset, code, name)  # type: ignore[arg-type]
    outcome.source = iris.source(code, name)
    if opened is not None:  # the checksum and the size of the bytes converted
        outcome.sha256, outcome.size = checksum, opened.size
    else:  # opening failed when the file was checked, and then worked
        outcome.sha256, outcome.size = _sha256(path), path.stat().st_size
    ids = files.stage(shared, result.minted or Minted())
    shared.unlink()
    return outcome, ids


def _description(iris: IriBuilder, o: Outcome):
    return sources.describe(iris, code=o.publisher or UNKNOWN_CODE, name=o.name_in_iris or o.name, dataset=o.dataset or "",
                            graph=o.graph or "", rows=o.rows, records=o.records, sha256=o.sha256, size=o.size,
                            issued=o.issued or sources.today(), modified=o.modified or sources.today(),
                            licence=o.licence)


def _outcome(path: Path, report: FileReport) -> Outcome:
    counts = report.counts()
    return Outcome(str(path), "published", report.dataset, rows=report.rows, records=report.records,
                   triples=report.triples, errors=counts.get(ERROR, 0), warnings=counts.get(WARNING, 0))


def _names_in_iris(files: list[Path]) -> dict[Path, str]:
    """Each file's name in IRIs: its own name; files of the same name in different folders get their
    folder's name in front (``2024_aed.csv``), so their sources and graphs stay apart."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in files:
        by_name[path.name].append(path)
    names = {}
    for name, paths in by_name.items():
        for path in paths:
            names[path] = name if len(paths) == 1 else f"{path.parent.name}_{name}"
    return names


def _report_name(path: Path) -> str:
    """A report file name for ``path`` (its parent folder too, so equal names in two folders differ)."""
    stem = f"{path.parent.name}-{path.stem}" if path.parent.name else path.stem
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)


def _gone(state: dict, *, current: set[str], prune: bool, live: set[str]) -> list[Outcome]:
    """The files of earlier publications that no longer exist (``withdrawn`` with ``prune``, or when the
    store does not hold their graph any more)."""
    outcomes = []
    for key in [k for k in state["files"] if k not in current and not Path(k).exists()]:
        kept = state["files"][key]["outcome"]
        outcome = _restore(kept, status="withdrawn" if prune or kept.get("graph") not in live else "missing")
        outcome.diagnosis = None  # no file to diagnose any more
        outcomes.append(outcome)
    return outcomes


def _commit(state: dict, staged: dict[str, tuple[dict, sources.SourceFiles]], gone: list[Outcome],
            out: Path) -> None:
    """After the store took the changes: keep each source's new files and its entry in the state."""
    for key, (entry, files) in staged.items():
        if entry:
            files.commit()
            state["files"][key] = {"sha256": entry["sha256"], "outcome": _saved(entry["outcome"])}
        else:
            state["files"].pop(key, None)
    for outcome in gone:
        if outcome.status == "withdrawn":
            state["files"].pop(str(Path(outcome.path).resolve()), None)
            if outcome.sid:
                shutil.rmtree(out / sources.FOLDER / outcome.sid, ignore_errors=True)


def _mark(site: Path, iris: IriBuilder) -> str:
    """Name this publication in the shared graph; the state file names it too, so the next run can tell
    whether the state describes what the store holds."""
    token = uuid.uuid4().hex
    with open(site, "a", encoding="utf-8") as f:
        f.write(f'<{iris.catalogue_graph()}> <{DCTERMS}identifier> "{token}" .\n')
    return token


def _agrees(store: Store, iris: IriBuilder, state: dict, live: set[str]) -> bool:
    """The store holds the publication the state describes (``False`` after a kill between the two)."""
    if iris.catalogue_graph() not in live:
        return not state["files"]
    graph = iris.catalogue_graph()
    body, _ = store.query(f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ <{graph}> <{DCTERMS}identifier> ?t }} }}")
    found = {b["t"]["value"] for b in json.loads(body)["results"]["bindings"]}
    return found == {state.get("publication")}


def _verify(store: Store, live: list[Outcome]) -> list[str]:
    """Count each source's records in the store: what differs from what was published, in words."""
    body, _ = store.query(f"SELECT ?g (COUNT(?r) AS ?n) WHERE {{ GRAPH ?g {{ ?r <{PROV}wasDerivedFrom> ?s }} }} GROUP BY ?g")
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in json.loads(body)["results"]["bindings"]}
    differences = []
    for o in live:
        o.in_store = counts.get(o.graph or "", 0)
        if o.in_store != o.records:
            differences.append(f"{o.name}: {o.records:,} records published, {o.in_store:,} in the store ({o.graph})")
    return differences


# -- state ----------------------------------------------------------------------------------------

def _open(path: Path, settings: str) -> tuple[InputFile | None, str, str]:
    """Open ``path`` once and read it whole: what decides whether it changed (its bytes, the licence and
    the folder's settings), and the checksum of its bytes; ``None`` and empty digests when it cannot be read."""
    digest, checksum = hashlib.sha256(settings.encode("utf-8") + b"\0"), hashlib.sha256()
    try:
        opened = InputFile(path, hashes=(digest, checksum))
    except OSError:
        return None, "", ""
    return opened, digest.hexdigest(), checksum.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_state(out: Path, base: str) -> dict:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if state.get("base") != base or state.get("version") != STATE_VERSION or not isinstance(state.get("files"), dict):
        # another base mints other IRIs, an earlier version kept less: publish everything again, and
        # withdraw the graphs the earlier state knew (under their earlier names)
        old = state.get("files") if state.get("base") == base and isinstance(state.get("files"), dict) else {}
        state = {"base": base, "version": STATE_VERSION,
                 "files": {k: {"sha256": "", "outcome": v.get("outcome", {})} for k, v in old.items()}}
    return state


def _write_state(out: Path, state: dict) -> None:
    """Written whole and renamed over the last one, so a kill never leaves half a state."""
    tmp = out / f"{STATE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / STATE)


def _saved(outcome: Outcome) -> dict:
    data = {k: v for k, v in asdict(outcome).items() if k != "diagnosis"}
    if outcome.diagnosis is not None:
        data["diagnosis"] = asdict(outcome.diagnosis)
    return data


def _restore(data: dict, *, status: str) -> Outcome:
    fields = {k: v for k, v in data.items() if k in Outcome.__dataclass_fields__ and k != "diagnosis"}
    outcome = Outcome(**{"path": "", **fields, "status": status})
    saved = data.get("diagnosis")
    if saved:
        found = [stars.Star(**{**s, "steps": [stars.Step(**step) for step in s["steps"]]}) for s in saved["stars"]]
        outcome.diagnosis = stars.Diagnosis(**{**saved, "stars": found})
    return outcome
