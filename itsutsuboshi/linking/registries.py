"""Refresh the tables derived from the アドレス・ベース・レジストリ, and tell which tables are in use.

``itsutsuboshi registries update`` fetches the ABR masters (都道府県・市区町村マスター and, per prefecture,
町字マスター with its 位置参照拡張) from the Digital Agency's download site, or from a local folder,
checks every file, and only then writes new ``local_governments.csv`` and ``towns.csv.gz`` (plus a
``registries.json`` recording where they came from) into :func:`itsutsuboshi.converters.towns.data_dir`,
where the loaders prefer them to the shipped tables. See docs/registries.md.

Data: デジタル庁 アドレス・ベース・レジストリ, CC BY 4.0,
「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import click

from itsutsuboshi import __version__
from itsutsuboshi.converters import local_governments, towns
from itsutsuboshi.converters.normalize import lgcode_valid

DEFAULT_SOURCE = "https://data.address-br.digital.go.jp/"
USER_AGENT = f"itsutsuboshi/{__version__} (registries update; address base registry tables)"
TIMEOUT = (15, 120)  # seconds: connect, between two reads
CHUNK = 1 << 16
MIN_RATIO = 0.5  # a new table must keep at least this share of the rows it replaces
METADATA = "registries.json"
ATTRIBUTION = "「アドレス・ベース・レジストリ」（デジタル庁）を加工して作成"
LICENCE = "CC BY 4.0"

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "pref": ("lg_code", "pref", "pref_kana", "pref_roma", "efct_date", "ablt_date"),
    "city": ("lg_code", "pref", "pref_kana", "pref_roma", "county", "county_kana", "county_roma", "city",
             "city_kana", "city_roma", "ward", "ward_kana", "ward_roma", "efct_date", "ablt_date"),
    "town": ("lg_code", "machiaza_id", "machiaza_type", "pref", "city", "oaza_cho", "oaza_cho_kana", "chome",
             "koaza", "rsdt_addr_flg", "efct_date", "ablt_date"),
    "town_pos": ("lg_code", "machiaza_id", "rsdt_addr_flg", "rep_lon", "rep_lat", "rep_srid"),
}


class RegistryError(Exception):
    """A source file failed a check: nothing has been replaced."""

    def __init__(self, name: str, ja: str, en: str, where: str = "") -> None:
        super().__init__(f"{name}: {ja} / {en}")
        self.name, self.ja, self.en, self.where = name, ja, en, where


@dataclass(frozen=True)
class SourceFile:
    """One ABR master: ``path`` is the zip relative to the download base."""

    kind: str  # pref, city, town, town_pos
    name: str  # mt_town_pref13.csv
    path: str  # mt_town/pref/mt_town_pref13.csv.zip
    prefecture: str = ""

    @property
    def archive(self) -> str:
        return self.name + ".zip"


def source_files(prefectures: Iterable[str]) -> list[SourceFile]:
    files = [SourceFile("pref", "mt_pref_all.csv", "mt_pref/mt_pref_all.csv.zip"),
             SourceFile("city", "mt_city_all.csv", "mt_city/mt_city_all.csv.zip")]
    for nn in sorted(set(prefectures)):
        files.append(SourceFile("town", f"mt_town_pref{nn}.csv", f"mt_town/pref/mt_town_pref{nn}.csv.zip", nn))
        files.append(SourceFile("town_pos", f"mt_town_pos_pref{nn}.csv",
                                f"mt_town_pos/pref/mt_town_pos_pref{nn}.csv.zip", nn))
    return files


def prefecture_code(value: str) -> str:
    """``13``, ``1`` → ``13``, ``01``; raises ValueError outside 01–47."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 47:
        raise ValueError(f"都道府県コードは 01〜47 / a prefecture code is 01 to 47, not {value!r}")
    return f"{int(text):02d}"


@dataclass
class Fetched:
    """A verified source CSV in the staging folder (or in the local source folder)."""

    spec: SourceFile
    csv_path: Path
    origin: str
    rows: int
    sha256: str
    size: int
    archive_sha256: str = ""
    archive_size: int = 0
    date: str = ""  # the zip member's date

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.spec.name, "from": self.origin, "rows": self.rows,
                               "bytes": self.size, "sha256": self.sha256}
        if self.archive_sha256:
            out.update(archive=self.spec.archive, archive_bytes=self.archive_size,
                       archive_sha256=self.archive_sha256)
        if self.date:
            out["date"] = self.date
        return out


@dataclass
class UpdateResult:
    target: Path
    source: str
    prefectures: list[str]
    local_governments: int
    municipalities: int
    towns: int
    towns_with_points: int
    without_points: list[str] = field(default_factory=list)  # prefectures whose position file was not found
    dropped: list[str] = field(default_factory=list)  # prefectures of the replaced table left out now
    metadata: dict[str, Any] = field(default_factory=dict)


class Progress:
    """A click progress bar per download when the terminal is interactive, else a line per file."""

    def __init__(self, interactive: bool | None = None, quiet: bool = False) -> None:
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self.quiet = quiet

    @contextmanager
    def bar(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        if self.quiet or not self.interactive or not total:
            yield lambda n: None
            return
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update

    def line(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)


# --- fetching -------------------------------------------------------------------------------

def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(session: Any, url: str, spec: SourceFile, dest: Path, progress: Progress) -> None:
    import requests

    try:
        with session.get(url, stream=True, timeout=TIMEOUT) as response:
            if response.status_code != 200:
                raise RegistryError(spec.archive, f"ダウンロードできません (HTTP {response.status_code})",
                                    f"download failed: HTTP {response.status_code} {response.reason}", url)
            length = response.headers.get("Content-Length", "")
            expected = int(length) if length.isdigit() else None
            with open(dest, "wb") as f, progress.bar(spec.archive, expected) as advance:
                for chunk in response.iter_content(CHUNK):
                    f.write(chunk)
                    advance(len(chunk))
            received = response.raw.tell() if hasattr(response.raw, "tell") else dest.stat().st_size
    except requests.exceptions.ChunkedEncodingError as exc:
        raise RegistryError(spec.archive, "ダウンロードが途中で切れました", f"the download was cut short ({exc})",
                            url) from exc
    except requests.exceptions.RequestException as exc:
        raise RegistryError(spec.archive, "ダウンロードできません", f"download failed: {exc}", url) from exc
    if expected is not None and received != expected:
        raise RegistryError(spec.archive, f"ダウンロードが不完全です ({received:,} / {expected:,} バイト)",
                            f"incomplete download: {received:,} of {expected:,} bytes", url)


def _unpack(spec: SourceFile, archive: Path, dest: Path, where: str) -> str:
    """Extract the single CSV of ``archive`` to ``dest``; returns the member's date."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [info for info in zf.infolist() if not info.is_dir()]
            names = ", ".join(info.filename for info in members) or "-"
            if len(members) != 1 or not members[0].filename.lower().endswith(".csv"):
                raise RegistryError(spec.archive, f"ZIP の中身が CSV 1 つではありません ({names})",
                                    f"the zip should hold exactly one CSV, it holds: {names}", where)
            with zf.open(members[0]) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)  # reading to the end checks the CRC
            return datetime(*members[0].date_time).date().isoformat()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise RegistryError(spec.archive, "ZIP ファイルとして開けません（壊れているか途中で切れています）",
                            f"not a valid zip file, damaged or truncated ({exc})", where) from exc


def _check_csv(spec: SourceFile, path: Path, where: str) -> int:
    """Header, encoding, column counts, check digits, prefecture: returns the number of data rows."""
    rows = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header:
                raise RegistryError(spec.name, "空のファイルです", "the file is empty", where)
            missing = [c for c in REQUIRED_COLUMNS[spec.kind] if c not in header]
            if missing:
                raise RegistryError(spec.name, f"ABR の列がありません: {', '.join(missing)}",
                                    f"not an ABR {spec.kind} master, missing columns: {', '.join(missing)}", where)
            code_at = header.index("lg_code")
            points = [header.index(c) for c in ("rep_lat", "rep_lon")] if spec.kind == "town_pos" else []
            for record in reader:
                if not record:
                    continue
                rows += 1
                line = reader.line_num
                if len(record) != len(header):
                    raise RegistryError(spec.name, f"{line} 行目の列数が {len(record)} です（ヘッダーは {len(header)}）",
                                        f"line {line} has {len(record)} fields, the header {len(header)}", where)
                code = record[code_at]
                if not lgcode_valid(code):
                    raise RegistryError(spec.name, f"{line} 行目: lg_code {code!r} の検査数字が正しくありません",
                                        f"line {line}: lg_code {code!r} fails the 全国地方公共団体コード check digit",
                                        where)
                if spec.prefecture and code[:2] != spec.prefecture:
                    raise RegistryError(spec.name, f"{line} 行目: lg_code {code} は都道府県 {spec.prefecture} のものではありません",
                                        f"line {line}: lg_code {code} is not in prefecture {spec.prefecture}", where)
                for i in points:
                    if record[i]:
                        try:
                            float(record[i])
                        except ValueError:
                            raise RegistryError(spec.name, f"{line} 行目: 座標 {record[i]!r} が数値ではありません",
                                                f"line {line}: coordinate {record[i]!r} is not a number", where) from None
    except UnicodeDecodeError as exc:
        raise RegistryError(spec.name, "UTF-8 ではありません", f"not UTF-8 ({exc})", where) from exc
    except csv.Error as exc:
        raise RegistryError(spec.name, "CSV として読めません", f"not readable as CSV ({exc})", where) from exc
    if rows == 0:
        raise RegistryError(spec.name, "データ行がありません", "no data rows", where)
    return rows


class _Source:
    """Where the masters come from: a download base URL or a local folder (zips or extracted CSVs)."""

    def __init__(self, source: str, staging: Path, progress: Progress) -> None:
        self.label = source if _is_url(source) else str(Path(source).expanduser().resolve())
        self.staging = staging
        self.progress = progress
        self.session: Any = None
        self.index: dict[str, list[Path]] = {}
        if _is_url(source):
            import requests

            self.base = source if source.endswith("/") else source + "/"
            self.session = requests.Session()
            self.session.headers["User-Agent"] = USER_AGENT
        else:
            root = Path(self.label)
            if not root.is_dir():
                raise RegistryError(str(source), "フォルダが見つかりません", "no such folder", "--from")
            self.root = root
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith("mt_"):
                        self.index.setdefault(name, []).append(Path(folder) / name)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def locate(self, spec: SourceFile) -> Path | None:
        """The zip (preferred) or CSV of ``spec`` in the local folder: directly in it, else anywhere below it."""
        for name in (spec.archive, spec.name):
            if (self.root / name).is_file():
                return self.root / name
        found = [p for name in (spec.archive, spec.name) for p in self.index.get(name, [])]
        if len(found) > 1:
            raise RegistryError(spec.name, "同じ名前のファイルが複数あります", "found more than once: "
                                + ", ".join(str(p) for p in found), self.label)
        return found[0] if found else None

    def fetch(self, spec: SourceFile) -> Fetched | None:
        """Fetch and verify one master; None for a position file missing from a local folder."""
        csv_path = self.staging / spec.name
        archive: Path | None = None
        if self.session is not None:
            origin = self.base + spec.path
            archive = self.staging / spec.archive
            _download(self.session, origin, spec, archive, self.progress)
        else:
            found = self.locate(spec)
            if found is None:
                if spec.kind == "town_pos":
                    return None
                raise RegistryError(spec.name, f"{self.label} にありません",
                                    f"not found in {self.label} (looked for {spec.archive} or {spec.name})", self.label)
            origin = str(found)
            if found.name.endswith(".zip"):
                archive = found
            else:
                csv_path = found
        date = _unpack(spec, archive, csv_path, origin) if archive is not None else ""
        rows = _check_csv(spec, csv_path, origin)
        result = Fetched(spec, csv_path, origin, rows, _sha256(csv_path), csv_path.stat().st_size, date=date)
        if archive is not None:
            result.archive_sha256, result.archive_size = _sha256(archive), archive.stat().st_size
        size = f"{result.archive_size or result.size:,} bytes"
        self.progress.line(f"  {spec.name:<26} {rows:>8,} 行 / rows  {size:>16}  {date or ''}".rstrip())
        return result


# --- tables ---------------------------------------------------------------------------------

def shipped_table(name: str) -> Any:
    return resources.files(towns.__package__).joinpath("data/" + name)


def _table_bytes(folder: Path, name: str) -> bytes:
    """The table that ``folder`` holds, else the shipped one: the table an update into ``folder`` replaces."""
    path = folder / name
    return path.read_bytes() if path.is_file() else shipped_table(name).read_bytes()


def _data_lines(text: str) -> Iterator[str]:
    return (line for line in io.StringIO(text) if not line.startswith("#"))


def towns_stats(data: bytes) -> tuple[Counter[str], int]:
    """Rows per prefecture and rows with a point, of a ``towns.csv.gz``."""
    per_pref: Counter[str] = Counter()
    with_points = 0
    reader = csv.reader(_data_lines(gzip.decompress(data).decode("utf-8")))
    header = next(reader, [])
    code, lat = header.index("lg_code"), header.index("lat")
    for row in reader:
        per_pref[row[code][:2]] += 1
        with_points += bool(row[lat])
    return per_pref, with_points


def local_governments_stats(data: bytes) -> tuple[int, int]:
    """Rows, and rows that are municipalities (not prefectures), of a ``local_governments.csv``."""
    rows = list(csv.DictReader(_data_lines(data.decode("utf-8"))))
    return len(rows), sum(1 for r in rows if r["city"])


def _check_counts(new_lg: int, new_towns: Counter[str], old_lg: int, old_towns: Counter[str]) -> None:
    if new_lg < MIN_RATIO * old_lg:
        raise RegistryError("mt_city_all.csv", f"行数が少なすぎます: 都道府県・市区町村 {new_lg:,} 件"
                            f"（置き換える表は {old_lg:,} 件）",
                            f"implausibly few rows: {new_lg:,} local governments, the table being replaced has "
                            f"{old_lg:,} (at least {MIN_RATIO:.0%} expected)")
    for nn in sorted(new_towns):
        if old_towns.get(nn) and new_towns[nn] < MIN_RATIO * old_towns[nn]:
            raise RegistryError(f"mt_town_pref{nn}.csv", f"行数が少なすぎます: 町字 {new_towns[nn]:,} 件"
                                f"（置き換える表は {old_towns[nn]:,} 件）",
                                f"implausibly few rows: {new_towns[nn]:,} 町字, the table being replaced has "
                                f"{old_towns[nn]:,} for prefecture {nn} (at least {MIN_RATIO:.0%} expected)")


def clear_caches() -> None:
    """Forget the loaded tables, so that the next lookup reads the tables now in use."""
    for loader in (towns.all_towns, towns._by_id, towns.prefectures, local_governments.all_local_governments,
                   local_governments._by_name):
        loader.cache_clear()


def update(source: str = DEFAULT_SOURCE, prefectures: Iterable[str] = (), target: Path | None = None, *,
           check_counts: bool = True, progress: Progress | None = None) -> UpdateResult:
    """Fetch, verify, build, then replace the tables in ``target`` (default :func:`towns.data_dir`).

    Raises :class:`RegistryError` (nothing replaced) when a file is missing, incomplete, not an ABR
    master, has a bad 団体コード, or gives far fewer rows than the table it would replace.
    """
    progress = progress or Progress(quiet=True)
    target = Path(target if target is not None else towns.data_dir()).expanduser()
    if target.exists() and not target.is_dir():
        raise RegistryError(str(target), "フォルダではありません", "not a folder", "--to")
    old_lg, _ = local_governments_stats(_table_bytes(target, local_governments.FILENAME))
    old_towns, _ = towns_stats(_table_bytes(target, towns.FILENAME))
    prefs = sorted({prefecture_code(p) for p in prefectures} or set(old_towns))
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".registries-update-", dir=target))
    src: _Source | None = None
    try:
        src = _Source(source, staging / "download", progress)
        src.staging.mkdir()
        fetched: dict[str, Fetched] = {}
        for spec in source_files(prefs):
            got = src.fetch(spec)
            if got is not None:
                fetched[spec.name] = got
        without_points = [nn for nn in prefs if f"mt_town_pos_pref{nn}.csv" not in fetched]
        for nn in without_points:
            progress.line(f"  注意 / note: mt_town_pos_pref{nn}.csv がありません、代表点なし / "
                          f"not found, no representative points for prefecture {nn}")

        pref, city = fetched["mt_pref_all.csv"], fetched["mt_city_all.csv"]
        today = datetime.now(UTC).date().isoformat()
        described = ", ".join(f"{f.spec.name} {f.date}".strip() for f in (pref, city))
        local_governments.build(pref.csv_path, city.csv_path, staging / local_governments.FILENAME,
                                source=f"{described} (itsutsuboshi registries update {today})")
        towns.build([f.csv_path for f in fetched.values() if f.spec.kind == "town"],
                    [f.csv_path for f in fetched.values() if f.spec.kind == "town_pos"],
                    staging / towns.FILENAME)
        lg_data = (staging / local_governments.FILENAME).read_bytes()
        towns_data = (staging / towns.FILENAME).read_bytes()
        lg_rows, municipalities = local_governments_stats(lg_data)
        new_towns, with_points = towns_stats(towns_data)
        if check_counts:
            _check_counts(lg_rows, new_towns, old_lg, old_towns)

        metadata: dict[str, Any] = {
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
            "tool": f"itsutsuboshi {__version__}",
            "source": src.label,
            "prefectures": prefs,
            "files": [f.record() for f in fetched.values()],
            "tables": {
                local_governments.FILENAME: {"rows": lg_rows, "municipalities": municipalities,
                                             "sha256": hashlib.sha256(lg_data).hexdigest()},
                towns.FILENAME: {"rows": sum(new_towns.values()), "with_points": with_points,
                                 "per_prefecture": dict(sorted(new_towns.items())),
                                 "sha256": hashlib.sha256(towns_data).hexdigest()},
            },
            "without_points": without_points,
            "licence": LICENCE,
            "attribution": ATTRIBUTION,
        }
        (staging / METADATA).write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for name in (towns.FILENAME, local_governments.FILENAME, METADATA):
            os.replace(staging / name, target / name)
    finally:
        if src is not None:
            src.close()
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(target.iterdir()):
            target.rmdir()
    clear_caches()
    return UpdateResult(target, src.label, prefs, lg_rows, municipalities, sum(new_towns.values()), with_points,
                        without_points, sorted(set(old_towns) - set(new_towns)), metadata)


# --- what is in use -------------------------------------------------------------------------

def _comment(data: bytes) -> str:
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace") if data[:1] == b"#" else ""
    return first.lstrip("# ").strip()


def info() -> dict[str, Any]:
    """Which tables the loaders use now (shipped or updated), with counts and the update record."""
    folder = towns.data_dir()
    out: dict[str, Any] = {"data_dir": str(folder), "tables": {}, "update": None}
    for name in (local_governments.FILENAME, towns.FILENAME):
        updated = folder / name
        resource = shipped_table(name)
        data = updated.read_bytes() if updated.is_file() else resource.read_bytes()
        entry: dict[str, Any] = {"in_use": "updated" if updated.is_file() else "shipped",
                                 "path": str(updated if updated.is_file() else resource),
                                 "sha256": hashlib.sha256(data).hexdigest()}
        if name == towns.FILENAME:
            per_pref, with_points = towns_stats(data)
            entry.update(rows=sum(per_pref.values()), with_points=with_points,
                         prefectures=sorted(per_pref), note=_comment(gzip.decompress(data)))
        else:
            rows, municipalities = local_governments_stats(data)
            entry.update(rows=rows, municipalities=municipalities, prefectures=rows - municipalities,
                         note=_comment(data))
        out["tables"][name] = entry
    record = folder / METADATA
    if record.is_file():
        try:
            out["update"] = json.loads(record.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            out["update"] = {"error": f"{record}: {exc}"}
    return out
