"""The data each screen shows, read in one transaction and handed to the templates as plain objects."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from PIL import Image

from adjudicator.clauses import clause_text
from adjudicator.errors import UnknownClauseError
from flows.decisions import policy_year_start
from review import labels
from pipeline.checks import SIDES
from pipeline.normalize import clean_text
from review.service import (NotFoundError, addable_fields, effective_status, field_key, is_blocking, review_queue,
                            start_of_today, version_of, waiting_check)
from review.validation import KIND_HINTS, field_kind
from store import repository
from store.db import session_scope
from store.models import Document, Member, Packet, Page


@dataclass
class Reason:
    where: str
    clause: str
    text: str
    clause_text: str
    amount: str | None = None


@dataclass
class DocumentView:
    id: int
    doc_type: str
    page_id: int
    source: str
    fields: list = field(default_factory=list)
    items: list = field(default_factory=list)  # [(item number, [fields])]
    checks: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # fields the layout prints that were never found


def correction_view(db_url: str, field_id: int, pages_dir: Path) -> dict:
    with session_scope(db_url) as session:
        found = repository.field_in_context(session, field_id)
        if found is None:
            raise NotFoundError(f"field {field_id} does not exist")
        row, document, page, original, packet = found
        decision = repository.current_decision(session, packet.id)
        status, payable = effective_status(packet, decision)
        kind = field_kind(document.doc_type, row.name, row.item_index is not None)
        item = repository.item_name(session, row)
        return {
            "field": row, "document": document, "page": page, "packet": packet, "source": original.file_name,
            "label": labels.field(row.name, row.item_index, item), "key": field_key(row.name, row.item_index),
            "kind_hint": KIND_HINTS.get(kind, ""), "blocking": is_blocking(document.doc_type, row.name, row.item_index),
            "status": status, "payable": payable, "page_size": page_size(page_file(pages_dir, page)),
            "failing_checks": [c for c in document.checks if not c.get("ok")],
            "seen": version_of(repository.last_change_of_field(session, field_id)),
            "box": shown_box(session, row, page), "item_row": _item_row(session, row),
        }


def shown_box(session, row, page: Page) -> list | None:
    """Where the value is printed. An item's amount is the cell on its own row, under the amount column
    (金额) nearest right of its name, that reads as it: a unit price in another column may carry the
    same digits, and the box read may sit on it."""
    if row.item_index is None or row.name != "amount" or row.value is None or not row.box:
        return row.box
    name = next((f for f in repository.fields_of_document(session, row.document_id)
                 if f.item_index == row.item_index and f.name == "name" and f.box), None)
    if name is None:
        return row.box
    lines = page.ocr_lines or []
    top, bottom = name.box[1], name.box[3]
    cells = [line["box"] for line in lines
             if top <= (line["box"][1] + line["box"][3]) / 2 <= bottom and line["box"][0] > name.box[0]
             and row.value in re.findall(r"\d+\.\d{2}", clean_text(line["text"]).replace(",", ""))]
    if not cells:
        return row.box
    headers = [line["box"] for line in lines if clean_text(line["text"]).startswith("金额") and line["box"][0] > name.box[0]]
    if headers:
        column = min(headers, key=lambda box: box[0])
        centre = (column[0] + column[2]) / 2
        return min(cells, key=lambda box: abs((box[0] + box[2]) / 2 - centre))
    return min(cells, key=lambda box: box[0])


def _item_row(session, row) -> list:
    """The other cells of an item's row, for the clerk to see which row it is."""
    if row.item_index is None:
        return []
    return [("名称" if f.name == "name" else labels.field(f.name), labels.value(f.value, f.value_type))
            for f in repository.fields_of_document(session, row.document_id)
            if f.item_index == row.item_index and f.id != row.id]


def check_view(db_url: str, document_id: int, check: str, pages_dir: Path) -> dict:
    with session_scope(db_url) as session:
        waiting = waiting_check(session, document_id, check)
        page = session.get(Page, waiting.document.page_id)
        status, payable = effective_status(waiting.packet, repository.current_decision(session, waiting.packet.id))
        fields = {field_key(f.name, f.item_index): f for f in repository.fields_of_document(session, document_id)}
        sides = [{"label": side.label, "amount": f"{side.amount:.2f}",
                  "fields": [(labels.field(fields[key].name, fields[key].item_index,
                                           repository.item_name(session, fields[key])), fields[key]) for key in side.fields
                             if key in fields]} for side in waiting.sides]
        involved = {name for names in (s[1] for s in _sides_of(check)) for name in names}
        missing = [name for name in involved if name in addable_fields(waiting.document.doc_type)
                   and repository.document_field(session, document_id, name) is None]
        return {"document": waiting.document, "packet": waiting.packet, "check": waiting.check, "sides": sides,
                "review": waiting.review, "page": page, "page_size": page_size(page_file(pages_dir, page)),
                "status": status, "payable": payable, "missing": sorted(missing), "check_label": labels.check(check),
                "boxes": [f.box for side in sides for _, f in side["fields"] if f.box]}


def _sides_of(check: str):
    return SIDES.get(check, ())


def add_field_view(db_url: str, document_id: int, pages_dir: Path) -> dict:
    """A document's page, for the clerk to draw a value the machine never found, and the fields it may be."""
    with session_scope(db_url) as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"document {document_id} does not exist")
        packet = session.get(Packet, document.packet_id)
        page = session.get(Page, document.page_id)
        present = {f.name for f in repository.fields_of_document(session, document_id) if f.item_index is None}
        status, payable = effective_status(packet, repository.current_decision(session, packet.id))
        return {"document": document, "packet": packet, "page": page, "status": status, "payable": payable,
                "page_size": page_size(page_file(pages_dir, page)),
                "choices": [name for name in addable_fields(document.doc_type) if name not in present]}


def page_file(pages_dir: Path, page: Page) -> Path | None:
    """The page's image in $CLAIMS_HOME/pages, or None when it is not there.

    Nothing outside that folder is ever served: page images are named by content hash (`ab/ab12…-1.png`),
    so the stored path's folder and file name find the image in this home's pages folder, wherever the
    shared CLAIMS_HOME is mounted; a name that leads out of it (`..`, a symbolic link) finds nothing.
    """
    stored = Path(page.image_path)
    root = pages_dir.resolve()
    path = (root / stored.parent.name / stored.name).resolve()
    return path if path.is_relative_to(root) and path != root and path.is_file() else None


def page_size(path: Path | None) -> tuple[int, int] | None:
    """Width and height of a page image (the header only is read), or None without one."""
    if path is None:
        return None
    with Image.open(path) as image:
        return image.size


def claim_view(db_url: str, packet_id: int) -> dict:
    with session_scope(db_url) as session:
        packet = session.get(Packet, packet_id)
        if packet is None:
            raise NotFoundError(f"packet {packet_id} does not exist")
        decision = repository.current_decision(session, packet_id)
        status, payable = effective_status(packet, decision)
        member = session.get(Member, packet.member_id) if packet.member_id else None
        pages = {page.id: page for page in repository.pages_of(session, packet_id)}
        originals = {original.id: original.file_name for original in repository.originals_of(session, packet_id)}
        documents = []
        for row in repository.document_rows(session, packet_id):
            page = pages[row.page_id]
            view = DocumentView(row.id, row.doc_type, row.page_id, originals.get(page.original_id, ""),
                                checks=list(row.checks or []))
            present = {value.name for value in repository.fields_of_document(session, row.id)
                       if value.item_index is None}
            view.missing = [name for name in addable_fields(row.doc_type) if name not in present]
            items: dict[int, list] = {}
            for value in repository.fields_of_document(session, row.id):
                if value.item_index is None:
                    view.fields.append(value)
                else:
                    items.setdefault(value.item_index, []).append(value)
            view.items = [(index + 1, next((f.value for f in items[index] if f.name == "name"), ""), items[index])
                          for index in sorted(items)]
            documents.append(view)
        ledger = _ledger(session, packet, decision)
        return {
            "packet": packet, "decision": decision, "status": status, "payable": payable, "member": member,
            "documents": documents, "reasons": reasons_of(decision.decision) if decision else [],
            "ledger": ledger, "audit": repository.audit_trail(session, packet_id),
            "history": repository.decision_history(session, packet_id),
        }


def _ledger(session, packet: Packet, decision) -> dict | None:
    if decision is None or not packet.member_id or not decision.claim.get("visits"):
        return None
    year_start = policy_year_start(decision.claim)
    entries = repository.ledger_entries_for_year(session, packet.member_id, year_start)
    return {"year_start": year_start, "entries": entries,
            "totals": repository.ledger_for(session, packet.member_id, year_start)}


def reasons_of(decision: dict) -> list[Reason]:
    """Every reason the decision gives, from the claim down to the item, each with its clause's text."""
    found = [Reason("整个案件", r["clause"], r["text"], full_clause(r["clause"])) for r in decision.get("reasons", [])]
    for visit in decision.get("visits", []):
        where = labels.visit(visit.get("visit_id", ""))
        found += [Reason(where, r["clause"], r["text"], full_clause(r["clause"])) for r in visit.get("reasons", [])]
        for receipt in visit.get("receipts", []):
            on_receipt = f"{where} · 票据 {receipt.get('invoice_number') or '—'}"
            found += [Reason(on_receipt, r["clause"], r["text"], full_clause(r["clause"]))
                      for r in receipt.get("reasons", [])]
            for item in receipt.get("items", []):
                found += [Reason(f"{on_receipt} · {item.get('name', '')}", r["clause"], r["text"],
                                 full_clause(r["clause"]), item.get("excluded_amount"))
                          for r in item.get("reasons", [])]
    return found


def full_clause(clause_id: str) -> str:
    try:
        return clause_text(clause_id)
    except UnknownClauseError:
        return "（条款原文未收录）"


def claims_list(db_url: str) -> list[dict]:
    with session_scope(db_url) as session:
        return [_packet_row(session, packet) for packet in repository.packets_newest_first(session)]


def _packet_row(session, packet: Packet) -> dict:
    status, payable = effective_status(packet, repository.current_decision(session, packet.id))
    return {"packet": packet, "status": status, "payable": payable}


def dashboard(db_url: str) -> dict:
    queue = review_queue(db_url)
    with session_scope(db_url) as session:
        today = [_packet_row(session, packet) for packet in repository.packets_newest_first(session, start_of_today())]
        confidence = sorted(repository.confidence_by_field(session), key=lambda row: row[2])  # weakest first
    statuses = Counter(row["status"] for row in today)
    paid = sum((Decimal(row["payable"]) for row in today), Decimal("0"))
    return {
        "today": today, "statuses": sorted(statuses.items()), "paid_today": f"{paid:.2f}",
        "backlog_fields": len(queue), "backlog_blocking": sum(item.blocking for item in queue),
        "backlog_packets": len({item.packet_id for item in queue}), "confidence": confidence,
    }
