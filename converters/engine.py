"""The mapping engine (``to_rdf``): one CSV row in, one record tree and its issues out.

:class:`RowConverter` compiles a :class:`~.mapping.Mapping` against a file's header once, then
turns each :class:`~.reader.RawRow` into a :class:`~.model.Node` tree. It is pure: no I/O, and
its memory does not grow with the number of rows (duplicate IDs are found with :class:`~.seen.SeenIds`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ..iris import UNKNOWN_CODE, IriBuilder, fallback_id
from ..vocab.namespaces import DCAT, DCTERMS, GEO, IC, ITSU, PROV, RDF, RDFS, SCHEMA, WGS, XSD
from . import local_governments
from .claims import Claims, Minted, fingerprint
from .coding import CodeStats, compile_target
from .issues import Issue, make_issue
from .mapping import ColumnSpec, Mapping
from .model import IRI, Lit, Node
from .normalize import CACHE_LIMIT, NORMALIZERS, Normalizer
from .paths import Target
from .roles import Handler, RowState, add_constants, apply_hours, complete_schedule, handler, parent_node, plain
from .seen import SeenIds
from .suppression import breakdowns, describe, withheld

#: Cells that only say "nothing here": treated as blank (except in yes/no columns, where - means no).
PLACEHOLDERS = frozenset({"-", "－", "―", "ー", "—", "‐", "−", "ｰ", "*", "＊", "N/A", "n/a", "不明", "未定"})
LAT_RANGE = (20.0, 46.0)
LON_RANGE = (122.0, 154.0)
_LABEL = RDFS + "label"
_IC_LAT, _IC_LON = IC + "緯度", IC + "経度"
_IS_PART_OF, _DERIVED_FROM = DCTERMS + "isPartOf", PROV + "wasDerivedFrom"
_WGS_LAT, _WGS_LONG, _DECIMAL = WGS + "lat", WGS + "long", XSD + "decimal"
_HAS_GEOMETRY, _GEOMETRY, _AS_WKT, _WKT = GEO + "hasGeometry", GEO + "Geometry", GEO + "asWKT", GEO + "wktLiteral"
_SCHEMA_NAME = SCHEMA + "name"
_MUNICIPALITY = ITSU + "municipality"
#: what a blank cell of a mark-only yes/no column reads as (:mod:`.absences`)
_BLANK_NO = "無"
_TRUE = Lit("true", XSD + "boolean")
_FALSE = Lit("false", XSD + "boolean")
_NO = [_FALSE]


#: a target compiled for the hot loop: (target, normaliser, list splitter, shared leaf?, value cache, role handler)
_Compiled = tuple[Target, Normalizer, re.Pattern[str] | None, bool, dict, Handler]


@dataclass(slots=True)
class _Plan:
    """A column compiled against one file's header."""

    index: int
    header: str
    spec: ColumnSpec
    targets: tuple[_Compiled, ...]
    placeholders: bool  # '-' and the like count as blank


@dataclass
class _Publisher:
    code: str
    values: list[tuple[Target, Lit, bool]] = field(default_factory=list)  # (target, value, is the name)


class RowConverter:
    """Converts the rows of one file with one mapping; collects file-level nodes and issues.

    ``code`` is the file's publisher (:mod:`.publisher`; ``None``: the first code the rows give, and
    :data:`~.iri.UNKNOWN_CODE` for a publisher known to be unknown): record IRIs, the dataset and the
    source carry it; a row's own, different code says which municipality the record belongs to
    (``itsu:municipality``). ``source`` is the file's name in IRIs (default: ``filename``); with ``claims``,
    an ID another file already holds gets an IRI qualified by ``source`` (:mod:`.claims`)."""

    def __init__(self, mapping: Mapping, header: list[str], *, iris: IriBuilder, filename: str,
                 code: str | None = None, metadata: dict[str, str] | None = None, dedupe: bool = True,
                 source: str | None = None, claims: Claims | None = None,
                 blank_is_no: Collection[int] = ()) -> None:
        self.mapping = mapping
        self.iris = iris
        self.filename = filename
        self.source = source or filename
        self.claims = claims
        self.minted = Minted()
        self.default_code = code
        self.metadata = metadata or {}
        self.header = header
        self.file_issues: list[Issue] = []
        self.unmapped: list[tuple[int, str, str]] = []  # (index, header, property IRI)
        self.code_stats = CodeStats()  # values of code list columns and their matches
        self.blank_is_no = frozenset(blank_is_no)  # columns whose blank cells are a no (:mod:`.absences`)
        self.plans = self._compile(header)
        self._loop = [(p.index, p.header, p.placeholders, p.targets, p.index in self.blank_is_no)
                      for p in self.plans]  # the hot loop's view
        self._variants = self._general_flags()
        self._contradicted: set[str] = set()  # blank_is_no columns where a written no came late
        self._breakdowns = breakdowns(mapping, header)  # totals and the counts breaking them down (:mod:`.suppression`)
        self._seen = SeenIds() if dedupe else None
        self.last_key = ""  # publisher code + local ID of the last record (for parallel de-duplication)
        self._publishers: dict[str, _Publisher] = {}
        self._id_indexes = [p.index for p in self.plans if p.spec.role == "id"]
        self._id_header = next((p.header for p in self.plans if p.spec.role == "id"), "")
        self._key_indexes = [p.index for key in mapping.key for p in self.plans if p.spec.name == key]
        if not self._key_indexes:
            self._key_indexes = [p.index for p in self.plans if p.spec.role not in ("id", "publisher")]
        self.codes: set[str] = set()
        self._first_code: str | None = None
        self._datasets: dict[str, IRI] = {}
        self._orgs: dict[str, IRI] = {}  # the publisher's IRI, minted once
        self.last_code = ""  # the code of the last record's municipality (its own, else the publisher's)
        self._publisher_target = next((c.targets[0] for c in mapping.columns if c.role == "publisher"), None)

    def _compile(self, header: list[str]) -> list[_Plan]:
        """Each header column against the mapping: its normalisers and role handlers, resolved once; the
        columns the mapping does not know (custom properties) and the required ones missing are noted."""
        mapping, filename = self.mapping, self.filename
        plans: list[_Plan] = []
        for index, name in enumerate(header):
            spec = mapping.column_for(name)
            if spec is None:
                label = name or f"(列{index + 1})"
                self.unmapped.append((index, label, self.iris.column_property(mapping.dataset, label)))
                self.file_issues.append(make_issue("column.unmapped", file=filename, column=label))
                continue
            targets: tuple[_Compiled, ...] = tuple(self._target(spec, t, i) for i, t in enumerate(spec.targets))
            plans.append(_Plan(index, name, spec, targets, spec.targets[0].normalizer != "flag"))
        # two columns writing the same property of the same node must not give the same triple twice
        writers: dict[tuple[str, str], int] = {}
        for plan in plans:
            for target, *_ in plan.targets:
                writers[(target.parent, target.leaf)] = writers.get((target.parent, target.leaf), 0) + 1
        for plan in plans:
            plan.targets = tuple((t, fn, sp, writers[(t.parent, t.leaf)] > 1, cache, handle)
                                 for t, fn, sp, _, cache, handle in plan.targets)
        found = {plan.spec.name for plan in plans}
        missing = [c.name for c in mapping.columns if c.required and c.name not in found]
        if missing:
            self.file_issues.append(make_issue("column.missing_required", file=filename, detail="、".join(missing)))
        return plans

    def _general_flags(self) -> list[tuple[str, frozenset[str]]]:
        """The general yes/no properties to state from their variants (``variant_of``) in this file: those
        whose own column is absent (a file giving both keeps what it says)."""
        written = {t.leaf for p in self.plans for t, *_ in p.targets if not t.steps}
        variants: dict[str, set[str]] = {}
        for plan in self.plans:
            general = plan.spec.variant_of
            if general and general not in written:
                variants.setdefault(general, set()).add(plan.spec.targets[0].leaf)
        return [(general, frozenset(leaves)) for general, leaves in variants.items()]

    def _target(self, spec: ColumnSpec, target: Target, i: int) -> _Compiled:
        """A target's normaliser, list splitter and handler; a target naming concepts reads its cells with
        its code lists (:mod:`.coding`)."""
        fn, handle, splits = compile_target(target, NORMALIZERS[target.normalizer],
                                            handler(spec.role, spec.on, first=i == 0), header=spec.name,
                                            stats=self.code_stats)
        return target, fn, re.compile(target.split) if target.split and splits else None, False, {}, handle

    # -- state shared with parallel workers -----------------------------------------------------

    @property
    def file_code(self) -> str | None:
        """The code rows without one fall back to: the one given, else the first one seen."""
        return self.default_code or self._first_code

    def take_publishers(self) -> tuple[set[str], dict[str, _Publisher]]:
        """The codes and publisher descriptions gathered so far, handed over and forgotten."""
        taken = self.codes, self._publishers
        self.codes, self._publishers = set(), {}
        return taken

    def merge_publishers(self, codes: set[str], publishers: dict[str, _Publisher]) -> None:
        """Add what :meth:`take_publishers` gave in another process."""
        self.codes |= codes
        for code, found in publishers.items():
            mine = self._publishers.setdefault(code, found)
            if mine is not found:
                mine.values.extend(v for v in found.values if v not in mine.values)

    def repeated(self, digests: list[bytes | None]) -> set[int]:
        """Record a chunk's ID fingerprints in order; the positions that repeat an earlier ID (none without the check)."""
        return self._seen.repeats(digests) if self._seen is not None else set()

    # -- per row -------------------------------------------------------------------------------

    def convert(self, raw: list[str], row: int, *, duplicate: bool = False) -> tuple[Node, list[Issue]]:
        """Turn one row's cells into a record tree; problems become issues, never exceptions.

        ``duplicate`` marks the row as repeating an earlier ID (found elsewhere, when rows are
        converted in parallel without this converter's own duplicate check).
        """
        issues: list[Issue] = []
        state = RowState()
        root, nodes = state.root, state.nodes
        width = len(raw)
        suppressed = withheld(self._breakdowns, raw) if self._breakdowns else ()
        if suppressed:
            issues.append(make_issue("row.suppressed", file=self.filename, row=row,
                                     detail=describe(self.header, suppressed)))
        for index, header, placeholders, targets, blank_is_no in self._loop:
            if index >= width:
                continue
            cell = raw[index]
            if not cell or (placeholders and cell in PLACEHOLDERS):
                if not blank_is_no:
                    continue
                cell = _BLANK_NO
            elif suppressed and index in suppressed:
                continue  # a suppression mark (X, 秘匿): not published, said once for the row
            kept = reported = None  # a cell read by several targets is kept and reported once
            for target, fn, splitter, shared, cache, handle in targets:
                # normalised values are cached per column: real columns repeat (曜日, 時間, 有無, 市区町村名 …);
                # results are never modified, so records share them; the cache stops growing at a bound
                result = cache.get(cell)
                if result is None:
                    result = fn(cell) if splitter is None else _split_normalize(fn, splitter, cell)
                    if len(cache) < CACHE_LIMIT:
                        cache[cell] = result
                values, problem, lossy = result
                if blank_is_no and values == _NO and raw[index] and header not in self._contradicted:
                    # a "no" written out beyond the rows the convention was decided from: earlier blanks were
                    # read as no, which this file may not mean; said once per column
                    self._contradicted.add(header)
                    issues.append(make_issue("column.blank_is_no_late", file=self.filename, row=row, column=header,
                                             value=cell))
                if problem is not None and problem != reported:
                    reported = problem
                    issues.append(make_issue(problem[0], file=self.filename, row=row, column=header,
                                             value=cell, detail=problem[1]))
                if (lossy or not values) and kept is None:
                    kept = _keep_original(root, header, cell)
                if not values:
                    continue
                # the role notes what it needs; ordinary values (most) are written here, without a call
                if handle is plain or handle(state, target, values, problem, cell, header):
                    node = nodes.get(target.parent) or parent_node(nodes, target)
                    props, leaf, lang = node.props, target.leaf, target.lang
                    for found in values:
                        if lang and type(found) is Lit and found.datatype is None:
                            found = Lit(found.value, None, lang)
                        if not shared or (leaf, found) not in props:
                            props.append((leaf, found))
                    if target.with_:
                        add_constants(node, target)
        return self._finish(state, raw, row, issues, duplicate), issues

    def _finish(self, state: RowState, raw: list[str], row: int, issues: list[Issue], duplicate: bool) -> Node:
        """What follows the cells: custom columns, coordinates, publisher, the IRI, labels and provenance."""
        root = state.root
        if len(raw) > len(self.header) or self.unmapped:
            self._beyond_mapping(raw, root, issues, row)
        for target, reading, cell, header in state.hour_notes:
            apply_hours(state.nodes, target, reading)
            if reading.unread:
                issues.append(make_issue("hours.unread", file=self.filename, row=row, column=header, value=cell))
        if state.hours is not None:
            complete_schedule(state.nodes, *state.hours)
        for general, variants in self._variants:
            _general_flag(root, general, variants)
        if state.lat is not None or state.lon is not None:
            self._coordinates(root, state.nodes, state.lat, state.lon, issues, row)
        publisher = self._publisher(state)
        local_id, scope = self._identify(state.local_id, raw, publisher, issues, row, duplicate)
        root.iri = self.iris.record(self.mapping.dataset, publisher, local_id, scope=scope)
        root.types.extend(self.mapping.types)
        props = root.props
        for name in state.names:
            label = Lit(name.value, None, name.lang or "ja")
            props += [(_LABEL, label), (_SCHEMA_NAME, label)]
        dataset = self._datasets.get(publisher)
        if dataset is None:
            dataset = self._datasets[publisher] = IRI(self.iris.dataset(self.mapping.dataset, publisher))
        props += [(_IS_PART_OF, dataset),
                  (_DERIVED_FROM, IRI(self.iris.source_row(publisher, self.source, row)))]
        return root

    def _beyond_mapping(self, raw: list[str], root: Node, issues: list[Issue], row: int) -> None:
        """Cells the mapping does not place: custom columns, and cells beyond the header's width."""
        width = len(raw)
        if width > len(self.header):
            issues.append(make_issue("row.width", file=self.filename, row=row,
                                     detail=f"{width} > {len(self.header)}"))
            for i in range(len(self.header), width):
                if raw[i]:
                    _keep_original(root, f"(列{i + 1})", raw[i])
        for index, _label, prop in self.unmapped:
            if index < width and raw[index]:
                root.add(prop, Lit(raw[index]))

    def _publisher(self, state: RowState) -> str:
        """The file's publisher (given, or the first code seen), linked from the record; a row's own other
        code is its municipality. Notes what ``on = "publisher"`` columns said about the row's government."""
        code = state.code
        if self._first_code is None and code is not None:
            self._first_code = code
        publisher = self.default_code or self._first_code or UNKNOWN_CODE
        if publisher != UNKNOWN_CODE:
            self.codes.add(publisher)
            target = self._publisher_target
            if target is not None:
                org = self._orgs.get(publisher)
                if org is None:
                    org = self._orgs[publisher] = IRI(self.iris.organization(publisher))
                parent = parent_node(state.nodes, target)
                if (target.leaf, org) not in parent.props:
                    parent.add(target.leaf, org)
        if code is not None and code != publisher:
            self.codes.add(code)
            state.root.add(_MUNICIPALITY, IRI(self.iris.organization(code)))
        self.last_code = code or publisher
        if state.publisher_values:
            described = self._publishers.setdefault(self.last_code, _Publisher(self.last_code))
            for item in state.publisher_values:
                if item not in described.values:
                    described.values.append(item)
        return publisher

    def _identify(self, local_id: str | None, raw: list[str], publisher: str, issues: list[Issue], row: int,
                  duplicate: bool) -> tuple[str, str | None]:
        """The record's local ID (its own, else the content hash; suffixed when it repeats) and the scope
        that qualifies it when another file holds the same ID."""
        width = len(raw)
        if local_id is not None and any(i >= width or not raw[i] for i in self._id_indexes):
            local_id = None  # an ID made of several columns is only an ID when all of them are filled
        if local_id is None:
            local_id = fallback_id([raw[i] if i < width else "" for i in self._key_indexes])
            issues.append(make_issue("id.missing", file=self.filename, row=row, column=self._id_header,
                                     detail=local_id))
        self.last_key = f"{publisher}\x1f{local_id}"
        if duplicate or (self._seen is not None and self._seen.add(self.last_key)):
            suffix = f"-r{row}"
            issues.append(make_issue("id.duplicate", file=self.filename, row=row, value=local_id, detail=suffix))
            local_id += suffix
        if self.claims is None:
            return local_id, None
        holder = self.claims.holder(local_id)
        if holder is None:
            self.minted.plain.append(fingerprint(local_id))
            return local_id, None
        # another file of this dataset and publisher holds the ID (or this file qualified it before)
        self.minted.qualified.append(fingerprint(local_id))
        issues.append(make_issue("id.collision", file=self.filename, row=row, column=self._id_header,
                                 value=local_id, detail=holder or "以前の公開 / an earlier publication"))
        return local_id, self.source

    def _coordinates(self, root: Node, nodes: dict[str, Node], lat, lon, issues: list[Issue], row: int) -> None:
        if lat is None or lon is None:
            only = lat or lon
            issues.append(make_issue("coord.incomplete", file=self.filename, row=row, column=only[3],
                                     value=only[2]))
            _keep_original(root, only[3], only[2])
            return
        la, lo = lat[0], lon[0]
        slat, slon = lat[4], lon[4]
        in_range = LAT_RANGE[0] <= la <= LAT_RANGE[1] and LON_RANGE[0] <= lo <= LON_RANGE[1]
        if not in_range and LAT_RANGE[0] <= lo <= LAT_RANGE[1] and LON_RANGE[0] <= la <= LON_RANGE[1]:
            la, lo, slat, slon = lo, la, slon, slat
            issues.append(make_issue("coord.swapped", file=self.filename, row=row, value=f"{lat[2]}, {lon[2]}"))
        elif not in_range:
            issues.append(make_issue("coord.out_of_range", file=self.filename, row=row,
                                     value=f"{lat[2]}, {lon[2]}", detail=f"{la}, {lo}"))
            _keep_original(root, "緯度・経度", f"{lat[2]}, {lon[2]}")
            return
        (nodes.get(lat[1].parent) or parent_node(nodes, lat[1])).props += [(_IC_LAT, Lit(slat)), (_IC_LON, Lit(slon))]
        root.props += [(_WGS_LAT, Lit(slat, _DECIMAL)), (_WGS_LONG, Lit(slon, _DECIMAL)),
                       (_HAS_GEOMETRY, Node(None, [_GEOMETRY], [(_AS_WKT, Lit(f"POINT({slon} {slat})", _WKT))]))]

    # -- per file ------------------------------------------------------------------------------

    def preamble(self) -> list[Node]:
        """Declarations written before the rows: properties for the file's custom columns."""
        return [Node(iri=prop, types=[RDF + "Property"], props=[
            (_LABEL, Lit(label, None, "ja")),
            (RDFS + "subPropertyOf", IRI(ITSU + "customColumn")),
            (RDFS + "comment", Lit(f"{self.mapping.title_ja} の独自項目「{label}」({self.filename})", None, "ja")),
        ]) for _, label, prop in self.unmapped]

    @property
    def publisher(self) -> str:
        """The file's publisher as the rows were converted (:data:`~.iri.UNKNOWN_CODE` when unknown)."""
        return self.default_code or self._first_code or UNKNOWN_CODE

    def epilogue(self) -> list[Node]:
        """Nodes written after the rows: the local governments the records name (the publisher and the
        municipalities of a wide-area list), the dataset, and its source file."""
        out: list[Node] = []
        for code in sorted(self.codes):
            org = Node(iri=self.iris.organization(code), types=[IC + "組織型"])
            if code != UNKNOWN_CODE:
                org.add(IC + "ID", Node(types=[IC + "ID型"], props=[
                    (IC + "体系", Lit("全国地方公共団体コード")), (IC + "識別値", Lit(code))]))
            nodes: dict[str, Node] = {"": org}
            given = self._publishers.get(code)
            known = local_governments.by_code(code)
            for target, value, is_name in (given.values if given else []):
                parent = parent_node(nodes, target)
                parent.add(target.leaf, value)
                add_constants(parent, target)
                if known is None and is_name:  # the shipped list has the official name otherwise
                    org.add(_LABEL, Lit(value.value, None, "ja"))
            if known is not None:
                org.add(_LABEL, Lit(known.name, None, "ja"))
                if known.name_en:
                    org.add(_LABEL, Lit(known.name_en, None, "en"))
            out.append(org)
        publisher = self.publisher
        source = IRI(self.iris.source(publisher, self.source))
        dataset = Node(iri=self.iris.dataset(self.mapping.dataset, publisher), types=[DCAT + "Dataset"], props=[
            (DCTERMS + "title", Lit(self.mapping.title_ja, None, "ja")),
            (DCTERMS + "title", Lit(self.mapping.title_en, None, "en")),
            (DCTERMS + "conformsTo", IRI(ITSU + "dataset/" + self.mapping.dataset)),
            (DCTERMS + "source", source),
        ])
        if publisher != UNKNOWN_CODE:
            dataset.add(DCTERMS + "publisher", IRI(self.iris.organization(publisher)))
        licence_iri = self.metadata.get("license", "")
        if licence_iri.startswith(("http://", "https://")):
            dataset.add(DCTERMS + "license", IRI(licence_iri))
        out.append(dataset)
        described = Node(iri=source, types=[ITSU + "SourceFile"], props=[(_LABEL, Lit(self.source))])
        meta = {k.strip().lower(): v.strip() for k, v in self.metadata.items()}
        title = next((meta[k] for k in ("title", "タイトル", "データ名", "dataset") if meta.get(k)), "")
        described.add(DCTERMS + "title", Lit(title or self.source))
        for key in ("download_from", "url", "source", "出典"):  # LinkData: where the file was published
            if meta.get(key, "").startswith(("http://", "https://")):
                described.add(RDFS + "seeAlso", IRI(meta[key]))
                break
        out.append(described)
        return out


def _general_flag(root: Node, general: str, variants: frozenset[str]) -> None:
    """A general flag from its variants: yes when any is yes, no when every variant says no."""
    said = {p: o for p, o in root.props if p in variants and type(o) is Lit}
    if any(o == _TRUE for o in said.values()):
        root.props.append((general, _TRUE))
    elif len(said) == len(variants) and all(o == _FALSE for o in said.values()):
        root.props.append((general, _FALSE))


def _split_normalize(fn: Normalizer, splitter: re.Pattern[str], cell: str):
    """Normalise each part of a list cell (``内科;外科``); the first problem is reported."""
    values: list = []
    problem = None
    lossy = False
    for part in splitter.split(cell):
        part = part.strip()
        if part:
            v, p, lo = fn(part)
            values += v
            problem = problem or p
            lossy = lossy or lo
    return values, problem, lossy


def _keep_original(root: Node, column: str, text: str) -> Node:
    """Nothing lost: the cell's original text, when normalising could not keep all of it."""
    kept = Node(types=[ITSU + "SourceCell"], props=[(ITSU + "column", Lit(column)), (RDF + "value", Lit(text))])
    root.add(ITSU + "sourceCell", kept)
    return kept
