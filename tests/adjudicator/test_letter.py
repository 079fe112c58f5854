"""The member's letter: what was paid, what was not and why (with clauses), no ID number."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adjudicator import (BadInputError, adjudicate, decision_from_json, decision_to_json, member_letter,
                         member_letter_from_json, parse_claim)

from case_claims import build_claim

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
ID_NUMBER = "31010119800101123X"


def _claim_json(case_name: str) -> dict:
    case = yaml.safe_load((CASES_DIR / f"{case_name}.yaml").read_text(encoding="utf-8"))
    claim = build_claim(case["claim"])
    claim["member"] = {**claim["member"], "name": "张三", "id_number": ID_NUMBER}
    return claim


def _letter(case_name: str) -> str:
    claim = parse_claim(_claim_json(case_name))
    return member_letter(claim, adjudicate(claim))


def _assert_private(letter: str) -> None:
    assert ID_NUMBER not in letter and "张三" not in letter
    assert letter.startswith("尊敬的张*:")


def test_sample_1_partly_paid_with_each_exclusion_and_its_clause():
    letter = _letter("s1_huashan_first_visit")
    _assert_private(letter)
    assert "我们已于2026年11月25日收到您的理赔申请(案件号 C-TEST)" in letter
    assert "本次赔付合计 385.00 元(门急诊 385.00 元,住院 0.00 元)" in letter
    assert "2026年10月12日在复旦大学附属华山医院门诊:计入赔付的费用 1150.00 元,赔付 385.00 元。" in letter
    assert ("收据 3101000000-00000001(金额 1250.00 元):符合医保规定的自负费用 1200.00 元,"
            "其中 50.00 元不予赔付,计入赔付的费用 1150.00 元。") in letter
    assert "诊查费 50.00 元不予赔付(条款 M4.2.1:诊查费不属于保险责任)。" in letter
    assert "分类自负费用 30.00 元不予赔付(条款 M4.2.1:" in letter
    assert "自费费用 20.00 元不予赔付(条款 M4.2.2:" in letter
    assert "按 70% 赔付(条款 M1.2)" in letter
    assert "门急诊免赔额 600.00 元:已累计计入 1150.00 元,已用 600.00 元,尚余 0.00 元(条款 M1.2)。" in letter
    assert "门急诊保险金额尚余 1015.00 元" in letter and "保险总金额尚余 3615.00 元" in letter
    assert "本保单年度:2026年1月1日至2026年12月31日。" in letter


def test_sample_2_under_the_deductible():
    letter = _letter("s2_sixth_hospital_follow_up")
    _assert_private(letter)
    assert "本次赔付合计 0.00 元" in letter and "不予赔付" not in letter
    assert "未超过免赔额600.00元(条款 M1.2)" in letter
    assert "已累计计入 295.00 元,已用 295.00 元,尚余 305.00 元(条款 M1.2)" in letter


def test_sample_3_pending_says_what_to_send():
    letter = _letter("s3_missing_detail_list")
    _assert_private(letter)
    assert "本次申请暂未赔付(赔付金额 0.00 元)" in letter
    assert "需要补交的材料\n1. 电脑打印的费用明细清单(条款 M2.4)" in letter
    assert "诊查费" not in letter  # nothing is decided item by item until the packet is complete


def test_sample_4_deductible_already_used():
    letter = _letter("s4_deductible_used_up")
    _assert_private(letter)
    assert "本次赔付合计 350.00 元(门急诊 350.00 元,住院 0.00 元)" in letter
    assert "已累计计入 1650.00 元,已用 600.00 元,尚余 0.00 元" in letter
    assert "门急诊保险金额尚余 665.00 元(年度上限 1400.00 元,已赔付 735.00 元;条款 M1.1)" in letter


def test_pending_for_the_bank_book():
    letter = _letter("documents_missing_bank_book")
    assert "1. 银行存折复印件(条款 M2.6)" in letter


def test_rejected_receipt():
    letter = _letter("receipt_not_original")
    assert "经审核,您本次申请的费用不予赔付,原因见下文。本次赔付 0.00 元。" in letter
    assert "(金额 500.00 元)不予赔付(条款 M4.2.8:非发票原件,不予赔付)。" in letter
    assert "赔付说明" not in letter


def test_rejected_claim_as_a_whole():
    letter = _letter("blacklisted_member")
    assert "本次理赔申请不予赔付(条款 M4.2.26:" in letter


def test_rejected_visit_and_review():
    assert "不予赔付(条款 D5:肺炎不符合住院理赔标准" in _letter("inpatient_standard_not_met")
    letter = _letter("hospital_unknown_goes_to_review")
    assert "正在人工复核,复核后另行通知(条款 M1.H:医院不在指定医院名录中,需人工复核)" in letter
    assert "不予赔付的部分" not in letter


def test_partial_drug_exclusion_names_amount_and_share():
    letter = _letter("drugs_printed_class_mark_western")
    assert ("(乙10%)头孢羟氨苄片 70.00 元中的 20.00 元不予赔付(条款 M4.1.1:"
            "头孢羟氨苄片(西药)开药7天,超过5天用量限制,超出部分20.00元不予赔付)。") in letter


def _reasons(decision: dict) -> list[dict]:
    found = list(decision["reasons"])
    for visit in decision["visits"]:
        found += visit["reasons"]
        for receipt in visit["receipts"]:
            found += receipt["reasons"]
            for item in receipt["items"]:
                found += item["reasons"]
    return found


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_every_letter_cites_every_clause_and_reads_the_same_from_stored_json(case_file):
    claim_json = _claim_json(case_file.stem)
    claim = parse_claim(claim_json)
    decision = adjudicate(claim)
    letter = member_letter(claim, decision)
    stored = decision_to_json(decision)
    _assert_private(letter)
    assert f"本次赔付合计 {stored['payable']} 元" in letter or decision.status in ("rejected", "pending_documents")
    # Pending: the visits were only previewed, so their reasons are not the member's business yet.
    cited = stored["reasons"] if decision.status == "pending_documents" else _reasons(stored)
    for reason in cited:
        assert f"条款 {reason['clause']}" in letter, reason
    assert member_letter_from_json(claim_json, stored) == letter
    assert decision_to_json(decision_from_json(stored, claim)) == stored


def test_stored_decision_must_fit_its_claim():
    claim_json = _claim_json("s1_huashan_first_visit")
    stored = decision_to_json(adjudicate(parse_claim(claim_json)))
    for change, message in [
        (lambda d: d.update(claim_id="C-OTHER"), "the decision is for claim 'C-OTHER', not 'C-TEST'"),
        (lambda d: d["visits"][0].update(visit_id="V9"), "'decision.visits[0].visit_id' is 'V9'"),
        (lambda d: d["visits"][0].update(receipts=[]), "lists 0 receipts"),
        (lambda d: d.update(colour="red"), "unknown key 'decision.colour'"),
        (lambda d: d.update(payable=385.0), "'decision.payable' must be money"),
    ]:
        broken = yaml.safe_load(yaml.safe_dump(stored))  # a deep copy
        change(broken)
        with pytest.raises(BadInputError) as caught:
            member_letter_from_json(claim_json, broken)
        assert message in caught.value.message and "\n" not in caught.value.one_line()


@pytest.mark.parametrize("name, greeting", [("欧阳娜娜", "尊敬的欧*:"), (None, "尊敬的被保险人:")])
def test_greeting_masks_the_name(name, greeting):
    claim_json = _claim_json("s2_sixth_hospital_follow_up")
    claim_json["member"] = {"member_id": "T0001", **({"name": name} if name else {})}
    claim = parse_claim(claim_json)
    assert member_letter(claim, adjudicate(claim)).startswith(greeting + "\n")
