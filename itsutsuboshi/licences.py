"""Licences: what a stated licence text means (``CC BY 4.0``, ``公共データ利用規約 (PDL1.0)``, a URL, a key).

No converters, no Flask: the diagnosis, the catalogue and the command line share it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CC = "https://creativecommons.org/licenses/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
#: 公共データ利用規約 第1.0版 (PDL1.0), Digital Agency, 2024; compatible with CC BY 4.0
PDL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"

#: the keys ``--license`` documents (any CC name, PDL name or URL is understood too)
LICENCES = {"cc-by-4.0": CC + "by/4.0/", "cc-by-sa-4.0": CC + "by-sa/4.0/", "cc-by-2.1-jp": CC + "by/2.1/jp/",
            "cc0-1.0": CC0, "pdl-1.0": PDL}

_CC_URL = re.compile(r"^https?://(?:www\.)?creativecommons\.org/licenses/(?P<kind>[a-z-]+)/(?P<version>\d\.\d)"
                     r"(?:/(?P<where>[a-z]{2}))?(?:/|$)", re.I)
_CC0_URL = re.compile(r"^https?://(?:www\.)?creativecommons\.org/publicdomain/zero/1\.0", re.I)
_PDL_URL = re.compile(r"^https?://(?:www\.)?digital\.go\.jp/(?:en/)?resources/open_data/public_data_license_v1\.0", re.I)
_VERSION = re.compile(r"(\d)\.(\d)")
_CC_KEY = re.compile(r"cc(by(?:nc|nd|sa)*)")
_JA_TERMS = (("表示", "by"), ("非営利", "nc"), ("改変禁止", "nd"), ("継承", "sa"))
_CLOSED = ("allrightsreserved", "無断転載", "転載禁止", "複製禁止", "利用不可", "二次利用不可")
_NONE = frozenset({"", "-", "なし", "無し", "無", "未定", "未設定", "不明", "none", "na", "n/a"})
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


@dataclass(frozen=True, slots=True)
class Licence:
    """A stated licence understood: its ``iri`` (``None`` when it names none exactly), a short
    ``label``, ``open`` (``True``/``False``, ``None`` when unknown) and CC ``version`` if any."""

    text: str
    iri: str | None
    label: str
    open: bool | None
    version: str | None = None


def _compact(text: str) -> str:
    return re.sub(r"[\s\-_.・()（）/:]+", "", text.lower())


def _cc(kind: str, version: str | None, where: str | None, text: str) -> Licence:
    kind = "-".join(re.findall(r"by|nc|nd|sa", kind)) or "by"
    is_open = "nc" not in kind and "nd" not in kind
    label = f"CC {kind.upper()}" + (f" {version}" if version else "") + (f" {where.upper()}" if where else "")
    iri = f"{CC}{kind}/{version}/" + (f"{where.lower()}/" if where else "") if version else None
    return Licence(text, iri, label, is_open, version)


def understand(text: str) -> Licence | None:
    """What a licence text states; ``None`` for a blank text or one that says there is none (なし)."""
    s = unicodedata.normalize("NFKC", text).strip()
    if s.lower() in _NONE:
        return None
    compact = _compact(s)
    if s.lower().startswith(("http://", "https://")):
        url = s.split()[0]
        m = _CC_URL.match(url)
        if m:
            return _cc(m["kind"].lower(), m["version"], m["where"], s)
        if _CC0_URL.match(url):
            return Licence(s, CC0, "CC0 1.0", True, "1.0")
        if _PDL_URL.match(url):
            return Licence(s, PDL, "公共データ利用規約 第1.0版 (PDL1.0)", True)
        return Licence(s, None if _IRI_BAD.search(url) else url, url, None)
    if compact.startswith("cc0") or "publicdomain" in compact:
        return Licence(s, CC0, "CC0 1.0", True, "1.0")
    if "公共データ利用規約" in s or compact.startswith(("pdl10", "pdl1", "publicdatalicense")):
        return Licence(s, PDL, "公共データ利用規約 第1.0版 (PDL1.0)", True)
    if "政府標準利用規約" in s:  # the predecessor of PDL1.0, also compatible with CC BY 4.0
        return Licence(s, None, "政府標準利用規約", True)
    if "odbl" in compact:
        return Licence(s, ODBL, "ODbL 1.0", True, "1.0")
    version_match = _VERSION.search(s)
    version = f"{version_match[1]}.{version_match[2]}" if version_match else None
    where = "jp" if version == "2.1" and ("jp" in compact or "日本" in s) else None
    m = _CC_KEY.search(compact)
    if m:
        return _cc(m[1], version, where, s)
    if "クリエイティブコモンズ" in compact or "creativecommons" in compact:
        kind = "".join(code for word, code in _JA_TERMS if word in s)
        kind = kind + "".join(k for k in ("nc", "nd", "sa") if re.search(rf"\b{k}\b", s.lower()) and k not in kind)
        return _cc(kind or "by", version, where, s)
    if any(word in compact for word in _CLOSED):
        return Licence(s, None, s, False)
    return Licence(s, None, s, None)


def licence_iri(text: str) -> str | None:
    """The IRI of a licence given as a key (``cc-by-4.0``, ``cc0``, ``pdl-1.0``), a name
    (``CC BY 4.0``, ``公共データ利用規約 (PDL1.0)``) or a URL; ``None`` when it names no exact licence."""
    found = understand(text)
    return found.iri if found else None
