"""The DCAT catalogue of everything published: ``{base}id/catalog`` (docs/catalogue.md).

:func:`build_catalogue` reads any :class:`~itsutsuboshi.store.Store` by SPARQL (JSON results) and returns
a ``dcat:Catalog`` graph: the publishers, the SPARQL endpoint as a ``dcat:DataService``, every published
dataset ``{base}id/{dataset}/{code}`` with a distribution per dump and per served format
(``…/distribution/{name}``), and the entries of the municipality's own オープンデータ一覧, merged into the
published dataset they describe or listed as datasets of their own. :func:`load_catalogue` loads it as
the graph ``{base}graph/catalog`` (never read back, so building is idempotent); :func:`write_catalogue`
writes files for harvesting. No Flask here; a dataset's themes and keywords are those its mapping file
states (:func:`dataset_words`).
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from itsutsuboshi import formats
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.formats import DUMPS, GZIP, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from itsutsuboshi.iris import ID, LG, IriBuilder, catalogue_graph_iri
from itsutsuboshi.licences import LICENCES, licence_iri
from itsutsuboshi.store import Store
from itsutsuboshi.vocab.namespaces import CATALOGUE_PREFIXES

IC = Namespace("http://imi.go.jp/ns/core/rdf#")
ITSU = Namespace("https://w3id.org/itsutsuboshi/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
SAC = "http://data.e-stat.go.jp/lod/sac/C"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3, not in rdflib's DCAT 2 namespace
PREFIXES = CATALOGUE_PREFIXES

#: licence keys accepted by ``licence=`` (also recognised in list text such as ``CC BY 4.0``) → IRI
#: update frequency words (substrings, first match wins) → EU frequency code
FREQUENCIES = (("毎日 日次 daily", "DAILY"), ("毎週 週次 週1 weekly", "WEEKLY"), ("毎月 月次 月1 monthly", "MONTHLY"),
               ("四半期 3か月 3ヶ月 quarterly", "QUARTERLY"), ("半年 年2回", "ANNUAL_2"),
               ("毎年 年次 年1 年度 annual yearly", "ANNUAL"), ("随時 不定期 適宜 irregular", "IRREG"),
               ("更新なし 更新予定なし never", "NEVER"))
#: file format words and extensions → (IANA media type or "", EU file type)
FILE_TYPES = {
    "csv": ("text/csv", "CSV"), "tsv": ("text/tab-separated-values", "TSV"), "pdf": ("application/pdf", "PDF"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "xls": ("application/vnd.ms-excel", "XLS"), "json": ("application/json", "JSON"), "shp": ("", "SHP"),
    "geojson": ("application/geo+json", "GEOJSON"), "xml": ("application/xml", "XML"), "zip": ("application/zip", "ZIP"),
    "kml": ("application/vnd.google-earth.kml+xml", "KML"), "txt": ("text/plain", "TXT"),
    **{f.extension[1:]: (f.media_type, f.eu or "") for f in (HTML, *formats.all_formats())},
}
_STANDARD_FILE = re.compile(r"^(?P<code>\d{5,6})_(?:\d{3}_)?(?P<kind>[a-z][a-z_]*)\.[a-z0-9]+$")
_UNSAFE = re.compile(r"[<>\"{}|^`\\\s]")

Term = URIRef | Literal | BNode
_T = TypeVar("_T", bound=Node)
Nodes = dict[Term, dict[URIRef, set[Term]]]


def dataset_words(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The EU data themes and the Japanese keywords of a dataset kind, from its mapping file (none for a
    kind no bundled mapping describes)."""
    try:
        found = mappings.get(kind)
    except KeyError:
        return (), ()
    return found.themes, found.keywords


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
    # one query per level: inner joins let the store follow the bound nodes (an OPTIONAL chain made
    # Oxigraph scan every triple of the store)
    rows = []
    for level in ("?s ?p ?o", "?s ?p ?o FILTER(isBlank(?o)) ?o ?p2 ?o2",
                  "?s ?p ?o FILTER(isBlank(?o)) ?o ?p2 ?o2 FILTER(isBlank(?o2)) ?o2 ?p3 ?o3"):
        body, _ = store.query(f"SELECT * WHERE {{ GRAPH ?g {{ {where} {level} }} FILTER(?g != <{skip_graph}>) }}")
        rows += json.loads(body)["results"]["bindings"]
    nodes: Nodes = defaultdict(lambda: defaultdict(set))
    graphs: dict[Term, set[str]] = defaultdict(set)
    for row in rows:
        t = {k: _term(v) for k, v in row.items()}
        graphs[t["s"]].add(str(t["g"]))
        for s, p, o in (("s", "p", "o"), ("o", "p2", "o2"), ("o2", "p3", "o3")):
            if p in t:
                nodes[t[s]][t[p]].add(t[o])  # type: ignore[index]
    return nodes, graphs


def _sorted(values: Iterable[_T]) -> list[_T]:
    return sorted(values, key=lambda t: (type(t).__name__, str(t), getattr(t, "language", None) or ""))


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).removesuffix("一覧")


def _url(term: object) -> URIRef | None:
    """An http(s) URL from an IRI or an ``xsd:anyURI`` literal, when it is safe as an IRI."""
    text = str(term or "").strip()
    return URIRef(text) if re.match(r"^https?://[^/\s]+", text) and not _UNSAFE.search(text) else None


def _frequency(text: str) -> URIRef | None:
    low = unicodedata.normalize("NFKC", text).lower()
    code = next((code for words, code in FREQUENCIES if any(w in low for w in words.split())), None)
    return URIRef(EU + "frequency/" + code) if code else None


#: one dataset of the オープンデータ一覧: its entries (one per file row, sharing a データセット_ID), first row first
Listed = list[URIRef]


class _Builder:
    def __init__(self, iris: IriBuilder, nodes: Nodes, licence: URIRef | None) -> None:
        self.iris, self.base, self.nodes, self.licence = iris, iris.base, nodes, licence
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.catalogue = URIRef(iris.catalogue())
        self.service = URIRef(iris.catalogue_service())

    def values(self, s: Term | None, p: URIRef) -> list[Term]:
        return _sorted(self.nodes.get(s, {}).get(p, set())) if s is not None else []

    def first(self, s: Term | None, p: URIRef) -> Term | None:
        return next(iter(self.values(s, p)), None)

    def add(self, s: Term, p: URIRef, *objects: Term | None) -> None:
        for o in objects:
            if o is not None:
                self.g.add((s, p, o))

    def typed(self, iri: str, cls: URIRef) -> URIRef:
        self.add(node := URIRef(iri), RDF.type, cls)
        return node

    def titled(self, s: Term, *titles: Literal | None) -> None:
        self.add(s, DCTERMS.title, *titles)
        self.add(s, RDFS.label, *titles)

    def label(self, cls: URIRef, text: str) -> BNode:
        """A typed blank node known only by its label (a licence or format named in the list)."""
        self.add(node := BNode(), RDF.type, cls)
        self.add(node, RDFS.label, Literal(text))
        return node

    @staticmethod
    def ja(term: Term | str | None) -> Literal | None:
        """A Japanese literal (the list's cells are untagged)."""
        if term is None or not str(term).strip() or isinstance(term, URIRef | BNode):
            return None
        return term if isinstance(term, Literal) and term.language else Literal(str(term).strip(), lang="ja")

    def name(self, org: Term | None, lang: str = "ja") -> str:
        """The longest label in ``lang`` (files may give 星野市 and 架空県星野市)."""
        return max((str(v) for v in self.values(org, RDFS.label) if getattr(v, "language", None) == lang),
                   key=len, default="")

    def publisher(self, org: Term) -> None:
        self.add(org, RDF.type, FOAF.Agent)
        self.add(org, DCTERMS.type, URIRef("http://purl.org/adms/publishertype/LocalAuthority"))
        for lang in ("ja", "en"):
            self.add(org, FOAF.name, Literal(self.name(org, lang), lang=lang) if self.name(org, lang) else None)
        for node in self.values(org, IC["ID"]):
            scheme, value = str(self.first(node, IC["体系"])), self.first(node, IC["識別値"])
            if scheme == "全国地方公共団体コード":
                self.add(org, DCTERMS.identifier, value)
            elif scheme == "法人番号" and value is not None:  # DCAT-AP: other identifiers are adms:Identifier
                self.add(org, ADMS.identifier, ident := self.label(ADMS.Identifier, "法人番号"))
                self.add(ident, SKOS.notation, value)
                self.add(ident, ADMS.schemaAgency, Literal("国税庁", lang="ja"))
        self.add(org, OWL.sameAs, *self.values(org, OWL.sameAs))
        self.add(org, DCTERMS.spatial, *self.areas(org))

    def areas(self, org: Term | None) -> list[URIRef]:
        """The e-Stat standard area code IRIs of a publisher."""
        return [self.typed(str(v), DCTERMS.Location) for v in self.values(org, DCTERMS.spatial) if str(v).startswith(SAC)]

    def dataset(self, d: URIRef, org: Term | None, keywords: Sequence[str] = (), themes: Sequence[str] = ()) -> None:
        self.add(self.catalogue, DCAT.dataset, d)
        self.add(d, RDF.type, DCAT.Dataset)
        self.add(d, DCTERMS.publisher, org)
        self.add(d, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC"))
        self.add(d, DCTERMS.spatial, *self.areas(org))
        self.add(d, DCAT.keyword, *(Literal(word, lang="ja") for word in keywords))
        self.add(d, DCAT.theme, *(self.typed(EU + "data-theme/" + theme, SKOS.Concept) for theme in themes))

    def published(self, d: URIRef, kind: str, code: str, dump: bool, listed: Listed | None,
                  sizes: dict[str, int]) -> None:
        """A dataset published here; what the list says about it wins over the defaults."""
        org = self.first(d, DCTERMS.publisher)
        themes, keywords = dataset_words(kind)
        self.dataset(d, org, (*keywords, "自治体標準オープンデータセット"), themes)
        self.add(self.service, DCAT.servesDataset, d)
        titles = self.values(d, DCTERMS.title)
        title = self.ja(next((t for t in titles if getattr(t, "language", None) in ("ja", None)), None))
        title_en = next((t for t in titles if isinstance(t, Literal) and t.language == "en"), None)
        self.add(d, DCTERMS.identifier, Literal(f"{kind}/{code}"))  # as in VoID; unique: the code is national
        self.add(d, DCTERMS.conformsTo, *self.values(d, DCTERMS.conformsTo))
        self.add(d, DCAT.landingPage, URIRef(self.iris.url(self.iris.document_path(d) or "")))
        licences = [v for v in self.values(d, DCTERMS.license) if isinstance(v, URIRef)]
        description = None
        if listed is not None:
            listed_title, description, stated = self.details(d, listed)
            title, licences = listed_title or title, licences or stated
            self.add(d, DCTERMS.isReferencedBy, *listed)
        licences = licences or ([self.licence] if self.licence else [])
        self.titled(d, title, title_en)
        who = self.name(org)
        self.add(d, DCTERMS.description, description or Literal(
            f"{who}の「{title}」を共通語彙基盤（IMI コア語彙）の Linked Open Data として公開したもの。", lang="ja"))
        if title_en is not None and description is None:
            self.add(d, DCTERMS.description, Literal(f"{title_en} of {self.name(org, 'en') or who}, published as "
                                                     "Linked Open Data with the IMI core vocabulary.", lang="en"))
        self.add(d, DCTERMS.license, *(self.typed(str(licence), DCTERMS.LicenseDocument) for licence in licences))
        rows: list[tuple[str, str, formats.MediaFormat, str, bool]] = []
        if dump:  # the dataset's graph is one that /dumps/ serves
            rows += [("dump-" + each.extension[1:].replace(".", "-"), self.iris.dump_path(each.extension, dataset=kind,
                      code=code), each.format, each.label, each.gzip) for each in DUMPS]
        document = self.iris.document_path(d)
        for f in (HTML, *formats.all_formats()):
            rows.append((f"doc-{f.extension[1:]}", f"{document}{f.extension}", f, f.label, False))
        for name, path, fmt, label, gzip in rows:
            dist, url, dump_row = URIRef(self.iris.distribution(d, name)), URIRef(self.iris.url(path)), name.startswith("dump")
            self.distribution(d, dist, f"一括ダウンロード ({label})" if dump_row else f"データセットのページ ({label})",
                              f"Data dump ({label})" if dump_row else f"Dataset page ({label})",
                              access=url, download=url if dump_row else None)
            self.add(dist, DCAT.mediaType, self.typed(IANA + fmt.media_type, DCTERMS.MediaType))
            self.add(dist, DCTERMS.format,
                     self.typed(EU + "file-type/" + fmt.eu, DCTERMS.MediaTypeOrExtent) if fmt.eu else None)
            self.add(dist, DCTERMS.license, *licences)
            if gzip:
                self.add(dist, DCAT.compressFormat, self.typed(IANA + GZIP, DCTERMS.MediaType))
            if path in sizes:
                self.add(dist, DCAT.byteSize, Literal(sizes[path], datatype=XSD.nonNegativeInteger))
        dist = URIRef(self.iris.distribution(d, "sparql"))
        self.distribution(d, dist, "SPARQL エンドポイント", "SPARQL endpoint", access=URIRef(self.iris.sparql_endpoint()))
        self.add(dist, DCAT.accessService, self.service)
        self.add(dist, DCTERMS.conformsTo, SPARQL_PROTOCOL)
        self.add(dist, DCTERMS.license, *licences)

    def distribution(self, d: URIRef, dist: URIRef, ja: str | None, en: str | None, *, access: URIRef,
                     download: URIRef | None = None) -> None:
        self.add(d, DCAT.distribution, dist)
        self.add(dist, RDF.type, DCAT.Distribution)
        self.titled(dist, self.ja(ja), Literal(en, lang="en") if en else None)
        self.add(dist, DCAT.accessURL, access)
        self.add(dist, DCAT.downloadURL, download)

    def listed(self, group: Listed) -> None:
        """A dataset that is only in the list: the entry itself, with its files as distributions."""
        d = group[0]
        org = self.first(d, DCTERMS.publisher)
        self.dataset(d, org)
        title, description, _ = self.details(d, group, fallback=True)
        self.titled(d, title)
        self.add(d, DCTERMS.identifier, *self.values(d, DCTERMS.identifier))
        self.add(d, DCTERMS.description, description or self.ja(
            f"{self.name(org)}のオープンデータ一覧に載るデータセット「{title}」。" if title else None))

    def details(self, d: URIRef, members: Listed, *,
                fallback: bool = False) -> tuple[Literal | None, Literal | None, list[URIRef]]:
        """What the list says about a dataset, added to ``d``; returns its title, description and licences."""
        title = next(filter(None, (self.ja(self.first(e, DCTERMS.title)) for e in members)), None)
        description = next(filter(None, (self.ja(self.first(e, DCTERMS.description)) for e in members)), None)
        pages = sorted({u for e in members for u in map(_url, self.values(e, DCAT.landingPage)) if u is not None})
        self.add(d, DCAT.landingPage, *pages)
        for p, pick in ((DCTERMS.issued, min), (DCTERMS.modified, max), (DCAT_VERSION, min)):
            found = [v for e in members for v in self.values(e, p)]
            self.add(d, p, pick(found, key=str) if found else None)  # one value, also when rows disagree
        licences: list[URIRef] = []
        files = 0
        for e in members:
            for word in (*self.values(e, DCAT.keyword), *self.values(e, DCTERMS.subject)):
                self.add(d, DCAT.keyword, self.ja(word))
            for text in self.values(e, ITSU.updateFrequency):
                self.add(d, ITSU.updateFrequency, text)
                self.add(d, DCTERMS.accrualPeriodicity, _frequency(str(text)))
            for contact in self.values(e, DCAT.contactPoint):
                self.contact(d, contact, self.first(members[0], DCTERMS.publisher))
            for node in self.values(e, DCAT.distribution):
                files += self.file(d, members[0], node, licences, pages[0] if pages else None)
        if fallback and not files and pages:  # no file row: the page is the way to the data
            self.file(d, members[0], None, licences, pages[0])
        return title, description, sorted(set(licences))

    def file(self, d: URIRef, owner: URIRef, node: Term | None, licences: list[URIRef], page: URIRef | None) -> int:
        """One file row of the list as ``{entry}/distribution/x-{hash of its URL}`` (reached through the
        dataset's page when the row has no URL of its own); its licences are collected either way."""
        stated = [str(v) for v in self.values(node, DCTERMS.license)]
        found = [URIRef(iri) for iri in map(licence_iri, stated) if iri]
        licences += found
        download = _url(self.first(node, DCAT.downloadURL))
        own = _url(self.first(node, DCAT.accessURL)) or download
        access, title = own or page, self.first(node, DCTERMS.title)
        if access is None:
            return 0
        words = [str(v) for v in self.values(node, DCTERMS.format)]
        key = str(own) if own else f"{page}|{title or ''}|{words}"  # a row without a URL of its own
        dist = URIRef(f"{owner}/distribution/x-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}")
        self.distribution(d, dist, str(title or "") or None, None, access=access, download=download)
        self.add(dist, DCTERMS.description, self.ja(self.first(node, DCTERMS.description)))
        self.add(dist, DCTERMS.issued, *self.values(node, DCTERMS.issued))
        self.add(dist, DCTERMS.modified, *self.values(node, DCTERMS.modified))
        suffix = urlsplit(str(download or access)).path.rsplit(".", 1)[-1].lower()
        for word in words or ([suffix] if suffix in FILE_TYPES else []):
            media, file_type = FILE_TYPES.get(_norm(word).lower().replace("-", ""), ("", ""))
            self.add(dist, DCTERMS.format, self.typed(EU + "file-type/" + file_type, DCTERMS.MediaTypeOrExtent)
                     if file_type else self.label(DCTERMS.MediaTypeOrExtent, word))
            if media and len(words) <= 1:
                self.add(dist, DCAT.mediaType, self.typed(IANA + media, DCTERMS.MediaType))
        self.add(dist, DCTERMS.license, *(self.typed(str(iri), DCTERMS.LicenseDocument) for iri in found))
        self.add(dist, DCTERMS.license, *(self.label(DCTERMS.LicenseDocument, t) for t in stated if not licence_iri(t)))
        self.add(dist, DCTERMS.license, None if stated else self.licence)
        return 1

    def contact(self, d: URIRef, node: Term, org: Term | None) -> None:
        """The list's 連絡先 (ic:連絡先型) as a vCard."""
        names = [str(v) for n in self.values(node, IC["名称"]) for v in self.values(n, IC["表記"])]
        mail, form = self.first(node, IC["Eメールアドレス"]), _url(self.first(node, ITSU.contactForm))
        phone, ext = str(self.first(node, IC["電話番号"]) or ""), str(self.first(node, IC["内線番号"]) or "")
        if not (names or mail or phone or form):
            return
        self.add(d, DCAT.contactPoint, card := BNode())
        self.add(card, RDF.type, VCARD.Organization)
        self.add(card, VCARD.fn, self.ja((names or [self.name(org)])[0]))
        if mail is not None and re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", str(mail)):
            self.add(card, VCARD.hasEmail, URIRef(f"mailto:{mail}"))
        digits = re.sub(r"[()\s]+", "-", phone).strip("-")
        if re.fullmatch(r"0[\d-]{8,14}", digits):  # a Japanese number as a global tel: IRI (RFC 3966)
            ext = f";ext={ext}" if ext.isdigit() else ""
            self.add(card, VCARD.hasTelephone, URIRef("tel:+81-" + re.sub(r"-+", "-", digits[1:]) + ext))
        self.add(card, VCARD.hasURL, form)

    def head(self, publishers: list[Term], *, title_ja: str | None, issued: date | None, modified: date) -> None:
        cat, svc, base = self.catalogue, self.service, self.base
        one = publishers[0] if len(publishers) == 1 else None
        who, who_en = self.name(one), self.name(one, "en") or self.name(one)
        self.add(cat, RDF.type, DCAT.Catalog)
        self.titled(cat, Literal(title_ja or f"{who}オープンデータカタログ", lang="ja"),
                    Literal(f"Open data catalogue of {who_en}" if who_en else "Open data catalogue", lang="en"))
        self.add(cat, DCTERMS.description, Literal("Linked Open Data として公開しているデータセットと自治体の"
                                                   "オープンデータ一覧に載るデータセットの目録。", lang="ja"),
                 Literal("The datasets published here as Linked Open Data and those in the municipality's own list.", lang="en"))
        self.add(cat, DCTERMS.publisher, *publishers)
        self.add(cat, DCTERMS.issued, Literal(issued, datatype=XSD.date) if issued else None)
        self.add(cat, DCTERMS.modified, Literal(modified, datatype=XSD.date))
        self.add(cat, FOAF.homepage, URIRef(base))
        self.add(cat, DCTERMS.language, self.typed(EU + "language/JPN", DCTERMS.LinguisticSystem))
        self.add(cat, DCAT.themeTaxonomy, self.typed(EU + "data-theme", SKOS.ConceptScheme))
        self.add(cat, DCTERMS.license, self.licence)
        self.add(cat, DCTERMS.spatial, *(area for org in publishers for area in self.areas(org)))
        self.add(cat, DCAT.service, svc)
        self.add(svc, RDF.type, DCAT.DataService)
        self.titled(svc, Literal("SPARQL エンドポイント", lang="ja"), Literal("SPARQL endpoint", lang="en"))
        self.add(svc, DCAT.endpointURL, URIRef(self.iris.sparql_endpoint()))
        self.add(svc, DCAT.endpointDescription, URIRef(self.iris.sparql_endpoint() + "?format=turtle"))  # its description
        self.add(svc, DCAT.landingPage, URIRef(self.iris.sparql_page()))
        self.add(svc, DCTERMS.conformsTo, SPARQL_PROTOCOL)
        self.add(svc, DCTERMS.publisher, *publishers)


def _groups(b: _Builder) -> list[Listed]:
    """The list's entries grouped by publisher and データセット_ID (a dataset has one row per file)."""
    found: dict[tuple[str, str], list[URIRef]] = defaultdict(list)
    for s in b.nodes:
        if isinstance(s, URIRef) and ITSU.OpenDataListEntry in b.nodes[s].get(RDF.type, ()):
            ident = b.first(s, DCTERMS.identifier)
            found[(str(b.first(s, DCTERMS.publisher)), str(ident)) if ident else (str(s), "")].append(s)
    for members in found.values():
        members.sort(key=lambda m: (len(m), m))  # the first row's entry: later rows get "-r{row}"
    return sorted(found.values())


def _match(b: _Builder, published: list[tuple[URIRef, str, str]], groups: list[Listed]) -> dict[URIRef, Listed]:
    """Which list dataset describes which published one (same publisher): first the converted file's name
    in one of its URLs, then a standard file name (``{code}_{NNN}_{dataset}.csv``), then the title."""
    def files(group: Listed) -> set[str]:
        urls = [u for e in group for n in (e, *b.values(e, DCAT.distribution))
                for p in (DCAT.landingPage, DCAT.accessURL, DCAT.downloadURL) for u in b.values(n, p)]
        return {unquote(urlsplit(str(u)).path).rsplit("/", 1)[-1].lower() for u in urls}

    def titles(node: Term) -> set[str]:
        return {_norm(str(t)) for t in b.values(node, DCTERMS.title)}

    def sources(d: URIRef) -> set[str]:  # the file names of a dataset's sources (read back from their IRIs)
        return {parts.file.lower() for v in b.values(d, DCTERMS.source)
                if (parts := b.iris.parse(str(v))) is not None and parts.kind == "source"}

    rules = (
        lambda d, kind, code, g: bool(sources(d) & files(g)),
        lambda d, kind, code, g: any(m and (m["kind"], m["code"][:5]) == (kind, code[:5])
                                     for m in map(_STANDARD_FILE.match, files(g))),
        lambda d, kind, code, g: any(titles(d) & titles(e) for e in g),
    )
    matched: dict[URIRef, Listed] = {}
    for rule in rules:
        for d, kind, code in published:
            for group in groups:
                if d not in matched and group not in matched.values() \
                        and b.first(group[0], DCTERMS.publisher) == b.first(d, DCTERMS.publisher) \
                        and rule(d, kind, code, group):
                    matched[d] = group
    return matched


def build_catalogue(store: Store, *, base: str, licence: str | None = None,
                    title_ja: str | None = None, issued: date | None = None,
                    modified: date | None = None) -> Graph:
    """The DCAT catalogue of ``store``. ``licence`` (a key of :data:`LICENCES` or a URL) is applied where a
    dataset states none; ``modified`` defaults to today. Dumps carry no ``dcat:byteSize``: counting them
    means serialising every graph, too slow for a catalogue rebuilt at every ``publish``."""
    if not re.match(r"^https?://[^/\s]+", base) or _UNSAFE.search(base):
        raise ValueError(f"base must be an absolute http(s) IRI: {base!r}")
    iris = IriBuilder(base)
    default = licence_iri(licence) if licence is not None else None
    if licence is not None and default is None:
        raise ValueError(f"unknown licence {licence!r}; give a URL or one of: {', '.join(LICENCES)}")
    skip = iris.catalogue_graph()
    nodes, _ = _read(store, f'?s a <{DCAT.Dataset}> . FILTER({iris.sparql_starts("?s", ID)})', skip)
    nodes.update(_read(store, f'?s a <{IC["組織型"]}> . FILTER({iris.sparql_starts("?s", ID, LG)})', skip)[0])
    b = _Builder(iris, nodes, URIRef(default) if default else None)
    published = sorted((s, p.dataset, p.code) for s in list(nodes) if isinstance(s, URIRef)
                       and (p := iris.parse(s)) is not None and p.kind == "dataset" and iris.has_dump(p)
                       and DCAT.Dataset in nodes[s].get(RDF.type, ()))
    groups = _groups(b)
    matched = _match(b, published, groups)
    for d, kind, code in published:  # every published dataset has its dump: the union of its sources' graphs
        b.published(d, kind, code, True, matched.get(d), {})
    for group in groups:
        if group not in matched.values():
            b.listed(group)
    publishers = _sorted({cast(Term, org) for d in b.g.objects(b.catalogue, DCAT.dataset)
                          for org in b.g.objects(d, DCTERMS.publisher)})
    for org in publishers:
        b.publisher(org)
    b.head(publishers, title_ja=title_ja, issued=issued, modified=modified or date.today())
    return b.g


def write_catalogue(graph: Graph, out_dir: Path, *, base: str | None = None,
                    public_base: str | None = None) -> list[Path]:
    """``catalog.ttl``, ``catalog.jsonld`` and ``catalog.rdf`` in ``out_dir``; IRIs under ``base`` are moved
    under ``public_base`` when both are given (as the server shows them)."""
    if base and public_base and base != public_base:
        moved, iris = Graph(), IriBuilder(base, public=public_base)
        for prefix, ns in graph.namespaces():
            moved.bind(prefix, ns)
        for triple in graph:
            moved.add(tuple(URIRef(iris.shown(t)) if isinstance(t, URIRef) else t  # type: ignore[arg-type]
                            for t in triple))
        graph = moved
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    extras: dict[Format, dict[str, Any]] = {JSONLD: {"context": PREFIXES, "indent": 2}}
    for fmt in (TURTLE, RDFXML, JSONLD):
        path = out_dir / f"catalog{fmt.extension}"
        graph.serialize(destination=str(path), format=fmt.serializer, encoding="utf-8", **extras.get(fmt, {}))
        written.append(path)
    return written


def load_catalogue(store: Store, *, base: str, graph: Graph | None = None, **kw: Any) -> int:
    """Replace the graph ``{base}graph/catalog`` with ``graph``, or with a catalogue built now (``kw``: the
    options of :func:`build_catalogue`); returns its number of triples."""
    graph = graph if graph is not None else build_catalogue(store, base=base, **kw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"catalog{NTRIPLES.extension}"
        graph.serialize(destination=str(path), format=NTRIPLES.serializer, encoding="utf-8")
        store.replace_graph(catalogue_graph_iri(base), path, format=NTRIPLES.name)
    return len(graph)
