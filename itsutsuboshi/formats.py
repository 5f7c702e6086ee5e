"""The formats table: every RDF serialisation and SPARQL results format, stated once.

A format is a value (pyoxigraph's ``RdfFormat``): short name, label, media types, file extensions, and
what the libraries and vocabularies call it (the rdflib plugin names, the pyoxigraph format, the EU file
type and the W3C format name the catalogue and the service description use). A registry finds one by
short name, alias, media type or extension (rdflib's ``plugin.get``). Writers, stores, content
negotiation, routes, the loader, the validator and the catalogue all look formats up here, so adding a
format is one entry below (plus a writer, if it is to be written).

The first media type and extension of a format are the ones written, offered and served; the others are
understood when reading: a file's extension (``validate``), a SPARQL client's ``Accept`` header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyoxigraph as ox

#: the namespace of :attr:`Format.w3c` names (``http://www.w3.org/ns/formats/Turtle``)
W3C_FORMATS = "http://www.w3.org/ns/formats/"
#: the media type of gzip compression (dumps)
GZIP = "application/gzip"


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFormat:
    """What every format has: ``name``, ``label``, its ``media_types`` and ``extensions`` (the first ones
    written), other short names (``aliases``), its EU file type (``eu``, for DCAT distributions) and
    whether it is ``written`` (``False``: only read)."""

    name: str
    label: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    eu: str | None = None
    written: bool = True

    @property
    def media_type(self) -> str:
        """The media type written and offered."""
        return self.media_types[0]

    @property
    def extension(self) -> str:
        """The file extension written and served (with its dot)."""
        return self.extensions[0]

    @property
    def keys(self) -> tuple[str, ...]:
        """What :meth:`Registry.get` (and ``?format=``) finds it by: name, aliases, the media type written,
        the extension served with and without its dot."""
        return tuple(dict.fromkeys((self.name, *self.aliases, self.media_type, self.extension, self.extension[1:])))


@dataclass(frozen=True, slots=True, kw_only=True)
class Format(MediaFormat):
    """An RDF serialisation. ``rdflib``: the rdflib parser (and serialiser) name; ``rdflib_serializer``: the
    serialiser, where rdflib has a better one than its parser's namesake; ``ox``: pyoxigraph's format;
    ``w3c``: the name under :data:`W3C_FORMATS`."""

    ox: ox.RdfFormat
    rdflib: str
    rdflib_serializer: str = ""
    w3c: str = ""

    @property
    def serializer(self) -> str:
        """The rdflib serialiser name."""
        return self.rdflib_serializer or self.rdflib


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultsFormat(MediaFormat):
    """A SPARQL query results format: ``ox``, pyoxigraph's format; ``w3c``, its name under :data:`W3C_FORMATS`."""

    ox: ox.QueryResultsFormat
    w3c: str


@dataclass(frozen=True, slots=True)
class Dump:
    """A dump's file format: an RDF format, gzip-compressed or not (``.nt.gz``)."""

    format: Format
    gzip: bool = False

    @property
    def extension(self) -> str:
        return self.format.extension + (".gz" if self.gzip else "")

    @property
    def label(self) -> str:
        return self.format.label + (", gzip" if self.gzip else "")


F = TypeVar("F", bound=MediaFormat)


class Registry(Generic[F]):
    """Formats of one kind, found by short name, alias, media type or extension. ``reading``: also the
    formats only read (and, for :meth:`by_extension`, the extensions only read)."""

    def __init__(self, kind: str, *members: F) -> None:
        self.kind = kind
        self._members = members
        owners: dict[str, str] = {}
        for f in members:  # a key names one format only
            for key in (*f.keys, *f.media_types, *f.extensions):
                if owners.setdefault(key, f.name) != f.name:
                    raise ValueError(f"{kind} formats {owners[key]} and {f.name} share {key!r}")

    def all(self, *, reading: bool = False) -> tuple[F, ...]:
        """Every format (in the order of preference), the ones only read too with ``reading``."""
        return tuple(f for f in self._members if reading or f.written)

    def __iter__(self) -> Iterator[F]:
        return iter(self.all())

    def names(self, *, reading: bool = False) -> list[str]:
        return [f.name for f in self.all(reading=reading)]

    def get(self, key: str, *, reading: bool = False) -> F:
        """A format by short name, alias, media type or extension (:attr:`MediaFormat.keys`, case ignored);
        ``KeyError`` names the known ones."""
        k = key.strip().lower()
        for f in self.all(reading=reading):
            if k in f.keys:
                return f
        raise KeyError(f"unknown {self.kind} format {key!r}; known: {', '.join(self.names(reading=reading))}")

    def by_media_type(self, media_type: str, *, reading: bool = False) -> F | None:
        """The format that any of its media types names (parameters such as ``charset`` ignored)."""
        media = media_type.split(";")[0].strip().lower()
        return next((f for f in self.all(reading=reading) if media in f.media_types), None)

    def by_extension(self, suffix: str, *, reading: bool = False) -> F | None:
        """The format of a file extension (``.ttl``, case ignored): the one served, or with ``reading`` any
        extension a file of it may have (``.json``, ``.owl`` …)."""
        ext = suffix.lower()
        return next((f for f in self.all(reading=reading) if ext in _extensions(f, reading)), None)

    def extensions(self, *, reading: bool = False) -> list[str]:
        """The extensions :meth:`by_extension` knows."""
        return [e for f in self.all(reading=reading) for e in _extensions(f, reading)]


def _extensions(f: MediaFormat, reading: bool) -> tuple[str, ...]:
    return f.extensions if reading else (f.extension,)


#: the HTML page of a resource: not RDF, but offered beside it
HTML = MediaFormat(name="html", label="HTML", media_types=("text/html",), extensions=(".html",), aliases=("htm",),
                   eu="HTML")

TURTLE = Format(name="turtle", label="Turtle", media_types=("text/turtle", "application/x-turtle"),
                extensions=(".ttl",), aliases=("ttl",), eu="RDF_TURTLE", ox=ox.RdfFormat.TURTLE, rdflib="turtle",
                w3c="Turtle")
NTRIPLES = Format(name="nt", label="N-Triples", media_types=("application/n-triples", "text/plain"),
                  extensions=(".nt",), aliases=("ntriples", "n-triples"), eu="RDF_N_TRIPLES",
                  ox=ox.RdfFormat.N_TRIPLES, rdflib="nt", w3c="N-Triples")
JSONLD = Format(name="jsonld", label="JSON-LD", media_types=("application/ld+json", "application/json"),
                extensions=(".jsonld", ".json"), aliases=("json-ld",), eu="JSON_LD", ox=ox.RdfFormat.JSON_LD,
                rdflib="json-ld", w3c="JSON-LD")
RDFXML = Format(name="rdfxml", label="RDF/XML", media_types=("application/rdf+xml", "application/xml"),
                extensions=(".rdf", ".owl", ".xml"), aliases=("xml", "rdf", "rdf/xml"), eu="RDF_XML",
                ox=ox.RdfFormat.RDF_XML, rdflib="xml", rdflib_serializer="pretty-xml", w3c="RDF_XML")
#: a dataset format (graph names kept): the data dumps only, never a resource's document
NQUADS = Format(name="nq", label="N-Quads", media_types=("application/n-quads",), extensions=(".nq",),
                aliases=("nquads", "n-quads"), eu="RDF_N_QUADS", ox=ox.RdfFormat.N_QUADS, rdflib="nquads",
                w3c="N-Quads")
#: read (``validate``), never written
N3 = Format(name="n3", label="N3", media_types=("text/n3",), extensions=(".n3",), ox=ox.RdfFormat.N3,
            rdflib="n3", w3c="N3", written=False)

#: the RDF formats, in the order the server prefers them
RDF: Registry[Format] = Registry("RDF", TURTLE, NTRIPLES, JSONLD, RDFXML, N3)

RESULTS_JSON = ResultsFormat(name="json", label="SPARQL Results JSON",
                             media_types=("application/sparql-results+json", "application/json"),
                             extensions=(".srj",), ox=ox.QueryResultsFormat.JSON, w3c="SPARQL_Results_JSON")
RESULTS_XML = ResultsFormat(name="xml", label="SPARQL Results XML",
                            media_types=("application/sparql-results+xml", "application/xml", "text/xml"),
                            extensions=(".srx",), ox=ox.QueryResultsFormat.XML, w3c="SPARQL_Results_XML")
RESULTS_CSV = ResultsFormat(name="csv", label="SPARQL Results CSV", media_types=("text/csv",), extensions=(".csv",),
                            ox=ox.QueryResultsFormat.CSV, w3c="SPARQL_Results_CSV")
RESULTS_TSV = ResultsFormat(name="tsv", label="SPARQL Results TSV", media_types=("text/tab-separated-values",),
                            extensions=(".tsv",), ox=ox.QueryResultsFormat.TSV, w3c="SPARQL_Results_TSV")
#: the SPARQL results formats; the first is the default answer
RESULTS: Registry[ResultsFormat] = Registry("results", RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)

#: what the data of a dataset (and of the whole site) is dumped as (``/dumps/…``)
DUMPS = (Dump(NTRIPLES, gzip=True), Dump(TURTLE), Dump(NQUADS, gzip=True))
#: what the catalogue is dumped as for harvesters: every format written, N-Triples compressed
CATALOGUE_DUMPS = tuple(Dump(f, gzip=f is NTRIPLES) for f in RDF)


def names(*, reading: bool = False) -> list[str]:
    """The short names of the RDF formats written (``reading``: also those only read)."""
    return RDF.names(reading=reading)


def get(key: str, *, reading: bool = False) -> Format:
    """An RDF format by short name, alias, media type or extension; ``KeyError`` lists the names."""
    return RDF.get(key, reading=reading)


def by_extension(suffix: str, *, reading: bool = False) -> Format | None:
    """The RDF format of a file extension (:meth:`Registry.by_extension`)."""
    return RDF.by_extension(suffix, reading=reading)


def by_media_type(media_type: str, *, reading: bool = False) -> Format | None:
    """The RDF format any of whose media types is ``media_type``."""
    return RDF.by_media_type(media_type, reading=reading)


def all_formats(*, reading: bool = False) -> tuple[Format, ...]:
    """The RDF formats written (``reading``: also those only read)."""
    return RDF.all(reading=reading)
