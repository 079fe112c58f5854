"""Helpers of the review app's tests: users, logging in, and fields a poor scan would have misread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
from fastapi.testclient import TestClient
from sqlmodel import select

from flows.decisions import redecide
from review.service import refresh_review_flags
from store import repository
from store.db import session_scope
from store.models import Document, ExtractedField, Packet, Page, RaisedSignal

CLERK = ("li.clerk", "clerk-password-1")
SUPERVISOR = ("wang.supervisor", "supervisor-password-1")
SECRET = "test-secret"


@dataclass(frozen=True)
class ReviewHome:
    home: Path
    db_url: str


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def form_of(html: str, **typed: str) -> dict:
    """What the page's form posts: its hidden fields (the CSRF token, the version of what it shows, the
    queue's filters) and what the user typed."""
    return {**dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)), **typed}


def log_in(client: TestClient, username: str, password: str) -> None:
    form = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def field_id(db_url: str, packet_name: str, doc_type: str, name: str, item_index: int | None = None) -> int:
    with session_scope(db_url) as session:
        query = (select(ExtractedField.id).join(Document, Document.id == ExtractedField.document_id)
                 .join(Packet, Packet.id == Document.packet_id)
                 .where(Packet.name == packet_name, Document.doc_type == doc_type, ExtractedField.name == name,
                        ExtractedField.item_index == item_index))
        return session.exec(query).one()


def packet_id(db_url: str, packet_name: str) -> int:
    with session_scope(db_url) as session:
        return session.exec(select(Packet.id).where(Packet.name == packet_name)).one()


def misread(db_url: str, packet_name: str, doc_type: str, name: str, value: str | None, confidence: float) -> int:
    """Store what a poor scan would have given for a field, and the packet's decision on it, as the intake would."""
    target = field_id(db_url, packet_name, doc_type, name)
    with session_scope(db_url) as session:
        field = session.get(ExtractedField, target)
        field.value, field.confidence = value, confidence
    redecide(db_url, packet_id(db_url, packet_name))
    with session_scope(db_url) as session:
        refresh_review_flags(session, packet_id(db_url, packet_name))
    return target


def current_decision(db_url: str, packet_name: str):
    with session_scope(db_url) as session:
        return repository.current_decision(session, packet_id(db_url, packet_name))


def photocopy_receipt(db_url: str, packet_name: str, home: Path) -> int:
    """Make the packet's receipt page a grey photocopy (a new image in the home's pages folder; the stored
    one may be shared with other tests) and decide the packet again, as if that is what had been scanned.
    Gives the page id."""
    with session_scope(db_url) as session:
        page = session.exec(select(Page).join(Document, Document.page_id == Page.id)
                            .join(Packet, Packet.id == Document.packet_id)
                            .where(Packet.name == packet_name, Document.doc_type == "receipt")).one()
        grey = cv2.cvtColor(cv2.cvtColor(cv2.imread(page.image_path), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        copy = home / "pages" / "photocopies" / f"{page.id}.png"
        copy.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(copy), grey)
        page.image_path, page_id = str(copy), page.id
    redecide(db_url, packet_id(db_url, packet_name))
    return page_id


def raised_signals(db_url: str, rule: str | None = None) -> list[RaisedSignal]:
    """The abuse signals stored, oldest first (of one rule, if given)."""
    with session_scope(db_url) as session:
        query = select(RaisedSignal).order_by(RaisedSignal.id)
        return list(session.exec(query.where(RaisedSignal.rule == rule) if rule else query).all())
