// The views of a SELECT result (SPARQL JSON results): a table, a map of the points in it, a bar chart of a
// label column against a number column. Every value goes in as text (never as HTML); only http(s) IRIs link.
const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
  "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
const PLAIN = new Set([XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"]);
const WKT_POINT = /^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*$/i;
const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attrs || {})) { node.setAttribute(k, v); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

function svg(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) { node.setAttribute(k, String(v)); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

/** The site's page for an IRI of its data, the IRI itself when http(s), else null. */
export function pageOf(iri, config) {
  for (const [prefix, page] of Object.entries(config.pages || {})) {
    if (iri.startsWith(prefix)) { return page + iri.slice(prefix.length); }
  }
  return /^https?:\/\//i.test(iri) ? iri : null;
}

function shown(iri, config) {
  for (const [base, as] of Object.entries(config.shown || {})) {
    if (iri.startsWith(base)) { return as + iri.slice(base.length); }
  }
  return iri;
}

/** A compact name for a datatype (xsd:integer) from the site's prefixes. */
function compact(iri, config) {
  let best = "";
  let name = iri;
  for (const [prefix, ns] of Object.entries(config.prefixes || {})) {
    if (iri.startsWith(ns) && ns.length > best.length) { best = ns; name = `${prefix}:${iri.slice(ns.length)}`; }
  }
  return name;
}

function number(term) {
  if (!term || term.type === "uri" || term.type === "bnode") { return null; }
  if (term.datatype && !NUMERIC.has(term.datatype) && !PLAIN.has(term.datatype)) { return null; }
  const value = term.value.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)) { return null; }
  return Number(value);
}

function cell(term, config) {
  const td = el("td");
  if (!term) { return td; }
  if (term.type === "uri") {
    const href = pageOf(term.value, config);
    const text = shown(term.value, config);
    td.appendChild(href ? el("a", { href }, text) : el("span", { class: "iri" }, text));
    return td;
  }
  if (term.type === "bnode") { td.textContent = "_:" + term.value; return td; }
  td.appendChild(el("span", { class: "value" }, term.value));
  const lang = term["xml:lang"];
  const badge = lang ? "@" + lang : (term.datatype && !PLAIN.has(term.datatype) ? compact(term.datatype, config) : "");
  if (badge) {
    td.appendChild(document.createTextNode(" "));
    td.appendChild(el("span", { class: "badge", title: lang ? "language" : term.datatype }, badge));
  }
  if (number(term) !== null) { td.className = "number"; }
  return td;
}

/** The result as a table. */
export function table(data, config) {
  const t = el("table", { class: "result-table" });
  const head = t.createTHead().insertRow();
  for (const v of data.head.vars) { head.appendChild(el("th", {}, v)); }
  const body = t.createTBody();
  for (const row of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of data.head.vars) { tr.appendChild(cell(row[v], config)); }
  }
  return t;
}

/** The points of a result: ``[{lat, long, row}]`` from lat/long number columns or WKT POINT literals. */
export function points(data) {
  const vars = data.head.vars;
  const latVar = vars.find((v) => /^(lat|latitude|緯度)(\d*)$/i.test(v) || /lat$/i.test(v));
  const longVar = vars.find((v) => /^(long|lon|lng|longitude|経度)(\d*)$/i.test(v) || /(long|lon|lng)$/i.test(v));
  const found = [];
  for (const row of data.results.bindings) {
    let lat = latVar && longVar ? number(row[latVar]) : null;
    let long = latVar && longVar ? number(row[longVar]) : null;
    if (lat === null || long === null) {
      lat = long = null;
      for (const v of vars) {
        const term = row[v];
        const m = term && term.type !== "uri" ? WKT_POINT.exec(term.value) : null;
        if (m) { long = Number(m[1]); lat = Number(m[2]); break; }
      }
    }
    if (lat !== null && long !== null && Math.abs(lat) <= 90 && Math.abs(long) <= 180) { found.push({ lat, long, row }); }
  }
  return found;
}

function labelOf(row, vars) {
  for (const v of vars) {
    const term = row[v];
    if (term && term.type === "literal" && number(term) === null && !WKT_POINT.test(term.value)) { return term.value; }
  }
  return "";
}

/** Draws the points on a Leaflet map in ``box`` (Leaflet is vendored as the global ``L``). */
export function map(box, found, data, config) {
  const L = window.L;
  if (!L) { box.textContent = "Leaflet is not loaded"; return null; }
  L.Icon.Default.imagePath = config.images;
  const m = L.map(box);
  if (config.tiles) {
    L.tileLayer(config.tiles, {
      maxZoom: 19, attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors",
    }).addTo(m);
  }
  const markers = [];
  for (const p of found.slice(0, 5000)) {
    const marker = L.marker([p.lat, p.long]).addTo(m);
    const label = labelOf(p.row, data.head.vars);
    const iriVar = data.head.vars.find((v) => p.row[v] && p.row[v].type === "uri");
    const popup = el("span");
    const href = iriVar ? pageOf(p.row[iriVar].value, config) : null;
    popup.appendChild(href ? el("a", { href }, label || p.row[iriVar].value) : el("span", {}, label));
    if (label) { const tip = el("span", {}, label); marker.bindTooltip(tip); }
    marker.bindPopup(popup);
    markers.push([p.lat, p.long]);
  }
  m.fitBounds(L.latLngBounds(markers).pad(0.1), { maxZoom: 16 });
  return m;
}

/** Columns that can be charted: labels (any) and numbers (every bound value a number). */
export function chartable(data) {
  const rows = data.results.bindings;
  const numeric = data.head.vars.filter((v) => {
    const bound = rows.filter((r) => r[v]);
    return bound.length > 0 && bound.every((r) => number(r[v]) !== null);
  });
  const labels = data.head.vars.filter((v) => !numeric.includes(v) && rows.some((r) => r[v]));
  return { labels: labels.length ? labels : data.head.vars, numeric };
}

/** A horizontal bar chart (SVG) of ``valueVar`` per ``labelVar``, the first 100 rows. */
export function chart(data, labelVar, valueVar, config) {
  const rows = data.results.bindings.filter((r) => number(r[valueVar]) !== null).slice(0, 100);
  const values = rows.map((r) => number(r[valueVar]));
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const bar = 20;
  const width = 760;
  const left = 260;
  const right = 80;
  const height = rows.length * bar + 10;
  const scale = (width - left - right) / ((max - min) || 1);
  const zero = left + (0 - min) * scale;
  const root = svg("svg", { class: "bar-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  root.appendChild(svg("title", {}, `${valueVar} / ${labelVar}`));
  rows.forEach((row, i) => {
    const term = row[labelVar];
    const text = term ? (term.type === "uri" ? shown(term.value, config) : term.value) : "";
    const y = 5 + i * bar;
    const label = svg("text", { x: left - 6, y: y + bar * 0.7, "text-anchor": "end", class: "bar-label" },
      text.length > 36 ? text.slice(0, 35) + "…" : text);
    label.appendChild(svg("title", {}, text));
    root.appendChild(label);
    const v = values[i];
    const x = v >= 0 ? zero : zero + v * scale;
    const rect = svg("rect", { x, y: y + 2, width: Math.max(1, Math.abs(v) * scale), height: bar - 4, class: "bar" });
    rect.appendChild(svg("title", {}, `${text}: ${v.toLocaleString()}`));
    root.appendChild(rect);
    root.appendChild(svg("text", { x: (v >= 0 ? x + Math.abs(v) * scale : x) + 4, y: y + bar * 0.7, class: "bar-value" },
      v.toLocaleString()));
  });
  return root;
}
