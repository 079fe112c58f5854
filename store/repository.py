"""Reading and writing the intake's records; the only code that knows the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text, update
from sqlmodel import Session, delete, select

from adjudicator.policy_year import policy_year_start
from extractors.model import Document as ExtractedDocument
from store.models import (
    CheckReview, Decision, Document, DocumentRequest, ExtractedField, LedgerEntry, Member, Original, OriginalsReturn,
    Packet, Page, Upload, utcnow,
)


def lock_packet(session: Session, packet_id: int) -> None:
    """Hold the packet's row until the transaction ends, so changes to one packet's fields and decisions
    take turns, across processes and machines. Call it first: a no-op UPDATE takes the row lock on
    PostgreSQL and the write lock on SQLite (where a SELECT would take none), and what is read after
    it is what the previous holder committed."""
    session.exec(update(Packet).where(Packet.id == packet_id).values(updated_at=Packet.updated_at))


def packet_by_hash(session: Session, content_hash: str) -> Packet | None:
    return session.exec(select(Packet).where(Packet.content_hash == content_hash)).first()


def claim_id_for(packet: Packet) -> str:
    """Claim numbers follow the packets' ids: unique however many processes register at once."""
    return f"C{packet.received_date.year}-{packet.id:06d}"


def take_decision_turn(session: Session) -> None:
    """A decision reads the member's ledger and adds to it: one decision at a time across processes,
    until the transaction ends (PostgreSQL: an advisory lock; SQLite: its one write lock, taken by an
    empty write before anything is read)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(7185302)"))
    else:
        session.exec(text("UPDATE packet SET id = id WHERE 0 = 1"))


def current_decision(session: Session, packet_id: int) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.packet_id == packet_id, Decision.current == True)  # noqa: E712
    ).first()


def current_decision_of_claim(session: Session, claim_id: str) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.claim_id == claim_id, Decision.current == True)  # noqa: E712
    ).first()


def save_documents(session: Session, packet_id: int, page: Page, documents: list[ExtractedDocument]) -> None:
    for extracted in documents:
        row = Document(packet_id=packet_id, page_id=page.id, doc_type=extracted.doc_type,
                       doc_type_confidence=extracted.doc_type_confidence,
                       checks=checks_as_stored(extracted), marks=sorted(extracted.marks))
        session.add(row)
        session.flush()
        for name, field in extracted.fields.items():
            session.add(_field_row(row.id, name, None, field, name in extracted.needs_review))
        for name in extracted.unread:
            session.add(unread_field(row.id, extracted.doc_type, page, name))
        for index, item in enumerate(extracted.items):
            for name, field in item.items():
                session.add(_field_row(row.id, name, index, field, f"items[{index}].{name}" in extracted.needs_review))


def checks_as_stored(document: ExtractedDocument) -> list[dict]:
    """The document's checks; `waits` marks a failing one that is itself a queue item (pipeline.checks)."""
    from pipeline.checks import CHECK_PREFIX

    return [{**check.to_json(), "waits": CHECK_PREFIX + check.check in document.needs_review}
            for check in document.checks]


def unread_field(document_id: int, doc_type: str, page: Page, name: str) -> ExtractedField:
    """A field whose label is printed but whose value was not read: a queue item placed at its label."""
    return ExtractedField(document_id=document_id, name=name, value=None, confidence=0.0, page=page.page_index,
                          box=_label_box(doc_type, page, name), needs_review=True)


def _label_box(doc_type: str, page: Page, name: str) -> list | None:
    from extractors.model import OcrPage
    from extractors.spec import load_spec
    from pipeline.ocr import TextLine

    try:
        spec = load_spec(doc_type)
    except FileNotFoundError:
        return None
    lines = tuple(TextLine.from_json(line) for line in page.ocr_lines or [])
    box = spec.label_box(OcrPage("", page.page_index, page.rotation, lines), name)
    return list(box) if box else None


def _field_row(document_id: int, name: str, item_index: int | None, field, needs_review: bool) -> ExtractedField:
    value = field.value
    value_type = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"
    return ExtractedField(
        document_id=document_id, name=name, item_index=item_index,
        value=None if value is None else str(value), value_type=value_type,
        confidence=float(field.confidence), page=field.page,
        box=list(field.box) if field.box else None, source=field.source, needs_review=needs_review,
    )


def load_documents(session: Session, packet_id: int) -> list[ExtractedDocument]:
    """The packet's documents as the extractors gave them, with every correction since."""
    from extractors.model import Field as ReadField

    rows = session.exec(select(Document, Page).join(Page, Page.id == Document.page_id)
                        .where(Document.packet_id == packet_id).order_by(Document.id)).all()
    documents = []
    for row, page in rows:
        original = session.get(Original, page.original_id)
        document = ExtractedDocument(source=original.file_name, page=page.page_index, doc_type=row.doc_type,
                                     doc_type_confidence=row.doc_type_confidence, rotation=page.rotation,
                                     marks=set(row.marks or []))
        items: dict[int, dict] = {}
        document.settled_checks = settled_checks(session, row.id)
        for field in session.exec(select(ExtractedField).where(ExtractedField.document_id == row.id)
                                  .order_by(ExtractedField.id)).all():
            if field.value is None:
                if field.source != "clerk":  # a clerk's "not on the page" settles it: absent, not unread
                    document.unread.append(field.name)
                continue
            read = ReadField(_typed(field.value, field.value_type), field.confidence, field.page,
                             tuple(field.box) if field.box else None, field.source)
            if field.item_index is None:
                document.fields[field.name] = read
            else:
                items.setdefault(field.item_index, {})[field.name] = read
        document.items = [items[index] for index in sorted(items)]
        documents.append(document)
    return documents


def _typed(value: str, value_type: str):
    if value_type == "bool":
        return value == "True"
    if value_type == "int":
        return int(value)
    return value


@dataclass(frozen=True)
class RosterImport:
    added: int
    updated: int
    blacklist_changes: list[tuple[str, date]]  # (member, policy year) the roster put on or lifted off the blacklist


ROSTER = "roster"  # the actor of blacklist changes the insurer's roster file made


def import_roster(session: Session, rows, today: date | None = None) -> RosterImport:
    """Members from the insurer's roster. Bank details read off bank books stay.

    A row's 黑名单 flag puts the member on the moral-hazard blacklist (M4.2.26) for the policy year
    running on `today` (by default the import's day), counted from the row's policy-year start
    (any year's, however old) or the plan's default start. A later roster
    without the flag lifts what a roster put there, never what a supervisor did."""
    from pipeline.claim import member_id_for

    added = updated = 0
    changes = []
    for row in rows:
        member = session.exec(select(Member).where(Member.id_number == row.id_number)).first()
        if member is None:
            member = Member(member_id=member_id_for(row.id_number), name=row.name, id_number=row.id_number)
            added += 1
        else:
            updated += 1
        member.name, member.on_roster, member.employer = row.name, True, row.employer
        member.policy_year_start = row.policy_year_start
        member.union_inpatient_plan, member.other_insurer = row.union_inpatient_plan, row.other_insurer
        member.blacklisted = row.blacklisted
        session.add(member)
        session.flush()
        # The roster's anchor is any policy year's start, however old: the flag is for the year running now.
        year = policy_year_start(row.policy_year_start, today or date.today())
        if _roster_blacklisting(session, member.member_id, year, row.blacklisted):
            changes.append((member.member_id, year))
    session.flush()
    return RosterImport(added, updated, changes)


def _roster_blacklisting(session: Session, member_id: str, year: date, flagged: bool) -> bool:
    """Follow the roster's flag for the year; True when that changed the blacklist."""
    latest = blacklist_standing(session, member_id, year)
    listed = latest is not None and latest.action == "blacklisted"
    if flagged and not listed:
        add_blacklisting(session, member_id, year, "blacklisted", "保险公司花名册标记为黑名单", ROSTER)
        return True
    if not flagged and listed and latest.actor == ROSTER:
        add_blacklisting(session, member_id, year, "lifted", "保险公司花名册不再标记为黑名单", ROSTER)
        return True
    return False


def roster_in_use(session: Session) -> bool:
    return session.exec(select(Member.member_id).where(Member.on_roster == True)).first() is not None  # noqa: E712


def member_by_id_number(session: Session, id_number: str) -> Member | None:
    return session.exec(select(Member).where(Member.id_number == id_number.upper())).first()


def upsert_member(session: Session, member_id: str, name: str, id_number: str,
                  bank_name: str | None, bank_account: str | None) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        member = Member(member_id=member_id, name=name, id_number=id_number)
        session.add(member)
    if bank_account:
        member.bank_name, member.bank_account = bank_name, bank_account
    session.flush()
    return member


def ledger_for(session: Session, member_id: str, year_start: date, before_packet: int | None = None) -> dict:
    """The member's policy year as the adjudication API's `ledger`: all of it, or as it stood
    when a packet arrived.

    Only claims that came in earlier count for a packet: deciding an earlier claim again must not
    see the later ones (those are decided again after it, see flows.decisions.redecide)."""
    query = (
        select(LedgerEntry).join(Decision, Decision.id == LedgerEntry.decision_id)
        .where(LedgerEntry.member_id == member_id, LedgerEntry.current == True)  # noqa: E712
    )
    if before_packet is not None:
        query = query.where(Decision.packet_id < before_packet)
    totals = {"outpatient_eligible_ytd": Decimal("0"), "outpatient_paid_ytd": Decimal("0"),
              "inpatient_paid_ytd": Decimal("0")}
    sessions, invoices = 0, set()
    for entry in session.exec(query).all():
        invoices.update(entry.invoices)  # a receipt is paid once, ever: every year counts here
        if entry.year_start != year_start:
            continue
        totals["outpatient_eligible_ytd"] += Decimal(entry.outpatient_eligible)
        totals["outpatient_paid_ytd"] += Decimal(entry.outpatient_paid)
        totals["inpatient_paid_ytd"] += Decimal(entry.inpatient_paid)
        sessions += entry.hyperbaric_sessions
    ledger = {key: f"{value:.2f}" for key, value in totals.items()}
    ledger["hyperbaric_sessions_ytd"] = sessions
    ledger["claimed_invoices"] = sorted(invoices)
    return ledger


def later_packets_of_member(session: Session, member_id: str, after_packet: int) -> list[int]:
    """Packets of the member decided after this one: their ledgers start from it."""
    query = (select(Decision.packet_id).join(LedgerEntry, LedgerEntry.decision_id == Decision.id)
             .where(LedgerEntry.member_id == member_id, LedgerEntry.current == True,  # noqa: E712
                    Decision.packet_id > after_packet).order_by(Decision.packet_id))
    return list(dict.fromkeys(session.exec(query).all()))


def invoices_claimed_by_others(session: Session, member_id: str, keys: list[str]) -> list[str]:
    """Which of these receipts another member has already been paid for."""
    query = select(LedgerEntry.invoices).where(LedgerEntry.member_id != member_id,
                                               LedgerEntry.current == True)  # noqa: E712
    claimed = {key for invoices in session.exec(query).all() for key in invoices}
    return sorted(set(keys) & claimed)


def save_decision(session: Session, packet: Packet, claim: dict, decision: dict, year_start: date | None) -> Decision:
    """Store a decision as the packet's current one, superseding (not deleting) any earlier one."""
    for earlier in session.exec(select(Decision).where(Decision.packet_id == packet.id,
                                                       Decision.current == True)).all():  # noqa: E712
        earlier.current = False
        for entry in session.exec(select(LedgerEntry).where(LedgerEntry.decision_id == earlier.id)).all():
            entry.current = False
    row = Decision(packet_id=packet.id, claim_id=packet.claim_id, status=decision["status"],
                   payable=decision["payable"], claim=claim, decision=decision)
    session.add(row)
    session.flush()
    if packet.member_id and year_start is not None:
        # A claim whose visits reach a later policy year adds to each year's ledger what it added there;
        # `ledger_after` is the first year's (a supervisor's override changes that one).
        years = {**decision.get("ledgers_after", {}), year_start.isoformat(): decision.get("ledger_after", {})}
        for year, after in years.items():
            before = claim.get("ledger", {}) if year == year_start.isoformat() else claim.get("ledgers", {}).get(year, {})
            session.add(_ledger_entry(row, packet.member_id, date.fromisoformat(year), before, after))
    packet.status = "decided"
    packet.updated_at = utcnow()
    return row


def _ledger_entry(decision: Decision, member_id: str, year_start: date, before: dict, after: dict) -> LedgerEntry:
    def grew(key: str) -> str:
        return f"{Decimal(after.get(key, '0')) - Decimal(before.get(key, '0')):.2f}"

    new_invoices = sorted(set(after.get("claimed_invoices", [])) - set(before.get("claimed_invoices", [])))
    return LedgerEntry(
        decision_id=decision.id, member_id=member_id, year_start=year_start,
        outpatient_eligible=grew("outpatient_eligible_ytd"), outpatient_paid=grew("outpatient_paid_ytd"),
        inpatient_paid=grew("inpatient_paid_ytd"),
        hyperbaric_sessions=int(after.get("hyperbaric_sessions_ytd", 0)) - int(before.get("hyperbaric_sessions_ytd", 0)),
        invoices=new_invoices,
    )


def clear_readings(session: Session, packet_id: int) -> None:
    """Forget the pages and documents of an intake that stopped half-way, before reading again."""
    documents = select(Document.id).where(Document.packet_id == packet_id)
    # Statements in dependency order: the tables declare foreign keys but no ORM relationships.
    session.exec(delete(ExtractedField).where(ExtractedField.document_id.in_(documents)))
    session.exec(delete(CheckReview).where(CheckReview.document_id.in_(documents)))
    session.exec(delete(Document).where(Document.packet_id == packet_id))
    session.exec(delete(Page).where(Page.packet_id == packet_id))
    session.flush()


def originals_of(session: Session, packet_id: int) -> list[Original]:
    return list(session.exec(select(Original).where(Original.packet_id == packet_id)).all())


def pages_of(session: Session, packet_id: int) -> list[Page]:
    return list(session.exec(select(Page).where(Page.packet_id == packet_id).order_by(Page.id)).all())


def review_fields(session: Session, packet_id: int) -> list[str]:
    query = (select(ExtractedField, Document.doc_type)
             .join(Document, Document.id == ExtractedField.document_id)
             .where(Document.packet_id == packet_id, ExtractedField.needs_review == True))  # noqa: E712
    return [f"{doc_type}.{f.name}" if f.item_index is None else f"{doc_type}.items[{f.item_index}].{f.name}"
            for f, doc_type in session.exec(query).all()]


# --- the clerks' review app (review/) ------------------------------------------

from datetime import datetime  # noqa: E402  (kept beside the review app's queries that use them)

from sqlalchemy import func  # noqa: E402

from store.models import AuditEntry, LoginAttempt, ReviewSession, ReviewUser  # noqa: E402


def fields_under_review(session: Session) -> list[tuple[ExtractedField, Document, Packet]]:
    query = (select(ExtractedField, Document, Packet)
             .join(Document, Document.id == ExtractedField.document_id)
             .join(Packet, Packet.id == Document.packet_id)
             .where(ExtractedField.needs_review == True)  # noqa: E712
             .order_by(Packet.created_at, Packet.id, Document.id, ExtractedField.id))
    return list(session.exec(query).all())


def field_in_context(session: Session, field_id: int) -> tuple[ExtractedField, Document, Page, Original, Packet] | None:
    """A field with the document, page, original file and packet it was read from."""
    query = (select(ExtractedField, Document, Page, Original, Packet)
             .join(Document, Document.id == ExtractedField.document_id)
             .join(Page, Page.id == Document.page_id)
             .join(Original, Original.id == Page.original_id)
             .join(Packet, Packet.id == Document.packet_id)
             .where(ExtractedField.id == field_id))
    return session.exec(query).first()


def document_rows(session: Session, packet_id: int) -> list[Document]:
    """The packet's documents in the order `load_documents` gives them."""
    return list(session.exec(select(Document).where(Document.packet_id == packet_id).order_by(Document.id)).all())


def fields_of_document(session: Session, document_id: int) -> list[ExtractedField]:
    return list(session.exec(select(ExtractedField).where(ExtractedField.document_id == document_id)
                             .order_by(ExtractedField.id)).all())


def packets_newest_first(session: Session, since: datetime | None = None) -> list[Packet]:
    query = select(Packet).order_by(Packet.created_at.desc(), Packet.id.desc())
    if since is not None:
        query = query.where(Packet.created_at >= since)
    return list(session.exec(query).all())


def decision_history(session: Session, packet_id: int) -> list[Decision]:
    return list(session.exec(select(Decision).where(Decision.packet_id == packet_id)
                             .order_by(Decision.id.desc())).all())


def ledger_entries_for_year(session: Session, member_id: str, year_start: date) -> list[tuple[LedgerEntry, Decision]]:
    """What each of the member's current decisions added to that policy year."""
    query = (select(LedgerEntry, Decision).join(Decision, Decision.id == LedgerEntry.decision_id)
             .where(LedgerEntry.member_id == member_id, LedgerEntry.year_start == year_start,
                    LedgerEntry.current == True)  # noqa: E712
             .order_by(Decision.created_at))
    return list(session.exec(query).all())


def confidence_by_field(session: Session) -> list[tuple[str, str, float, float, int]]:
    """(doc_type, field name, mean confidence, lowest confidence, count) of what OCR read."""
    query = (select(Document.doc_type, ExtractedField.name, func.avg(ExtractedField.confidence),
                    func.min(ExtractedField.confidence), func.count(ExtractedField.id))
             .join(Document, Document.id == ExtractedField.document_id)
             .where(ExtractedField.source == "ocr", ExtractedField.value != None)  # noqa: E711
             .group_by(Document.doc_type, ExtractedField.name)
             .order_by(Document.doc_type, ExtractedField.name))
    return [(doc_type, name, float(mean), float(low), int(count))
            for doc_type, name, mean, low, count in session.exec(query).all()]


def add_review_user(session: Session, username: str, password_hash: str, role: str) -> ReviewUser:
    user = ReviewUser(username=username, password_hash=password_hash, role=role)
    session.add(user)
    session.flush()
    return user


def review_user_by_name(session: Session, username: str) -> ReviewUser | None:
    return session.exec(select(ReviewUser).where(ReviewUser.username == username)).first()


def add_review_session(session: Session, token_hash: str, user_id: int, csrf_token: str) -> ReviewSession:
    row = ReviewSession(token_hash=token_hash, user_id=user_id, csrf_token=csrf_token)
    session.add(row)
    session.flush()
    return row


def review_session_by_token_hash(session: Session, token_hash: str) -> tuple[ReviewSession, ReviewUser] | None:
    query = (select(ReviewSession, ReviewUser).join(ReviewUser, ReviewUser.id == ReviewSession.user_id)
             .where(ReviewSession.token_hash == token_hash))
    return session.exec(query).first()


def end_review_session(session: Session, token_hash: str) -> None:
    for row in session.exec(select(ReviewSession).where(ReviewSession.token_hash == token_hash)).all():
        session.delete(row)


def add_login_attempt(session: Session, username_hash: str, user_id: int | None, outcome: str) -> LoginAttempt:
    attempt = LoginAttempt(username_hash=username_hash, user_id=user_id, outcome=outcome)
    session.add(attempt)
    session.flush()
    return attempt


def login_attempts_since(session: Session, username_hash: str, since: datetime) -> list[LoginAttempt]:
    """The attempts to log in with one name (by its keyed hash), oldest first."""
    return list(session.exec(select(LoginAttempt).where(LoginAttempt.username_hash == username_hash,
                                                        LoginAttempt.at >= since)
                             .order_by(LoginAttempt.at, LoginAttempt.id)).all())


def add_audit_entry(session: Session, **values) -> AuditEntry:
    entry = AuditEntry(**values)
    session.add(entry)
    session.flush()
    return entry


def audit_trail(session: Session, packet_id: int) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.packet_id == packet_id)
                             .order_by(AuditEntry.id)).all())


def last_change_of_field(session: Session, field_id: int) -> AuditEntry | None:
    """The latest correction or confirmation of a field: its version, as a clerk saw it."""
    return session.exec(select(AuditEntry).where(AuditEntry.field_id == field_id)
                        .order_by(AuditEntry.id.desc())).first()


def item_name(session: Session, field: ExtractedField) -> str | None:
    """The name printed on an item field's row (a drug, an exam), for a person to know which row it is."""
    if field.item_index is None:
        return None
    return session.exec(select(ExtractedField.value).where(ExtractedField.document_id == field.document_id,
                                                          ExtractedField.item_index == field.item_index,
                                                          ExtractedField.name == "name")).first()


def document_field(session: Session, document_id: int, name: str) -> ExtractedField | None:
    """A document-level field of that name, read or not."""
    return session.exec(select(ExtractedField).where(ExtractedField.document_id == document_id,
                                                     ExtractedField.name == name,
                                                     ExtractedField.item_index == None)).first()  # noqa: E711


def packet_of_field(session: Session, field_id: int) -> int | None:
    return session.exec(select(Document.packet_id).join(ExtractedField, ExtractedField.document_id == Document.id)
                        .where(ExtractedField.id == field_id)).first()


def audit_entry_caused_by(session: Session, entry_id: int) -> AuditEntry | None:
    return session.exec(select(AuditEntry).where(AuditEntry.caused_by == entry_id)).first()


def check_reviews_of(session: Session, document_ids) -> dict[tuple[int, str], CheckReview]:
    """The standing of each reviewed check of these documents: its latest review."""
    latest: dict[tuple[int, str], CheckReview] = {}
    for row in session.exec(select(CheckReview).where(CheckReview.document_id.in_(list(document_ids)))
                            .order_by(CheckReview.id)).all():
        latest[(row.document_id, row.check)] = row
    return latest


def settled_checks(session: Session, document_id: int) -> set[str]:
    return {check for (_, check), row in check_reviews_of(session, [document_id]).items() if row.state == "settled"}


def add_check_review(session: Session, **values) -> CheckReview:
    row = CheckReview(**values)
    session.add(row)
    session.flush()
    return row


def packets_waiting(session: Session) -> list[Packet]:
    """Packets that wait for a person, oldest first."""
    return list(session.exec(select(Packet).where(Packet.status == "needs_review")
                             .order_by(Packet.created_at, Packet.id)).all())


def checks_waiting(session: Session, packet_ids: list[int]) -> list[tuple[Document, dict]]:
    """The failing checks of these packets' documents that are queue items themselves (`waits`)."""
    if not packet_ids:
        return []
    documents = session.exec(select(Document).where(Document.packet_id.in_(packet_ids))
                             .order_by(Document.id)).all()
    return [(document, check) for document in documents for check in document.checks or [] if check.get("waits")]


# --- abuse signals and the blacklist (flows/signals.py, flows/blacklist.py) ------------

from collections import defaultdict  # noqa: E402  (kept beside the signal queries that use it)

from store.models import Blacklisting, Payment, RaisedSignal  # noqa: E402

WAITING_STATUSES = ("received", "needs_review")  # no final decision yet: a receipt here may still be paid


def _document_values(session: Session, documents) -> list[tuple[Packet, Document, dict]]:
    """The documents a query selects, each with its packet and its document-level values by field name."""
    rows = session.exec(select(Document, Packet).join(Packet, Packet.id == Document.packet_id)
                        .where(Document.id.in_(documents)).order_by(Document.id)).all()
    values: dict[int, dict] = defaultdict(dict)
    for field in session.exec(select(ExtractedField).where(ExtractedField.document_id.in_(documents),
                                                           ExtractedField.item_index == None)).all():  # noqa: E711
        values[field.document_id][field.name] = field.value
    return [(packet, document, values[document.id]) for document, packet in rows]


def receipts_numbered(session: Session, numbers: list[str], except_packet: int) -> list[tuple[Packet, Document, dict]]:
    """Receipts of other packets that bear one of these numbers (any member, any year)."""
    if not numbers:
        return []
    documents = (select(Document.id).join(ExtractedField, ExtractedField.document_id == Document.id)
                 .where(Document.doc_type == "receipt", Document.packet_id != except_packet,
                        ExtractedField.name == "invoice_number", ExtractedField.value.in_(numbers)))
    return _document_values(session, documents)


def hospital_names_on_receipts(session: Session) -> list[str]:
    """Every hospital name as read off a receipt (names vary: the caller matches them)."""
    query = (select(ExtractedField.value).join(Document, Document.id == ExtractedField.document_id)
             .where(Document.doc_type == "receipt", ExtractedField.name == "hospital",
                    ExtractedField.value != None).distinct())  # noqa: E711
    return list(session.exec(query).all())


def receipts_of_hospitals(session: Session, printed_names: list[str], except_packet: int) -> list[tuple[Packet, Document, dict]]:
    """Receipts of other packets printed by these hospitals (under these names)."""
    if not printed_names:
        return []
    documents = (select(Document.id).join(ExtractedField, ExtractedField.document_id == Document.id)
                 .where(Document.doc_type == "receipt", Document.packet_id != except_packet,
                        ExtractedField.name == "hospital", ExtractedField.value.in_(printed_names)))
    return _document_values(session, documents)


def member_documents(session: Session, member_id: str, doc_types: tuple[str, ...]) -> list[tuple[Packet, Document, dict]]:
    """The member's documents of these types, in all their packets."""
    documents = (select(Document.id).join(Packet, Packet.id == Document.packet_id)
                 .where(Packet.member_id == member_id, Document.doc_type.in_(doc_types)))
    return _document_values(session, documents)


def members_of_packets(session: Session, packet_ids: set[int]) -> dict[int, str | None]:
    """Whose each packet is: its member, or (while it is held) the member its ID copy names."""
    from pipeline.claim import member_id_for

    if not packet_ids:
        return {}
    found = {packet.id: packet.member_id for packet in session.exec(select(Packet).where(Packet.id.in_(packet_ids))).all()}
    unknown = [packet_id for packet_id, member in found.items() if member is None]
    if unknown:
        query = (select(Document.packet_id, ExtractedField.value)
                 .join(ExtractedField, ExtractedField.document_id == Document.id)
                 .where(Document.packet_id.in_(unknown), Document.doc_type == "id_copy",
                        ExtractedField.name == "id_number", ExtractedField.value != None))  # noqa: E711
        for packet_id, id_number in session.exec(query).all():
            found[packet_id] = found[packet_id] or member_id_for(id_number)
    return found


def receipt_standing(session: Session, packet: Packet, key: str) -> str:
    """counted: the packet's decision put the receipt in the member's ledger; waiting: no final
    decision yet; not_counted: decided without paying it (documents missing, rejected, expired)."""
    if packet.status in WAITING_STATUSES:
        return "waiting"
    decision = current_decision(session, packet.id)
    entry = decision and session.exec(select(LedgerEntry).where(LedgerEntry.decision_id == decision.id)).first()
    return "counted" if entry is not None and key in (entry.invoices or []) else "not_counted"


def member_year_totals(session: Session, year_start: date | None = None) -> dict[date, list[tuple[str, int, Decimal, int]]]:
    """Per policy year, each member's final decisions: (member, claims, paid, latest packet)."""
    query = (select(LedgerEntry.year_start, LedgerEntry.member_id, LedgerEntry.outpatient_paid,
                    LedgerEntry.inpatient_paid, Decision.packet_id)
             .join(Decision, Decision.id == LedgerEntry.decision_id)
             .where(LedgerEntry.current == True))  # noqa: E712
    if year_start is not None:
        query = query.where(LedgerEntry.year_start == year_start)
    totals: dict[date, dict[str, list]] = defaultdict(dict)
    for year, member_id, outpatient, inpatient, packet_id in session.exec(query).all():
        row = totals[year].setdefault(member_id, [member_id, 0, Decimal("0.00"), packet_id])
        row[1] += 1
        row[2] += Decimal(outpatient) + Decimal(inpatient)
        row[3] = max(row[3], packet_id)
    return {year: [tuple(row) for row in members.values()] for year, members in totals.items()}


def signal_by_fingerprint(session: Session, fingerprint: str) -> RaisedSignal | None:
    return session.exec(select(RaisedSignal).where(RaisedSignal.fingerprint == fingerprint)).first()


def open_signals_of_packet(session: Session, packet_id: int) -> list[RaisedSignal]:
    return list(session.exec(select(RaisedSignal).where(RaisedSignal.packet_id == packet_id,
                                                        RaisedSignal.status == "open")).all())


def signals_of_packet(session: Session, packet_id: int) -> list[RaisedSignal]:
    """A claim's signals, and the member-wide ones raised on the member's other claims."""
    packet = session.get(Packet, packet_id)
    query = select(RaisedSignal).where(RaisedSignal.packet_id == packet_id)
    if packet is not None and packet.member_id:
        query = select(RaisedSignal).where((RaisedSignal.packet_id == packet_id) | (
            (RaisedSignal.member_id == packet.member_id) & RaisedSignal.fingerprint.like("%|member %")))
    return list(session.exec(query.order_by(RaisedSignal.id)).all())


def signals_listed(session: Session, status: str | None = None, rule: str | None = None) -> list[RaisedSignal]:
    """Signals for the supervisors' list: the most severe and oldest first is the caller's order."""
    query = select(RaisedSignal)
    if status:
        query = query.where(RaisedSignal.status == status)
    if rule:
        query = query.where(RaisedSignal.rule == rule)
    return list(session.exec(query.order_by(RaisedSignal.created_at, RaisedSignal.id)).all())


def open_signal_counts(session: Session) -> dict[int, int]:
    """Open signals per packet, for the queue and the claims list."""
    query = (select(RaisedSignal.packet_id, func.count(RaisedSignal.id)).where(RaisedSignal.status == "open")
             .group_by(RaisedSignal.packet_id))
    return {packet_id: int(count) for packet_id, count in session.exec(query).all()}


def signal_counts_by_rule(session: Session, since: datetime) -> dict[str, dict[str, int]]:
    """Per rule: open now, raised since, dismissed since and escalated since (the nightly report)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "raised": 0, "dismissed": 0, "escalated": 0})
    by_rule = select(RaisedSignal.rule, func.count(RaisedSignal.id)).group_by(RaisedSignal.rule)
    for rule, count in session.exec(by_rule.where(RaisedSignal.status == "open")).all():
        counts[rule]["open"] = int(count)
    for rule, count in session.exec(by_rule.where(RaisedSignal.created_at >= since)).all():
        counts[rule]["raised"] = int(count)
    decided = (select(RaisedSignal.rule, RaisedSignal.status, func.count(RaisedSignal.id))
               .where(RaisedSignal.decided_at >= since, RaisedSignal.status.in_(("dismissed", "escalated")))
               .group_by(RaisedSignal.rule, RaisedSignal.status))
    for rule, status, count in session.exec(decided).all():
        counts[rule][status] = int(count)
    return {rule: counts[rule] for rule in sorted(counts)}


def add_blacklisting(session: Session, member_id: str, year_start: date, action: str, reason: str,
                     actor: str) -> Blacklisting:
    row = Blacklisting(member_id=member_id, year_start=year_start, action=action, reason=reason, actor=actor)
    session.add(row)
    session.flush()
    return row


def blacklist_standing(session: Session, member_id: str, year_start: date) -> Blacklisting | None:
    """The latest blacklist change of the member's policy year, or None when there never was one."""
    return session.exec(select(Blacklisting).where(Blacklisting.member_id == member_id,
                                                   Blacklisting.year_start == year_start)
                        .order_by(Blacklisting.id.desc())).first()


def on_blacklist(session: Session, member_id: str, year_start: date, claim_id: str | None = None) -> bool:
    """Whether M4.2.26 applies: the member is on the blacklist for the year and, for a claim, the
    claim was not paid before the member was put on it (what was paid stays paid)."""
    latest = blacklist_standing(session, member_id, year_start)
    if latest is None or latest.action != "blacklisted":
        return False
    return claim_id is None or paid_before(session, claim_id, latest.at) == 0


def paid_before(session: Session, claim_id: str, moment: datetime | None = None) -> Decimal:
    """What payment files had paid the claim by that moment (by default: so far)."""
    query = select(Payment.amount).where(Payment.claim_id == claim_id)
    if moment is not None:
        query = query.where(Payment.created_at < moment)
    return sum((Decimal(amount) for amount in session.exec(query).all()), Decimal("0.00"))


def blacklist_history(session: Session) -> list[Blacklisting]:
    return list(session.exec(select(Blacklisting).order_by(Blacklisting.id.desc())).all())


def decided_packets_of_member(session: Session, member_id: str) -> list[tuple[Packet, Decision]]:
    """The member's packets that have a decision (final or provisional), oldest first."""
    query = (select(Packet, Decision).join(Decision, Decision.packet_id == Packet.id)
             .where(Packet.member_id == member_id, Decision.current == True)  # noqa: E712
             .order_by(Packet.id))
    return list(session.exec(query).all())


# --- the mailroom desk (flows/desk.py) ----------------------------------------------


def originals_return(session: Session, packet_id: int) -> OriginalsReturn | None:
    return session.get(OriginalsReturn, packet_id)


def cover_sheet_asks_return(session: Session, packet_id: int) -> bool:
    """The packet's cover sheet has "请退回收据原件" ticked (M2.9)."""
    ticked = session.exec(select(ExtractedField.value).join(Document, Document.id == ExtractedField.document_id)
                          .where(Document.packet_id == packet_id, Document.doc_type == "cover_sheet",
                                 ExtractedField.name == "return_originals")).all()
    return "True" in ticked


def packets_with_cover_sheet_return(session: Session) -> list[int]:
    return list(session.exec(select(Document.packet_id).join(ExtractedField, ExtractedField.document_id == Document.id)
                             .where(Document.doc_type == "cover_sheet", ExtractedField.name == "return_originals",
                                    ExtractedField.value == "True")).all())


def originals_returns(session: Session) -> list[OriginalsReturn]:
    return list(session.exec(select(OriginalsReturn)).all())


def document_requests(session: Session, packet_id: int | None = None, status: str | None = None) -> list[DocumentRequest]:
    query = select(DocumentRequest).order_by(DocumentRequest.id)
    if packet_id is not None:
        query = query.where(DocumentRequest.packet_id == packet_id)
    if status is not None:
        query = query.where(DocumentRequest.status == status)
    return list(session.exec(query).all())


def uploads_of(session: Session, username: str) -> list[Upload]:
    return list(session.exec(select(Upload).where(Upload.uploaded_by == username).order_by(Upload.id.desc())).all())


def packets_named_from(session: Session, name: str) -> list[Packet]:
    """Packets whose name is `name` or starts with it (the packets a stack of that name was split into)."""
    return list(session.exec(select(Packet).where(Packet.name.startswith(name)).order_by(Packet.id)).all())
