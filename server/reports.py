"""The reports ``publish`` writes, served: ``/stars`` (the 5-star diagnosis of every file, HTML; ``/stars.json``)
and ``/reports/<name>`` (each file's validation report, HTML and CSV).

The folder is the ``REPORTS`` setting, else the folder the embedded store lives in when it holds ``stars.html``
(``published/`` for ``published/data``), so ``itsutsuboshi serve --store published/data`` serves them with no
setting. Only the files ``publish`` writes are served: a name is a report's (letters, digits, ``_ - .``, ending in
``.html`` or ``.csv``), looked up in the folder's ``reports/`` and never outside it. The reports are written
escaped by :mod:`itsutsuboshi.diagnosis` and :mod:`itsutsuboshi.validation`; the CSVs go out as downloads.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app

from .state import site_state

bp = Blueprint("reports", __name__)

_NAME = re.compile(r"[\w.\-]+\.(html|csv)")
_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}


def reports_folder() -> Path | None:
    """Where ``publish`` wrote its reports for this site, if anywhere."""
    configured = current_app.config.get("REPORTS")
    if configured:
        return Path(configured)
    path = getattr(site_state().store, "path", None)
    if isinstance(path, Path) and (path.parent / "stars.html").is_file():
        return path.parent
    return None


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object ``publish`` wrote (``stars.json``, ``publish-state.json``); ``{}`` when absent or unreadable."""
    if not path.is_file():
        return {}
    return _read(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read(path: str, mtime: int) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def diagnosed_files() -> list[Any]:
    """The files of the 5-star diagnosis (``stars.json``'s ``files``), ``[]`` when none was published."""
    folder = reports_folder()
    files = read_json(folder / "stars.json").get("files", []) if folder is not None else []
    return files if isinstance(files, list) else []


def _send(path: Path, kind: str, *, download: bool = False) -> Response:
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
               "X-Content-Type-Options": "nosniff"}
    if download:
        headers["Content-Disposition"] = f"attachment; filename={path.name}"
    return Response(path.read_bytes(), content_type=_TYPES[kind], headers=headers)


@bp.get("/stars", defaults={"ext": ""})
@bp.get("/stars.<ext>")
def stars(ext: str) -> Response:
    folder = reports_folder()
    kind = ext or "html"
    if folder is None or kind not in ("html", "json") or not (folder / f"stars.{kind}").is_file():
        abort(404)
    return _send(folder / f"stars.{kind}", kind)


@bp.get("/reports/<name>")
def report(name: str) -> Response:
    folder = reports_folder()
    match = _NAME.fullmatch(name)
    if folder is None or match is None:
        abort(404)
    root = (folder / "reports").resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        abort(404)
    return _send(path, match.group(1), download=match.group(1) == "csv")
