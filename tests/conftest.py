"""Shared fixtures: where the real municipal samples are (``../shared``), skipped when absent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples" / "raw"
CASES = Path(__file__).resolve().parent / "cases"


def shared_manifest() -> list[dict[str, str]]:
    """Rows of ../shared/samples/MANIFEST.csv, or [] when ../shared is absent."""
    manifest = SHARED / "samples" / "MANIFEST.csv"
    if not manifest.is_file():
        return []
    with open(manifest, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


requires_shared = pytest.mark.skipif(not SAMPLES.is_dir(),
                                     reason="../shared/samples/raw is absent (real municipal samples are not in a user's clone)")
