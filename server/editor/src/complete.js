// Completion and checks of the query editor: prefixes from the site's namespaces, classes and properties
// from the data (the site's /sparql/terms.json), variables of the query, keywords; an undeclared known
// prefix is flagged with an action that declares it.
import { linter } from "@codemirror/lint";

const KEYWORDS = ("SELECT DISTINCT REDUCED WHERE PREFIX BASE FILTER OPTIONAL UNION MINUS GRAPH SERVICE BIND VALUES " +
  "GROUP BY ORDER ASC DESC HAVING LIMIT OFFSET CONSTRUCT DESCRIBE ASK FROM NAMED NOT EXISTS IN AS COUNT SUM MIN " +
  "MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT " +
  "STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY NOW COALESCE IF " +
  "REGEX REPLACE SUBSTR isIRI isURI isBLANK isLITERAL isNUMERIC").split(" ");

// strings, IRIs and comments: no prefixed name is looked for inside them
const SKIPPED = /<[^<>"{}|^`\\\s]*>|"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/gu;
const PREFIXED = /(^|[^\w?$:.\-\u00b7\u0300-\u036f\u203f\u2040\p{L}\p{N}])([A-Za-z][\w\-]*)?:(?=[\p{L}\p{N}_])/gu;
const DECLARED = /PREFIX\s+([A-Za-z][\w\-]*)?:\s*</giu;

/** The prefixes a query declares. */
export function declared(text) {
  const names = new Set();
  for (const m of text.replace(SKIPPED, (s) => (s[0] === "<" ? "<>" : " ".repeat(s.length))).matchAll(DECLARED)) {
    names.add(m[1] || "");
  }
  return names;
}

/** Where a new PREFIX line goes: after the last one of the prologue, else at the top. */
function declarationAt(state) {
  let at = 0;
  for (let n = 1; n <= state.doc.lines; n++) {
    const line = state.doc.line(n);
    const text = line.text.trim();
    if (/^(PREFIX|BASE)\b/i.test(text)) { at = line.to + 1; continue; }
    if (text === "" || text.startsWith("#")) { continue; }
    break;
  }
  return Math.min(at, state.doc.length);
}

/** A transaction spec that declares ``prefix`` (nothing when it is declared already). */
export function declare(state, prefix, namespaces) {
  if (declared(state.doc.toString()).has(prefix) || !(prefix in namespaces)) { return null; }
  const at = declarationAt(state);
  const text = `PREFIX ${prefix}: <${namespaces[prefix]}>\n`;
  return { changes: { from: at, insert: at > 0 && state.doc.sliceString(at - 1, at) !== "\n" ? "\n" + text : text } };
}

/** Declares ``prefix`` in the editor ``view`` (nothing when it is declared already). */
function declareIn(view, prefix, namespaces) {
  const spec = declare(view.state, prefix, namespaces);
  if (spec) { view.dispatch(spec); }
}

function termOptions(list, prefix, namespace, type, undeclared, namespaces) {
  const options = [];
  for (const term of list) {
    if (!term.iri.startsWith(namespace)) { continue; }
    const local = term.iri.slice(namespace.length);
    if (!/^[\p{L}\p{N}_][\p{L}\p{N}_\-.]*$/u.test(local) || local.endsWith(".")) { continue; }
    const label = `${prefix}:${local}`;
    options.push({
      label, type, detail: `${term.label ? term.label + " · " : ""}${term.count.toLocaleString()}`,
      boost: Math.min(50, Math.log10(term.count + 1) * 10) - 50,
      apply: undeclared ? (view, completion, from, to) => {
        view.dispatch({ changes: { from, to, insert: label } });
        declareIn(view, prefix, namespaces);
      } : label,
    });
  }
  return options;
}

/** The completion source: ``terms`` is ``{prefixes, classes, properties}`` (filled in when it arrives). */
export function completions(terms) {
  return (context) => {
    const { state, pos } = context;
    const line = state.doc.lineAt(pos);
    const before = line.text.slice(0, pos - line.from);
    const namespaces = terms.prefixes;
    const declaring = /\bPREFIX\s+([A-Za-z][\w\-]*)?$/i.exec(before);
    if (declaring) {  // PREFIX ic|  ->  ic: <http://imi.go.jp/ns/core/rdf#>
      const typed = declaring[1] || "";
      return {
        from: pos - typed.length,
        options: Object.entries(namespaces).map(([prefix, ns]) => ({
          label: `${prefix}: <${ns}>`, type: "namespace", apply: `${prefix}: <${ns}>`,
        })),
        validFor: /^[\w\-]*$/,
      };
    }
    const prefixed = context.matchBefore(/([A-Za-z][\w\-]*)?:[\p{L}\p{N}_\-.]*$/u);
    if (prefixed && !/[<"'#]/.test(before.slice(0, prefixed.from - line.from).replace(/<[^>]*>|"[^"]*"|'[^']*'/g, ""))) {
      const prefix = prefixed.text.slice(0, prefixed.text.indexOf(":"));
      const namespace = namespaces[prefix];
      if (namespace === undefined) { return null; }
      const undeclared = !declared(state.doc.toString()).has(prefix);
      const options = [
        ...termOptions(terms.classes, prefix, namespace, "class", undeclared, namespaces),
        ...termOptions(terms.properties, prefix, namespace, "property", undeclared, namespaces),
      ];
      if (undeclared) {
        options.unshift({
          label: `${prefix}:`, detail: `PREFIX ${prefix}: を宣言 / declare`, type: "namespace", boost: 99,
          apply: (view) => declareIn(view, prefix, namespaces),
        });
      }
      return { from: prefixed.from, options, validFor: /^([A-Za-z][\w\-]*)?:[\p{L}\p{N}_\-.]*$/u };
    }
    const variable = context.matchBefore(/[?$][\w\p{L}]*$/u);
    if (variable) {
      const seen = new Set(state.doc.toString().match(/[?$][\w\p{L}]+/gu) || []);
      seen.delete(variable.text);
      return { from: variable.from, options: [...seen].map((v) => ({ label: v, type: "variable" })) };
    }
    const word = context.matchBefore(/[A-Za-z_]\w*$/);
    if (!word || (word.from === word.to && !context.explicit)) { return null; }
    return {
      from: word.from,
      options: KEYWORDS.map((k) => ({ label: k, type: "keyword" }))
        .concat(Object.keys(namespaces).map((p) => ({ label: `${p}:`, type: "namespace", detail: namespaces[p] }))),
      validFor: /^\w*$/,
    };
  };
}

/** Undeclared prefixes: a warning with an action that declares a known one, an error for an unknown one;
 * ``more(view)`` adds other diagnostics (the endpoint's error for the text it was given). */
export function prefixLinter(terms, more = () => []) {
  return linter((view) => {
    const text = view.state.doc.toString();
    const masked = text.replace(SKIPPED, (s) => " ".repeat(s.length));
    const have = declared(text);
    const found = [];
    for (const m of masked.matchAll(PREFIXED)) {
      const prefix = m[2] || "";
      if (have.has(prefix)) { continue; }
      const from = m.index + m[1].length;
      const to = from + prefix.length + 1;
      if (/^\s*PREFIX\s*$/i.test(masked.slice(masked.lastIndexOf("\n", from) + 1, from))) { continue; }
      const known = prefix in terms.prefixes;
      found.push({
        from, to, severity: known ? "warning" : "error",
        message: known ? `PREFIX ${prefix}: が宣言されていません / ${prefix}: is not declared`
          : `未知の接頭辞 ${prefix}: / unknown prefix ${prefix}:`,
        actions: known ? [{
          name: `宣言する / Declare ${prefix}:`,
          apply(v) { declareIn(v, prefix, terms.prefixes); },
        }] : [],
      });
    }
    return found.concat(more(view));
  }, { delay: 300 });
}
