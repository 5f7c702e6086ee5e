"""The Linked Data server (Flask app factory); it never imports the converters.

``create_app(config)`` reads ``STORE`` (a Store, or a folder / SPARQL URL for
:func:`itsutsuboshi.store.open_store`), ``BASE`` (the base the data was minted with) and
``PUBLIC_BASE`` (the base the site is served under, optional). With ``config=None`` they come
from the environment: ``ITSUTSUBOSHI_STORE``, ``ITSUTSUBOSHI_BASE``, ``ITSUTSUBOSHI_PUBLIC_BASE``
(for ``gunicorn 'itsutsuboshi.server:create_app()'``), and every setting of :data:`ENVIRONMENT` from
``ITSUTSUBOSHI_<NAME>`` (lists separated by spaces or commas).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from itsutsuboshi.iris import DEFAULT_BASE, IriBuilder
from itsutsuboshi.store import QueryError, StoreUnavailable, open_store

from .cache import FACTS_SIZE, DocumentCache
from .state import SiteState, SparqlSettings

#: settings read from ``ITSUTSUBOSHI_<NAME>`` when ``create_app()`` has no config, with their types
ENVIRONMENT: dict[str, type] = {"CACHE_SIZE": int, "CACHE_SECONDS": float, "MAP_TILES": str, "SPARQL_TIMEOUT": float,
                                "SPARQL_MAX_ROWS": int, "SPARQL_WORKERS": int, "SPARQL_SERVICE_ALLOWLIST": list,
                                "REPORTS": str, "SEARCH_INDEX": str}
#: the map tiles pages draw under their markers (``MAP_TILES``; empty: the markers on a blank map)
DEFAULT_MAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _with_slash(base: str) -> str:
    return base if base.endswith("/") else base + "/"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The WSGI application."""
    if config is None:
        config = {"STORE": os.environ.get("ITSUTSUBOSHI_STORE") or None,
                  "BASE": os.environ.get("ITSUTSUBOSHI_BASE") or DEFAULT_BASE,
                  "PUBLIC_BASE": os.environ.get("ITSUTSUBOSHI_PUBLIC_BASE") or None}
        for name, kind in ENVIRONMENT.items():
            value = os.environ.get(f"ITSUTSUBOSHI_{name}")
            if value is not None and (value or name == "MAP_TILES"):
                config[name] = value.replace(",", " ").split() if kind is list else kind(value)
    app = Flask(__name__)
    app.config.update({k: v for k, v in config.items() if k != "STORE"})
    app.config["BASE"] = _with_slash(app.config.get("BASE") or DEFAULT_BASE)
    public = app.config.get("PUBLIC_BASE")
    app.config["PUBLIC_BASE"] = _with_slash(public) if public else None
    app.config.setdefault("MAP_TILES", DEFAULT_MAP_TILES)
    app.config.setdefault("LAST_MODIFIED", datetime.now(UTC).replace(microsecond=0))
    store = config.get("STORE")
    if store is None or isinstance(store, str | os.PathLike):
        store = open_store(os.fspath(store) if store is not None else None, read_only=store is not None)  # the server never writes
    seconds = float(app.config.get("CACHE_SECONDS", 60))
    cache = DocumentCache(size=int(app.config.get("CACHE_SIZE", 2048)), seconds=seconds)
    facts = DocumentCache(size=FACTS_SIZE, seconds=seconds)
    SiteState(store, cache, IriBuilder(app.config["BASE"], public=app.config["PUBLIC_BASE"]),
              SparqlSettings.of(app.config), facts).install(app)

    from . import catalogue, codes, flat, near, pages, portal, reports, sparql

    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(catalogue.bp)
    app.register_blueprint(codes.bp)
    app.register_blueprint(near.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(flat.bp)
    app.jinja_env.globals["reports_folder"] = reports.reports_folder

    @app.before_request
    def follow_the_store():
        """A new publication went live (the embedded store's next generation): forget the pages built from
        the last one, and date documents from now on."""
        refresh = getattr(store, "refresh", None)
        if refresh is not None and refresh():
            cache.clear()
            facts.clear()
            app.config["LAST_MODIFIED"] = datetime.now(UTC).replace(microsecond=0)

    @app.after_request
    def cors(response):
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @app.errorhandler(StoreUnavailable)
    def unavailable(exc: StoreUnavailable):
        return pages.error_page(503, "ストアに接続できません / The store is unavailable", {"Retry-After": "30"})

    @app.errorhandler(QueryError)
    def query_failed(exc: QueryError):
        return pages.error_page(exc.status, "問い合わせに失敗しました / The query failed")

    return app
