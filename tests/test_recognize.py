"""Recognition: every header generation of every dataset, the old templates, and near misses."""

from __future__ import annotations

import pytest

from itsutsuboshi.converters import mapping
from itsutsuboshi.converters.reader import open_csv
from itsutsuboshi.converters.recognize import recognize

from .conftest import CASES, SHARED, requires_shared

GENERATIONS = [(m.dataset, g, h) for m in mapping.bundled().values() for g, h in m.headers.items()]
TEMPLATES = {
    "aed": "aed", "care_service": "care_service", "cultural_property": "cultural_property",
    "evacuation_space": "evacuation_space", "event": "event", "fire_hydrant": "fire_hydrant",
    "hospital": "hospital", "open_data_list": "open_data_list", "population_yyyymmdd": "population",
    "preschool": "preschool", "public_facility": "public_facility", "public_toilet": "public_toilet",
    "public_wireless_lan": "public_wireless_lan", "tourism": "tourism",
}


def test_there_are_fourteen_datasets():
    assert len(mapping.names()) == 14


@pytest.mark.parametrize(("dataset", "generation", "header"), GENERATIONS,
                         ids=[f"{d}-{g}" for d, g, _ in GENERATIONS])
def test_each_generation_is_recognised_exactly(dataset, generation, header):
    found = recognize(header, mapping.bundled().values())
    assert (found.dataset, found.generation, found.confidence) == (dataset, generation, 1.0)
    assert found.unplaced == ()


@pytest.mark.parametrize(("dataset", "generation", "header"), GENERATIONS,
                         ids=[f"{d}-{g}" for d, g, _ in GENERATIONS])
def test_a_close_variant_is_still_recognised(dataset, generation, header):
    """Drop two columns and add a municipal extra: still the same dataset, with the extra unplaced."""
    variant = [h for i, h in enumerate(header) if i not in (len(header) - 2, len(header) - 3)] + ["独自の備考"]
    found = recognize(variant, mapping.bundled().values())
    assert found.dataset == dataset
    assert found.confidence < 1.0
    assert "独自の備考" in found.unplaced


def test_unrelated_header_is_not_recognised():
    found = recognize(["商品名", "価格", "在庫"], mapping.bundled().values())
    assert found.dataset is None
    assert found.candidates


def test_file_name_breaks_ties():
    header = ["名称", "住所", "緯度", "経度"]
    assert recognize(header, mapping.bundled().values(), filename="222127_aed.csv").dataset == "aed"
    assert recognize(header, mapping.bundled().values(), filename="222127_public_toilet.csv").dataset == "public_toilet"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "input.csv").exists()))
def test_golden_inputs_are_recognised_as_their_folder_says(case):
    source = open_csv(CASES / case / "input.csv")
    source.close()
    found = recognize(source.header, mapping.bundled().values())
    assert found.dataset == case.rsplit("-", 1)[0]


@requires_shared
@pytest.mark.parametrize(("template", "dataset"), sorted(TEMPLATES.items()))
def test_old_templates_are_recognised(template, dataset):
    path = SHARED / "reference" / "templates-suisho-v1" / f"xxxxxx_{template}.csv"
    source = open_csv(path)
    source.close()
    found = recognize(source.header, mapping.bundled().values(), filename=path.name)
    assert found.dataset == dataset
    assert found.generation.startswith("old")
