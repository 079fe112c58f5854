"""Two clerks on the same claim: a correction applies only to the value its clerk saw, and packets decided
again at the same moment end with one current decision. On SQLite and, where CI has one, PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlmodel import select

from flows.decisions import redecide
from review import service
from review.app import create_app
from review.users import create_user
from store import repository
from store.db import session_scope
from store.models import Decision, ExtractedField, LedgerEntry
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, csrf_of, form_of, log_in, misread, packet_id

FIRST = "01_outpatient_pays"  # partially approved, 385.00 payable, when read right
SECOND_CLERK = ("zhao.clerk", "clerk-password-2")
RACERS = 4


def _clients(review_home) -> tuple[TestClient, TestClient]:
    """Two browsers, two clerks, each with a session of their own."""
    create_user(review_home.db_url, *SECOND_CLERK, "clerk")
    first, second = (TestClient(create_app(review_home.db_url, review_home.home, secret=SECRET)) for _ in range(2))
    log_in(first, *CLERK)
    log_in(second, *SECOND_CLERK)
    return first, second


def test_a_correction_made_meanwhile_is_not_overwritten(review_home):
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    li, zhao = _clients(review_home)
    li_page, zhao_page = li.get(f"/fields/{total}").text, zhao.get(f"/fields/{total}").text
    assert li.post(f"/fields/{total}/correct", data=form_of(li_page, value="1250.00"),
                   follow_redirects=False).status_code == 303

    late = zhao.post(f"/fields/{total}/correct", data=form_of(zhao_page, value="1260.00"))
    assert late.status_code == 409
    assert CLERK[0] in late.text and "重新载入" in late.text
    assert 'value="1260.00"' in late.text  # what the second clerk typed is still in the form
    assert _value(url, total) == "1250.00"
    assert [(e.kind, e.actor, e.new_value) for e in _audit(url) if e.kind != "redecision"] == [
        ("correction", CLERK[0], "1250.00")]

    # Having seen the new value, the second clerk may still change it, deliberately.
    assert zhao.post(f"/fields/{total}/correct", data=form_of(late.text, value="1260.00"),
                     follow_redirects=False).status_code == 303
    assert _value(url, total) == "1260.00"


def test_accepting_as_read_a_value_changed_meanwhile_is_refused(review_home):
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    li, zhao = _clients(review_home)
    zhao_page = zhao.get(f"/fields/{total}").text
    li_page = li.get(f"/fields/{total}").text
    li.post(f"/fields/{total}/correct", data=form_of(li_page, value="1250.00"))
    refused = zhao.post(f"/fields/{total}/accept", data=form_of(zhao_page))
    assert refused.status_code == 409 and CLERK[0] in refused.text
    assert _value(url, total) == "1250.00" and [e.kind for e in _audit(url)] == ["correction", "redecision"]


def test_a_post_without_the_seen_version_is_refused(client, review_home):
    total = misread(review_home.db_url, FIRST, "receipt", "total", "1300.00", 0.41)
    log_in(client, *CLERK)
    page = client.get(f"/fields/{total}").text
    assert client.post(f"/fields/{total}/correct", data={"csrf": csrf_of(page), "value": "1.00"}).status_code == 409
    assert _value(review_home.db_url, total) == "1300.00"


def test_an_override_of_a_decision_that_changed_meanwhile_is_refused(review_home):
    url = review_home.db_url
    packet = packet_id(url, FIRST)
    create_user(url, "chen.supervisor", "supervisor-password-2", "supervisor")
    first, second = (TestClient(create_app(url, review_home.home, secret=SECRET)) for _ in range(2))
    log_in(first, *SUPERVISOR)
    log_in(second, "chen.supervisor", "supervisor-password-2")
    first_page, second_page = first.get(f"/claims/{packet}").text, second.get(f"/claims/{packet}").text
    override = {"status": "approved", "reason": "诊查费经核实为急诊必需"}
    assert first.post(f"/claims/{packet}/override", data=form_of(first_page, payable="420.00", **override),
                      follow_redirects=False).status_code == 303
    late = second.post(f"/claims/{packet}/override", data=form_of(second_page, payable="500.00", **override))
    assert late.status_code == 409 and SUPERVISOR[0] in late.text
    with session_scope(url) as session:
        assert repository.current_decision(session, packet).payable == "420.00"
    assert [e.actor for e in _audit(url)] == [SUPERVISOR[0]]


def test_clerks_racing_on_one_field_leave_one_correction(review_home):
    """Threads submit at the same moment, each against the version all of them saw: one wins."""
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    seen = service.field_version(url, total)
    start = threading.Barrier(RACERS)

    def correct(index: int) -> str:
        start.wait()
        try:
            service.correct_field(url, total, f"125{index}.00", "", f"clerk{index}", seen)
        except service.ConflictError:
            return "refused"
        return "stored"

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(correct, range(RACERS)))
    corrections = [e for e in _audit(url) if e.kind == "correction"]
    assert sorted(outcomes) == ["refused"] * (RACERS - 1) + ["stored"]
    assert len(corrections) == 1 and _value(url, total) == corrections[0].new_value
    assert _current_decisions(url) == 1


def test_a_packet_decided_again_by_several_at_once_has_one_current_decision(review_home):
    url = review_home.db_url
    misread(url, FIRST, "receipt", "total", "1250.00", 0.99)
    start = threading.Barrier(RACERS)

    def decide(_index: int) -> str:
        start.wait()
        return redecide(url, packet_id(url, FIRST)).status

    with ThreadPoolExecutor(RACERS) as pool:
        assert set(pool.map(decide, range(RACERS))) == {"partially_approved"}
    assert _current_decisions(url) == 1
    with session_scope(url) as session:
        current = repository.current_decision(session, packet_id(url, FIRST))
        entries = session.exec(select(LedgerEntry).join(Decision, Decision.id == LedgerEntry.decision_id)
                               .where(Decision.packet_id == current.packet_id,
                                      LedgerEntry.current == True)).all()  # noqa: E712
    assert [entry.decision_id for entry in entries] == [current.id] and current.payable == "385.00"


def _value(db_url: str, field: int) -> str | None:
    with session_scope(db_url) as session:
        return session.get(ExtractedField, field).value


def _audit(db_url: str):
    with session_scope(db_url) as session:
        return repository.audit_trail(session, packet_id(db_url, FIRST))


def _current_decisions(db_url: str) -> int:
    with session_scope(db_url) as session:
        return len(session.exec(select(Decision).where(Decision.packet_id == packet_id(db_url, FIRST),
                                                       Decision.current == True)).all())  # noqa: E712
