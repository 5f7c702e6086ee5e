// Writes ../static/editor.bundle-LICENSE.txt: every npm package esbuild put into the bundle (from its
// metafile), with its version, licence and licence text.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const meta = JSON.parse(readFileSync(process.argv[2], "utf8"));
const names = new Set();
for (const input of Object.keys(meta.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) { names.add(m[1]); }
}
const own = JSON.parse(readFileSync("package.json", "utf8"));
const parts = [`The query editor of itsutsuboshi (${own.license}), server/editor/src, bundles these packages:\n`];
for (const name of [...names].sort()) {
  const folder = join("node_modules", name);
  const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const file = readdirSync(folder).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  parts.push("=".repeat(78), `${pkg.name} ${pkg.version} — ${pkg.license}`,
    pkg.repository ? (pkg.repository.url || pkg.repository) : "", "",
    file && existsSync(join(folder, file)) ? readFileSync(join(folder, file), "utf8").trim() : `(${pkg.license})`, "");
}
writeFileSync(process.argv[3], parts.join("\n") + "\n");
console.log(`${names.size} packages in ${process.argv[3]}`);
