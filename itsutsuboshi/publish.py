"""Publishing (``publish``): a folder of CSVs to a 5-star Linked Open Data site in one step.

Each CSV is recognised, converted with its registry links, validated and loaded into the store
(its dataset graph replaced atomically) from one conversion; then the DCAT catalogue is rebuilt
and loaded. A file whose bytes, base and licence have not changed since the last publication is
skipped (its last results are kept in ``publish-state.json``). A bad file never stops the others.

Written to ``out``: ``stars.html`` / ``stars.json`` (the 5-star diagnosis of every file),
``reports/<file>.html`` / ``.csv`` (the validation of each file), ``catalog.ttl`` / ``.jsonld`` /
``.rdf`` and ``publish-state.json``.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import catalogue, stars
from .converters.iri import IriBuilder
from .loading import dataset_graph
from .reports import write_report
from .store import Store
from .validation import ERROR, WARNING, FileReport, validate_csv

STATE = "publish-state.json"
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


def publish(paths: Sequence[Path], store: Store, *, base: str, out: Path, licence: str | None = None,
            public_base: str | None = None, force: bool = False, prune: bool = False,
            progress: Progress | None = None) -> Publication:
    """Publish ``paths`` (files or folders) into ``store``; reports and the catalogue go to ``out``.

    A file published before that no longer exists is reported (status ``missing``); with ``prune`` its
    dataset graph is dropped (status ``withdrawn``), unless a file still published shares that graph."""
    base = IriBuilder(base).base
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    state = _read_state(out, base)
    graphs = set(store.graphs())
    files = find_inputs(paths)
    outcomes = []
    for i, path in enumerate(files):
        if progress:
            progress(path.name, i, len(files))
        key = str(path.resolve())
        digest = _digest(path, licence)
        kept = state["files"].get(key)
        if not force and kept and kept["sha256"] == digest and kept["outcome"].get("graph") in graphs:
            outcomes.append(_restore(kept["outcome"], status="unchanged"))
            continue
        outcome = _publish_one(path, store, base=base, out=out, licence=licence, public_base=public_base)
        outcomes.append(outcome)
        if outcome.status == "published":
            state["files"][key] = {"sha256": digest, "outcome": _saved(outcome)}
        else:
            state["files"].pop(key, None)
    if progress:
        progress("", len(files), len(files))
    outcomes += _gone(state, store, current={str(p.resolve()) for p in files}, prune=prune)
    publication = Publication(outcomes, out)
    publication.catalogue_triples = _catalogue(store, base=base, out=out, licence=licence, public_base=public_base)
    diagnoses = [o.diagnosis for o in outcomes if o.diagnosis is not None]
    stars.write_diagnosis(diagnoses, out / "stars.html")
    stars.write_diagnosis(diagnoses, out / "stars.json")
    (out / STATE).write_text(json.dumps(state, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    publication.seconds = time.perf_counter() - started
    return publication


def _publish_one(path: Path, store: Store, *, base: str, out: Path, licence: str | None,
                 public_base: str | None) -> Outcome:
    """Convert, link, validate, diagnose and load one file (one conversion serves them all)."""
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / "data.nt"
        report = validate_csv(path, base=base, link=True, keep=converted)
        result = report.result
        outcome = _outcome(path, report)
        if result is not None:
            outcome.diagnosis = stars.diagnose(result, findings=report.findings, licence=licence,
                                               published_base=public_base or base)
            outcome.level = outcome.diagnosis.level
        name = _report_name(path)
        write_report([report], out / "reports" / f"{name}.html")
        write_report([report], out / "reports" / f"{name}.csv")
        outcome.report = f"reports/{name}.html"
        if result is None or not result.ok:
            outcome.status, outcome.error = "failed", report.error or (result.error if result else "file.unreadable")
            return outcome
        outcome.graph = dataset_graph(path, converted, result, base=base)
        store.replace_graph(outcome.graph, converted, format="nt")
    return outcome


def _outcome(path: Path, report: FileReport) -> Outcome:
    counts = report.counts()
    return Outcome(str(path), "published", report.dataset, rows=report.rows, records=report.records,
                   triples=report.triples, errors=counts.get(ERROR, 0), warnings=counts.get(WARNING, 0))


def _report_name(path: Path) -> str:
    """A report file name for ``path`` (its parent folder too, so equal names in two folders differ)."""
    stem = f"{path.parent.name}-{path.stem}" if path.parent.name else path.stem
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)


def _catalogue(store: Store, *, base: str, out: Path, licence: str | None, public_base: str | None) -> int:
    graph = catalogue.build_catalogue(store, base=base, licence=licence)
    catalogue.write_catalogue(graph, out, base=base, public_base=public_base)
    return catalogue.load_catalogue(store, base=base, graph=graph)


def _gone(state: dict, store: Store, *, current: set[str], prune: bool) -> list[Outcome]:
    """The files of earlier publications that no longer exist; with ``prune``, their graphs withdrawn."""
    gone = [key for key in state["files"] if key not in current and not Path(key).exists()]
    kept_graphs = {v["outcome"].get("graph") for k, v in state["files"].items() if k not in gone}
    outcomes = []
    for key in gone:
        outcome = _restore(state["files"][key]["outcome"], status="missing")
        outcome.diagnosis = None  # no file to diagnose any more
        if prune:
            if outcome.graph and outcome.graph not in kept_graphs:
                store.drop_graph(outcome.graph)
            del state["files"][key]
            outcome.status = "withdrawn"
        outcomes.append(outcome)
    return outcomes


# -- state ----------------------------------------------------------------------------------------

def _digest(path: Path, licence: str | None) -> str:
    """What decides whether a file changed: its bytes and the licence it is published under."""
    h = hashlib.sha256((licence or "").encode("utf-8") + b"\0")
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return ""
    return h.hexdigest()


def _read_state(out: Path, base: str) -> dict:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if state.get("base") != base or not isinstance(state.get("files"), dict):
        state = {"base": base, "files": {}}  # another base mints other IRIs: publish everything again
    return state


def _saved(outcome: Outcome) -> dict:
    data = {k: v for k, v in asdict(outcome).items() if k != "diagnosis"}
    if outcome.diagnosis is not None:
        data["diagnosis"] = asdict(outcome.diagnosis)
    return data


def _restore(data: dict, *, status: str) -> Outcome:
    fields = {k: v for k, v in data.items() if k in Outcome.__dataclass_fields__ and k != "diagnosis"}
    outcome = Outcome(**{**fields, "status": status})
    saved = data.get("diagnosis")
    if saved:
        found = [stars.Star(**{**s, "steps": [stars.Step(**step) for step in s["steps"]]}) for s in saved["stars"]]
        outcome.diagnosis = stars.Diagnosis(**{**saved, "stars": found})
    return outcome
