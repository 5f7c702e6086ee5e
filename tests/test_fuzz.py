"""The damaged-file corpus of :mod:`tests.fuzzing`: every case converts without a crash and loses nothing.

By default a sample runs (every mutation, two seeds each, every crafted file: about a minute); with
``--fuzz-full`` the whole corpus (every mutation of every seed, twice). ``python -m tests.fuzzing`` prints
the figures of a run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SAMPLES
from .fuzzing import Case, check, corpus, seed_paths


def _cases(full: bool) -> list[Case]:
    return list(corpus(seed_paths(), sample=None if full else 2))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = _cases(metafunc.config.getoption("--fuzz-full"))
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def test_damaged_file_loses_nothing(case: Case, tmp_path: Path) -> None:
    outcome = check(case, tmp_path)
    assert not outcome.problems, "\n".join(outcome.problems)


def test_corpus_covers_every_mutation_and_the_real_samples() -> None:
    from .fuzzing import CRAFTED, MUTATIONS

    sample = _cases(False)
    assert {c.mutation for c in sample} >= set(MUTATIONS)
    assert sum(c.mutation.startswith("crafted") for c in sample) == len(CRAFTED)
    if SAMPLES.is_dir():
        names = {p.name for p in seed_paths()}
        assert any(p.parent.name == "raw" for p in seed_paths()), names
