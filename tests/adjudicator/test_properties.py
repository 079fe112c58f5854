"""Properties of the money rules over generated outpatient claims."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from adjudicator import adjudicate, decision_to_json, packaged_plans, parse_claim
from adjudicator.money import round_half_up

from case_claims import build_claim

PLAN = packaged_plans()[0]
CENT = Decimal("0.01")


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


@st.composite
def receipts(draw):
    account, cash = draw(st.integers(0, 60_000)), draw(st.integers(0, 200_000))
    self_pay = draw(st.integers(0, cash))
    category = draw(st.integers(0, cash - self_pay))
    items = draw(st.lists(st.sampled_from([("西药费", 1), ("化验费", 1), ("挂号费", 1), ("诊查费", 1)]), max_size=3))
    return {
        "total": _yuan(account + cash), "account_paid": _yuan(account), "cash_paid": _yuan(cash),
        "category_self_pay": _yuan(category), "self_pay": _yuan(self_pay),
        "self_borne": _yuan(cash - category - self_pay),
        "items": [{"name": name, "amount": _yuan(draw(st.integers(0, min(account + cash, 50_000))))}
                  for name, _ in items],
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
