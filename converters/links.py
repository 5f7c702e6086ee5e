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
  representative point, marked with ``itsu:locationDerivedFrom``;
- **statistical area** (``itsu:area``, the area population counts are about): its name matched to a 町字 by
  the same matcher → ``itsu:town`` (the IRI addresses in that 町字 get) and the 町字's representative point;
  an area that is the whole municipality → its e-Stat area (``dcterms:spatial``);
- **organisations** (``ic:法人型`` / ``ic:組織型`` nodes: 運営者, 設置者, 管理者 …): one IRI per body,
  by 法人番号 or by normalised name within a municipality (:mod:`.organizations`).

The file's shared descriptions (:meth:`Linker.epilogue`) add the 町字, the organisations, and a label
(ja, en) for each e-Stat area linked to; local governments get their name and prefecture.

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
from .normalize import houjin_check_digit, houjin_valid, lgcode_check_digit
from .organizations import CLASSES as ORGANIZATIONS
from .organizations import Organizations

SAC = "http://data.e-stat.go.jp/lod/sac/C"
HOUJIN = "http://hojin-info.go.jp/data/basic/"
WDT_P429 = "http://www.wikidata.org/prop/direct/P429"
_ADDRESS, _CODE_NODE, _VALUE = IC + "住所型", IC + "コード型", IC + "識別値"
_SCHEME, _ID = IC + "体系", IC + "ID"
_CITY_CODE, _TOWN_CODE, _TEXT = IC + "市区町村コード", IC + "住所コード", IC + "表記"
_PARTS = (IC + "都道府県", IC + "市区町村", IC + "町名", IC + "番地")
_SPATIAL, _SAME_AS = DCTERMS + "spatial", OWL + "sameAs"
_NAME, _AREA, _MUNICIPALITY, _LABEL = IC + "名称", ITSU + "area", ITSU + "municipality", RDFS + "label"


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
        self._areas: set[str] = set()  # 団体コード whose e-Stat area a link names
        self._described: set[str] = set()  # local governments described by the file (link_organization)
        self.organizations = Organizations(iris)

    # -- records ---------------------------------------------------------------------------------

    def link(self, record: Node, row: int, *, code: str | None = None) -> list[Issue]:
        """Add the links of one record tree; the issues say what could not be linked."""
        issues: list[Issue] = []
        has_point = any(p == WGS + "lat" for p, _ in record.props)
        organizations: list[tuple[Node, Node]] = []
        for parent, node in _walk(record):
            if _ADDRESS in node.types:
                self._address(record, node, row, code or self.code, has_point, issues)
                has_point = has_point or any(p == WGS + "lat" for p, _ in record.props)
            elif IC + "ID型" in node.types and parent is not None and _text(node, _SCHEME) == "法人番号":
                self._houjin(parent, node, row, issues)
            elif parent is not None and any(t in ORGANIZATIONS for t in node.types):
                organizations.append((parent, node))
        for p, area in record.props:
            if p == _AREA and isinstance(area, Node) and area.iri is None:
                self._area(area, row, code or self.code, issues)
        if organizations:
            scope = self._municipality(record) or code or self.code
            for parent, node in organizations:
                self._organization(parent, node, scope)
        return issues

    def _municipality(self, record: Node) -> str | None:
        """The 団体コード of the municipality a row of a wide-area list names (``itsu:municipality``)."""
        iri = next((v for p, v in record.props if p == _MUNICIPALITY and isinstance(v, IRI)), None)
        parts = self.iris.parse(iri) if iri else None
        return parts.code if parts is not None and parts.kind == "organization" else None

    def _organization(self, parent: Node, node: Node, scope: str | None) -> None:
        """An organisation node becomes the IRI shared by every record that names the same body."""
        iri, outcome = self.organizations.resolve(node, scope)
        self.stats.counts[("organization", outcome)] += 1
        if iri is not None:
            parent.props = [(p, IRI(iri) if v is node else v) for p, v in parent.props]

    def _area(self, area: Node, row: int, code: str | None, issues: list[Issue]) -> None:
        """A statistical area named like a 町字 (``中国分3丁目``) is linked to it, as addresses are."""
        name = _text(_child(area, _NAME), _TEXT)
        if not name:
            self.stats.counts[("area", "empty")] += 1
            return
        found = match_address(name, lg_code=code)
        if found.level == "town" and found.town is not None and not found.rest:
            town_iri = self._town(found.town)
            area.add(ITSU + "town", IRI(town_iri))
            if found.town.lat is not None and found.town.lon is not None:
                area.props += _point(found.town, town_iri)
            self.stats.counts[("area", "town")] += 1
        elif found.level == "city" and found.lg_code and not found.rest:  # the whole municipality
            area.add(_SPATIAL, IRI(self._sac(found.lg_code)))
            self.stats.counts[("area", "municipality")] += 1
        elif found.reason == "no_master":
            self.stats.counts[("area", "no_master")] += 1
            issues.append(make_issue("link.no_town_master", file=self.filename, row=row, value=name))
        else:
            self.stats.counts[("area", "none")] += 1
            detail = f"{found.town.name} + {found.rest}" if found.town is not None else found.reason or "-"
            issues.append(make_issue("link.area_unmatched", file=self.filename, row=row, value=name, detail=detail))

    def _town(self, town: towns.Town) -> str:
        iri = self.iris.town(town.lg_code, town.machiaza_id)
        self._towns.setdefault(iri, town)
        return iri

    def _sac(self, code: str) -> str:
        self._areas.add(code)
        return sac_iri(code)

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
            address.add(_SPATIAL, IRI(self._sac(own_code)))
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
            address.add(_SPATIAL, IRI(self._sac(found.lg_code)))
        town = found.town
        if town is None:
            no_master = found.lg_code is not None and found.lg_code[:2] not in towns.prefectures()
            issues.append(make_issue("link.no_town_master" if no_master else "link.town_unmatched",
                                     file=self.filename, row=row, value=text, detail=found.reason))
            return
        town_iri = self._town(town)
        address.add(ITSU + "town", IRI(town_iri))
        if _child(address, _TOWN_CODE) is None:
            address.add(_TOWN_CODE, Node(None, [_CODE_NODE], [(_VALUE, Lit(town.machiaza_id))]))
        if not has_point and town.lat is not None and town.lon is not None:
            record.props += _point(town, town_iri)
            self.stats.counts[("coordinates", "filled")] += 1
            issues.append(make_issue("link.coordinates_filled", file=self.filename, row=row, detail=town.name))

    # -- file level ------------------------------------------------------------------------------

    def link_organization(self, org: Node, code: str, *, publisher: bool = True) -> None:
        """A local government (the publisher, or a municipality a wide-area list names): its 法人番号, the
        same legal person's 法人番号 IRI, its statistical area, P429, and its name and prefecture when the
        file did not give them. Only the publisher is counted."""
        kind = "municipality" if publisher else "municipality_named"
        lg = local_governments.by_code(code)
        if lg is None:  # not a current local government (or not one at all)
            self.stats.counts[(kind, "unknown")] += 1
            return
        self._government(org, lg)
        self.stats.counts[(kind, "linked")] += 1

    def _government(self, org: Node, lg: local_governments.LocalGovernment) -> None:
        self._described.add(lg.code)
        number = municipality_houjin(lg.code)
        org.add(_ID, Node(None, [IC + "ID型"], [(_SCHEME, Lit("法人番号")), (_VALUE, Lit(number))]))
        org.add(_SAME_AS, IRI(HOUJIN + number))
        org.add(_SPATIAL, IRI(self._sac(lg.code)))
        org.add(WDT_P429, Lit(lg.code))
        if _child(org, _NAME) is None:
            names: list[tuple[str, Object]] = [(_TEXT, Lit(lg.city + lg.ward or lg.pref))]
            if lg.kana:
                names.append((IC + "カナ表記", Lit(lg.kana)))
            org.add(_NAME, Node(None, [IC + "名称型"], names))
        address = _child(org, IC + "住所")
        if address is None:
            address = Node(None, [_ADDRESS])
            org.add(IC + "住所", address)
        if _text(address, _PARTS[0]) is None:
            address.add(_PARTS[0], Lit(lg.pref))
        if lg.city and _text(address, _PARTS[1]) is None:
            address.add(_PARTS[1], Lit(lg.city + lg.ward))

    def town_codes(self) -> set[str]:
        """The local governments of the 町字 the records link to (each 町字 ``dcterms:isPartOf`` one)."""
        return {town.lg_code for town in self._towns.values()}

    def epilogue(self) -> list[Node]:
        """The 町字 the records link to, described from the ABR master; the organisations the records name;
        the local governments among them the file does not describe otherwise; the e-Stat areas' labels."""
        out = []
        for code in sorted(self.organizations.local_governments - self._described):
            lg = local_governments.by_code(code)
            if lg is not None:
                org = Node(self.iris.organization(code), [IC + "組織型"], [
                    (_ID, Node(None, [IC + "ID型"], [(_SCHEME, Lit("全国地方公共団体コード")), (_VALUE, Lit(code))])),
                    *_labels(lg)])
                self._government(org, lg)
                out.append(org)
        out += self.organizations.describe()
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
                (_SPATIAL, IRI(self._sac(town.lg_code))),
                (DCTERMS + "isPartOf", IRI(self.iris.organization(town.lg_code))),
                (DCTERMS + "source", Lit(towns.ATTRIBUTION)),
            ])
            if town.lat is not None and town.lon is not None:
                node.props += [(WGS + "lat", Lit(f"{town.lat:.6f}", XSD + "decimal")),
                               (WGS + "long", Lit(f"{town.lon:.6f}", XSD + "decimal"))]
            out.append(node)
        for code in sorted(self._areas):  # the e-Stat area IRIs, labelled so that a query can show them
            lg = local_governments.by_code(code)
            if lg is not None:
                out.append(Node(sac_iri(code), [], _labels(lg, prefecture=True)))
        return out


def _labels(lg: local_governments.LocalGovernment, *, prefecture: bool = False) -> list[tuple[str, Object]]:
    """``rdfs:label`` in Japanese (``千葉県市川市``) and, where the registry romanises it, in English
    (``Ichikawa-shi``; with ``prefecture``, ``Ichikawa-shi, Chiba``)."""
    out: list[tuple[str, Object]] = [(_LABEL, Lit(lg.name, None, "ja"))]
    if lg.name_en:
        pref = local_governments.by_code(lg.code[:2] + "000" + lgcode_check_digit(lg.code[:2] + "000"))
        english = f"{lg.name_en}, {pref.name_en}" if prefecture and lg.city and pref and pref.name_en else lg.name_en
        out.append((_LABEL, Lit(english, None, "en")))
    return out


def _point(town: towns.Town, town_iri: str) -> list[tuple[str, Object]]:
    """The 町字's representative point, marked as taken from it."""
    lat, lon = f"{town.lat:.6f}", f"{town.lon:.6f}"
    return [(WGS + "lat", Lit(lat, XSD + "decimal")), (WGS + "long", Lit(lon, XSD + "decimal")),
            (GEO + "hasGeometry", Node(None, [GEO + "Geometry"], [
                (GEO + "asWKT", Lit(f"POINT({lon} {lat})", GEO + "wktLiteral"))])),
            (ITSU + "locationDerivedFrom", IRI(town_iri))]


def _walk(node: Node, parent: Node | None = None):
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
