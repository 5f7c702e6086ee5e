"""The IRI and URL scheme, both ways: every IRI itsutsuboshi mints comes from :class:`IriBuilder`, which
also reads them back (:meth:`IriBuilder.parse`), names the documents and dumps that serve them, gives
the SPARQL filters that select them and moves them to the base a site is shown under.

Policy (docs/uri-policy.md): ``{base}id/{dataset}/{団体コード}/{ID}`` for records, with a
content hash (``x-`` + 16 hex digits of SHA-1 over the dataset's key columns) when the ID is
blank, so that publishing the same data next year gives the same IRIs; ``{団体コード}`` is the
publisher's. A record whose ID another file of the same dataset and publisher already holds gets
``{base}id/{dataset}/{団体コード}/{file}/{ID}`` (:mod:`.claims`). Each source file is
``{base}source/{団体コード}/{file name}`` and its records live in the named graph
``{base}graph/{dataset}/{団体コード}/{file name}``. Local governments are ``{base}id/lg/{団体コード}``, 町字
``{base}id/town/{団体コード}/{町字ID}``, the organisations records name ``{base}id/org/{法人番号}`` or
``{base}id/org/{団体コード}/{name}``. The thing ``{base}id/{path}`` is described by the
document ``/doc/{path}``; sources, terms and graphs are documents themselves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

DEFAULT_BASE = "http://127.0.0.1:8000/"
UNKNOWN_CODE = "000000"
#: the first path segment of each part of the site: things, their documents, source files, terms,
#: named graphs, dumps
ID, DOC, SOURCE, DEF, GRAPH, DUMPS_PATH = "id", "doc", "source", "def", "graph", "dumps"
#: a dataset's flat table (``/table/{dataset}/{code}.csv`` / ``.json``) and the points of its map
#: (``/points/{dataset}/{code}.json``)
TABLE_PATH, POINTS_PATH = "table", "points"
#: names under ``id/`` (and ``graph/``) that are never a dataset's
LG, TOWN, ORG, CATALOGUE = "lg", "town", "org", "catalog"
#: characters a path segment keeps as they are (RFC 3986 ``pchar`` without ``%``)
SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._~-]+$")
_NCNAME_BAD = re.compile(r"[^\w\-.]|^[\d\-.]", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROW = re.compile(r"row=(\d+)")
#: a dump ``/dumps/{dataset}/{code}.{ext}``, ``/dumps/all.{ext}`` or ``/dumps/catalog.{ext}``
_DATASET_DUMP = r"(?P<dataset>[a-z_]{1,40})/(?P<code>\d{6})"  # the datasets that have a dump
_DUMP = re.compile(rf"(?:{_DATASET_DUMP}|(?P<all>all)|(?P<catalogue>catalog))(?P<extension>(?:\.[a-z]+){{1,2}})")
_SOURCE_ROW = re.compile(r"/(?P<file>[^/#]+)#row=(?P<row>\d+)$")

Kind = Literal["record", "dataset", "organization", "town", "org", "property", "source", "source_row", "graph",
               "catalogue_graph", "catalogue", "catalogue_service"]


def _segment(value: str) -> str:
    return quote(unicodedata.normalize("NFKC", value).strip(), safe=SEGMENT_SAFE)


def fallback_id(values: list[str]) -> str:
    """Stable local ID from key column values (same values → same ID, whatever the row order)."""
    key = "\x1f".join(unicodedata.normalize("NFKC", v).strip() for v in values)
    return "x-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def column_name(header: str) -> str:
    """An XML-name-safe local name for a custom column (``料金（基本）`` → ``料金_基本_``)."""
    s = _NCNAME_BAD.sub("_", unicodedata.normalize("NFKC", header).strip())
    return s or "_"


@dataclass(frozen=True)
class IriParts:
    """An IRI of the scheme read back (:meth:`IriBuilder.parse`): its kind and its parts, decoded;
    a part the kind does not have is empty."""

    kind: Kind
    dataset: str = ""
    code: str = ""  # the publisher's 団体コード (a 町字's local government, an organisation's municipality)
    id: str = ""  # a record's ID, a 町字 ID, an organisation's 法人番号 or name, a custom property's local name
    scope: str = ""  # what qualifies a record's ID: the other file's name without its extension
    file: str = ""  # a source file's name
    row: int = 0  # a source row's number


@dataclass(frozen=True)
class DumpPath:
    """A dump's path read back (:meth:`IriBuilder.parse_dump`): a dataset's (``dataset``, ``code``), the
    catalogue's, or else every graph of the site (``all``); ``extension`` with its dot (``.nt.gz``)."""

    extension: str
    dataset: str = ""
    code: str = ""
    catalogue: bool = False


class IriBuilder:
    """The scheme under one base (``--base``, normalised to end with ``/``): mints IRIs, reads them back,
    names their documents and dumps, and shows them under ``public`` (the base a site is served under;
    default: the base itself)."""

    def __init__(self, base: str = DEFAULT_BASE, *, public: str | None = None) -> None:
        self.base = _checked_base(base)
        self.public = (public if public.endswith("/") else public + "/") if public else self.base
        self._sources: dict[tuple[str, str], str] = {}

    # --- minting -----------------------------------------------------------------------------------

    def record(self, dataset: str, code: str, local_id: str, *, scope: str | None = None) -> str:
        """A record; ``scope`` (a file name) qualifies an ID another file of the dataset already holds."""
        segment = local_id if _PLAIN_ID.match(local_id) else _segment(local_id)  # most IDs need no escaping
        if scope is not None:
            return f"{self.base}{ID}/{dataset}/{code}/{_segment(scope_of(scope))}/{segment}"
        return f"{self.base}{ID}/{dataset}/{code}/{segment}"

    def dataset(self, dataset: str, code: str) -> str:
        return f"{self.base}{ID}/{dataset}/{code}"

    def organization(self, code: str) -> str:
        """The publishing local government (地方公共団体) with its 6-digit code."""
        return f"{self.base}{ID}/{LG}/{code}"

    def town(self, lg_code: str, machiaza_id: str) -> str:
        """A 町字 of the address base registry (ABR mints no IRIs): ``{base}id/town/{団体コード}/{町字ID}``."""
        return f"{self.base}{ID}/{TOWN}/{lg_code}/{machiaza_id}"

    def org(self, houjin: str | None = None, *, code: str | None = None, name: str | None = None) -> str:
        """An organisation records name (運営者, 設置者, 管理者 …; a local government is :meth:`organization`):
        ``{base}id/org/{法人番号}``, or without one ``{base}id/org/{団体コード}/{name}`` for the name (normalised
        by :func:`~itsutsuboshi.converters.organizations.name_key`) within one municipality."""
        if houjin:
            return f"{self.base}{ID}/{ORG}/{houjin}"
        if not code or not name:
            raise ValueError("an organisation IRI needs a 法人番号, or a 団体コード and a name")
        return f"{self.base}{ID}/{ORG}/{code}/{_segment(name)}"

    def column_property(self, dataset: str, header: str) -> str:
        """A property for a column the mapping does not know (kept, labelled with its header)."""
        return f"{self.base}{DEF}/{dataset}/{column_name(header)}"

    def source(self, code: str, filename: str) -> str:
        """A source file as published by ``code``: ``{base}source/{code}/{file name}``."""
        return f"{self.base}{SOURCE}/{code}/{_segment(filename)}"

    def source_row(self, code: str, filename: str, row: int) -> str:
        """The source CSV row of a record (CSV on the Web ``#row=N`` fragment)."""
        prefix = self._sources.get((code, filename))
        if prefix is None:
            prefix = self._sources[(code, filename)] = f"{self.source(code, filename)}#row="
        return f"{prefix}{row}"

    def graph(self, dataset: str, code: str, filename: str) -> str:
        """The named graph holding the records of one source file."""
        return f"{self.base}{GRAPH}/{dataset}/{code}/{_segment(filename)}"

    def catalogue_graph(self) -> str:
        """The named graph of everything shared: publishers, datasets, sources, 町字, the catalogue."""
        return f"{self.base}{GRAPH}/{CATALOGUE}"

    def catalogue(self) -> str:
        """The DCAT catalogue of the site: ``{base}id/catalog``."""
        return f"{self.base}{ID}/{CATALOGUE}"

    def catalogue_service(self) -> str:
        """The SPARQL endpoint as the catalogue's ``dcat:DataService``."""
        return f"{self.catalogue()}/sparql"

    def distribution(self, dataset_iri: str, name: str) -> str:
        """A distribution of a dataset in the catalogue (``dump-ttl``, ``doc-html``, ``sparql`` …)."""
        return f"{dataset_iri}/distribution/{name}"

    # --- reading back --------------------------------------------------------------------------------

    def parse(self, iri: str) -> IriParts | None:
        """The kind and parts of an IRI this scheme mints under its base (``None`` for any other IRI).
        ``lg``, ``town``, ``org`` and ``catalog`` are never datasets, so they decide first."""
        if not iri.startswith(self.base):
            return None
        path, hash_, fragment = iri[len(self.base):].partition("#")
        raw = path.split("/")
        if "" in raw:
            return None
        if hash_:  # only a source row has a fragment
            row, found = _ROW.fullmatch(fragment), self.parse(self.base + path)
            if row is None or found is None or found.kind != "source":
                return None
            return IriParts("source_row", code=found.code, file=found.file, row=int(row[1]))
        space, rest, n = raw[0], raw[1:], len(raw) - 1
        if n == 0:
            return None
        if space == ID:
            if rest[0] == LG:
                return IriParts("organization", code=rest[1]) if n == 2 else None
            if rest[0] == TOWN:
                return IriParts("town", code=rest[1], id=rest[2]) if n == 3 else None
            if rest[0] == ORG:
                return {2: IriParts("org", id=rest[-1]), 3: IriParts("org", code=rest[1], id=unquote(rest[-1]))}.get(n)
            if rest[0] == CATALOGUE:
                return {(): IriParts("catalogue"), ("sparql",): IriParts("catalogue_service")}.get(tuple(rest[1:]))
            if n == 2:
                return IriParts("dataset", dataset=rest[0], code=rest[1])
            if n in (3, 4):
                return IriParts("record", dataset=rest[0], code=rest[1], id=unquote(rest[-1]),
                                scope=unquote(rest[2]) if n == 4 else "")
        elif space == SOURCE and n == 2:
            return IriParts("source", code=rest[0], file=unquote(rest[1]))
        elif space == DEF and n == 2:
            return IriParts("property", dataset=rest[0], id=rest[1])
        elif space == GRAPH:
            if rest == [CATALOGUE]:
                return IriParts("catalogue_graph")
            if n == 3:
                return IriParts("graph", dataset=rest[0], code=rest[1], file=unquote(rest[2]))
        return None

    def space_of(self, iri: str) -> str | None:
        """The part of the site an IRI under the base is in (``id``, ``source``, ``def``, ``graph`` …)."""
        if not iri.startswith(self.base):
            return None
        space, slash, _ = iri[len(self.base):].partition("/")
        return space if slash else None

    def from_path(self, space: str, segments: Sequence[str], *, unicode: bool = False) -> str:
        """The IRI ``{base}{space}/…`` a document URL names, from its decoded path segments
        (:func:`local_path`; ``ValueError`` for a path that names nothing)."""
        return self.base + local_path(space, segments, unicode=unicode)

    # --- documents, dumps, queries -------------------------------------------------------------------

    def document_path(self, iri: str) -> str | None:
        """The site path of the document about ``iri``: ``doc/…`` for a thing ``{base}id/…``, the IRI's own
        path for a source file, a term or a graph (documents themselves); ``None`` off the site."""
        space = self.space_of(iri)
        if space == ID:
            return f"{DOC}/{iri[len(self.base) + len(ID) + 1:]}"
        return iri[len(self.base):] if space in (SOURCE, DEF, GRAPH) else None

    def url(self, path: str) -> str:
        """A URL of the site under the base (``path`` as :meth:`document_path` and :meth:`dump_path` give)."""
        return self.base + path

    def sparql_endpoint(self) -> str:
        return f"{self.base}sparql"

    def sparql_page(self) -> str:
        """The query page of the SPARQL endpoint."""
        return f"{self.base}sparql/ui"

    @staticmethod
    def dump_path(extension: str, *, dataset: str | None = None, code: str | None = None,
                  catalogue: bool = False) -> str:
        """``dumps/{dataset}/{code}{extension}`` (a dataset of one publisher), ``dumps/catalog{extension}``, or
        ``dumps/all{extension}`` (every graph of the site); ``extension`` with its dot (``.nt.gz``)."""
        if dataset is not None and code is not None:
            return f"{DUMPS_PATH}/{dataset}/{code}{extension}"
        return f"{DUMPS_PATH}/{CATALOGUE if catalogue else 'all'}{extension}"

    @staticmethod
    def parse_dump(name: str) -> DumpPath | None:
        """A dump's path below ``dumps/`` read back; ``None`` when it names no dump (the extension is the
        caller's to check)."""
        found = _DUMP.fullmatch(name)
        if found is None:
            return None
        return DumpPath(found["extension"], found["dataset"] or "", found["code"] or "", bool(found["catalogue"]))

    @staticmethod
    def has_dump(parts: IriParts) -> bool:
        """Whether a dataset (or one of its source graphs) has a dump: its name and code fit a dump's path."""
        return parts.kind in ("dataset", "graph") and re.fullmatch(_DATASET_DUMP, f"{parts.dataset}/{parts.code}") is not None

    def space(self, *names: str) -> str:
        """The IRI every IRI of a part of the site starts with: ``space("id", "lg")`` is ``{base}id/lg/``."""
        return self.base + "".join(f"{n}/" for n in names)

    def sparql_starts(self, variable: str, *names: str) -> str:
        """A SPARQL condition: ``variable`` is an IRI in the part ``names`` (``STRSTARTS(STR(?s), "{base}id/")``),
        the base escaped as a string literal."""
        return f'STRSTARTS(STR({variable}), "{_sparql_string(self.space(*names))}")'

    # --- the public base -----------------------------------------------------------------------------

    def shown(self, iri: str) -> str:
        """``iri`` as the site shows it: under the public base when it is under the data's base."""
        if self.public == self.base or not iri.startswith(self.base):
            return iri
        return self.public + iri[len(self.base):]

    def shown_text(self, text: str) -> str:
        """Every IRI under the data's base in ``text`` (N-Triples …) moved under the public base."""
        return text if self.public == self.base else text.replace(self.base, self.public)


def _checked_base(base: str) -> str:
    if not re.match(r"^https?://[^/\s]+", base):
        raise ValueError(f"base must be an absolute http(s) IRI: {base!r}")
    return base if base.endswith("/") else base + "/"


def _sparql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def local_path(space: str, segments: Sequence[str], *, unicode: bool = False) -> str:
    """``{space}/{segment}/…`` for decoded URL path segments (a segment may hold a ``/`` that was ``%2F``),
    each percent-encoded again as the converter encodes IDs; with ``unicode``, characters from U+00A0 up
    stay as they are (the IRI form of custom column properties). Empty and dot segments and control
    characters raise ``ValueError``."""
    if not segments or any(s == "" or _CONTROL.search(s) or {".", ".."} & set(s.split("/")) for s in segments):
        raise ValueError("/".join(segments))
    encode = _iri_segment if unicode else _uri_segment
    return f"{space}/{'/'.join(encode(s) for s in segments)}"


def _uri_segment(segment: str) -> str:
    return quote(segment, safe=SEGMENT_SAFE)


def _iri_segment(segment: str) -> str:
    """Like :func:`_uri_segment`, but characters from U+00A0 up are kept (an IRI may hold them)."""
    return "".join(c if ord(c) >= 0xA0 else quote(c, safe=SEGMENT_SAFE) for c in segment)


def parse_source_row(iri: str) -> tuple[str, int] | None:
    """(file name, row) of a source row ``…/{file name}#row={N}`` under any base (RDF files validated as
    they are may come from another site)."""
    found = _SOURCE_ROW.search(iri)
    return (unquote(found["file"]), int(found["row"])) if found else None


def catalogue_graph_iri(base: str) -> str:
    """The named graph the catalogue is loaded into: ``{base}graph/catalog``."""
    return f"{base.rstrip('/')}/{GRAPH}/{CATALOGUE}"


def scope_of(filename: str) -> str:
    """The part of a file name that qualifies record IDs: the name without its extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    return stem or filename
