"""Content negotiation: extension > ``?format=`` > ``Accept`` (q-values) > HTML.

Pure functions, no Flask: :func:`choose` answers with an :class:`Offer` or ``None`` (406).
"""

from __future__ import annotations

from itsutsuboshi import formats
from itsutsuboshi.formats import HTML

#: one representation the server can produce: the HTML page or an RDF format of :mod:`itsutsuboshi.formats`
Offer = formats.MediaFormat
#: in order of preference when the client likes several equally
OFFERS: tuple[Offer, ...] = (HTML, *formats.all_formats())
EXTENSIONS = {o.extension: o for o in OFFERS}
#: the part of a URL rule that matches the extension of an offer, as the view argument ``ext``
EXTENSION_RULE = "<any(" + ", ".join(f"'{o.extension}'" for o in OFFERS) + "):ext>"


def by_key(key: str) -> Offer | None:
    """An offer by short name, alias, media type or extension (``html``, ``ttl``, ``text/turtle`` …)."""
    k = key.strip().lower()
    if k in HTML.keys:
        return HTML
    try:
        return formats.get(k)
    except KeyError:
        return None


def split_extension(path: str) -> tuple[str, Offer | None]:
    """``aed/1.ttl`` → (``aed/1``, Turtle); a path without a known extension is returned as is."""
    for ext, offer in EXTENSIONS.items():
        if path.endswith(ext) and len(path) > len(ext):
            return path[: -len(ext)], offer
    return path, None


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``text/turtle;q=0.9, */*;q=0.1`` → [(``text/turtle``, 0.9), (``*/*``, 0.1)]; malformed q → 0."""
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(offer: Offer, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range matching ``offer`` (-1 when none matches)."""
    kind, _, _ = offer.media_type.partition("/")
    best, best_rank = -1.0, -1
    for media, q in ranges:
        if media == offer.media_type:
            rank = 3
        elif offer is HTML and media == "application/xhtml+xml":
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > best_rank:
            best, best_rank = q, rank
    return best


def from_accept(header: str | None, offers: tuple[Offer, ...] = OFFERS) -> Offer | None:
    """The offer the ``Accept`` header prefers (ties go to the server's order); ``None``: 406."""
    if not header or not header.strip():
        return offers[0]
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    scored = [(_quality(o, ranges), -i, o) for i, o in enumerate(offers)]
    q, _, offer = max(scored, key=lambda t: (t[0], t[1]))
    return offer if q > 0 else None


def choose(extension: Offer | None, format_param: str | None, accept: str | None,
           offers: tuple[Offer, ...] = OFFERS) -> Offer | None:
    """The negotiation order: extension, then ``?format=``, then ``Accept``, then HTML."""
    if extension is not None:
        return extension if extension in offers else None
    if format_param:
        offer = by_key(format_param)
        return offer if offer in offers else None
    return from_accept(accept, offers)
