"""Write shapes/<dataset>.ttl for every bundled mapping (run after changing a mapping or common.ttl)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.shapes import generate

ROOT = Path(__file__).resolve().parents[1]


def build() -> dict[str, str]:
    """File name -> Turtle text of every generated shapes file."""
    common = Graph().parse(ROOT / "shapes" / "common.ttl")
    out = {}
    for name in mappings.names():
        m = mappings.get(name)
        out[f"{name}.ttl"] = generate.serialize(generate.dataset_shapes(m, common), m)
    return out


def main() -> None:
    for name, text in build().items():
        (ROOT / "shapes" / name).write_text(text, encoding="utf-8")
        print("wrote shapes/" + name)


if __name__ == "__main__":
    main()
