"""The supervisors' signal and blacklist pages over the processed sample packets: who may reach them,
CSRF, mandatory reasons, the audit trail, and the signals clerks see on the queue and the claim page."""

from __future__ import annotations

import pytest

from tests.review.helpers import (
    CLERK, SUPERVISOR, csrf_of, current_decision, log_in, misread, packet_id, photocopy_receipt, raised_signals,
)

SECOND = "02_under_deductible"  # approved, 0.00: under the deductible
ZHANG = "M498C31BC52"


@pytest.fixture
def copied(review_home):
    """The samples with the second packet's receipt scanned as a grey photocopy: one open signal."""
    photocopy_receipt(review_home.db_url, SECOND, review_home.home)
    [signal] = raised_signals(review_home.db_url)
    return signal


def test_clerks_reach_no_supervisor_page_or_action(client, review_home, copied):
    log_in(client, *CLERK)
    csrf = csrf_of(client.get("/queue").text)
    for page in ("/signals", f"/signals/{copied.id}", "/blacklist"):
        assert client.get(page).status_code == 403, page
    for action, form in ((f"/signals/{copied.id}/dismiss", {"reason": "不像复印件"}),
                         (f"/signals/{copied.id}/escalate", {}),
                         ("/blacklist", {"member": ZHANG, "day": "2026-10-12", "reason": "x"})):
        assert client.post(action, data={"csrf": csrf, **form}, follow_redirects=False).status_code == 403, action
    assert raised_signals(review_home.db_url)[0].status == "open"
    assert current_decision(review_home.db_url, "01_outpatient_pays").status == "partially_approved"
    assert 'href="/signals"' not in client.get("/").text  # not in a clerk's menu


def test_clerks_see_a_claims_signals_on_the_queue_and_the_claim_page(client, review_home, copied):
    misread(review_home.db_url, SECOND, "medical_record", "chief_complaint", "腰痛1周。", 0.44)  # a field to review
    log_in(client, *CLERK)
    queue = client.get("/queue").text
    assert "风险信号 1" in queue
    claim = client.get(f"/claims/{packet_id(review_home.db_url, SECOND)}").text
    assert "票据疑为复印件" in claim and "没有红色或蓝色印章墨迹" in claim
    assert f'href="/signals/{copied.id}"' not in claim  # a clerk cannot act on it


def test_a_supervisor_dismisses_only_with_a_reason_and_the_trail_keeps_it(client, review_home, copied):
    log_in(client, *SUPERVISOR)
    listed = client.get("/signals").text
    assert "票据疑为复印件" in listed and f'href="/signals/{copied.id}"' in listed
    page = client.get(f"/signals/{copied.id}").text
    assert f'href="/pages/{copied.evidence["page_id"]}/image"' in page and "M4.2.8" in page
    scan = client.get(f"/pages/{copied.evidence['page_id']}/image")  # the evidence: the grey scan itself
    assert scan.status_code == 200 and scan.headers["content-type"] == "image/png"
    csrf = csrf_of(page)

    assert client.post(f"/signals/{copied.id}/dismiss", data={"reason": "复印件为备份"},
                       follow_redirects=False).status_code == 403  # no CSRF token
    refused = client.post(f"/signals/{copied.id}/dismiss", data={"csrf": csrf, "reason": "  "})
    assert refused.status_code == 422 and "必须填写理由" in refused.text
    done = client.post(f"/signals/{copied.id}/dismiss", data={"csrf": csrf, "reason": "会员另交原件，已核对"},
                       follow_redirects=False)
    assert done.status_code == 303
    signal = raised_signals(review_home.db_url)[0]
    assert (signal.status, signal.decided_by, signal.reason) == ("dismissed", SUPERVISOR[0], "会员另交原件，已核对")
    again = client.post(f"/signals/{copied.id}/escalate", data={"csrf": csrf})
    assert again.status_code == 422 and "已排除" in again.text
    assert client.post("/signals/999999/dismiss", data={"csrf": csrf, "reason": "x"}).status_code == 404

    audit = client.get(f"/claims/{packet_id(review_home.db_url, SECOND)}").text
    assert "风险信号排除" in audit and "会员另交原件，已核对" in audit and "风险信号 · 票据疑为复印件" in audit
    assert "已排除" in client.get("/signals?status=dismissed").text
    assert "没有符合条件的风险信号" in client.get("/signals").text  # none open any more


def test_a_supervisor_blacklists_from_the_page_and_lifts_again(client, review_home):
    url = review_home.db_url
    log_in(client, *SUPERVISOR)
    csrf = csrf_of(client.get("/blacklist").text)
    missing = client.post("/blacklist", data={"csrf": csrf, "member": ZHANG, "day": "2026-10-12", "reason": ""})
    assert missing.status_code == 422 and "必须填写理由" in missing.text
    added = client.post("/blacklist", data={"csrf": csrf, "member": ZHANG, "day": "2026-10-12",
                                            "reason": "伪造票据，证据确凿"})
    assert added.status_code == 200 and "已列入自 2026-01-01 起保单年度的黑名单" in added.text
    assert "张*" in added.text and "张伟" not in added.text  # masked on the list
    assert current_decision(url, "01_outpatient_pays").status == "rejected"
    claim = client.get(f"/claims/{packet_id(url, '01_outpatient_pays')}").text
    assert "列入黑名单（M4.2.26）" in claim and "伪造票据，证据确凿" in claim

    lifted = client.post("/blacklist/lift", data={"csrf": csrf, "member": ZHANG, "day": "2026-01-01",
                                                  "reason": "复核撤销"})
    assert lifted.status_code == 200 and "已移出" in lifted.text
    assert current_decision(url, "01_outpatient_pays").payable == "385.00"
