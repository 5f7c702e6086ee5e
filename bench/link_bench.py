"""Address matching benchmark: accuracy and throughput of ``match_address`` against the ABR 町字 master.

Usage (from the repository root)::

    .venv/bin/python bench/link_bench.py                 # master-derived set (+ real samples when ../shared exists)
    .venv/bin/python bench/link_bench.py --step 10 --repeat 5

The test sets are those of ``tests/test_addresses.py``: every ``--step``-th 町字 of every shipped
prefecture written in several spellings, and the address rows of ``../shared/samples/raw``. The script
times loading the tables, one warm-up pass (which also builds the per-municipality indexes that the
pass needs), ``--repeat`` measured passes over the same addresses, and building the indexes of every
municipality; it prints accuracy and addresses per second and writes ``bench/work/link-results.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.convert_bench import machine  # noqa: E402
from itsutsuboshi.converters import addresses, local_governments, towns  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402
from tests.test_addresses import STEP, master_cases, sample_rows, score, score_samples  # noqa: E402

WORK = ROOT / "bench" / "work"


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def run(inputs: list[tuple[str, str | None]]) -> float:
    """Seconds to match every input once."""
    match = addresses.match_address
    gc.disable()
    try:
        start = time.perf_counter()
        for text, hint in inputs:
            match(text, lg_code=hint)
        return time.perf_counter() - start
    finally:
        gc.enable()


def index_everything() -> int:
    """Build the index of every municipality (and of every 政令指定都市 over its wards); returns how many."""
    codes = set(towns.all_towns()) | set(addresses._cities().wards)
    for code in codes:
        addresses._town_index(addresses._codes(code))
    return len(codes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=int, default=STEP, help="every STEP-th 町字 of each prefecture (%(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="measured passes (%(default)s)")
    parser.add_argument("--json", type=Path, default=WORK / "link-results.json")
    args = parser.parse_args(argv)

    _, load_towns_s = timed(towns.all_towns)
    _, load_lg_s = timed(local_governments.all_local_governments)
    _, city_index_s = timed(addresses._cities)
    cases, build_s = timed(master_cases, args.step)
    rows = list(sample_rows()) if SAMPLES.is_dir() else []
    sets = {"master": [(c.text, c.hint) for c in cases], "real": [(r.text, r.hint) for r in rows]}
    sets["all"] = sets["master"] + sets["real"]

    warm_s = run(sets["all"])  # builds the indexes the addresses need
    timing = {}
    for name, inputs in sets.items():
        if not inputs:
            continue
        passes = [run(inputs) for _ in range(args.repeat)]
        timing[name] = {"addresses": len(inputs), "best_s": min(passes), "median_s": statistics.median(passes),
                        "per_s_best": len(inputs) / min(passes), "per_s_median": len(inputs) / statistics.median(passes)}
    addresses._town_index.cache_clear()
    indexed, index_all_s = timed(index_everything)

    right, total, failures = score(cases)
    master = {form: {"right": right[form], "total": total[form]} for form in sorted(total)}
    result = {
        "machine": machine(),
        "step": args.step,
        "load_s": {"towns": load_towns_s, "local_governments": load_lg_s, "city_index": city_index_s,
                   f"index_all_{indexed}_municipalities": index_all_s, "warm_up_pass": warm_s},
        "throughput": timing,
        "accuracy": {"master": master, "master_overall": {"right": sum(right.values()), "total": sum(total.values())}},
        "master_failures": [{"form": c.form, "text": c.text, "hint": c.hint, "expected": f"{c.lg_code}/{c.machiaza_id}",
                             "level": m.level, "reason": m.reason, "got": m.town and f"{m.town.lg_code}/{m.town.machiaza_id}"}
                            for c, m in failures],
    }

    print(f"tables: towns {load_towns_s:.3f} s, local governments {load_lg_s:.3f} s, city index {city_index_s:.3f} s; "
          f"every municipality indexed ({indexed}) {index_all_s:.3f} s; warm-up pass {warm_s:.3f} s")
    for name, t in timing.items():
        print(f"throughput {name:6} {t['addresses']:6d} addresses: best {t['per_s_best']:9,.0f}/s, "
              f"median {t['per_s_median']:9,.0f}/s ({t['best_s'] * 1e6 / t['addresses']:.1f} µs each)")
    for form, c in master.items():
        print(f"accuracy master {form:13} {c['right']:5d}/{c['total']:5d} = {c['right'] / c['total']:.4f}")
    r, n = result["accuracy"]["master_overall"].values()
    print(f"accuracy master overall       {r:5d}/{n:5d} = {r / n:.4f}")
    if rows:
        s = score_samples(rows)
        result["accuracy"]["real"] = {"町字ID": s.by_id, "所在地_町字": s.by_label, "point_within_3km": s.by_point,
                                      "levels": {k: dict(v) for k, v in s.levels.items()}}
        result["real_failures"] = [{"check": what, "source": row.source, "row": row.row, "text": row.text,
                                    "hint": row.hint, "reason": m.reason,
                                    "got": m.town and f"{m.town.lg_code}/{m.town.machiaza_id} {m.town.name}"}
                                   for what, row, m in s.failures]
        for title, table in (("町字ID", s.by_id), ("所在地_町字", s.by_label), ("point ≤ 3 km", s.by_point)):
            for source, (ok, n) in sorted(table.items()):
                print(f"accuracy real {title:12} {source:36} {ok:4d}/{n:4d} = {ok / n:.4f}")
    else:
        print(f"{SAMPLES} is absent: real-sample set skipped")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
