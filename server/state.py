"""What the server keeps for its life: one :class:`SiteState` per app, made by ``create_app`` and fetched
with :func:`site_state` by every blueprint."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from itsutsuboshi.iris import IriBuilder
from itsutsuboshi.store import Store

from .cache import DocumentCache

_KEY = "itsutsuboshi"
#: the SPARQL endpoint's settings when the config gives none
SPARQL_DEFAULTS: dict[str, Any] = {"SPARQL_TIMEOUT": 10, "SPARQL_MAX_ROWS": 10000, "SPARQL_SERVICE_ALLOWLIST": [],
                                   "SPARQL_WORKERS": 4}


@dataclass
class SparqlSettings:
    """The SPARQL endpoint's settings, read from the app's config when asked (an operator or a test may
    change them while the app runs), and the slots of the queries running at once."""

    config: Any  # the app's config
    slots: threading.BoundedSemaphore

    @classmethod
    def of(cls, config: Any) -> SparqlSettings:
        workers = config.get("SPARQL_WORKERS", SPARQL_DEFAULTS["SPARQL_WORKERS"])
        return cls(config, threading.BoundedSemaphore(int(workers)))

    @property
    def timeout(self) -> float:
        """Wall-clock seconds for each query."""
        return float(self.config.get("SPARQL_TIMEOUT", SPARQL_DEFAULTS["SPARQL_TIMEOUT"]))

    @property
    def max_rows(self) -> int:
        """The row cap of the outermost query."""
        return int(self.config.get("SPARQL_MAX_ROWS", SPARQL_DEFAULTS["SPARQL_MAX_ROWS"]))

    @property
    def allowlist(self) -> list[str]:
        """The endpoints ``SERVICE`` may call."""
        return list(self.config.get("SPARQL_SERVICE_ALLOWLIST", SPARQL_DEFAULTS["SPARQL_SERVICE_ALLOWLIST"]) or [])


@dataclass
class SiteState:
    """The store served, the page cache, the IRI scheme of the data's base (showing IRIs under the public
    base), the SPARQL settings, the facts pages share, and the sizes of the dumps served last (for ``HEAD``)."""

    store: Store
    cache: DocumentCache
    iris: IriBuilder
    sparql: SparqlSettings
    #: facts many pages share (a dataset's licence and publisher, the labels of linked resources), kept for
    #: ``CACHE_SECONDS`` whatever ``CACHE_SIZE`` says and forgotten with the pages when the data changes
    facts: DocumentCache = field(default_factory=lambda: DocumentCache(size=0, seconds=0))
    #: (dump name, store generation) → (bytes, ETag, when measured)
    dump_sizes: dict[tuple[str, Any], tuple[int, str, float]] = field(default_factory=dict)

    def install(self, app: Flask) -> None:
        app.extensions[_KEY] = self


def site_state(app: Flask | None = None) -> SiteState:
    """The state of ``app`` (default: the app handling the request)."""
    state = (app or current_app).extensions[_KEY]
    assert isinstance(state, SiteState)
    return state
