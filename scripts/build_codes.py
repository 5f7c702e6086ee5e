"""Write vocab/codes/<name>.ttl from vocab/codes/<name>.toml (run after changing a code list)."""

from __future__ import annotations

from pathlib import Path

from itsutsuboshi.vocab import codes

ROOT = Path(__file__).resolve().parents[1]


def build() -> dict[str, str]:
    """File name -> Turtle text of every code list."""
    return {f"{name}.ttl": codes.turtle(codes.get(name)) for name in codes.names()}


def main() -> None:
    for name, text in build().items():
        (ROOT / "vocab" / codes.FOLDER / name).write_text(text, encoding="utf-8")
        print(f"wrote vocab/{codes.FOLDER}/{name}")


if __name__ == "__main__":
    main()
