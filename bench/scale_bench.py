"""National scale benchmark: 1,741 municipalities × 14 datasets, or a measured fraction of them.

Usage (from the repository root)::

    .venv/bin/python bench/scale_bench.py --fraction 0.01             # 17 municipalities
    .venv/bin/python bench/scale_bench.py --fraction 0.1 --stores embedded,oxigraph,virtuoso
    .venv/bin/python bench/scale_bench.py --fraction 1.0 --generate-only   # the files only, with their counts

For a deterministic sample of the municipalities of the ABR 市区町村マスター (the first ``fraction`` of them in
the order of a hash of their code, so 1 % is part of 10 %), the script writes one CSV per municipality and
dataset under ``bench/work/scale-<fraction>/csv/`` in the standard header layouts of
``converters/mappings/*.toml``, with row counts from the model below; then, each measured in a fresh
subprocess: ``itsutsuboshi convert`` fanned out per file over a process pool (conversion rate), ``itsutsuboshi
publish`` into an embedded store (the whole pipeline), the published store dumped to N-Quads, that file
bulk-loaded into a fresh pyoxigraph store, into an Oxigraph server's store (``oxigraph load``) and into
Virtuoso (``ld_dir`` + ``rdf_loader_run``), and the research queries R1–R7 of docs/guide-researchers.md run on
each store. Figures go to ``bench/work/scale-<fraction>/results.json``; docs/scale.md reads them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from convert_bench import ROOT, WORK, machine, measure  # noqa: E402

REGISTRIES = ROOT.parent / "shared" / "registries"
MAPPINGS = ROOT / "converters" / "mappings"
GUIDE = ROOT / "docs" / "guide-researchers.md"
BIN = ROOT / ".venv" / "bin"
BASE = "https://data.example.lg.jp/"
SURVEY_DATE = "20240401"
NORTHERN_TERRITORIES = range(16951, 17002)  # 色丹村 … 蘂取村: codes without an administration
KINDS = ("designated", "special_ward", "city", "town", "village")

# Mean rows per municipality of each kind (政令指定都市, 特別区, 市, 町, 村): estimates, calibrated where a real
# file exists (市川市, population 490,000: AED 191, 公共施設 342, 避難場所 121, 介護 53, 人口 237 町字, 一覧 36) and
# against the national totals docs/scale.md cites. The population list has one row per 町字 of the ABR master
# instead where the master is shipped (see Municipality.towns).
MEAN_ROWS: dict[str, tuple[int, int, int, int, int]] = {
    "aed": (1200, 400, 150, 40, 15),
    "public_facility": (2500, 600, 300, 100, 40),
    "evacuation_space": (500, 150, 80, 35, 15),
    "preschool": (500, 250, 40, 8, 3),
    "cultural_property": (200, 80, 60, 30, 15),
    "tourism": (200, 80, 50, 25, 15),
    "event": (400, 200, 100, 20, 10),
    "public_toilet": (400, 120, 60, 20, 8),
    "hospital": (1500, 700, 140, 20, 5),
    "care_service": (900, 400, 80, 20, 6),
    "population": (900, 100, 150, 60, 30),
    "public_wireless_lan": (300, 80, 30, 8, 4),
    "fire_hydrant": (15000, 3000, 1200, 300, 100),
    "open_data_list": (150, 60, 40, 15, 10),
}
SPREAD = 0.5  # sigma of the log-normal spread around the mean (the mean is kept)


# --- the municipalities --------------------------------------------------------------------------------------

@dataclass
class Town:
    code: str  # the 団体コード the 町字 belongs to (a 区 of a 政令指定都市 has its own)
    id: str
    name: str
    post: str = ""


@dataclass
class Municipality:
    code: str
    pref: str
    name: str
    kind: str
    lat: float
    lon: float
    towns: list[Town] = field(default_factory=list)  # from the ABR 町字マスター where it is shipped

    @property
    def label(self) -> str:
        return self.pref + self.name


def municipalities(registries: Path = REGISTRIES) -> list[Municipality]:
    """The 1,741 municipalities (市町村 and 特別区; a 政令指定都市 once, not its 区) with their 町字 where known."""
    city_dir = registries / "abr-2024-city"
    with (city_dir / "mt_city_pos_all.csv").open(encoding="utf-8") as f:
        pos = {r["lg_code"]: (float(r["rep_lat"]), float(r["rep_lon"])) for r in csv.DictReader(f)}
    with (city_dir / "mt_city_all.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    designated = {r["city"] for r in rows if r["ward"]}
    found: dict[str, Municipality] = {}
    ward_of: dict[str, str] = {}
    for r in rows:
        code = r["lg_code"]
        if r["ward"]:
            ward_of[code] = next(c for c, m in found.items() if m.name == r["city"] and m.pref == r["pref"])
            continue
        if int(code) in NORTHERN_TERRITORIES:
            continue
        city = r["city"]
        kind = ("designated" if city in designated else "special_ward" if r["pref"] == "東京都" and city.endswith("区")
                else {"市": "city", "町": "town", "村": "village"}[city[-1]])
        lat, lon = pos.get(code, (35.0, 135.0))
        found[code] = Municipality(code, r["pref"], r["county"] + city, kind, lat, lon)
    for path in sorted((registries / "abr-town").glob("mt_town_pref*.csv")):
        with path.open(encoding="utf-8") as f:
            towns = [r for r in csv.DictReader(f) if not r["ablt_date"]]
        with_chome = {(r["lg_code"], r["oaza_cho"]) for r in towns if r["chome"]}
        for r in towns:
            if r["machiaza_type"] == "1" and (r["lg_code"], r["oaza_cho"]) in with_chome:
                continue  # the 町 is listed by its 丁目
            owner = found.get(r["lg_code"]) or found.get(ward_of.get(r["lg_code"], ""))
            if owner is not None:
                name = r["oaza_cho"] + r["chome"] + r["koaza"]
                owner.towns.append(Town(r["lg_code"], r["machiaza_id"], name, r["post_code"]))
    return list(found.values())


def sample(all_municipalities: list[Municipality], fraction: float) -> list[Municipality]:
    """The first ``fraction`` of the municipalities in the order of a hash of their code (nested: 1 % ⊂ 10 %)."""
    ordered = sorted(all_municipalities, key=lambda m: hashlib.sha256(m.code.encode()).hexdigest())
    return sorted(ordered[:max(1, round(fraction * len(ordered)))], key=lambda m: m.code)


def expected_rows(m: Municipality, dataset: str) -> int:
    """The model's row count of ``dataset`` for ``m`` (deterministic: a spread seeded by code and dataset)."""
    if dataset == "population" and m.towns:
        return len(m.towns)
    mean = MEAN_ROWS[dataset][KINDS.index(m.kind)]
    rng = random.Random(f"{m.code}/{dataset}")
    return max(1, round(mean * math.exp(rng.gauss(-SPREAD ** 2 / 2, SPREAD))))


# --- the files -------------------------------------------------------------------------------------------------

def header_of(dataset: str) -> list[str]:
    """The standard header of ``dataset``: the new generation where the mapping knows it, else the old one."""
    headers = tomllib.loads((MAPPINGS / f"{dataset}.toml").read_text(encoding="utf-8"))["headers"]
    return list(headers.get("new") or headers["old"])


def filename(m: Municipality, dataset: str) -> str:
    return f"{m.code}_{dataset}_{SURVEY_DATE}.csv" if dataset == "population" else f"{m.code}_{dataset}.csv"


WORDS = {
    "aed": ["小学校", "中学校", "公民館", "体育館", "図書館", "市民センター", "消防署", "駅", "庁舎"],
    "public_facility": ["公民館", "図書館", "体育館", "市民プール", "児童館", "集会所", "庁舎", "文化会館"],
    "evacuation_space": ["小学校", "中学校", "高校", "公園", "グラウンド", "広場"],
    "preschool": ["保育園", "幼稚園", "こども園", "保育所"],
    "cultural_property": ["神社本殿", "寺山門", "古墳", "石造地蔵", "庄屋屋敷", "大銀杏"],
    "tourism": ["公園", "展望台", "資料館", "温泉", "城跡", "湿地"],
    "event": ["まつり", "花火大会", "朝市", "健康講座", "マラソン大会", "子ども教室"],
    "public_toilet": ["公園トイレ", "駅前トイレ", "広場トイレ", "駐車場トイレ"],
    "hospital": ["病院", "クリニック", "医院", "歯科医院", "診療所"],
    "care_service": ["デイサービスセンター", "ケアセンター", "ホーム", "訪問介護ステーション"],
    "public_wireless_lan": ["駅前", "庁舎ロビー", "図書館", "観光案内所"],
}
SUBJECTS = ["内科", "外科", "小児科", "整形外科", "皮膚科", "眼科", "耳鼻咽喉科", "歯科", "小児歯科", "循環器内科",
            "リハビリテーション科", "精神科", "産婦人科"]
SERVICES = ["通所介護", "訪問介護", "居宅介護支援", "短期入所生活介護", "介護老人福祉施設（特別養護老人ホーム）",
            "介護老人保健施設（老健）", "認知症対応型共同生活介護", "訪問看護"]
HAZARDS = ["災害種別_洪水", "災害種別_崖崩れ、土石流及び地滑り", "災害種別_高潮", "災害種別_地震", "災害種別_津波",
           "災害種別_大規模な火事", "災害種別_内水氾濫", "災害種別_火山現象"]
TITLES = ["AED設置箇所一覧", "公共施設一覧", "指定緊急避難場所一覧", "子育て施設一覧", "文化財一覧", "観光施設一覧",
          "イベント一覧", "公衆トイレ一覧", "医療機関一覧", "介護サービス事業所一覧", "地域・年齢別人口",
          "公衆無線LANアクセスポイント一覧", "消防水利施設一覧", "オープンデータ一覧", "予算書", "統計書"]


def _row(m: Municipality, dataset: str, i: int, rng: random.Random) -> dict[str, str]:
    """One row of ``dataset`` as column → cell (the columns not named stay blank)."""
    town = m.towns[i % len(m.towns)] if m.towns else Town(m.code, f"{i % 40 + 1:04d}000", f"本町{i % 40 + 1}丁目")
    if dataset == "population":
        bands = {f"{a}-{a + 4}歳の{s}" if a < 85 else f"85歳以上の{s}": rng.randint(0, 120)
                 for a in range(0, 90, 5) for s in ("男性", "女性")}
        men, women = (sum(v for k, v in bands.items() if k.endswith(s)) for s in ("男性", "女性"))
        return {"全国地方公共団体コード": m.code, "地域コード": town.id, "地方公共団体名": m.name,
                "調査年月日": "2024-04-01", "地域名": town.name, "総人口": str(men + women), "男性": str(men),
                "女性": str(women), **{k: str(v) for k, v in bands.items()}, "世帯数": str((men + women) * 4 // 9)}
    banchi = f"{rng.randint(1, 40)}-{rng.randint(1, 30)}"
    lat, lon = m.lat + rng.uniform(-0.03, 0.03), m.lon + rng.uniform(-0.03, 0.03)
    name = f"{town.name}{rng.choice(WORDS.get(dataset, ['施設']))}{i + 1}"
    phone = f"0{rng.randint(10, 99)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    post = f"{town.post[:3]}-{town.post[3:]}" if len(town.post) == 7 else ""
    url = f"https://www.city.example.lg.jp/{m.code}/{dataset}/{i + 1}.html"
    if dataset == "hospital":  # the old generation: the only header the mapping knows
        kind = rng.choices(["病院", "一般診療所", "歯科診療所"], [5, 58, 37])[0]
        return {"都道府県コード又は市区町村コード": m.code, "NO": str(i + 1), "都道府県名": m.pref, "市区町村名": m.name,
                "名称": name, "医療機関の種類": kind, "住所": f"{m.label}{town.name}{banchi}",
                "緯度": f"{lat:.6f}", "経度": f"{lon:.6f}", "電話番号": phone,
                "診療科目": "、".join(rng.sample(SUBJECTS, rng.randint(1, 4))) if kind != "歯科診療所" else "歯科",
                "病床数": str(rng.randint(20, 400)) if kind == "病院" else "",
                "診療曜日": "月火水木金", "診療開始時間": "9:00", "診療終了時間": "18:00"}
    row = {"全国地方公共団体コード": m.code, "ID": f"{i + 1:06d}", "地方公共団体名": m.name, "名称": name,
           "所在地_全国地方公共団体コード": town.code, "町字ID": town.id,
           "所在地_連結表記": f"{m.label}{town.name}{banchi}", "所在地_都道府県": m.pref, "所在地_市区町村": m.name,
           "所在地_町字": town.name, "所在地_番地以下": banchi, "緯度": f"{lat:.6f}", "経度": f"{lon:.6f}",
           "電話番号": phone, "郵便番号": post, "URL": url}
    open_days = {"利用可能曜日": "月火水木金", "開始時間": "9:00", "終了時間": "17:00"}
    extra: dict[str, str] = {}
    if dataset == "aed":
        extra = {"設置位置": rng.choice(["1階ロビー", "正面玄関", "事務室前"]), **open_days,
                 "小児対応設備の有無": rng.choice(["有", "無"])}
        if rng.random() < 0.1:
            extra["利用可能日時特記事項"] = "24時間利用可能"
    elif dataset == "public_facility":
        extra = {**open_days, "バリアフリートイレ": rng.choice(["有", "無"]), "車椅子可": rng.choice(["有", "無"])}
    elif dataset == "evacuation_space":
        extra = {h: "1" if rng.random() < 0.6 else "" for h in HAZARDS}
        extra |= {"想定収容人数": str(rng.randint(50, 2000)), "市区町村コード": m.code}
    elif dataset == "preschool":
        extra = {"種別": rng.choice(["認可保育所", "幼稚園", "認定こども園"]), "収容定員": str(rng.randint(30, 200)),
                 **open_days, "終了時間": "19:00"}
    elif dataset == "cultural_property":
        extra = {"文化財分類": rng.choice(["国指定", "県指定", "市町村指定"]), "種類": rng.choice(["建造物", "史跡", "天然記念物"]),
                 "文化財指定日": f"{rng.randint(1950, 2020)}-04-01", "所有者等": "個人"}
    elif dataset == "tourism":
        extra = {**open_days, "料金(基本)": "無料", "説明": f"{m.name}の{name}。"}
    elif dataset == "event":
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        extra = {"イベント名": name, "開始日": day, "終了日": day, "開始時間": "10:00", "終了時間": "15:00",
                 "場所名称": f"{town.name}公民館", "料金(基本)": "無料", "概要": f"{m.name}主催の{name}。"}
        del row["名称"]
    elif dataset == "public_toilet":
        extra = {"設置位置": "公園内", "男性トイレ総数": "2", "女性トイレ総数": "2", "バリアフリートイレ数": "1",
                 "車椅子使用者用トイレ有無": rng.choice(["有", "無"]), "利用開始時間": "6:00", "利用終了時間": "22:00"}
    elif dataset == "care_service":
        extra = {"介護サービス事業所名称": name, "実施サービス": rng.choice(SERVICES), "利用可能曜日": "月火水木金土",
                 "定員": str(rng.randint(10, 100))}
        del row["名称"]
    elif dataset == "public_wireless_lan":
        extra = {"SSID": f"{m.code}_Free_Wi-Fi", "設置者": m.name, "提供エリア": "施設内"}
    elif dataset == "fire_hydrant":
        extra = {"種別": rng.choices(["消火栓", "防火水そう"], [8, 2])[0], "口径": rng.choice(["75", "100", "150"])}
        for k in ("名称", "電話番号", "郵便番号", "URL"):
            del row[k]
    elif dataset == "open_data_list":
        title = TITLES[i % len(TITLES)]
        return {"データセット_ID": f"{m.code}-{i + 1:04d}", "全国地方公共団体コード": m.code, "地方公共団体名": m.name,
                "データセット_タイトル": title, "データセット_公開日": "2024-04-01", "ファイル_タイトル": f"{title} CSV",
                "ファイル_ダウンロードURL": f"https://www.city.example.lg.jp/{m.code}/data/{i + 1}.csv",
                "ファイル形式": "CSV", "ファイル_ライセンス": "CC BY 4.0"}
    return row | extra


def write_files(municipalities_: list[Municipality], folder: Path) -> dict[str, int]:
    """Write every file of the sample (UTF-8 with BOM, CRLF) into ``folder``; returns the rows per dataset."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = dict.fromkeys(MEAN_ROWS, 0)
    for dataset in MEAN_ROWS:
        header = header_of(dataset)
        for m in municipalities_:
            n = expected_rows(m, dataset)
            rng = random.Random(f"{m.code}/{dataset}/rows")
            path = folder / filename(m, dataset)
            with path.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f, lineterminator="\r\n")
                w.writerow(header)
                for i in range(n):
                    cells = _row(m, dataset, i, rng)
                    w.writerow([cells.get(h, "") for h in header])
            rows[dataset] += n
    return rows


# --- measuring ---------------------------------------------------------------------------------------------------

def disk_mib(path: Path) -> float:
    files = [path] if path.is_file() else [Path(d) / f for d, _, names in os.walk(path) for f in names]
    return sum(f.stat().st_blocks * 512 for f in files if f.exists()) / 2**20


def count_lines(path: Path) -> int:
    """The lines of an N-Triples/N-Quads file: its triples or quads."""
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))


def measured(name: str, cmd: list[str], log: Path) -> dict:
    wall, user, system, rss, pss, procs, code, other = measure(cmd, log, 0.5)
    print(f"  {name}: {wall:.1f} s, CPU {user + system:.1f} s, peak RSS {rss:.0f} MiB, tree PSS {pss:.0f} MiB, "
          f"exit {code}", flush=True)
    if code:
        print(log.read_text(errors="replace")[-2000:], file=sys.stderr)
    return {"seconds": wall, "cpu_seconds": user + system, "peak_rss_mib": rss, "tree_pss_mib": pss,
            "processes": procs, "exit_code": code, "other_cpu_seconds": other}


class RssSampler:
    """The peak resident memory of one running process (a server the script started), sampled."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mib, self._done = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.5):
            try:
                with open(f"/proc/{self.pid}/statm") as f:
                    rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            except OSError:
                return
            self.peak_mib = max(self.peak_mib, rss)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mib


def research_queries() -> list[tuple[str, str]]:
    """(R1 … R7, query) from section 6 of the researchers' guide (R2 has two)."""
    section = GUIDE.read_text(encoding="utf-8").split("## 6. Research questions on real data", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = []
    for title, body in re.findall(r"^### (R\d+)\..*?\n(.*?)(?=^### |\Z)", section, re.MULTILINE | re.DOTALL):
        blocks = re.findall(r"^```sparql\n(.*?)^```", body, re.MULTILINE | re.DOTALL)
        found += [(title + ("ab"[n] if len(blocks) > 1 else ""), q) for n, q in enumerate(blocks)]
    return found


def time_queries(run, repeat: int) -> dict[str, dict]:
    """Each research query ``repeat`` times through ``run(query) -> rows``: first and median seconds, rows."""
    out = {}
    for name, query in research_queries():
        times, rows, error = [], 0, ""
        for _ in range(repeat):
            t = time.perf_counter()
            try:
                rows = run(query)
            except Exception as exc:  # noqa: BLE001 - recorded; the other queries still run
                error = str(exc)[:300]
                break
            times.append(time.perf_counter() - t)
        out[name] = {"first_s": times[0] if times else None, "median_s": statistics.median(times) if times else None,
                     "rows": rows, "error": error}
        print(f"    {name}: {out[name]['median_s'] or 0:.3f} s, {rows} rows {error}", flush=True)
    return out


def http_rows(endpoint: str, timeout: float):
    def run(query: str) -> int:
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(endpoint, data=data, headers={
            "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return len(json.loads(response.read())["results"]["bindings"])
    return run


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.2)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the steps ---------------------------------------------------------------------------------------------------

def convert_pool(files: list[Path], out: Path, workers: int, logs: Path) -> dict:
    """``itsutsuboshi convert`` fanned out per file: ``workers`` processes, each converting its share of the files
    (one N-Triples file per input), measured one by one."""
    out.mkdir(parents=True, exist_ok=True)
    shares = [files[i::workers] for i in range(workers)]
    cmd = [str(BIN / "itsutsuboshi"), "convert", "-o", str(out), "-f", "nt", "-q", "--link", "--base", BASE, "-j", "1"]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda n: measured(f"convert share {n}", cmd + [str(f) for f in shares[n]],
                                                   logs / f"convert-{n}.log"), range(workers)))
    wall = time.perf_counter() - started
    triples = sum(count_lines(nt) for nt in out.glob("*.nt"))
    return {"seconds": wall, "workers": workers, "triples": triples, "shares": results,
            "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
            "exit_code": max(r["exit_code"] for r in results)}


def graph_of(nt: Path) -> str:
    """The named graph of one converted file, as publish names it: ``{base}graph/{dataset}/{code}/{file}``."""
    from itsutsuboshi.iris import IriBuilder

    code, rest = nt.stem.split("_", 1)
    dataset = rest.removesuffix(f"_{SURVEY_DATE}")
    return IriBuilder(BASE).graph(dataset, code, f"{nt.stem}.csv")


def load_worker(store: Path, source: Path) -> int:
    """pyoxigraph's bulk loader, in its own process: an N-Quads file as it is; or every converted file of a folder
    into its named graph and the code lists (whose labels R2, R4 and R5 join) into the catalogue graph."""
    import pyoxigraph as ox

    from itsutsuboshi.iris import catalogue_graph_iri
    from itsutsuboshi.vocab import codes

    started = time.perf_counter()
    db = ox.Store(str(store))
    if source.is_file():
        db.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS)
        db.flush()
        db.optimize()
        print(f"bulk_load + flush + optimize: {time.perf_counter() - started:.2f} s", flush=True)
        return 0
    nt_dir = source
    for nt in sorted(nt_dir.glob("*.nt")):
        db.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_of(nt)))
    catalog = ox.NamedNode(catalogue_graph_iri(BASE))
    for name in codes.names():
        db.bulk_load(codes.path(name).read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=catalog)
    db.flush()
    db.optimize()
    print(f"bulk_load + flush + optimize: {time.perf_counter() - started:.2f} s", flush=True)
    return 0


def dump_quads(store_dir: Path, nq: Path) -> int:
    import pyoxigraph as ox

    ox.Store.read_only(str(store_dir)).dump(output=str(nq), format=ox.RdfFormat.N_QUADS)
    return count_lines(nq)


def dump_published(store_dir: Path, nq: Path) -> int:
    """The store ``publish`` wrote (the live generation of an EmbeddedStore) as N-Quads."""
    import pyoxigraph as ox

    from itsutsuboshi.store import EmbeddedStore

    EmbeddedStore(store_dir, read_only=True).store.dump(output=str(nq), format=ox.RdfFormat.N_QUADS)
    return count_lines(nq)


def embedded_queries(store_dir: Path, repeat: int) -> dict:
    """The research queries on the bare pyoxigraph store (union default graph, as the endpoint runs them)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))

    def run(query: str) -> int:
        return sum(1 for _ in store.query(query, use_default_graph_as_union=True))  # type: ignore[union-attr]
    return time_queries(run, repeat)


def oxigraph_step(nq: Path, folder: Path, logs: Path, repeat: int, timeout: float) -> dict:
    location = folder / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    exe = shutil.which("oxigraph") or str(BIN / "oxigraph")
    load = measured("oxigraph load", [exe, "load", "--location", str(location), "--file", str(nq)],
                    logs / "oxigraph-load.log")
    result = {"load": load, "store_mib": disk_mib(location)}
    port = free_port()
    server = subprocess.Popen([exe, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", server)
        sampler = RssSampler(server.pid)
        result["queries"] = time_queries(http_rows(f"http://127.0.0.1:{port}/query", timeout), repeat)
        result["serve_peak_rss_mib"] = sampler.stop()
    finally:
        server.terminate()
        server.wait(30)
    return result


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{port}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}, {data}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {timeout}
"""


def virtuoso_step(nq: Path, folder: Path, logs: Path, repeat: int, timeout: float, buffers: int) -> dict:
    exe, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if exe is None or isql is None:
        return {"error": "Virtuoso is not installed (Debian package virtuoso-opensource)"}
    d = folder / "virtuoso"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    port, http = free_port(), free_port()
    (d / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=d, port=port, http=http, buffers=buffers,
                                                        dirty=buffers * 3 // 4, data=nq.parent,
                                                        timeout=int(timeout)), encoding="utf-8")
    server = subprocess.Popen([exe, "+foreground", "+configfile", str(d / "virtuoso.ini")], cwd=d,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{http}/sparql?query=ASK%7B%7D", server)
        sampler = RssSampler(server.pid)
        sql = (f"ld_dir('{nq.parent}', '{nq.name}', '{BASE}graph/unnamed'); rdf_loader_run(); checkpoint; "
               "select count(*) from DB.DBA.load_list where ll_error is not null;")
        load = measured("virtuoso ld_dir + rdf_loader_run", [isql, str(port), "dba", "dba", f"exec={sql}"],
                        logs / "virtuoso-load.log")
        load["peak_rss_mib"] = sampler.peak_mib  # the server's, not isql's
        result = {"load": load, "store_mib": disk_mib(d / "virtuoso.db")}
        result["queries"] = time_queries(http_rows(f"http://127.0.0.1:{http}/sparql", timeout), repeat)
        result["serve_peak_rss_mib"] = sampler.stop()
        return result
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()


# --- the summary -----------------------------------------------------------------------------------------------

def summary(folders: list[Path]) -> None:
    """The figures of every run found, and a linear extrapolation to the whole country from the largest one."""
    runs = [json.loads((f / "results.json").read_text(encoding="utf-8")) for f in folders
            if (f / "results.json").exists()]
    runs = [r for r in runs if "convert" in r]
    for r in sorted(runs, key=lambda r: r["fraction"]):
        rows, triples = sum(r["rows"].values()), r["convert"]["triples"]
        c = r["convert"]
        print(f"\n## fraction {r['fraction']:g}: {r['municipalities']} municipalities, {rows:,} rows, "
              f"{triples:,} triples converted, {r.get('quads', 0):,} quads, CSV {r['csv_mib']:.0f} MiB, "
              f"N-Quads {r.get('nq_mib', 0):.0f} MiB")
        print(f"convert ({c['workers']} processes): {c['seconds']:.1f} s, {rows / c['seconds']:,.0f} rows/s, "
              f"{triples / c['seconds']:,.0f} triples/s, peak RSS {c['peak_rss_mib']:.0f} MiB per process")
        if "publish" in r:
            p, lp = r["publish"], r.get("publish_load_population", {})
            print(f"publish (13 datasets) + load (population): {p['seconds']:.1f} s + {lp.get('seconds', 0):.1f} s, "
                  f"peak RSS {p['peak_rss_mib']:.0f} MiB, store {p['store_mib']:.0f} MiB")
        print("| store | load s | quads/s | peak RSS MiB | store MiB | " + " | ".join(n for n, _ in research_queries()))
        for name in ("embedded", "oxigraph", "virtuoso"):
            s = r.get(name)
            if not s or "load" not in s:
                continue
            load = s["load"]
            qs = s.get("queries", {})
            cells = [f"{q['median_s']:.2f} ({q['rows']})" if q.get("median_s") is not None else "failed"
                     for q in qs.values()]
            print(f"| {name} | {load['seconds']:.1f} | {r.get('quads', 0) / load['seconds']:,.0f} | "
                  f"{load['peak_rss_mib']:.0f} | {s['store_mib']:.0f} | " + " | ".join(cells))
    if runs:
        big = max(runs, key=lambda r: r["fraction"])
        scale = sum(big["national_rows"].values()) / sum(big["rows"].values())
        print(f"\nwhole country, linear from fraction {big['fraction']:g} (x{scale:.1f} rows): "
              f"{sum(big['national_rows'].values()):,} rows, {big['convert']['triples'] * scale:,.0f} triples, "
              f"convert {big['convert']['seconds'] * scale / 60:.0f} min on {big['convert']['workers']} processes")
        for name in ("embedded", "oxigraph", "virtuoso"):
            s = big.get(name)
            if s and "load" in s:
                print(f"  {name}: load {s['load']['seconds'] * scale / 60:.0f} min, store {s['store_mib'] * scale / 1024:.1f} GiB")


# --- main --------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fraction", type=float, default=0.01, help="share of the 1,741 municipalities (0.01)")
    parser.add_argument("--stores", default="embedded,oxigraph,virtuoso")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="conversion processes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each research query (median kept)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a research query may take")
    parser.add_argument("--virtuoso-buffers", type=int, default=340_000, help="NumberOfBuffers (8 KiB pages)")
    parser.add_argument("--generate-only", action="store_true", help="write the files and their counts, no more")
    parser.add_argument("--publish", action="store_true",
                        help="also run itsutsuboshi publish (the whole pipeline, SHACL included) on the files")
    parser.add_argument("--keep", action="store_true", help="keep the stores and the N-Quads")
    parser.add_argument("--summary", action="store_true", help="print the figures of the runs in bench/work/scale-*")
    parser.add_argument("--load-worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_worker:
        return load_worker(*args.load_worker)
    if args.summary:
        summary(sorted(WORK.glob("scale-*")))
        return 0

    folder = WORK / f"scale-{args.fraction:g}"
    csv_dir, logs = folder / "csv", folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    everyone = municipalities()
    chosen = sample(everyone, args.fraction)
    results: dict = {"fraction": args.fraction, "machine": machine(), "command": sys.argv,
                     "municipalities": len(chosen), "of": len(everyone),
                     "kinds": {k: sum(m.kind == k for m in chosen) for k in KINDS},
                     "with_towns": sum(bool(m.towns) for m in chosen),
                     "national_rows": {d: sum(expected_rows(m, d) for m in everyone) for d in MEAN_ROWS}}
    print(f"{len(chosen)} of {len(everyone)} municipalities → {folder.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    shutil.rmtree(csv_dir, ignore_errors=True)
    results["rows"] = write_files(chosen, csv_dir)
    results["generate_seconds"] = time.perf_counter() - started
    results["csv_mib"] = disk_mib(csv_dir)
    total_rows = sum(results["rows"].values())
    print(f"  generated {total_rows:,} rows in {len(list(csv_dir.glob('*.csv')))} files, "
          f"{results['csv_mib']:.0f} MiB, {results['generate_seconds']:.1f} s", flush=True)
    save = folder / "results.json"

    def saved() -> None:
        save.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    saved()
    if args.generate_only:
        return 0
    files = sorted(csv_dir.glob("*.csv"), key=lambda p: -p.stat().st_size)  # big first: the pool stays even
    nt_dir = folder / "nt"
    shutil.rmtree(nt_dir, ignore_errors=True)
    results["convert"] = c = convert_pool(files, nt_dir, args.workers, logs)
    print(f"  convert: {c['seconds']:.1f} s, {total_rows / c['seconds']:,.0f} rows/s, "
          f"{c['triples'] / c['seconds']:,.0f} triples/s, {c['triples']:,} triples", flush=True)
    saved()
    published = folder / "published-data"
    if args.publish:  # the whole pipeline; the population lists are loaded (SHACL on them is slow: docs/scale.md)
        out = folder / "published-out"
        for p in (published, out):
            shutil.rmtree(p, ignore_errors=True)
        population = [str(f) for f in files if "_population_" in f.name]
        others = [str(f) for f in files if "_population_" not in f.name]
        results["publish"] = measured("publish", [str(BIN / "itsutsuboshi"), "publish", *others, "--store",
                                                  str(published), "-o", str(out), "-q", "--base", BASE,
                                                  "--license", "cc-by-4.0"], logs / "publish.log")
        results["publish_load_population"] = measured("load population", [
            str(BIN / "itsutsuboshi"), "load", *population, "--store", str(published), "-q", "--base", BASE],
            logs / "load-population.log")
        results["publish"]["store_mib"] = disk_mib(published)
        saved()
    embedded, nq = folder / "pyoxigraph", folder / "nq" / "all.nq"
    nq.parent.mkdir(exist_ok=True)
    if args.publish:  # every store gets what publish published
        t = time.perf_counter()
        results["quads"] = dump_published(published, nq)
        results["dump_seconds"] = time.perf_counter() - t
        if not args.keep:
            shutil.rmtree(published, ignore_errors=True)
    shutil.rmtree(embedded, ignore_errors=True)
    source = nq if args.publish else nt_dir
    load = measured("pyoxigraph bulk_load", [sys.executable, str(Path(__file__).resolve()), "--load-worker",
                                             str(embedded), str(source)], logs / "bulk-load.log")
    results["embedded"] = {"load": load, "store_mib": disk_mib(embedded)}
    if not args.keep:
        shutil.rmtree(nt_dir, ignore_errors=True)
    if not args.publish:  # the converted files, as the store holds them, for the other stores
        t = time.perf_counter()
        results["quads"] = dump_quads(embedded, nq)
        results["dump_seconds"] = time.perf_counter() - t
    results["nq_mib"] = disk_mib(nq)
    print(f"  {results['quads']:,} quads, dumped in {results['dump_seconds']:.1f} s ({results['nq_mib']:.0f} MiB)",
          flush=True)
    saved()
    stores = args.stores.split(",")
    if "embedded" in stores:
        print("  pyoxigraph store queries (union default graph):", flush=True)
        results["embedded"]["queries"] = embedded_queries(embedded, args.repeat)
        saved()
    if not args.keep:
        shutil.rmtree(embedded, ignore_errors=True)
    if "oxigraph" in stores:
        results["oxigraph"] = oxigraph_step(nq, folder, logs, args.repeat, args.timeout)
        saved()
        if not args.keep:
            shutil.rmtree(folder / "oxigraph", ignore_errors=True)
    if "virtuoso" in stores:
        results["virtuoso"] = virtuoso_step(nq, folder, logs, args.repeat, args.timeout, args.virtuoso_buffers)
        saved()
        if not args.keep:
            shutil.rmtree(folder / "virtuoso", ignore_errors=True)
    if not args.keep:
        shutil.rmtree(nq.parent, ignore_errors=True)
    print(f"results: {save.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
