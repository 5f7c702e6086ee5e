"""Validation benchmark: itsutsuboshi's SHACL engine vs plain pyshacl on the same AED N-Triples.

Usage (from the repository root)::

    .venv/bin/python bench/validate_bench.py                       # 25k … 400k triples, pyshacl up to 100k
    .venv/bin/python bench/validate_bench.py --sizes 20k,50k
    .venv/bin/python bench/validate_bench.py --triples 400000 --pyshacl-max 0
    .venv/bin/python bench/validate_bench.py --rows 7000

For every size it generates the deterministic AED CSV of ``convert_bench.py``, injects errors into
about 5 % of the rows, converts it once with ``itsutsuboshi convert`` and validates the N-Triples
against the bundled AED shapes (``itsutsuboshi.shapes.load(["aed"])``) twice, each in a fresh
subprocess: with :class:`itsutsuboshi.shacl.ShaclEngine` on a pyoxigraph store, and with
``pyshacl.validate`` on an rdflib graph. Both write their results as a canonical multiset, which
must be the same; the script prints the times, peak memory and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from convert_bench import (  # noqa: E402
    HEADER,
    ROOT,
    SEED,
    WORK,
    count_triples,
    generate_rows,
    machine,
    measure,
    source_digest,
    wait_idle,
)

IC = "http://imi.go.jp/ns/core/rdf#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RESULTS_JSON = WORK / "validate-results.json"
TRIPLES_PER_ROW = 57  # what a clean benchmark row converts to (the size estimate only)
DEFAULT_SIZES = "25k,50k,100k,200k,400k"
PYSHACL_MAX = "100k"  # pyshacl needs about 8 s per 1,000 triples here (see README)
ERROR_RATE = 0.05
BAD_LGCODE = "999990"  # 999997 with a wrong check digit (the right one is 7)

# --- test data: the conversion benchmark's rows, with errors -----------------------------------

COL = {name: i for i, name in enumerate(HEADER)}
#: the kinds of error, each injected into about 1/7 of the chosen rows
ERRORS = ["名称 blank", "法人番号 check digit", "電話番号 letters", "郵便番号 malformed",
          "所在地 lgcode check digit", "名称_カナ blank", "緯度経度 blank"]


def _houjin(rng: random.Random) -> str:
    """A valid 13-digit 法人番号 (check digit first)."""
    twelve = "".join(str(rng.randrange(10)) for _ in range(12))
    total = sum(int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(reversed(twelve), start=1))
    return str(9 - total % 9) + twelve


def inject(row: list[str], kind: str, rng: random.Random) -> None:
    """Spoil ``row`` (in place) with one error of ``kind``."""
    if kind == "名称 blank":
        row[COL["名称"]] = ""
    elif kind == "法人番号 check digit":
        good = _houjin(rng)
        row[COL["法人番号"]] = str(int(good[0]) % 9 + 1) + good[1:]  # another first digit: wrong check digit
        row[COL["団体名"]] = "星野市医師会"
    elif kind == "電話番号 letters":
        row[COL["電話番号"]] = f"099-{rng.choice(['ABC', 'XYZ', 'TEL'])}-{rng.randint(0, 9999):04d}"
    elif kind == "郵便番号 malformed":
        row[COL["郵便番号"]] = rng.choice(["999-12AB", "99-12345", "〒999"])
    elif kind == "所在地 lgcode check digit":
        row[COL["所在地_全国地方公共団体コード"]] = BAD_LGCODE
    elif kind == "名称_カナ blank":
        row[COL["名称_カナ"]] = ""
    elif kind == "緯度経度 blank":
        row[COL["緯度"]] = row[COL["経度"]] = ""
    else:
        raise ValueError(kind)


def spoiled_rows(n: int, seed: int = SEED) -> Iterator[tuple[list[str], str | None]]:
    """The benchmark rows, about ``ERROR_RATE`` of them spoiled: (row, kind of error or None).

    The first k rows never depend on ``n``, so a smaller file is a prefix of a larger one."""
    rng = random.Random(seed + 1)
    for row in generate_rows(n, seed):
        kind = ERRORS[rng.randrange(len(ERRORS))] if rng.random() < ERROR_RATE else None
        if kind:
            inject(row, kind, rng)
        yield row, kind


def write_spoiled_csv(path: Path, n: int, seed: int) -> tuple[Counter, set[str]]:
    """Write the CSV; return how many rows got each kind of error, and the IDs of the lgcode rows."""
    kinds: Counter = Counter()
    lgcode_ids: list[str] = []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for row, kind in spoiled_rows(n, seed):
            w.writerow(row)
            if kind:
                kinds[kind] += 1
                if kind == "所在地 lgcode check digit":
                    lgcode_ids.append(row[COL["ID"]])
    tmp.replace(path)
    return kinds, set(lgcode_ids)


def add_bad_lgcodes(nt: Path, ids: set[str]) -> int:
    """Append the wrong 所在地 codes the converter refused to write; return how many were added.

    ``itsutsuboshi convert`` drops a 全国地方公共団体コード whose check digit is wrong (and reports
    ``lgcode.invalid``), so the shapes would never see it; the triples a lenient converter would
    have written (…/ic:住所/ic:市区町村コード/ic:識別値 "999990") are added so that both validators
    get the check-digit constraint to report."""
    record = re.compile(r"^<[^>]*/(AED\d{7})> <" + re.escape(IC) + r"設置地点> (_:\S+) \.$")
    address = re.compile(r"^(_:\S+) <" + re.escape(IC) + r"住所> (_:\S+) \.$")
    places: set[str] = set()
    addresses: dict[str, str] = {}
    with nt.open(encoding="utf-8") as f:
        for line in f:
            if m := record.match(line.rstrip("\n")):
                if m.group(1) in ids:
                    places.add(m.group(2))
            elif m := address.match(line.rstrip("\n")):
                addresses[m.group(1)] = m.group(2)
    found = [addresses[p] for p in sorted(places) if p in addresses]
    with nt.open("a", encoding="utf-8") as f:
        for i, node in enumerate(found):
            code = f"_:benchlgcode{i}"
            f.write(f"{node} <{IC}市区町村コード> {code} .\n{code} <{RDF_TYPE}> <{IC}コード型> .\n"
                    f'{code} <{IC}識別値> "{BAD_LGCODE}" .\n')
    if len(found) != len(ids):
        raise SystemExit(f"{nt}: found the address of {len(found)} of {len(ids)} records with a wrong lgcode")
    return len(found)


def data_for(rows: int, seed: int) -> tuple[Path, int, dict[str, int]]:
    """The spoiled CSV converted to N-Triples: (path, triples, errors per kind)."""
    csv_path = WORK / f"aed-spoiled-{rows}-s{seed}.csv"
    nt = WORK / f"aed-spoiled-{rows}-s{seed}.nt"
    print(f"generating {csv_path.relative_to(ROOT)} ({rows:,} rows) and converting it …", file=sys.stderr, flush=True)
    kinds, lgcode_ids = write_spoiled_csv(csv_path, rows, seed)
    issues = WORK / f"aed-spoiled-{rows}-s{seed}-issues.csv"
    cmd = [str(ROOT / ".venv/bin/itsutsuboshi"), "convert", str(csv_path), "-o", str(nt), "-q",
           "--issues", str(issues)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    add_bad_lgcodes(nt, lgcode_ids)
    triples, _ = count_triples(nt)
    return nt, triples, dict(kinds)


# --- the two validators (each runs in its own process: --worker) ---------------------------------

Key = tuple[str, str, str, str, str, str, str, str]
KEY_FIELDS = ["root", "trail", "shape", "component", "constraint", "path", "value", "severity"]


def _name(term) -> str:  # type: ignore[no-untyped-def]
    """IRI or literal lexical form (rdflib or pyoxigraph term); "_" for a blank node, "" for none."""
    if term is None:
        return ""
    if type(term).__name__ in ("BNode", "BlankNode"):
        return "_"
    return str(term) if isinstance(term, str) else term.value  # rdflib terms are str; pyoxigraph's have .value


def path_text(g, path) -> str:  # type: ignore[no-untyped-def]
    """A SHACL path of graph ``g`` as text: predicates joined by "/" (SPARQL syntax for the others)."""
    from rdflib import URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import RDF, SH


    if path is None:
        return ""
    if isinstance(path, URIRef):
        return str(path)
    if (path, RDF.first, None) in g:
        return "/".join(path_text(g, p) for p in Collection(g, path))
    for predicate, form in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                            (SH.zeroOrOnePath, "({})?")):
        inner = g.value(path, predicate)
        if inner is not None:
            return form.format(path_text(g, inner))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(g, p) for p in Collection(g, alternatives)) + ")"
    return "_"


def _root_text(root: str | None, focus) -> str:  # type: ignore[no-untyped-def]
    if root is not None:
        return root
    return "" if _name(focus) == "_" else "literal " + _name(focus)


def run_itsutsuboshi(nt: Path, shapes) -> tuple[float, float, Counter]:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    from itsutsuboshi.shapes.engine import ShaclEngine

    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    parsed = time.perf_counter()
    results = ShaclEngine(shapes).validate(store)
    validated = time.perf_counter()
    keys: Counter = Counter()
    for r in results:
        c = r.check
        path = path_text(shapes, r.path) if r.path is not None and (r.path, None, None) in shapes else _name(r.path)
        keys[(_root_text(r.root, r.focus), " ".join(r.trail), _name(c.shape), str(c.component),
              _name(c.constraint), path, _name(r.value), str(c.severity))] += 1
    return parsed - start, validated - parsed, keys


def run_pyshacl(nt: Path, shapes) -> tuple[float, float, Counter]:  # type: ignore[no-untyped-def]
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    from itsutsuboshi.shapes.engine import rdflib_trail

    start = time.perf_counter()
    data = Graph()
    data.parse(str(nt), format="nt")
    parsed = time.perf_counter()
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    validated = time.perf_counter()
    keys: Counter = Counter()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(r, SH.focusNode)
        root, trail = rdflib_trail(data, focus)
        keys[(_root_text(root, focus), " ".join(trail), _name(report.value(r, SH.sourceShape)),
              str(report.value(r, SH.sourceConstraintComponent)), _name(report.value(r, SH.sourceConstraint)),
              path_text(report, report.value(r, SH.resultPath)), _name(report.value(r, SH.value)),
              str(report.value(r, SH.resultSeverity)))] += 1
    return parsed - start, validated - parsed, keys


def worker(tool: str, nt: Path, out: Path) -> int:
    """Validate ``nt`` with ``tool`` and write the timings and the canonical results to ``out``."""
    from itsutsuboshi import shapes as bundled

    shapes = bundled.load(["aed"])
    run = run_itsutsuboshi if tool == "itsutsuboshi" else run_pyshacl
    parse_s, validate_s, keys = run(nt, shapes)
    rows = [[*k, n] for k, n in sorted(keys.items())]
    out.write_text(json.dumps({"tool": tool, "parse_s": parse_s, "validate_s": validate_s,
                               "results": sum(keys.values()), "keys": rows}, ensure_ascii=False),
                   encoding="utf-8")
    return 0


# --- measuring ---------------------------------------------------------------------------------

TOOLS = ("itsutsuboshi", "pyshacl")


@dataclass
class Run:
    tool: str
    rows: int
    triples: int
    results: int
    parse_s: float
    validate_s: float
    process_s: float  # the whole subprocess: start-up, imports, shapes, parse, validate, writing the results
    user_s: float
    sys_s: float
    peak_rss_mib: float
    exit_code: int
    other_cpu_s: float = 0.0
    keys: Counter = field(default_factory=Counter, repr=False)

    @property
    def total_s(self) -> float:
        return self.parse_s + self.validate_s


def run_tool(tool: str, nt: Path, rows: int, triples: int, sample: float) -> Run:
    out = WORK / f"validate-{tool}-{rows}.json"
    out.unlink(missing_ok=True)
    log = WORK / f"validate-{tool}-{rows}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--nt", str(nt), "--out", str(out)]
    wall, user, system, rss, _pss, _procs, code, other = measure(cmd, log, sample)
    if code != 0 or not out.exists():
        return Run(tool, rows, triples, 0, 0.0, 0.0, wall, user, system, rss, code or 1, other)
    data = json.loads(out.read_text(encoding="utf-8"))
    keys = Counter({tuple(k[:-1]): k[-1] for k in data["keys"]})
    return Run(tool, rows, triples, data["results"], data["parse_s"], data["validate_s"], wall, user, system, rss,
               code, other, keys)


def compare(a: Run, b: Run, limit: int = 10) -> bool:
    """Whether the two result multisets are equal; print the first differences if not."""
    if a.keys == b.keys:
        return True
    only_a, only_b = a.keys - b.keys, b.keys - a.keys
    print(f"\nresults differ at {a.triples:,} triples: {sum(only_a.values())} only in {a.tool}, "
          f"{sum(only_b.values())} only in {b.tool}", file=sys.stderr)
    for tool, diff in ((a.tool, only_a), (b.tool, only_b)):
        by_check = Counter((k[2], k[3], k[4]) for k in diff.elements())
        for (shape, component, constraint), n in by_check.most_common():
            print(f"  only {tool}: {n:>6} × {shape} {component.rsplit('#', 1)[-1]} {constraint}", file=sys.stderr)
        for k in sorted(diff)[:limit]:
            print(f"    {diff[k]} × " + ", ".join(f"{f}={v!r}" for f, v in zip(KEY_FIELDS, k, strict=True) if v),
                  file=sys.stderr)
    return False


def print_table(runs: list[Run]) -> None:
    head = (f"{'tool':<13} {'rows':>7} {'triples':>9} {'results':>8} {'parse s':>8} {'validate s':>10} "
            f"{'total s':>8} {'process s':>9} {'CPU s':>7} {'peak RSS MiB':>12} {'other CPU s':>11}")
    print(head)
    print("-" * len(head))
    for r in runs:
        flag = "" if r.exit_code == 0 else f"  (exit {r.exit_code})"
        print(f"{r.tool:<13} {r.rows:>7,} {r.triples:>9,} {r.results:>8,} {r.parse_s:>8.2f} {r.validate_s:>10.2f} "
              f"{r.total_s:>8.2f} {r.process_s:>9.2f} {r.user_s + r.sys_s:>7.1f} {r.peak_rss_mib:>12.1f} "
              f"{r.other_cpu_s:>11.1f}{flag}")


def summary(runs: list[Run], equal: dict[int, bool]) -> list[dict[str, float]]:
    """Print the ratios per size and our growth per 100k triples; return them."""
    by = {(r.triples, r.tool): r for r in runs}
    out = []
    print()
    for t in sorted({r.triples for r in runs}):
        a, b = by.get((t, "itsutsuboshi")), by.get((t, "pyshacl"))
        if not (a and b and a.total_s and a.validate_s and a.exit_code == 0 and b.exit_code == 0):
            continue
        ratio_total, ratio_validate = b.total_s / a.total_s, b.validate_s / a.validate_s
        out.append({"triples": t, "total_ratio": ratio_total, "validate_ratio": ratio_validate,
                    "peak_rss_ratio": b.peak_rss_mib / a.peak_rss_mib, "equal": equal.get(t, False)})
        print(f"{t:>9,} triples: pyshacl / itsutsuboshi = {ratio_total:5.1f}x total, {ratio_validate:5.1f}x validate; "
              f"memory {b.peak_rss_mib / a.peak_rss_mib:.1f}x; results "
              + ("equal" if equal.get(t) else "DIFFERENT") + f" ({a.results:,})")
    ours = [r for r in runs if r.tool == "itsutsuboshi" and r.exit_code == 0 and r.triples]
    if ours:
        print("itsutsuboshi per 100k triples: " + ", ".join(
            f"{r.triples:,}: {r.total_s / r.triples * 1e5:.2f} s total ({r.validate_s / r.triples * 1e5:.2f} s validate)"
            for r in sorted(ours, key=lambda r: r.triples)))
    theirs = [r for r in runs if r.tool == "pyshacl" and r.exit_code == 0 and r.triples]
    if theirs:
        print("pyshacl per 100k triples:      " + ", ".join(
            f"{r.triples:,}: {r.total_s / r.triples * 1e5:.2f} s total ({r.validate_s / r.triples * 1e5:.2f} s validate)"
            for r in sorted(theirs, key=lambda r: r.triples)))
    return out


def parse_size(text: str) -> int:
    """``400000``, ``400_000``, ``400k`` or ``1m``."""
    s = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(s[-1:], 1)
    return int(float(s.rstrip("km")) * scale)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help="comma-separated sizes in triples, e.g. 20k,50k (default: %(default)s)")
    ap.add_argument("--triples", type=parse_size, help="one size only, in triples")
    ap.add_argument("--rows", type=int, help="one size only, in CSV rows (about 57 triples each)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="which validators to run (default: %(default)s)")
    ap.add_argument("--pyshacl-max", type=parse_size, default=parse_size(PYSHACL_MAX), metavar="TRIPLES",
                    help="run pyshacl only up to this many triples; 0: at every size (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--sample", type=float, default=0.2, help="memory sampling interval in seconds")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for the 1-minute load average to drop below 0.5")
    ap.add_argument("--json", type=Path, default=RESULTS_JSON, help="where to write the figures (default: %(default)s)")
    ap.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    ap.add_argument("--nt", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.nt, args.out)

    if args.rows:
        row_counts = [args.rows]
    else:
        sizes = [args.triples] if args.triples else [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        row_counts = sorted({max(1, round(t / TRIPLES_PER_ROW)) for t in sizes})
    tools = [t for t in TOOLS if t in {x.strip() for x in args.tools.split(",")}]
    WORK.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["source digest"] = source_digest()
    from importlib.metadata import version
    info.update({p: version(p) for p in ("pyoxigraph", "pyshacl", "rdflib")})
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))

    runs: list[Run] = []
    equal: dict[int, bool] = {}
    errors: dict[int, dict[str, int]] = {}
    skipped: list[int] = []
    for rows in row_counts:
        nt, triples, kinds = data_for(rows, args.seed)
        errors[triples] = kinds
        by_tool: dict[str, Run] = {}
        for tool in tools:
            if tool == "pyshacl" and args.pyshacl_max and triples > args.pyshacl_max * 1.05:
                skipped.append(triples)
                continue
            wait_idle(0.5, args.wait_idle)
            print(f"{tool}: {triples:,} triples ({rows:,} rows) …", file=sys.stderr, flush=True)
            run = run_tool(tool, nt, rows, triples, args.sample)
            print(f"  parse {run.parse_s:.2f} s, validate {run.validate_s:.2f} s, {run.results:,} results, "
                  f"peak RSS {run.peak_rss_mib:.0f} MiB", file=sys.stderr, flush=True)
            by_tool[tool] = run
            runs.append(run)
        if all(t in by_tool for t in TOOLS):
            equal[triples] = compare(by_tool["itsutsuboshi"], by_tool["pyshacl"])
    print()
    print_table(runs)
    ratios = summary(runs, equal)
    measured = [r for r in runs if r.tool == "pyshacl" and r.exit_code == 0]
    if skipped and measured:
        last = max(measured, key=lambda r: r.triples)
        print("pyshacl not run at " + ", ".join(f"{t:,}" for t in skipped) + " triples (--pyshacl-max "
              f"{args.pyshacl_max:,}); growing linearly from {last.triples:,} triples it would take about "
              + ", ".join(f"{last.process_s * t / last.triples / 60:.0f} min" for t in skipped))
    if runs:
        kinds = errors[max(errors)]
        print("errors injected at the largest size (rows): " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    failed = [r for r in runs if r.exit_code != 0]
    for r in failed:
        print(f"\n{r.tool} failed at {r.triples:,} triples: see bench/work/validate-{r.tool}-{r.rows}.log",
              file=sys.stderr)
    if source_digest() != info["source digest"]:
        print("\nwarning: the itsutsuboshi sources changed during the run", file=sys.stderr)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": info, "command": sys.argv, "ratios": ratios,
        "errors_injected": {str(t): k for t, k in errors.items()}, "pyshacl_skipped": skipped,
        "runs": [{**{f.name: getattr(r, f.name) for f in fields(r) if f.name != "keys"}, "total_s": r.total_s}
                 for r in runs],
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nfigures written to {args.json}")
    return 0 if not failed and all(equal.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
