"""The built wheel holds every package and data file, and its CLI converts a file on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import CASES, ROOT

DATA_SUFFIXES = (".ttl", ".jsonld", ".toml", ".csv", ".html", ".rq")
PACKAGES = {"itsutsuboshi": "itsutsuboshi", "itsutsuboshi/vocab": "vocab", "itsutsuboshi/shapes": "shapes",
            "itsutsuboshi/converters": "converters", "itsutsuboshi/server": "server"}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return next(out.glob("itsutsuboshi-*.whl"))


def test_wheel_contains_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, folder in PACKAGES.items():
        for path in (ROOT / folder).rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py" or path.suffix in DATA_SUFFIXES:
                assert f"{package}/{path.relative_to(ROOT / folder).as_posix()}" in names, path
    assert not any(n.startswith(("server/", "converters/", "vocab/", "shapes/")) for n in names)


def test_wheel_carries_the_built_query_editor_not_its_sources(wheel):
    """The site runs without npm: the editor's bundle and its licences are package data, its sources are not."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for built in ("editor.bundle.js", "editor.bundle-LICENSE.txt", "leaflet.js"):
        assert f"itsutsuboshi/server/static/{built}" in names
        assert (ROOT / "server" / "static" / built).stat().st_size > 1000
    assert len([n for n in names if n.startswith("itsutsuboshi/server/queries/") and n.endswith(".rq")]) >= 20
    assert not any(n.startswith("itsutsuboshi/server/editor/") for n in names)


def test_installed_wheel_converts(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = tmp_path / "out.ttl"
    run = subprocess.run([sys.executable, "-m", "itsutsuboshi", "convert", str(CASES / "aed-new" / "input.csv"),
                          "-o", str(out), "-q"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    probe = subprocess.run([sys.executable, "-c", "import itsutsuboshi.converters.mapping as m; print(m.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert probe.stdout.startswith(str(target))
    assert out.stat().st_size > 1000
