"""Categorical cells read as concepts: the tokenizer and the matcher, on values taken from real municipal files."""

from __future__ import annotations

from functools import cache

import pytest

from itsutsuboshi.converters import tokens
from itsutsuboshi.converters.concepts import Matcher, fold
from itsutsuboshi.vocab import codes


@cache
def matcher(*lists: str) -> Matcher:
    return Matcher(codes.get(n) for n in lists)


MEDICAL = ("medical_subject",)

# (code lists, cell, values): separators split outside brackets only, ・ and spaces only between whole concepts
SPLITS = [
    (MEDICAL, "内科;麻酔科（上川務恵）;精神科", ["内科", "麻酔科（上川務恵）", "精神科"]),
    (MEDICAL, "内科（新型コロナウイルス感染症拡大防止のため;PCR検査を実施する。）",
     ["内科（新型コロナウイルス感染症拡大防止のため;PCR検査を実施する。）"]),
    (MEDICAL, "歯科;小児歯科\n歯科口腔外科;矯正歯科（第４日曜又は第５日曜のみ　９：３０～１４：３０）",
     ["歯科", "小児歯科", "歯科口腔外科", "矯正歯科（第４日曜又は第５日曜のみ　９：３０～１４：３０）"]),
    (MEDICAL, "内科、精神科、消化器・肝臓内科、内分泌・代謝内科", ["内科", "精神科", "消化器・肝臓内科", "内分泌・代謝内科"]),
    (MEDICAL, "心療内科\u3000精神科", ["心療内科", "精神科"]),
    (MEDICAL, "歯科・小児歯科", ["歯科", "小児歯科"]),
    (MEDICAL, "内科・消化器内科", ["内科", "消化器内科"]),
    (MEDICAL, "脳神経外科;神経内科;内科;リハビリテーション科;精神科,\n呼吸器外科",
     ["脳神経外科", "神経内科", "内科", "リハビリテーション科", "精神科", "呼吸器外科"]),
    (MEDICAL, "内科（循環器;外科", ["内科（循環器", "外科"]),  # a bracket never closed is text
    (MEDICAL, "内科;;外科", ["内科", "外科"]),
    (("care_service",), "通所介護/認知症対応型通所介護", ["通所介護", "認知症対応型通所介護"]),
    (("care_service",), "訪問型サービス（独自／定率）", ["訪問型サービス（独自／定率）"]),
    (("care_service",), "定期巡回・随時対応型訪問介護看護", ["定期巡回・随時対応型訪問介護看護"]),
    (("disaster_type",), "崖崩れ・土石流・地滑り", ["崖崩れ・土石流・地滑り"]),
    (("disaster_type",), "洪水・崖崩れ・土石流・地滑り・地震", ["洪水", "崖崩れ・土石流・地滑り", "地震"]),
    (("cultural_property_type",), "書跡・典籍", ["書跡・典籍"]),
    (("cultural_property_designation", "cultural_property_type"), "市指定；史跡", ["市指定", "史跡"]),
    (("statistical_field",), "司法・安全・環境", ["司法・安全・環境"]),
    (("toilet_facility", "barrier_free"), "優先駐車場有り;多目的トイレ有り;車椅子貸出有り",
     ["優先駐車場有り", "多目的トイレ有り", "車椅子貸出有り"]),
]


@pytest.mark.parametrize(("lists", "cell", "values"), SPLITS, ids=[s[1][:24] for s in SPLITS])
def test_cells_split_outside_brackets_and_between_whole_concepts(lists, cell, values):
    assert tokens.split(cell, whole=matcher(*lists).is_label) == values


def test_without_concepts_soft_separators_never_split():
    assert tokens.split("歯科・小児歯科、本町 一丁目") == ["歯科・小児歯科", "本町 一丁目"]


def test_brackets_pair_by_kind_and_stray_ones_are_text():
    assert tokens.spans("a（b）c「d」") == [(1, 3), (5, 7)]
    assert tokens.spans("a）b（c") == []
    assert tokens.spans("（a（b）c）") == [(0, 6)]


# (code lists, value, notations, note)
MATCHES = [
    # synonyms and former names merge
    (MEDICAL, "リハビリ科", ["36"], ""),
    (MEDICAL, "リハビリテーション科", ["36"], ""),
    (MEDICAL, "リハビリテ－ション科", ["36"], ""),  # a full-width minus for the long vowel
    (MEDICAL, "リハリビテーション科", ["36"], ""),
    (MEDICAL, "循環器科", ["01-b006"], ""),
    (MEDICAL, "循環器内科", ["01-b006"], ""),
    (MEDICAL, "消化器科", ["01-b005"], ""),
    (MEDICAL, "消化器", ["01-b005"], ""),  # 科 missing
    (MEDICAL, "呼吸器内科科", ["01-b004"], ""),  # 科 twice
    (MEDICAL, "耳鼻いんこう科", ["27"], ""),
    (MEDICAL, "耳鼻咽喉科", ["27"], ""),
    (MEDICAL, "耳鼻咽喉", ["27"], ""),
    (MEDICAL, "脳神経内科", ["04"], ""),
    (MEDICAL, "リュウマチ科", ["35"], ""),
    # the short forms of prefectural lists (北海道: 「内|神内|小|外|整|リハ|麻」), as whole values only
    (MEDICAL, "整", ["11"], ""),
    (MEDICAL, "神内", ["04"], ""),
    (MEDICAL, "リハ", ["36"], ""),
    (MEDICAL, "循", ["01-b006"], ""),
    (MEDICAL, "内（消化器）", ["01"], "消化器"),
    (MEDICAL, "整体", [], ""),  # 整 inside a longer word is not 整形外科
    (MEDICAL, "美容皮フ科", ["19-t003"], ""),
    (MEDICAL, "頭頚部外科", ["10-b001"], ""),
    (MEDICAL, "こう門外科", ["10-b008"], ""),
    (MEDICAL, "皮膚泌尿器科", ["19", "20"], ""),
    (MEDICAL, "ｱﾚﾙｷﾞｰ科", ["34"], ""),  # half-width katakana
    # names sharing a suffix, joined names, brackets
    (MEDICAL, "乳腺・内分泌外科", ["10-b015", "10-b016"], ""),
    (MEDICAL, "消化器・肝臓内科", ["01-b005", "01-b028"], ""),
    (MEDICAL, "糖尿病・代謝内科", ["01-d003", "01-b017"], ""),
    (MEDICAL, "産科・婦人科", ["24", "25"], ""),
    (MEDICAL, "（歯科）口腔外科", ["D04"], ""),
    (MEDICAL, "麻酔科（上川務恵）", ["31"], "上川務恵"),
    (MEDICAL, "麻酔科(東賢志)", ["31"], "東賢志"),
    (MEDICAL, "矯正歯科（第４日曜又は第５日曜のみ　９：３０～１４：３０）", ["D03"], "第４日曜又は第５日曜のみ　９：３０～１４：３０"),
    (MEDICAL, "泌尿器科（人口透析）", ["20"], "人口透析"),
    (MEDICAL, "内科（循環器）", ["01"], "循環器"),
    # what matches nothing stays text
    (MEDICAL, "宛先不明（業務従事者届）のため返送\u3000H26.12.22", [], ""),
    (MEDICAL, "透析実施", [], ""),
    (MEDICAL, "膠原病・リウマチ科", [], ""),
    # 介護サービスの種類: one service, several names
    (("care_service",), "介護老人福祉施設（特別養護老人ホーム）", ["51"], ""),
    (("care_service",), "特別養護老人ホーム", ["51"], ""),
    (("care_service",), "介護福祉施設サービス", ["51"], ""),
    (("care_service",), "介護老人保健施設（老健）", ["52"], ""),
    (("care_service",), "特定施設入居者生活介護（有料老人ホーム・軽費老人ホーム等）", ["33"], "有料老人ホーム・軽費老人ホーム等"),
    (("care_service",), "訪問型サービス（独自／定率）", ["A3"], ""),
    (("care_service",), "訪問型サービス(独自/定率)", ["A3"], ""),
    (("care_service",), "デイサービス", ["15"], ""),
    (("care_service",), "複合型サービス", ["77"], ""),
    (("care_service",), "認知症対応型通所介護", ["72"], ""),
    # 子育て施設: who runs it is a note
    (("childcare_facility_type",), "認可私立保育所", ["nursery"], "私立"),
    (("childcare_facility_type",), "認可公立保育所", ["nursery"], "公立"),
    (("childcare_facility_type",), "私立幼稚園", ["kindergarten"], "私立"),
    (("childcare_facility_type",), "認定こども園（幼保連携型）", ["certified_center_integrated"], ""),
    (("childcare_facility_type",), "認可外保育所", ["unlicensed"], ""),
    (("childcare_facility_type",), "放課後児童クラブ", ["after_school"], ""),
    (("childcare_facility_type",), "児童館", ["children_hall"], ""),
    (("childcare_facility_type",), "認可保育所", ["nursery"], ""),
    # 消防水利, 災害種別, 医療機関の種類, 文化財, 分類
    (("fire_water_supply_type",), "防火水そう", ["cistern"], ""),
    (("fire_water_supply_type",), "井戸", ["well"], ""),
    (("fire_water_supply_type",), "地下式消火栓", ["hydrant"], "地下式"),
    (("disaster_type",), "崖崩れ・土石流・地滑り", ["landslide"], ""),
    (("disaster_type",), "がけ崩れ", ["landslide"], ""),
    (("disaster_type",), "洪水（想定最大規模）", ["flood"], "想定最大規模"),
    (("medical_institution_type",), "無床診療所", ["clinic_without_beds"], ""),
    (("medical_institution_type",), "歯科", ["dental_clinic"], ""),
    (("cultural_property_designation", "cultural_property_type"), "国登録", ["national_registered"], ""),
    (("cultural_property_designation", "cultural_property_type"), "登録有形文化財", ["registered_tangible"], ""),
    (("cultural_property_designation", "cultural_property_type"), "県指定史跡",
     ["prefectural_designated", "historic_site"], ""),
    (("cultural_property_designation", "cultural_property_type"), "無形民俗文化財", ["intangible_folk"], ""),
    (("statistical_field",), "司法・安全・環境", ["justice_environment"], ""),
    # バリアフリー: presence words dropped, absence never matched
    (("toilet_facility", "barrier_free"), "多目的トイレ有り", ["accessible"], ""),
    (("toilet_facility", "barrier_free"), "車椅子貸出有り", ["wheelchair_rental"], ""),
    (("toilet_facility", "barrier_free"), "優先駐車場有り", ["priority_parking"], ""),
    (("toilet_facility", "barrier_free"), "スロープ有り", ["ramp"], ""),
    (("toilet_facility", "barrier_free"), "段差なし", ["step_free"], ""),
    (("toilet_facility", "barrier_free"), "多目的トイレ無し", [], ""),
]


@pytest.mark.parametrize(("lists", "value", "notations", "note"), MATCHES, ids=[m[1][:24] for m in MATCHES])
def test_values_match_their_concepts(lists, value, notations, note):
    found = matcher(*lists).match(value)
    assert [c.notation for c in found.concepts] == notations
    assert found.note == note
    assert found.text == value.strip()


def test_a_negated_value_says_so():
    found = matcher("toilet_facility", "barrier_free").match("多目的トイレ無し")
    assert found.negated and not found.matched


def test_the_values_inside_brackets_when_the_text_outside_is_no_concept():
    cell = ("その他管理規定で定める診療科目（腎臓内科;血液;腫瘍内科;感染症内科;小児循環器内科;小児耳鼻咽喉科;新生児内科;"
            "小児放射線科;小児麻酔科）")
    [found] = matcher(*MEDICAL).read(cell)
    assert [c.notation for c in found.concepts] == ["01-b011", "01-d002", "01-d001", "01-p003-b006", "27-p003",
                                                    "01-p006", "30-p003", "31-p003"]
    assert found.note == "その他管理規定で定める診療科目 血液"


def test_a_cell_reads_as_its_values():
    read = matcher(*MEDICAL).read("内科;麻酔科（上川務恵）;宛先不明")
    assert [(m.text, [c.ja for c in m.concepts], m.note) for m in read] == [
        ("内科", ["内科"], ""), ("麻酔科（上川務恵）", ["麻酔科"], "上川務恵"), ("宛先不明", [], "")]


def test_fold_compares_width_kana_spaces_and_dashes():
    assert fold("ﾘﾊﾋﾞﾘﾃ－ｼｮﾝ 科") == fold("リハビリテーション科")
    assert fold("じびいんこう") == fold("ジビインコウ")
    assert fold("ＡＢＣ") == "abc"
    assert fold("10-14") == "10-14"  # a dash after digits stays a dash
