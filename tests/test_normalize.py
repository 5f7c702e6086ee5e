"""Cell normalisers on the values real files carry."""

from __future__ import annotations

import pytest

from itsutsuboshi.converters import normalize as n
from itsutsuboshi.converters.model import IRI

XSD = "http://www.w3.org/2001/XMLSchema#"

CASES = [
    # (normaliser, input, expected lexical values, expected problem code or None)
    ("date", "2022-06-01", ["2022-06-01"], None),
    ("date", "1952/1/25", ["1952-01-25"], None),
    ("date", "2020年4月1日", ["2020-04-01"], None),
    ("date", "令和２年４月１日", ["2020-04-01"], "date.wareki"),
    ("date", "令和元年5月1日", ["2019-05-01"], "date.wareki"),
    ("date", "平成31年4月30日", ["2019-04-30"], "date.wareki"),
    ("date", "H26.12.22", ["2014-12-22"], "date.wareki"),
    ("date", "S55.1.1", ["1980-01-01"], "date.wareki"),
    ("date", "昭和55年", ["1980"], "date.wareki"),
    ("date", "45016", ["2023-03-31"], "date.serial"),
    ("date", "22196", ["1960-10-07"], "date.serial"),
    ("date", "2023-04-01T09:00:00", ["2023-04-01"], None),
    ("date", "2023/02/30", [], "date.invalid"),
    ("date", "随時", [], "date.invalid"),
    ("time", "9:00", ["09:00:00"], None),
    ("time", "09:00", ["09:00:00"], None),
    ("time", "９：３０", ["09:30:00"], None),
    ("time", "9時30分", ["09:30:00"], None),
    ("time", "午後1時", ["13:00:00"], None),
    ("time", "24:00", ["24:00:00"], None),
    ("time", "25:00", [], "time.invalid"),
    ("weekdays", "月火水木金", ["月火水木金"], None),
    ("weekdays", "月～金", ["月火水木金"], None),
    ("weekdays", "月・水・金", ["月水金"], None),
    ("weekdays", "土日祝日", ["土日祝"], None),
    ("weekdays", "全日・全時間帯使用可", ["月火水木金土日"], None),  # 狛江市: every day, all day (role hours)
    ("weekdays", "月～金利用可", ["月火水木金"], None),
    ("flag", "有", ["true"], None),
    ("flag", "無", ["false"], None),
    ("flag", "○", ["true"], None),
    ("flag", "1", ["true"], None),
    ("flag", "1.0", ["true"], None),  # 七尾市: a 1/blank column saved as numbers
    ("flag", "0.00", ["false"], None),
    ("flag", "1.5", ["1.5"], "flag.invalid"),
    ("flag", "△", [], "flag.partial"),
    ("flag", "どちらでも", ["どちらでも"], "flag.invalid"),
    ("integer", "50,700 ", ["50700"], None),
    ("integer", "１２３", ["123"], None),
    ("integer", "1,100円", ["1100"], None),
    ("integer", "40/12", [], "number.invalid"),
    ("decimal", "1.7", ["1.7"], None),
    ("lgcode", "122033", ["122033"], None),
    ("lgcode", "38201", ["382019"], "lgcode.repaired"),
    ("lgcode", "92011", ["092011"], "lgcode.repaired"),
    ("lgcode", "122034", [], "lgcode.invalid"),
    ("houjin", "3040005004064", ["3040005004064"], None),
    ("houjin", "1234567890123", ["1234567890123"], "houjin.invalid"),
    ("phone", "(047)335-1711", ["(047)335-1711"], None),
    ("phone", "０５４－６２６－１１３９", ["054-626-1139"], None),
    ("phone", "内線のみ", ["内線のみ"], "phone.invalid"),
    ("postal", "〒100-0001", ["100-0001"], None),
    ("postal", "1000001", ["100-0001"], None),
    ("email", "aed@example.lg.jp", ["aed@example.lg.jp"], None),
    ("url", "https://example.lg.jp/a b", ["https://example.lg.jp/a"], "url.invalid"),
    ("url", "http://a.example/x\nhttps://b.example/y", ["http://a.example/x", "https://b.example/y"], None),
    ("url", "www.example.lg.jp", ["http://www.example.lg.jp"], None),
    ("kana", "ｲﾁｶﾜｼ", ["イチカワシ"], None),
    ("kana", "いちかわし", ["イチカワシ"], None),
    ("text", "1階ﾛﾋﾞｰ", ["1階ロビー"], None),
    ("coordinate", "35.681236", ["35.681236"], None),
    ("coordinate", "35°40'52.5\"", ["35.68125"], None),
    ("coordinate", "北緯35度", ["35.0"], None),
    ("coordinate", "不明", [], "coord.invalid"),
    ("latlon", "34.34092056,134.04522972", ["34.34092056", "134.04522972"], None),
]


@pytest.mark.parametrize(("name", "text", "values", "problem"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_normaliser(name, text, values, problem):
    got, issue, _ = n.NORMALIZERS[name](text)
    assert [v if isinstance(v, IRI) else v.value for v in got] == values
    assert (issue[0] if issue else None) == problem


def test_lossy_values_keep_the_original():
    assert n.parse_date("令和２年４月１日")[2] is True
    assert n.integer("50,700人")[2] is True
    assert n.parse_date("2024-04-01")[2] is False


def test_weekday_iris():
    got, _, _ = n.weekday_iris("月水")
    assert got == ["http://schema.org/Monday", "http://schema.org/Wednesday"]


@pytest.mark.parametrize("code", ["011002", "131016", "122033", "222127", "470007", "472093"])
def test_lgcode_check_digit_of_real_codes(code):
    assert n.lgcode_valid(code)


def test_houjin_number_of_a_municipality():
    # A municipality's 法人番号 is check digit + "000020" + its 6-digit code.
    base = "000020" + "122033"
    assert n.houjin_valid(n.houjin_check_digit(base) + base)


@pytest.mark.parametrize(("text", "days", "noted"), [
    ("毎日", "月火水木金土日", False),
    ("平日", "月火水木金", False),
    ("月曜日～金曜日", "月火水木金", False),
    ("月～金（祝日除く）", "月火水木金", True),
    ("土日祝日", "土日祝", False),
])
def test_weekday_words(text, days, noted):
    values, problem, lossy = n.weekdays(text)
    assert values[0].value == days
    assert lossy is noted


@pytest.mark.parametrize("text", ["40,12", "1,2", "12,3456"])
def test_commas_that_are_not_thousands_separators(text):
    assert n.integer(text)[0] == []
