"""Properties of the money rules over generated claims: outpatient receipts, and visits of both kinds."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from adjudicator import adjudicate, decision_to_json, packaged_plans, parse_claim
from adjudicator.money import round_half_up

from case_claims import INPATIENT_DOCUMENTS, OUTPATIENT_DOCUMENTS, build_claim

PLAN = packaged_plans()[0]
CENT = Decimal("0.01")


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


@st.composite
def receipts(draw):
    account, cash = draw(st.integers(0, 60_000)), draw(st.integers(0, 200_000))
    self_pay = draw(st.integers(0, cash))
    category = draw(st.integers(0, cash - self_pay))
    # Fee lines, and drug lines as printed (no drug_kind) whose days may run over a limit.
    lines = draw(st.lists(st.sampled_from([("西药费", "西药费"), ("化验费", "化验费"), ("挂号费", "挂号费"),
                                           ("诊查费", "诊查费"), ("(乙10%)头孢羟氨苄片", "西药费"),
                                           ("中药饮片 黄芪", "中草药费"), ("0.9%氯化钠注射液", "西药费")]),
                          max_size=3))
    items = []
    for name, fee_category in lines:
        item = {"name": name, "category": fee_category,
                "amount": _yuan(draw(st.integers(0, min(account + cash, 50_000))))}
        if fee_category in ("西药费", "中草药费") and name != fee_category:
            item["days"] = draw(st.integers(1, 20))
        items.append(item)
    return {
        "total": _yuan(account + cash), "account_paid": _yuan(account), "cash_paid": _yuan(cash),
        "category_self_pay": _yuan(category), "self_pay": _yuan(self_pay),
        "self_borne": _yuan(cash - category - self_pay), "items": items,
    }


@st.composite
def consistent_ledgers(draw):
    """A ledger as earlier decisions leave it: paid = 70 % above the deductible, capped."""
    eligible = Decimal(draw(st.integers(0, 400_000))) / 100
    due = round_half_up(PLAN.outpatient_ratio.value * max(Decimal(0), eligible - PLAN.deductible.value))
    inpatient = Decimal(draw(st.integers(0, 260_000))) / 100
    return {"outpatient_eligible_ytd": f"{eligible:.2f}", "outpatient_paid_ytd": f"{min(due, PLAN.outpatient_cap.value):.2f}",
            "inpatient_paid_ytd": f"{inpatient:.2f}"}


def _decide(ledger: dict, receipt_specs: list[dict], first_number: int = 1) -> dict:
    for offset, receipt in enumerate(receipt_specs):
        receipt["invoice_number"] = f"{first_number + offset:08d}"
    claim = build_claim({"ledger": ledger, "visits": [{"receipts": receipt_specs}]})
    return decision_to_json(adjudicate(parse_claim(claim), plan=PLAN))


def _money(text: str) -> Decimal:
    return Decimal(text)


@settings(max_examples=150, deadline=None)
@given(consistent_ledgers(), st.lists(receipts(), min_size=1, max_size=4))
def test_payable_within_ratio_caps_and_ledger_grows(ledger, receipt_specs):
    decision = _decide(ledger, receipt_specs)
    payable = _money(decision["payable"])
    eligible = sum((_money(visit["eligible"]) for visit in decision["visits"]), Decimal(0))
    # 70 % of the claim's eligible, up to one cent of rounding on the year's cumulative amount
    assert payable <= PLAN.outpatient_ratio.value * eligible + CENT
    paid, inpatient = _money(ledger["outpatient_paid_ytd"]), _money(ledger["inpatient_paid_ytd"])
    assert payable <= PLAN.outpatient_cap.value - paid
    assert payable <= PLAN.total_cap.value - paid - inpatient
    after = decision["ledger_after"]
    for key in ("outpatient_eligible_ytd", "outpatient_paid_ytd", "inpatient_paid_ytd"):
        assert _money(after[key]) >= _money(ledger[key])
    assert _money(after["outpatient_paid_ytd"]) - paid == payable
    # Over the year no rounding is left over: paid never exceeds 70 % of the year's eligible.
    year_eligible = _money(after["outpatient_eligible_ytd"])
    assert _money(after["outpatient_paid_ytd"]) <= PLAN.outpatient_ratio.value * year_eligible


@settings(max_examples=150, deadline=None)
@given(consistent_ledgers(), st.lists(receipts(), min_size=2, max_size=5), st.data())
def test_splitting_receipts_into_two_claims_pays_the_same(ledger, receipt_specs, data):
    split = data.draw(st.integers(1, len(receipt_specs) - 1))
    whole = _decide(ledger, [dict(receipt) for receipt in receipt_specs])
    first = _decide(ledger, [dict(receipt) for receipt in receipt_specs[:split]])
    carried = {key: first["ledger_after"][key] for key in ledger}
    carried["claimed_invoices"] = first["ledger_after"]["claimed_invoices"]
    second = _decide(carried, [dict(receipt) for receipt in receipt_specs[split:]], first_number=split + 1)
    assert _money(first["payable"]) + _money(second["payable"]) == _money(whole["payable"])
    assert second["ledger_after"] == whole["ledger_after"]


FIRST_DAY = date(2026, 2, 1)


@st.composite
def visits(draw):
    """1-4 visits a week apart, each outpatient or inpatient, with 1-2 receipts."""
    kinds = draw(st.lists(st.sampled_from(["outpatient", "inpatient"]), min_size=1, max_size=4))
    return [{"kind": kind, "date": (FIRST_DAY + timedelta(weeks=index)).isoformat(),
             "receipts": draw(st.lists(receipts(), min_size=1, max_size=2))}
            for index, kind in enumerate(kinds)]


def _decide_visits(ledger: dict, visit_specs: list[dict], first_number: int = 1) -> dict:
    number = first_number
    for visit in visit_specs:
        for receipt in visit["receipts"]:
            receipt["invoice_number"] = f"{number:08d}"
            number += 1
    claim = build_claim({"ledger": ledger, "documents": sorted({*OUTPATIENT_DOCUMENTS, *INPATIENT_DOCUMENTS}),
                         "visits": visit_specs})
    return decision_to_json(adjudicate(parse_claim(claim), plan=PLAN))


def _copy(visit_specs: list[dict]) -> list[dict]:
    return [{**visit, "receipts": [dict(receipt) for receipt in visit["receipts"]]} for visit in visit_specs]


@settings(max_examples=60, deadline=None)
@given(consistent_ledgers(), visits())
def test_visits_of_both_kinds_stay_within_ratio_and_caps(ledger, visit_specs):
    decision = _decide_visits(ledger, _copy(visit_specs))
    kinds = [visit["kind"] for visit in visit_specs]
    for kind, visit in zip(kinds, decision["visits"]):
        if kind == "inpatient":  # 70 % of the visit's eligible, rounded to the cent (M1.3)
            assert _money(visit["payable"]) <= round_half_up(PLAN.inpatient_ratio.value * _money(visit["eligible"]))
    before, after = ledger, decision["ledger_after"]
    assert _money(after["outpatient_paid_ytd"]) <= PLAN.outpatient_cap.value
    assert _money(after["inpatient_paid_ytd"]) <= max(PLAN.inpatient_cap.value, _money(before["inpatient_paid_ytd"]))
    assert _money(decision["inpatient_payable"]) <= max(Decimal(0), PLAN.inpatient_cap.value
                                                        - _money(before["inpatient_paid_ytd"]))
    paid_before = _money(before["outpatient_paid_ytd"]) + _money(before["inpatient_paid_ytd"])
    assert _money(decision["payable"]) <= max(Decimal(0), PLAN.total_cap.value - paid_before)
    for key in ("outpatient_eligible_ytd", "outpatient_paid_ytd", "inpatient_paid_ytd"):
        assert _money(after[key]) >= _money(before[key])
    assert _money(decision["payable"]) == _money(decision["outpatient_payable"]) + _money(decision["inpatient_payable"])


@settings(max_examples=60, deadline=None)
@given(consistent_ledgers(), visits().filter(lambda specs: len(specs) >= 2), st.data())
def test_splitting_visits_into_two_claims_pays_the_same(ledger, visit_specs, data):
    split = data.draw(st.integers(1, len(visit_specs) - 1))
    whole = _decide_visits(ledger, _copy(visit_specs))
    first = _decide_visits(ledger, _copy(visit_specs[:split]))
    carried = {**{key: first["ledger_after"][key] for key in ledger},
               "claimed_invoices": first["ledger_after"]["claimed_invoices"]}
    receipts_before = sum(len(visit["receipts"]) for visit in visit_specs[:split])
    second = _decide_visits(carried, _copy(visit_specs[split:]), first_number=receipts_before + 1)
    assert _money(first["payable"]) + _money(second["payable"]) == _money(whole["payable"])
    assert second["ledger_after"] == whole["ledger_after"]
