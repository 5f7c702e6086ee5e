"""Mappings are data: one TOML file per dataset says which column goes to which IMI path.

See docs/mappings.md for the format. This module loads and checks mapping files and keeps the
registry of the bundled ones (:func:`names`, :func:`get`); :mod:`.engine` runs them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from ..vocab.namespaces import expand
from .normalize import NORMALIZERS
from .reader import header_key

ROLES = {"publisher", "id", "name", "lat", "lon", "latlon"}
SUBJECTS = {"record", "publisher"}
_COLUMN_KEYS = {"name", "aliases", "path", "as", "role", "lang", "split", "with", "also", "required", "on"}
_TOP_KEYS = {"dataset", "number", "title", "description", "filename_slugs", "types", "key", "headers", "columns"}


class MappingError(ValueError):
    """A mapping file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Step:
    """One hop of a path: the node reached by ``predicate`` from ``parent``, typed ``cls``,
    created with the constant statements ``consts`` (``{ic:役割=設置者}``)."""

    key: str
    parent: str
    predicate: str
    cls: str | None
    consts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Where a column's values go: intermediate steps, leaf predicate and normaliser."""

    steps: tuple[Step, ...]
    leaf: str
    normalizer: str
    lang: str | None = None
    split: str | None = None
    with_: tuple[tuple[str, object], ...] = ()
    parent: str = ""  # key of the node the leaf hangs on ("" = the record)


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    aliases: tuple[str, ...]
    targets: tuple[Target, ...]
    role: str | None = None
    required: bool = False
    on: str = "record"

    @property
    def keys(self) -> tuple[str, ...]:
        return _keys(self.name, self.aliases)


@cache
def _keys(name: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(header_key(n) for n in (name, *aliases)))


@dataclass(frozen=True)
class Mapping:
    dataset: str
    number: int
    title_ja: str
    title_en: str
    types: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    headers: dict[str, tuple[str, ...]]
    filename_slugs: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    _by_key: dict[str, ColumnSpec] = field(default_factory=dict, repr=False)

    def column_for(self, header: str) -> ColumnSpec | None:
        """The column spec a file header belongs to (by normalised name or alias)."""
        return self._by_key.get(header_key(header))

    @property
    def known_keys(self) -> frozenset[str]:
        return frozenset(self._by_key)

    def terms(self) -> set[str]:
        """Every class and property IRI the mapping writes (for vocabulary checks)."""
        found = set(self.types)
        for column in self.columns:
            for target in column.targets:
                for step in target.steps:
                    found |= {t for t in (step.predicate, step.cls) if t} | {k for k, _ in step.consts}
                found |= {target.leaf, *(k for k, _ in target.with_)}
        return found


_HOP = re.compile(r"^(?P<pred>[^@#{]+)(?:@(?P<cls>[^#{]+))?(?:#(?P<tag>[^{]+))?(?:\{(?P<consts>[^}]*)\})?$")


def parse_path(path: str, *, where: str) -> tuple[tuple[Step, ...], str]:
    """``ic:住所@ic:住所型/ic:表記`` → steps (with node keys) and the leaf predicate IRI.

    ``@Class`` types the node a hop creates; ``#n`` after it keeps otherwise equal hops apart;
    ``{prop=value;…}`` adds constant statements to the node (``ic:関与@ic:関与型{ic:役割=設置者}``).
    """
    parts = [p.strip() for p in path.split("/") if p.strip()]
    if not parts:
        raise MappingError(f"{where}: empty path")
    steps: list[Step] = []
    parent = ""
    try:
        for hop in parts[:-1]:
            m = _HOP.match(hop)
            if not m:
                raise ValueError(f"bad hop {hop!r}")
            consts = tuple((expand(k.strip()), v.strip()) for k, _, v in
                           (c.partition("=") for c in (m["consts"] or "").split(";") if c.strip()))
            key = f"{parent}/{hop}"
            steps.append(Step(key, parent, expand(m["pred"]), expand(m["cls"]) if m["cls"] else None, consts))
            parent = key
        leaf = expand(parts[-1])
    except (KeyError, ValueError) as exc:
        raise MappingError(f"{where}: bad term in path {path!r}: {exc}") from exc
    return tuple(steps), leaf


def _target(entry: dict, *, where: str) -> Target:
    steps, leaf = parse_path(entry["path"], where=where)
    normalizer = entry.get("as", "text")
    if normalizer not in NORMALIZERS:
        raise MappingError(f"{where}: unknown normaliser {normalizer!r}; known: {sorted(NORMALIZERS)}")
    with_ = tuple((expand(k), v) for k, v in entry.get("with", {}).items())
    return Target(steps, leaf, normalizer, entry.get("lang"), entry.get("split"), with_,
                  steps[-1].key if steps else "")


def parse_mapping(data: dict, *, source: str) -> Mapping:
    """Check and build a :class:`Mapping` from parsed TOML ``data``."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError(f"{source}: unknown keys {sorted(unknown)}")
    columns: list[ColumnSpec] = []
    by_key: dict[str, ColumnSpec] = {}
    for i, entry in enumerate(data.get("columns", [])):
        where = f"{source}: column {entry.get('name', i)!r}"
        bad = set(entry) - _COLUMN_KEYS
        if bad or "name" not in entry or "path" not in entry:
            raise MappingError(f"{where}: needs name and path; unknown keys {sorted(bad)}")
        role = entry.get("role")
        if role is not None and role not in ROLES:
            raise MappingError(f"{where}: unknown role {role!r}")
        on = entry.get("on", "record")
        if on not in SUBJECTS:
            raise MappingError(f"{where}: 'on' must be one of {sorted(SUBJECTS)}")
        targets = [_target(entry, where=where)]
        targets += [_target({**extra}, where=where) for extra in entry.get("also", [])]
        spec = ColumnSpec(entry["name"], tuple(entry.get("aliases", ())), tuple(targets), role,
                          bool(entry.get("required", False)), on)
        for k in spec.keys:
            if k in by_key:
                raise MappingError(f"{where}: header {k!r} already used by column {by_key[k].name!r}")
            by_key[k] = spec
        columns.append(spec)
    try:
        types = tuple(expand(t) for t in data.get("types", []))
    except (KeyError, ValueError) as exc:
        raise MappingError(f"{source}: bad type: {exc}") from exc
    key = tuple(data.get("key", ()))
    for name in key:
        if header_key(name) not in by_key:
            raise MappingError(f"{source}: key column {name!r} is not a mapped column")
    title = data.get("title", {})
    return Mapping(
        dataset=data["dataset"], number=int(data.get("number", 0)),
        title_ja=title.get("ja", data["dataset"]), title_en=title.get("en", data["dataset"]),
        types=types, key=key, columns=tuple(columns),
        headers={g: tuple(h) for g, h in data.get("headers", {}).items()},
        filename_slugs=tuple(data.get("filename_slugs", (data["dataset"],))),
        description=data.get("description", ""), source=source, _by_key=by_key,
    )


def load_mapping(path: str | Path) -> Mapping:
    """Load a user's mapping file (same format as the bundled ones)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: {exc}") from exc
    return parse_mapping(data, source=str(path))


@cache
def bundled() -> dict[str, Mapping]:
    """All bundled mappings by dataset name (read on first use, never at import)."""
    folder = resources.files(__package__).joinpath("mappings")
    found: dict[str, Mapping] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            mapping = parse_mapping(tomllib.loads(entry.read_text(encoding="utf-8")), source=entry.name)
            found[mapping.dataset] = mapping
    return dict(sorted(found.items(), key=lambda kv: kv[1].number))


@cache
def generic() -> Mapping:
    """The mapping of a table whose dataset is not recognised (``data/generic.toml``): never one of the
    bundled datasets."""
    text = resources.files(__package__).joinpath("data/generic.toml").read_text(encoding="utf-8")
    return parse_mapping(tomllib.loads(text), source="generic.toml")


def names() -> list[str]:
    return list(bundled())


def get(name: str) -> Mapping:
    """The bundled mapping ``name``; ``KeyError`` lists the known names."""
    try:
        return bundled()[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(names())}") from None
