"""Building test claims: a case states what matters, the rest comes from complete, valid defaults.

Defaults: claim received 2026-11-25, policy year from 2026-01-01, every outpatient
document present, empty ledger; a visit is an outpatient 初诊 at 复旦大学附属华山医院
on 2026-10-12 with a complete record; a receipt is an original, legible medical-insurance
invoice. Receipts get invoice numbers from their position unless a case names one.
"""

from __future__ import annotations

import copy

OUTPATIENT_DOCUMENTS = ["id_copy", "bank_book", "receipt", "medical_record", "detail_list"]
INPATIENT_DOCUMENTS = ["id_copy", "bank_book", "receipt", "discharge_summary", "inpatient_fee_detail"]

COMPLETE_RECORD = {
    "visit_date": "2026-10-12", "department": "呼吸内科", "chief_complaint": "咳嗽咳痰3天",
    "present_illness": "3天前受凉后咳嗽", "past_history": "否认高血压糖尿病史", "auxiliary_exam": "",
    "positive_signs": "两肺呼吸音粗", "diagnosis": "急性支气管炎", "treatment": "抗感染 止咳",
    "doctor_signature": True,
}

DEFAULT_CLAIM = {
    "claim_id": "C-TEST",
    "received_date": "2026-11-25",
    "member": {"member_id": "T0001", "name": "张三"},
    "policy": {"year_start": "2026-01-01"},
    "documents": OUTPATIENT_DOCUMENTS,
}

DEFAULT_VISIT = {
    "kind": "outpatient",
    "date": "2026-10-12",
    "hospital": {"name": "复旦大学附属华山医院"},
    "first_visit": True,
    "record": COMPLETE_RECORD,
}

DEFAULT_RECEIPT = {
    "invoice_code": "3101000000",
    "date": "2026-10-12",
    "original": True, "insurance_invoice": True, "complete": True, "legible": True,
    "handwritten": False, "lost": False,
    "items": [],
}


def _merged(defaults: dict, given: dict) -> dict:
    result = copy.deepcopy(defaults)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def build_claim(spec: dict) -> dict:
    """The full contract input for a case's `claim:` (defaults filled in, nothing else changed)."""
    claim = _merged(DEFAULT_CLAIM, {key: value for key, value in spec.items() if key != "visits"})
    claim["visits"] = []
    receipt_number = 0
    for index, visit_spec in enumerate(spec["visits"], start=1):
        visit = _merged({**DEFAULT_VISIT, "visit_id": f"V{index}"}, {k: v for k, v in visit_spec.items()
                                                                     if k != "receipts"})
        if visit["kind"] == "inpatient" and "record" not in visit_spec:
            visit["record"] = None
        visit["receipts"] = []
        for receipt_spec in visit_spec.get("receipts", []):
            receipt_number += 1
            defaults = {**DEFAULT_RECEIPT, "invoice_number": f"{receipt_number:08d}", "date": visit["date"]}
            visit["receipts"].append(_merged(defaults, receipt_spec))
        claim["visits"].append(visit)
    return claim
