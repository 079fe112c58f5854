"""Build the structured claim of the adjudication API from a packet's documents."""

from __future__ import annotations

import hashlib
from datetime import date

from extractors.model import Document
from extractors.terms import restore_misreads
from pipeline.errors import ClaimsError

RECEIPT_MONEY = ("fund_paid", "additional_paid", "account_paid", "cash_paid", "third_party_paid",
                 "self_borne", "category_self_pay", "self_pay")
RECORD_SECTIONS = ("chief_complaint", "present_illness", "past_history", "auxiliary_exam",
                   "positive_signs", "diagnosis", "treatment")


class IncompleteClaimError(ClaimsError):
    """The documents do not yet make a claim (no receipt, or a receipt without number or total)."""

    code = "INCOMPLETE_CLAIM"


def member_id_for(id_number: str) -> str:
    """A stable member key from the ID number, until the insurer's roster gives one."""
    return "M" + hashlib.sha256(id_number.upper().encode()).hexdigest()[:10].upper()


def member_from(documents: list[Document]) -> dict | None:
    id_copy = next((d for d in documents if d.doc_type == "id_copy" and d.value("id_number")), None)
    if id_copy is None:
        return None
    return {"member_id": member_id_for(id_copy.value("id_number")),
            "name": id_copy.value("name") or "", "id_number": id_copy.value("id_number")}


def bank_account_from(documents: list[Document]) -> tuple[str | None, str | None]:
    book = next((d for d in documents if d.doc_type == "bank_book" and d.value("account_number")), None)
    return (book.value("bank_name"), book.value("account_number")) if book else (None, None)


def build_claim(claim_id: str, received: date, documents: list[Document], member: dict, ledger: dict) -> dict:
    receipts = [d for d in documents if d.doc_type == "receipt"]
    if not receipts:
        raise IncompleteClaimError("no receipt was found in the packet")
    visits: dict[tuple, dict] = {}
    for receipt in receipts:
        visit_date = receipt.value("visit_date") or receipt.value("issue_date")
        hospital = receipt.value("hospital")
        if visit_date is None or hospital is None:
            raise IncompleteClaimError(f"{receipt.source}: the receipt's visit date or hospital could not be read")
        key = (hospital, visit_date)
        if key not in visits:
            visits[key] = _visit(f"V{len(visits) + 1}", receipt, visit_date, hospital, documents)
        visits[key]["receipts"].append(_receipt(receipt, visit_date, _detail_list_for(receipt, visit_date, documents)))
    return {
        "claim_id": claim_id,
        "received_date": received.isoformat(),
        "member": member,
        "ledger": ledger,
        "documents": sorted({d.doc_type for d in documents if d.doc_type != "unknown"}),
        "visits": list(visits.values()),
    }


def _visit(visit_id: str, receipt: Document, visit_date: str, hospital: str, documents: list[Document]) -> dict:
    kind = receipt.value("visit_kind") or "outpatient"
    visit = {"visit_id": visit_id, "kind": kind, "date": visit_date, "hospital": {"name": hospital},
             "marked_emergency": kind == "emergency", "receipts": []}
    region = receipt.value("issuer_region")
    if region is not None and not region.startswith("上海"):  # another province's receipt: a visit there (M4.2.19)
        visit["hospital"]["in_shanghai"] = False
    record = next((d for d in documents if d.doc_type == "medical_record" and d.value("visit_date") == visit_date), None)
    if record is not None:
        visit["record"] = _record(record)
        if record.value("department"):
            visit["department"] = record.value("department")
        if record.value("first_visit") is not None:
            visit["first_visit"] = record.value("first_visit")
    return visit


def _record(record: Document) -> dict:
    out = {"visit_date": record.value("visit_date"), "doctor_signature": bool(record.value("doctor_signature", False))}
    if record.value("department"):
        out["department"] = record.value("department")
    for section in RECORD_SECTIONS:
        if record.value(section):
            out[section] = record.value(section)
    if "diagnosis" in out:  # the plan's terms are matched on diagnoses as the dictionary reads them
        out["diagnosis"] = restore_misreads(out["diagnosis"]).text
    return out


def _detail_list_for(receipt: Document, visit_date: str, documents: list[Document]) -> Document | None:
    """The detail list printed for this receipt: same visit date, same total."""
    total = receipt.value("total") or receipt.value("total_in_words")
    return next((d for d in documents if d.doc_type == "detail_list" and d.value("visit_date") == visit_date
                 and d.value("total") == total and d.items), None)


def _detail_item(row: dict) -> dict:
    # Term lists match the name as the dictionary reads it, from the name as it stands: a clerk's correction counts.
    item = {"name": restore_misreads(str(row["name"].value)).text, "amount": str(row["amount"].value)}
    if "category" in row:
        item["category"] = str(row["category"].value)
    if "days" in row:
        item["days"] = int(row["days"].value)
    if row.get("self_pay") is not None and row["self_pay"].value:
        item["self_pay"] = True
    return item


def _receipt(receipt: Document, visit_date: str, detail_list: Document | None) -> dict:
    number = receipt.value("invoice_number")
    total = receipt.value("total") or receipt.value("total_in_words")
    if number is None or total is None:
        raise IncompleteClaimError(f"{receipt.source}: the receipt's number or total could not be read")
    out = {"invoice_number": number, "date": visit_date, "total": total}
    if receipt.value("invoice_code"):
        out["invoice_code"] = receipt.value("invoice_code")
    for name in RECEIPT_MONEY:
        if receipt.value(name) is not None:
            out[name] = receipt.value(name)
    if detail_list is not None:  # drug names, days and exams: what the item rules need
        out["items"] = [_detail_item(row) for row in detail_list.items if "name" in row and "amount" in row]
    else:
        out["items"] = [
            {"name": str(item["name"].value), "category": str(item.get("category", item["name"]).value),
             "amount": str(item["amount"].value)}
            for item in receipt.items if "name" in item and "amount" in item
        ]
    return out
