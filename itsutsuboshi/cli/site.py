"""Commands that make and describe a site: ``publish``, ``diagnose``, ``export-static`` (added to the
``itsutsuboshi`` group in :mod:`.cli`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from itsutsuboshi.iris import DEFAULT_BASE, IriBuilder

STORE_HELP = ("データの置き場所: フォルダ (内蔵ストア) か SPARQL エンドポイントの URL / A folder (embedded store) "
              "or a SPARQL endpoint URL.")
LICENCE_HELP = ("ライセンス: cc-by-4.0, cc-by-2.1-jp, cc0, pdl-1.0 か URL / The licence the data is published under "
                "(a key or a URL); never assumed when not given.")


def _open_store(spec: str, base: str, *, read_only: bool = False):
    from itsutsuboshi.store import open_store

    try:
        IriBuilder(base)
        return open_store(spec, read_only=read_only)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from exc


@click.command("publish")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI for minted IRIs.")
@click.option("--store", "store_spec", default=None, metavar="DIR|URL",
              help=STORE_HELP + " [default: OUT/data]")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("published"),
              show_default=True, help="報告と目録の出力先 / Folder for the reports, the catalogue and the state.")
@click.option("--license", "licence", default=None, metavar="KEY|URL", help=LICENCE_HELP)
@click.option("--public-base", default=None, metavar="IRI",
              help="公開する基底 / Base the site is served under (IRIs are shown under it).")
@click.option("--force", is_flag=True, help="変更のないファイルも公開し直す / Publish unchanged files again.")
@click.option("--prune", is_flag=True,
              help="消えたファイルのデータセットを取り下げる / Withdraw the datasets of files that no longer exist.")
@click.option("--serve", is_flag=True, help="公開後にサーバを起動 / Serve the site afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス (--serve) / Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="ポート (--serve) / Port.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors and the URL.")
def publish_command(paths: tuple[Path, ...], base: str, store_spec: str | None, out: Path, licence: str | None,
                    public_base: str | None, force: bool, prune: bool, serve: bool, host: str, port: int,
                    quiet: bool) -> None:
    """フォルダの CSV をまとめて公開 / Recognise, convert, link, validate and load every CSV, then (with
    --serve) serve the site.

    Publishing again replaces what changed atomically and skips unchanged files. Exit status 2 when
    a file could not be published (the others still are); 3 when the store does not hold what was
    published (the differences are printed).
    """
    from itsutsuboshi.diagnosis.stars import format_terminal
    from itsutsuboshi.licences import licence_iri
    from itsutsuboshi.publish import run as publishing

    if licence is not None and licence_iri(licence) is None:
        raise click.BadParameter(f"unknown licence {licence!r}: use a URL or cc-by-4.0, cc0, pdl-1.0 …",
                                 param_hint="--license")
    store = _open_store(store_spec or str(out / "data"), base)
    files = publishing.find_inputs(paths)
    if not files:
        raise click.UsageError("CSV ファイルがありません / no CSV files found")
    def prebuilt() -> None:  # the dumps of what is now live, written once instead of on every request
        from itsutsuboshi.server.dumps import prebuild

        prebuild(store, base=base, public=public_base)

    with click.progressbar(length=len(files), label="公開中 / publishing", file=sys.stderr,
                           show_pos=True, hidden=quiet) as bar:
        def progress(name: str, done: int, total: int) -> None:
            bar.update(done - bar.pos)

        result = publishing.publish(paths, store, base=base, out=out, licence=licence, public_base=public_base,
                                    force=force, prune=prune, progress=progress, alongside=prebuilt)
    if not quiet:
        for o in result.outcomes:
            status = {"published": "公開 / published", "unchanged": "変更なし / unchanged",
                      "failed": "失敗 / failed", "missing": "ファイルなし / missing",
                      "withdrawn": "取り下げ / withdrawn"}[o.status]
            detail = (f"{o.dataset}: {o.records:,}/{o.rows:,} 件 / records, {o.errors:,} errors, "
                      f"{o.warnings:,} warnings, ★{o.level}" if o.status != "failed" else (o.error or ""))
            click.echo(f"{o.name:<40} {status:<22} {detail}", err=True)
        if result.count("missing"):
            click.secho(f"{result.count('missing')} 件のファイルがなくなりましたが、そのデータは公開したままです。取り下げるには "
                        "--prune / files published before are gone; their data stays published until --prune",
                        fg="yellow", err=True)
        diagnoses = [o.diagnosis for o in result.outcomes if o.diagnosis is not None]
        if diagnoses:
            click.echo(format_terminal(diagnoses), err=True)
        click.echo(f"目録 / catalogue: {result.catalogue_triples:,} triples · 報告 / reports: {out}/stars.html · "
                   f"{result.seconds:.1f} s", err=True)
    for difference in result.differences:
        click.secho(f"ストアの件数が合いません / the store differs: {difference}", fg="red", err=True)
    failed = result.count("failed")
    if serve:
        from itsutsuboshi.server import create_app

        app = create_app({"STORE": store, "BASE": base, "PUBLIC_BASE": public_base})
        click.echo(f"http://{host}:{port}/")
        app.run(host=host, port=port, debug=False, use_reloader=False)
    elif not quiet:
        click.echo(f"公開しました / published: {result.count('published')} · "
                   f"変更なし / unchanged: {result.count('unchanged')} · 失敗 / failed: {failed}", err=True)
    if result.differences:
        sys.exit(3)
    if failed:
        sys.exit(2)


@click.command("diagnose")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-r", "--report", "report_paths", multiple=True, type=click.Path(path_type=Path),
              help="報告の書き出し先 (.html / .json、複数可) / Write the diagnosis (.html or .json; repeatable).")
@click.option("--license", "licence", default=None, metavar="KEY|URL", help=LICENCE_HELP)
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="IRI の基底 / Base IRI for minted IRIs.")
def diagnose_command(files: tuple[Path, ...], report_paths: tuple[Path, ...], licence: str | None, base: str) -> None:
    """5 つ星の診断 / Which of the five stars each file reaches, with the evidence and the next steps."""
    from itsutsuboshi.diagnosis.stars import diagnose_file, format_terminal, write_diagnosis
    from itsutsuboshi.publish.run import find_inputs

    for target in report_paths:
        if target.suffix.lower() not in (".html", ".htm", ".json"):
            raise click.BadParameter(f"{target}: use .html or .json", param_hint="--report")
    diagnoses = [diagnose_file(path, base=base, licence=licence) for path in find_inputs(files)]
    click.echo(format_terminal(diagnoses, color=sys.stdout.isatty()))
    for target in report_paths:
        write_diagnosis(diagnoses, target)
        click.echo(f"報告 / report: {target}", err=True)


@click.command("export-static")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "store_spec", default="published/data", show_default=True, metavar="DIR|URL",
              help=STORE_HELP)
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="データの IRI の基底 / Base IRI the data was minted with.")
@click.option("--public-base", default=None, metavar="IRI",
              help="公開する基底 / Base the files will be served under (default: --base).")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
def export_static_command(out: Path, store_spec: str, base: str, public_base: str | None, quiet: bool) -> None:
    """静的なファイルとして書き出す / Write the whole site as files, with nginx and Apache (.htaccess)
    configuration for the 303 redirects and content negotiation."""
    from itsutsuboshi.server.static_site import export_static

    store = _open_store(store_spec, base, read_only=not store_spec.startswith(("http://", "https://")))
    with click.progressbar(length=1, label="書き出し中 / exporting", file=sys.stderr, hidden=quiet) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        summary = export_static(store, out, base=base, public_base=public_base, progress=progress)
    if not quiet:
        click.echo(f"{summary.resources:,} resources, {summary.files:,} files, {summary.bytes / 1e6:.1f} MB "
                   f"→ {summary.out} ({summary.seconds:.1f} s)", err=True)
        click.echo(f"nginx: {summary.out}/nginx.conf · Apache: {summary.out}/.htaccess", err=True)
    for url, reason in summary.skipped:
        click.secho(f"書き出せません / not exported: {url} ({reason})", fg="yellow", err=True)
    for warning in summary.warnings:
        click.secho(f"注意 / warning: {warning}", fg="yellow", err=True)
