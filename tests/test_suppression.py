"""Small-area suppression (秘匿): a breakdown left blank where its total is given is not published.

The fixture ``tests/cases/population-suppressed`` holds one row of each kind: a full breakdown, a
breakdown withheld with blanks (塩浜3丁目 in 市川市's table), one withheld with X marks, a lone blank
among given bands (a forgotten value) and a row giving nothing at all.
"""

from __future__ import annotations

from collections import Counter

import pytest

from itsutsuboshi.converters import mapping as mappings
from itsutsuboshi.converters.mapping import MappingError, parse_mapping
from itsutsuboshi.converters.suppression import breakdowns, describe, withheld
from itsutsuboshi.validation.validate import validate_file

from .conftest import CASES

FIXTURE = CASES / "population-suppressed" / "input.csv"
HEADER = FIXTURE.read_text("utf-8").splitlines()[0].split(",")
BANDS = [i for i, name in enumerate(HEADER) if "歳" in name]
TOTAL, MALE, FEMALE = (HEADER.index(n) for n in ("総人口", "男性", "女性"))


def _row(total: str, male: str, female: str, bands: list[str]) -> list[str]:
    cells = [""] * len(HEADER)
    cells[TOTAL], cells[MALE], cells[FEMALE] = total, male, female
    for i, value in zip(BANDS, bands, strict=True):
        cells[i] = value
    return cells


@pytest.mark.parametrize(("cells", "expected"), [
    (_row("3", "3", "0", [""] * 36), BANDS),                       # every band blank, totals given
    (_row("2", "1", "1", ["X"] * 36), BANDS),                      # every band marked
    (_row("2", "1", "1", ["秘匿"] * 18 + [""] * 18), BANDS),        # marks and blanks
    (_row("3", "3", "0", ["1"] * 2 + [""] * 34), []),              # one given band: the blanks are missing
    (_row("", "", "", [""] * 36), []),                             # no total: nothing to withhold from
    (_row("5", "", "", [""] * 36), []),                            # 男性/女性 blank: the bands lack their totals
    (_row("3", "3", "0", ["1", ""] * 18), BANDS[1::2]),            # women's bands withheld, men's given
    (_row("0", "0", "0", ["0"] * 36), []),                         # an empty area, every count written
    (_row("4", "4", "0", ["-"] * 36), []),                         # a dash says none (0), not withheld
], ids=["blank", "marked", "mixed-marks", "partial", "no-total", "no-sexes", "one-sex", "zeros", "dashes"])
def test_withheld(cells, expected):
    found = breakdowns(mappings.get("population"), HEADER)
    assert withheld(found, cells) == sorted(expected)


def test_describe_names_the_first_and_last_column():
    assert describe(HEADER, BANDS) == "0-4歳の男性 … 85歳以上の女性 ×36"
    assert describe(HEADER, [MALE, FEMALE]) == "男性, 女性"
    assert describe(HEADER, BANDS[::2]) == "0-4歳の男性 … 85歳以上の男性 ×18"


@pytest.mark.parametrize(("column", "message"), [
    ({"name": "a", "path": "itsu:count", "as": "integer", "breakdown_of": "nowhere"}, "not another count column"),
    ({"name": "a", "path": "itsu:count", "breakdown_of": "b"}, "breaks down"),
    ({"name": "a", "path": "itsu:count", "as": "integer", "breakdown_of": "a"}, "not another count column"),
])
def test_breakdown_of_names_another_count_column(column, message):
    data = {"dataset": "x", "types": ["itsu:PopulationStatistics"],
            "columns": [{"name": "b", "path": "itsu:totalPopulation", "as": "integer"}, column]}
    with pytest.raises(MappingError, match=message):
        parse_mapping(data, source="x.toml")


@pytest.fixture(scope="module")
def report():
    return validate_file(FIXTURE)


def test_a_withheld_breakdown_is_a_warning_not_a_missing_value(report):
    rules = Counter((f.row, f.rule, f.severity) for f in report.findings)
    suppressed = {row for row, rule, _ in rules if rule == "row.suppressed"}
    assert suppressed == {3, 4}
    assert {severity for _, rule, severity in rules if rule == "row.suppressed"} == {"warning"}
    errors = {row for row, _, severity in rules if severity == "error"}
    assert 3 not in errors and 4 not in errors  # withheld: no required-value error
    assert {5, 6} <= errors  # a lone blank, and a row giving nothing, still miss required values


def test_the_shapes_still_require_a_band_missing_beside_given_ones(report):
    lone = [f for f in report.findings if f.row == 5 and f.severity == "error"]
    assert [f.column for f in lone] == ["15-19歳の男性"]
