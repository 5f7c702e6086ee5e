"""The DCAT catalogue of everything published: ``{base}id/catalog`` (docs/catalogue.md).

:func:`build_catalogue` reads any :class:`~itsutsuboshi.store.Store` by SPARQL (JSON results) and
returns a ``dcat:Catalog`` as an rdflib graph: its publishers, the SPARQL endpoint as a
``dcat:DataService``, every published dataset ``{base}id/{dataset}/{code}`` with a distribution per
dump and per served format (``…/distribution/{name}``), and the entries of the municipality's own
オープンデータ一覧: merged into the published dataset they describe, or datasets of their own.
:func:`load_catalogue` puts it into the store as ``{base}graph/catalog``; :func:`write_catalogue`
writes files for harvesting. The catalogue graph itself is never read, so building is idempotent.
No Flask and no converters here: the server imports :func:`dump_bytes`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from . import formats
from .store import EmbeddedStore, Store

IC = Namespace("http://imi.go.jp/ns/core/rdf#")
ITSU = Namespace("https://w3id.org/itsutsuboshi/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
SAC = "http://data.e-stat.go.jp/lod/sac/C"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3
PREFIXES = {"dcat": str(DCAT), "dcterms": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD), "adms": str(ADMS),
            "skos": str(SKOS), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "ic": str(IC), "itsu": str(ITSU)}

#: licence keys accepted by ``licence=`` (and recognised in オープンデータ一覧 text) → licence IRI
LICENCES = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-2.1-jp": "https://creativecommons.org/licenses/by/2.1/jp/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "pdl-1.0": "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
}
_LICENCE_NAMES = {"cc0": "cc0-1.0", "クリエイティブコモンズ表示4.0": "cc-by-4.0", "表示4.0": "cc-by-4.0",
                  "公共データ利用規約第1.0版": "pdl-1.0", "公共データ利用規約1.0": "pdl-1.0"}
#: update frequency words (substrings) → EU frequency code, first match wins
FREQUENCIES = (("毎日 日次 daily", "DAILY"), ("毎週 週次 週1 weekly", "WEEKLY"), ("毎月 月次 月1 monthly", "MONTHLY"),
               ("四半期 3か月 3ヶ月 quarterly", "QUARTERLY"), ("半年 年2回", "ANNUAL_2"),
               ("毎年 年次 年1 年度 annual yearly", "ANNUAL"), ("随時 不定期 適宜 irregular", "IRREG"),
               ("更新なし 更新予定なし never", "NEVER"))
LANGUAGES = {"日本語": "JPN", "ja": "JPN", "jpn": "JPN", "japanese": "JPN", "英語": "ENG", "en": "ENG", "eng": "ENG"}
#: file format words and extensions → (IANA media type or "", EU file type)
FILE_TYPES = {
    "csv": ("text/csv", "CSV"), "tsv": ("text/tab-separated-values", "TSV"), "pdf": ("application/pdf", "PDF"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "xls": ("application/vnd.ms-excel", "XLS"), "json": ("application/json", "JSON"),
    "geojson": ("application/geo+json", "GEOJSON"), "xml": ("application/xml", "XML"), "zip": ("application/zip", "ZIP"),
    "html": ("text/html", "HTML"), "kml": ("application/vnd.google-earth.kml+xml", "KML"), "shp": ("", "SHP"),
    "txt": ("text/plain", "TXT"), "ttl": ("text/turtle", "RDF_TURTLE"), "rdf": ("application/rdf+xml", "RDF_XML"),
    "jsonld": ("application/ld+json", "JSON_LD"), "nt": ("application/n-triples", "RDF_N_TRIPLES"),
}
_EU_FORMAT = {"turtle": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD", "rdfxml": "RDF_XML"}
#: dataset kind → (EU data themes, Japanese keywords)
KINDS = {
    "aed": ("HEAL", "AED 救命 医療"), "care_service": ("HEAL SOCI", "介護 福祉"),
    "cultural_property": ("EDUC", "文化財 文化"), "evacuation_space": ("JUST", "防災 避難"),
    "event": ("EDUC", "イベント"), "fire_hydrant": ("JUST", "消防 防災"), "hospital": ("HEAL", "医療 病院"),
    "open_data_list": ("GOVE", "オープンデータ"), "population": ("SOCI", "人口 統計"),
    "preschool": ("EDUC SOCI", "子育て 保育"), "public_facility": ("GOVE", "公共施設"),
    "public_toilet": ("REGI", "公衆トイレ"), "public_wireless_lan": ("TECH", "公衆無線LAN Wi-Fi"),
    "tourism": ("ECON", "観光"),
}
_PUBLISHED = re.compile(r"^id/(?P<kind>[a-z_]{1,40})/(?P<code>\d{6})$")
_DUMPABLE = re.compile(r"^graph/(?P<name>[a-z_]{1,40}/\d{6})$")
_STANDARD_FILE = re.compile(r"^(?P<code>\d{5,6})_(?:\d{3}_)?(?P<kind>[a-z][a-z_]*)\.[a-z0-9]+$")
_UNSAFE = re.compile(r"[<>\"{}|^`\\\s]")

Term = URIRef | Literal | BNode
Nodes = dict[Term, dict[URIRef, set[Term]]]


def catalog_iri(base: str) -> str:
    return f"{base}id/catalog"


def catalog_graph_iri(base: str) -> str:
    """The named graph the catalogue is loaded into: ``{base}graph/catalog``."""
    return f"{base.rstrip('/')}/graph/catalog"


def licence_iri(text: str) -> str | None:
    """A licence IRI from a URL, a key of :data:`LICENCES` or a common name (``CC BY 4.0``); else ``None``."""
    text = text.strip()
    if re.match(r"^https?://\S+$", text):
        return text
    key = re.sub(r"[\s\-_・()（）]|国際|international|ライセンス|licen[cs]e", "", unicodedata.normalize("NFKC", text).lower())
    by_key = {re.sub(r"-", "", k): k for k in LICENCES}
    found = by_key.get(key) or _LICENCE_NAMES.get(key)
    return LICENCES[found] if found else None


def dump_bytes(store: Store, graph: str | None, *, ext: str, base: str, public: str | None = None) -> bytes:
    """A dump exactly as ``/dumps/`` serves it: ``nt.gz`` (gzip, mtime 0) or ``ttl``, IRIs moved to ``public``."""
    text = store.dump(graph, format="turtle" if ext == "ttl" else "nt").decode("utf-8")
    if public and public != base:
        text = text.replace(base, public)
    data = text.encode("utf-8")
    return data if ext == "ttl" else gzip.compress(data, mtime=0)


# --- reading ----------------------------------------------------------------------------------


def _term(cell: dict[str, str]) -> Term:
    if cell["type"] == "uri":
        return URIRef(cell["value"])
    if cell["type"] == "bnode":
        return BNode(cell["value"])
    lang = cell.get("xml:lang")
    return Literal(cell["value"], lang=lang, datatype=None if lang else cell.get("datatype"))


def _read(store: Store, where: str, skip_graph: str) -> tuple[Nodes, dict[Term, set[str]]]:
    """Subjects matched by ``where`` (binding ?s) with their values, blank nodes followed three levels,
    and the graphs they are in; the catalogue's own graph is left out."""
    query = (f"SELECT ?g ?s ?p ?o ?p2 ?o2 ?p3 ?o3 WHERE {{ GRAPH ?g {{ {where} ?s ?p ?o "
             "OPTIONAL { ?o ?p2 ?o2 FILTER(isBlank(?o)) OPTIONAL { ?o2 ?p3 ?o3 FILTER(isBlank(?o2)) } } } "
             f"FILTER(?g != <{skip_graph}>) }}")
    body, _ = store.query(query)
    nodes: Nodes = defaultdict(lambda: defaultdict(set))
    graphs: dict[Term, set[str]] = defaultdict(set)
    for row in json.loads(body)["results"]["bindings"]:
        t = {k: _term(v) for k, v in row.items()}
        graphs[t["s"]].add(str(t["g"]))
        for s, p, o in (("s", "p", "o"), ("o", "p2", "o2"), ("o2", "p3", "o3")):
            if p in t:
                nodes[t[s]][t[p]].add(t[o])  # type: ignore[index]
    return nodes, graphs


def _sorted(values: set[Term]) -> list[Term]:
    return sorted(values, key=lambda t: (type(t).__name__, str(t), getattr(t, "language", None) or ""))


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).removesuffix("一覧")


def _url(term: Term) -> URIRef | None:
    """An http(s) URL from an IRI or an ``xsd:anyURI``/plain literal, when it is safe as an IRI."""
    text = str(term).strip()
    return URIRef(text) if re.match(r"^https?://[^/\s]+", text) and not _UNSAFE.search(text) else None


@dataclass
class _Listed:
    """One dataset of the オープンデータ一覧: its entries (one per file row, same データセット_ID)."""

    iri: URIRef
    members: list[URIRef]
    publisher: Term | None
    urls: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)


# --- building ---------------------------------------------------------------------------------


class _Builder:
    def __init__(self, base: str, nodes: Nodes, licence: URIRef | None) -> None:
        self.base, self.nodes, self.licence = base, nodes, licence
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.catalog = URIRef(catalog_iri(base))
        self.service = URIRef(f"{base}id/catalog/sparql")

    def values(self, s: Term, p: URIRef) -> list[Term]:
        return _sorted(self.nodes.get(s, {}).get(p, set()))

    def first(self, s: Term, p: URIRef) -> Term | None:
        found = self.values(s, p)
        return found[0] if found else None

    def add(self, s: Term, p: URIRef, *objects: Term | None) -> None:
        for o in objects:
            if o is not None:
                self.g.add((s, p, o))

    def typed(self, iri: str, cls: URIRef, label: str | None = None) -> URIRef:
        node = URIRef(iri)
        self.add(node, RDF.type, cls)
        if label:
            self.add(node, RDFS.label, Literal(label))
        return node

    def ja(self, term: Term | None) -> Literal | None:
        """A Japanese literal from a plain one (the list's cells are untagged)."""
        if not isinstance(term, Literal) or not str(term).strip():
            return None
        return term if term.language else Literal(str(term).strip(), lang="ja")

    def name(self, org: Term | None, lang: str = "ja") -> str:
        labels = [str(v) for v in self.values(org, RDFS.label) if getattr(v, "language", None) == lang] if org else []
        return max(labels, key=len, default="")

    # -- publishers ----------------------------------------------------------------------------

    def publisher(self, org: Term) -> None:
        self.add(org, RDF.type, FOAF.Agent)
        self.add(org, DCTERMS.type, URIRef("http://purl.org/adms/publishertype/LocalAuthority"))
        for label in self.values(org, RDFS.label):
            self.add(org, FOAF.name, label)
        for node in self.values(org, IC["ID"]):
            scheme, value = self.first(node, IC["体系"]), self.first(node, IC["識別値"])
            if str(scheme) == "全国地方公共団体コード":
                self.add(org, DCTERMS.identifier, value)
            elif str(scheme) == "法人番号" and value is not None:
                ident = BNode()
                self.add(org, ADMS.identifier, ident)
                self.add(ident, RDF.type, ADMS.Identifier)
                self.add(ident, SKOS.notation, value)
                self.add(ident, DCTERMS.title, Literal("法人番号", lang="ja"), Literal("Corporate Number", lang="en"))
                self.add(ident, ADMS.schemaAgency, Literal("国税庁", lang="ja"))
        self.add(org, OWL.sameAs, *self.values(org, OWL.sameAs))
        for area in self.areas(org):
            self.add(org, DCTERMS.spatial, area)

    def areas(self, org: Term | None) -> list[URIRef]:
        found = [v for v in self.values(org, DCTERMS.spatial) if str(v).startswith(SAC)] if org else []
        for area in found:
            self.add(area, RDF.type, DCTERMS.Location)
        return found  # type: ignore[return-value]

    # -- datasets ------------------------------------------------------------------------------

    def dataset(self, d: URIRef, org: Term | None, keywords: str = "", themes: str = "") -> None:
        self.add(self.catalog, DCAT.dataset, d)
        self.add(d, RDF.type, DCAT.Dataset)
        self.add(d, DCTERMS.publisher, org)
        self.add(d, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC"))
        for area in self.areas(org):
            self.add(d, DCTERMS.spatial, area)
        for word in keywords.split():
            self.add(d, DCAT.keyword, Literal(word, lang="ja"))
        for theme in themes.split():
            self.add(d, DCAT.theme, self.typed(EU + "data-theme/" + theme, SKOS.Concept))

    def published(self, d: URIRef, kind: str, code: str, dump: str | None, listed: _Listed | None,
                  sizes: dict[str, int]) -> None:
        org = self.first(d, DCTERMS.publisher)
        themes, keywords = KINDS.get(kind, ("", ""))
        self.dataset(d, org, keywords + " 自治体標準オープンデータセット", themes)
        self.add(self.service, DCAT.servesDataset, d)
        titles = self.values(d, DCTERMS.title)
        title_ja = next((t for t in titles if getattr(t, "language", None) in ("ja", None)), None)
        title_en = next((t for t in titles if getattr(t, "language", None) == "en"), None)
        self.add(d, DCTERMS.identifier, Literal(str(d)))
        self.add(d, DCTERMS.conformsTo, *self.values(d, DCTERMS.conformsTo))
        self.add(d, DCAT.landingPage, URIRef(f"{self.base}doc/{kind}/{code}"))
        description = None
        licences: list[URIRef] = [v for v in self.values(d, DCTERMS.license) if isinstance(v, URIRef)]
        if listed is not None:
            own_title, description, entry_licences = self.listed_details(d, listed)
            title_ja = own_title or title_ja
            licences = licences or entry_licences
            self.add(d, DCTERMS.isReferencedBy, *listed.members)
        licences = licences or ([self.licence] if self.licence else [])
        who, who_en = self.name(org), self.name(org, "en") or self.name(org)
        self.add(d, DCTERMS.title, self.ja(title_ja), title_en)
        self.add(d, RDFS.label, self.ja(title_ja), title_en)
        self.add(d, DCTERMS.description, description or Literal(
            f"{who}の「{title_ja}」を共通語彙基盤（IMI コア語彙）の Linked Open Data として公開したもの。", lang="ja"))
        if title_en is not None and description is None:
            self.add(d, DCTERMS.description, Literal(
                f"{title_en} of {who_en}, published as Linked Open Data with the IMI core vocabulary.", lang="en"))
        for licence in licences:
            self.add(d, DCTERMS.license, self.typed(str(licence), DCTERMS.LicenseDocument))
        self.served(d, kind, code, dump, licences, sizes)

    def served(self, d: URIRef, kind: str, code: str, dump: str | None, licences: list[URIRef],
               sizes: dict[str, int]) -> None:
        """The dumps (when the dataset's graph is one ``/dumps/`` serves), the dataset document in
        every served format, and the SPARQL endpoint."""
        rows: list[tuple[str, str, str, str, str, str]] = []
        if dump:
            rows += [("dump-nt-gz", f"dumps/{dump}.nt.gz", "application/n-triples", "RDF_N_TRIPLES",
                      "一括ダウンロード (N-Triples, gzip)", "Data dump (N-Triples, gzip)"),
                     ("dump-ttl", f"dumps/{dump}.ttl", "text/turtle", "RDF_TURTLE",
                      "一括ダウンロード (Turtle)", "Data dump (Turtle)")]
        for f in (formats.Format("html", "text/html", ".html", "HTML"), *formats.all_formats()):
            rows.append((f"doc-{f.extension[1:]}", f"doc/{kind}/{code}{f.extension}", f.media_type,
                         _EU_FORMAT.get(f.name, "HTML"), f"データセットのページ ({f.label})", f"Dataset page ({f.label})"))
        for name, path, media, file_type, ja, en in rows:
            dist = URIRef(f"{d}/distribution/{name}")
            url = URIRef(self.base + path)
            self.distribution(d, dist, ja, en, access=url, download=url if name.startswith("dump") else None)
            self.add(dist, DCAT.mediaType, self.typed(IANA + media, DCTERMS.MediaType))
            self.add(dist, DCTERMS.format, self.typed(EU + "file-type/" + file_type, DCTERMS.MediaTypeOrExtent))
            self.add(dist, DCTERMS.license, *licences)
            if name == "dump-nt-gz":
                self.add(dist, DCAT.compressFormat, self.typed(IANA + "application/gzip", DCTERMS.MediaType))
            if path in sizes:
                self.add(dist, DCAT.byteSize, Literal(sizes[path], datatype=XSD.nonNegativeInteger))
        dist = URIRef(f"{d}/distribution/sparql")
        self.distribution(d, dist, "SPARQL エンドポイント", "SPARQL endpoint", access=URIRef(f"{self.base}sparql"))
        self.add(dist, DCAT.accessService, self.service)
        self.add(dist, DCTERMS.conformsTo, SPARQL_PROTOCOL)
        self.add(dist, DCTERMS.license, *licences)

    def distribution(self, d: URIRef, dist: URIRef, ja: str | None, en: str | None, *, access: URIRef,
                     download: URIRef | None = None) -> None:
        self.add(d, DCAT.distribution, dist)
        self.add(dist, RDF.type, DCAT.Distribution)
        for text, lang in ((ja, "ja"), (en, "en")):
            if text:
                self.add(dist, DCTERMS.title, Literal(text, lang=lang))
                self.add(dist, RDFS.label, Literal(text, lang=lang))
        self.add(dist, DCAT.accessURL, access)
        self.add(dist, DCAT.downloadURL, download)

    # -- the オープンデータ一覧 ---------------------------------------------------------------------

    def listed(self, group: _Listed) -> None:
        """A dataset that is only in the list: the entry itself, with its files as distributions."""
        d = group.iri
        org = group.publisher
        self.dataset(d, org)
        title, description, _ = self.listed_details(d, group, fallback=True)
        self.add(d, DCTERMS.title, title)
        self.add(d, DCTERMS.identifier, *self.values(d, DCTERMS.identifier))
        self.add(d, DCTERMS.description, description or (Literal(
            f"{self.name(org)}のオープンデータ一覧に載るデータセット「{title}」。", lang="ja") if title else None))

    def listed_details(self, d: URIRef, group: _Listed, *,
                       fallback: bool = False) -> tuple[Literal | None, Literal | None, list[URIRef]]:
        """What the list says about a dataset, added to ``d``; returns its title, description and licences."""
        title = description = None
        licences: list[URIRef] = []
        pages: list[URIRef] = []
        files = 0
        for e in group.members:
            title = title or self.ja(self.first(e, DCTERMS.title))
            description = description or self.ja(self.first(e, DCTERMS.description))
            for word in (*self.values(e, DCAT.keyword), *self.values(e, DCTERMS.subject)):
                self.add(d, DCAT.keyword, self.ja(word))
            for p in (DCTERMS.issued, DCTERMS.modified, DCAT_VERSION):
                self.add(d, p, *self.values(e, p))
            for text in self.values(e, ITSU.updateFrequency):
                self.add(d, ITSU.updateFrequency, text)
                self.add(d, DCTERMS.accrualPeriodicity, _frequency(str(text)))
            for text in self.values(e, DCTERMS.language):
                for code in _languages(str(text)):
                    self.add(d, DCTERMS.language, self.typed(EU + "language/" + code, DCTERMS.LinguisticSystem))
            pages += [u for u in map(_url, self.values(e, DCAT.landingPage)) if u is not None]
            for contact in self.values(e, DCAT.contactPoint):
                self.contact(d, contact, group.publisher)
            for node in self.values(e, DCAT.distribution):
                files += self.listed_file(d, group.iri, node, licences)
        self.add(d, DCAT.landingPage, *pages)
        if fallback and not files and pages:
            page = pages[0]
            dist = URIRef(f"{group.iri}/distribution/x-{_hash(str(page))}")
            self.distribution(d, dist, "データセットのページ", "Dataset page", access=page)
            self.add(dist, DCAT.mediaType, self.typed(IANA + "text/html", DCTERMS.MediaType))
            self.add(dist, DCTERMS.format, self.typed(EU + "file-type/HTML", DCTERMS.MediaTypeOrExtent))
            self.add(dist, DCTERMS.license, self.licence)
        return title, description, sorted(set(licences))

    def listed_file(self, d: URIRef, owner: URIRef, node: Term, licences: list[URIRef]) -> int:
        """One file row of the list as a distribution ``{entry}/distribution/x-{hash of its URL}``."""
        access, download = _url(self.first(node, DCAT.accessURL) or ""), _url(self.first(node, DCAT.downloadURL) or "")
        if access is None and download is None:
            return 0
        dist = URIRef(f"{owner}/distribution/x-{_hash(str(download or access))}")
        title = self.first(node, DCTERMS.title)
        self.distribution(d, dist, str(title) if title else None, None, access=access or download,  # type: ignore[arg-type]
                          download=download)
        self.add(dist, DCTERMS.description, self.ja(self.first(node, DCTERMS.description)))
        self.add(dist, DCTERMS.issued, *self.values(node, DCTERMS.issued))
        self.add(dist, DCTERMS.modified, *self.values(node, DCTERMS.modified))
        words = [str(v) for v in self.values(node, DCTERMS.format)]
        suffix = urlsplit(str(download or access)).path.rsplit(".", 1)[-1].lower()
        for word in words or ([suffix] if suffix in FILE_TYPES else []):
            media, file_type = FILE_TYPES.get(_norm(word).lower().replace("-", ""), ("", ""))
            if file_type:
                self.add(dist, DCTERMS.format, self.typed(EU + "file-type/" + file_type, DCTERMS.MediaTypeOrExtent))
            else:
                self.add(dist, DCTERMS.format, Literal(word))
            if media and len(words) <= 1:
                self.add(dist, DCAT.mediaType, self.typed(IANA + media, DCTERMS.MediaType))
        stated = [str(v) for v in self.values(node, DCTERMS.license)]
        for text in stated:
            iri = licence_iri(text)
            if iri is None:
                self.add(dist, DCTERMS.license, doc := BNode())
                self.add(doc, RDF.type, DCTERMS.LicenseDocument)
                self.add(doc, RDFS.label, Literal(text, lang="ja"))
            else:
                licences.append(URIRef(iri))
                self.add(dist, DCTERMS.license, self.typed(iri, DCTERMS.LicenseDocument))
        if not stated:
            self.add(dist, DCTERMS.license, self.licence)
        for rights in self.values(node, DCTERMS.rights):
            self.add(dist, DCTERMS.rights, statement := BNode())
            self.add(statement, RDF.type, DCTERMS.RightsStatement)
            self.add(statement, RDFS.label, self.ja(rights))
        return 1

    def contact(self, d: URIRef, node: Term, org: Term | None) -> None:
        """The list's 連絡先 (ic:連絡先型) as a vCard."""
        names = [str(v) for n in self.values(node, IC["名称"]) for v in self.values(n, IC["表記"])]
        mail = self.first(node, IC["Eメールアドレス"])
        phone, ext = self.first(node, IC["電話番号"]), self.first(node, IC["内線番号"])
        form = _url(self.first(node, ITSU.contactForm) or "")
        if not (names or mail or phone or form):
            return
        card = BNode()
        self.add(d, DCAT.contactPoint, card)
        self.add(card, RDF.type, VCARD.Organization)
        self.add(card, VCARD.fn, Literal((names or [self.name(org)])[0], lang="ja"))
        if mail is not None and re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", str(mail)):
            self.add(card, VCARD.hasEmail, URIRef(f"mailto:{mail}"))
        digits = re.sub(r"[()\s]", "-", str(phone or "")).strip("-")
        if re.fullmatch(r"0[\d-]{8,14}", digits):
            tel = "tel:+81-" + re.sub(r"-+", "-", digits[1:]) + (f";ext={ext}" if ext and str(ext).isdigit() else "")
            self.add(card, VCARD.hasTelephone, URIRef(tel))
        self.add(card, VCARD.hasURL, form)

    # -- the catalogue and its service ---------------------------------------------------------

    def head(self, publishers: list[Term], *, title_ja: str | None, issued: date | None, modified: date) -> None:
        cat, svc, base = self.catalog, self.service, self.base
        one = publishers[0] if len(publishers) == 1 else None
        who, who_en = self.name(one), self.name(one, "en") or self.name(one)
        ja = title_ja or (f"{who}オープンデータカタログ" if who else "オープンデータカタログ")
        en = f"Open data catalogue of {who_en}" if who_en else "Open data catalogue"
        self.add(cat, RDF.type, DCAT.Catalog)
        self.add(cat, DCTERMS.title, Literal(ja, lang="ja"), Literal(en, lang="en"))
        self.add(cat, RDFS.label, Literal(ja, lang="ja"), Literal(en, lang="en"))
        self.add(cat, DCTERMS.description, Literal(
            "Linked Open Data として公開しているデータセットと、自治体のオープンデータ一覧に載るデータセットの目録。", lang="ja"),
            Literal("The datasets published here as Linked Open Data and those in the municipality's own open data "
                    "list.", lang="en"))
        self.add(cat, DCTERMS.publisher, *publishers)
        self.add(cat, DCTERMS.issued, Literal(issued, datatype=XSD.date) if issued else None)
        self.add(cat, DCTERMS.modified, Literal(modified, datatype=XSD.date))
        self.add(cat, FOAF.homepage, URIRef(base))
        self.add(cat, DCTERMS.language, self.typed(EU + "language/JPN", DCTERMS.LinguisticSystem))
        self.add(cat, DCAT.themeTaxonomy, self.typed(EU + "data-theme", SKOS.ConceptScheme))
        self.add(cat, DCTERMS.license, self.licence)
        for org in publishers:
            self.add(cat, DCTERMS.spatial, *self.areas(org))
        self.add(cat, DCAT.service, svc)
        self.add(svc, RDF.type, DCAT.DataService)
        self.add(svc, DCTERMS.title, Literal("SPARQL エンドポイント", lang="ja"), Literal("SPARQL endpoint", lang="en"))
        self.add(svc, RDFS.label, Literal("SPARQL エンドポイント", lang="ja"), Literal("SPARQL endpoint", lang="en"))
        self.add(svc, DCAT.endpointURL, URIRef(f"{base}sparql"))
        self.add(svc, DCAT.endpointDescription, URIRef(f"{base}sparql?format=turtle"))
        self.add(svc, DCAT.landingPage, URIRef(f"{base}sparql/ui"))
        self.add(svc, DCTERMS.conformsTo, SPARQL_PROTOCOL)
        self.add(svc, DCTERMS.publisher, *publishers)


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _frequency(text: str) -> URIRef | None:
    low = unicodedata.normalize("NFKC", text).lower()
    code = next((code for words, code in FREQUENCIES if any(w in low for w in words.split())), None)
    return URIRef(EU + "frequency/" + code) if code else None


def _languages(text: str) -> list[str]:
    words = re.split(r"[\s,;、・/]+", unicodedata.normalize("NFKC", text).lower())
    return sorted({LANGUAGES[w] for w in words if w in LANGUAGES})


def _groups(b: _Builder) -> list[_Listed]:
    """The list's entries grouped by publisher and データセット_ID (a dataset has one row per file)."""
    found: dict[tuple[str, str], list[URIRef]] = defaultdict(list)
    for s in b.nodes:
        if isinstance(s, URIRef) and ITSU.OpenDataListEntry in b.nodes[s].get(RDF.type, ()):
            ident = b.first(s, DCTERMS.identifier)
            found[(str(b.first(s, DCTERMS.publisher)), str(ident)) if ident else (str(s), "")].append(s)
    groups = []
    for members in found.values():
        members.sort(key=lambda m: (len(m), m))  # the first row's entry: later rows get "-r{row}"
        group = _Listed(members[0], members, b.first(members[0], DCTERMS.publisher))
        for e in members:
            group.titles |= {_norm(str(t)) for t in b.values(e, DCTERMS.title)}
            group.urls |= {str(u) for u in b.values(e, DCAT.landingPage)}
            group.urls |= {str(u) for n in b.values(e, DCAT.distribution)
                           for p in (DCAT.accessURL, DCAT.downloadURL) for u in b.values(n, p)}
        groups.append(group)
    return sorted(groups, key=lambda g: str(g.iri))


def _match(b: _Builder, published: list[tuple[URIRef, str, str]], groups: list[_Listed]) -> dict[URIRef, _Listed]:
    """Which list dataset describes which published one (same publisher): first by the converted
    file's name in a URL, then by a standard file name (``{code}_{NNN}_{dataset}.csv``), then by title."""
    def files(group: _Listed) -> set[str]:
        return {unquote(urlsplit(u).path).rsplit("/", 1)[-1].lower() for u in group.urls}

    def standard(group: _Listed) -> set[tuple[str, str]]:
        return {(m["kind"], m["code"][:5]) for m in map(_STANDARD_FILE.match, files(group)) if m}

    rules = (
        lambda d, kind, code, g: bool({str(v).lower() for v in b.values(d, DCTERMS.source)} & files(g)),
        lambda d, kind, code, g: (kind, code[:5]) in standard(g),
        lambda d, kind, code, g: bool({_norm(str(t)) for t in b.values(d, DCTERMS.title)} & g.titles),
    )
    matched: dict[URIRef, _Listed] = {}
    for rule in rules:
        for d, kind, code in published:
            for group in groups:
                if d in matched or group in matched.values() or group.publisher != b.first(d, DCTERMS.publisher):
                    continue
                if rule(d, kind, code, group):
                    matched[d] = group
    return matched


def build_catalogue(store: Store, *, base: str, public_base: str | None = None, licence: str | None = None,
                    title_ja: str | None = None, issued: date | None = None,
                    modified: date | None = None) -> Graph:
    """The DCAT catalogue of ``store``. ``licence`` (a key of :data:`LICENCES` or a URL) is applied to
    datasets that state none; ``public_base`` is the base ``/dumps/`` rewrites to (for ``dcat:byteSize``,
    computed only for an embedded store); ``modified`` defaults to today."""
    base = base if base.endswith("/") else base + "/"
    if not re.match(r"^https?://[^/\s]+", base) or _UNSAFE.search(base):
        raise ValueError(f"base must be an absolute http(s) IRI: {base!r}")
    default = licence_iri(licence) if licence is not None else None
    if licence is not None and default is None:
        raise ValueError(f"unknown licence {licence!r}; give a URL or one of: {', '.join(LICENCES)}")
    skip = catalog_graph_iri(base)
    nodes, graphs = _read(store, f'?s a <{DCAT.Dataset}> . FILTER(STRSTARTS(STR(?s), "{base}id/"))', skip)
    orgs, _ = _read(store, f'?s a <{IC["組織型"]}> . FILTER(STRSTARTS(STR(?s), "{base}id/lg/"))', skip)
    nodes.update(orgs)
    b = _Builder(base, nodes, URIRef(default) if default else None)
    published = sorted((s, m["kind"], m["code"]) for s in list(nodes) if isinstance(s, URIRef)
                       and (m := _PUBLISHED.match(s[len(base):])) and DCAT.Dataset in nodes[s].get(RDF.type, ()))
    groups = _groups(b)
    matched = _match(b, published, groups)
    public = public_base if not public_base or public_base.endswith("/") else public_base + "/"
    for d, kind, code in published:
        dumps = sorted(m["name"] for g in graphs[d] if g.startswith(base) and (m := _DUMPABLE.match(g[len(base):])))
        dump = f"{kind}/{code}" if f"{kind}/{code}" in dumps else (dumps[0] if dumps else None)
        sizes = {}
        if dump and isinstance(store, EmbeddedStore):  # cheap only when local
            for ext in ("nt.gz", "ttl"):
                data = dump_bytes(store, f"{base}graph/{dump}", ext=ext, base=base, public=public)
                sizes[f"dumps/{dump}.{ext}"] = len(data)
        b.published(d, kind, code, dump, matched.get(d), sizes)
    for group in groups:
        if group not in matched.values():
            b.listed(group)
    publishers = _sorted({o for o in b.g.objects(b.catalog, DCAT.dataset) for o in b.g.objects(o, DCTERMS.publisher)})
    for org in publishers:
        b.publisher(org)
    b.head(publishers, title_ja=title_ja, issued=issued, modified=modified or date.today())
    return b.g


def _moved(graph: Graph, base: str, public: str) -> Graph:
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)

    def move(t: Term) -> Term:
        return URIRef(public + t[len(base):]) if isinstance(t, URIRef) and t.startswith(base) else t

    for s, p, o in graph:
        out.add((move(s), p, move(o)))  # type: ignore[arg-type]
    return out


def write_catalogue(graph: Graph, out_dir: Path, *, base: str | None = None,
                    public_base: str | None = None) -> list[Path]:
    """``catalog.ttl``, ``catalog.jsonld`` and ``catalog.rdf`` in ``out_dir``, IRIs moved from ``base`` to
    ``public_base`` when both are given (as the server shows them)."""
    if base and public_base and base != public_base:
        graph = _moved(graph, base, public_base)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fmt, extra in (("catalog.ttl", "turtle", {}), ("catalog.jsonld", "json-ld", {"context": PREFIXES,
                             "indent": 2}), ("catalog.rdf", "pretty-xml", {})):
        path = out_dir / name
        graph.serialize(destination=str(path), format=fmt, encoding="utf-8", **extra)
        written.append(path)
    return written


def load_catalogue(store: Store, *, base: str, **kw) -> int:  # type: ignore[no-untyped-def]
    """Build the catalogue and replace the graph ``{base}graph/catalog`` with it; returns its triple count.
    ``kw`` are the options of :func:`build_catalogue`."""
    graph = build_catalogue(store, base=base, **kw)
    base = base if base.endswith("/") else base + "/"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.nt"
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
        store.replace_graph(catalog_graph_iri(base), path, format="nt")
    return len(graph)
