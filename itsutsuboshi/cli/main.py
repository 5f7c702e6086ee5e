"""The ``itsutsuboshi`` command line."""

from __future__ import annotations

import csv
import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import click

from itsutsuboshi import __version__, formats
from itsutsuboshi.cli import draft as cli_map
from itsutsuboshi.cli import site as cli_site
from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.issues import FIELDS, Issue
from itsutsuboshi.converters.mapping import MappingError, load_mapping
from itsutsuboshi.converters.writers import Writer, open_writer
from itsutsuboshi.iris import DEFAULT_BASE, IriBuilder
from itsutsuboshi.linking.registries import DEFAULT_SOURCE as REGISTRY_SOURCE
from itsutsuboshi.pipeline import summary
from itsutsuboshi.pipeline.convert import FileResult, convert_file
from itsutsuboshi.spreadsheet import safe_row

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
@click.option("--link", is_flag=True, help="ベース・レジストリへのリンクを付ける / Add links to the base registries.")
@click.option("--link-report", "link_report", type=click.Path(path_type=Path), default=None,
              help="リンクの報告 (.csv / .json) / Link report: counts and the rows not linked.")
@click.option("--summary", "summary_path", type=click.Path(path_type=Path), default=None,
              help="集計 (JSON) / Per-file counts as JSON: lines, rows read, converted, reported, set aside.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
def convert_command(files: tuple[Path, ...], output: Path, format_name: str | None, base: str, dataset: str | None,
                    mapping_file: Path | None, code: str | None, issues_path: Path | None, workers: int | None,
                    link: bool, link_report: Path | None, summary_path: Path | None, quiet: bool) -> None:
    """CSV を RDF に変換 / Convert CSV files to RDF.

    Exit status: 0 when every file was converted (rows with problems are reported, not fatal),
    2 when a file could not be read or recognised at all.
    """
    link = link or link_report is not None
    try:
        iris = IriBuilder(base)
        fmt = formats.get(format_name) if format_name else _format_from_path(output)
        user_mapping = load_mapping(mapping_file) if mapping_file else None
        if dataset and not user_mapping:
            mappings.get(dataset)
    except (KeyError, ValueError, MappingError) as exc:
        raise click.UsageError(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
    combined = str(output) == "-" or formats.by_extension(output.suffix) is not None
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
            stream = sys.stdout if str(output) == "-" else stack.enter_context(
                _replacing(output, encoding="utf-8", buffering=OUTPUT_BUFFER))
            shared_writer = open_writer(fmt, stream)
        link_issues: list[Issue] = []

        def on_issue(issue: Issue) -> None:
            sink.write(issue)
            if issue.code.startswith("link."):
                link_issues.append(issue)

        options = {"iris": iris, "on_issue": on_issue, "dataset": dataset, "mapping": user_mapping, "code": code,
                   "workers": workers, "link": link}
        for path in files:
            if shared_writer is None:
                target = output / (path.stem + fmt.extension)
                with _replacing(target, encoding="utf-8", buffering=OUTPUT_BUFFER) as stream:
                    writer = open_writer(fmt, stream)
                    results.append(_convert_one(path, writer, quiet, options))
                    writer.close()
            else:
                results.append(_convert_one(path, shared_writer, quiet, options))
        if shared_writer is not None:
            shared_writer.close()
        sink.close()
    if not quiet:
        summary.print_summary(results, output, issues_path)
    if summary_path is not None and str(summary_path) == "-":
        summary.write_json(results, sys.stdout)
    elif summary_path is not None:
        with _replacing(summary_path, encoding="utf-8") as stream:
            summary.write_json(results, stream)
    if link:
        from itsutsuboshi.linking import report as links

        if not quiet:
            click.echo("\nリンク / links\n" + links.summary(results), err=True)
        if link_report is not None:
            link_report.parent.mkdir(parents=True, exist_ok=True)
            links.write(results, link_issues, link_report)
            if not quiet:
                click.echo(f"リンクの報告 / link report: {link_report}", err=True)
    if any(not r.ok for r in results):
        sys.exit(2)


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", "store_spec", default="data", show_default=True,
              help="データの置き場所: フォルダ (内蔵ストア) か SPARQL エンドポイントの URL / A folder (embedded store) "
                   "or a SPARQL endpoint URL.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI for minted IRIs.")
@click.option("--graph", default=None, help="RDF ファイルを入れる名前付きグラフ / Named graph for RDF input.")
@click.option("--link/--no-link", default=True, show_default=True, help="ベース・レジストリへのリンク / Add registry links.")
@click.option("--dataset", default=None, help="データセットを指定 / Force the dataset (CSV input).")
@click.option("--code", default=None, help="全国地方公共団体コード (6 桁) if the file has none.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
def load_command(files: tuple[Path, ...], store_spec: str, base: str, graph: str | None, link: bool,
                 dataset: str | None, code: str | None, quiet: bool) -> None:
    """ストアに読み込む / Convert and load files into a store, one named graph per dataset and publisher.

    Loading a dataset again replaces its graph atomically. Exit status 2 when a file could not be
    loaded (the others still are).
    """
    from itsutsuboshi.publish.loading import load_csv, load_rdf
    from itsutsuboshi.store import StoreUnavailable, open_store

    try:
        IriBuilder(base)
        store = open_store(store_spec)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from exc
    failed = False
    for path in files:
        try:
            if formats.by_extension(path.suffix):
                if not graph:
                    raise click.UsageError(f"{path.name}: RDF input needs --graph IRI")
                loaded = load_rdf(store, path, graph=graph)
            else:
                loaded = load_csv(store, path, base=base, link=link, dataset=dataset, code=code)
        except StoreUnavailable as exc:
            click.secho(f"{path.name}: ストアに接続できません / store unavailable: {exc}", fg="red", err=True)
            failed = True
            continue
        if loaded.error:
            click.secho(f"{path.name}: 読み込めません / not loaded: {loaded.error}", fg="red", err=True)
            failed = True
        elif not quiet:
            click.echo(f"{path.name} → <{loaded.graph}> ({loaded.triples} triples)", err=True)
    if not quiet:
        click.echo(f"ストア / store: {store_spec}", err=True)
    if failed:
        sys.exit(2)


@main.command("link", context_settings={"ignore_unknown_options": False})
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="出力先 / Output folder or file (as for convert).")
@click.option("-r", "--report", "report", type=click.Path(path_type=Path), default=None,
              help="リンクの報告 (.csv / .json) / Link report: counts and the rows not linked.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI for minted IRIs.")
@click.option("--dataset", default=None, help="データセットを指定 / Force the dataset.")
@click.option("--code", default=None, help="全国地方公共団体コード (6 桁) if the file has none.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.pass_context
def link_command(ctx: click.Context, files: tuple[Path, ...], output: Path, report: Path | None, base: str,
                 dataset: str | None, code: str | None, quiet: bool) -> None:
    """変換してベース・レジストリにリンク / Convert with links to the base registries and report them.

    The same as ``convert --link``: 団体コード → e-Stat statistical area and the local government's
    法人番号, 法人番号 → its registry IRI, addresses → ABR 町字 (filling missing coordinates from the
    町字's representative point). Exit status as for convert.
    """
    ctx.invoke(convert_command, files=files, output=output, format_name=None, base=base, dataset=dataset,
               mapping_file=None, code=code, issues_path=None, workers=1, link=True, link_report=report,
               quiet=quiet)


def _convert_one(path: Path, writer: Writer, quiet: bool, options: dict[str, Any]) -> FileResult:
    """One file, with a progress bar when it is large and the terminal is interactive."""
    size = path.stat().st_size if path.is_file() else 0
    show = not quiet and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty()
    if not show:
        return convert_file(path, writer, **options)
    with click.progressbar(length=size, label=path.name, file=sys.stderr) as bar:
        return convert_file(path, writer, progress=bar.update, **options)


def _format_from_path(output: Path) -> formats.Format:
    return formats.by_extension(output.suffix) or formats.TURTLE


@contextmanager
def _replacing(path: Path, **options: Any) -> Iterator[IO[str]]:
    """A text file written under a temporary name beside ``path`` and renamed to it only once complete,
    so that a failure or an interruption never leaves a truncated ``path`` (an older one stays)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    try:
        with open(partial, "x", **options) as stream:
            yield stream
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class _IssueFile:
    """Streams issues to CSV (UTF-8 with BOM, so spreadsheet software opens it, and no cell taken for a
    formula: :mod:`.spreadsheet`) or JSON Lines-in-array (values as they are)."""

    def __init__(self, stack: ExitStack, path: Path | None) -> None:
        self.path = path
        self._stream: IO[str] | None = None
        self._json = bool(path and path.suffix.lower() == ".json")
        self._first = True
        if path is None:
            return
        self._stream = stack.enter_context(_replacing(path, encoding="utf-8-sig" if not self._json else "utf-8",
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
            self._csv.writerow(safe_row(getattr(issue, f) for f in FIELDS))

    def close(self) -> None:
        if self._stream is not None and self._json:
            self._stream.write("\n]\n")


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-r", "--report", "report_paths", multiple=True, type=click.Path(path_type=Path),
              help="Report file; format from the extension: .html .csv .json "
                   f"{' '.join(f.extension for f in formats.all_formats())} (repeatable).")
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
    from itsutsuboshi.validation.reports import EXTENSIONS, summary, write_report
    from itsutsuboshi.validation.validate import exit_status, load_shapes, validate_file

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


@main.group("registries")
def registries_group() -> None:
    """住所の基準表 (ABR) の確認と更新 / Inspect and refresh the address registry tables (ABR).

    The 市区町村 and 町字 tables come from the アドレス・ベース・レジストリ (デジタル庁, CC BY 4.0).
    """


def _prefecture_codes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    from itsutsuboshi.linking.registries import prefecture_code

    try:
        return tuple(prefecture_code(part) for value in values for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


@registries_group.command("update")
@click.option("--from", "source", default=REGISTRY_SOURCE, show_default=True, metavar="URL_OR_DIR",
              help="取得元: ABR のダウンロード URL、または zip / CSV のあるフォルダ / "
                   "Download base URL, or a folder holding the zips or the extracted CSVs.")
@click.option("--prefecture", "prefectures", multiple=True, metavar="NN", callback=_prefecture_codes,
              help="町字マスターを取得する都道府県 (繰り返し可; 既定: 今の表の都道府県) / "
                   "Prefecture whose 町字 master to fetch (repeatable; default: those of the current table).")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="書き込み先 (既定: $ITSUTSUBOSHI_DATA または ~/.local/share/itsutsuboshi) / "
                   "Folder to write the tables to (default: $ITSUTSUBOSHI_DATA or ~/.local/share/itsutsuboshi).")
@click.option("--allow-smaller", is_flag=True,
              help="行数の妥当性検査をしない (意図して小さい表) / Skip the row-count check (a deliberately smaller table).")
def registries_update_command(source: str, prefectures: tuple[str, ...], target: Path | None,
                              allow_smaller: bool) -> None:
    """ABR から表を更新 / Fetch the ABR masters, verify them, then replace the tables.

    Exit status: 0 when the tables were replaced, 1 when a file was missing or failed a check
    (the existing tables are left untouched).
    """
    from itsutsuboshi.converters import towns
    from itsutsuboshi.linking.registries import Progress, RegistryError, update

    folder = target if target is not None else towns.data_dir()
    click.echo(f"取得元 / source: {source}", err=True)
    try:
        result = update(source, prefectures, folder, check_counts=not allow_smaller, progress=Progress())
    except RegistryError as exc:
        click.secho(f"エラー / error: {exc.name}: {exc.ja}", fg="red", err=True)
        click.secho(f"               {exc.en}", fg="red", err=True)
        if exc.where:
            click.echo(f"  ({exc.where})", err=True)
        click.echo(f"表は変更していません / The tables were not changed: {folder}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.secho(f"エラー / error: 書き込めません / cannot write: {exc}", fg="red", err=True)
        click.echo(f"表は変更していません / The tables were not changed: {folder}", err=True)
        sys.exit(1)
    click.echo("表を更新しました / Tables updated:")
    click.echo(f"  都道府県 / prefectures:          {result.local_governments - result.municipalities:,}")
    click.echo(f"  市区町村 / municipalities:       {result.municipalities:,}")
    click.echo(f"  町字 / towns (machiaza):         {result.towns:,} "
               f"(代表点あり / with points: {result.towns_with_points:,})")
    click.echo(f"  町字の都道府県 / town masters:   {', '.join(result.prefectures)}")
    if result.without_points:
        click.echo(f"  代表点なし / without points:     {', '.join(result.without_points)}")
    if result.dropped:
        click.echo(f"  前の表から外れた都道府県 / no longer covered: {', '.join(result.dropped)}")
    click.echo(f"  保存先 / written to:             {result.target.resolve()}")
    if result.target.resolve() != towns.data_dir().expanduser().resolve():
        click.echo(f"  この表を使うには / to use them: ITSUTSUBOSHI_DATA={result.target.resolve()}")


@registries_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def registries_show_command(as_json: bool) -> None:
    """使用中の表 / Which registry tables are in use (shipped or updated), with counts and source."""
    from itsutsuboshi.linking.registries import info

    found = info()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    labels = {"shipped": "同梱 / shipped", "updated": "更新版 / updated"}
    lg, tw = found["tables"]["local_governments.csv"], found["tables"]["towns.csv.gz"]
    click.secho(f"市区町村 / local governments: {labels[lg['in_use']]}", bold=True)
    click.echo(f"  {lg['prefectures']:,} 都道府県 / prefectures, {lg['municipalities']:,} 市区町村 / municipalities")
    click.echo(f"  {lg['path']}")
    if lg["note"]:
        click.echo(f"  # {lg['note']}")
    click.secho(f"町字 / towns: {labels[tw['in_use']]}", bold=True)
    click.echo(f"  {tw['rows']:,} 町字 / towns in {len(tw['prefectures'])} 都道府県 / prefectures "
               f"({', '.join(tw['prefectures'])}); 代表点あり / with points: {tw['with_points']:,}")
    click.echo(f"  {tw['path']}")
    record = found["update"]
    click.secho(f"データフォルダ / data folder: {found['data_dir']}", bold=True)
    if record is None:
        click.echo("  更新なし / no update (registries.json absent)")
    elif "error" in record:
        click.echo(f"  registries.json を読めません / unreadable: {record['error']}")
    else:
        click.echo(f"  更新日時 / updated: {record.get('updated', '?')}")
        click.echo(f"  取得元 / source: {record.get('source', '?')}")
        for f in record.get("files", []):
            click.echo(f"    {f.get('name', '?'):<26} {f.get('rows', 0):>8,} 行 / rows  {f.get('date', '')}".rstrip())


@main.command("serve")
@click.option("--store", "store_spec", default=None, metavar="DIR|URL",
              help="データの場所（フォルダか SPARQL の URL）/ Store folder or SPARQL endpoint URL (default: in memory).")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="データの IRI の基底 / Base IRI the data was minted with.")
@click.option("--public-base", default=None, metavar="IRI",
              help="公開する基底 / Base the site is served under (IRIs are rewritten from --base).")
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス / Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="ポート / Port.")
def serve_command(store_spec: str | None, base: str, public_base: str | None, host: str, port: int) -> None:
    """Linked Data のサーバを起動します（開発用）。Run the Linked Data server (Flask's development server)."""
    from itsutsuboshi.server import create_app

    app = create_app({"STORE": store_spec, "BASE": base, "PUBLIC_BASE": public_base})
    click.echo(f"http://{host}:{port}/", err=False)
    app.run(host=host, port=port, debug=False, use_reloader=False)


for _command in (cli_site.publish_command, cli_site.diagnose_command, cli_site.export_static_command,
                 cli_map.map_command):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
