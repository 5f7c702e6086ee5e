// The query page's editor: CodeMirror 6 with SPARQL highlighting and completion over the page's form
// (which still posts without JavaScript), and the result as a table, a map and a chart, with the time it
// took, a permalink, downloads and the endpoint's error message.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { StreamLanguage } from "@codemirror/language";
import { autocompletion } from "@codemirror/autocomplete";
import { forceLinting } from "@codemirror/lint";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { completions, prefixLinter } from "./complete.js";
import { chart, chartable, map, points, table } from "./results.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const form = document.getElementById("form");
const area = document.getElementById("query");
const status = document.getElementById("status");
const results = document.getElementById("results");
const views = document.getElementById("views");
const links = document.getElementById("links");
const elapsed = document.getElementById("elapsed");
const terms = { prefixes: config.prefixes, classes: [], properties: [] };
let shownMap = null;
let endpointError = null;  // {text, message} of the last query the endpoint refused

fetch(config.terms, { headers: { Accept: "application/json" } })
  .then((r) => (r.ok ? r.json() : null))
  .then((data) => { if (data) { Object.assign(terms, data); } })
  .catch(() => {});  // completion falls back to prefixes and keywords

const view = new EditorView({
  doc: area.value,
  extensions: [
    basicSetup,
    StreamLanguage.define(sparql),
    autocompletion({ override: [completions(terms)], activateOnTyping: true }),
    prefixLinter(terms, (v) => errorDiagnostics(v)),
    Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { submit(); return true; } }])),
    EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
  ],
});
area.hidden = true;
area.after(view.dom);
view.dom.classList.add("query-editor");
document.getElementById("hint").hidden = false;

function query() { return view.state.doc.toString(); }

function setQuery(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function link(text, href, download) {
  const a = document.createElement("a");
  a.textContent = text;
  a.href = href;
  if (download) { a.setAttribute("download", download); }
  return a;
}

/** Where the endpoint's message says the query went wrong ("line:3, col:8" or "error at 3:8"), kept as a
 * diagnostic while the text is the one that was sent (``endpointError``). */
function errorDiagnostics(v) {
  if (!endpointError || v.state.doc.toString() !== endpointError.text) { return []; }
  const m = /\(line:(\d+), col:(\d+)\)/.exec(endpointError.message) || /error at (\d+):(\d+)/.exec(endpointError.message);
  if (!m) { return []; }
  const doc = v.state.doc;
  const line = doc.line(Math.min(Math.max(1, Number(m[1])), doc.lines));
  const from = Math.min(line.from + Math.max(0, Number(m[2]) - 1), line.to);
  return [{ from, to: Math.min(from + 1, line.to), severity: "error", message: endpointError.message.split("\n")[0] }];
}

function markError(text, message) {
  endpointError = { text, message };
  forceLinting(view);
}

function permalink(text) { return `${config.ui}?query=${encodeURIComponent(text)}`; }

function showLinks(text, graph) {
  const q = `${config.endpoint}?query=${encodeURIComponent(text)}&format=`;
  const formats = graph ? [["Turtle", "turtle", "ttl"], ["N-Triples", "nt", "nt"], ["JSON-LD", "jsonld", "jsonld"]]
    : [["CSV", "csv", "csv"], ["TSV", "tsv", "tsv"], ["JSON", "json", "json"]];
  const items = formats.map(([label, name, ext]) => link(label, q + name, `result.${ext}`));
  const perma = link("固定リンク Permalink", permalink(text));
  perma.id = "permalink";
  links.replaceChildren(...items, perma);
}

function tab(name, label, draw) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "view-tab";
  button.dataset.view = name;
  button.textContent = label;
  button.addEventListener("click", () => {
    for (const b of views.querySelectorAll("button")) { b.setAttribute("aria-pressed", String(b === button)); }
    results.replaceChildren();
    if (shownMap) { shownMap.remove(); shownMap = null; }
    draw(results);
  });
  views.appendChild(button);
  return button;
}

function chartView(data) {
  return (box) => {
    const { labels, numeric } = chartable(data);
    const pick = (names, selected) => {
      const select = document.createElement("select");
      for (const n of names) { const o = document.createElement("option"); o.value = o.textContent = n; select.appendChild(o); }
      select.value = selected;
      return select;
    };
    const labelSelect = pick(labels, labels[0]);
    const valueSelect = pick(numeric, numeric[0]);
    const controls = document.createElement("p");
    controls.className = "chart-controls";
    controls.append("ラベル Label ", labelSelect, " 値 Value ", valueSelect);
    const area = document.createElement("div");
    const draw = () => area.replaceChildren(chart(data, labelSelect.value, valueSelect.value, config));
    labelSelect.addEventListener("change", draw);
    valueSelect.addEventListener("change", draw);
    box.append(controls, area);
    draw();
  };
}

function render(data) {
  views.replaceChildren();
  if (typeof data.boolean === "boolean") {
    views.hidden = true;
    status.textContent = `ASK: ${data.boolean}`;
    return;
  }
  const found = points(data);
  const first = tab("table", "表 Table", (box) => box.appendChild(table(data, config)));
  if (found.length) {
    tab("map", `地図 Map (${found.length})`, (box) => {
      const holder = document.createElement("div");
      holder.className = "result-map";
      holder.id = "result-map";
      box.appendChild(holder);
      shownMap = map(holder, found, data, config);
    });
  }
  if (data.results.bindings.length && chartable(data).numeric.length) {
    tab("chart", "グラフ Chart", chartView(data));
  }
  views.hidden = false;
  first.click();
}

function run(text) {
  status.className = "";
  status.textContent = "実行中… Running…";
  elapsed.textContent = "";
  results.replaceChildren();
  views.replaceChildren();
  views.hidden = true;
  const started = performance.now();
  const took = () => { elapsed.textContent = `${Math.round(performance.now() - started).toLocaleString()} ms`; };
  fetch(config.endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
    body: text,
  }).then((response) => {
    if (!response.ok) {
      return response.text().then((message) => {
        took();
        throw new Error(`${response.status} ${response.statusText}: ${message.trim()}`);
      });
    }
    const truncated = response.headers.get("X-Result-Truncated")
      ? ` (${response.headers.get("X-Result-Limit")} 行で打ち切り / truncated)` : "";
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("sparql-results+json") < 0) {
      showLinks(text, true);
      return response.text().then((body) => {
        took();
        status.textContent = `グラフ Graph${truncated}`;
        const pre = document.createElement("pre");
        pre.textContent = body;
        results.appendChild(pre);
      });
    }
    showLinks(text, false);
    return response.json().then((data) => {
      took();
      if (data.results) { status.textContent = `${data.results.bindings.length.toLocaleString()} 行 rows${truncated}`; }
      render(data);
    });
  }).catch((error) => {
    status.className = "error";
    status.textContent = error.message;
    markError(text, error.message);
  });
}

function submit() {
  const text = query();
  area.value = text;
  history.replaceState(null, "", permalink(text));
  run(text);
}

form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });

for (const example of document.querySelectorAll("#gallery a.example")) {
  example.addEventListener("click", (event) => {
    event.preventDefault();
    setQuery(example.dataset.query);
    history.replaceState(null, "", permalink(example.dataset.query));
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    view.focus();
  });
}

window.queryEditor = { view, get value() { return query(); }, set value(text) { setQuery(text); }, run: submit };

if (document.getElementById("editor-script").dataset.autorun) { submit(); }
