"""From a packet's documents to its stored decision: shared by the intake flow and by
re-adjudication after a clerk's correction."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import Session

import adjudicator
from adjudicator.policy_year import policy_year_start as year_of
from extractors.model import Check, Document
from flows import signals
from pipeline import checks
from pipeline.claim import IncompleteClaimError, bank_account_from, build_claim, member_from
from store import repository
from store.db import session_scope
from store.models import Member, Packet


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


def as_dropped(result: PacketResult, dropped_name: str) -> PacketResult:
    """A packet of the same content as one decided before is named as it was dropped, not as the first."""
    if result.already_done and result.packet != dropped_name:
        return replace(result, packet=dropped_name, reason=result.reason or f"same content as {result.packet}")
    return result


@dataclass
class ClaimDraft:
    """A claim ready for the adjudicator, or the reason it is not."""

    review: list[str]
    blocking: list[str]
    claim: dict | None = None
    year_start: date | None = None
    hold_reason: str | None = None


def draft_claim(session: Session, record: Packet, documents: list[Document], problems: list[str] = ()) -> ClaimDraft:
    """Check the documents, find the member and the ledger, and build the claim. The ledger read here is
    added to by `record_decision` in the same transaction: no other decision may come in between. A cover
    sheet (the separator page of a mailroom's stack) is stored with the packet but is no claim material."""
    documents = [d for d in documents if d.doc_type != "cover_sheet"]
    repository.take_decision_turn(session)
    for document in documents:
        document.checks.clear()
        checks.check_document(document)
    packet_checks = checks.packet_checks(documents)
    review = review_list(documents, packet_checks) + [f"file: {p}" for p in problems]
    blocking = [f"{d.doc_type}.{name}" for d in documents for name in checks.blocking_review(d)]
    draft = ClaimDraft(review=review, blocking=blocking)
    member, hold = _member(session, documents)
    if member is None:
        draft.hold_reason = hold
        return draft
    record.member_id = member["member_id"]
    try:
        claim = build_claim(record.claim_id, record.received_date, documents, member, ledger={})
    except IncompleteClaimError as exc:
        draft.hold_reason = exc.message
        return draft
    stored = session.get(Member, member["member_id"])
    if stored.policy_year_start is not None:
        claim["policy"] = {"year_start": stored.policy_year_start.isoformat()}
    draft.year_start = policy_year_start(claim)
    # M4.2.26: on the moral-hazard blacklist for this policy year (by a supervisor or the roster).
    claim["member"]["blacklisted"] = repository.on_blacklist(session, member["member_id"], draft.year_start,
                                                             record.claim_id)
    attach_ledgers(session, claim, member["member_id"], record.id)
    others = repository.invoices_claimed_by_others(session, member["member_id"], invoice_keys(claim))
    if others:
        draft.hold_reason = f"receipt(s) {', '.join(others)} already claimed by another member"
        return draft
    asked = [{"document": r.document, "reason": r.reason}
             for r in repository.document_requests(session, record.id, "open")]
    if asked:  # further material a clerk asked for (M2.7): the claim waits for it
        claim["requested_documents"] = asked
    draft.claim = claim
    return draft


def attach_ledgers(session: Session, claim: dict, member_id: str, packet_id: int | None) -> None:
    """The claim's `ledger` (the policy year of its first visit) and, for visits of a later policy year
    (December and January in one packet), `ledgers`: each counts in its own year's ledger."""
    first_year = policy_year_start(claim)
    claim["ledger"] = repository.ledger_for(session, member_id, first_year, before_packet=packet_id)
    later_years = sorted(set(visit_years(claim)) - {first_year})
    if later_years:
        claim["ledgers"] = {year.isoformat(): repository.ledger_for(session, member_id, year, before_packet=packet_id)
                            for year in later_years}


def _member(session: Session, documents: list[Document]) -> tuple[dict | None, str | None]:
    """Who the claim is for: the ID copy's number, matched to the insurer's roster once one is
    imported (without a roster, as the embedded default, the ID copy itself). Never a guess."""
    from_id_copy = member_from(documents)
    if from_id_copy is None:
        return None, "no readable ID copy: the member is unknown"
    bank_name, account = bank_account_from(documents)
    holder = next((d.value("account_holder") for d in documents if d.doc_type == "bank_book"), None)
    if repository.roster_in_use(session):
        known = repository.member_by_id_number(session, from_id_copy["id_number"])
        if known is None or not known.on_roster:
            return None, "the ID copy's number is not on the insurer's roster"
        name = known.name
    else:
        known = repository.upsert_member(session, from_id_copy["member_id"], from_id_copy["name"],
                                         from_id_copy["id_number"], None, None)
        name = from_id_copy["name"]
    differing = [f"{d.doc_type}.{f}" for d in documents for f in ("payer_name", "patient_name", "name")
                 if d.value(f) and d.value(f) != name]
    if differing:
        return None, "the name on " + ", ".join(differing) + " differs from the member's"
    if account and holder and holder != name:
        return None, "the bank book is not in the member's name: no payment to someone else's account"
    if account:
        known.bank_name, known.bank_account = bank_name, account
    member = {"member_id": known.member_id, "name": known.name, "id_number": known.id_number,
              "union_inpatient_plan": known.union_inpatient_plan,
              "other_insurer": known.other_insurer}
    return member, None


def invoice_keys(claim: dict) -> list[str]:
    """Receipt identities as the adjudicator compares them: code + number, or the number alone."""
    return [f"{r['invoice_code']}-{r['invoice_number']}" if r.get("invoice_code") else r["invoice_number"]
            for visit in claim["visits"] for r in visit["receipts"]]


def adjudicate(claim: dict) -> dict:
    return adjudicator.decision_to_json(adjudicator.adjudicate(adjudicator.parse_claim(claim)))


def record_decision(session: Session, record: Packet, draft: ClaimDraft, decision: dict | None) -> PacketResult:
    """Store the outcome, then raise the abuse signals on the packet as it now stands (they never change it)."""
    result = _store_outcome(session, record, draft, decision)
    session.flush()
    signals.raise_for_packet(session, record, draft.year_start)
    return result


def _store_outcome(session: Session, record: Packet, draft: ClaimDraft, decision: dict | None) -> PacketResult:
    """Only a final decision (nothing that decides money under review) enters the ledger."""
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
    """Adjudicate a packet again from its stored (and corrected) fields, then every later packet
    of the same member, whose ledgers start from this one's."""
    result = _decide_again(db_url, packet_id)
    if result.member_id:
        with session_scope(db_url) as session:
            later = repository.later_packets_of_member(session, result.member_id, packet_id)
        for later_packet in later:
            _decide_again(db_url, later_packet)
    return result


def _decide_again(db_url: str, packet_id: int) -> PacketResult:
    with session_scope(db_url) as session:
        # Decisions of one packet take turns: each reads the fields as the one before left them, and
        # supersedes its decision, so one stays current however many run at once.
        repository.lock_packet(session, packet_id)
        return _decide_stored(session, packet_id)


def _decide_stored(session: Session, packet_id: int) -> PacketResult:
    record = session.get(Packet, packet_id)
    draft = draft_claim(session, record, repository.load_documents(session, packet_id))
    decision = adjudicate(draft.claim) if draft.claim is not None else None
    return record_decision(session, record, draft, decision)


def decide_later_claims_again(session: Session, member_id: str, packet_id: int) -> None:
    """The member's claims that came in after this packet but were decided before it (another watcher
    was faster) start their ledger from this one's: they are decided again, in the same transaction, so
    a receipt in both is paid once. Under the decision turn already: no packet lock is taken here, which
    would invert the order a clerk's correction takes them in."""
    for later_packet in repository.later_packets_of_member(session, member_id, packet_id):
        _decide_stored(session, later_packet)


def _anchor(claim: dict) -> date | None:
    anchor = claim.get("policy", {}).get("year_start")
    return date.fromisoformat(anchor) if anchor else None


def policy_year_start(claim: dict) -> date:
    """The policy year of the claim's first visit: the one its `ledger` (and blacklist standing) is of."""
    return year_of(_anchor(claim), min(date.fromisoformat(visit["date"]) for visit in claim["visits"]))


def visit_years(claim: dict) -> list[date]:
    """The policy year of each of the claim's visits."""
    return [year_of(_anchor(claim), date.fromisoformat(visit["date"])) for visit in claim["visits"]]


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
