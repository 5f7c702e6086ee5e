"""Stores (``load``): where published data lives, behind one small interface.

:class:`EmbeddedStore` is the default: pyoxigraph, on disk in a data folder (or in memory for
tests). :class:`RemoteStore` reaches a SPARQL server (Oxigraph server, Virtuoso, Fuseki …): queries
through SPARQLWrapper, data through the SPARQL 1.1 Graph Store HTTP Protocol. :meth:`Store.apply`
replaces or removes several named graphs so that readers never see half of one: on disk, all the
changes go live together as a new generation of the store (:mod:`.generations`); on a SPARQL server,
each graph is uploaded under a staging name that readers never query and then moved in place by one
update. :func:`open_store` picks a store from a folder path or an http(s) URL.
"""

from __future__ import annotations

from pathlib import Path

from itsutsuboshi.store.base import (
    DESCRIBE_DEPTH,
    DESCRIBE_LIMIT,
    STAGING,
    Dataset,
    QueryError,
    QueryTimeout,
    Store,
    StoreUnavailable,
    describe_query,
)
from itsutsuboshi.store.embedded import EmbeddedStore

__all__ = ["DESCRIBE_DEPTH", "DESCRIBE_LIMIT", "STAGING", "Dataset", "EmbeddedStore", "QueryError", "QueryTimeout", "Store",
           "StoreUnavailable", "describe_query", "open_store"]


def open_store(spec: str | Path | None, *, read_only: bool = False) -> Store:
    """An http(s) URL is a remote SPARQL endpoint (``http://user:password@host/sparql`` for a store
    that wants credentials to write, as Virtuoso does); anything else a folder for the embedded
    store (``None``: in memory), opened ``read_only`` by servers so that several processes share it."""
    if spec is None:
        return EmbeddedStore(None)
    text = str(spec)
    if text.startswith(("http://", "https://")):
        from itsutsuboshi.store.remote import RemoteStore

        return RemoteStore(text)
    return EmbeddedStore(text, read_only=read_only)
