"""RDF formats as values, registered by short name, media type and file extension."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Format:
    """An RDF serialisation: short ``name``, ``media_type``, file ``extension`` (with dot)."""

    name: str
    media_type: str
    extension: str
    label: str


TURTLE = Format("turtle", "text/turtle", ".ttl", "Turtle")
NTRIPLES = Format("nt", "application/n-triples", ".nt", "N-Triples")
JSONLD = Format("jsonld", "application/ld+json", ".jsonld", "JSON-LD")
RDFXML = Format("rdfxml", "application/rdf+xml", ".rdf", "RDF/XML")

_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
_ALIASES = {"ttl": TURTLE, "ntriples": NTRIPLES, "n-triples": NTRIPLES, "json-ld": JSONLD,
            "xml": RDFXML, "rdf": RDFXML, "rdf/xml": RDFXML}


def names() -> list[str]:
    return [f.name for f in _FORMATS]


def get(key: str) -> Format:
    """Look a format up by short name, alias, media type or extension; ``KeyError`` lists names."""
    k = key.strip().lower()
    for f in _FORMATS:
        if k in (f.name, f.media_type, f.extension, f.extension.lstrip(".")):
            return f
    if k in _ALIASES:
        return _ALIASES[k]
    raise KeyError(f"unknown format {key!r}; known: {', '.join(names())}")


def all_formats() -> tuple[Format, ...]:
    return _FORMATS
