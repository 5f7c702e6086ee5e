"""Vocabulary: the IMI core terms we use, the itsutsuboshi extension vocabulary, the JSON-LD context."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

FILES = ("imi-core.ttl", "itsutsuboshi.ttl", "context.jsonld")


def path(name: str) -> Traversable:
    """A bundled vocabulary file (see :data:`FILES`)."""
    if name not in FILES:
        raise KeyError(f"unknown vocabulary file {name!r}; known: {', '.join(FILES)}")
    return resources.files(__package__).joinpath(name)
