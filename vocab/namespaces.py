"""Namespace IRIs and prefixes used across itsutsuboshi (no I/O, no rdflib)."""

from __future__ import annotations

IC = "http://imi.go.jp/ns/core/rdf#"
ITSU = "https://w3id.org/itsutsuboshi/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "http://schema.org/"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEO = "http://www.opengis.net/ont/geosparql#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
WDT = "http://www.wikidata.org/prop/direct/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"

#: Prefix table shared by every writer, the JSON-LD context and mapping files.
PREFIXES: dict[str, str] = {
    "ic": IC,
    "itsu": ITSU,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "schema": SCHEMA,
    "wgs": WGS,
    "geo": GEO,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "prov": PROV,
    "skos": SKOS,
    "wdt": WDT,
}

#: Prefixes of the DCAT catalogue and its dumps.
CATALOGUE_PREFIXES: dict[str, str] = {"dcat": DCAT, "dcterms": DCTERMS, "foaf": FOAF, "vcard": VCARD, "adms": ADMS,
                                      "skos": SKOS, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "ic": IC, "itsu": ITSU}


def expand(curie: str) -> str:
    """Expand ``prefix:local`` to a full IRI; raise ``KeyError`` on an unknown prefix."""
    prefix, sep, local = curie.partition(":")
    if not sep:
        raise ValueError(f"not a prefixed name: {curie!r}")
    return PREFIXES[prefix] + local


def compact(iri: str) -> str | None:
    """The ``prefix:local`` form of ``iri`` when a known namespace covers it, else ``None``."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None
