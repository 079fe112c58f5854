"""The API spec's example input gives the documented output shape, with hand-computed numbers."""

import json
from pathlib import Path

from adjudicator import adjudicate_json

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "claim.json"  # verbatim from docs/adjudication-api.md


def test_example_output_has_exactly_the_documented_shape():
    decision = adjudicate_json(EXAMPLE.read_text(encoding="utf-8"))
    assert list(decision) == ["claim_id", "status", "payable", "outpatient_payable", "inpatient_payable",
                              "missing_documents", "reasons", "visits", "ledger_after"]
    visit = decision["visits"][0]
    assert list(visit) == ["visit_id", "status", "emergency", "eligible", "payable", "reasons", "receipts"]
    receipt = visit["receipts"][0]
    assert list(receipt) == ["invoice_code", "invoice_number", "status", "base", "excluded", "eligible",
                             "reasons", "items"]
    assert list(receipt["items"][0]) == ["name", "amount", "excluded_amount", "reasons"]
    assert list(decision["ledger_after"]) == ["outpatient_eligible_ytd", "outpatient_paid_ytd",
                                              "inpatient_paid_ytd", "hyperbaric_sessions_ytd", "claimed_invoices"]
    json.dumps(decision)  # plain JSON: strings, numbers, lists, objects only


def test_example_numbers():
    # base = account 200.00 + cash 323.40 - 分类自负 13.40 - 自费 10.00 = 500.00
    # excluded: 挂号费 10.00 (M4.2.1) + 阿莫西林 7 days over the general 5: 35.00 x 2/7 = 10.00 (M4.1.1)
    #   (the chest CT is not over-routine: the record's auxiliary exam shows a 血常规; 维生素C is 自费)
    # eligible 480.00 <= deductible 600.00 -> payable 0.00; excluded something -> partially_approved
    decision = adjudicate_json(EXAMPLE.read_text(encoding="utf-8"))
    assert decision["status"] == "partially_approved"
    assert decision["payable"] == "0.00"
    receipt = decision["visits"][0]["receipts"][0]
    assert (receipt["base"], receipt["excluded"], receipt["eligible"]) == ("500.00", "20.00", "480.00")
    assert receipt["items"][0] == {"name": "挂号费", "amount": "10.00", "excluded_amount": "10.00",
                                   "reasons": [{"clause": "M4.2.1", "text": "挂号费不属于保险责任"}]}
    assert receipt["items"][1]["excluded_amount"] == "10.00"
    assert decision["ledger_after"] == {
        "outpatient_eligible_ytd": "480.00", "outpatient_paid_ytd": "0.00", "inpatient_paid_ytd": "0.00",
        "hyperbaric_sessions_ytd": 0, "claimed_invoices": ["3101234567-00012345", "3101234567-00012346"],
    }
