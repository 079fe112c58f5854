"""The review app over the real processed sample packets: auth, corrections, overrides, the audit trail."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from adjudicator.clauses import clause_text
from flows.decisions import policy_year_start
from pipeline.errors import BadInputError
from review.service import review_queue
from review.users import create_user
from store import repository
from store.db import session_scope
from store.models import AuditEntry, ExtractedField, Packet, ReviewSession, ReviewUser
from tests.review.helpers import (
    CLERK, SUPERVISOR, csrf_of, current_decision, field_id, form_of, log_in, misread, packet_id,
)

FIRST = "01_outpatient_pays"  # partially approved, 385.00 payable, when read right


# --- login, sessions, CSRF ------------------------------------------------------


def test_anonymous_requests_get_no_page_scan_or_crop(client, review_home):
    total = field_id(review_home.db_url, FIRST, "receipt", "total")
    for page in ("/", "/queue", "/claims", f"/claims/{packet_id(review_home.db_url, FIRST)}", f"/fields/{total}"):
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), page
    assert client.get("/pages/1/image").status_code == 401
    assert client.get(f"/fields/{total}/crop").status_code == 401
    refused = client.post(f"/fields/{total}/correct", data={"value": "1.00"}, follow_redirects=False)
    assert refused.status_code == 401
    assert _field(review_home.db_url, total).value == "1250.00"


def test_wrong_password_or_unknown_user_is_refused_alike(client):
    for username, password in ((CLERK[0], "not-the-password"), ("nobody", CLERK[1])):
        form = client.get("/login")
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf": csrf_of(form.text)}, follow_redirects=False)
        assert response.status_code == 401 and "用户名或密码错误" in response.text
        assert "review_session" not in response.cookies
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_leads_back_to_the_page_asked_for_but_never_off_site(client):
    form = client.get("/login?next=/queue")
    response = client.post("/login", data={"username": CLERK[0], "password": CLERK[1], "csrf": csrf_of(form.text),
                                           "next": "//evil.example/steal"}, follow_redirects=False)
    assert response.headers["location"] == "/"
    page = client.get("/queue")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_passwords_are_stored_as_salted_scrypt_hashes(review_home):
    with session_scope(review_home.db_url) as session:
        hashes = [user.password_hash for user in session.exec(select(ReviewUser)).all()]
    assert all(stored.startswith("scrypt$") for stored in hashes)
    assert not any(CLERK[1] in stored or SUPERVISOR[1] in stored for stored in hashes)
    create_user(review_home.db_url, "same.password", CLERK[1], "clerk")
    with session_scope(review_home.db_url) as session:
        twins = [repository.review_user_by_name(session, name).password_hash for name in (CLERK[0], "same.password")]
    assert twins[0] != twins[1]  # salted


@pytest.mark.parametrize("username, password, role", [
    ("x", "long-enough-password", "clerk"), ("ok.name", "short", "clerk"), ("ok.name", "long-enough-password", "admin"),
    (CLERK[0], "long-enough-password", "clerk"),
])
def test_create_user_refuses_bad_accounts(review_home, username, password, role):
    with pytest.raises(BadInputError):
        create_user(review_home.db_url, username, password, role)


def test_an_idle_or_too_old_session_expires(client, review_home):
    log_in(client, *CLERK)
    assert client.get("/queue").status_code == 200
    _age_sessions(review_home.db_url, last_seen=timedelta(minutes=31))
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with session_scope(review_home.db_url) as session:
        assert session.exec(select(ReviewSession)).all() == []  # the expired session is gone, not just refused
    log_in(client, *CLERK)
    _age_sessions(review_home.db_url, created=timedelta(hours=13))
    assert client.get("/pages/1/image").status_code == 401


def test_a_post_without_the_csrf_token_is_forbidden(client, review_home):
    total = field_id(review_home.db_url, FIRST, "receipt", "total")
    log_in(client, *CLERK)
    for form in ({"value": "1.00"}, {"value": "1.00", "csrf": "forged"}):
        assert client.post(f"/fields/{total}/correct", data=form).status_code == 403
    assert _field(review_home.db_url, total).value == "1250.00"
    assert client.post("/login", data={"username": CLERK[0], "password": CLERK[1]}).status_code == 403


def test_logout_ends_the_session(client):
    log_in(client, *CLERK)
    page = client.get("/queue")
    client.post("/logout", data=form_of(page.text))
    assert client.get("/queue", follow_redirects=False).status_code == 303


# --- images ----------------------------------------------------------------------


def test_page_images_and_crops_are_looked_up_by_id(client, review_home):
    total = field_id(review_home.db_url, FIRST, "receipt", "total")
    log_in(client, *CLERK)
    crop = client.get(f"/fields/{total}/crop")
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    page = client.get("/pages/1/image")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert client.get("/pages/99999/image").status_code == 404
    for path in ("/pages/..%2F..%2Fetc%2Fpasswd/image", "/pages/1%2F..%2F2/image"):
        assert client.get(path).status_code in (404, 422)


# --- queue, correction, re-adjudication ------------------------------------------


def test_the_queue_puts_what_blocks_payment_first_then_the_oldest_packet(client, review_home):
    url = review_home.db_url
    complaint = misread(url, FIRST, "medical_record", "chief_complaint", "咳嗽咳痰伴发热3天。", 0.41)
    later_total = misread(url, "04_second_claim_same_member", "receipt", "total", "500.00", 0.52)
    queue = review_queue(url)
    # the misread total fails the sums: the total and every field they involve wait, all before the complaint
    assert later_total in [item.field_id for item in queue] and queue[-1].field_id == complaint
    assert all(item.blocking and item.packet_name == "04_second_claim_same_member" for item in queue[:-1])
    assert not queue[-1].blocking
    assert [i.field_id for i in review_queue(url, doc_type="medical_record")] == [complaint]
    assert [i.field_id for i in review_queue(url, field="total")] == [later_total]
    assert [i.field_id for i in review_queue(url, packet=FIRST)] == [complaint]
    log_in(client, *CLERK)
    page = client.get("/queue?doc_type=receipt").text
    assert f"/fields/{later_total}" in page and f"/fields/{complaint}" not in page


def test_a_correction_updates_the_field_audits_it_and_redecides_the_claim(client, review_home):
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    before = current_decision(url, FIRST)
    assert (before.status, before.payable) != ("partially_approved", "385.00")
    log_in(client, *CLERK)
    page = client.get(f"/fields/{total}")
    response = client.post(f"/fields/{total}/correct", data=form_of(page.text, value="¥1,250"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert "部分批准" in response.text and "¥385.00" in response.text
    field = _field(url, total)
    assert (field.value, field.source, field.confidence, field.needs_review) == ("1250.00", "clerk", 1.0, False)
    after = current_decision(url, FIRST)
    assert (after.status, after.payable) == ("partially_approved", "385.00") and after.id != before.id
    assert review_queue(url, packet=FIRST) == []  # the fields the failed sums had flagged are settled too
    correction, redecision = _audit(url, FIRST)
    assert (correction.kind, correction.actor, correction.old_value, correction.new_value) == (
        "correction", CLERK[0], "1300.00", "1250.00")
    assert correction.reason and correction.field_label == "receipt.total"
    assert (redecision.kind, redecision.caused_by, redecision.status_after, redecision.payable_after) == (
        "redecision", correction.id, "partially_approved", "385.00")


def test_accept_as_read_confirms_the_value(client, review_home):
    url = review_home.db_url
    complaint = misread(url, FIRST, "medical_record", "chief_complaint", "咳嗽咳痰伴发热3天。", 0.41)
    log_in(client, *CLERK)
    page = client.get(f"/fields/{complaint}")
    client.post(f"/fields/{complaint}/accept", data=form_of(page.text))
    field = _field(url, complaint)
    assert (field.value, field.source, field.needs_review) == ("咳嗽咳痰伴发热3天。", "clerk", False)
    assert [entry.kind for entry in _audit(url, FIRST)] == ["accepted", "redecision"]


@pytest.mark.parametrize("doc_type, name, typed, message", [
    ("receipt", "visit_date", "2026-02-30", "不是有效日期"),
    ("receipt", "total", "12abc", "不是金额"),
    ("id_copy", "id_number", "310101198103152317", "校验位不符"),
    ("receipt", "total", "", "请输入值"),
])
def test_an_invalid_entry_is_refused_and_changes_nothing(client, review_home, doc_type, name, typed, message):
    url = review_home.db_url
    target = field_id(url, FIRST, doc_type, name)
    before = _field(url, target).value
    log_in(client, *CLERK)
    page = client.get(f"/fields/{target}")
    response = client.post(f"/fields/{target}/correct", data=form_of(page.text, value=typed))
    assert response.status_code == 422 and message in response.text
    assert _field(url, target).value == before and _audit(url, FIRST) == []


def test_no_name_or_id_number_reaches_the_logs(client, review_home, caplog):
    url = review_home.db_url
    caplog.set_level(logging.DEBUG)
    name, number = field_id(url, FIRST, "id_copy", "name"), field_id(url, FIRST, "id_copy", "id_number")
    log_in(client, *CLERK)
    for target, typed in ((name, "张卫"), (number, "11010519491231002X")):
        page = client.get(f"/fields/{target}")
        client.post(f"/fields/{target}/correct", data=form_of(page.text, value=typed))
    logged = caplog.text
    assert "field" in logged  # the app does log what happened, by id
    for secret in ("张伟", "张卫", "310101198103152316", "11010519491231002X", CLERK[1]):
        assert secret not in logged


# --- claim view, override, audit trail -----------------------------------------------


def test_the_claim_view_shows_documents_reasons_with_clause_text_and_the_ledger(client, review_home):
    log_in(client, *CLERK)
    page = client.get(f"/claims/{packet_id(review_home.db_url, FIRST)}").text
    assert "M4.2.1" in page and clause_text("M4.2.1") in page
    for shown in ("医疗收费票据", "门诊病历", "费用明细清单", "身份证复印件", "本年度台账", "¥385.00", "审计记录"):
        assert shown in page
    assert "主管改判" not in page  # a clerk is not offered the override


def test_a_clerk_cannot_override(client, review_home):
    url = review_home.db_url
    packet = packet_id(url, FIRST)
    log_in(client, *CLERK)
    page = client.get(f"/claims/{packet}")
    response = client.post(f"/claims/{packet}/override", data=form_of(
        page.text, status="approved", payable="1000.00", reason="客户投诉"))
    assert response.status_code == 403
    assert current_decision(url, FIRST).payable == "385.00" and _audit(url, FIRST) == []


def test_a_supervisor_override_needs_a_reason_and_is_kept_beside_the_old_decision(client, review_home):
    url = review_home.db_url
    packet = packet_id(url, FIRST)
    log_in(client, *SUPERVISOR)
    page = client.get(f"/claims/{packet}")
    assert "主管改判" in page.text
    form = form_of(page.text, status="approved", payable="420.00", reason=" ")
    refused = client.post(f"/claims/{packet}/override", data=form)
    assert refused.status_code == 422 and "改判必须填写理由" in refused.text
    form["reason"] = "诊查费经核实为急诊必需，全额认可"
    shown = client.post(f"/claims/{packet}/override", data=form, follow_redirects=True).text
    assert "诊查费经核实为急诊必需" in shown and "¥420.00" in shown
    with session_scope(url) as session:
        decisions = repository.decision_history(session, packet)
        member_id = session.get(Packet, packet).member_id
        ledger = repository.ledger_entries_for_year(session, member_id, policy_year_start(decisions[0].claim))
    assert [(d.status, d.payable, d.current) for d in decisions[:2]] == [
        ("approved", "420.00", True), ("partially_approved", "385.00", False)]
    assert decisions[0].decision["override"]["reason"] == form["reason"]
    assert sum(float(entry.outpatient_paid) for entry, decision in ledger if decision.packet_id == packet) == 420.0
    [override] = _audit(url, FIRST)
    assert (override.kind, override.actor, override.status_before, override.status_after) == (
        "override", SUPERVISOR[0], "partially_approved", "approved")


def test_the_audit_trail_is_append_only(client, review_home):
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    log_in(client, *CLERK)
    page = client.get(f"/fields/{total}")
    client.post(f"/fields/{total}/correct", data=form_of(page.text, value="1250.00"))
    with pytest.raises(DatabaseError, match="append-only"), session_scope(url) as session:
        session.exec(select(AuditEntry)).first().old_value = "forged"
    with pytest.raises(DatabaseError, match="append-only"), session_scope(url) as session:
        session.delete(session.exec(select(AuditEntry)).first())
    with pytest.raises(DatabaseError, match="append-only"), session_scope(url) as session:
        session.exec(text("DELETE FROM auditentry"))
    assert [entry.old_value for entry in _audit(url, FIRST)] == ["1300.00", None]
    trail = client.get(f"/claims/{packet_id(url, FIRST)}").text
    assert "1300.00" in trail and "1250.00" in trail and CLERK[0] in trail


def test_the_dashboard_shows_today_backlog_and_confidence_chart(client, review_home):
    misread(review_home.db_url, FIRST, "receipt", "total", "1300.00", 0.41)
    log_in(client, *CLERK)
    page = client.get("/").text
    assert "今日收到案件" in page and "待复核项目" in page and "<svg" in page and "合计" in page
    assert "04_second_claim_same_member" in page


# --- helpers ----------------------------------------------------------------------


def _field(db_url: str, target: int) -> ExtractedField:
    with session_scope(db_url) as session:
        return session.get(ExtractedField, target)


def _audit(db_url: str, packet_name: str) -> list[AuditEntry]:
    with session_scope(db_url) as session:
        return repository.audit_trail(session, packet_id(db_url, packet_name))


def _age_sessions(db_url: str, last_seen: timedelta = timedelta(0), created: timedelta = timedelta(0)) -> None:
    with session_scope(db_url) as session:
        for row in session.exec(select(ReviewSession)).all():
            row.last_seen -= last_seen
            row.created_at -= created
