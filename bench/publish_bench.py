"""Publishing benchmark: ``itsutsuboshi publish`` on growing AED CSVs, beside the store's bare bulk loader.

Usage (from the repository root)::

    .venv/bin/python bench/publish_bench.py                          # about 10, 40 and 160 MiB
    .venv/bin/python bench/publish_bench.py --sizes-mb 10 --tools publish,bare-load,convert
    .venv/bin/python bench/publish_bench.py --rows 2000,8000 --json bench/work/publish-small.json

For every size it generates the deterministic AED CSV of ``convert_bench.py`` (one municipality
code, so one publisher and one dataset graph) and, each in a fresh subprocess:

* ``publish``: ``itsutsuboshi publish FILE --store DIR -o OUT -q --base … --license cc-by-4.0`` into
  a fresh store (recognise, convert with registry links, validate, diagnose, load, catalogue);
* ``bare-load``: the same triples (``itsutsuboshi convert FILE -o X.nt --link``, run beforehand) loaded
  into a fresh store with nothing but ``pyoxigraph.Store(DIR).bulk_load(…, to_graph=…)`` and
  ``flush()``: what loading costs the store itself;
* ``convert`` (with ``--tools``): that conversion alone, to show how publish's cost splits.

It prints wall time, CPU time, peak memory (``ru_maxrss`` and the sampled tree PSS, measured as in
``convert_bench.py``), the size of the store on disk, the records published, and the ratios
publish / bare load and how publish's memory grows with rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from convert_bench import (  # noqa: E402
    BASE,
    HEADER,
    ROOT,
    SEED,
    WORK,
    _children_map,
    count_triples,
    csv_for,
    generate_rows,
    machine,
    measure,
    source_digest,
    wait_idle,
)

ITSUTSUBOSHI = ROOT / ".venv/bin/itsutsuboshi"  # --itsutsuboshi to measure another installation
LICENCE = "cc-by-4.0"
GRAPH = f"{BASE}graph/aed/999997"  # the bare load's graph when publish did not name one
TOOLS = ("publish", "convert", "bare-load")
DEFAULT_TOOLS = "publish,bare-load"
DEFAULT_SIZES_MB = "10,40,160"
GOAL_MIB = 500  # publish's peak memory should stay under this, flat as rows grow
TAIL_LINES = 20


# --- sizes -------------------------------------------------------------------------------------

def rows_for_mib(mib: float, seed: int = SEED, sample: int = 10_000) -> int:
    """About how many generated rows make a CSV of ``mib`` MiB (from the mean size of the first
    ``sample`` rows; rounded to 1,000 rows above 10,000 so that file names stay few)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    header = len(buf.getvalue().encode("utf-8"))
    buf.seek(0)
    buf.truncate()
    w.writerows(generate_rows(sample, seed))
    per_row = len(buf.getvalue().encode("utf-8")) / sample
    rows = max(1, round((mib * 2**20 - header) / per_row))
    return round(rows, -3) if rows > 10_000 else rows


def disk_mib(path: Path) -> float:
    """Space ``path`` takes on disk (allocated blocks, as ``du``)."""
    if not path.exists():
        return 0.0
    files = [path] if path.is_file() else [Path(d) / f for d, _, names in os.walk(path) for f in names]
    total = 0
    for f in files:
        try:
            total += f.stat().st_blocks * 512
        except OSError:
            pass
    return total / 2**20


# --- the bare loader (runs in its own process: --worker) ---------------------------------------

def worker(store: Path, nt: Path, graph: str) -> int:
    """Load ``nt`` into a new store at ``store`` with pyoxigraph's bulk loader, and nothing else."""
    import pyoxigraph as ox

    started = time.perf_counter()
    db = ox.Store(str(store))
    db.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    db.flush()
    print(f"bulk_load + flush: {time.perf_counter() - started:.2f} s")
    return 0


# --- measuring ---------------------------------------------------------------------------------

_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def mem_available_mib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryGuard:
    """Kill the processes this script started when their resident memory together passes ``limit_mib``
    (0: never), so that a run whose memory grows with rows stops before the machine runs out."""

    def __init__(self, limit_mib: float, interval: float = 0.5) -> None:
        self.limit_mib, self.interval = limit_mib, interval
        self.killed_at_mib = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> MemoryGuard:
        if self.limit_mib > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _descendants(self) -> list[int]:
        kids, todo, found = _children_map(), [os.getpid()], []
        while todo:
            pid = todo.pop()
            found += kids.get(pid, [])
            todo += kids.get(pid, [])
        return found

    def _watch(self) -> None:
        while not self._done.wait(self.interval):
            pids = self._descendants()
            rss = 0
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/statm", "rb") as f:
                        rss += int(f.read().split()[1]) * _PAGE_KIB
                except (OSError, ValueError, IndexError):
                    pass
            if rss / 1024 > self.limit_mib:
                self.killed_at_mib = rss / 1024
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                return


@dataclass
class Run:
    size_mib: float  # the CSV's size
    rows: int
    tool: str
    seconds: float
    user_seconds: float
    sys_seconds: float
    peak_rss_mib: float
    tree_pss_mib: float
    max_procs: int
    store_mib: float  # the store folder on disk after the run (0 for convert)
    records: int  # publish: records published (publish-state.json); 0 for the others
    triples: int  # publish: triples of the dataset graph; convert and bare-load: lines of the N-Triples
    exit_code: int
    command: list[str] = field(default_factory=list)
    load_before: float = 0.0  # 1-minute load average when the run started
    other_cpu_seconds: float = 0.0  # CPU time the rest of the machine used during the run
    killed_at_mib: float = 0.0  # the memory at which --max-memory-mib stopped the run
    error_tail: str = ""  # the last lines of the log when the run failed

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


def _tail(log: Path, lines: int = TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _run(tool: str, cmd: list[str], csv_path: Path, rows: int, log: Path, opts: argparse.Namespace) -> Run:
    load = os.getloadavg()[0]
    with MemoryGuard(opts.max_memory_mib, opts.sample) as guard:
        wall, user, system, rss, pss, procs, code, other = measure(cmd, log, opts.sample)
    run = Run(csv_path.stat().st_size / 2**20, rows, tool, wall, user, system, rss, pss, procs, 0.0, 0, 0, code,
              command=cmd, load_before=load, other_cpu_seconds=other, killed_at_mib=guard.killed_at_mib)
    if guard.killed_at_mib:
        run.error_tail = f"stopped after {wall:.0f} s: {guard.killed_at_mib:,.0f} MiB resident, over --max-memory-mib"
        print(f"  {tool} {run.error_tail}", file=sys.stderr, flush=True)
    elif code != 0:
        run.error_tail = _tail(log)
        print(f"  {tool} failed (exit {code}); the end of {log.relative_to(ROOT)}:", file=sys.stderr)
        print("    " + run.error_tail.replace("\n", "\n    "), file=sys.stderr, flush=True)
    return run


def run_publish(csv_path: Path, rows: int, work: Path, opts: argparse.Namespace) -> tuple[Run, str | None]:
    """Publish into a fresh store; return the run and the dataset graph publish loaded."""
    shutil.rmtree(work / "data", ignore_errors=True)
    shutil.rmtree(work / "out", ignore_errors=True)
    cmd = [str(opts.itsutsuboshi), "publish", str(csv_path), "--store", str(work / "data"), "-o", str(work / "out"),
           "-q", "--base", BASE, "--license", LICENCE]
    run = _run("publish", cmd, csv_path, rows, WORK / f"{work.name}-publish.log", opts)
    run.store_mib = disk_mib(work / "data")
    graph = None
    try:
        state = json.loads((work / "out" / "publish-state.json").read_text(encoding="utf-8"))
        for saved in state.get("files", {}).values():
            outcome = saved.get("outcome", {})
            run.records += outcome.get("records", 0)
            run.triples += outcome.get("triples", 0)
            graph = graph or outcome.get("graph")
    except (OSError, ValueError, AttributeError):
        pass
    if run.exit_code == 0 and run.records == 0:
        print(f"  publish wrote no records (see {work.relative_to(ROOT)}/out/publish-state.json)", file=sys.stderr)
    return run, graph


def run_convert(csv_path: Path, rows: int, work: Path, opts: argparse.Namespace) -> Run:
    """``itsutsuboshi convert --link`` to ``work/bare.nt``: the triples publish loads."""
    nt = work / "bare.nt"
    nt.unlink(missing_ok=True)
    cmd = [str(opts.itsutsuboshi), "convert", str(csv_path), "-o", str(nt), "-q", "--base", BASE, "--link"]
    run = _run("convert", cmd, csv_path, rows, WORK / f"{work.name}-convert.log", opts)
    run.triples = count_triples(nt)[0]
    return run


def run_bare_load(csv_path: Path, rows: int, work: Path, graph: str, opts: argparse.Namespace) -> Run:
    store = work / "bare-store"
    shutil.rmtree(store, ignore_errors=True)
    nt = work / "bare.nt"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--store", str(store), "--nt", str(nt),
           "--graph", graph]
    run = _run("bare-load", cmd, csv_path, rows, WORK / f"{work.name}-bare-load.log", opts)
    run.store_mib = disk_mib(store)
    run.triples = count_triples(nt)[0]
    return run


def best_of(tries: list[Run]) -> Run:
    """The fastest successful run, with the highest memory seen in any run."""
    ok = [r for r in tries if r.exit_code == 0] or tries
    best = min(ok, key=lambda r: r.seconds)
    best.peak_rss_mib = max(r.peak_rss_mib for r in tries)
    best.tree_pss_mib = max(r.tree_pss_mib for r in tries)
    return best


# --- report ------------------------------------------------------------------------------------

def print_table(runs: list[Run]) -> None:
    head = (f"{'size MiB':>8} {'rows':>10} {'tool':<10} {'wall s':>8} {'rows/s':>9} {'CPU s':>8} "
            f"{'peak RSS MiB':>12} {'tree PSS MiB':>12} {'procs':>5} {'store MiB':>9} {'records':>10} "
            f"{'triples':>12} {'other CPU s':>11}")
    print(head)
    print("-" * len(head))
    for r in runs:
        flag = "" if r.exit_code == 0 else f"  (exit {r.exit_code})"
        if r.killed_at_mib:
            flag = f"  (stopped at {r.killed_at_mib:,.0f} MiB)"
        store = f"{r.store_mib:>9.1f}" if r.tool != "convert" else f"{'':>9}"
        records = f"{r.records:>10,}" if r.tool == "publish" else f"{'':>10}"
        print(f"{r.size_mib:>8.1f} {r.rows:>10,} {r.tool:<10} {r.seconds:>8.1f} {r.rows_per_s:>9,.0f} "
              f"{r.cpu_seconds:>8.1f} {r.peak_rss_mib:>12.1f} {r.tree_pss_mib:>12.1f} {r.max_procs:>5} {store} "
              f"{records} {r.triples:>12,} {r.other_cpu_seconds:>11.1f}{flag}")


def summary(runs: list[Run], goal: float) -> dict:
    """Print the ratios publish / bare load per size and publish's memory growth; return them."""
    by = {(r.rows, r.tool): r for r in runs}
    sizes = sorted({r.rows for r in runs})
    ratios = []
    print()
    for n in sizes:
        p, b, c = by.get((n, "publish")), by.get((n, "bare-load")), by.get((n, "convert"))
        if not (p and b and p.exit_code == 0 and b.exit_code == 0 and b.seconds and b.memory_mib):
            continue
        ratio = {"rows": n, "size_mib": p.size_mib, "wall": p.seconds / b.seconds,
                 "cpu": p.cpu_seconds / b.cpu_seconds if b.cpu_seconds else 0.0,
                 "memory": p.memory_mib / b.memory_mib,
                 "store": p.store_mib / b.store_mib if b.store_mib else 0.0}
        ratios.append(ratio)
        line = (f"{p.size_mib:>6.1f} MiB, {n:>9,} rows: publish / bare load = {ratio['wall']:.1f}x wall "
                f"(CPU {ratio['cpu']:.1f}x), {ratio['memory']:.1f}x memory, {ratio['store']:.2f}x store")
        if c and c.exit_code == 0 and p.seconds:
            line += f"; convert alone is {c.seconds / p.seconds:.0%} of publish's wall time"
        print(line)
    mem = [(by[(n, "publish")].size_mib, n, by[(n, "publish")].memory_mib) for n in sizes
           if (n, "publish") in by and by[(n, "publish")].exit_code == 0]
    growth: dict = {"goal_mib": goal, "publish_memory_mib": {str(n): m for _, n, m in mem}}
    stopped = [r for r in runs if r.tool == "publish" and r.killed_at_mib]
    if mem or stopped:
        over = [f"{s:.0f} MiB" for s, _, m in mem if m >= goal] + [f"{r.size_mib:.0f} MiB (stopped)" for r in stopped]
        print("publish memory: " + ", ".join(
            [f"{s:.0f} MiB CSV ({n:,} rows) {m:.0f} MiB" for s, n, m in mem]
            + [f"{r.size_mib:.0f} MiB CSV ({r.rows:,} rows) over {r.killed_at_mib:,.0f} MiB, stopped after "
               f"{r.seconds:.0f} s" for r in stopped]))
        if len(mem) > 1:
            (_, n0, m0), (_, n1, m1) = mem[0], mem[-1]
            slope = (m1 - m0) / (n1 - n0) * 100_000 if n1 != n0 else 0.0
            growth.update(factor=m1 / m0, rows_factor=n1 / n0, mib_per_100k_rows=slope)
            print(f"  → {m1 / m0:.2f}x memory for {n1 / n0:.0f}x rows ({slope:+.0f} MiB per 100,000 rows)")
        growth["over_goal"] = over
        print(f"  goal (under {goal:.0f} MiB at every size): " + (f"missed at {', '.join(over)}" if over else "met"))
    return {"ratios": ratios, "growth": growth}


# --- main --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes-mb", default=DEFAULT_SIZES_MB,
                    help="comma-separated CSV sizes in MiB, about (default: %(default)s)")
    ap.add_argument("--rows", help="comma-separated sizes in CSV rows instead of --sizes-mb")
    ap.add_argument("--tools", default=DEFAULT_TOOLS,
                    help=f"which runs to report, of {', '.join(TOOLS)} (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each N times; report the fastest run and the highest memory")
    ap.add_argument("--sample", type=float, default=0.2, help="memory sampling interval in seconds")
    ap.add_argument("--goal-mib", type=float, default=GOAL_MIB,
                    help="publish's memory goal, checked at every size (default: %(default)s)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for the 1-minute load average to drop below 0.5")
    ap.add_argument("--max-memory-mib", type=float, default=None, metavar="MIB",
                    help="stop a run whose processes together hold more than MIB resident; 0: no limit "
                         "(default: half the memory available when the script starts)")
    ap.add_argument("--itsutsuboshi", type=Path, default=ITSUTSUBOSHI, metavar="PATH",
                    help="the itsutsuboshi executable to measure (default: %(default)s)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work folders bench/work/publish-N/ (stores, reports, N-Triples)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--nt", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--graph", default=GRAPH, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.store, args.nt, args.graph)

    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    if unknown := tools - set(TOOLS):
        ap.error(f"unknown tools: {', '.join(sorted(unknown))} (choose from {', '.join(TOOLS)})")
    if args.rows:
        sizes = sorted({int(s.strip().replace("_", "")) for s in args.rows.split(",") if s.strip()})
    else:
        sizes = sorted({rows_for_mib(float(s), args.seed) for s in args.sizes_mb.split(",") if s.strip()})
    if args.max_memory_mib is None:
        args.max_memory_mib = round(mem_available_mib() / 2)
    args.itsutsuboshi = args.itsutsuboshi.absolute()
    WORK.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["source digest"] = source_digest()
    from importlib.metadata import version
    info["pyoxigraph"] = version("pyoxigraph")
    if args.itsutsuboshi != ITSUTSUBOSHI:
        info["itsutsuboshi executable"] = str(args.itsutsuboshi)  # the source digest is this tree's
    info["memory limit"] = f"{args.max_memory_mib:,.0f} MiB" if args.max_memory_mib else "none"
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))

    runs: list[Run] = []
    for n in sizes:
        csv_path = csv_for(n, args.seed)
        work = WORK / f"publish-{n}"
        work.mkdir(parents=True, exist_ok=True)
        mib = csv_path.stat().st_size / 2**20
        graph = None
        try:
            if "publish" in tools:
                tries = []
                for i in range(args.repeat):
                    wait_idle(0.5, args.wait_idle)
                    print(f"publish {mib:.1f} MiB, {n:,} rows ({i + 1}/{args.repeat}) …", file=sys.stderr, flush=True)
                    run, graph = run_publish(csv_path, n, work, args)
                    print(f"  {run.seconds:.1f} s, peak RSS {run.peak_rss_mib:.0f} MiB, {run.records:,} records, "
                          f"other CPU {run.other_cpu_seconds:.1f} s", file=sys.stderr, flush=True)
                    tries.append(run)
                runs.append(best_of(tries))
                if not args.keep:
                    shutil.rmtree(work / "data", ignore_errors=True)  # room for the next runs
            if tools & {"convert", "bare-load"}:
                tries = []
                for i in range(args.repeat if "convert" in tools else 1):
                    wait_idle(0.5, args.wait_idle)
                    print(f"convert {mib:.1f} MiB, {n:,} rows ({i + 1}) …", file=sys.stderr, flush=True)
                    tries.append(run_convert(csv_path, n, work, args))
                converted = best_of(tries)
                if "convert" in tools:
                    runs.append(converted)
                if "bare-load" in tools and converted.exit_code == 0:
                    tries = []
                    for i in range(args.repeat):
                        wait_idle(0.5, args.wait_idle)
                        print(f"bare-load {mib:.1f} MiB, {n:,} rows ({i + 1}/{args.repeat}) …", file=sys.stderr,
                              flush=True)
                        run = run_bare_load(csv_path, n, work, graph or GRAPH, args)
                        print(f"  {run.seconds:.1f} s, peak RSS {run.peak_rss_mib:.0f} MiB", file=sys.stderr,
                              flush=True)
                        tries.append(run)
                    runs.append(best_of(tries))
                elif "bare-load" in tools:
                    print("  bare-load skipped: the conversion failed", file=sys.stderr)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print()
    print_table(runs)
    figures = summary(runs, args.goal_mib)
    publish_triples = {r.rows: r.triples for r in runs if r.tool == "publish" and r.exit_code == 0}
    for r in runs:
        if r.tool == "bare-load" and r.exit_code == 0 and publish_triples.get(r.rows, r.triples) != r.triples:
            print(f"note: at {r.rows:,} rows publish loaded {publish_triples[r.rows]:,} triples, "
                  f"the bare load {r.triples:,}")
    failed = [r for r in runs if r.exit_code != 0]
    for r in failed:
        why = "stopped over --max-memory-mib" if r.killed_at_mib else f"exit {r.exit_code}"
        print(f"\n{r.tool} failed at {r.rows:,} rows ({why}): see bench/work/publish-{r.rows}-{r.tool}.log",
              file=sys.stderr)
    if source_digest() != info["source digest"]:
        print("\nwarning: the itsutsuboshi sources changed during the run", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": info, "command": sys.argv, **figures,
                                         "runs": [asdict(r) for r in runs]}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
