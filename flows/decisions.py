"""From a packet's documents to its stored decision: shared by the intake flow and by
re-adjudication after a clerk's correction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

import adjudicator
from extractors.model import Check, Document
from pipeline import checks
from pipeline.claim import IncompleteClaimError, bank_account_from, build_claim, member_from
from store import repository
from store.db import session_scope
from store.models import Packet


@dataclass
class PacketResult:
    packet: str
    status: str
    claim_id: str | None = None
    member_id: str | None = None
    payable: str = "0.00"
    needs_review: list[str] = field(default_factory=list)
    decision: dict | None = None
    reason: str | None = None
    already_done: bool = False

    def to_json(self) -> dict:
        out = {"packet": self.packet, "claim_id": self.claim_id, "member_id": self.member_id,
               "status": self.status, "payable": self.payable, "needs_review": self.needs_review,
               "decision": self.decision}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class ClaimDraft:
    """A claim ready for the adjudicator, or the reason it is not."""

    review: list[str]
    blocking: list[str]
    claim: dict | None = None
    year_start: date | None = None
    hold_reason: str | None = None


def draft_claim(session: Session, record: Packet, documents: list[Document], problems: list[str] = ()) -> ClaimDraft:
    """Check the documents, find the member and the ledger, and build the claim."""
    for document in documents:
        document.checks.clear()
        checks.check_document(document)
    packet_checks = checks.packet_checks(documents)
    review = review_list(documents, packet_checks) + [f"file: {p}" for p in problems]
    blocking = [f"{d.doc_type}.{name}" for d in documents for name in checks.blocking_review(d)]
    draft = ClaimDraft(review=review, blocking=blocking)
    member = member_from(documents)
    if member is None:
        draft.hold_reason = "no readable ID copy: the member is unknown"
        return draft
    bank_name, account = bank_account_from(documents)
    repository.upsert_member(session, member["member_id"], member["name"], member["id_number"], bank_name, account)
    record.member_id = member["member_id"]
    try:
        claim = build_claim(record.claim_id, record.received_date, documents, member, ledger={})
    except IncompleteClaimError as exc:
        draft.hold_reason = exc.message
        return draft
    draft.year_start = policy_year_start(claim)
    claim["ledger"] = repository.ledger_for(session, member["member_id"], draft.year_start, excluding_packet=record.id)
    draft.claim = claim
    return draft


def adjudicate(claim: dict) -> dict:
    return adjudicator.decision_to_json(adjudicator.adjudicate(adjudicator.parse_claim(claim)))


def record_decision(session: Session, record: Packet, draft: ClaimDraft, decision: dict | None) -> PacketResult:
    """Store the outcome; only a final decision (nothing that decides money under review) enters the ledger."""
    if draft.claim is None or decision is None:
        record.status, record.reason = "needs_review", draft.hold_reason
        return PacketResult(record.name, "needs_review", record.claim_id, record.member_id, "0.00",
                            draft.review, None, draft.hold_reason)
    final = not draft.blocking
    repository.save_decision(session, record, draft.claim, decision, draft.year_start if final else None)
    if final:
        record.reason = None
        return PacketResult(record.name, decision["status"], record.claim_id, record.member_id,
                            decision["payable"], draft.review, decision)
    record.status = "needs_review"
    record.reason = "fields that decide money wait for review: " + ", ".join(draft.blocking)
    return PacketResult(record.name, "needs_review", record.claim_id, record.member_id, "0.00", draft.review,
                        decision, record.reason)


def redecide(db_url: str, packet_id: int) -> PacketResult:
    """Adjudicate a packet again from its stored (and corrected) fields."""
    with session_scope(db_url) as session:
        record = session.get(Packet, packet_id)
        draft = draft_claim(session, record, repository.load_documents(session, packet_id))
        decision = adjudicate(draft.claim) if draft.claim is not None else None
        return record_decision(session, record, draft, decision)


def policy_year_start(claim: dict) -> date:
    first_visit = min(date.fromisoformat(visit["date"]) for visit in claim["visits"])
    return adjudicator.plan_for(None, first_visit).year_start_for(None, first_visit)


def review_list(documents: list[Document], packet_checks: list[Check]) -> list[str]:
    review = [f"{d.source}#{d.page}:{d.doc_type}.{name}" for d in documents for name in d.needs_review]
    review.extend(f"packet.{c.check}" for c in packet_checks if not c.ok)
    return review


def stored_result(session: Session, record: Packet) -> PacketResult:
    decision = repository.current_decision(session, record.id)
    decided = record.status == "decided" and decision is not None
    return PacketResult(
        record.name, decision.status if decided else record.status, record.claim_id, record.member_id,
        decision.payable if decided else "0.00", repository.review_fields(session, record.id),
        decision.decision if decision else None, record.reason, already_done=True,
    )
