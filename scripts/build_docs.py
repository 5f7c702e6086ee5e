"""Rebuild docs/datasets.md from the bundled mapping files: ``.venv/bin/python scripts/build_docs.py``."""

from __future__ import annotations

from pathlib import Path

from itsutsuboshi.converters import mapping
from itsutsuboshi.vocab.namespaces import compact

ROOT = Path(__file__).resolve().parent.parent


def render() -> str:
    out = ["# データセット / Datasets", "",
           "itsutsuboshi は次の 14 データセットを、項目名から自動で判別します（`--dataset` で指定も可）。",
           "Header generations: `old` = 推奨データセット, `new` = 自治体標準オープンデータセット; other names are",
           "close variants seen in real files. Recognition compares normalised column names (width, dashes,",
           "brackets, spaces, case unified) with every generation; the summary prints the generation found.",
           "Generated from `converters/mappings/*.toml` by `scripts/build_docs.py`.", "",
           "| No | dataset | 名称 | title | classes | generations |", "|---|---|---|---|---|---|"]
    for m in mapping.bundled().values():
        classes = ", ".join(compact(t) or t for t in m.types)
        out.append(f"| {m.number:02d} | `{m.dataset}` | {m.title_ja} | {m.title_en} | {classes} | "
                   f"{', '.join(m.headers)} |")
    for m in mapping.bundled().values():
        out += ["", f"## {m.number:02d} {m.title_ja} / {m.title_en} (`{m.dataset}`)", ""]
        if m.description:
            out += [m.description, ""]
        out += [f"ID が空のときの鍵 / key columns for a blank ID: {', '.join(m.key) or '-'}", ""]
        for generation, header in m.headers.items():
            out.append(f"- **{generation}**: " + ", ".join(header))
        out += ["", "| column | aliases | ◎ | normaliser | path |", "|---|---|---|---|---|"]
        for c in m.columns:
            target = c.targets[0]
            hops = [f"{compact(s.predicate)}" for s in target.steps] + [compact(target.leaf) or target.leaf]
            prefix = "(publisher) " if c.on == "publisher" else ""
            out.append(f"| {c.name} | {', '.join(c.aliases)} | {'◎' if c.required else ''} | {target.normalizer}"
                       f"{' / ' + c.role if c.role else ''} | {prefix}{' / '.join(hops)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    (ROOT / "docs" / "datasets.md").write_text(render(), encoding="utf-8")
    print("docs/datasets.md written")
