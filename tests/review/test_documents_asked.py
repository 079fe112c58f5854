"""Documents asked for (M2.7), end to end on the processed samples: a clerk asks for the record's original
with a reason, the claim waits for it (pending_documents), the member's letter says what and why with the
M3.5 deadline, the nightly report lists it; received, the claim is decided again; past the window, it expires."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from flows.nightly import nightly
from flows.settings import load_settings
from store import repository
from store.db import session_scope
from store.models import AuditEntry, DocumentRequest
from tests.review.helpers import CLERK, csrf_of, current_decision, log_in, packet_id
from tests.samples import run_claims

PACKET = "02_under_deductible"  # the only claim of its member: no other claim's ledger moves with it
REASON = "门诊病历复印件字迹不清，需核对原件"


def ask(client, pid: int, document: str = "病历原件", reason: str = REASON):
    page = client.get(f"/claims/{pid}")
    return client.post(f"/desk/{pid}/documents/ask", data={"csrf": csrf_of(page.text), "document": document,
                                                               "reason": reason}, follow_redirects=False)


def test_a_claim_asked_for_the_records_original_waits_and_the_letter_and_report_say_why(client, review_home):
    log_in(client, *CLERK)
    pid = packet_id(review_home.db_url, PACKET)
    assert current_decision(review_home.db_url, PACKET).status == "approved"

    response = ask(client, pid)
    assert response.status_code == 303, response.text
    decision = current_decision(review_home.db_url, PACKET)
    assert (decision.status, decision.payable) == ("pending_documents", "0.00")
    assert "病历原件" in decision.decision["missing_documents"]
    assert any(r["clause"] == "M2.7" and REASON in r["text"] for r in decision.decision["reasons"])
    with session_scope(review_home.db_url) as session:
        kinds = [(e.kind, e.actor) for e in repository.audit_trail(session, pid)]
    assert ("documents_requested", CLERK[0]) in kinds and ("redecision", "system") in kinds
    page = client.get(response.headers["location"])
    assert "病历原件" in page.text and REASON in page.text and "待补" in page.text

    letter = run_claims("letter", decision.claim_id, "--db", review_home.db_url, home=review_home.home)
    assert letter.returncode == 0, letter.stderr
    assert f"病历原件(条款 M2.7):本公司要求补充提供病历原件,原因:{REASON}" in letter.stdout
    assert "条款 M3.5" in letter.stdout and "前补交上述材料" in letter.stdout

    summary = nightly(load_settings(str(review_home.home), review_home.db_url))
    report = (review_home.home / "reports" / f"{summary.day.isoformat()}.html").read_text(encoding="utf-8")
    section = report[report.index("待补材料（M2.7）"):]
    assert decision.claim_id in section and REASON in section and "病历原件" in section
    facts = json.loads((review_home.home / "reports" / f"{summary.day.isoformat()}.json").read_text(encoding="utf-8"))
    asked = [row for row in facts["documents_requested"] if row["claim_id"] == decision.claim_id]
    assert [(row["document"], row["reason"]) for row in asked] == [("病历原件", REASON)]
    assert asked[0]["last_day"] is not None

    with session_scope(review_home.db_url) as session:
        request_id = repository.document_requests(session, pid)[0].id
    page = client.get(f"/claims/{pid}")
    response = client.post(f"/desk/{pid}/documents/{request_id}/received", data={"csrf": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    decision = current_decision(review_home.db_url, PACKET)
    assert (decision.status, decision.payable) == ("approved", "0.00")
    with session_scope(review_home.db_url) as session:
        assert session.get(DocumentRequest, request_id).status == "received"
        received = session.exec(select(AuditEntry).where(AuditEntry.kind == "documents_received")).one()
        assert received.actor == CLERK[0]


def test_a_request_without_a_reason_is_refused_and_the_claim_stays_as_decided(client, review_home):
    log_in(client, *CLERK)
    pid = packet_id(review_home.db_url, PACKET)
    response = ask(client, pid, reason="  ")
    assert response.status_code == 422 and "请填写要求补充材料的原因" in response.text
    assert current_decision(review_home.db_url, PACKET).status == "approved"


def test_a_request_still_open_when_the_claim_window_closes_expires_with_the_claim(client, review_home):
    log_in(client, *CLERK)
    pid = packet_id(review_home.db_url, PACKET)
    assert ask(client, pid).status_code == 303
    claim_id = current_decision(review_home.db_url, PACKET).claim_id
    summary = nightly(load_settings(str(review_home.home), review_home.db_url), date(2030, 1, 1))
    assert claim_id in summary.expired
    with session_scope(review_home.db_url) as session:
        assert [r.status for r in repository.document_requests(session, pid)] == ["expired"]
