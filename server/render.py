"""The HTML view model: a description (pyoxigraph triples) turned into nested rows for the templates.

Templates only ever print strings from here with autoescaping on; ``href`` is set only for
http(s) IRIs, so a ``javascript:`` IRI in the data stays plain text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import pyoxigraph as ox
from markupsafe import Markup, escape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from itsutsuboshi import formats, vocab

from .describe import context

WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: datatypes not shown next to a value
PLAIN = frozenset({"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


@dataclass(frozen=True)
class Term:
    """A predicate or class: its IRI, Japanese and English labels and a compact name."""

    iri: str
    ja: str
    en: str
    curie: str
    href: str | None

    @cached_property
    def html(self) -> Markup:
        """The term as shown in a page (Japanese label, English under it), escaped; built once per term."""
        if self.ja:
            shown = f"{escape(self.ja)}<br><small>{escape(self.en)}</small>" if self.en and self.en != self.ja \
                else str(escape(self.ja))
        else:
            shown = str(escape(self.en or self.curie))
        return Markup(f'<span class="term" title="{escape(self.iri)}">{shown}</span>')


@dataclass
class Value:
    kind: str  # "iri", "literal" or "node"
    text: str = ""
    href: str | None = None
    label: str = ""
    lang: str = ""
    datatype: str = ""
    node: Node | None = None

    @property
    def html(self) -> Markup:
        """An IRI (a link only when http(s)) or a literal with its language or datatype, escaped."""
        if self.kind == "iri":
            shown = escape(self.label or self.text)
            out = f'<a href="{escape(self.href)}">{shown}</a>' if self.href else f'<span class="iri">{shown}</span>'
            if self.label:
                out += f"<br><small><code>{escape(self.text)}</code></small>"
            return Markup(out)
        out = f'<span class="literal">{escape(self.text)}</span>'
        if self.lang:
            out += f' <small class="lang">@{escape(self.lang)}</small>'
        elif self.datatype and self.datatype != "xsd:string":
            out += f' <small class="datatype">{escape(self.datatype)}</small>'
        return Markup(out)


@dataclass
class Row:
    predicate: Term
    values: list[Value] = field(default_factory=list)


@dataclass
class Node:
    iri: str
    types: list[Term]
    rows: list[Row]


def safe_href(iri: str) -> str | None:
    """Only http(s) IRIs become links."""
    return iri if iri.lower().startswith(("http://", "https://")) else None


@lru_cache(maxsize=8192)
def curie(iri: str) -> str:
    best = ""
    for prefix, ns in context()["@context"].items():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


@lru_cache(maxsize=1)
def vocabulary_labels() -> dict[str, tuple[str, str]]:
    """``{iri: (ja, en)}`` from the bundled IMI core and itsutsuboshi vocabularies (read on first use)."""
    g = Graph()
    for name in ("imi-core.ttl", "itsutsuboshi.ttl"):
        g.parse(data=vocab.path(name).read_text(encoding="utf-8"), format="turtle")
    labels: dict[str, dict[str, str]] = {}
    for s, o in g.subject_objects(RDFS.label):
        if isinstance(s, URIRef) and isinstance(o, Literal):
            labels.setdefault(str(s), {})[o.language or ""] = str(o)
    return {k: (v.get("ja", ""), v.get("en", v.get("", ""))) for k, v in labels.items()}


#: labels of common terms from outside the bundled vocabularies
COMMON_LABELS = {
    "http://www.w3.org/2000/01/rdf-schema#label": ("ラベル", "Label"),
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": ("関連", "See also"),
    "http://purl.org/dc/terms/isPartOf": ("データセット", "Part of"),
    "http://purl.org/dc/terms/title": ("タイトル", "Title"),
    "http://purl.org/dc/terms/publisher": ("公開者", "Publisher"),
    "http://purl.org/dc/terms/source": ("出典", "Source"),
    "http://purl.org/dc/terms/license": ("ライセンス", "License"),
    "http://purl.org/dc/terms/conformsTo": ("準拠", "Conforms to"),
    "http://www.w3.org/ns/prov#wasDerivedFrom": ("元データ", "Derived from"),
    "http://www.w3.org/2002/07/owl#sameAs": ("同一", "Same as"),
    "http://schema.org/name": ("名前", "Name"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#lat": ("緯度", "Latitude"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#long": ("経度", "Longitude"),
    "http://www.opengis.net/ont/geosparql#hasGeometry": ("形状", "Geometry"),
    "http://www.opengis.net/ont/geosparql#asWKT": ("WKT", "WKT"),
    "http://schema.org/dayOfWeek": ("曜日", "Day of week"),
    "http://schema.org/startDate": ("開始日", "Start date"),
    "http://schema.org/endDate": ("終了日", "End date"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("種類", "Type"),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#value": ("値", "Value"),
    **{f"http://purl.org/dc/terms/{name}": labels for name, labels in {
        "identifier": ("識別子", "Identifier"), "modified": ("最終更新日", "Modified"), "issued": ("公開日", "Issued"),
        "subject": ("主題", "Subject"), "spatial": ("対象地域", "Spatial coverage"), "description": ("説明", "Description"),
        "format": ("形式", "Format"), "accessRights": ("アクセス権", "Access rights"), "language": ("言語", "Language"),
        "type": ("種別", "Type"), "rights": ("権利", "Rights"), "isReferencedBy": ("参照元", "Referenced by"),
        "isReplacedBy": ("後継", "Replaced by"), "bibliographicCitation": ("引用の仕方", "Citation")}.items()},
    **{f"http://www.w3.org/ns/dcat#{name}": labels for name, labels in {
        "theme": ("分類", "Theme"), "keyword": ("キーワード", "Keyword"), "distribution": ("配布", "Distribution"),
        "mediaType": ("メディア型", "Media type"), "accessURL": ("アクセス URL", "Access URL"),
        "downloadURL": ("ダウンロード URL", "Download URL"), "landingPage": ("案内ページ", "Landing page"),
        "byteSize": ("サイズ (バイト)", "Byte size"), "compressFormat": ("圧縮形式", "Compression"),
        "accessService": ("提供サービス", "Access service"), "dataset": ("データセット", "Dataset"),
        "service": ("サービス", "Service"), "themeTaxonomy": ("分類体系", "Theme taxonomy"),
        "endpointURL": ("エンドポイント", "Endpoint URL"), "endpointDescription": ("エンドポイントの説明", "Endpoint description"),
        "servesDataset": ("提供するデータセット", "Serves dataset"), "Dataset": ("データセット", "Dataset"),
        "Distribution": ("配布", "Distribution"), "Catalog": ("目録", "Catalogue"),
        "DataService": ("データサービス", "Data service")}.items()},
    **{f"http://www.w3.org/2004/02/skos/core#{name}": labels for name, labels in {
        "prefLabel": ("名称", "Preferred label"), "altLabel": ("別名", "Alternative label"),
        "hiddenLabel": ("表記ゆれ", "Hidden label"), "notation": ("コード", "Notation"),
        "definition": ("定義", "Definition"), "scopeNote": ("適用範囲", "Scope note"),
        "broader": ("上位", "Broader"), "narrower": ("下位", "Narrower"), "inScheme": ("コードリスト", "In scheme"),
        "Concept": ("概念", "Concept"), "ConceptScheme": ("コードリスト", "Concept scheme")}.items()},
    **{f"{authority}{code}": labels for authority, codes in {
        "http://publications.europa.eu/resource/authority/file-type/": {  # the source CSV, and the formats written
            "CSV": ("CSV", "CSV"), **{f.eu: (f.label, f.label) for f in (*formats.RDF, formats.NQUADS, formats.HTML)
                                      if f.eu}},
        "http://publications.europa.eu/resource/authority/data-theme/": {
            "SOCI": ("人口・社会", "Population and society"), "HEAL": ("健康", "Health"),
            "GOVE": ("行政・公共部門", "Government and public sector"), "JUST": ("司法・安全", "Justice and public safety"),
            "EDUC": ("教育・文化・スポーツ", "Education, culture and sport"), "ENVI": ("環境", "Environment"),
            "ECON": ("経済・財政", "Economy and finance"), "TRAN": ("交通", "Transport"),
            "REGI": ("地域・都市", "Regions and cities"), "AGRI": ("農林水産", "Agriculture, fisheries, forestry"),
            "ENER": ("エネルギー", "Energy"), "TECH": ("科学技術", "Science and technology"),
            "INTR": ("国際", "International issues")},
        "http://publications.europa.eu/resource/authority/access-right/": {"PUBLIC": ("公開", "Public")},
        "http://publications.europa.eu/resource/authority/language/": {"JPN": ("日本語", "Japanese")},
    }.items() for code, labels in codes.items()},
    **{f"http://schema.org/{day}": labels for day, labels in {
        "Monday": ("月曜日", "Monday"), "Tuesday": ("火曜日", "Tuesday"), "Wednesday": ("水曜日", "Wednesday"),
        "Thursday": ("木曜日", "Thursday"), "Friday": ("金曜日", "Friday"), "Saturday": ("土曜日", "Saturday"),
        "Sunday": ("日曜日", "Sunday"), "PublicHolidays": ("祝日", "Public holidays")}.items()},
}


def known_label(iri: str) -> str:
    """The label the bundled vocabularies (or :data:`COMMON_LABELS`) give an IRI: 「金曜日 / Friday」 for
    schema:Friday, 「Turtle」 where both are the same; ``""`` for others."""
    found = term(iri)
    return " / ".join(x for x in dict.fromkeys((found.ja, found.en)) if x)


@lru_cache(maxsize=8192)
def term(iri: str) -> Term:
    ja, en = vocabulary_labels().get(iri) or COMMON_LABELS.get(iri, ("", ""))
    return Term(iri, ja, en, curie(iri), safe_href(iri))


Index = dict[ox.NamedNode | ox.BlankNode, list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]]


def index(triples: list[ox.Triple]) -> Index:
    """``{subject: [(predicate, object), …]}`` of a description."""
    out: Index = defaultdict(list)
    for t in triples:
        subject, obj = t.subject, t.object
        if not isinstance(subject, ox.Triple) and not isinstance(obj, ox.Triple):  # RDF-star: not in our data
            out[subject].append((t.predicate, obj))
    return out


def pick_label(graph: Index, subject: ox.NamedNode | ox.BlankNode) -> str:
    """The Japanese ``rdfs:label`` if any, else any label, else ``""``."""
    labels = [o for p, o in graph.get(subject, ()) if p.value == LABEL and isinstance(o, ox.Literal)]
    for lang in ("ja", None, "en"):
        for o in labels:
            if o.language == lang:
                return o.value
    return labels[0].value if labels else ""


def _sort_key(row: Row) -> tuple[int, str]:
    return (0 if row.predicate.iri == LABEL else 1, row.predicate.curie)


def build(graph: Index, subject: ox.NamedNode | ox.BlankNode, *, seen: frozenset = frozenset()) -> Node:
    """The subject and its blank nodes as nested :class:`Node` s (cycles cut)."""
    rows: dict[str, Row] = {}
    types = []
    for p, o in sorted(graph.get(subject, ()), key=lambda po: (po[0].value, str(po[1]))):
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            types.append(term(o.value))
            continue
        row = rows.setdefault(p.value, Row(term(p.value)))
        if isinstance(o, ox.BlankNode):
            if o in seen:
                continue
            row.values.append(Value("node", node=build(graph, o, seen=seen | {subject})))
        elif isinstance(o, ox.NamedNode):
            row.values.append(Value("iri", text=o.value, href=safe_href(o.value),
                                    label=pick_label(graph, o) or known_label(o.value)))
        else:
            datatype = o.datatype.value
            row.values.append(Value("literal", text=o.value, lang=o.language or "",
                                    datatype="" if datatype in PLAIN else curie(datatype)))
    iri = subject.value if isinstance(subject, ox.NamedNode) else ""
    return Node(iri, types, sorted(rows.values(), key=_sort_key))


def coordinates(graph: Index, subject: ox.NamedNode) -> tuple[float, float] | None:
    """``(lat, long)`` from ``wgs:lat`` / ``wgs:long`` of the subject, when both are numbers."""
    values = {p.value: o.value for p, o in graph.get(subject, ()) if isinstance(o, ox.Literal)}
    try:
        a, b = float(values[WGS + "lat"]), float(values[WGS + "long"])
    except (KeyError, ValueError):
        return None
    return (a, b) if -90 <= a <= 90 and -180 <= b <= 180 else None
