"""The mailroom desk: what a clerk does around a claim besides reading its fields.

- Originals sent back (M2.9): a member who ticked "请退回收据原件" on the cover sheet, or for whom a
  clerk set it, gets the receipts' originals back once the claim is decided, provided a copy of the
  receipts and an envelope with a 4.2 yuan stamp and the address came with the claim. Without them
  the originals are not returned (M2.9), and the letter says so.
- Documents asked for (M2.7): a clerk asks for further material with a reason; while the request is
  open the claim is decided `pending_documents` (the adjudicator reads it from the claim), and the
  nightly sweep expires it with the claim when the M3.5 window closes.
- Uploads: a packet dragged into the review app is written into the inbox as a station drops one.

Each change is audited (AuditEntry) in the transaction that makes it; re-deciding the claim after a
request or its receipt is the review app's (review.service.redecide_and_audit), as for a correction.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sqlmodel import Session

from adjudicator.letter import OriginalsReturn as LetterOriginals
from adjudicator.policy_year import claim_deadline
from flows.decisions import policy_year_start
from flows.packets import MULTI_PAGE_SUFFIXES, READY_MARKER, packet_of
from flows.quarantine import remove_entry
from pipeline.errors import BadInputError, ClaimsError
from pipeline.pages import LIMITS, PAGE_SUFFIXES
from store import repository
from store.db import session_scope
from store.models import AuditEntry, DocumentRequest, OriginalsReturn, Packet, Upload, utcnow

ORIGINALS_CLAUSE = "M2.9"
UPLOAD_PREFIX = "upload"


class DeskError(ClaimsError):
    """A desk action that does not fit the claim as it stands (nothing is stored)."""

    code = "DESK_REFUSED"


class DeskNotFoundError(ClaimsError):
    """The packet or request a desk action names does not exist."""

    code = "NOT_FOUND"


# --- originals sent back (M2.9) ------------------------------------------------------------


@dataclass(frozen=True)
class OriginalsStanding:
    """A packet whose member asked for the receipts' originals back, as things stand."""

    packet: Packet
    by_clerk: bool  # a clerk set it (else the cover sheet's tick)
    receipt_copy: bool | None
    envelope: bool | None
    sent_on: date | None = None
    sent_by: str | None = None

    @property
    def checked(self) -> bool:
        return self.receipt_copy is not None and self.envelope is not None

    @property
    def refused(self) -> bool:
        """M2.9: without the copies or the stamped envelope the originals are not returned."""
        return self.receipt_copy is False or self.envelope is False

    def for_letter(self) -> LetterOriginals:
        return LetterOriginals(self.receipt_copy, self.envelope, self.sent_on)


def originals_standing(session: Session, packet: Packet) -> OriginalsStanding | None:
    """None when the member did not ask (or a clerk unset what the cover sheet said)."""
    row = repository.originals_return(session, packet.id)
    by_clerk = row is not None and row.requested is not None
    asked = row.requested if by_clerk else repository.cover_sheet_asks_return(session, packet.id)
    if not asked:
        return None
    return OriginalsStanding(packet, by_clerk, row.receipt_copy if row else None, row.envelope if row else None,
                             row.sent_on if row else None, row.sent_by if row else None)


def _originals_row(session: Session, packet_id: int) -> OriginalsReturn:
    row = repository.originals_return(session, packet_id)
    if row is None:
        row = OriginalsReturn(packet_id=packet_id)
        session.add(row)
    row.updated_at = utcnow()
    return row


def _packet(session: Session, packet_id: int) -> Packet:
    repository.lock_packet(session, packet_id)
    packet = session.get(Packet, packet_id)
    if packet is None:
        raise DeskNotFoundError(f"packet {packet_id} does not exist")
    return packet


def _audit(session: Session, packet: Packet, kind: str, actor: str, reason: str, new_value: str | None = None,
           old_value: str | None = None) -> AuditEntry:
    status, payable = claim_status(session, packet)
    return repository.add_audit_entry(session, packet_id=packet.id, claim_id=packet.claim_id, kind=kind, actor=actor,
                                      reason=reason, old_value=old_value, new_value=new_value,
                                      status_before=status, payable_before=payable)


def claim_status(session: Session, packet: Packet) -> tuple[str, str]:
    """(status, payable) as the intake reports them: a decision counts once nothing blocks it."""
    decision = repository.current_decision(session, packet.id)
    if packet.status == "decided" and decision is not None:
        return decision.status, decision.payable
    return packet.status, "0.00"


def set_return_requested(db_url: str, packet_id: int, requested: bool, actor: str) -> AuditEntry:
    """A clerk sets (or unsets) that the member asked for the originals back, e.g. written on the form."""
    with session_scope(db_url) as session:
        packet = _packet(session, packet_id)
        before = originals_standing(session, packet)
        if before is not None and before.sent_on is not None:
            raise DeskError("收据原件已寄回，不能再更改")
        row = _originals_row(session, packet_id)
        row.requested = requested
        return _audit(session, packet, "originals_requested" if requested else "originals_not_requested", actor,
                      f"被保险人{'申请' if requested else '未申请'}退回收据原件（{ORIGINALS_CLAUSE}）",
                      new_value="申请退回" if requested else "不退回",
                      old_value="申请退回" if before is not None else "不退回")


def record_enclosures(db_url: str, packet_id: int, receipt_copy: bool, envelope: bool, actor: str) -> AuditEntry:
    """What came with the claim for the return (M2.9): the receipts' copies, the stamped, addressed envelope."""
    with session_scope(db_url) as session:
        packet = _packet(session, packet_id)
        standing = originals_standing(session, packet)
        if standing is None:
            raise DeskError("被保险人未申请退回收据原件")
        if standing.sent_on is not None:
            raise DeskError("收据原件已寄回，不能再更改")
        row = _originals_row(session, packet_id)
        row.receipt_copy, row.envelope = receipt_copy, envelope
        missing = [what for what, enclosed in (("收据复印件", receipt_copy), ("贴足4.2元邮票的信封", envelope))
                   if not enclosed]
        reason = (f"缺少{'、'.join(missing)}：依 {ORIGINALS_CLAUSE} 不予退回收据原件" if missing
                  else f"收据复印件及贴足邮票的信封齐全：审核完成后退回原件（{ORIGINALS_CLAUSE}）")
        return _audit(session, packet, "originals_enclosures", actor, reason,
                      new_value=f"复印件{'有' if receipt_copy else '无'}，信封{'有' if envelope else '无'}")


def mark_originals_sent(db_url: str, packet_id: int, sent_on_text: str, actor: str) -> AuditEntry:
    """The originals went out in the member's envelope (`sent_on_text`: the day, YYYY-MM-DD): only once the
    claim is decided, and only once."""
    with session_scope(db_url) as session:
        packet = _packet(session, packet_id)
        try:
            sent_on = date.fromisoformat(sent_on_text.strip())
        except ValueError:
            raise BadInputError("请填写寄回日期") from None
        standing = originals_standing(session, packet)
        if standing is None or not standing.checked or standing.refused:
            raise DeskError("此案件没有待退回的收据原件")
        if standing.sent_on is not None:
            raise DeskError(f"收据原件已于 {standing.sent_on.isoformat()} 寄回")
        if not _finally_decided(session, packet):
            raise DeskError("案件尚未审核完成：原件在审核完成后退回")
        if sent_on > date.today():
            raise BadInputError("寄回日期不能晚于今天")
        row = _originals_row(session, packet_id)
        row.sent_on, row.sent_by = sent_on, actor
        return _audit(session, packet, "originals_sent", actor, f"收据原件已寄回（{ORIGINALS_CLAUSE}）",
                      new_value=sent_on.isoformat())


def _finally_decided(session: Session, packet: Packet) -> bool:
    status, _ = claim_status(session, packet)
    return status in ("approved", "partially_approved", "rejected", "expired")


@dataclass(frozen=True)
class ToReturn:
    """One claim's originals, as the mailroom sends them back."""

    standing: OriginalsStanding
    receipts: list[str]  # the receipts' invoice numbers
    status: str

    def to_json(self) -> dict:
        packet = self.standing.packet
        return {"claim_id": packet.claim_id, "member_id": packet.member_id, "receipts": self.receipts,
                "status": self.status, "sent_on": self.standing.sent_on.isoformat() if self.standing.sent_on else None}


def originals_asked(session: Session) -> list[ToReturn]:
    """Every packet whose member asked for the originals back, oldest first."""
    ids = {row.packet_id for row in repository.originals_returns(session)}
    ids |= set(repository.packets_with_cover_sheet_return(session))
    found = []
    for packet_id in sorted(ids):
        packet = session.get(Packet, packet_id)
        standing = originals_standing(session, packet)
        if standing is not None:
            decision = repository.current_decision(session, packet_id)
            found.append(ToReturn(standing, _receipts(decision.claim if decision else None),
                                  claim_status(session, packet)[0]))
    return found


def originals_to_return(session: Session) -> list[ToReturn]:
    """After the decision, with the copies and the envelope in, not sent yet: what the mailroom sends."""
    return [item for item in originals_asked(session) if item.standing.checked and not item.standing.refused
            and item.standing.sent_on is None and _finally_decided(session, item.standing.packet)]


def _receipts(claim: dict | None) -> list[str]:
    return [receipt["invoice_number"] for visit in (claim or {}).get("visits", []) for receipt in visit["receipts"]]


def letter_originals(session: Session, packet_id: int) -> LetterOriginals | None:
    packet = session.get(Packet, packet_id)
    standing = originals_standing(session, packet) if packet else None
    return standing.for_letter() if standing else None


# --- documents asked for (M2.7) ----------------------------------------------------------


def ask_for_documents(db_url: str, packet_id: int, document: str, reason: str, actor: str) -> AuditEntry:
    """Store the request and its audit row; the caller decides the claim again (it becomes pending)."""
    document, reason = " ".join(document.split()), " ".join(reason.split())
    with session_scope(db_url) as session:
        packet = _packet(session, packet_id)
        if not document:
            raise BadInputError("请填写需要补充的材料，例如：病历原件")
        if not reason:
            raise BadInputError("请填写要求补充材料的原因")
        if repository.current_decision(session, packet_id) is None:
            raise DeskError("此案件尚无裁定（材料不全以致无法成案），无法要求补充材料")
        if packet.status == "expired":
            raise DeskError("此案件已超过 M3.5 时效而过期")
        if any(r.document == document for r in repository.document_requests(session, packet_id, "open")):
            raise DeskError(f"已在要求补充“{document}”")
        request = DocumentRequest(packet_id=packet_id, document=document, reason=reason, asked_by=actor)
        session.add(request)
        return _audit(session, packet, "documents_requested", actor, reason, new_value=document)


def documents_received(db_url: str, packet_id: int, request_id: int, actor: str) -> AuditEntry:
    """The clerk has the material asked for: the request closes; the caller decides the claim again."""
    with session_scope(db_url) as session:
        packet = _packet(session, packet_id)  # first: a second clerk's click waits here, then sees this one
        request = session.get(DocumentRequest, request_id)
        if request is None or request.packet_id != packet_id:
            raise DeskNotFoundError(f"packet {packet_id} has no document request {request_id}")
        if request.status != "open":
            raise DeskError("此补充材料要求已不再待补（已收到或已过期）")
        request.status, request.closed_by, request.closed_at = "received", actor, utcnow()
        return _audit(session, packet, "documents_received", actor, f"已收到补充材料：{request.document}",
                      new_value=request.document)


def expire_requests(session: Session, packet_id: int) -> None:
    """The claim expired (M3.5): what it still waited for is no longer asked for."""
    for request in repository.document_requests(session, packet_id, "open"):
        request.status, request.closed_by, request.closed_at = "expired", "system", utcnow()


def open_requests(session: Session) -> list[dict]:
    """Every open request, with its claim and the last day to send the material (M3.5)."""
    rows = []
    for request in repository.document_requests(session, status="open"):
        packet = session.get(Packet, request.packet_id)
        decision = repository.current_decision(session, packet.id)
        last_day = claim_deadline(policy_year_start(decision.claim)) - timedelta(days=1) if decision else None
        rows.append({"claim_id": packet.claim_id, "member_id": packet.member_id, "document": request.document,
                     "reason": request.reason, "asked_by": request.asked_by,
                     "asked_on": request.asked_at.date().isoformat(),
                     "last_day": last_day.isoformat() if last_day else None})
    return rows


def report_lists(session: Session) -> dict:
    """What the nightly report lists of the desk: originals to send back, and material asked for."""
    asked = originals_asked(session)
    return {"originals_to_return": [item.to_json() for item in originals_to_return(session)],
            "originals_not_returned": [item.to_json() for item in asked if item.standing.refused],
            "documents_requested": open_requests(session)}


# --- uploads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_total_bytes: int

    @classmethod
    def load(cls, path: Path) -> "UploadLimits":
        with open(path, encoding="utf-8") as handle:
            return cls(**yaml.safe_load(handle))


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes


def upload_packet(db_url: str, inbox: Path, files: list[UploadedFile], actor: str, limits: UploadLimits) -> Upload:
    """Write the files into the inbox as one packet: one PDF or TIFF alone is a packet by itself (a stack),
    anything else a folder with its `.ready` marker. Written under a hidden name, then renamed into place,
    so the watcher never takes half a packet; the upload's row is committed with the rename."""
    names = _checked(files, limits)
    if not inbox.is_dir():
        raise DeskError("收件箱不存在或无法访问，未上传")
    name = f"{UPLOAD_PREFIX}-{datetime.now().astimezone():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    single = len(files) == 1 and Path(names[0]).suffix.lower() in MULTI_PAGE_SUFFIXES
    target = inbox / (f"{name}{Path(names[0]).suffix.lower()}" if single else name)
    partial = inbox / f".{target.name}.uploading"
    try:
        if single:
            _write(partial, files[0].content)
        else:
            partial.mkdir()
            for file_name, file in zip(names, files):
                _write(partial / file_name, file.content)
        packet = packet_of(partial, target.name)
        content_hash = packet.content_hash({f: (hashlib.sha256(f.read_bytes()).hexdigest(), f) for f in packet.files})
        with session_scope(db_url) as session:
            upload = Upload(name=packet.name, content_hash=content_hash, files=len(files),
                            size=sum(len(f.content) for f in files), uploaded_by=actor)
            session.add(upload)
            session.flush()
            if not single:
                (partial / READY_MARKER).touch()
            partial.rename(target)
    finally:
        remove_entry(partial)  # only there if the upload failed half-way
    return upload


def _write(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _checked(files: list[UploadedFile], limits: UploadLimits) -> list[str]:
    """The files' names as they go into the packet; the intake's file count, the desk's sizes."""
    if not files:
        raise BadInputError("请选择要上传的文件")
    if len(files) > LIMITS.max_files_per_packet:
        raise BadInputError(f"一个案件最多 {LIMITS.max_files_per_packet} 个文件，本次 {len(files)} 个：请分开上传")
    names = []
    for file in files:
        name = Path(file.name.replace("\\", "/")).name  # a browser may send a path: only the file's own name
        if not name or name.startswith(".") or name in names:
            raise BadInputError(f"文件名无效或重复：{name or '（空）'}")
        if Path(name).suffix.lower() not in PAGE_SUFFIXES:
            raise BadInputError(f"不支持的文件类型：{name}（可上传 PDF、TIFF、JPG、PNG）")
        if len(file.content) > limits.max_file_bytes:
            raise BadInputError(f"文件过大：{name}（单个文件最多 {limits.max_file_bytes // 2**20} MB）")
        names.append(name)
    total = sum(len(file.content) for file in files)
    if total > limits.max_total_bytes:
        raise BadInputError(f"文件合计过大（最多 {limits.max_total_bytes // 2**20} MB）：请分开上传")
    return names


@dataclass(frozen=True)
class UploadStanding:
    upload: Upload
    packets: list[Packet]  # the claims it became (a stack may become several)
    waiting: bool  # still in the inbox, or being processed
    quarantined: bool


def uploads_of(db_url: str, username: str, inbox: Path | None, quarantine_dir: Path) -> list[UploadStanding]:
    """A clerk's uploads, newest first, each with the claims it became."""
    from flows.watch import WORK_DIR

    standings = []
    with session_scope(db_url) as session:
        for upload in repository.uploads_of(session, username):
            known = repository.packet_by_hash(session, upload.content_hash)
            packets = [known] if known else repository.packets_named_from(session, upload.name)
            waiting = inbox is not None and any(
                entry.name.startswith(upload.name)
                for folder in (inbox, inbox / WORK_DIR / "processing") if folder.is_dir() for entry in folder.iterdir())
            quarantined = any(entry.name.startswith(upload.name) for entry in (quarantine_dir / "packets").glob("*"))
            standings.append(UploadStanding(upload, packets, waiting, quarantined))
    return standings
