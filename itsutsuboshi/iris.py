"""The one IRI builder: every IRI itsutsuboshi mints comes from :class:`IriBuilder`.

Policy (docs/uri-policy.md): ``{base}id/{dataset}/{団体コード}/{ID}`` for records, with a
content hash (``x-`` + 16 hex digits of SHA-1 over the dataset's key columns) when the ID is
blank, so that publishing the same data next year gives the same IRIs; ``{団体コード}`` is the
publisher's. A record whose ID another file of the same dataset and publisher already holds gets
``{base}id/{dataset}/{団体コード}/{file}/{ID}`` (:mod:`.claims`). Each source file is
``{base}source/{団体コード}/{file name}`` and its records live in the named graph
``{base}graph/{dataset}/{団体コード}/{file name}``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

DEFAULT_BASE = "http://127.0.0.1:8000/"
UNKNOWN_CODE = "000000"
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._~-]+$")
_NCNAME_BAD = re.compile(r"[^\w\-.]|^[\d\-.]", re.UNICODE)


def _segment(value: str) -> str:
    return quote(unicodedata.normalize("NFKC", value).strip(), safe=_SEGMENT_SAFE)


def fallback_id(values: list[str]) -> str:
    """Stable local ID from key column values (same values → same ID, whatever the row order)."""
    key = "\x1f".join(unicodedata.normalize("NFKC", v).strip() for v in values)
    return "x-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def column_name(header: str) -> str:
    """An XML-name-safe local name for a custom column (``料金（基本）`` → ``料金_基本_``)."""
    s = _NCNAME_BAD.sub("_", unicodedata.normalize("NFKC", header).strip())
    return s or "_"


class IriBuilder:
    """Mints IRIs under one base (``--base``); the base is normalised to end with ``/``."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        if not re.match(r"^https?://[^/\s]+", base):
            raise ValueError(f"base must be an absolute http(s) IRI: {base!r}")
        self.base = base if base.endswith("/") else base + "/"
        self._sources: dict[tuple[str, str], str] = {}

    def record(self, dataset: str, code: str, local_id: str, *, scope: str | None = None) -> str:
        """A record; ``scope`` (a file name) qualifies an ID another file of the dataset already holds."""
        segment = local_id if _PLAIN_ID.match(local_id) else _segment(local_id)  # most IDs need no escaping
        if scope is not None:
            return f"{self.base}id/{dataset}/{code}/{_segment(scope_of(scope))}/{segment}"
        return f"{self.base}id/{dataset}/{code}/{segment}"

    def dataset(self, dataset: str, code: str) -> str:
        return f"{self.base}id/{dataset}/{code}"

    def organization(self, code: str) -> str:
        """The publishing local government (地方公共団体) with its 6-digit code."""
        return f"{self.base}id/lg/{code}"

    def town(self, lg_code: str, machiaza_id: str) -> str:
        """A 町字 of the address base registry (ABR mints no IRIs): ``{base}id/town/{団体コード}/{町字ID}``."""
        return f"{self.base}id/town/{lg_code}/{machiaza_id}"

    def column_property(self, dataset: str, header: str) -> str:
        """A property for a column the mapping does not know (kept, labelled with its header)."""
        return f"{self.base}def/{dataset}/{column_name(header)}"

    def source(self, code: str, filename: str) -> str:
        """A source file as published by ``code``: ``{base}source/{code}/{file name}``."""
        return f"{self.base}source/{code}/{_segment(filename)}"

    def source_row(self, code: str, filename: str, row: int) -> str:
        """The source CSV row of a record (CSV on the Web ``#row=N`` fragment)."""
        prefix = self._sources.get((code, filename))
        if prefix is None:
            prefix = self._sources[(code, filename)] = f"{self.source(code, filename)}#row="
        return f"{prefix}{row}"

    def graph(self, dataset: str, code: str, filename: str) -> str:
        """The named graph holding the records of one source file."""
        return f"{self.base}graph/{dataset}/{code}/{_segment(filename)}"

    def catalog_graph(self) -> str:
        """The named graph of everything shared: publishers, datasets, sources, 町字, the catalogue."""
        return f"{self.base}graph/catalog"


def catalog_graph_iri(base: str) -> str:
    """The named graph the catalogue is loaded into: ``{base}graph/catalog``."""
    return f"{base.rstrip('/')}/graph/catalog"


def scope_of(filename: str) -> str:
    """The part of a file name that qualifies record IDs: the name without its extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    return stem or filename
