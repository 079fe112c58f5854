"""Fuzzing the adjudication API (`adjudicate_json`) and its money.

Any text, any JSON and any damaged claim gets a decision or one typed error on one line, never a
traceback. Generated valid claims of every shape (all visit kinds, unknown hospitals, missing
documents, late claims, any ledger, even one already past the caps) never pay a negative amount,
more than was claimed, or more than the plan's caps leave. `test_properties.py` holds the exact
money formulas; this file holds the bounds that must survive any input. Derandomized for CI.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adjudicator import adjudicate_json, plan_for
from adjudicator.policy_year import policy_year_start
from pipeline.errors import ClaimsError

from case_claims import INPATIENT_DOCUMENTS, OUTPATIENT_DOCUMENTS, build_claim

FUZZ = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "claim.json"  # the API's own example
EXAMPLE = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
YEAR_START = date(2026, 1, 1)
ZERO = Decimal("0.00")
EMPTY_LEDGER = {"outpatient_eligible_ytd": "0.00", "outpatient_paid_ytd": "0.00", "inpatient_paid_ytd": "0.00",
                "hyperbaric_sessions_ytd": 0}


def _decide(text: str) -> dict | ClaimsError:
    """The decision, or the typed error; anything else escapes and fails the test."""
    try:
        return adjudicate_json(text)
    except ClaimsError as error:
        assert "\n" not in error.one_line() and error.code, error.one_line()
        return error


def _assert_decision_shape(decision: dict) -> None:
    assert set(decision) == {"claim_id", "status", "payable", "outpatient_payable", "inpatient_payable",
                             "missing_documents", "reasons", "visits", "ledger_after"}
    assert decision["status"] in ("pending_documents", "rejected", "partially_approved", "approved")
    json.dumps(decision)  # plain JSON: strings, lists, objects, booleans and counts only


# --- anything in: a decision or one typed error ------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["523.40", "2026-02-10", "2026-02-30", "outpatient", "inpatient", "-1.00", "1e3",
                       "99999999999999999999999999999999.99", "١٢٣.٤٥", "２０２６-０２-１０"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)


def _paths(value, path=()):
    """Every place in a JSON document: object keys and list positions."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, path + (index,))


EXAMPLE_PATHS = [path for path in _paths(EXAMPLE) if path]


@st.composite
def damaged_claims(draw):
    """The API's own example with one to three places replaced by anything, removed, or given a new key."""
    claim = copy.deepcopy(EXAMPLE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(EXAMPLE_PATHS))
        parent = claim
        try:
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier damage removed or replaced this place
        action = draw(st.sampled_from(["replace", "remove", "add key"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif action == "remove" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(max_size=8))] = draw(JSON_VALUES)
    return claim


@FUZZ
@given(st.one_of(damaged_claims(), JSON_VALUES))
def test_any_json_gets_a_decision_or_one_typed_error(document):
    outcome = _decide(json.dumps(document, ensure_ascii=False))
    if isinstance(outcome, dict):
        _assert_decision_shape(outcome)


@FUZZ
@given(st.text(max_size=200))
@example("[" * 100_000)  # found by fuzzing: nesting deeper than the decoder's recursion limit
@example('{"claim_id": ' + "9" * 5000 + "}")  # found by fuzzing: an integer past Python's digit limit
# found by fuzzing: an amount past Decimal's precision broke the arithmetic
@example(json.dumps(EXAMPLE).replace('"523.40"', '"99999999999999999999999999999999.99"'))
def test_any_text_gets_a_decision_or_one_typed_error(text):
    outcome = _decide(text)
    if isinstance(outcome, dict):
        _assert_decision_shape(outcome)


# --- valid claims: the money stays within what was claimed and what the caps leave ----------------

ITEM_NAMES = ["挂号费", "诊查费", "西药费", "化验费", "(乙10%)头孢羟氨苄片", "0.9%氯化钠注射液", "中药饮片 黄芪",
              "甲钴胺片", "胸部CT平扫", "头颅磁共振", "针灸", "高压氧治疗", "无痛胃镜", "麻醉费", "体检费",
              "(自费)复方甘草口服溶液", "义齿", "阿莫西林胶囊"]
DESIGNATED = [{"name": "复旦大学附属华山医院"}, {"name": "复旦大学附属中山医院", "designated": True, "level": 3,
                                                  "public": True, "in_shanghai": True}]
OTHER_HOSPITALS = [{"name": "某某私立诊所"}, {"name": "外地医院", "designated": True, "level": 1, "public": False,
                                              "in_shanghai": False}]
DIAGNOSES = ["急性支气管炎", "高血压", "发热39.2℃", "肺炎", "2型糖尿病", "恶性肿瘤化疗", "腰痛"]
EXCLUDED_DIAGNOSES = ["牙周炎", "车祸骨折", "醉酒", ""]


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def mostly(usual, unusual):
    """Nine times in ten the usual values: enough claims get paid for the money bounds to be tried."""
    return st.integers(0, 9).flatmap(lambda roll: unusual if roll == 0 else usual)


money_cents = st.integers(0, 300_000)


@st.composite
def any_receipt(draw):
    """A receipt whose payment split adds up, or (sometimes) one that does not."""
    account, cash = draw(money_cents), draw(money_cents)
    self_pay = draw(st.integers(0, cash))
    category = draw(st.integers(0, cash - self_pay))
    total = draw(mostly(st.just(account + cash), money_cents))
    items = [{"name": draw(mostly(st.sampled_from(ITEM_NAMES), st.text(max_size=8))),
              "amount": _yuan(draw(money_cents)),
              **draw(st.fixed_dictionaries({}, optional={"days": st.integers(0, 60), "sessions": st.integers(0, 12),
                                                         "self_pay": st.booleans(),
                                                         "drug_kind": st.sampled_from(["western", "patent",
                                                                                       "herbal_decoction",
                                                                                       "auxiliary", "infusion"])}))}
             for _ in range(draw(st.integers(0, 4)))]
    flags = draw(mostly(st.just({}), st.fixed_dictionaries({}, optional={flag: st.booleans() for flag in (
        "original", "insurance_invoice", "complete", "legible", "handwritten", "lost")})))
    return {"total": _yuan(total), "account_paid": _yuan(account), "cash_paid": _yuan(cash),
            "category_self_pay": _yuan(category), "self_pay": _yuan(self_pay),
            "self_borne": _yuan(cash - category - self_pay), "items": items, **flags}


@st.composite
def any_visit(draw, first_day):
    kind = draw(st.sampled_from(["outpatient", "emergency", "inpatient"]))
    day = first_day + timedelta(days=draw(mostly(st.integers(0, 60), st.integers(0, 400))))  # some in the next year
    diagnosis = draw(mostly(st.sampled_from(DIAGNOSES), st.sampled_from(EXCLUDED_DIAGNOSES)))
    visit = {"kind": kind, "date": day.isoformat(),
             "hospital": draw(mostly(st.sampled_from(DESIGNATED), st.sampled_from(OTHER_HOSPITALS))),
             "first_visit": draw(st.booleans()), "marked_emergency": draw(st.booleans()),
             "other_paid": _yuan(draw(mostly(st.just(0), st.integers(0, 50_000)))), "rescue": draw(st.booleans()),
             "record": {"chief_complaint": diagnosis, "diagnosis": diagnosis,  # the rest of a complete record
                        "doctor_signature": draw(mostly(st.just(True), st.just(False)))},
             "receipts": draw(st.lists(any_receipt(), max_size=3))}
    if kind == "inpatient":
        visit["discharge_date"] = (day + timedelta(days=draw(st.integers(0, 20)))).isoformat()
        visit["discharge_summary"] = {"diagnosis": diagnosis, "doctor_signature": True}
    return visit


@st.composite
def valid_claims(draw):
    """Claims the contract accepts, of every shape; the ledger may be anything, also past the caps."""
    first_day = YEAR_START + timedelta(days=draw(st.integers(0, 300)))
    ledger = {"outpatient_eligible_ytd": _yuan(draw(st.integers(0, 800_000))),
              "outpatient_paid_ytd": _yuan(draw(st.integers(0, 200_000))),
              "inpatient_paid_ytd": _yuan(draw(st.integers(0, 350_000))),
              "hyperbaric_sessions_ytd": draw(st.integers(0, 8))}
    documents = draw(mostly(st.just(sorted({*OUTPATIENT_DOCUMENTS, *INPATIENT_DOCUMENTS})),
                            st.sampled_from([OUTPATIENT_DOCUMENTS, INPATIENT_DOCUMENTS, ["id_copy", "receipt"]])))
    received = first_day + timedelta(days=draw(mostly(st.integers(0, 90), st.integers(0, 600))))
    return build_claim({"received_date": received.isoformat(), "ledger": ledger, "documents": documents,
                        "member": {"blacklisted": draw(mostly(st.just(False), st.booleans()))},
                        "visits": draw(st.lists(any_visit(first_day), min_size=1, max_size=4))})


def _money(text: str) -> Decimal:
    return Decimal(text)


@FUZZ
@given(valid_claims())
# found by fuzzing: a claim without receipts paid what an earlier, lowered decision had left unpaid
@example(build_claim({"ledger": {"outpatient_eligible_ytd": "5000.00", "outpatient_paid_ytd": "0.00"},
                      "visits": [{"receipts": []}]}))
# found by fuzzing: cash within the rounding tolerance above the total was paid on (0.04 on a 0.00 receipt)
@example(build_claim({"ledger": {"outpatient_eligible_ytd": "600.00"},
                      "visits": [{"receipts": [{"total": "0.00", "cash_paid": "0.05", "self_borne": "0.05"}]}]}))
def test_no_claim_pays_a_negative_amount_more_than_claimed_or_past_the_caps(claim):
    decision = _decide(json.dumps(claim, ensure_ascii=False))
    assert isinstance(decision, dict), decision.one_line()
    plan = plan_for(YEAR_START, min(date.fromisoformat(visit["date"]) for visit in claim["visits"]))
    before, after = {**EMPTY_LEDGER, **claim["ledger"]}, decision["ledger_after"]
    payable, outpatient, inpatient = (_money(decision[key]) for key in ("payable", "outpatient_payable",
                                                                         "inpatient_payable"))
    assert min(payable, outpatient, inpatient) >= ZERO
    assert payable == outpatient + inpatient == sum((_money(v["payable"]) for v in decision["visits"]), ZERO)

    assert payable <= sum((_money(r["total"]) for visit in claim["visits"] for r in visit["receipts"]), ZERO)
    for printed, visit in zip(claim["visits"], decision["visits"], strict=True):
        assert ZERO <= _money(visit["payable"]) <= sum((_money(r["total"]) for r in printed["receipts"]), ZERO)
        for printed_receipt, receipt in zip(printed["receipts"], visit["receipts"], strict=True):
            assert ZERO <= _money(receipt["eligible"]) <= _money(receipt["base"]) <= _money(printed_receipt["total"])
            for item in receipt["items"]:
                assert ZERO <= _money(item["excluded_amount"]) <= _money(item["amount"])

    # Each policy year the visits reach has its own ledger and caps; the claim's `ledger` is its first year's.
    first_year = policy_year_start(YEAR_START, min(date.fromisoformat(visit["date"]) for visit in claim["visits"]))
    years = decision.get("ledgers_after") or {first_year.isoformat(): after}
    assert years[first_year.isoformat()] == after
    added_outpatient = added_inpatient = ZERO
    for start, year_after in years.items():
        year_before = before if start == first_year.isoformat() else EMPTY_LEDGER
        outpatient_paid, inpatient_paid = (_money(year_before[key]) for key in ("outpatient_paid_ytd",
                                                                                  "inpatient_paid_ytd"))
        year_outpatient = _money(year_after["outpatient_paid_ytd"]) - outpatient_paid
        year_inpatient = _money(year_after["inpatient_paid_ytd"]) - inpatient_paid
        assert ZERO <= year_outpatient <= max(ZERO, plan.outpatient_cap.value - outpatient_paid)
        assert ZERO <= year_inpatient <= max(ZERO, plan.inpatient_cap.value - inpatient_paid)
        assert year_outpatient + year_inpatient <= max(ZERO, plan.total_cap.value - outpatient_paid - inpatient_paid)
        assert _money(year_after["outpatient_eligible_ytd"]) >= _money(year_before["outpatient_eligible_ytd"])
        added_outpatient, added_inpatient = added_outpatient + year_outpatient, added_inpatient + year_inpatient
    assert (added_outpatient, added_inpatient) == (outpatient, inpatient)
    if decision["status"] in ("pending_documents", "rejected"):
        assert payable == ZERO and after == {**before, "claimed_invoices": []}
