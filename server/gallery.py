"""The gallery of research examples on the query page: one SPARQL file per question in ``queries/``.

Each file begins with comment lines that name it, then the query (which the endpoint runs as it is)::

    # title: 市区町村ごとの AED の数
    # title_en: AEDs per municipality
    # about: 発行者 (全国地方公共団体コード) ごとに数えます。
    # about_en: Counted per publisher (local government code).
    # topic: 防災 / Safety
    PREFIX itsu: <https://w3id.org/itsutsuboshi/ns#>
    SELECT …

Files are shown in the order of their names (``01-aeds-per-municipality.rq`` …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: the keys a file's header may set
FIELDS = ("title", "title_en", "about", "about_en", "topic")
_HEADER = re.compile(r"#\s*(?P<key>[a-z_]+):\s?(?P<value>.*)")


@dataclass(frozen=True)
class Example:
    """One research question: its file name (without ``.rq``), titles, descriptions, topic and query."""

    name: str
    title: str
    title_en: str
    about: str
    about_en: str
    topic: str
    query: str


def parse(name: str, text: str) -> Example:
    """An example from the text of its file; ``ValueError`` when a title is missing."""
    fields = dict.fromkeys(FIELDS, "")
    lines = text.splitlines()
    body = 0  # the first line of the query
    while body < len(lines) and (found := _HEADER.fullmatch(lines[body].strip())) and found["key"] in fields:
        fields[found["key"]] = (fields[found["key"]] + " " + found["value"].strip()).strip()
        body += 1
    if not fields["title"] or not fields["title_en"]:
        raise ValueError(f"{name}: an example needs '# title:' and '# title_en:' lines")
    query = "\n".join(lines[body:]).strip() + "\n"
    return Example(name, query=query, **fields)


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    """Every example of the gallery, in the order of the file names (read once)."""
    folder = resources.files("itsutsuboshi.server") / "queries"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return tuple(parse(f.name[:-3], f.read_text(encoding="utf-8")) for f in files)
