"""Conversion benchmark: itsutsuboshi vs Morph-KGC on a large AED CSV (new header layout).

Usage (from the repository root)::

    .venv/bin/python bench/convert_bench.py                      # 100,000 and 1,000,000 rows
    .venv/bin/python bench/convert_bench.py --sizes 10000,100000
    .venv/bin/python bench/convert_bench.py --rows 1000000 --tools itsutsuboshi

For every size it generates a deterministic CSV under bench/work/, converts it to N-Triples with
``itsutsuboshi convert`` and with Morph-KGC (bench/aed.rml.ttl, in its own virtual environment
bench/work/venv-morph, installed on first use), each in a fresh subprocess, and prints wall time,
CPU time, peak memory and the number of triples written.

Memory is measured two ways:

* ``peak RSS``: ``ru_maxrss`` from ``os.wait4`` for the measured process: the exact peak resident
  set of the largest single process of the run (the process itself or any of its workers);
* ``tree PSS``: the sum of the proportional set size of the process and all its descendants,
  sampled every ``--sample`` seconds (0.2) from /proc (Morph-KGC runs a pool of worker processes, so
  its footprint is the sum, not the largest process; PSS does not double-count pages a forked
  worker still shares with its parent). Sampling can miss short peaks, so this is a lower bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
RML = BENCH / "aed.rml.ttl"
RML_SOURCE_PLACEHOLDER = '"bench/work/aed.csv"'
RML_FILENAME_PLACEHOLDER = 'rml:object "aed.csv"'
MORPH_VENV = WORK / "venv-morph"
BASE = "https://data.example.lg.jp/"
SEED = 20240801

# The new header layout of converters/mappings/aed.toml (headers.new).
HEADER = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字",
          "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村",
          "所在地_町字", "所在地_番地以下", "建物名等(方書)", "緯度", "経度", "高度の種別", "高度の値", "設置位置",
          "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL", "連絡先備考（その他、SNSなど）", "郵便番号",
          "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "小児対応設備の有無",
          "URL", "画像1", "画像1_ライセンス", "画像2", "画像2_ライセンス", "外部利用不可", "備考"]

# --- test data ---------------------------------------------------------------------------------

TOWNS = [("本町", "ホンマチ"), ("緑町", "ミドリチョウ"), ("星ヶ丘", "ホシガオカ"), ("旭町", "アサヒマチ"),
         ("川端", "カワバタ"), ("桜台", "サクラダイ"), ("中央", "チュウオウ"), ("西原", "ニシハラ"),
         ("東山", "ヒガシヤマ"), ("南浜", "ミナミハマ"), ("北野", "キタノ"), ("若葉", "ワカバ")]
FACILITIES = [("小学校", "ショウガッコウ"), ("中学校", "チュウガッコウ"), ("公民館", "コウミンカン"),
              ("体育館", "タイイクカン"), ("図書館", "トショカン"), ("保育所", "ホイクショ"),
              ("コミュニティセンター", "コミュニティセンター"), ("消防団詰所", "ショウボウダンツメショ"),
              ("市民プール", "シミンプール"), ("郵便局", "ユウビンキョク"), ("駅", "エキ"), ("診療所", "シンリョウジョ")]
POSITIONS = ["1階ロビー", "正面玄関", "事務室前", "体育館入口", "受付横", "2階廊下", "職員室前"]
BUILDINGS = ["本館", "別館", "管理棟", "第2庁舎"]
NOTES = ["祝日・年末年始を除く", "施設の開館時間内に限る", "夏季は8:30から"]


def _degrees(value: float) -> str:
    """Decimal degrees as itsutsuboshi writes them (no trailing zeros), so both tools agree."""
    s = f"{value:.6f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def generate_rows(n: int, seed: int = SEED):
    """``n`` deterministic AED rows in the new header layout: the first k rows never depend on n."""
    rng = random.Random(seed)
    for i in range(n):
        town, town_kana = TOWNS[rng.randrange(len(TOWNS))]
        facility, facility_kana = FACILITIES[rng.randrange(len(FACILITIES))]
        town_no = TOWNS.index((town, town_kana)) + 1
        chome = rng.randint(1, 5)
        banchi, go = rng.randint(1, 40), rng.randint(1, 30)
        lat = 26.0 + rng.random() * 17.0   # 沖縄 … 北海道
        lon = 128.0 + rng.random() * 17.0
        yield [
            "999997", f"AED{i + 1:07d}", "架空県星野市",
            f"{town}{facility}", f"{town_kana}{facility_kana}", "",
            "999997", f"{town_no:04d}{chome:03d}",
            f"架空県星野市{town}{chome}丁目{banchi}-{go}", "架空県", "星野市", f"{town}{chome}丁目", f"{banchi}-{go}",
            BUILDINGS[rng.randrange(len(BUILDINGS))] if rng.random() < 0.25 else "",
            _degrees(lat), _degrees(lon), "", "",
            POSITIONS[rng.randrange(len(POSITIONS))],
            f"099-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}", "", "", "", "",
            f"999-{rng.randint(0, 9999):04d}",
            "", "",
            "月火水木金", "9:00", "17:00",
            NOTES[rng.randrange(len(NOTES))] if rng.random() < 0.2 else "",
            "有" if rng.random() < 0.6 else "無",
            f"https://www.city.hoshino.example.lg.jp/aed/{i + 1:07d}.html",
            "", "", "", "", "", "",
        ]


def write_csv(path: Path, n: int, seed: int = SEED) -> None:
    import csv

    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows(generate_rows(n, seed))
    tmp.replace(path)


def csv_for(n: int, seed: int) -> Path:
    path = WORK / f"aed-{n}-s{seed}.csv"
    if not path.exists():
        t = time.perf_counter()
        print(f"generating {path.relative_to(ROOT)} ({n:,} rows) …", file=sys.stderr, flush=True)
        write_csv(path, n, seed)
        print(f"  {time.perf_counter() - t:.1f} s, {path.stat().st_size / 2**20:.1f} MiB", file=sys.stderr)
    return path


# --- measuring a subprocess ----------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE // 1024
    except OSError:
        return 0


def _tree_pss_kib(root: int) -> tuple[int, int]:
    """(sum of PSS over ``root`` and its descendants, number of processes)."""
    kids = _children_map()
    todo, total, count = [root], 0, 0
    while todo:
        pid = todo.pop()
        total += _pss_kib(pid)
        count += 1
        todo += kids.get(pid, [])
    return total, count


@dataclass
class Run:
    rows: int
    tool: str
    seconds: float
    user_seconds: float
    sys_seconds: float
    peak_rss_mib: float
    tree_pss_mib: float
    max_procs: int
    triples: int
    exit_code: int
    command: list[str] = field(default_factory=list)
    load_before: float = 0.0  # 1-minute load average when the run started
    other_cpu_seconds: float = 0.0  # CPU time the rest of the machine used during the run
    predicates: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def cpu_seconds(self) -> float:
        return self.user_seconds + self.sys_seconds

    @property
    def memory_mib(self) -> float:
        """The footprint: exact peak RSS for one process, the sampled tree PSS for a pool of workers."""
        return self.peak_rss_mib if self.max_procs == 1 else max(self.tree_pss_mib, self.peak_rss_mib)


def wait_idle(limit: float, seconds: float) -> None:
    """Wait (up to ``seconds``) until the 1-minute load average is below ``limit``."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)


_TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all CPUs, from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICK


def measure(cmd: list[str], log: Path, sample: float, cwd: Path = ROOT) -> tuple:
    """Run ``cmd``; return (wall s, user s, sys s, peak RSS MiB, tree PSS MiB, max processes, exit code,
    CPU seconds used by everything else on the machine meanwhile, the sampling loop included)."""
    os.sync()  # earlier runs' dirty pages must not slow this one down
    busy = _busy_seconds()
    peak = {"pss": 0, "procs": 1}
    done = threading.Event()

    def sampler(pid: int) -> None:
        while not done.wait(sample):
            pss, n = _tree_pss_kib(pid)
            peak["pss"], peak["procs"] = max(peak["pss"], pss), max(peak["procs"], n)

    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        thread = threading.Thread(target=sampler, args=(proc.pid,), daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)  # blocks: the wall time is exact
        wall = time.perf_counter() - start
        done.set()
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_pss, max_procs = peak["pss"], peak["procs"]
    # ru_* include the worker processes the measured process has waited for
    other = max(0.0, _busy_seconds() - busy - usage.ru_utime - usage.ru_stime)
    return (wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, peak_pss / 1024, max_procs,
            proc.returncode, other)


def count_triples(path: Path, by_predicate: bool = False) -> tuple[int, Counter]:
    """Lines of an N-Triples file (one triple per line), optionally counted per predicate."""
    n, preds = 0, Counter()
    if not path.exists():
        return 0, preds
    with path.open("rb") as f:
        if not by_predicate:
            while chunk := f.read(1 << 24):
                n += chunk.count(b"\n")
            return n, preds
        for line in f:
            if line.strip() and not line.startswith(b"#"):
                n += 1
                # subject and predicate contain no spaces in N-Triples
                preds[line.split(b" ", 2)[1].decode("utf-8")] += 1
    return n, preds


# --- the two tools -------------------------------------------------------------------------------

def run_itsutsuboshi(csv_path: Path, n: int, sample: float, keep: bool, check: bool, workers: int | None) -> Run:
    out = WORK / f"itsutsuboshi-{n}.nt"
    cmd = [str(ROOT / ".venv/bin/itsutsuboshi"), "convert", str(csv_path), "-o", str(out), "-q",
           "--base", BASE, "--issues", str(WORK / f"itsutsuboshi-{n}-issues.csv")]
    if workers:
        cmd += ["--workers", str(workers)]
    return _measured("itsutsuboshi", cmd, out, n, sample, keep, check)


def _measured(tool: str, cmd: list[str], out: Path, n: int, sample: float, keep: bool, check: bool) -> Run:
    """Run one conversion, measure it, count its triples, and drop the output unless kept."""
    load = os.getloadavg()[0]
    log = WORK / f"{'morph' if tool == 'morph-kgc' else tool}-{n}.log"
    wall, user, system, rss, pss, procs, code, other = measure(cmd, log, sample)
    triples, preds = count_triples(out, by_predicate=check)
    if not keep:
        out.unlink(missing_ok=True)
    return Run(n, tool, wall, user, system, rss, pss, procs, triples, code, command=cmd,
               predicates=dict(preds), load_before=load, other_cpu_seconds=other)


def morph_python() -> Path:
    python = MORPH_VENV / "bin" / "python"
    probe = [str(python), "-c", "import morph_kgc"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"installing Morph-KGC into {MORPH_VENV.relative_to(ROOT)} …", file=sys.stderr, flush=True)
    subprocess.run(["python3", "-m", "venv", str(MORPH_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "morph-kgc"], check=True)
    return python


def morph_versions(python: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, platform; "
            "print(m.version('morph-kgc'), m.version('pandas'), platform.python_version())")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.split()
    return dict(zip(["morph-kgc", "pandas", "python"], out, strict=True)) if len(out) == 3 else {}


def run_morph(python: Path, csv_path: Path, n: int, sample: float, keep: bool, check: bool,
              processes: int | None) -> Run:
    out = WORK / f"morph-{n}.nt"
    mapping = WORK / f"aed-{n}.rml.ttl"
    text = RML.read_text(encoding="utf-8")
    if RML_SOURCE_PLACEHOLDER not in text:
        raise SystemExit(f"{RML} must read its CSV from {RML_SOURCE_PLACEHOLDER}")
    text = text.replace(RML_SOURCE_PLACEHOLDER, json.dumps(str(csv_path), ensure_ascii=False))
    text = text.replace(RML_FILENAME_PLACEHOLDER, "rml:object " + json.dumps(csv_path.name, ensure_ascii=False))
    mapping.write_text(text, encoding="utf-8")
    config = WORK / f"morph-{n}.ini"
    lines = ["[CONFIGURATION]", "output_format: N-TRIPLES", f"output_file: {out}", "logging_level: WARNING"]
    if processes:
        lines.append(f"number_of_processes: {processes}")
    lines += ["", "[AED]", f"mappings: {mapping}", ""]
    config.write_text("\n".join(lines), encoding="utf-8")
    cmd = [str(python), "-m", "morph_kgc", str(config)]
    return _measured("morph-kgc", cmd, out, n, sample, keep, check)


# --- report --------------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    info = {"nproc": str(os.cpu_count()), "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version
        info["itsutsuboshi"] = version("itsutsuboshi")
    except Exception:  # noqa: BLE001 - informational only
        pass
    return info


def print_table(runs: list[Run]) -> None:
    head = (f"{'rows':>10} {'tool':<13} {'seconds':>9} {'rows/s':>9} {'user s':>8} {'sys s':>7} "
            f"{'peak RSS MiB':>12} {'tree PSS MiB':>12} {'procs':>5} {'triples':>12} {'other CPU s':>11}")
    print(head)
    print("-" * len(head))
    for r in runs:
        flag = "" if r.exit_code == 0 else f"  (exit {r.exit_code})"
        print(f"{r.rows:>10,} {r.tool:<13} {r.seconds:>9.1f} {r.rows_per_s:>9,.0f} {r.user_seconds:>8.1f} "
              f"{r.sys_seconds:>7.1f} {r.peak_rss_mib:>12.1f} {r.tree_pss_mib:>12.1f} {r.max_procs:>5} "
              f"{r.triples:>12,} {r.other_cpu_seconds:>11.1f}{flag}")


def print_summary(runs: list[Run]) -> None:
    by = {(r.rows, r.tool): r for r in runs}
    sizes = sorted({r.rows for r in runs})
    print()
    for n in sizes:
        a, b = by.get((n, "itsutsuboshi")), by.get((n, "morph-kgc"))
        if a and b and a.seconds:
            print(f"{n:>10,} rows: time morph-kgc / itsutsuboshi = {b.seconds / a.seconds:.2f}x "
                  f"(CPU {b.cpu_seconds / a.cpu_seconds:.2f}x); memory morph-kgc / itsutsuboshi = "
                  f"{b.memory_mib / a.memory_mib:.1f}x")
    mem = [(n, by[(n, "itsutsuboshi")].memory_mib) for n in sizes if (n, "itsutsuboshi") in by]
    if len(mem) > 1:
        (n0, m0), (n1, m1) = mem[0], mem[-1]
        print("itsutsuboshi memory: " + ", ".join(f"{n:,} rows {m:.1f} MiB" for n, m in mem)
              + f"  → {m1 / m0:.2f}x memory for {n1 / n0:.0f}x rows")


def print_predicates(runs: list[Run]) -> None:
    """Per-predicate triple counts where the two tools differ (the --check size)."""
    by = {(r.rows, r.tool): r for r in runs if r.predicates}
    for n in sorted({r.rows for r in runs if r.predicates}):
        a, b = by.get((n, "itsutsuboshi")), by.get((n, "morph-kgc"))
        if not (a and b):
            continue
        print(f"\npredicates with different triple counts at {n:,} rows (itsutsuboshi, morph-kgc):")
        for pred in sorted(set(a.predicates) | set(b.predicates)):
            x, y = a.predicates.get(pred, 0), b.predicates.get(pred, 0)
            if x != y:
                print(f"  {pred:<60} {x:>10,} {y:>10,}")


def source_digest() -> str:
    """A short digest of the itsutsuboshi sources, to tell which version was measured."""
    import hashlib

    h = hashlib.sha1()
    for path in sorted([*ROOT.glob("converters/**/*.py"), *ROOT.glob("converters/mappings/*.toml"),
                        *ROOT.glob("itsutsuboshi/**/*.py")]):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, help="one size only (same as --sizes N)")
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated row counts (default: %(default)s)")
    ap.add_argument("--tools", default="itsutsuboshi,morph-kgc", help="which tools to run (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each conversion N times; report the fastest run and the highest memory")
    ap.add_argument("--sample", type=float, default=0.2, help="memory sampling interval in seconds")
    ap.add_argument("--itsutsuboshi-workers", type=int, default=None,
                    help="itsutsuboshi --workers (default: itsutsuboshi's own default)")
    ap.add_argument("--morph-processes", type=int, default=None,
                    help="Morph-KGC number_of_processes (default: Morph-KGC's own default, 2 × CPUs)")
    ap.add_argument("--check", action="store_true",
                    help="also count triples per predicate at the smallest size and list the differences")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for the 1-minute load average to drop below 0.5")
    ap.add_argument("--keep", action="store_true", help="keep the N-Triples outputs in bench/work/")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args(argv)

    sizes = [args.rows] if args.rows else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    tools = {t.strip() for t in args.tools.split(",")}
    WORK.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["source digest"] = source_digest()
    python = morph_python() if "morph-kgc" in tools else None
    if python:
        info.update({f"morph venv {k}": v for k, v in morph_versions(python).items()})
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))

    runs: list[Run] = []
    for n in sorted(sizes):
        csv_path = csv_for(n, args.seed)
        check = args.check and n == min(sizes)
        for tool in [t for t in ("itsutsuboshi", "morph-kgc") if t in tools]:
            tries: list[Run] = []
            for i in range(args.repeat):
                wait_idle(0.5, args.wait_idle)
                print(f"{tool} {n:,} rows ({i + 1}/{args.repeat}) …", file=sys.stderr, flush=True)
                if tool == "itsutsuboshi":
                    run = run_itsutsuboshi(csv_path, n, args.sample, args.keep, check and i == 0,
                                           args.itsutsuboshi_workers)
                else:
                    assert python is not None
                    run = run_morph(python, csv_path, n, args.sample, args.keep, check and i == 0,
                                    args.morph_processes)
                if args.repeat > 1:
                    print(f"  {run.seconds:.1f} s, {run.cpu_seconds:.1f} CPU s, other {run.other_cpu_seconds:.1f} s",
                          file=sys.stderr)
                tries.append(run)
            best = min(tries, key=lambda r: r.seconds)
            best.predicates = best.predicates or next((r.predicates for r in tries if r.predicates), {})
            best.peak_rss_mib = max(r.peak_rss_mib for r in tries)
            best.tree_pss_mib = max(r.tree_pss_mib for r in tries)
            runs.append(best)
    print()
    print_table(runs)
    print_summary(runs)
    if args.check:
        print_predicates(runs)
    for r in runs:
        if r.exit_code != 0:
            print(f"\n{r.tool} failed at {r.rows:,} rows: see bench/work/{r.tool.split('-')[0]}-{r.rows}.log",
                  file=sys.stderr)
    if source_digest() != info["source digest"]:
        print("\nwarning: the itsutsuboshi sources changed during the run", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": [asdict(r) for r in runs]},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if all(r.exit_code == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
