"""The mailroom desk in the review app (flows/desk.py does the work):

  /claims/{id} (a section)     return the originals (M2.9): set or unset, what came with it; ask for
                               further material (M2.7) and mark it received (the claim is decided again);
                               its forms post to /desk/{id}/...
  /originals                   the originals members asked back: to check, to send, not returned, sent
  /upload                      drag a packet (files, or one PDF/TIFF stack) into the inbox; this clerk's
                               uploads with their claims once decided

Every change is in the claim's audit trail, as a correction is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flows import desk
from pipeline.errors import BadInputError
from review import service
from review.ids import RecordId
from store import repository
from store.db import session_scope
from store.models import Packet, ReviewUser

LIMITS_FILE = Path(__file__).resolve().parent / "data" / "upload_limits.yaml"
UPLOAD_LIMITS = desk.UploadLimits.load(LIMITS_FILE)
UPLOAD_ENVELOPE_BYTES = 1 << 20  # the multipart form's own bytes around the files
REQUEST_STATUSES = {"open": "待补", "received": "已收到", "expired": "已过期（M3.5）"}
DONE = {"asked": "已要求补充材料：案件已重新裁定为待补材料，致被保险人的通知书已写明", "received": "已收到补充材料：案件已重新裁定",
        "requested": "已登记退回收据原件申请", "unrequested": "已取消退回收据原件", "enclosures": "已登记随附材料",
        "sent": "已登记寄回收据原件", "uploaded": "已上传：监视程序处理后，此处显示裁定结果"}


@dataclass(frozen=True)
class ClaimDesk:
    """What the claim page shows of the desk."""

    originals: desk.OriginalsStanding | None
    cover_sheet_asks: bool
    requests: list
    statuses: dict
    done: dict


def claim_desk(db_url: str, packet_id: int) -> ClaimDesk:
    with session_scope(db_url) as session:
        packet = session.get(Packet, packet_id)
        if packet is None:
            raise service.NotFoundError(f"packet {packet_id} does not exist")
        return ClaimDesk(desk.originals_standing(session, packet), repository.cover_sheet_asks_return(session, packet_id),
                         repository.document_requests(session, packet_id), REQUEST_STATUSES, DONE)


@dataclass(frozen=True)
class UploadRow:
    upload: object
    text: str
    claims: list  # (packet id, claim id, status, payable)
    pending: bool  # the watcher has yet to finish it


def _upload_rows(standings: list[desk.UploadStanding], db_url: str) -> list[UploadRow]:
    rows = []
    with session_scope(db_url) as session:
        for standing in standings:
            claims = []
            for packet in standing.packets:
                status, payable = service.effective_status(packet, repository.current_decision(session, packet.id))
                claims.append((packet.id, packet.claim_id, status, payable))
            if claims:
                text = "已处理"
            elif standing.quarantined:
                text = "未能处理，已转入隔离区（请联系主管）"
            elif standing.waiting:
                text = "等待监视程序处理"
            else:
                text = "处理中"
            rows.append(UploadRow(standing.upload, text, claims, not claims and not standing.quarantined))
    return rows


def add_routes(app: FastAPI, db_url: str, claims_home: Path, inbox: Path | None, current_user, posted_form,
               render) -> None:
    """The desk's routes on the review app, with its login, CSRF check and rendering."""
    quarantine_dir = Path(claims_home) / "quarantine"

    def refused(request: Request, user: ReviewUser, error: Exception, back: str) -> HTMLResponse:
        _, csrf = current_user(request)
        return render(request, "desk_refused.html", user, csrf, status_code=422, error=error.message, back=back)

    def found(change):
        try:
            return change()
        except desk.DeskNotFoundError as missing:
            raise service.NotFoundError(missing.message) from None

    def claim_change(request: Request, user: ReviewUser, packet_id: int, change, done: str, redecide: bool = False):
        try:
            entry = found(change)
        except (BadInputError, desk.DeskError) as exc:
            return refused(request, user, exc, f"/claims/{packet_id}#desk")
        after = f"&after={service.redecide_and_audit(db_url, entry).caused_by}" if redecide else ""
        return RedirectResponse(f"/claims/{entry.packet_id}?done={done}{after}#desk", status_code=303)

    # --- on a claim --------------------------------------------------------------

    @app.post("/desk/{packet_id}/originals/requested")
    async def originals_requested(request: Request, packet_id: RecordId):
        user, form = await posted_form(request)
        wanted = form.get("requested") == "1"
        return claim_change(request, user, packet_id, lambda: desk.set_return_requested(
            db_url, packet_id, wanted, user.username), "requested" if wanted else "unrequested")

    @app.post("/desk/{packet_id}/originals/enclosures")
    async def originals_enclosures(request: Request, packet_id: RecordId):
        user, form = await posted_form(request)
        return claim_change(request, user, packet_id, lambda: desk.record_enclosures(
            db_url, packet_id, form.get("receipt_copy") == "1", form.get("envelope") == "1", user.username),
            "enclosures")

    @app.post("/desk/{packet_id}/originals/sent")
    async def originals_sent(request: Request, packet_id: RecordId):
        user, form = await posted_form(request)
        try:
            found(lambda: desk.mark_originals_sent(db_url, packet_id, str(form.get("sent_on", "")), user.username))
        except (BadInputError, desk.DeskError) as exc:
            return refused(request, user, exc, "/originals")
        return RedirectResponse("/originals?done=sent", status_code=303)

    @app.post("/desk/{packet_id}/documents/ask")
    async def documents_ask(request: Request, packet_id: RecordId):
        user, form = await posted_form(request)
        return claim_change(request, user, packet_id, lambda: desk.ask_for_documents(
            db_url, packet_id, str(form.get("document", "")), str(form.get("reason", "")), user.username), "asked",
            redecide=True)

    @app.post("/desk/{packet_id}/documents/{request_id}/received")
    async def documents_received(request: Request, packet_id: RecordId, request_id: RecordId):
        user, _form = await posted_form(request)
        return claim_change(request, user, packet_id, lambda: desk.documents_received(
            db_url, packet_id, request_id, user.username), "received", redecide=True)

    # --- the originals to send back ------------------------------------------------

    @app.get("/originals", response_class=HTMLResponse)
    async def originals(request: Request, done: str = ""):
        user, csrf = current_user(request)
        with session_scope(db_url) as session:
            asked = desk.originals_asked(session)
            to_return = {item.standing.packet.id for item in desk.originals_to_return(session)}
        return render(request, "originals.html", user, csrf, active="originals", asked=asked, to_return=to_return,
                      today=date.today().isoformat(), done=DONE.get(done, ""))

    # --- upload ------------------------------------------------------------------

    def upload_page(request: Request, user: ReviewUser, status_code: int = 200, **context) -> HTMLResponse:
        _, csrf = current_user(request)
        rows = _upload_rows(desk.uploads_of(db_url, user.username, inbox, quarantine_dir), db_url)
        return render(request, "upload.html", user, csrf, status_code=status_code, active="upload", rows=rows,
                      can_upload=inbox is not None, limits=UPLOAD_LIMITS, refresh=any(row.pending for row in rows),
                      **context)

    @app.get("/upload", response_class=HTMLResponse)
    async def upload_form(request: Request, done: str = ""):
        user, _ = current_user(request)
        return upload_page(request, user, done=DONE.get(done, ""))

    @app.post("/upload")
    async def upload(request: Request):
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > UPLOAD_LIMITS.max_total_bytes + UPLOAD_ENVELOPE_BYTES:
            user, _ = current_user(request)  # refused before the body is read
            return upload_page(request, user, status_code=413,
                               error=f"文件合计过大（最多 {UPLOAD_LIMITS.max_total_bytes // 2**20} MB）：请分开上传")
        user, _form = await posted_form(request)  # the parsed form is kept on the request: read again below
        parts = [part for part in (await request.form()).getlist("files") if hasattr(part, "read")]
        files = [desk.UploadedFile(part.filename or "", await part.read()) for part in parts]
        try:
            if inbox is None:
                raise desk.DeskError("本服务启动时未指定收件箱，无法上传；请联系系统管理员")
            desk.upload_packet(db_url, inbox, files, user.username, UPLOAD_LIMITS)
        except (BadInputError, desk.DeskError) as exc:
            return upload_page(request, user, status_code=422, error=exc.message)
        return RedirectResponse("/upload?done=uploaded", status_code=303)
