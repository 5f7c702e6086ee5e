"""``/near?lat=…&lon=…``: what is near a point, for residents ("the nearest AED and evacuation site"), as a page
and as JSON (``?format=json`` or ``Accept: application/json``).

The answer comes from one SPARQL query through the store, with the GeoSPARQL distance the query endpoint offers
(``geof:distance``, translated for Virtuoso): a box around the point first, then the distance on the WGS 84
ellipsoid, nearest first, at most :data:`PER_KIND` places of each kind within the radius.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest

from itsutsuboshi.vocab.namespaces import ITSU

from .describe import bindings
from .render import safe_href, vocabulary_labels
from .state import site_state

bp = Blueprint("near", __name__)

#: the kinds of place asked about by default, in the order shown
KINDS = ("AED", "EvacuationSpace", "PublicToilet", "MedicalInstitution", "ChildcareFacility", "PublicFacility",
         "CareServiceOffice", "WiFiAccessPoint", "FireWaterSupply")
PER_KIND = 5
DEFAULT_KM, MAX_KM = 1.0, 10.0
_KM_PER_DEGREE = 111.0


@dataclass(frozen=True)
class Place:
    kind: str
    iri: str
    label: str
    lat: float
    lon: float
    km: float


def _number(name: str, low: float, high: float, default: float | None = None) -> float:
    text = request.args.get(name)
    if text is None and default is not None:
        return default
    try:
        value = float(text or "")
    except ValueError:
        raise BadRequest(f"{name} must be a number between {low:g} and {high:g}") from None
    if not low <= value <= high or value != value:
        raise BadRequest(f"{name} must be a number between {low:g} and {high:g}")
    return value


def _query(lat: float, lon: float, km: float, kinds: list[str]) -> str:
    dlat = km / _KM_PER_DEGREE + 0.001
    dlon = km / (_KM_PER_DEGREE * max(0.1, math.cos(math.radians(lat)))) + 0.001
    values = " ".join(f"itsu:{k}" for k in kinds)
    return f"""PREFIX itsu: <{ITSU}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
SELECT ?kind ?s ?lat ?lon ?km (SAMPLE(?name) AS ?label) WHERE {{
  VALUES ?kind {{ {values} }}
  ?s a ?kind ; wgs:lat ?lat ; wgs:long ?lon ; geo:hasGeometry/geo:asWKT ?w .
  FILTER (?lat >= {lat - dlat:.6f} && ?lat <= {lat + dlat:.6f} && ?lon >= {lon - dlon:.6f} && ?lon <= {lon + dlon:.6f})
  BIND (geof:distance(?w, "POINT({lon:.6f} {lat:.6f})"^^geo:wktLiteral, uom:kilometre) AS ?km)
  FILTER (?km <= {km:g})
  OPTIONAL {{ ?s rdfs:label ?name }}
}}
GROUP BY ?kind ?s ?lat ?lon ?km
ORDER BY ?kind ?km ?s"""


def nearby(lat: float, lon: float, km: float, kinds: list[str], per_kind: int = PER_KIND) -> dict[str, list[Place]]:
    """The nearest places of each kind within ``km`` of (``lat``, ``lon``), nearest first."""
    state = site_state()
    body, _ = state.store.query(_query(lat, lon, km, kinds), timeout=state.sparql.timeout)
    found: dict[str, list[Place]] = {k: [] for k in kinds}
    for row in bindings(body):
        kind = row["kind"].removeprefix(ITSU)
        if kind in found and len(found[kind]) < per_kind:
            found[kind].append(Place(kind, state.iris.shown(row["s"]), row.get("label", ""), float(row["lat"]),
                                     float(row["lon"]), round(float(row["km"]), 3)))
    return found


@bp.get("/near")
def near() -> Response:
    if "lat" not in request.args and "lon" not in request.args:  # the form alone
        return Response(render_template("near.html", lat="", lon="", km=DEFAULT_KM, sections=[], points="[]"))
    lat = _number("lat", -90, 90)
    lon = _number("lon", -180, 180)
    km = _number("radius", 0.01, MAX_KM, DEFAULT_KM)
    asked = [k for k in request.args.get("kinds", "").split(",") if k]
    unknown = [k for k in asked if k not in KINDS]
    if unknown:
        raise BadRequest(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    kinds = asked or list(KINDS)
    found = nearby(lat, lon, km, kinds)
    wants_json = request.args.get("format") == "json" or (
        request.args.get("format") is None
        and request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")
    if wants_json:
        answer = {"lat": lat, "lon": lon, "radius_km": km,
                  "places": {k: [asdict(p) for p in v] for k, v in found.items()}}
        return Response(json.dumps(answer, ensure_ascii=False), mimetype="application/json",
                        headers={"Access-Control-Allow-Origin": "*"})
    labels = vocabulary_labels()
    sections = [(labels.get(ITSU + k, (k, k)), [(p, safe_href(p.iri)) for p in v]) for k, v in found.items()]
    return Response(render_template("near.html", lat=lat, lon=lon, km=km, sections=sections,
                                    points=json.dumps([[p.lat, p.lon, p.label] for v in found.values() for p in v],
                                                      ensure_ascii=False)))
