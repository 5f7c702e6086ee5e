"""Published source files: what ``publish`` keeps of each one between runs, and how it describes it.

Each input file is a *source*: ``{base}source/{団体コード}/{file name}``, whose records live in their own
named graph ``{base}graph/{dataset}/{団体コード}/{file name}``. Beside ``publish-state.json``, the folder
``sources/{id}/`` keeps, for each source, what the next run needs without converting it again:

- ``shared.nt``: the descriptions the file contributes to the shared graph (its publisher and the
  municipalities it names, its dataset, the source itself, custom column properties, 町字), blank nodes
  labelled by content so that the same description from two files is one;
- ``ids.bin`` / ``qualified.bin``: the record IDs it holds and those it had to qualify, as sorted 64-bit
  fingerprints (:mod:`.converters.claims`).

A folder may hold an ``itsutsuboshi.toml`` with settings for the files in it and below it: ``code`` (the
publisher's 団体コード), ``license`` (a key or a URL) and ``mapping`` (a mapping file, relative to the
settings file), the nearest file winning. A mapping next to a CSV (``<name>.mapping.toml``, as
``itsutsuboshi map`` writes it) is that file's own.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from array import array
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from itsutsuboshi.converters.claims import Minted, sorted_ids
from itsutsuboshi.converters.model import IRI, Lit, Node
from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.vocab.namespaces import DCAT, DCTERMS, ITSU, RDFS, XSD

FOLDER = "sources"
SETTINGS = "itsutsuboshi.toml"
SPDX = "http://spdx.org/rdf/terms#"
_CSV = "http://publications.europa.eu/resource/authority/file-type/CSV"
_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def source_id(key: str) -> str:
    """The folder name of a source under ``sources/``, from its key (the file's absolute path)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SourceFiles:
    """The files kept for one source (``folder``), and their versions being written (``work``)."""

    folder: Path
    work: Path

    @classmethod
    def of(cls, out: Path, sid: str, work: Path) -> SourceFiles:
        return cls(out / FOLDER / sid, work / FOLDER / sid)

    @property
    def shared(self) -> Path:
        return self.folder / "shared.nt"

    def ready(self) -> bool:
        return self.shared.is_file() and (self.folder / "ids.bin").is_file()

    def ids(self) -> array:
        return _read_ids(self.folder / "ids.bin")

    def qualified(self) -> array:
        return _read_ids(self.folder / "qualified.bin")

    def stage(self, shared: Path, minted: Minted) -> array:
        """Keep the new versions in ``work`` until the store has the data (:meth:`commit`); returns the IDs
        kept (sorted, as :meth:`ids` will read them)."""
        self.work.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, self.work / "shared.nt")
        _write_ids(self.work / "qualified.bin", minted.qualified)
        return _write_ids(self.work / "ids.bin", minted.plain)

    def commit(self) -> None:
        if self.work.is_dir():
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self.work.rename(self.folder)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _read_ids(path: Path) -> array:
    ids = array("Q")
    try:
        ids.frombytes(path.read_bytes())
    except OSError:
        pass
    return ids


def _write_ids(path: Path, values: array) -> array:
    ids = sorted_ids(values)
    path.write_bytes(ids.tobytes())
    return ids


def describe(iris: IriBuilder, *, code: str, name: str, dataset: str, graph: str, rows: int, records: int,
             sha256: str, size: int, issued: str, modified: str, licence: str | None) -> Node:
    """What ``publish`` knows of a source file, as a node of the shared graph."""
    node = Node(iris.source(code, name), [ITSU + "SourceFile"], [
        (RDFS + "label", Lit(name)),
        (ITSU + "graph", IRI(graph)),
        (ITSU + "rows", Lit(str(rows), XSD + "integer")),
        (ITSU + "records", Lit(str(records), XSD + "integer")),
        (DCAT + "byteSize", Lit(str(size), XSD + "nonNegativeInteger")),
        (DCAT + "mediaType", IRI(_MEDIA_TYPES + "text/csv")),
        (DCTERMS + "format", IRI(_CSV)),
        (DCTERMS + "issued", Lit(issued, XSD + "date")),
        (DCTERMS + "modified", Lit(modified, XSD + "date")),
        (SPDX + "checksum", Node(None, [SPDX + "Checksum"], [
            (SPDX + "algorithm", IRI(SPDX + "checksumAlgorithm_sha256")),
            (SPDX + "checksumValue", Lit(sha256, XSD + "hexBinary"))])),
    ])
    node.add(DCTERMS + "isReferencedBy", IRI(iris.dataset(dataset, code)))  # the dataset lists it (dcterms:source)
    if licence:
        node.add(DCTERMS + "license", IRI(licence))
    return node


def today() -> str:
    return date.today().isoformat()


def mapping_for(path: Path, settings: dict[str, str]) -> Path | None:
    """The mapping file of a CSV: its own (``<name>.mapping.toml`` beside it), else its folder's."""
    from itsutsuboshi.converters.draft import draft_path

    own = draft_path(path)
    if own.is_file():
        return own
    return Path(settings["mapping"]) if settings.get("mapping") else None


def folder_settings(path: Path, roots: list[Path]) -> dict[str, str]:
    """The settings for ``path`` from the nearest ``itsutsuboshi.toml`` in its folder or above it, up to the
    folder given to ``publish`` (``code``, ``license``, ``mapping`` made absolute); bad files are ignored."""
    path = path.resolve()
    tops = [r.resolve() for r in roots if r.is_dir()]
    folder = path.parent
    while True:
        candidate = folder / SETTINGS
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            found = {k: str(v) for k, v in data.items() if k in ("code", "license", "mapping") and isinstance(v, str | int)}
            if "mapping" in found:
                found["mapping"] = str((folder / found["mapping"]).resolve())
            return found
        if folder in tops or folder.parent == folder or not any(folder.is_relative_to(t) for t in tops):
            return {}
        folder = folder.parent
