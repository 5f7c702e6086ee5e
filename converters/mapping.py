"""Mappings are data: one TOML file per dataset says which column goes to which IMI path.

See docs/mappings.md for the format. This module loads and checks mapping files and keeps the
registry of the bundled ones (:func:`names`, :func:`get`); :mod:`.engine` runs them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from ..vocab import codes as code_lists
from ..vocab.namespaces import expand
from .normalize import NORMALIZERS
from .paths import MappingError, Step, Target, node_table, parse_path
from .paths import expand as expand_nodes
from .reader import header_key
from .roles import SUBJECTS

__all__ = ["DATA_THEMES", "ColumnSpec", "Mapping", "MappingError", "Step", "Target", "bundled", "generic", "get",
           "load_mapping", "names", "parse_mapping", "parse_path"]

_COLUMN_KEYS = {"name", "aliases", "path", "as", "role", "lang", "split", "with", "also", "required", "on", "codes",
                "concept", "blank_is_no", "variant_of", "breakdown_of"}
_TOP_KEYS = {"dataset", "number", "title", "description", "filename_slugs", "types", "key", "themes", "keywords",
             "headers", "nodes", "columns"}
#: the EU data themes a dataset may name in ``themes`` (publications.europa.eu authority table data-theme)
DATA_THEMES = frozenset({"AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "OP_DATPRO",
                         "REGI", "SOCI", "TECH", "TRAN"})


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    aliases: tuple[str, ...]
    targets: tuple[Target, ...]
    role: str | None = None
    required: bool = False
    on: str = "record"
    blank_is_no: str | None = None  # the group of yes/no columns whose blanks are a no where a file marks only yes
    variant_of: str | None = None  # the general yes/no property this flag is a finer variant of
    breakdown_of: str | None = None  # the column whose count this one breaks down (blank with it given: 秘匿)

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
    themes: tuple[str, ...] = ()  # EU data themes of the dataset (its catalogue entry)
    keywords: tuple[str, ...] = ()  # Japanese keywords of the dataset (its catalogue entry)
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
                found |= {code_lists.get(n).link_property for n in target.codes}
                if target.concept:
                    found.add(code_lists.get(target.concept.partition("/")[0]).link_property)
            if column.variant_of:
                found.add(column.variant_of)
        return found


def _target(entry: dict, nodes: dict[str, str], *, where: str) -> Target:
    if not isinstance(entry.get("path"), str):
        raise MappingError(f"{where}: every target needs a path")
    steps, leaf = parse_path(expand_nodes(entry["path"], nodes, where=where), where=where)
    normalizer = entry.get("as", "text")
    if normalizer not in NORMALIZERS:
        raise MappingError(f"{where}: unknown normaliser {normalizer!r}; known: {sorted(NORMALIZERS)}")
    with_ = tuple((expand(k), v) for k, v in entry.get("with", {}).items())
    lists, concept = _codes(entry, normalizer, where=where)
    return Target(steps, leaf, normalizer, entry.get("lang"), entry.get("split"), with_,
                  steps[-1].key if steps else "", lists, concept)


def _codes(entry: dict, normalizer: str, *, where: str) -> tuple[tuple[str, ...], str | None]:
    """The code lists a target's values name (``codes``), or the concept a yes names (``concept``)."""
    lists = entry.get("codes", ())
    lists = (lists,) if isinstance(lists, str) else tuple(lists)
    unknown = [n for n in lists if n not in code_lists.names()]
    if unknown or not all(isinstance(n, str) for n in lists):
        raise MappingError(f"{where}: unknown code lists {unknown}; known: {code_lists.names()}")
    concept = entry.get("concept")
    if concept is not None:
        if lists or normalizer != "flag":
            raise MappingError(f"{where}: concept is for a yes/no column (as = \"flag\") without codes")
        try:
            code_lists.reference(concept)
        except KeyError as exc:
            raise MappingError(f"{where}: {exc.args[0]}") from None
    return lists, concept


def _flag_keys(entry: dict, target: Target, *, where: str) -> tuple[str | None, str | None]:
    """``blank_is_no`` (a group name) and ``variant_of`` (a property written on the record) of a yes/no column."""
    group, general = entry.get("blank_is_no"), entry.get("variant_of")
    if group is None and general is None:
        return None, None
    if target.normalizer != "flag":
        raise MappingError(f"{where}: blank_is_no and variant_of are for yes/no columns (as = \"flag\")")
    if group is not None and (not isinstance(group, str) or not group.strip()):
        raise MappingError(f"{where}: blank_is_no names the group of yes/no columns the rule is decided for")
    if general is not None:
        if target.steps or entry.get("on", "record") != "record":
            raise MappingError(f"{where}: variant_of needs a flag written on the record itself")
        try:
            general = expand(general)
        except (KeyError, ValueError) as exc:
            raise MappingError(f"{where}: bad variant_of: {exc}") from exc
    return group, general


def _breakdown_of(entry: dict, *, where: str) -> str | None:
    """``breakdown_of``: the column (by its standard name) whose count this count column breaks down."""
    total = entry.get("breakdown_of")
    if total is None:
        return None
    if not isinstance(total, str) or not total.strip() or entry.get("as") not in ("integer", "count"):
        raise MappingError(f"{where}: breakdown_of names the total column a count column (as = \"integer\") "
                           "breaks down")
    return total.strip()


def _check_breakdowns(columns: list[ColumnSpec], source: str) -> None:
    """Every ``breakdown_of`` names another count column of the same mapping."""
    counts = {c.name for c in columns if c.targets[0].normalizer in ("integer", "count")}
    for column in columns:
        if column.breakdown_of is not None and (column.breakdown_of not in counts or column.breakdown_of == column.name):
            raise MappingError(f"{source}: column {column.name!r}: breakdown_of {column.breakdown_of!r} is not "
                               "another count column of the mapping")


def parse_mapping(data: dict, *, source: str) -> Mapping:
    """Check and build a :class:`Mapping` from parsed TOML ``data``."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError(f"{source}: unknown keys {sorted(unknown)}")
    nodes = node_table(data.get("nodes", {}), where=source)
    columns: list[ColumnSpec] = []
    by_key: dict[str, ColumnSpec] = {}
    for i, entry in enumerate(data.get("columns", [])):
        where = f"{source}: column {entry.get('name', i)!r}"
        bad = set(entry) - _COLUMN_KEYS
        if bad or "name" not in entry or "path" not in entry:
            raise MappingError(f"{where}: needs name and path; unknown keys {sorted(bad)}")
        on = entry.get("on", "record")
        if on not in SUBJECTS:
            raise MappingError(f"{where}: 'on' must be one of {sorted(SUBJECTS)}")
        role = entry.get("role")
        if role is not None and (not role or role not in SUBJECTS[on]):
            known = sorted(r for r in SUBJECTS[on] if r)
            raise MappingError(f"{where}: unknown role {role!r} for a column on the {on}; known: {known}")
        targets = [_target(entry, nodes, where=where)]
        targets += [_target({**extra}, nodes, where=where) for extra in entry.get("also", [])]
        spec = ColumnSpec(entry["name"], tuple(entry.get("aliases", ())), tuple(targets), role,
                          bool(entry.get("required", False)), on, *_flag_keys(entry, targets[0], where=where),
                          breakdown_of=_breakdown_of(entry, where=where))
        for k in spec.keys:
            if k in by_key:
                raise MappingError(f"{where}: header {k!r} already used by column {by_key[k].name!r}")
            by_key[k] = spec
        columns.append(spec)
    _check_breakdowns(columns, source)
    try:
        types = tuple(expand(t) for t in data.get("types", []))
    except (KeyError, ValueError) as exc:
        raise MappingError(f"{source}: bad type: {exc}") from exc
    key = tuple(data.get("key", ()))
    for name in key:
        if header_key(name) not in by_key:
            raise MappingError(f"{source}: key column {name!r} is not a mapped column")
    themes, keywords = _words(data, "themes", source), _words(data, "keywords", source)
    unknown_themes = sorted(set(themes) - DATA_THEMES)
    if unknown_themes:
        raise MappingError(f"{source}: unknown data themes {unknown_themes}; known: {sorted(DATA_THEMES)}")
    title = data.get("title", {})
    return Mapping(
        dataset=data["dataset"], number=int(data.get("number", 0)),
        title_ja=title.get("ja", data["dataset"]), title_en=title.get("en", data["dataset"]),
        types=types, key=key, columns=tuple(columns),
        headers={g: tuple(h) for g, h in data.get("headers", {}).items()},
        filename_slugs=tuple(data.get("filename_slugs", (data["dataset"],))),
        description=data.get("description", ""), source=source, themes=themes, keywords=keywords,
        _by_key=by_key,
    )


def _words(data: dict, key: str, source: str) -> tuple[str, ...]:
    """A top-level list of words (``themes``, ``keywords``)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise MappingError(f"{source}: {key} must be a list of words")
    return tuple(w.strip() for w in value)


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
