"""Cell normalisers: pure functions from one cell's text to typed RDF values.

Each normaliser takes the stripped, non-empty cell text and returns ``(values, problem, lossy)``:
``values`` are literals (or IRIs) to emit, ``problem`` is ``(code, detail)`` or ``None`` (codes are
in :mod:`.issues`), and ``lossy`` says the original text carries information the values do not,
so the engine keeps the original text too. Mapping files name normalisers by their key in
:data:`NORMALIZERS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from ..vocab.namespaces import SCHEMA, XSD
from .model import IRI, Lit

#: cells whose reading is kept per column (real columns repeat their values: 曜日, 時間, 有無 …)
CACHE_LIMIT = 4096

Problem = tuple[str, str] | None
Normalized = tuple[list, Problem, bool]
Normalizer = Callable[[str], Normalized]

_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "ー": "-",
                         "ｰ": "-", "－": "-"})


def nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def fix_half_kana(text: str) -> str:
    """Turn half-width katakana runs into full-width, leaving everything else as written."""
    if not _HALF_KANA.search(text):
        return text
    return _HALF_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


# --- text -----------------------------------------------------------------------------------

def text(value: str) -> Normalized:
    return [Lit(fix_half_kana(value))], None, False


def kana(value: str) -> Normalized:
    """全角カタカナ: half-width kana widened, hiragana turned into katakana, ASCII narrowed."""
    out = nfkc(value)
    out = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in out)
    return [Lit(out)], None, False


def identifier(value: str) -> Normalized:
    return [Lit(nfkc(value).strip())], None, False


# --- numbers --------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NUM_IN_TEXT = re.compile(r"^\s*([+-]?[\d,]*\.?\d+)\s*([^\d\s/][^\d]*)?$")


def _number(value: str) -> tuple[str | None, bool]:
    s = nfkc(value).replace(" ", "")
    m = _NUM_IN_TEXT.match(s)
    if not m:
        return None, False
    if "," in m.group(1) and not _THOUSANDS.match(m.group(1)):
        return None, False  # "40,12" is not forty thousand and twelve
    digits = m.group(1).replace(",", "")
    if not _NUMBER.match(digits):
        return None, False
    return digits, bool(m.group(2)) or "," in m.group(1)


def integer(value: str) -> Normalized:
    digits, lossy = _number(value)
    if digits is None:
        return [], ("number.invalid", ""), True
    number = Decimal(digits)
    if number != number.to_integral_value():
        return [], ("number.invalid", ""), True
    return [Lit(str(int(number)), XSD + "integer")], None, lossy


def count(value: str) -> Normalized:
    """A count of people or things (``1,200人``) → xsd:integer, never negative.

    (xsd:integer rather than xsd:nonNegativeInteger: triple stores such as Oxigraph store derived
    integer types as xsd:integer, so the narrower type would not survive loading.)"""
    values, problem, lossy = integer(value)
    if values and not values[0].value.startswith("-"):
        return values, None, lossy
    return [], problem or ("number.invalid", ""), True


_FREE = {"無料", "無し", "なし", "0円", "free"}


def price(value: str) -> Normalized:
    """An amount in yen: ``500``, ``550円``, ``1,100円``, ``無料`` (= 0). Other text stays text."""
    s = nfkc(value).strip()
    if s.lower() in _FREE:
        return [Lit("0", XSD + "integer")], None, True
    values, _, lossy = integer(s.removeprefix("¥").removeprefix("\\"))
    if values:
        return values, None, lossy
    return [], ("price.text", ""), True


def decimal(value: str) -> Normalized:
    digits, lossy = _number(value)
    if digits is None:
        return [], ("number.invalid", ""), True
    if "." not in digits:
        digits += ".0"
    return [Lit(digits.lstrip("+"), XSD + "decimal")], None, lossy


# --- dates and times ------------------------------------------------------------------------

_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019,
         "M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
_WAREKI = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(元|\d{1,2})\s*[年./-]?\s*"
                     r"(?:(\d{1,2})\s*[月./-]?\s*(?:(\d{1,2})\s*日?)?)?$")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # US-style exports (5/16/2020); Japanese files never write D/M/Y
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_DATETIME_TAIL = re.compile(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|[AP]M)?$", re.I)
_EXCEL_EPOCH = date(1899, 12, 30)


def _date_literal(y: int, m: int | None, d: int | None) -> Lit | None:
    try:
        if d is not None and m is not None:
            return Lit(date(y, m, d).isoformat(), XSD + "date")
        if m is not None:
            if not 1 <= m <= 12:
                return None
            return Lit(f"{y:04d}-{m:02d}", XSD + "gYearMonth")
        return Lit(f"{y:04d}", XSD + "gYear")
    except ValueError:
        return None


def parse_date(value: str) -> Normalized:
    """ISO, ``1952/1/25``, ``2020年4月1日``, 和暦 (``令和2年4月1日``, ``H26.12.22``, 元年), Excel serials."""
    s = nfkc(value).strip()
    s = _DATETIME_TAIL.sub("", s)
    if s.isdigit() and len(s) <= 5 and int(s) > 60:  # Excel 1900 date system serial number
        serial = Lit((_EXCEL_EPOCH + timedelta(days=int(s))).isoformat(), XSD + "date")
        return [serial], ("date.serial", f"{s} → {serial.value}"), True
    m = _YMD.match(s) or _COMPACT.match(s)
    if m:
        y, mo, d = m.group(1), m.group(2), m.group(3)
        lit = _date_literal(int(y), int(mo), int(d) if d else None)
        return ([lit], None, False) if lit else ([], ("date.invalid", ""), True)
    m = _MDY.match(s)
    if m:
        lit = _date_literal(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        return ([lit], None, False) if lit else ([], ("date.invalid", ""), True)
    m = _YEAR.match(s)
    if m:
        return [Lit(m.group(1), XSD + "gYear")], None, False
    m = _WAREKI.match(s.upper() if s[:1].isascii() else s)
    if m:
        era, n, mo, d = m.groups()
        y = _ERAS[era] + (1 if n == "元" else int(n)) - 1
        lit = _date_literal(y, int(mo) if mo else None, int(d) if d else None)
        if lit:
            return [lit], ("date.wareki", f"{value} → {lit.value}"), True
    return [], ("date.invalid", ""), True


_TIME = re.compile(r"^(午前|午後|AM|PM)?\s*(\d{1,2})\s*(?::|時)\s*(\d{1,2})?\s*分?(?::(\d{2}))?\s*(AM|PM)?$", re.I)


def parse_time(value: str) -> Normalized:
    """``9:00``, ``09:00``, ``9時30分``, ``午後1時``, ``24:00`` → xsd:time."""
    s = nfkc(value).strip()
    m = _TIME.match(s)
    if not m:
        return [], ("time.invalid", ""), True
    pre, h, mi, sec, post = m.groups()
    hour, minute, second = int(h), int(mi or 0), int(sec or 0)
    ampm = (pre or post or "").upper()
    if ampm in ("午後", "PM") and hour < 12:
        hour += 12
    if hour > 24 or minute > 59 or second > 59 or (hour == 24 and (minute or second)):
        return [], ("time.invalid", ""), True
    lossy = hour == 24 or bool(ampm)  # stores canonicalise 24:00:00 to 00:00:00
    return [Lit(f"{hour:02d}:{minute:02d}:{second:02d}", XSD + "time")], None, lossy


# --- weekdays, flags ------------------------------------------------------------------------

_WEEKDAYS = {"月": "Monday", "火": "Tuesday", "水": "Wednesday", "木": "Thursday", "金": "Friday",
             "土": "Saturday", "日": "Sunday", "祝": "PublicHolidays"}
_WEEKDAY_SEPARATORS = re.compile(r"[\s,、・/／;；]|曜日|曜")
_RANGE = re.compile(r"([月火水木金土日])[~〜～\-－ー]([月火水木金土日])")
_ORDER = ALL_WEEK = "月火水木金土日"


_NOTE = re.compile(r"[(（][^)）]*[)）]")
_WEEKDAY_WORDS = (("年中無休", "月火水木金土日祝"), ("365日", "月火水木金土日祝"), ("全日", "月火水木金土日"),
                  ("終日", ""), ("毎日", "月火水木金土日"), ("平日", "月火水木金"), ("土日祝日", "土日祝"), ("祝日", "祝"),
                  ("祝祭日", "祝"), ("休日", "祝"))


#: words that say the days are open, not which: 全日・全時間帯使用可 is every day (the hours role reads the rest)
_AVAILABLE = re.compile(r"全時間帯?|24\s*時間|(?:使用|利用)?可能?")


def weekday_chars(value: str) -> tuple[str, bool]:
    """The weekday characters of ``value`` and whether anything else (a note) was in it."""
    s = nfkc(value)
    noted = bool(_NOTE.search(s))
    s = _AVAILABLE.sub("", _NOTE.sub("", s)).replace("曜日", "").replace("曜", "")
    for word, days in _WEEKDAY_WORDS:
        s = s.replace(word, days)
    s = _RANGE.sub(lambda m: _ORDER[_ORDER.index(m.group(1)):_ORDER.index(m.group(2)) + 1], s)
    s = _WEEKDAY_SEPARATORS.sub("", s)
    days = "".join(dict.fromkeys(c for c in s if c in _WEEKDAYS))
    return days, noted or any(c not in _WEEKDAYS for c in s)


def weekdays(value: str) -> Normalized:
    """``月火水木金``, ``月～金``, ``月・水・金`` → ``月火水木金`` (IMI ic:開催期日 string)."""
    days, stray = weekday_chars(value)
    if not days:
        return [Lit(value)], ("weekday.invalid", ""), False
    return [Lit(days)], (("weekday.invalid", "") if stray else None), stray


def weekday_iris(value: str) -> Normalized:
    """The same days as schema.org day IRIs (schema:Monday …) for generic tools."""
    days, _ = weekday_chars(value)
    return [IRI(SCHEMA + _WEEKDAYS[c]) for c in days], None, False


_TRUE = {"有", "あり", "有り", "○", "〇", "◯", "◎", "1", "true", "yes", "y", "可", "対応", "設置", "はい", "t"}
_FALSE = {"無", "なし", "無し", "×", "✕", "0", "false", "no", "n", "不可", "非対応", "未設置", "いいえ", "f", "-", "－",
          "―", "ー"}


_PARTIAL = {"△", "▲", "一部", "一部有", "一部あり", "条件付き", "要相談"}


_DECIMAL_FLAG = re.compile(r"([01])\.0+")  # 1.0 / 0.0: a 1/0 column saved from a spreadsheet as numbers


def flag(value: str) -> Normalized:
    s = nfkc(value).strip().lower()
    decimal = _DECIMAL_FLAG.fullmatch(s)
    if decimal:
        s = decimal.group(1)
    if s in _TRUE:
        return [Lit("true", XSD + "boolean")], None, False
    if s in _FALSE:
        return [Lit("false", XSD + "boolean")], None, False
    if s in _PARTIAL:
        return [], ("flag.partial", ""), True
    return [Lit(value)], ("flag.invalid", ""), False


# --- codes ----------------------------------------------------------------------------------

def lgcode_check_digit(five: str) -> str:
    """全国地方公共団体コード check digit: ``(11 - S mod 11) mod 10``, S = 6a+5b+4c+3d+2e."""
    s = sum(int(c) * w for c, w in zip(five, (6, 5, 4, 3, 2), strict=True))
    return str((11 - s % 11) % 10)


def lgcode_valid(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and lgcode_check_digit(code[:5]) == code[5]


def repair_lgcode(value: str) -> tuple[str | None, Problem]:
    """Return the 6-digit code for ``value`` (5-digit codes get their check digit, ``92011`` its zero)."""
    s = re.sub(r"\D", "", nfkc(value))
    if len(s) == 6:
        return (s, None) if lgcode_valid(s) else (None, ("lgcode.invalid", s))
    if len(s) == 5:
        padded = "0" + s  # a 6-digit code whose leading zero was dropped (92011 → 092011)?
        if s[0] != "0" and not 10 <= int(s[:2]) <= 47 and lgcode_valid(padded):
            return padded, ("lgcode.repaired", f"{s} → {padded}")
        fixed = s + lgcode_check_digit(s)  # a 5-digit code without its check digit
        return fixed, ("lgcode.repaired", f"{s} → {fixed}")
    if len(s) == 4:  # leading zero of a 5-digit code dropped
        fixed = "0" + s + lgcode_check_digit("0" + s)
        return fixed, ("lgcode.repaired", f"{s} → {fixed}")
    return None, ("lgcode.invalid", s or value)


def lgcode(value: str) -> Normalized:
    code, problem = repair_lgcode(value)
    if code is None:
        return [], problem, True
    return [Lit(code)], problem, problem is not None


def houjin_check_digit(twelve: str) -> str:
    """法人番号 check digit: 9 - (Σ Pn·Qn mod 9), Pn counted from the right, Qn = 1 (odd n) or 2 (even n)."""
    total = sum(int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(reversed(twelve), start=1))
    return str(9 - total % 9)


def houjin_valid(number: str) -> bool:
    return len(number) == 13 and number.isdigit() and houjin_check_digit(number[1:]) == number[0]


def houjin(value: str) -> Normalized:
    s = re.sub(r"[\s-]", "", nfkc(value))
    if houjin_valid(s):
        return [Lit(s)], None, False
    return [Lit(value)], ("houjin.invalid", s), False


# --- contact --------------------------------------------------------------------------------

_PHONE = re.compile(r"^\+?[\d()\-]{6,20}$")


def phone(value: str) -> Normalized:
    s = nfkc(value).translate(_DASHES).replace(" ", "")
    if _PHONE.match(s) and sum(c.isdigit() for c in s) >= 6:
        return [Lit(s)], None, False
    return [Lit(nfkc(value))], ("phone.invalid", ""), False


def fax(value: str) -> Normalized:
    """A fax number: the same rules as :func:`phone`, reported as a fax number."""
    values, problem, lossy = phone(value)
    return values, (("fax.invalid", "") if problem else None), lossy


def postal(value: str) -> Normalized:
    s = nfkc(value).translate(_DASHES).replace("〒", "").replace(" ", "")
    m = re.fullmatch(r"(\d{3})-?(\d{4})", s)
    if m:
        return [Lit(f"{m.group(1)}-{m.group(2)}")], None, False
    return [Lit(value)], ("postal.invalid", ""), False


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(value: str) -> Normalized:
    s = nfkc(value).strip()
    if _EMAIL.match(s):
        return [Lit(s)], None, False
    return [Lit(value)], ("email.invalid", ""), False


_URL = re.compile(r"(?:https?|ftp)://[^\s\"<>]+", re.I)
_PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def url(value: str) -> Normalized:
    """One or more http(s) URLs (separated by spaces or new lines) → xsd:anyURI literals."""
    if _PLAIN_URL.match(value):  # the common case: one clean URL
        return [Lit(value, XSD + "anyURI")], None, False
    s = value.strip().replace("：", ":").replace("／", "/")
    found = _URL.findall(s)
    if not found:
        if not re.match(r"^www\.[^\s]+$", s):
            return [Lit(value)], ("url.invalid", ""), False
        found, s = ["http://" + s], ""
    values = [Lit(quote(u, safe=":/?#[]@!$&'()*+,;=%~-._"), XSD + "anyURI") for u in found]
    rest = _URL.sub("", s).strip(" \n\t,、;")
    return values, (("url.invalid", "") if rest else None), bool(rest)


# --- coordinates ----------------------------------------------------------------------------

_DMS = re.compile(r"^([NSEW北南東西]?)\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′分])?\s*"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|''|秒))?\s*([NSEW北南東西]?)$")


def parse_degrees(value: str) -> float | None:
    s = nfkc(value).strip()
    try:
        return float(s)
    except ValueError:
        pass
    for word, letter in (("北緯", "N"), ("南緯", "S"), ("東経", "E"), ("西経", "W")):
        s = s.replace(word, letter)
    m = _DMS.match(s)
    if not m:
        return None
    deg = float(m.group(2)) + float(m.group(3) or 0) / 60 + float(m.group(4) or 0) / 3600
    return -deg if (m.group(1) + m.group(5)) in ("S", "W", "南", "西") else deg


def coordinate(value: str) -> Normalized:
    deg = parse_degrees(value)
    if deg is None:
        return [], ("coord.invalid", ""), True
    return [Lit(format_degrees(deg), XSD + "decimal")], None, False


def format_degrees(deg: float) -> str:
    s = f"{deg:.8f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def latlon(value: str) -> Normalized:
    """One cell holding ``"lat,lon"`` (or ``lat lon``) → two decimal literals, latitude first."""
    parts = [p for p in re.split(r"[,\s、，]+", nfkc(value).strip()) if p]
    if len(parts) == 2:
        a, b = parse_degrees(parts[0]), parse_degrees(parts[1])
        if a is not None and b is not None:
            return [Lit(format_degrees(a), XSD + "decimal"), Lit(format_degrees(b), XSD + "decimal")], None, False
    return [], ("coord.invalid", ""), True


NORMALIZERS: dict[str, Normalizer] = {
    "text": text,
    "kana": kana,
    "id": identifier,
    "integer": integer,
    "decimal": decimal,
    "count": count,
    "price": price,
    "date": parse_date,
    "time": parse_time,
    "weekdays": weekdays,
    "weekday_iris": weekday_iris,
    "flag": flag,
    "lgcode": lgcode,
    "houjin": houjin,
    "phone": phone,
    "fax": fax,
    "postal": postal,
    "email": email,
    "url": url,
    "coordinate": coordinate,
    "latlon": latlon,
}
