"""The national-scale generator (bench/scale_bench.py): real municipalities, the standard layouts, the model's rows."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import Counter

import pytest

from itsutsuboshi.converters import mapping
from itsutsuboshi.converters.reader import open_csv
from itsutsuboshi.converters.recognize import recognize

from .conftest import ROOT, requires_shared

pytestmark = requires_shared


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("scale_bench", ROOT / "bench" / "scale_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["scale_bench"] = module  # dataclasses look their module up
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return module


@pytest.fixture(scope="module")
def everyone(bench):
    return bench.municipalities()


def test_the_country_is_the_1741_municipalities_of_the_registry(bench, everyone):
    kinds = Counter(m.kind for m in everyone)
    assert len(everyone) == 1741
    assert kinds == {"city": 772, "town": 743, "village": 183, "special_ward": 23, "designated": 20}
    ichikawa = next(m for m in everyone if m.code == "122033")
    assert (ichikawa.label, ichikawa.kind) == ("千葉県市川市", "city")
    assert "国府台一丁目" in {t.name for t in ichikawa.towns}  # 町字 from the ABR master
    assert bench.expected_rows(ichikawa, "population") == len(ichikawa.towns)


def test_a_smaller_fraction_is_part_of_a_larger_one(bench, everyone):
    small, large = bench.sample(everyone, 0.01), bench.sample(everyone, 0.1)
    assert (len(small), len(large)) == (17, 174)
    assert {m.code for m in small} <= {m.code for m in large}
    assert bench.sample(everyone, 0.01) == small  # deterministic


def test_generated_files_are_recognised_and_have_the_rows_of_the_model(bench, everyone, tmp_path):
    chosen = [m for m in bench.sample(everyone, 0.1) if m.kind in ("town", "village")][:2]
    rows = bench.write_files(chosen, tmp_path)
    assert set(rows) == set(bench.MEAN_ROWS) and len(bench.MEAN_ROWS) == 14
    bundled = mapping.bundled().values()
    for m in chosen:
        for dataset in bench.MEAN_ROWS:
            path = tmp_path / bench.filename(m, dataset)
            source = open_csv(path)
            try:
                found = recognize(source.header, bundled, filename=path.name)
                assert found.dataset == dataset, path.name
                assert source.count_rows() == bench.expected_rows(m, dataset), path.name
            finally:
                source.close()
            with path.open(encoding="utf-8-sig", newline="") as f:
                first = next(csv.DictReader(f))
            code_column = "都道府県コード又は市区町村コード" if dataset == "hospital" else "全国地方公共団体コード"
            assert first[code_column] == m.code
    assert sum(rows.values()) == sum(bench.expected_rows(m, d) for m in chosen for d in bench.MEAN_ROWS)
