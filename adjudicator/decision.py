"""The decision of `spec/adjudication-api.md` and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from adjudicator.claim import (Claim, Ledger, Receipt, Visit, _flag, _Fields, _json_type, _ledger, _list_of, _money,
                               _one_of, _text, _year_ledgers)
from adjudicator.errors import BadInputError
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
    ledger_after: Ledger  # of the policy year of the claim's first visit
    # Only for a claim whose visits fall in more than one policy year: each year's ledger, by its start.
    ledgers_after: tuple[tuple[date, Ledger], ...] = ()
    override: "Override | None" = None  # a supervisor's decision in place of the adjudicator's


@dataclass(frozen=True)
class Override:
    """What a supervisor set in place of the adjudicator's decision (the review app stores it)."""

    by: str
    reason: str
    status_before: str
    payable_before: Decimal


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
        **({"ledgers_after": {year.isoformat(): ledger_to_json(ledger) for year, ledger in decision.ledgers_after}}
           if decision.ledgers_after else {}),
        **({"override": {"by": decision.override.by, "reason": decision.override.reason,
                         "status_before": decision.override.status_before,
                         "payable_before": money_text(decision.override.payable_before)}}
           if decision.override else {}),
    }


# --- reading a stored decision back ------------------------------------------

_VISIT_AND_RECEIPT_STATUSES = (ACCEPTED, REJECTED, REVIEW)


def _read_reason(value: Any, path: str) -> Reason:
    fields = _Fields(value, path, ("clause", "text"))
    return Reason(fields.require("clause", _text), fields.require("text", _text))


_read_reasons = _list_of(_read_reason)


def _read_item(value: Any, path: str) -> ItemDecision:
    fields = _Fields(value, path, ("name", "amount", "excluded_amount", "reasons"))
    return ItemDecision(fields.require("name", _text), fields.require("amount", _money),
                        fields.require("excluded_amount", _money), fields.require("reasons", _read_reasons))


def _read_receipt(value: Any, path: str, printed: Receipt) -> ReceiptDecision:
    fields = _Fields(value, path, ("invoice_code", "invoice_number", "status", "base", "excluded", "eligible",
                                   "reasons", "items"))
    number = fields.require("invoice_number", _text)
    if number != printed.invoice_number:
        raise BadInputError(f"'{fields.at('invoice_number')}' is {number!r}, but the claim's receipt there is "
                            f"{printed.invoice_number!r}")
    return ReceiptDecision(
        invoice_code=fields.get("invoice_code", _text), invoice_number=number, invoice_key=printed.invoice_key,
        status=fields.require("status", _one_of(_VISIT_AND_RECEIPT_STATUSES)), base=fields.require("base", _money),
        excluded=fields.require("excluded", _money), eligible=fields.require("eligible", _money),
        reasons=fields.require("reasons", _read_reasons), items=fields.require("items", _list_of(_read_item)),
    )


def _read_receipts(value: Any, path: str, visit: Visit) -> tuple[ReceiptDecision, ...]:
    """The receipts' decisions, one for each of the claim's receipts of the visit, in the same order."""
    if not isinstance(value, list):
        raise BadInputError(f"'{path}' must be a list, got {_json_type(value)}")
    if len(value) != len(visit.receipts):
        raise BadInputError(f"'{path}' lists {len(value)} receipts, the claim's visit {visit.visit_id} has "
                            f"{len(visit.receipts)}")
    return tuple(_read_receipt(receipt, f"{path}[{index}]", printed)
                 for index, (receipt, printed) in enumerate(zip(value, visit.receipts)))


def _read_visit(value: Any, path: str, visits: dict[str, Visit]) -> VisitDecision:
    fields = _Fields(value, path, ("visit_id", "status", "emergency", "eligible", "payable", "reasons", "receipts"))
    visit_id = fields.require("visit_id", _text)
    if visit_id not in visits:
        raise BadInputError(f"'{fields.at('visit_id')}' is {visit_id!r}, which the claim has no visit of")
    visit = visits[visit_id]
    return VisitDecision(
        visit_id=visit_id, kind=visit.kind, status=fields.require("status", _one_of(_VISIT_AND_RECEIPT_STATUSES)),
        emergency=fields.require("emergency", _flag), eligible=fields.require("eligible", _money),
        payable=fields.require("payable", _money), reasons=fields.require("reasons", _read_reasons),
        receipts=fields.require("receipts", lambda receipts, at: _read_receipts(receipts, at, visit)),
    )


def decision_from_json(obj: Any, claim: Claim) -> Decision:
    """A decision as `decision_to_json` wrote it (e.g. stored in the database), for the claim it decided.

    The JSON leaves out what the claim already says: each visit's kind (found by visit_id) and each
    receipt's invoice key (the claim's receipt at the same place). The hyperbaric sessions a receipt
    added to the ledger are not stored; they read as 0 (only the engine's ledger uses them, and the
    stored `ledger_after` already holds their sum). A decision that does not fit its claim is a
    one-line BadInputError.
    """
    fields = _Fields(obj, "decision", ("claim_id", "status", "payable", "outpatient_payable", "inpatient_payable",
                                       "missing_documents", "reasons", "visits", "ledger_after", "ledgers_after",
                                       "override"))
    claim_id = fields.require("claim_id", _text)
    if claim_id != claim.claim_id:
        raise BadInputError(f"the decision is for claim {claim_id!r}, not {claim.claim_id!r}")
    visits = {visit.visit_id: visit for visit in claim.visits}
    return Decision(
        claim_id=claim_id,
        status=fields.require("status", _one_of(CLAIM_STATUSES)),
        payable=fields.require("payable", _money),
        outpatient_payable=fields.require("outpatient_payable", _money),
        inpatient_payable=fields.require("inpatient_payable", _money),
        missing_documents=fields.require("missing_documents", _list_of(_text)),
        reasons=fields.require("reasons", _read_reasons),
        visits=fields.require("visits", _list_of(lambda visit, at: _read_visit(visit, at, visits))),
        ledger_after=fields.require("ledger_after", _ledger),
        ledgers_after=fields.get("ledgers_after", _year_ledgers, ()),
        override=fields.get("override", _read_override),
    )


def _read_override(value: Any, path: str) -> Override:
    fields = _Fields(value, path, ("by", "reason", "status_before", "payable_before"))
    return Override(fields.require("by", _text), fields.require("reason", _text),
                    fields.require("status_before", _text), fields.require("payable_before", _money))
