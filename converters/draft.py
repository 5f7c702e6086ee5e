"""A draft mapping for one file (``itsutsuboshi map``): the recognised dataset's mapping file with the
file's own column names added as aliases, and what each rests on as comments, for a person to check once.

The draft is an ordinary mapping file (docs/mappings.md): ``--mapping`` uses it, and ``publish`` picks it
up when it lies next to the CSV as ``<file name without extension>.mapping.toml``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from .mapping import Mapping
from .recognize import Recognition

SUFFIX = ".mapping.toml"
_NAME = re.compile(r'^name\s*=\s*"(?P<name>[^"]*)"\s*$')
_ALIASES = re.compile(r"^aliases\s*=\s*\[(?P<items>.*)\]\s*$")


def draft_path(csv: Path) -> Path:
    """Where the draft of ``csv`` goes, and where ``publish`` looks for it."""
    return csv.with_name(csv.stem + SUFFIX)


def source_text(mapping: Mapping) -> str:
    """The text of the mapping file a mapping was read from (bundled, generic or the user's own)."""
    folder = resources.files(__package__)
    for candidate in (folder.joinpath("mappings", mapping.source), folder.joinpath("data", mapping.source)):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return Path(mapping.source).read_text(encoding="utf-8")


def draft(recognition: Recognition, header: list[str], *, filename: str) -> str:
    """The draft mapping text for a file recognised as ``recognition`` with ``header``."""
    mapping = recognition.mapping
    assert mapping is not None
    lines = source_text(mapping).splitlines()
    matches = {m.field: m for m in recognition.columns}
    out = [f"# 下書きのマッピング / Draft mapping for {filename} (itsutsuboshi map)",
           f"# データセット / dataset: {mapping.dataset} ({mapping.title_ja} / {mapping.title_en}), "
           f"確信度 / confidence {recognition.confidence:.2f}" + (" — 一般的な表 / generic table" if recognition.generic else ""),
           "# 根拠 / evidence: " + ("; ".join(recognition.evidence) or "-"),
           "# 候補 / candidates: " + ", ".join(f"{d} {s:.2f}" for d, _, s in recognition.candidates[:5]),
           "# 確かめて直したら、--mapping で使えます。CSV の横に置けば publish が自動で使います。",
           "# Check it, correct it, then use it with --mapping; kept next to the CSV, publish uses it by itself."]
    if recognition.unplaced:
        out.append("# 対応する項目のない列（独自の項目として残ります。ある項目の列なら、その aliases に名前を足してください）/")
        out.append("# columns placed nowhere (kept as custom properties; to place one, add its name to a column's aliases): "
                   + ", ".join(recognition.unplaced))
    out.append("")
    in_headers = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            in_headers = stripped == "[headers]"
            out.append(line)
            if in_headers:
                out.append(f"this_file = {json.dumps(header, ensure_ascii=False)}")
            continue
        found = _NAME.match(stripped)
        if found and not in_headers and found["name"] in matches:
            match = matches[found["name"]]
            out.append(line)
            out.append(f"# ← 「{match.header}」 {match.score:.2f} ({match.evidence})")
            continue
        aliases = _ALIASES.match(stripped)
        if aliases and out and out[-1].startswith("# ← 「"):
            field = _NAME.match(out[-2].strip())
            aliased = matches[field["name"]] if field else None
            if aliased is not None and aliased.header not in json.loads(f"[{aliases['items']}]"):
                line = f"aliases = [{aliases['items']}, {json.dumps(aliased.header, ensure_ascii=False)}]"
        out.append(line)
    text = "\n".join(out) + "\n"
    return _missing_aliases(text, matches)


def _missing_aliases(text: str, matches: dict) -> str:
    """Columns whose block has no ``aliases`` line get one with the file's name for them."""
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        out.append(line)
        if line.startswith("# ← 「"):
            field = _NAME.match(lines[i - 1].strip())
            block = []
            for later in lines[i + 1:]:
                if later.strip().startswith("["):
                    break
                block.append(later.strip())
            match = matches.get(field["name"]) if field else None
            if match is not None and not any(b.startswith("aliases") for b in block) and match.header != match.field:
                out.append(f"aliases = [{json.dumps(match.header, ensure_ascii=False)}]")
    return "\n".join(out) + "\n"
