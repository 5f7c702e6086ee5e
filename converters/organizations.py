"""Organisations the records name (運営者, 設置者, 開設者, 管理者, 主催者 …) as one resource each.

A converted row holds its operator as a blank node (an ``ic:法人型`` or ``ic:組織型`` with a name and
perhaps a 法人番号), so a hundred offices of one corporation are a hundred unrelated nodes.
:class:`Organizations` replaces each by an IRI shared by every record that names the same body:

- a valid 法人番号 → ``{base}id/org/{法人番号}`` (``owl:sameAs`` the 法人番号 IRI), or the local
  government's own ``{base}id/lg/{団体コード}`` when it is a local government's 法人番号;
- else a name that is a local government's (``市川市``, ``千葉県``) → that local government;
- else the normalised name (:func:`name_key`) within one municipality → ``{base}id/org/{団体コード}/{name}``,
  stated as grouped (``itsu:groupedBy``, ``itsu:groupingKey``, ``itsu:groupedWithin``).

What the rows said of the body (its names as written, its ID) is gathered into one description, written
once with the file's shared descriptions (:meth:`Organizations.describe`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..iris import UNKNOWN_CODE, IriBuilder
from ..vocab.namespaces import IC, ITSU, RDFS
from . import local_governments
from .model import IRI, Lit, Node, Object
from .normalize import houjin_valid

#: the classes of an organisation node
CLASSES = frozenset({IC + "法人型", IC + "組織型"})
_NAME, _TEXT, _ID, _SCHEME, _VALUE = IC + "名称", IC + "表記", IC + "ID", IC + "体系", IC + "識別値"

#: abbreviated legal forms (in brackets, as ㈱ and （株） are after NFKC) and the form written out
LEGAL_FORMS = {
    "株": "株式会社", "有": "有限会社", "合": "合同会社", "名": "合名会社", "資": "合資会社",
    "福": "社会福祉法人", "社福": "社会福祉法人", "医": "医療法人", "医社": "医療法人社団", "医財": "医療法人財団",
    "学": "学校法人", "宗": "宗教法人", "特非": "特定非営利活動法人", "NPO": "特定非営利活動法人",
    "一社": "一般社団法人", "一財": "一般財団法人", "公社": "公益社団法人", "公財": "公益財団法人",
    "社": "社団法人", "財": "財団法人", "独": "独立行政法人", "協": "協同組合",
}
_FORM = re.compile(r"\((" + "|".join(sorted(map(re.escape, LEGAL_FORMS), key=len, reverse=True)) + r")\)")
_SPACE = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The name organisations are grouped by, in one spelling: NFKC, no spaces, abbreviated legal forms
    written out (``㈱``, ``(株)``, ``（株）`` → ``株式会社``; ``(福)`` → ``社会福祉法人``; ``NPO法人`` →
    ``特定非営利活動法人``). Where the form stands is kept: ``株式会社A`` and ``A株式会社`` stay two names."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    return _FORM.sub(lambda m: LEGAL_FORMS[m[1]], s).replace("NPO法人", "特定非営利活動法人")


def local_government_of(number: str) -> str | None:
    """The 団体コード of a local government's 法人番号 (check digit + ``000020`` + code), else None."""
    code = number[7:]
    if len(number) == 13 and number[1:7] == "000020" and local_governments.by_code(code) is not None:
        return code
    return None


@dataclass
class _Described:
    """One organisation: its node (types and what the rows said, each statement once) and how it was found."""

    node: Node
    how: str  # "corporate_number" or "name"
    key: str = ""  # the normalised name, when grouped by name
    scope: str = ""  # the municipality the name was grouped within
    seen: set[tuple[str, object]] = field(default_factory=set)


class Organizations:
    """The organisations of one file: :meth:`resolve` gives each organisation node its shared IRI."""

    def __init__(self, iris: IriBuilder) -> None:
        self.iris = iris
        self._described: dict[str, _Described] = {}
        self.local_governments: set[str] = set()  # 団体コード of the local governments organisations turned out to be

    def resolve(self, node: Node, scope: str | None) -> tuple[str | None, str]:
        """(IRI, outcome) for an organisation node; ``scope`` is the 団体コード of the record's municipality.
        Outcomes: ``corporate_number``, ``local_government``, ``name``, or ``ungrouped`` (IRI ``None``: no
        valid 法人番号, and no name or no municipality to group it within)."""
        number = next((_text(v, _VALUE) or "" for p, v in node.props
                       if p == _ID and isinstance(v, Node) and _text(v, _SCHEME) == "法人番号"), "")
        names = [t for p, v in node.props if p == _NAME and isinstance(v, Node) and (t := _text(v, _TEXT))]
        if houjin_valid(number):
            code = local_government_of(number)
            if code is not None:
                return self._government(code), "local_government"
            return self._add(self.iris.org(number), node, "corporate_number"), "corporate_number"
        key = name_key(names[0]) if names else ""
        if not key:
            return None, "ungrouped"
        code = _government_named(key, scope)
        if code is not None:
            return self._government(code), "local_government"
        if not scope or scope == UNKNOWN_CODE:
            return None, "ungrouped"
        return self._add(self.iris.org(code=scope, name=key), node, "name", key, scope), "name"

    def _government(self, code: str) -> str:
        self.local_governments.add(code)
        return self.iris.organization(code)

    def _add(self, iri: str, node: Node, how: str, key: str = "", scope: str = "") -> str:
        found = self._described.get(iri)
        if found is None:
            found = self._described[iri] = _Described(Node(iri, list(node.types)), how, key, scope)
        for t in node.types:
            if t not in found.node.types:
                found.node.types.append(t)
        for p, v in node.props:
            canonical = (p, _canonical(v))
            if canonical not in found.seen:
                found.seen.add(canonical)
                found.node.props.append((p, v))
        return iri

    def describe(self) -> list[Node]:
        """One node per organisation: what the rows said of it, a label and how it was grouped."""
        out = []
        for iri in sorted(self._described):
            found = self._described[iri]
            node = Node(iri, found.node.types, list(found.node.props))
            labels = sorted({name_key(t) for p, v in node.props if p == _NAME and isinstance(v, Node)
                             and (t := _text(v, _TEXT))})
            node.props += [(RDFS + "label", Lit(label, None, "ja")) for label in labels]
            node.props.append((ITSU + "groupedBy", Lit(found.how)))
            if found.how == "name":
                node.props += [(ITSU + "groupingKey", Lit(found.key)),
                               (ITSU + "groupedWithin", IRI(self.iris.organization(found.scope)))]
            out.append(node)
        return out


def _government_named(key: str, scope: str | None) -> str | None:
    """The local government an organisation is, by its name: the record's own municipality first
    (``中央区`` in 東京都中央区's list), else the one local government of that name in Japan."""
    here = local_governments.by_code(scope) if scope else None
    if here is not None and key in {name_key(here.name), name_key(here.city + here.ward or here.pref)}:
        return here.code
    found = local_governments.find(key)
    return found.code if found is not None else None


def _canonical(value: Object) -> object:
    """A hashable form of a value (a blank node by its content)."""
    if isinstance(value, Node):
        return (value.iri, tuple(value.types), tuple(sorted((p, repr(_canonical(v))) for p, v in value.props)))
    return value


def _text(node: Node | None, predicate: str) -> str | None:
    if node is None:
        return None
    return next((v.value for p, v in node.props if p == predicate and isinstance(v, Lit)), None)
