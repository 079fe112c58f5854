"""What a clerk does when the mailroom got a page wrong: turn it, or move it to another packet of the
same member. Both redo what the page gave and decide the claims again, with the pipeline's own stages:

  turn   the stored page image turned by 90, 180 or 270 degrees, read again by the reading stage
         (pipeline.reading, the OCR engine the intake uses), extracted again (extractors.registry)
  move   the page and its document leave one packet and join the other

then `flows.decisions.redecide` for each packet concerned, each step in the claim's audit trail
(kinds page_turned, page_moved, and the redecision each caused), as corrections are.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import cv2
from sqlmodel import select

from extractors.registry import extract
from flows.settings import load_settings
from pipeline.cleanup import rotate_right_angle
from pipeline.errors import BadInputError
from pipeline.ocr import get_engine
from pipeline.reading import ocr_page_from_image
from review import service
from review.service import CLERK_SOURCE, ConflictError, NotFoundError, effective_status
from store import repository
from store.archive import written_in_place_of
from store.db import session_scope
from store.models import AuditEntry, Document, ExtractedField, Original, Packet, Page

log = logging.getLogger("review")  # ids only

TURNS = (90, 180, 270)  # degrees clockwise
MOVABLE_STATUSES = ("decided", "needs_review")  # claims with pages: not quarantined, not half taken in


def turn_page(db_url: str, claims_home: Path, page_id: int, image: Path | None, degrees: int, actor: str,
              reason: str) -> AuditEntry:
    """Turn the page, read and extract it again, decide its claim again. Gives the redecision's audit row.

    `image` is the page's stored image file (as the app finds it in the pages folder). A value a
    clerk typed or confirmed on the page is kept, its box turned with the page; what OCR read is
    replaced by what the turned page reads."""
    if degrees not in TURNS:
        raise BadInputError("请选择旋转角度：90°、180° 或 270°")
    if image is None:
        raise BadInputError("页面图像缺失，无法旋转")
    with session_scope(db_url) as session:
        page, packet = _page_and_packet(session, page_id)
        source = session.get(Original, page.original_id).file_name
        seen_path, old_rotation = page.image_path, page.rotation
    stored = cv2.imread(str(image))
    height, width = stored.shape[:2]
    turned = rotate_right_angle(stored, degrees)
    rotation = (old_rotation + degrees) % 360
    settings = load_settings(str(claims_home), db_url=db_url)
    os.environ.setdefault("CLAIMS_OCR_MODEL_DIR", str(settings.models_dir))  # as `claims` sets it up
    reading = ocr_page_from_image(source, page.page_index, rotation, turned,
                                  get_engine(settings.ocr_engine, settings.ocr_threads))
    document = extract(replace(reading, skew=page.skew))
    target = image.with_name(f"{image.name.split('-r')[0].removesuffix('.png')}-r{rotation}.png")
    _write_png(target, turned)
    with session_scope(db_url) as session:
        repository.lock_packet(session, packet.id)
        page, packet = _page_and_packet(session, page_id)
        if page.image_path != seen_path:
            raise ConflictError("此页面在您操作时已被他人旋转或移动，未保存：请重新载入后再试")
        status, payable = effective_status(packet, repository.current_decision(session, packet.id))
        page.rotation, page.image_path = rotation, str(target)
        page.ocr_lines = [line.to_json() for line in reading.lines]
        _replace_documents(session, page, document, degrees, (width, height))
        entry = repository.add_audit_entry(
            session, packet_id=packet.id, claim_id=packet.claim_id, kind="page_turned", actor=actor,
            old_value=f"{old_rotation}°", new_value=f"{rotation}°",
            reason=_said(f"{_page_name(source, page)}旋转 {old_rotation}°→{rotation}°", reason),
            status_before=status, payable_before=payable)
        log.info("page %s of packet %s turned by %s degrees (audit %s)", page.id, packet.id, degrees, entry.id)
    return service.redecide_and_audit(db_url, entry)


def move_page(db_url: str, page_id: int, target_packet_id: int, actor: str, reason: str) -> list[AuditEntry]:
    """Move the page and its document to another packet of the same member; decide both claims again.
    Gives the two redecisions' audit rows (the packet it left first)."""
    with session_scope(db_url) as session:
        page, source = _page_and_packet(session, page_id)
        target = session.get(Packet, target_packet_id)
        if target is None or target.id == source.id:
            raise BadInputError("请选择要移入的另一个案件")
        first, second = sorted((source.id, target.id))
        repository.lock_packet(session, first)  # in id order: two moves the other way round never deadlock
        repository.lock_packet(session, second)
        page, source = _page_and_packet(session, page_id)
        if not source.member_id or source.member_id != target.member_id:
            raise BadInputError("只能移到同一被保险人的另一个案件")
        if target.status not in MOVABLE_STATUSES:
            raise BadInputError("目标案件尚未处理完毕，不能移入页面")
        name = _page_name(session.get(Original, page.original_id).file_name, page)
        entries = []
        for packet, what in ((source, f"{name}移至案件 {target.claim_id}"), (target, f"{name}移自案件 {source.claim_id}")):
            status, payable = effective_status(packet, repository.current_decision(session, packet.id))
            entries.append(repository.add_audit_entry(
                session, packet_id=packet.id, claim_id=packet.claim_id, kind="page_moved", actor=actor,
                old_value=source.claim_id, new_value=target.claim_id, reason=_said(what, reason),
                status_before=status, payable_before=payable))
        page.original_id = _original_in(session, session.get(Original, page.original_id), source, target).id
        page.packet_id = target.id
        for document in session.exec(select(Document).where(Document.page_id == page.id)).all():
            document.packet_id = target.id
        log.info("page %s moved from packet %s to packet %s (audit %s, %s)", page.id, source.id, target.id,
                 entries[0].id, entries[1].id)
    return [service.redecide_and_audit(db_url, entry) for entry in entries]


def packets_to_move_to(db_url: str, packet_id: int) -> list[Packet]:
    """The member's other packets a page of this one may move to."""
    with session_scope(db_url) as session:
        packet = session.get(Packet, packet_id)
        if packet is None or not packet.member_id:
            return []
        query = select(Packet).where(Packet.member_id == packet.member_id, Packet.id != packet_id,
                                     Packet.status.in_(MOVABLE_STATUSES)).order_by(Packet.id)
        return list(session.exec(query).all())


def _page_name(source: str, page: Page) -> str:
    return f"页面 {source} 第{page.page_index}页 "


def _said(what: str, reason: str) -> str:
    """The audit row's reason: what was done, and the clerk's why if given."""
    reason = " ".join(reason.split())
    return f"{what}：{reason}" if reason else what


def _page_and_packet(session, page_id: int) -> tuple[Page, Packet]:
    page = session.get(Page, page_id)
    if page is None:
        raise NotFoundError(f"page {page_id} does not exist")
    packet = session.get(Packet, page.packet_id)
    if packet.status not in MOVABLE_STATUSES:
        raise BadInputError("此案件尚未处理完毕，不能调整页面")
    return page, packet


def _replace_documents(session, page: Page, document, degrees: int, size: tuple[int, int]) -> None:
    """The page's documents as the turned page reads, but what a clerk settled stays (its box turned)."""
    old = {row.id: repository.fields_of_document(session, row.id)
           for row in session.exec(select(Document).where(Document.page_id == page.id)).all()}
    repository.save_documents(session, page.packet_id, page, [document])
    new = session.exec(select(Document).where(Document.page_id == page.id).order_by(Document.id.desc())).first()
    ids = [field.id for fields in old.values() for field in fields]
    audited = set(session.exec(select(AuditEntry.field_id).where(AuditEntry.field_id.in_(ids))).all())
    for row_id, fields in old.items():
        for field in fields:
            if field.source == CLERK_SOURCE or field.id in audited:
                for duplicate in session.exec(select(ExtractedField).where(
                        ExtractedField.document_id == new.id, ExtractedField.name == field.name,
                        ExtractedField.item_index == field.item_index)).all():
                    session.delete(duplicate)
                field.document_id = new.id
                field.box = turned_box(field.box, degrees, size) if field.box else None
            else:
                session.delete(field)
        session.flush()
        session.delete(session.get(Document, row_id))
    session.flush()


def turned_box(box: list, degrees: int, size: tuple[int, int]) -> list[int]:
    """A box on a page of `size` (width, height), where it lies once the page is turned clockwise."""
    x0, y0, x1, y1 = box
    width, height = size
    if degrees == 90:
        return [height - y1, x0, height - y0, x1]
    if degrees == 180:
        return [width - x1, height - y1, width - x0, height - y0]
    return [y0, width - x1, y1, width - x0]


def _original_in(session, original: Original, source: Packet, target: Packet) -> Original:
    """The target packet's record of the page's file: its own if it holds the same file (a page moved
    back), else a new one named after the packet it came from."""
    same = session.exec(select(Original).where(Original.packet_id == target.id,
                                               Original.sha256 == original.sha256)).first()
    if same is not None:
        return same
    moved = Original(packet_id=target.id, file_name=f"{source.name}/{original.file_name}", sha256=original.sha256,
                     size=original.size, archive_path=original.archive_path)
    session.add(moved)
    session.flush()
    return moved


def _write_png(path: Path, image) -> None:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise OSError(f"cannot encode a page image as PNG ({path.name})")
    with written_in_place_of(path) as partial:
        partial.write_bytes(encoded.tobytes())
