"""The decision of `spec/adjudication-api.md` and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from adjudicator.claim import Ledger
from adjudicator.money import money_text

CLAIM_STATUSES = ("pending_documents", "rejected", "partially_approved", "approved")
# A visit or receipt is accepted, rejected, or held for a person to look at
# (unknown hospital, a receipt whose payment split does not add up).
ACCEPTED, REJECTED, REVIEW = "accepted", "rejected", "review"


@dataclass(frozen=True)
class Reason:
    clause: str
    text: str


@dataclass(frozen=True)
class ItemDecision:
    name: str
    amount: Decimal
    excluded_amount: Decimal
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class ReceiptDecision:
    invoice_code: str | None
    invoice_number: str
    invoice_key: str
    status: str
    base: Decimal
    excluded: Decimal
    eligible: Decimal
    reasons: tuple[Reason, ...]
    items: tuple[ItemDecision, ...]
    hyperbaric_sessions: int = 0  # counted toward the year's limit when the receipt is accepted


@dataclass(frozen=True)
class VisitDecision:
    visit_id: str
    kind: str
    status: str
    emergency: bool
    eligible: Decimal
    payable: Decimal
    reasons: tuple[Reason, ...]
    receipts: tuple[ReceiptDecision, ...]


@dataclass(frozen=True)
class Decision:
    claim_id: str
    status: str
    payable: Decimal
    outpatient_payable: Decimal
    inpatient_payable: Decimal
    missing_documents: tuple[str, ...]
    reasons: tuple[Reason, ...]
    visits: tuple[VisitDecision, ...]
    ledger_after: Ledger


def _reasons(reasons: tuple[Reason, ...]) -> list[dict]:
    return [{"clause": reason.clause, "text": reason.text} for reason in reasons]


def _item(item: ItemDecision) -> dict:
    return {"name": item.name, "amount": money_text(item.amount),
            "excluded_amount": money_text(item.excluded_amount), "reasons": _reasons(item.reasons)}


def _receipt(receipt: ReceiptDecision) -> dict:
    return {
        "invoice_code": receipt.invoice_code, "invoice_number": receipt.invoice_number,
        "status": receipt.status, "base": money_text(receipt.base), "excluded": money_text(receipt.excluded),
        "eligible": money_text(receipt.eligible), "reasons": _reasons(receipt.reasons),
        "items": [_item(item) for item in receipt.items],
    }


def _visit(visit: VisitDecision) -> dict:
    return {
        "visit_id": visit.visit_id, "status": visit.status, "emergency": visit.emergency,
        "eligible": money_text(visit.eligible), "payable": money_text(visit.payable),
        "reasons": _reasons(visit.reasons), "receipts": [_receipt(receipt) for receipt in visit.receipts],
    }


def ledger_to_json(ledger: Ledger) -> dict:
    return {
        "outpatient_eligible_ytd": money_text(ledger.outpatient_eligible_ytd),
        "outpatient_paid_ytd": money_text(ledger.outpatient_paid_ytd),
        "inpatient_paid_ytd": money_text(ledger.inpatient_paid_ytd),
        "hyperbaric_sessions_ytd": ledger.hyperbaric_sessions_ytd,
        "claimed_invoices": list(ledger.claimed_invoices),
    }


def decision_to_json(decision: Decision) -> dict:
    """Exactly the output shape of the API spec: money as "523.40", dates ISO."""
    return {
        "claim_id": decision.claim_id,
        "status": decision.status,
        "payable": money_text(decision.payable),
        "outpatient_payable": money_text(decision.outpatient_payable),
        "inpatient_payable": money_text(decision.inpatient_payable),
        "missing_documents": list(decision.missing_documents),
        "reasons": _reasons(decision.reasons),
        "visits": [_visit(visit) for visit in decision.visits],
        "ledger_after": ledger_to_json(decision.ledger_after),
    }
