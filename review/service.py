"""What the review screens do to the records: the queue, corrections, overrides, and the views' data.

Every change is written with its audit row in one transaction, then the claim is adjudicated
again at once (`flows.decisions.redecide`) and the outcome is added to the audit trail.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from flows.decisions import policy_year_start, redecide
from pipeline import checks
from pipeline.errors import BadInputError, ClaimsError
from review import labels
from review.validation import field_kind, normalise, value_type_of
from store import repository
from store.db import session_scope
from store.models import AuditEntry, Decision, Document, ExtractedField, Packet

log = logging.getLogger("review")  # ids and counts only: values are names, ID numbers and diagnoses

CLERK_SOURCE = "clerk"


class NotFoundError(ClaimsError):
    """The record a URL names does not exist."""

    code = "NOT_FOUND"


class ForbiddenError(ClaimsError):
    """The user's role may not do this."""

    code = "FORBIDDEN"


class ConflictError(ClaimsError):
    """Someone else changed the record after the user loaded the page: nothing is stored, the user reloads."""

    code = "CONFLICT"


@dataclass(frozen=True)
class QueueItem:
    field_id: int
    packet_id: int
    packet_name: str
    claim_id: str
    doc_type: str
    name: str
    item_index: int | None
    value: str | None
    confidence: float
    blocking: bool
    received: datetime

    @property
    def label(self) -> str:
        return labels.field(self.name, self.item_index)

    @property
    def key(self) -> str:
        return field_key(self.name, self.item_index)

    @property
    def why(self) -> str:
        """Why the field waits: unread, read with too little confidence, or named by a failing check."""
        if self.value is None:
            return "未能读出"
        config = checks.review_config()
        if self.confidence < config["thresholds"].get(self.name, config["default_threshold"]):
            return "置信度低"
        return "校验未通过"


def field_key(name: str, item_index: int | None) -> str:
    """The name `pipeline.checks` uses: `total` or `items[2].amount`."""
    return name if item_index is None else f"items[{item_index}].{name}"


def is_blocking(doc_type: str, name: str, item_index: int | None) -> bool:
    blocking = checks.review_config()["blocking"].get(doc_type, [])
    return ("items" if item_index is not None else name) in blocking


def review_queue(db_url: str, packet: str | None = None, doc_type: str | None = None,
                 field: str | None = None) -> list[QueueItem]:
    """Fields waiting for a person: those that decide money first, then the oldest packet first."""
    with session_scope(db_url) as session:
        rows = repository.fields_under_review(session)
    items = [
        QueueItem(f.id, p.id, p.name, p.claim_id, d.doc_type, f.name, f.item_index, f.value, f.confidence,
                  is_blocking(d.doc_type, f.name, f.item_index), p.created_at)
        for f, d, p in rows
        if (not packet or packet in (str(p.id), p.name, p.claim_id))
        and (not doc_type or d.doc_type == doc_type) and (not field or f.name == field)
    ]
    return sorted(items, key=lambda item: not item.blocking)  # stable: age order kept within each group


def effective_status(packet: Packet, decision: Decision | None) -> tuple[str, str]:
    """(status, payable) as the intake reports them: a decision counts once nothing blocks it."""
    if packet.status == "decided" and decision is not None:
        return decision.status, decision.payable
    return packet.status, "0.00"


def field_version(db_url: str, field_id: int) -> str:
    """What the correction form carries: the field as the clerk sees it (its latest audited change)."""
    with session_scope(db_url) as session:
        return version_of(repository.last_change_of_field(session, field_id))


def version_of(change: AuditEntry | None) -> str:
    """A field's version: its latest audited change, or "ocr" while it holds what was read."""
    return str(change.id) if change else "ocr"


def correct_field(db_url: str, field_id: int, typed: str, reason: str, actor: str, seen: str) -> AuditEntry:
    """Store the clerk's value (validated by the field's kind), audit it, and decide the claim again.

    Only over the version of the field the clerk saw (`field_version`): a value another clerk stored
    meanwhile is never overwritten unseen (ConflictError)."""
    with session_scope(db_url) as session:
        field, document, packet = _field_for_change(session, field_id, seen, actor)
        new_value = normalise(field_kind(document.doc_type, field.name, field.item_index is not None), typed)
        entry = _change_field(session, field, document, packet, new_value, "correction",
                              reason.strip() or "按原件更正", actor)
    return _redecide_and_audit(db_url, entry)


def accept_as_read(db_url: str, field_id: int, actor: str, seen: str) -> AuditEntry:
    """The clerk checked the scan: what OCR read is right (the version the clerk saw, as for a correction)."""
    with session_scope(db_url) as session:
        field, document, packet = _field_for_change(session, field_id, seen, actor)
        if field.value is None:
            raise BadInputError("此字段未能读出，无法按原值确认：请输入值")
        entry = _change_field(session, field, document, packet, field.value, "accepted", "与原件核对无误", actor)
    return _redecide_and_audit(db_url, entry)


def _field_for_change(session: Session, field_id: int, seen: str, actor: str) -> tuple[ExtractedField, Document,
                                                                                      Packet]:
    """The field, its document and packet, locked for this transaction, if it is still as the clerk saw it."""
    packet_id = repository.packet_of_field(session, field_id)
    if packet_id is None:
        raise NotFoundError(f"field {field_id} does not exist")
    repository.lock_packet(session, packet_id)  # a second clerk's change waits here, then sees this one
    field, document, _page, _original, packet = repository.field_in_context(session, field_id)
    change = repository.last_change_of_field(session, field_id)
    if version_of(change) != seen:
        log.info("field %s of packet %s: stale change by user %s refused", field_id, packet_id, actor)
        if change is None:
            raise ConflictError("页面已过期，未保存您的输入：已重新载入，请核对后再改")
        done = "更正为" if change.kind == "correction" else "按原值确认为"
        raise ConflictError(f"此字段在您打开页面后已由 {change.actor} {done}“{change.new_value}”，"
                            "未保存您的输入：页面已重新载入，请核对后再改")
    return field, document, packet


def _change_field(session: Session, field: ExtractedField, document: Document, packet: Packet, new_value: str,
                  kind: str, reason: str, actor: str) -> AuditEntry:
    status, payable = effective_status(packet, repository.current_decision(session, packet.id))
    entry = repository.add_audit_entry(
        session, packet_id=packet.id, claim_id=packet.claim_id, kind=kind, actor=actor, field_id=field.id,
        field_label=f"{document.doc_type}.{field_key(field.name, field.item_index)}", old_value=field.value,
        new_value=new_value, reason=reason, status_before=status, payable_before=payable)
    field.value = new_value
    field.value_type = value_type_of(field_kind(document.doc_type, field.name, field.item_index is not None))
    field.source, field.confidence, field.needs_review = CLERK_SOURCE, 1.0, False
    log.info("field %s of packet %s: %s by user %s (audit %s)", field.id, packet.id, kind, actor, entry.id)
    return entry


def _redecide_and_audit(db_url: str, cause: AuditEntry) -> AuditEntry:
    """Runs after the change is committed: the adjudicator reads the stored fields in its own transaction."""
    result = redecide(db_url, cause.packet_id)
    with session_scope(db_url) as session:
        repository.lock_packet(session, cause.packet_id)  # not to flag again a field a clerk is correcting
        refresh_review_flags(session, cause.packet_id)
        return repository.add_audit_entry(
            session, packet_id=cause.packet_id, claim_id=cause.claim_id, kind="redecision", actor="system",
            reason=result.reason, status_before=cause.status_before, payable_before=cause.payable_before,
            status_after=result.status, payable_after=result.payable, caused_by=cause.id)


def refresh_review_flags(session: Session, packet_id: int) -> None:
    """Mark again which fields wait for a person, from the checks on the corrected documents.

    A value a clerk typed or confirmed is not sent back; the OCR values that a still-failing
    check names are. A failing sum over the items (`items`) sends the item amounts.
    """
    documents = repository.load_documents(session, packet_id)
    for document, row in zip(documents, repository.document_rows(session, packet_id), strict=True):
        document.checks.clear()
        checks.check_document(document)
        row.checks = [check.to_json() for check in document.checks]
        flagged = set(document.needs_review)
        for field in repository.fields_of_document(session, row.id):
            named = field_key(field.name, field.item_index) in flagged or (
                field.item_index is not None and field.name == "amount" and "items" in flagged)
            field.needs_review = field.source != CLERK_SOURCE and (named or field.value is None)


def override_decision(db_url: str, packet_id: int, status: str, payable: str, reason: str, actor: str,
                      role: str, seen_decision: str) -> AuditEntry:
    """A supervisor's decision replaces the adjudicator's: kept as a new current decision, never an edit.

    Only over the decision the supervisor saw (its id): one decided again or overridden meanwhile is
    a ConflictError."""
    if role != "supervisor":
        raise ForbiddenError("只有主管可以改判")
    reason = reason.strip()
    if not reason:
        raise BadInputError("改判必须填写理由")
    if status not in labels.OVERRIDE_STATUSES:
        raise BadInputError("请选择改判后的状态")
    amount = _payable(payable, status)
    with session_scope(db_url) as session:
        repository.lock_packet(session, packet_id)
        packet = session.get(Packet, packet_id)
        if packet is None:
            raise NotFoundError(f"packet {packet_id} does not exist")
        current = repository.current_decision(session, packet_id)
        if current is None:
            raise BadInputError("此案件尚无裁定（材料不全以致无法成案），无法改判")
        if str(current.id) != seen_decision:
            log.info("packet %s: override by user %s of a superseded decision refused", packet_id, actor)
            override = current.decision.get("override")
            by = f"主管 {override['by']} 改判" if override else "重新裁定"
            raise ConflictError(f"此案件的裁定在您打开页面后已变更（{by}），未保存您的改判：页面已重新载入，请核对后再改")
        status_before, payable_before = effective_status(packet, current)
        decision = _overridden(current, status, amount, reason, actor)
        year_start = policy_year_start(current.claim)
        repository.save_decision(session, packet, current.claim, decision, year_start)
        packet.reason = None
        entry = repository.add_audit_entry(
            session, packet_id=packet.id, claim_id=packet.claim_id, kind="override", actor=actor, reason=reason,
            old_value=f"{status_before} {payable_before}", new_value=f"{status} {amount}",
            status_before=status_before, payable_before=payable_before, status_after=status, payable_after=amount)
        log.info("packet %s: decision overridden by user %s (audit %s)", packet.id, actor, entry.id)
        return entry


def _payable(text: str, status: str) -> str:
    if status in ("rejected", "pending_documents"):
        return "0.00"
    try:
        amount = Decimal(text.strip() or "x")
    except InvalidOperation:
        raise BadInputError("应付金额应为如 385.00 的数字") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise BadInputError("应付金额应为不小于 0、最多两位小数的数字")
    return f"{amount:.2f}"


def _overridden(current: Decision, status: str, payable: str, reason: str, actor: str) -> dict:
    """The decision as the supervisor set it; the ledger counts what is now paid, on the claim's kind of care."""
    decision = deepcopy(current.decision)
    delta = Decimal(payable) - Decimal(decision.get("payable", "0.00"))
    inpatient = all(visit.get("kind") == "inpatient" for visit in current.claim.get("visits", [])) and \
        current.claim.get("visits")
    part, ytd = ("inpatient_payable", "inpatient_paid_ytd") if inpatient else ("outpatient_payable",
                                                                               "outpatient_paid_ytd")
    decision[part] = f"{Decimal(decision.get(part, '0.00')) + delta:.2f}"
    ledger_after = decision.setdefault("ledger_after", {})
    ledger_after[ytd] = f"{Decimal(ledger_after.get(ytd, '0.00')) + delta:.2f}"
    decision.update(status=status, payable=payable)
    decision["override"] = {"by": actor, "reason": reason, "status_before": current.status,
                            "payable_before": current.payable}
    return decision


def redecided_after(db_url: str, entry_id: int) -> AuditEntry | None:
    """The re-adjudication that an audited correction caused."""
    with session_scope(db_url) as session:
        return repository.audit_entry_caused_by(session, entry_id)


def start_of_today() -> datetime:
    """Midnight of the server's local day, in UTC as the records keep time."""
    return datetime.combine(date.today(), time.min).astimezone().astimezone(timezone.utc)
