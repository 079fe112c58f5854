"""Abuse signals around the pure rules of pipeline/signals.py: read a packet's facts and the history
the rules need from the database, keep what they raise, and record a supervisor's verdict.

Raising is idempotent: a signal is identified by its rule and subject (`Signal.fingerprint`), so
deciding a claim again refreshes its open signals instead of adding new ones, and withdraws
(`cleared`) the open ones the claim no longer raises. Dismissed and escalated signals stay as the
supervisor left them. Every change of status goes into the claim's audit trail.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import cv2
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from pipeline import checks
from pipeline import signals as rules
from pipeline.claim import member_from
from pipeline.errors import BadInputError, ClaimsError
from store import repository
from store.db import session_scope
from store.models import Packet, RaisedSignal, utcnow

log = logging.getLogger("claims.signals")  # ids, rules and counts only

SYSTEM = "system"
VERDICTS = {"dismiss": "dismissed", "escalate": "escalated"}
_STATUS_WORDS = {"dismissed": "排除", "escalated": "上报", "cleared": "自动撤销", "open": "待处理"}
_VERDICT_WORDS = {"dismiss": "排除", "escalate": "上报"}


class SignalNotFoundError(ClaimsError):
    """The signal a verdict names does not exist."""

    code = "NOT_FOUND"


def raise_for_packet(session: Session, packet: Packet, year_start: date | None) -> list[RaisedSignal]:
    """Run every rule on the packet as it is stored now; returns the signals it has open."""
    facts = packet_facts(session, packet, year_start)
    raised = rules.raise_signals(facts, history_for(session, facts))
    considered = rules.member_subjects(facts.member_id, year_start) if facts.member_id and year_start else []
    withdrawable = [s.fingerprint for s in repository.open_signals_of_packet(session, packet.id)
                    if s.rule in rules.PACKET_RULES] + considered
    return keep(session, packet.id, packet.claim_id, facts.member_id, raised, withdrawable)


def packet_facts(session: Session, packet: Packet, year_start: date | None) -> rules.PacketFacts:
    documents = repository.load_documents(session, packet.id)
    rows = repository.document_rows(session, packet.id)
    pages = {page.id: page for page in repository.pages_of(session, packet.id)}
    for document in documents:
        document.checks.clear()
        checks.check_document(document)
    stored = tuple(
        rules.StoredDocument(document, row.id, row.page_id,
                             _coloured_ink(pages[row.page_id].image_path) if document.doc_type == "receipt" else None)
        for document, row in zip(documents, rows, strict=True))
    member_id = packet.member_id or (member_from(documents) or {}).get("member_id")
    return rules.PacketFacts(packet.id, packet.claim_id, member_id, year_start, stored,
                             tuple(checks.packet_checks(documents)))


def _coloured_ink(image_path: str) -> int | None:
    image = cv2.imread(image_path) if Path(image_path).is_file() else None
    return None if image is None else rules.coloured_ink_pixels(image)


def history_for(session: Session, facts: rules.PacketFacts) -> rules.History:
    receipts = [stored.document for stored in facts.of_type("receipt")]
    numbers = sorted({r.value("invoice_number") for r in receipts if r.value("invoice_number")})
    numbered = repository.receipts_numbered(session, numbers, facts.packet_id)
    members = repository.members_of_packets(session, {packet.id for packet, _, _ in numbered})
    presentations = tuple(
        rules.Presentation(packet.id, packet.claim_id, members.get(packet.id), values.get("invoice_code"),
                           values["invoice_number"], values.get("hospital"),
                           values.get("visit_date") or values.get("issue_date"),
                           repository.receipt_standing(session, packet, rules.receipt_key(
                               values.get("invoice_code"), values["invoice_number"])))
        for packet, _, values in numbered)
    hospitals = {rules.hospital_identity(r.value("hospital")) for r in receipts} - {None}
    printed = [name for name in repository.hospital_names_on_receipts(session)
               if rules.hospital_identity(name) in hospitals]
    series = tuple(
        rules.NumberedReceipt(packet.id, packet.claim_id, rules.hospital_identity(values["hospital"]),
                              values.get("invoice_code"), values["invoice_number"], day)
        for packet, _, values in repository.receipts_of_hospitals(session, printed, facts.packet_id)
        if values.get("invoice_number") and (day := _day(values.get("issue_date") or values.get("visit_date"))))
    stays = () if facts.member_id is None else tuple(
        stay for packet, document, values in repository.member_documents(
            session, facts.member_id, ("discharge_summary", "receipt"))
        if (stay := rules.stay_from(values, document.doc_type, packet.id, packet.claim_id)))
    years = repository.member_year_totals(session, facts.year_start).get(facts.year_start, []) \
        if facts.year_start else []
    return rules.History(presentations, series, stays,
                         tuple(rules.MemberYear(member, claims, paid) for member, claims, paid, _ in years))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def refresh_member_signals(session: Session) -> int:
    """The member rules for every member's policy year: the top tail moves as other members claim.
    A member-wide signal sits on the member's latest claim of the year. Returns how many are open."""
    opened = 0
    for year, members in repository.member_year_totals(session).items():
        population = tuple(rules.MemberYear(member, claims, paid) for member, claims, paid, _ in members)
        for member_id, _, _, latest in members:
            packet = session.get(Packet, latest)
            facts = rules.PacketFacts(packet.id, packet.claim_id, member_id, year, ())
            raised = [signal for rule in rules.MEMBER_RULES
                      for signal in rules.RULES[rule](facts, rules.History(member_years=population), rules.signal_rules())]
            opened += len(keep(session, packet.id, packet.claim_id, member_id, raised,
                               rules.member_subjects(member_id, year)))
    return opened


def keep(session: Session, packet_id: int, claim_id: str, member_id: str | None, raised: list[rules.Signal],
         withdrawable: list[str]) -> list[RaisedSignal]:
    """Store what was raised (new, refreshed or reopened) and clear the open ones among
    `withdrawable` that were not raised again."""
    kept = []
    for signal in raised:
        row = repository.signal_by_fingerprint(session, signal.fingerprint)
        if row is None:
            row = _insert(session, packet_id, claim_id, member_id, signal)
            if row is None:
                continue  # another process raised it at the same moment
        elif row.status in ("open", "cleared"):
            reopened = row.status == "cleared"
            row.severity, row.summary, row.evidence, row.clause = signal.severity, signal.summary, signal.evidence, signal.clause
            row.status, row.updated_at = "open", utcnow()
            if reopened:
                _audit(session, row, "signal_reopened", SYSTEM, "cleared", "open", "再次触发")
        if row.status == "open":
            kept.append(row)
    still = {signal.fingerprint for signal in raised}
    for fingerprint in set(withdrawable) - still:
        row = repository.signal_by_fingerprint(session, fingerprint)
        if row is not None and row.status == "open":
            row.status, row.updated_at, row.decided_by, row.decided_at = "cleared", utcnow(), SYSTEM, utcnow()
            row.reason = "重新裁定后规则不再触发"
            _audit(session, row, "signal_cleared", SYSTEM, "open", "cleared", row.reason)
    return kept


def _insert(session: Session, packet_id: int, claim_id: str, member_id: str | None,
            signal: rules.Signal) -> RaisedSignal | None:
    row = RaisedSignal(fingerprint=signal.fingerprint, packet_id=packet_id, claim_id=claim_id,
                       member_id=member_id, rule=signal.rule, severity=signal.severity,
                       clause=signal.clause, summary=signal.summary, evidence=signal.evidence)
    try:
        with session.begin_nested():  # a unique fingerprint: a race loses only this row, not the decision
            session.add(row)
    except IntegrityError:
        return None
    _audit(session, row, "signal_raised", SYSTEM, None, "open", signal.summary)
    log.info("signal %s raised on packet %s (%s)", row.id, packet_id, signal.rule)
    return row


def _audit(session: Session, row: RaisedSignal, kind: str, actor: str, before: str | None, after: str,
           reason: str | None) -> None:
    repository.add_audit_entry(session, packet_id=row.packet_id, claim_id=row.claim_id, kind=kind, actor=actor,
                               field_label=f"signal.{row.rule}", old_value=before, new_value=after, reason=reason)


def decide_signal(db_url: str, signal_id: int, verdict: str, reason: str, actor: str) -> RaisedSignal:
    """A supervisor dismisses (a reason is required) or escalates (a note is optional) a signal.
    An open signal may be either; an escalated one, once investigated, may be dismissed."""
    if verdict not in VERDICTS:
        raise BadInputError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    reason = reason.strip()
    if verdict == "dismiss" and not reason:
        raise BadInputError("排除风险信号必须填写理由")
    with session_scope(db_url) as session:
        row = session.get(RaisedSignal, signal_id)
        if row is None:
            raise SignalNotFoundError(f"signal {signal_id} does not exist")
        allowed = {"open"} if verdict == "escalate" else {"open", "escalated"}
        if row.status not in allowed:
            raise BadInputError(f"此信号已{_STATUS_WORDS.get(row.status, row.status)}，不能再{_VERDICT_WORDS[verdict]}")
        before, row.status = row.status, VERDICTS[verdict]
        row.decided_by, row.decided_at, row.reason, row.updated_at = actor, utcnow(), reason or None, utcnow()
        _audit(session, row, f"signal_{row.status}", actor, before, row.status, reason or None)
        log.info("signal %s %s by user %s", row.id, row.status, actor)
        return row
