"""Roles: what a column's values do besides filling their path (docs/mappings.md, "Roles").

Each role is one small function, registered by the name mapping files give it (``role = "…"``), as the
normalisers are in :data:`.normalize.NORMALIZERS`: :data:`ROLES` for columns about the record,
:data:`PUBLISHER_ROLES` for ``on = "publisher"`` columns (about the publishing local government).
:func:`handler` picks a column's function once per file; the engine calls it with each cell's values.

A handler gets the row's :class:`RowState`, the target, the normalised values (never empty), the
normaliser's problem, the cell text and the column's header. It notes in the state what the steps after
the cells need (the ID, the coordinates, the labels, the publisher) and returns whether the values are
also written at the column's path, as an ordinary value is. A role acts on a column's first target; the
targets of ``also`` are ordinary values of the same subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from ..vocab.namespaces import IC, ITSU, SCHEMA, XSD
from .hours import Reading, read
from .model import IRI, Lit, Node
from .normalize import ALL_WEEK, CACHE_LIMIT, Problem, nfkc, weekday_iris
from .paths import Target

#: a coordinate as found: (degrees, target, cell, header, decimal text)
Coordinate = tuple[float, Target, str, str, str]


class RowState:
    """What the cells of one row have given so far: the record tree (``root``, its nodes by path key)
    and what the steps after the cells need."""

    __slots__ = ("root", "nodes", "code", "local_id", "lat", "lon", "names", "publisher_values", "hours",
                 "hour_notes")

    def __init__(self) -> None:
        self.root = Node()
        self.nodes: dict[str, Node] = {"": self.root}
        self.code: str | None = None  # the row's own 全国地方公共団体コード
        self.local_id: str | None = None
        self.lat: Coordinate | None = None
        self.lon: Coordinate | None = None
        self.names: list[Lit] = []  # the record's names, for rdfs:label and schema:name
        self.publisher_values: list[tuple[Target, Lit, bool]] = []  # (target, value, is the name)
        self.hours: tuple[Target, str] | None = None  # a schedule said to be all day: (its target, the days said)
        self.hour_notes: list[tuple[Target, Reading, str, str]] = []  # hours read from text: (target, cell, header)


Handler = Callable[[RowState, Target, list, Problem, str, str], bool]


def plain(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """An ordinary value: written at its path, nothing more."""
    return True


def publisher_code(state: RowState, target: Target, values: list, problem: Problem, cell: str,
                   header: str) -> bool:
    """全国地方公共団体コード: the row's local government (a code repaired by its check digit counts); the
    record links to the publisher's IRI at this path instead."""
    if problem is None or problem[0] == "lgcode.repaired":
        state.code = values[0].value
    return False


def record_id(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """The record's ID in its IRI; several ID columns (地域コード + 調査年月日) are joined with ``_``."""
    found = values[0].value
    state.local_id = found if state.local_id is None else f"{state.local_id}_{found}"
    return True


def record_name(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """The record's name: also its ``rdfs:label`` and ``schema:name``."""
    state.names.append(values[0])
    return True


def latitude(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """A latitude, written with the longitude once both are known (range-checked, swapped when reversed)."""
    state.lat = (float(values[0].value), target, cell, header, values[0].value)
    return False


def longitude(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """A longitude (see :func:`latitude`)."""
    state.lon = (float(values[0].value), target, cell, header, values[0].value)
    return False


def lat_lon(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """One cell holding ``"lat,lon"``."""
    if len(values) == 2:
        state.lat = (float(values[0].value), target, cell, header, values[0].value)
        state.lon = (float(values[1].value), target, cell, header, values[1].value)
    return False


def describe_publisher(state: RowState, target: Target, values: list, problem: Problem, cell: str,
                       header: str) -> bool:
    """A value about the publishing local government (its 住所 …), described once per file."""
    state.publisher_values += [(target, v, False) for v in values]
    return False


def name_publisher(state: RowState, target: Target, values: list, problem: Problem, cell: str,
                   header: str) -> bool:
    """地方公共団体名: labels the publisher when the shipped local-government list does not know its code."""
    state.publisher_values += [(target, v, True) for v in values]
    return False


#: "all day" in a schedule's text (after NFKC): 24時間, 24h, 全時間帯, 終日, 常時
_ALL_HOURS = re.compile(r"24\s*(?:時間|h\b|H\b|hours?)|全時間|終日|常時")
#: "every day": 全日, 毎日, 年中無休, 365日, 常時
_ALL_DAYS = re.compile(r"全日|毎日|年中無休|無休|365日|常時")
#: every day of the year, public holidays included
_WITH_HOLIDAYS = re.compile(r"年中無休|無休|365日")
#: words that restrict the days or hours (a schedule that says them is not simply "always")
_RESTRICTED = re.compile(r"[月火水木金土祝]|日曜|平日|休日|休館|休業|除|以外|開館|開園|開校|使用時|営業時間")


_CLAUSES = re.compile(r"[。;\n]")
#: what makes an all-day statement about part of the record: a number (a floor, a date), 階, …のもの
_QUALIFIED = re.compile(r"\d|階|のもの")


def opening_hours(state: RowState, target: Target, values: list, problem: Problem, cell: str, header: str) -> bool:
    """A schedule's days or its note: ``24時間``, ``全日・全時間帯使用可``, ``終日開放`` make the schedule all day;
    every day too when it says so (全日, 毎日, 年中無休) or is 24時間 with nothing restricting the days."""
    every_day = _all_day(cell)
    if every_day is not None:
        state.hours = (target, every_day)
    reading = read(cell)
    if reading.segments or reading.unread:
        state.hour_notes.append((target, reading, cell, header))
    return True


@lru_cache(maxsize=CACHE_LIMIT)
def _all_day(cell: str) -> str | None:
    """``None`` when ``cell`` does not say all day, else the days it says too (``""`` when it does not)."""
    text = nfkc(cell)
    found = _ALL_HOURS.search(text)
    if found is None:
        return None
    clause = next(c for c in _CLAUSES.split(text) if _ALL_HOURS.search(c))
    if _QUALIFIED.search(_ALL_HOURS.sub("", clause.replace("365日", ""))):
        return None  # 「４階と６階のものは終日利用可能」: all day for some of them, not the schedule
    # 終日 is all day on the days open; 24時間 with no restriction is around the clock, every day
    around_the_clock = found.group().startswith("24") and not _RESTRICTED.search(text)
    if _WITH_HOLIDAYS.search(text):
        return ALL_WEEK + "祝"  # open every day of the year, public holidays too
    return ALL_WEEK if _ALL_DAYS.search(text) or around_the_clock else ""


_START, _END, _DAYS_TEXT, _DAY_OF_WEEK = IC + "開始時間", IC + "終了時間", IC + "開催期日", SCHEMA + "dayOfWeek"
_ALL_DAY = ITSU + "allDay"


def apply_hours(nodes: dict[str, Node], target: Target, reading: Reading) -> None:
    """Hours read from a schedule's text (:mod:`.hours`): the schedule's own hours where it has none, and a
    further schedule on the same property for the days the text gives other hours, those days taken from the
    schedule's own (「日曜日は9:00～17:00」 on a 月～日 schedule leaves it 月～土)."""
    if not target.steps:
        return
    step = target.steps[-1]
    main = parent_node(nodes, target)
    for segment in reading.segments:
        given = {p for p, _ in main.props}
        main_days = next((o.value for p, o in main.props if p == _DAYS_TEXT and type(o) is Lit), "")
        if _START not in given and _END not in given and (not segment.days or not main_days
                                                          or segment.days == main_days):
            if segment.days and not main_days:
                _set_days(main, segment.days)
            _set_times(main, segment.start, segment.end)
            continue
        if not segment.days:
            continue  # the schedule's own hours, given already in their columns
        start = segment.start or next((o.value for p, o in main.props if p == _START and type(o) is Lit), None)
        other = Node(None, [step.cls] if step.cls else [],
                     [(p, constant(v)) for p, v in step.consts] if step.consts else [])
        _set_days(other, segment.days)
        _set_times(other, start, segment.end)
        nodes[step.parent].props.append((step.predicate, other))
        remaining = "".join(c for c in main_days if c not in segment.days)
        if remaining and remaining != main_days:
            _set_days(main, remaining)


def _set_days(node: Node, days: str) -> None:
    node.props[:] = [(p, o) for p, o in node.props if p not in (_DAYS_TEXT, _DAY_OF_WEEK)]
    node.props.append((_DAYS_TEXT, Lit(days)))
    node.props += [(_DAY_OF_WEEK, day) for day in weekday_iris(days)[0]]


def _set_times(node: Node, start: str | None, end: str) -> None:
    if start is not None:
        node.props.append((_START, Lit(start, XSD + "time")))
    node.props.append((_END, Lit(end, XSD + "time")))


def complete_schedule(nodes: dict[str, Node], target: Target, days: str) -> None:
    """An all-day schedule (the node ``target`` hangs on) gets its structure: ``itsu:allDay true``, 00:00–24:00
    where no times were given, and the days the text says (every day; with 祝 for 年中無休 and 365日) where no
    days were given."""
    node = parent_node(nodes, target)
    given = {p for p, _ in node.props}
    node.props.append((_ALL_DAY, Lit("true", XSD + "boolean")))
    if _START not in given and _END not in given:
        node.props += [(_START, Lit("00:00:00", XSD + "time")), (_END, Lit("24:00:00", XSD + "time"))]
    if days and _DAYS_TEXT not in given:
        node.props.append((_DAYS_TEXT, Lit(days)))
        node.props += [(_DAY_OF_WEEK, day) for day in weekday_iris(days)[0] if (_DAY_OF_WEEK, day) not in node.props]


#: roles of the columns about the record, by name ("" = no role)
ROLES: dict[str, Handler] = {
    "": plain,
    "publisher": publisher_code,
    "id": record_id,
    "name": record_name,
    "lat": latitude,
    "lon": longitude,
    "latlon": lat_lon,
    "hours": opening_hours,
}

#: roles of the ``on = "publisher"`` columns, by name ("" = no role)
PUBLISHER_ROLES: dict[str, Handler] = {
    "": describe_publisher,
    "name": name_publisher,
    "publisher": publisher_code,
}

#: the registries by the column's ``on``
SUBJECTS: dict[str, dict[str, Handler]] = {"record": ROLES, "publisher": PUBLISHER_ROLES}


def handler(role: str | None, on: str = "record", *, first: bool = True) -> Handler:
    """The function for a column's target: its role's for the first target, the subject's plain one for the
    targets of ``also``."""
    table = SUBJECTS[on]
    return table[role or ""] if first else table[""]


# -- building the record tree ------------------------------------------------------------------

def parent_node(nodes: dict[str, Node], target: Target) -> Node:
    """The node a target's leaf hangs on, creating the chain of blank nodes on first use."""
    node = nodes.get(target.parent)
    if node is not None:
        return node
    for step in target.steps:
        node = nodes.get(step.key)
        if node is None:
            node = Node(None, [step.cls] if step.cls else [],
                        [(p, constant(v)) for p, v in step.consts] if step.consts else [])
            nodes[step.parent].props.append((step.predicate, node))
            nodes[step.key] = node
    return node  # type: ignore[return-value]


def add_constants(node: Node, target: Target) -> None:
    """The ``with`` constants of a target, once per node."""
    for predicate, value in target.with_:
        if not any(p == predicate for p, _ in node.props):
            node.props.append((predicate, constant(value)))


def constant(value: object) -> Lit | IRI:
    """A constant of a mapping (``with``, ``{prop=value}``) as an RDF term."""
    if isinstance(value, bool):
        return Lit("true" if value else "false", XSD + "boolean")
    if isinstance(value, int):
        return Lit(str(value), XSD + "integer")
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return IRI(value)
    return Lit(str(value))
