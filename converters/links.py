"""Links to the national base registries (``link``), computed offline from the shipped tables.

:class:`Linker` adds to each record tree, in place and before it is written:

- **municipality** (the record's 所在地 and the publisher): the e-Stat statistical LOD standard
  area code ``http://data.e-stat.go.jp/lod/sac/C<5 digits>`` (``dcterms:spatial``); for the
  publisher also its own 法人番号 (check digit + ``000020`` + 団体コード) as an ``ic:ID``,
  ``owl:sameAs`` the 法人番号 IRI of the same legal person, and ``wdt:P429`` (the Wikidata
  property for the 団体コード, so federated queries join on it);
- **法人番号** columns: ``owl:sameAs <http://hojin-info.go.jp/data/basic/<13 digits>>`` on the
  corporation node, when the check digit is right;
- **address** (ic:住所型): matched to the ABR 町字 master → ``itsu:town <{base}id/town/{団体コード}/{町字ID}>``,
  ``itsu:addressMatchLevel`` (``town`` / ``city`` / ``prefecture``), the 町字ID and 団体コード when the
  row lacked them, and — only when the record has no coordinates of its own — the 町字's
  representative point, marked with ``itsu:locationDerivedFrom``.

Every row that cannot be linked gets an issue saying why; :class:`LinkStats` counts outcomes per kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..iris import IriBuilder
from ..vocab.namespaces import DCTERMS, GEO, IC, ITSU, OWL, RDFS, WGS, XSD
from . import local_governments, towns
from .addresses import AddressMatch, match_address
from .issues import Issue, make_issue
from .model import IRI, Lit, Node, Object
from .normalize import houjin_check_digit, houjin_valid

SAC = "http://data.e-stat.go.jp/lod/sac/C"
HOUJIN = "http://hojin-info.go.jp/data/basic/"
WDT_P429 = "http://www.wikidata.org/prop/direct/P429"
_ADDRESS, _CODE_NODE, _VALUE = IC + "住所型", IC + "コード型", IC + "識別値"
_SCHEME, _ID = IC + "体系", IC + "ID"
_CITY_CODE, _TOWN_CODE, _TEXT = IC + "市区町村コード", IC + "住所コード", IC + "表記"
_PARTS = (IC + "都道府県", IC + "市区町村", IC + "町名", IC + "番地")
_SPATIAL, _SAME_AS = DCTERMS + "spatial", OWL + "sameAs"


def sac_iri(code: str) -> str:
    """e-Stat standard area code IRI of a 6-digit 団体コード (the check digit dropped)."""
    return SAC + code[:5]


def municipality_houjin(code: str) -> str:
    """The 法人番号 of a local government: check digit + ``000020`` + its 6-digit 団体コード."""
    twelve = "000020" + code
    return houjin_check_digit(twelve) + twelve


@dataclass
class LinkStats:
    """Outcomes per kind of link: ``counts[(kind, outcome)]``."""

    counts: Counter = field(default_factory=Counter)

    def rate(self, kind: str, outcome: str) -> float:
        total = sum(n for (k, _), n in self.counts.items() if k == kind)
        return self.counts[(kind, outcome)] / total if total else 0.0

    def kinds(self) -> list[str]:
        return sorted({k for k, _ in self.counts})

    def merge(self, other: LinkStats) -> None:
        self.counts.update(other.counts)


class Linker:
    """Adds registry links to the records of one file."""

    def __init__(self, iris: IriBuilder, *, filename: str, code: str | None = None) -> None:
        self.iris = iris
        self.filename = filename
        self.code = code  # the file's publisher, the fallback for addresses without a city
        self.stats = LinkStats()
        self._towns: dict[str, towns.Town] = {}

    # -- records ---------------------------------------------------------------------------------

    def link(self, record: Node, row: int, *, code: str | None = None) -> list[Issue]:
        """Add the links of one record tree; the issues say what could not be linked."""
        issues: list[Issue] = []
        has_point = any(p == WGS + "lat" for p, _ in record.props)
        for parent, node in _walk(record):
            if _ADDRESS in node.types:
                self._address(record, node, row, code or self.code, has_point, issues)
                has_point = has_point or any(p == WGS + "lat" for p, _ in record.props)
            elif IC + "ID型" in node.types and parent is not None and _text(node, _SCHEME) == "法人番号":
                self._houjin(parent, node, row, issues)
        return issues

    def _houjin(self, owner: Node, id_node: Node, row: int, issues: list[Issue]) -> None:
        number = _text(id_node, _VALUE) or ""
        if houjin_valid(number):
            owner.add(_SAME_AS, IRI(HOUJIN + number))
            self.stats.counts[("houjin", "linked")] += 1
        else:  # reported when converting (houjin.invalid)
            self.stats.counts[("houjin", "invalid")] += 1

    def _address(self, record: Node, address: Node, row: int, code: str | None, has_point: bool,
                 issues: list[Issue]) -> None:
        code_node = _child(address, _CITY_CODE)
        own_code = _text(code_node, _VALUE) if code_node is not None else None
        text = _text(address, _TEXT) or "".join(_text(address, p) or "" for p in _PARTS)
        known = own_code is not None and bool(own_code) and local_governments.by_code(own_code) is not None
        hint = own_code if known else code
        if known and own_code:
            address.add(_SPATIAL, IRI(sac_iri(own_code)))
            self.stats.counts[("location_code", "linked")] += 1
        if not text:
            self.stats.counts[("address", "empty")] += 1
            return
        found: AddressMatch = match_address(text, lg_code=hint)
        self.stats.counts[("address", found.level or "none")] += 1
        if found.level is None:
            issues.append(make_issue("link.address_unmatched", file=self.filename, row=row, value=text,
                                     detail=found.reason or "no_city"))
            return
        address.add(ITSU + "addressMatchLevel", Lit(found.level))
        if found.lg_code and not own_code and found.level != "prefecture":
            address.add(_CITY_CODE, Node(None, [_CODE_NODE], [(_VALUE, Lit(found.lg_code))]))
            address.add(_SPATIAL, IRI(sac_iri(found.lg_code)))
        town = found.town
        if town is None:
            no_master = found.lg_code is not None and found.lg_code[:2] not in towns.prefectures()
            issues.append(make_issue("link.no_town_master" if no_master else "link.town_unmatched",
                                     file=self.filename, row=row, value=text, detail=found.reason))
            return
        town_iri = self.iris.town(town.lg_code, town.machiaza_id)
        self._towns.setdefault(town_iri, town)
        address.add(ITSU + "town", IRI(town_iri))
        if _child(address, _TOWN_CODE) is None:
            address.add(_TOWN_CODE, Node(None, [_CODE_NODE], [(_VALUE, Lit(town.machiaza_id))]))
        if not has_point and town.lat is not None and town.lon is not None:
            lat, lon = f"{town.lat:.6f}", f"{town.lon:.6f}"
            record.props += [(WGS + "lat", Lit(lat, XSD + "decimal")), (WGS + "long", Lit(lon, XSD + "decimal")),
                             (GEO + "hasGeometry", Node(None, [GEO + "Geometry"], [
                                 (GEO + "asWKT", Lit(f"POINT({lon} {lat})", GEO + "wktLiteral"))])),
                             (ITSU + "locationDerivedFrom", IRI(town_iri))]
            self.stats.counts[("coordinates", "filled")] += 1
            issues.append(make_issue("link.coordinates_filled", file=self.filename, row=row, detail=town.name))

    # -- file level ------------------------------------------------------------------------------

    def link_organization(self, org: Node, code: str, *, publisher: bool = True) -> None:
        """A local government (the publisher, or a municipality a wide-area list names): its 法人番号, the
        same legal person's 法人番号 IRI, its statistical area, P429. Only the publisher is counted."""
        kind = "municipality" if publisher else "municipality_named"
        if local_governments.by_code(code) is None:  # not a current local government (or not one at all)
            self.stats.counts[(kind, "unknown")] += 1
            return
        number = municipality_houjin(code)
        org.add(_ID, Node(None, [IC + "ID型"], [(_SCHEME, Lit("法人番号")), (_VALUE, Lit(number))]))
        org.add(_SAME_AS, IRI(HOUJIN + number))
        org.add(_SPATIAL, IRI(sac_iri(code)))
        org.add(WDT_P429, Lit(code))
        self.stats.counts[(kind, "linked")] += 1

    def town_codes(self) -> set[str]:
        """The local governments of the 町字 the records link to (each 町字 ``dcterms:isPartOf`` one)."""
        return {town.lg_code for town in self._towns.values()}

    def epilogue(self) -> list[Node]:
        """The 町字 the records link to, described from the ABR master."""
        out = []
        for iri, town in sorted(self._towns.items()):
            lg = local_governments.by_code(town.lg_code)
            label = (lg.name if lg else "") + town.name
            names: list[tuple[str, Object]] = [(_TEXT, Lit(town.name))]
            if town.oaza_cho_kana:
                names.append((IC + "カナ表記", Lit(town.oaza_cho_kana)))
            node = Node(iri, [ITSU + "Town"], [
                (RDFS + "label", Lit(label, None, "ja")),
                (IC + "名称", Node(None, [IC + "名称型"], names)),
                (_CITY_CODE, Node(None, [_CODE_NODE], [(_VALUE, Lit(town.lg_code))])),
                (_TOWN_CODE, Node(None, [_CODE_NODE], [(_VALUE, Lit(town.machiaza_id))])),
                (_SPATIAL, IRI(sac_iri(town.lg_code))),
                (DCTERMS + "isPartOf", IRI(self.iris.organization(town.lg_code))),
                (DCTERMS + "source", Lit(towns.ATTRIBUTION)),
            ])
            if town.lat is not None and town.lon is not None:
                node.props += [(WGS + "lat", Lit(f"{town.lat:.6f}", XSD + "decimal")),
                               (WGS + "long", Lit(f"{town.lon:.6f}", XSD + "decimal"))]
            out.append(node)
        return out


def _walk(node: Node, parent: Node | None = None):  # type: ignore[no-untyped-def]
    yield parent, node
    for _, value in list(node.props):
        if isinstance(value, Node) and value.iri is None:
            yield from _walk(value, node)


def _child(node: Node, predicate: str) -> Node | None:
    return next((v for p, v in node.props if p == predicate and isinstance(v, Node)), None)


def _text(node: Node | None, predicate: str) -> str | None:
    if node is None:
        return None
    return next((v.value for p, v in node.props if p == predicate and isinstance(v, Lit)), None)
