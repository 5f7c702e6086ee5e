"""Who published a file: the local government whose code its record IRIs, its dataset and its source carry.

File-level evidence, strongest first:

1. the code given (``--code``, or ``code`` in the folder's ``itsutsuboshi.toml``);
2. a code at the start of the file name (``222127_aed.csv``, the standard's naming);
3. a local government named in the file's metadata rows, its title rows or its file name
   (``#attribution_name,高松市``, 「沖縄県医療機関一覧」, ``那覇市_aed.csv``);
4. the code column of the rows: the government nearly every row names (:data:`DOMINANT` of them; a
   city's list with a few neighbours' rows); when the rows name several municipalities of one prefecture
   with none of them dominant (a prefecture's list), the prefecture, said in a note;
5. without a code column, the addresses: the municipality nearly every address names (the wards of a
   designated city count for the city: さいたま市浦和区 and さいたま市北区 are さいたま市), or the
   prefecture they all lie in.

Each row's own code then says which municipality the record belongs to, not who published it. A
publisher found nowhere is a file-level issue (``publisher.unknown``) with the steps to give one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import local_governments
from .normalize import repair_lgcode

#: metadata keys that name who published or owns the data (LinkData ``#attribution_name`` and the like)
#: the share of rows one code must have to be the publisher's when the rows name several
DOMINANT = 0.8
PUBLISHER_KEYS = ("attribution_name", "publisher", "creator", "author", "発行者", "作成者", "公開者", "提供者", "出典")


@dataclass(frozen=True, slots=True)
class Publisher:
    """The decision: ``code`` (``None`` when unknown) and the evidence it rests on."""

    code: str | None
    evidence: str  # "given", "file_name", "metadata", "title", "rows", "prefecture" or "unknown"
    detail: str = ""  # what was read (a name, a value), for the note that reports it


def code_from_filename(filename: str) -> str | None:
    """``222127_aed.csv`` → ``222127`` (the standard's file naming), when the code is valid."""
    head = filename.split("_", 1)[0]
    if head.isdigit() and len(head) in (5, 6):
        code, problem = repair_lgcode(head)
        return code if problem is None or problem[0] == "lgcode.repaired" else None
    return None


def from_file(*, given: str | None, filename: str, metadata: Mapping[str, str],
              comments: Iterable[str] = ()) -> Publisher | None:
    """The publisher from file-level evidence alone (``None``: look at the rows)."""
    if given:
        return Publisher(given, "given", given)
    code = code_from_filename(filename)
    if code:
        return Publisher(code, "file_name", filename)
    lowered = {k.strip().lower(): v for k, v in metadata.items()}
    for key in PUBLISHER_KEYS:
        value = lowered.get(key.lower(), "").strip()
        found = local_governments.find(value) or local_governments.search(value) if value else None
        if found is not None:
            return Publisher(found.code, "metadata", f"#{key} {value}")
    for text in (*comments, lowered.get("title", ""), lowered.get("file_name", ""), filename.rsplit(".", 1)[0]):
        found = local_governments.search(text) if text else None
        if found is not None:
            return Publisher(found.code, "title", text)
    return None


def from_addresses(addresses: Iterable[str]) -> Publisher | None:
    """The publisher from a sample of addresses (``None`` when they name no government clearly)."""
    counts: Counter[str] = Counter()
    total = 0
    for address in addresses:
        total += 1
        found = local_governments.search(address)
        if found is not None:
            counts[_city_of(found).code] += 1
    if not counts or sum(counts.values()) < 0.5 * total:
        return None
    decided = from_rows(counts)
    if decided.code is None:
        return None
    return Publisher(decided.code, "addresses" if decided.evidence == "rows" else decided.evidence, decided.detail)


def _city_of(government: local_governments.LocalGovernment) -> local_governments.LocalGovernment:
    """A ward of a designated city stands for the city."""
    if not government.ward:
        return government
    return next((lg for lg in local_governments.all_local_governments().values()
                 if lg.pref == government.pref and lg.city == government.city and not lg.ward), government)


def from_rows(codes: Counter[str]) -> Publisher:
    """The publisher from the codes the rows carry (rows per code, already repaired, blanks left out)."""
    seen = sorted(codes)
    if not seen:
        return Publisher(None, "unknown")
    top, rows = codes.most_common(1)[0]
    if rows >= DOMINANT * sum(codes.values()):
        return Publisher(top, "rows", top)
    prefectures = {code[:2] for code in seen}
    if len(prefectures) == 1:
        prefecture = next((lg for lg in local_governments.all_local_governments().values()
                           if lg.code[:2] == seen[0][:2] and not lg.city), None)
        if prefecture is not None:
            return Publisher(prefecture.code, "prefecture", f"{prefecture.name} ({len(seen)})")
    return Publisher(None, "unknown", ", ".join(seen[:5]) + (" …" if len(seen) > 5 else ""))
