"""The held-out claim packets' truth agrees with itself and their expected decisions follow from the policy.

The packets (tests/tools/make_heldout_packets.py) are measured by
tests/tools/benchmark_heldout_packets.py; this only checks the yardstick.
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from pipeline.evaluation import family_of, load_families

PACKETS = Path(__file__).resolve().parent / "heldout_packets"
KINDS = ("receipt", "record", "detail_list", "id_copy", "bank_book")
DOC_TYPES = {"receipt": "receipt", "record": "medical_record", "detail_list": "detail_list", "id_copy": "id_copy",
             "bank_book": "bank_book"}


def _packets():
    return sorted(p.name[: -len(".expected.json")] for p in PACKETS.glob("*.expected.json"))


def _truths(packet):
    return {kind: json.loads((PACKETS / packet / f"{kind}.truth.json").read_text(encoding="utf-8")) for kind in KINDS}


def test_there_are_at_least_ten_packets_each_with_its_five_pages():
    packets = _packets()
    assert len(packets) >= 10
    for packet in packets:
        assert sorted(p.name for p in (PACKETS / packet).glob("*.jpg")) == sorted(f"{k}.jpg" for k in KINDS)


@pytest.mark.parametrize("packet", _packets())
def test_every_page_comes_from_a_held_out_family_of_its_type(packet):
    families = load_families()
    for kind, truth in _truths(packet).items():
        assert truth["doc_type"] == DOC_TYPES[kind]
        assert family_of(truth, families, f"{packet}/{kind}").held_out


@pytest.mark.parametrize("packet", _packets())
def test_the_pages_agree_on_the_member_the_visit_and_the_amounts(packet):
    t = {kind: truth["fields"] for kind, truth in _truths(packet).items()}
    items = _truths(packet)["detail_list"]["items"]
    receipt = _truths(packet)["receipt"]
    assert len({t["receipt"]["payer_name"], t["record"]["patient_name"], t["detail_list"]["patient_name"],
                t["id_copy"]["name"], t["bank_book"]["account_holder"]}) == 1
    assert t["receipt"]["insurance_number"] == t["id_copy"]["id_number"]
    assert len({t["receipt"]["visit_date"], t["receipt"]["issue_date"], t["record"]["visit_date"],
                t["detail_list"]["visit_date"]}) == 1
    assert len({t["receipt"]["hospital"], t["record"]["hospital"], t["detail_list"]["hospital"]}) == 1
    money = {k: Decimal(t["receipt"][k]) for k in ("total", "fund_paid", "additional_paid", "account_paid", "cash_paid",
                                                   "category_self_pay", "self_borne", "self_pay")}
    assert money["total"] == money["fund_paid"] + money["additional_paid"] + money["account_paid"] + money["cash_paid"]
    assert money["cash_paid"] == money["category_self_pay"] + money["self_borne"] + money["self_pay"]
    assert t["receipt"]["total_in_words"] == t["receipt"]["total"] == t["detail_list"]["total"]
    assert sum(Decimal(i["amount"]) for i in items) == money["total"]
    by_category = {}
    for item in items:
        assert Decimal(item["quantity"]) * Decimal(item["unit_price"]) == Decimal(item["amount"])
        by_category[item["category"]] = by_category.get(item["category"], Decimal(0)) + Decimal(item["amount"])
    assert {i["category"]: Decimal(i["amount"]) for i in receipt["items"]} == by_category


@pytest.mark.parametrize("packet", _packets())
def test_the_expected_decision_is_the_policys_for_a_member_with_an_empty_ledger(packet):
    """interpretation.md: base = 个人账户 + 现金 − 分类自负 − 自费; 诊查费 excluded (M4.2.1); drugs for at most
    5 days (M4.1.1, general outpatient) so no share of them is; 70 % above the 600 deductible, capped at 1400."""
    truths = _truths(packet)
    expected = json.loads((PACKETS / f"{packet}.expected.json").read_text(encoding="utf-8"))
    f = {k: Decimal(truths["receipt"]["fields"][k]) for k in ("account_paid", "cash_paid", "category_self_pay", "self_pay")}
    items = truths["detail_list"]["items"]
    assert all(item.get("days", 0) <= 5 for item in items)
    base = f["account_paid"] + f["cash_paid"] - f["category_self_pay"] - f["self_pay"]
    excluded = sum((Decimal(i["amount"]) for i in items if "诊查费" in i["name"]), Decimal(0))
    over = max(Decimal(0), base - excluded - Decimal(600)) * Decimal("0.7")
    payable = min(Decimal(1400), over.quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert expected["payable"] == f"{payable:.2f}"
    assert expected["status"] == ("partially_approved" if excluded else "approved")
    assert expected["missing_documents"] == []
