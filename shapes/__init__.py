"""SHACL shapes for the standard datasets: ``common.ttl`` (rules of the IMI types) and one
generated file per dataset (``aed.ttl`` …). :func:`load` gives them as one rdflib graph."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from importlib.abc import Traversable

from rdflib import Graph

COMMON = "common.ttl"


def path(name: str) -> Traversable:
    """A bundled shapes file: ``common.ttl`` or ``<dataset>.ttl``."""
    found = resources.files(__package__).joinpath(name)
    if not name.endswith(".ttl") or not found.is_file():
        raise KeyError(f"unknown shapes file {name!r}; known: {', '.join(files())}")
    return found


def files() -> list[str]:
    """Names of the bundled shapes files."""
    return sorted(f.name for f in resources.files(__package__).iterdir() if f.name.endswith(".ttl"))


def names() -> list[str]:
    """Datasets that have bundled shapes."""
    return [f.removesuffix(".ttl") for f in files() if f != COMMON]


def load(datasets: Iterable[str] | None = None) -> Graph:
    """The shared shapes plus those of ``datasets`` (all datasets when ``None``)."""
    g = Graph()
    chosen = names() if datasets is None else list(datasets)
    for name in [COMMON.removesuffix(".ttl"), *chosen]:
        g.parse(data=path(f"{name}.ttl").read_text(encoding="utf-8"), format="turtle")
    return g
