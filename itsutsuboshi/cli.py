"""The ``itsutsuboshi`` command line."""

from __future__ import annotations

import csv
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import click

from . import __version__, formats
from .converters import mapping as mappings
from .converters.iri import DEFAULT_BASE, IriBuilder
from .converters.issues import FIELDS, Issue
from .converters.mapping import MappingError, load_mapping
from .pipeline import FileResult, convert_file
from .writers import Writer, open_writer

PROGRESS_MIN_BYTES = 1 << 20
OUTPUT_BUFFER = 1 << 20


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itsutsuboshi")
def main() -> None:
    """itsutsuboshi (五つ星): 自治体のオープンデータ CSV を 5 つ星の Linked Open Data に。

    Turn municipal open-data CSV into 5-star Linked Open Data.
    """


@main.command("datasets")
@click.option("--columns/--no-columns", default=True, help="Show the columns of each header generation.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_command(columns: bool, as_json: bool) -> None:
    """認識できるデータセットと列の一覧 / List the datasets recognised, with their columns."""
    found = mappings.bundled()
    if as_json:
        click.echo(json.dumps([{
            "dataset": m.dataset, "number": m.number, "title": {"ja": m.title_ja, "en": m.title_en},
            "headers": {g: list(h) for g, h in m.headers.items()},
        } for m in found.values()], ensure_ascii=False, indent=2))
        return
    for m in found.values():
        click.secho(f"{m.number:02d} {m.dataset:<20} {m.title_ja} / {m.title_en}", bold=True)
        if columns:
            for generation, header in m.headers.items():
                click.echo(f"   [{generation}] " + ", ".join(header))


@main.command("convert")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="出力先: RDF ファイル名 (全入力を 1 ファイルに) またはフォルダ (入力ごとに 1 ファイル) / "
                   "Output file (one combined file) or folder (one file per input); '-' = stdout.")
@click.option("-f", "--format", "format_name", default=None,
              help=f"出力形式 / Output format: {', '.join(formats.names())} (default: from -o, else turtle).")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI for minted IRIs.")
@click.option("--dataset", default=None, help="データセットを指定 (自動判別しない) / Force the dataset.")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="独自のマッピングファイル (TOML) / Your own mapping file for a non-standard CSV.")
@click.option("--code", default=None, help="全国地方公共団体コード (6 桁) if the file has none.")
@click.option("--issues", "issues_path", type=click.Path(path_type=Path), default=None,
              help="問題の一覧 (.csv / .json) / Write the row-level issues (CSV or JSON).")
@click.option("-j", "--workers", type=click.IntRange(min=1), default=None,
              help="大きなファイルを並列に変換するプロセス数 (既定: CPU 数) / Processes for large files (default: CPUs).")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
def convert_command(files: tuple[Path, ...], output: Path, format_name: str | None, base: str, dataset: str | None,
                    mapping_file: Path | None, code: str | None, issues_path: Path | None, workers: int | None,
                    quiet: bool) -> None:
    """CSV を RDF に変換 / Convert CSV files to RDF.

    Exit status: 0 when every file was converted (rows with problems are reported, not fatal),
    2 when a file could not be read or recognised at all.
    """
    try:
        iris = IriBuilder(base)
        fmt = formats.get(format_name) if format_name else _format_from_path(output)
        user_mapping = load_mapping(mapping_file) if mapping_file else None
        if dataset and not user_mapping:
            mappings.get(dataset)
    except (KeyError, ValueError, MappingError) as exc:
        raise click.UsageError(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
    combined = str(output) == "-" or output.suffix.lower() in {f.extension for f in formats.all_formats()}
    if not combined:
        output.mkdir(parents=True, exist_ok=True)
    if issues_path is None and not combined:
        issues_path = output / "issues.csv"
    workers = workers or os.cpu_count() or 1
    results: list[FileResult] = []
    with ExitStack() as stack:
        sink = _IssueFile(stack, issues_path)
        shared_writer = None
        if combined:
            stream = sys.stdout if str(output) == "-" else stack.enter_context(open(output, "w", encoding="utf-8", buffering=OUTPUT_BUFFER))
            shared_writer = open_writer(fmt, stream)
        options = {"iris": iris, "on_issue": sink.write, "dataset": dataset, "mapping": user_mapping, "code": code,
                   "workers": workers}
        for path in files:
            if shared_writer is None:
                target = output / (path.stem + fmt.extension)
                with open(target, "w", encoding="utf-8", buffering=OUTPUT_BUFFER) as stream:
                    writer = open_writer(fmt, stream)
                    results.append(_convert_one(path, writer, quiet, options))
                    writer.close()
            else:
                results.append(_convert_one(path, shared_writer, quiet, options))
        if shared_writer is not None:
            shared_writer.close()
        sink.close()
    if not quiet:
        _summary(results, output, issues_path)
    if any(not r.ok for r in results):
        sys.exit(2)


def _convert_one(path: Path, writer: Writer, quiet: bool, options: dict[str, Any]) -> FileResult:
    """One file, with a progress bar when it is large and the terminal is interactive."""
    size = path.stat().st_size if path.is_file() else 0
    show = not quiet and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty()
    if not show:
        return convert_file(path, writer, **options)
    with click.progressbar(length=size, label=path.name, file=sys.stderr) as bar:
        return convert_file(path, writer, progress=bar.update, **options)


def _format_from_path(output: Path) -> formats.Format:
    if output.suffix:
        try:
            return formats.get(output.suffix)
        except KeyError:
            pass
    return formats.TURTLE


class _IssueFile:
    """Streams issues to CSV (UTF-8 with BOM, so spreadsheet software opens it) or JSON Lines-in-array."""

    def __init__(self, stack: ExitStack, path: Path | None) -> None:
        self.path = path
        self._stream: IO[str] | None = None
        self._json = bool(path and path.suffix.lower() == ".json")
        self._first = True
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = stack.enter_context(open(path, "w", encoding="utf-8-sig" if not self._json else "utf-8",  # noqa: SIM115
                                                newline=""))
        if self._json:
            self._stream.write("[\n")
        else:
            self._csv = csv.writer(self._stream)
            self._csv.writerow(FIELDS)

    def write(self, issue: Issue) -> None:
        if self._stream is None:
            return
        if self._json:
            self._stream.write(("" if self._first else ",\n") + json.dumps(issue.as_dict(), ensure_ascii=False))
            self._first = False
        else:
            self._csv.writerow([getattr(issue, f) for f in FIELDS])

    def close(self) -> None:
        if self._stream is not None and self._json:
            self._stream.write("\n]\n")


def _summary(results: list[FileResult], output: Path, issues_path: Path | None) -> None:
    click.echo("", err=True)
    header = (f"{'file':<36} {'dataset':<18} {'gen':<10} {'conf':>5} {'read':>6} {'conv':>6} {'issues':>6} "
              f"{'unmapped':>8}")
    click.echo(header, err=True)
    click.echo("-" * len(header), err=True)
    for r in results:
        name = Path(r.path).name
        if not r.ok:
            click.secho(f"{name[:36]:<36} ERROR {r.error}", fg="red", err=True)
            continue
        click.echo(f"{name[:36]:<36} {r.dataset or '-':<18} {r.generation or '-':<10} {r.confidence:>5.2f} "
                   f"{r.rows_read:>6} {r.rows_converted:>6} {r.rows_with_issues:>6} {len(r.unmapped):>8}", err=True)
        if r.unmapped:
            click.echo(f"    独自の列 / unmapped: {', '.join(r.unmapped)}", err=True)
    total_read = sum(r.rows_read for r in results)
    total_conv = sum(r.rows_converted for r in results)
    click.echo(f"\n{len(results)} ファイル / files, {total_read} 行読込 / rows read, {total_conv} 行変換 / rows "
               f"converted, {sum(r.rows_with_issues for r in results)} 行に問題 / rows with issues", err=True)
    click.echo(f"出力 / output: {output if str(output) == '-' else output.resolve()}", err=True)
    if issues_path:
        click.echo(f"問題の一覧 / issues: {issues_path}", err=True)


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-r", "--report", "report_paths", multiple=True, type=click.Path(path_type=Path),
              help="Report file; format from the extension: .html .csv .json .ttl .jsonld .nt .rdf (repeatable).")
@click.option("--shapes", "shapes_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="独自のシェイプ / Validate against this SHACL shapes file instead of the bundled ones.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 from this severity up (warning: strict pipelines; never: report only).")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI (CSV input).")
@click.option("--dataset", default=None, help="データセットを指定 / Force the dataset (CSV input).")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="独自のマッピング / Your own mapping file (CSV input).")
@click.option("--code", default=None, help="全国地方公共団体コード (6 桁) if the file has none (CSV input).")
@click.option("-q", "--quiet", is_flag=True, help="Only the totals.")
def validate_command(files: tuple[Path, ...], report_paths: tuple[Path, ...], shapes_file: Path | None,
                     fail_on: str, base: str, dataset: str | None, mapping_file: Path | None, code: str | None,
                     quiet: bool) -> None:
    """データを検証 / Validate CSV (converted first) or RDF files against the SHACL shapes.

    Exit status: 0 without errors (warnings allowed; with --fail-on warning, without warnings
    either; with --fail-on never, always), 1 with errors, 2 when a file could not be read or recognised.
    """
    from .reports import EXTENSIONS, summary, write_report
    from .validation import exit_status, load_shapes, validate_file

    try:
        IriBuilder(base)
        user_mapping = load_mapping(mapping_file) if mapping_file else None
        if dataset and not user_mapping:
            mappings.get(dataset)
        shapes = load_shapes(shapes_file) if shapes_file else None
    except (KeyError, ValueError, MappingError, SyntaxError) as exc:
        raise click.UsageError(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
    for target in report_paths:
        if target.suffix.lower() not in EXTENSIONS:
            raise click.UsageError(f"unknown report format {target.suffix or target.name!r}; "
                                   f"use one of {', '.join(EXTENSIONS)}")
    reports = []
    for path in files:
        if not quiet:
            click.echo(f"検証中 / validating {path} …", err=True)
        reports.append(validate_file(path, shapes=shapes, base=base, dataset=dataset, mapping=user_mapping,
                                     code=code))
    text = summary(reports)
    click.echo(text.rsplit("\n", 1)[-1] if quiet else text, err=True)
    for target in report_paths:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_report(reports, target)
        if not quiet:
            click.echo(f"レポート / report: {target}", err=True)
    sys.exit(exit_status(reports, fail_on=fail_on))


if __name__ == "__main__":  # pragma: no cover
    main()
