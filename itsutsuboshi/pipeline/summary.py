"""What ``convert`` tells about each file: a table for people, JSON for programs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click

from itsutsuboshi.pipeline.convert import FileResult


def print_summary(results: list[FileResult], output: Path, issues_path: Path | None) -> None:
    """The table of files printed after ``convert`` (standard error)."""
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


def file_counts(result: FileResult) -> dict[str, Any]:
    """One file's counts. Every spreadsheet row read is a data row or set aside (``rows.total`` =
    ``rows.read`` + ``rows.set_aside``), and every data row read is converted or reported as failed."""
    return {
        "file": result.path, "dataset": result.dataset, "error": result.error, "publisher": result.publisher,
        "encoding": result.encoding, "lines": result.lines, "triples": result.triples,
        "rows": {"total": result.rows_total, "read": result.rows_read, "converted": result.rows_converted,
                 "failed": result.rows_failed, "with_issues": result.rows_with_issues,
                 "set_aside": result.rows_set_aside, "blank": result.blank_rows},
        "issues": dict(sorted(result.issue_counts.items())),
    }


def write_json(results: list[FileResult], stream: IO[str]) -> None:
    """Every file's counts, as a JSON array."""
    json.dump([file_counts(r) for r in results], stream, ensure_ascii=False, indent=1)
    stream.write("\n")
