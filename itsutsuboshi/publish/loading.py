"""Loading (``load``): converted data into a store, one named graph per source file.

Each CSV is converted (with its links) to a temporary N-Triples file, then replaces its graph
``{base}graph/{dataset}/{code}/{file name}`` atomically (:meth:`Store.replace_graph`): readers see the
old version or the new one, never half of it. The graph also holds what describes the file (publisher,
dataset, source); ``publish`` keeps those once, in the shared graph, for a whole folder. RDF files are
loaded as they are into the graph given, in the format their extension names (:func:`.formats.by_extension`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from itsutsuboshi import formats, rdf_input
from itsutsuboshi.converters.issues import Issue
from itsutsuboshi.converters.writers import open_writer
from itsutsuboshi.formats import NTRIPLES
from itsutsuboshi.iris import UNKNOWN_CODE, IriBuilder
from itsutsuboshi.pipeline.convert import FileResult, convert_file
from itsutsuboshi.store import Store


@dataclass
class Loaded:
    """One file put into the store (or why not)."""

    path: str
    graph: str | None
    triples: int
    result: FileResult | None = None
    error: str | None = None


def load_csv(store: Store, path: Path, *, base: str, link: bool = True, dataset: str | None = None,
             code: str | None = None, on_issue=None) -> Loaded:
    """Convert ``path`` and replace its dataset's graph with the result."""
    issues: list[Issue] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "data.nt"
        with open(out, "w", encoding="utf-8") as stream:
            writer = open_writer(NTRIPLES, stream)
            result = convert_file(path, writer, iris=IriBuilder(base), on_issue=on_issue or issues.append,
                                  dataset=dataset, code=code, link=link)
            writer.close()
        return load_converted(store, path, out, result, base=base, code=code)


def load_converted(store: Store, path: Path, converted: Path, result: FileResult, *, base: str,
                   code: str | None = None) -> Loaded:
    """Replace the dataset graph of ``path`` with its conversion ``converted`` (N-Triples)."""
    if not result.ok:
        return Loaded(str(path), None, 0, result, result.error)
    graph = dataset_graph(path, result, base=base, code=code)
    store.replace_graph(graph, converted, format=NTRIPLES.name)
    return Loaded(str(path), graph, result.triples, result)


def dataset_graph(path: Path, result: FileResult, *, base: str, code: str | None = None) -> str:
    """The named graph of a converted CSV: ``{base}graph/{dataset}/{publisher}/{file name}``, from what the
    conversion found (its publisher), never from the N-Triples it wrote."""
    return IriBuilder(base).graph(result.dataset or "unknown", result.publisher or code or UNKNOWN_CODE,
                                  result.source or path.name)


def load_rdf(store: Store, path: Path, *, graph: str) -> Loaded:
    """Replace ``graph`` with the RDF file ``path`` (syntax from the extension). A hostile file
    (:func:`.rdf_input.check`), one that does not parse or whose extension names no format is not loaded;
    ``error`` says why."""
    fmt = formats.by_extension(path.suffix)
    if fmt is None:
        return Loaded(str(path), None, 0, error=f"not an RDF file: use one of {', '.join(formats.RDF.extensions())}")
    try:
        rdf_input.check(path)
        store.replace_graph(graph, path, format=fmt.name)
    except (rdf_input.UnsafeInput, SyntaxError) as exc:
        return Loaded(str(path), None, 0, error=str(exc))
    return Loaded(str(path), graph, 0)
