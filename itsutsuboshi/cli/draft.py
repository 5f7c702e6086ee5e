"""``itsutsuboshi map``: a draft mapping for a file in a local layout, to check once and reuse."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("map")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="書き出し先（既定: CSV の横の <名前>.mapping.toml）/ Where to write it (default: next to the CSV, "
                   "<name>.mapping.toml, where publish picks it up).")
@click.option("--dataset", default=None, help="データセットを指定 / Force the dataset (only the columns are matched).")
@click.option("--force", is_flag=True, help="既にあれば上書き / Overwrite an existing file.")
def map_command(file: Path, output: Path | None, dataset: str | None, force: bool) -> None:
    """列の対応の下書きを作る / Write a draft mapping: the dataset recognised and what each column is, with the
    evidence and confidence as comments. Check and correct it once; then `convert --mapping`, `validate
    --mapping` and `publish` (which finds it next to the CSV) use it."""
    from itsutsuboshi.converters.draft import draft, draft_path
    from itsutsuboshi.converters.mapping import MappingError, parse_mapping
    from itsutsuboshi.pipeline.convert import recognise_file

    try:
        recognition, header = recognise_file(file, dataset=dataset)
    except (OSError, ValueError, KeyError) as exc:
        raise click.UsageError(str(exc)) from exc
    if recognition.mapping is None:
        raise click.ClickException("表を読み取れません / the table could not be read")
    text = draft(recognition, header, filename=file.name)
    import tomllib

    try:
        parse_mapping(tomllib.loads(text), source=str(output or draft_path(file)))
    except (MappingError, tomllib.TOMLDecodeError) as exc:  # the draft must be a working mapping
        raise click.ClickException(f"下書きを作れません / no valid draft: {exc}") from exc
    target = output or draft_path(file)
    if target.exists() and not force:
        raise click.ClickException(f"{target} があります。--force で上書き / exists; use --force")
    target.write_text(text, encoding="utf-8")
    kind = "一般的な表 / generic table" if recognition.generic else recognition.dataset
    click.echo(f"{file.name}: {kind} ({recognition.confidence:.2f}) → {target}", err=True)
    for match in recognition.columns:
        click.echo(f"  {match.header} → {match.field}  {match.score:.2f}  {match.evidence}", err=True)
    for name in recognition.unplaced:
        click.echo(f"  {name} → (独自の項目 / custom property)", err=True)
