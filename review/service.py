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

from sqlmodel import Session, select

from flows.decisions import policy_year_start, redecide
from pipeline import checks
from pipeline.errors import BadInputError, ClaimsError
from review import labels
from extractors.spec import load_spec
from review.validation import field_kind, normalise, value_type_of
from store import repository
from store.db import session_scope
from store.models import AuditEntry, CheckReview, Decision, Document, ExtractedField, Packet

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
    """One thing a claim waits for: a field to read (`field`), a failing check to settle (`check`), or a
    claim held for a reason no field or check names (`claim`)."""

    kind: str
    packet_id: int
    packet_name: str
    claim_id: str
    doc_type: str
    name: str  # the field's name, or the check's
    item_index: int | None
    value: str | None
    confidence: float
    blocking: bool
    received: datetime
    field_id: int | None = None
    document_id: int | None = None
    item_name: str | None = None  # the name of the item row a field belongs to
    referred: bool = False  # a check passed to a supervisor: only supervisors settle it
    detail: str = ""  # a check's numbers, or why a claim is held

    @property
    def ref(self) -> str:
        """The item's identity across the queue's pages."""
        if self.kind == "field":
            return f"field:{self.field_id}"
        if self.kind == "check":
            return f"check:{self.document_id}:{self.name}"
        return f"claim:{self.packet_id}"

    @property
    def href(self) -> str:
        if self.kind == "field":
            return f"/fields/{self.field_id}"
        if self.kind == "check":
            return f"/documents/{self.document_id}/checks/{self.name}"
        return f"/claims/{self.packet_id}"

    @property
    def label(self) -> str:
        if self.kind == "check":
            return labels.check(self.name)
        if self.kind == "claim":
            return "案件暂缓裁定"
        return labels.field(self.name, self.item_index, self.item_name)

    @property
    def key(self) -> str:
        return field_key(self.name, self.item_index)

    @property
    def why(self) -> str:
        """Why the item waits: unread, read with too little confidence, named by a failing check, a check
        that still fails once its fields were settled, or the reason a claim is held."""
        if self.kind == "check":
            return "已转交主管" if self.referred else "各字段已核对，校验仍未通过"
        if self.kind == "claim":
            return labels.reason(self.detail)
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
                 field: str | None = None, role: str | None = "supervisor") -> list[QueueItem]:
    """What waits for a person: those that decide money first, then the oldest packet first. A check passed
    to a supervisor is in a supervisor's queue only (`role`); every waiting packet has an item."""
    with session_scope(db_url) as session:
        items = [_field_item(session, f, d, p) for f, d, p in repository.fields_under_review(session)]
        waiting = repository.packets_waiting(session)
        packets = {p.id: p for p in waiting}
        reviews = {}
        found_checks = repository.checks_waiting(session, list(packets))
        if found_checks:
            reviews = repository.check_reviews_of(session, {document.id for document, _ in found_checks})
        for document, check in found_checks:
            p, review = packets[document.packet_id], reviews.get((document.id, check["check"]))
            items.append(QueueItem("check", p.id, p.name, p.claim_id, document.doc_type, check["check"], None, None,
                                   0.0, True, p.created_at, document_id=document.id, detail=check.get("detail", ""),
                                   referred=review is not None and review.state == "referred"))
        with_items = {item.packet_id for item in items}
        items += [QueueItem("claim", p.id, p.name, p.claim_id, "", "", None, None, 0.0, True, p.created_at,
                            detail=p.reason or "") for p in waiting if p.id not in with_items]
    order = {"field": 0, "check": 1, "claim": 2}
    items.sort(key=lambda item: (item.received, item.packet_id, order[item.kind]))
    items = [
        item for item in items
        if (not packet or packet in (str(item.packet_id), item.packet_name, item.claim_id))
        and (not doc_type or item.doc_type == doc_type) and (not field or (item.kind == "field" and item.name == field))
        and (role == "supervisor" or not item.referred)
    ]
    return sorted(items, key=lambda item: not item.blocking)  # stable: age order kept within each group


def _field_item(session: Session, f: ExtractedField, d: Document, p: Packet) -> QueueItem:
    return QueueItem("field", p.id, p.name, p.claim_id, d.doc_type, f.name, f.item_index, f.value, f.confidence,
                     is_blocking(d.doc_type, f.name, f.item_index), p.created_at, field_id=f.id, document_id=d.id,
                     item_name=repository.item_name(session, f))


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


def correct_field(db_url: str, field_id: int, typed: str, reason: str, actor: str, seen: str,
                  box: str = "") -> AuditEntry:
    """Store the clerk's value (validated by the field's kind), audit it, and decide the claim again.
    A value the same as read is a confirmation, not a correction. `box` is where the clerk drew the
    value on the page, for a field whose place the machine did not find.

    Only over the version of the field the clerk saw (`field_version`): a value another clerk stored
    meanwhile is never overwritten unseen (ConflictError)."""
    drawn = parse_box(box)
    with session_scope(db_url) as session:
        field, document, packet = _field_for_change(session, field_id, seen, actor)
        new_value = normalise(field_kind(document.doc_type, field.name, field.item_index is not None), typed)
        if new_value == field.value:
            kind, reason = "accepted", reason.strip() or "与原件核对无误"
        else:
            kind = "entered" if field.value is None else "correction"
            reason = reason.strip() or ("按原件录入" if field.value is None else "按原件更正")
        if drawn is not None:
            field.box, field.page = drawn, _page_index(session, document)
        entry = _change_field(session, field, document, packet, new_value, kind, reason, actor)
    return redecide_and_audit(db_url, entry)


def parse_box(text: str) -> list[int] | None:
    """A box the clerk drew: `x1,y1,x2,y2` in the page image's pixels, or nothing."""
    if not text.strip():
        return None
    try:
        x1, y1, x2, y2 = (int(round(float(part))) for part in text.split(","))
    except ValueError:
        raise BadInputError("框选的位置无效：请在页面上重新框选") from None
    if min(x1, y1) < 0 or x2 - x1 < 3 or y2 - y1 < 3:
        raise BadInputError("框选的区域太小：请在页面上重新框选")
    return [x1, y1, x2, y2]


def _page_index(session: Session, document: Document) -> int:
    from store.models import Page

    return session.get(Page, document.page_id).page_index


def accept_as_read(db_url: str, field_id: int, actor: str, seen: str) -> AuditEntry:
    """The clerk checked the scan: what OCR read is right (the version the clerk saw, as for a correction)."""
    with session_scope(db_url) as session:
        field, document, packet = _field_for_change(session, field_id, seen, actor)
        if field.value is None:
            raise BadInputError("此字段未能读出，无法按原值确认：请输入值，或标记为不在页面上")
        entry = _change_field(session, field, document, packet, field.value, "accepted", "与原件核对无误", actor)
    return redecide_and_audit(db_url, entry)


def mark_absent(db_url: str, field_id: int, actor: str, seen: str) -> AuditEntry:
    """The clerk looked: the value is not on the page. Settled as absent (no value), audited."""
    with session_scope(db_url) as session:
        field, document, packet = _field_for_change(session, field_id, seen, actor)
        entry = _change_field(session, field, document, packet, None, "absent", "不在页面上", actor)
    return redecide_and_audit(db_url, entry)


def add_field(db_url: str, document_id: int, name: str, typed: str, box: str, actor: str) -> AuditEntry:
    """A value the machine never found on the page, where the clerk drew it: a new field of the document."""
    drawn = parse_box(box)
    if drawn is None:
        raise BadInputError("请先在页面上框选此值的位置")
    with session_scope(db_url) as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"document {document_id} does not exist")
        repository.lock_packet(session, document.packet_id)
        if name not in addable_fields(document.doc_type):
            raise BadInputError("请选择要录入的字段")
        if repository.document_field(session, document.id, name) is not None:
            raise BadInputError(f"此单据已有“{labels.field(name)}”：请在该字段上更正")
        packet = session.get(Packet, document.packet_id)
        new_value = normalise(field_kind(document.doc_type, name, False), typed)
        field = ExtractedField(document_id=document.id, name=name, value=None, confidence=0.0,
                               page=_page_index(session, document), box=drawn, source=CLERK_SOURCE)
        session.add(field)
        session.flush()
        entry = _change_field(session, field, document, packet, new_value, "entered", "按原件录入（原未识别）", actor)
    return redecide_and_audit(db_url, entry)


def addable_fields(doc_type: str) -> list[str]:
    """The fields a clerk may enter on a document of this type: those its layout prints."""
    try:
        return [spec.name for spec in load_spec(doc_type).fields]
    except FileNotFoundError:
        return []


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


def _change_field(session: Session, field: ExtractedField, document: Document, packet: Packet,
                  new_value: str | None, kind: str, reason: str, actor: str) -> AuditEntry:
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


def redecide_and_audit(db_url: str, cause: AuditEntry) -> AuditEntry:
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
    """Mark again what waits for a person, from the checks on the corrected documents.

    A value a clerk typed, confirmed or found absent is not sent back; the OCR values that a
    still-failing check involves are, and a check that fails with all its fields settled waits itself.
    """
    documents = repository.load_documents(session, packet_id)
    for document, row in zip(documents, repository.document_rows(session, packet_id), strict=True):
        document.checks.clear()
        checks.check_document(document)
        row.checks = repository.checks_as_stored(document)
        flagged = set(document.needs_review)
        for field in repository.fields_of_document(session, row.id):
            named = field_key(field.name, field.item_index) in flagged or (
                field.item_index is not None and field.name == "amount" and "items" in flagged)
            field.needs_review = field.source != CLERK_SOURCE and (named or field.value is None)


@dataclass(frozen=True)
class WaitingCheck:
    """A failing check that is a queue item: its document, the numbers that disagree, its standing."""

    document: Document
    packet: Packet
    check: dict
    sides: list
    review: CheckReview | None


def waiting_check(session: Session, document_id: int, check: str) -> WaitingCheck:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} does not exist")
    found = next((c for c in document.checks or [] if c["check"] == check), None)
    if found is None:
        raise NotFoundError(f"document {document_id} has no check {check}")
    loaded = next(d for d, row in zip(repository.load_documents(session, document.packet_id),
                                      repository.document_rows(session, document.packet_id), strict=True)
                  if row.id == document_id)
    checks.check_document(loaded)
    review = repository.check_reviews_of(session, [document_id]).get((document_id, check))
    return WaitingCheck(document, session.get(Packet, document.packet_id), found,
                        checks.check_sides(loaded, check), review)


def settle_check(db_url: str, document_id: int, check: str, side: str, actor: str, role: str) -> AuditEntry:
    """The clerk says which of the numbers that disagree is right (`side`: its index, or "as_printed" for
    a check without sides). Where the other side is one field, that field takes the right number (a
    correction); otherwise the check is settled as printed. Then the claim is decided again."""
    with session_scope(db_url) as session:
        waiting = _check_for_change(session, document_id, check, role)
        document, packet, sides = waiting.document, waiting.packet, waiting.sides
        if side == "as_printed" and not sides:
            chosen = None
        elif side.isdigit() and int(side) < len(sides):
            chosen = sides[int(side)]
        else:
            raise BadInputError("请选择以哪一方为准")
        other = next((s for s in sides if s is not chosen), None) if chosen else None
        if other is not None and check in checks.EQUALITIES and len(other.fields) == 1 \
                and not other.fields[0].startswith("items["):
            target = repository.document_field(session, document.id, other.fields[0])
            entry = _change_field(session, target, document, packet, f"{chosen.amount:.2f}", "correction",
                                  f"校验：以“{chosen.label}”为准", actor)
        else:
            status, payable = effective_status(packet, repository.current_decision(session, packet.id))
            what = f"{chosen.label} {chosen.amount:.2f}" if chosen else "按原件如此"
            repository.add_check_review(session, document_id=document.id, check=check, state="settled",
                                        side=what, actor=actor)
            entry = repository.add_audit_entry(
                session, packet_id=packet.id, claim_id=packet.claim_id, kind="check_settled", actor=actor,
                field_label=f"{document.doc_type}.check.{check}", new_value=what, reason=f"以“{what}”为准",
                status_before=status, payable_before=payable)
        log.info("check %s of document %s: settled by user %s (audit %s)", check, document.id, actor, entry.id)
    return redecide_and_audit(db_url, entry)


def refer_check(db_url: str, document_id: int, check: str, reason: str, actor: str, role: str) -> AuditEntry:
    """The clerk cannot say which number is right: a supervisor must (the check leaves clerks' queues)."""
    with session_scope(db_url) as session:
        waiting = _check_for_change(session, document_id, check, role)
        if waiting.review is not None and waiting.review.state == "referred":
            raise ConflictError("此校验已转交主管")
        document, packet = waiting.document, waiting.packet
        note = reason.strip() or "理赔员无法判断，请主管定夺"
        repository.add_check_review(session, document_id=document.id, check=check, state="referred", actor=actor,
                                    reason=note)
        status, payable = effective_status(packet, repository.current_decision(session, packet.id))
        entry = repository.add_audit_entry(
            session, packet_id=packet.id, claim_id=packet.claim_id, kind="check_referred", actor=actor,
            field_label=f"{document.doc_type}.check.{check}", reason=note, status_before=status,
            payable_before=payable)
        log.info("check %s of document %s: referred by user %s (audit %s)", check, document.id, actor, entry.id)
        return entry


def _check_for_change(session: Session, document_id: int, check: str, role: str) -> WaitingCheck:
    packet_id = session.exec(select(Document.packet_id).where(Document.id == document_id)).first()
    if packet_id is None:
        raise NotFoundError(f"document {document_id} does not exist")
    repository.lock_packet(session, packet_id)
    waiting = waiting_check(session, document_id, check)
    if not waiting.check.get("waits"):
        raise ConflictError("此校验已不再待处理（已由他人处理或字段已更正）：页面已重新载入")
    if waiting.review is not None and waiting.review.state == "referred" and role != "supervisor":
        raise ForbiddenError("此校验已转交主管：只有主管可以处理")
    return waiting


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
