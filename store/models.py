"""What the system keeps: packets and their originals, pages, documents, fields,
claims' decisions, members and the ledger entries that make up a member's year."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Member(SQLModel, table=True):
    member_id: str = Field(primary_key=True)
    name: str
    id_number: str = Field(index=True, unique=True)
    bank_name: Optional[str] = None
    bank_account: Optional[str] = None
    # From the insurer's roster (absent for members known only from their ID copy).
    on_roster: bool = False
    employer: Optional[str] = None
    policy_year_start: Optional[date] = None
    union_inpatient_plan: bool = False
    other_insurer: bool = False
    blacklisted: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Packet(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    content_hash: str = Field(index=True, unique=True)  # the files of the packet, as dropped
    claim_id: str = Field(index=True, unique=True)
    received_date: date
    status: str = "received"  # received → decided | needs_review | quarantined | error
    reason: Optional[str] = None
    member_id: Optional[str] = Field(default=None, foreign_key="member.member_id", index=True)
    ocr_engine: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Original(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("packet_id", "file_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    file_name: str
    sha256: str = Field(index=True)
    size: int
    archive_path: str


class Page(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    original_id: int = Field(foreign_key="original.id")
    page_index: int
    rotation: int
    skew: float
    image_path: str  # the upright page image that field boxes refer to
    ocr_lines: list = Field(default_factory=list, sa_column=Column(JSON))


class Document(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    page_id: int = Field(foreign_key="page.id")
    doc_type: str = Field(index=True)
    doc_type_confidence: float
    checks: list = Field(default_factory=list, sa_column=Column(JSON))
    marks: list = Field(default_factory=list, sa_column=Column(JSON))  # layout facts the checks use


class ExtractedField(SQLModel, table=True):
    __tablename__ = "field"
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    name: str
    item_index: Optional[int] = None  # row of the document's items, or None for a document field
    value: Optional[str] = None  # None: the label is printed but the value could not be read
    value_type: str = "str"  # str | bool | int: how to read `value` back
    confidence: float
    page: int
    box: Optional[list] = Field(default=None, sa_column=Column(JSON))
    source: str = "ocr"
    needs_review: bool = False


class Decision(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    claim_id: str = Field(index=True)
    status: str
    payable: str
    claim: dict = Field(sa_column=Column(JSON))
    decision: dict = Field(sa_column=Column(JSON))
    current: bool = True  # a re-adjudication supersedes, never deletes
    created_at: datetime = Field(default_factory=utcnow)


class LedgerEntry(SQLModel, table=True):
    """What one decided claim added to its member's policy year (the ledger is their sum); a claim
    whose visits reach two policy years (December and January) adds one entry to each."""

    __table_args__ = (UniqueConstraint("decision_id", "year_start", name="uq_ledgerentry_decision_id_year_start"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id")
    member_id: str = Field(foreign_key="member.member_id", index=True)
    year_start: date
    outpatient_eligible: str = "0.00"
    outpatient_paid: str = "0.00"
    inpatient_paid: str = "0.00"
    hyperbaric_sessions: int = 0
    invoices: list = Field(default_factory=list, sa_column=Column(JSON))
    current: bool = True


class Payment(SQLModel, table=True):
    """One line of a payment file: what a decision added to what the claim had been paid before.

    A claim is paid once: a re-adjudication pays only the difference, and a line is never
    written into two payment files (the unique decision id)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", unique=True)
    claim_id: str = Field(index=True)
    member_id: str = Field(foreign_key="member.member_id", index=True)
    bank_account: str
    amount: str
    payment_file: str
    created_at: datetime = Field(default_factory=utcnow)


# --- the clerks' review app (review/) ------------------------------------------


class ReviewUser(SQLModel, table=True):
    """A clerk or supervisor who may log in to the review app."""

    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True)
    password_hash: str  # scrypt$n$r$p$salt$hash, never the password
    role: str  # clerk | supervisor
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ReviewSession(SQLModel, table=True):
    """A logged-in browser; the cookie holds a token whose keyed hash is stored here."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="reviewuser.id", index=True)
    csrf_token: str
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One change a person (or the re-adjudication it caused) made to a claim; rows are only ever added
    (the migration gives the table triggers that refuse UPDATE and DELETE).

    kind: correction | accepted (value confirmed as read) | override (a supervisor's decision)
    | redecision (the re-adjudication a correction caused; `caused_by` names the correction).
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    claim_id: str = Field(index=True)
    kind: str
    actor: str  # the username, or "system" for a redecision
    at: datetime = Field(default_factory=utcnow)
    field_id: Optional[int] = Field(default=None, foreign_key="field.id")
    field_label: Optional[str] = None  # e.g. receipt.items[2].amount, as it was named when changed
    old_value: Optional[str] = None
    new_value: Optional[str] = None
    reason: Optional[str] = None
    status_before: Optional[str] = None
    payable_before: Optional[str] = None
    status_after: Optional[str] = None
    payable_after: Optional[str] = None
    caused_by: Optional[int] = Field(default=None, foreign_key="auditentry.id")


class LoginAttempt(SQLModel, table=True):
    """One try to log in to the review app: what the password-guessing lockout counts, and its trail.

    The name typed is kept only as a keyed hash (a password typed into the name box never lands here);
    `user_id` says which account it named, if any. outcome: ok | wrong_password | locked (refused unchecked).
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    username_hash: str = Field(index=True)
    user_id: Optional[int] = Field(default=None, foreign_key="reviewuser.id")
    outcome: str
    at: datetime = Field(default_factory=utcnow, index=True)



# --- abuse signals and the moral-hazard blacklist (pipeline/signals.py, flows/signals.py) ----


class RaisedSignal(SQLModel, table=True):
    """A signal raised on a claim for a supervisor's second look; never a decision by itself.

    status: open → dismissed | escalated (an escalated one is dismissed once investigated);
    cleared when the claim, decided again, no longer raises it. Every change of status is in the
    audit trail (AuditEntry kinds signal_*)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(index=True, unique=True)  # rule and subject: raised once, however often computed
    packet_id: int = Field(foreign_key="packet.id", index=True)
    claim_id: str = Field(index=True)
    member_id: Optional[str] = Field(default=None, index=True)  # may be known only from a held packet's ID copy
    rule: str = Field(index=True)
    severity: str
    clause: Optional[str] = None
    summary: str
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(default="open", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    decided_by: Optional[str] = None
    decided_at: Optional[datetime] = None
    reason: Optional[str] = None


class Blacklisting(SQLModel, table=True):
    """One change to the moral-hazard blacklist (M4.2.26): a member put on it for a policy year, or
    lifted off it. Rows are only ever added (the migration's triggers refuse UPDATE and DELETE);
    the latest row of a member and year says whether the member is on it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: str = Field(foreign_key="member.member_id", index=True)
    year_start: date
    action: str  # blacklisted | lifted
    reason: str
    actor: str  # the supervisor's username, or "roster" for the insurer's roster file
    at: datetime = Field(default_factory=utcnow)


# --- supervisors' administration: quarantine, accounts (review/admin.py) ----------------------


class AdminAction(SQLModel, table=True):
    """One change a supervisor made outside any claim: a quarantined packet released or discarded, an
    account disabled, enabled or given a new password. Rows are only ever added (the migration's
    triggers refuse UPDATE and DELETE). Changes to a claim (a page turned or moved) are in AuditEntry.

    kind: quarantine_released | quarantine_discarded | user_disabled | user_enabled | password_reset.
    subject: what was changed, e.g. `quarantine:packets/<name>` or `user:<username>`."""

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    actor: str
    at: datetime = Field(default_factory=utcnow)
    subject: str
    reason: Optional[str] = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON))


class CheckReview(SQLModel, table=True):
    """A clerk's word on a cross-check that still fails after every field it involves was settled:
    which of the numbers that disagree is right (settled), or that a supervisor must say (referred).
    Rows are only added; the latest of a document's check is its standing. The audit trail has each too."""

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    check: str
    state: str  # settled | referred
    side: Optional[str] = None  # the side the clerk confirmed, e.g. 合计
    actor: str
    reason: Optional[str] = None
    at: datetime = Field(default_factory=utcnow)


# --- the mailroom desk: originals sent back, documents asked for, uploads (flows/desk.py, review/desk.py) ----


class OriginalsReturn(SQLModel, table=True):
    """A clerk's word on sending a packet's receipt originals back (M2.9). Without a row, or with
    `requested` None, the packet's cover sheet says whether the member asked. Each change is in the
    audit trail (AuditEntry kinds originals_*)."""

    packet_id: int = Field(foreign_key="packet.id", primary_key=True)
    requested: Optional[bool] = None  # set or unset by a clerk; None: as the cover sheet says
    receipt_copy: Optional[bool] = None  # the receipts' copies came with the claim (None: not checked yet)
    envelope: Optional[bool] = None  # the envelope with a 4.2 yuan stamp and the address came with it
    sent_on: Optional[date] = None
    sent_by: Optional[str] = None
    updated_at: datetime = Field(default_factory=utcnow)


class DocumentRequest(SQLModel, table=True):
    """Further material a clerk asked the member for (M2.7), and why. While open, the claim is decided
    `pending_documents`. status: open → received (a clerk has it) | expired (the M3.5 window closed)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    packet_id: int = Field(foreign_key="packet.id", index=True)
    document: str
    reason: str
    status: str = Field(default="open", index=True)
    asked_by: str
    asked_at: datetime = Field(default_factory=utcnow)
    closed_by: Optional[str] = None
    closed_at: Optional[datetime] = None


class Upload(SQLModel, table=True):
    """A packet a clerk dragged into the review app, written into the inbox under `name`; its claim is
    found by the packet's content hash (the same content decided before is that claim)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)  # the packet's name in the inbox
    content_hash: str = Field(index=True)
    files: int
    size: int
    uploaded_by: str = Field(index=True)
    at: datetime = Field(default_factory=utcnow)
