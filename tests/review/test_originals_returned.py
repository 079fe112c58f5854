"""Originals sent back (M2.9), end to end on the processed samples: asked for on the cover sheet or by a
clerk; with the receipt copies and the stamped envelope they are listed after the decision (the app's
/originals, the nightly report) until a clerk marks them sent; without them they are not returned, and
the member's letter says so. Every step is in the claim's audit trail."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from flows.nightly import nightly
from flows.settings import load_settings
from store import repository
from store.db import session_scope
from store.models import Document, ExtractedField, Page
from tests.review.helpers import CLERK, csrf_of, current_decision, log_in, packet_id
from tests.samples import run_claims

TICKED, ASKED_BY_CLERK = "01_outpatient_pays", "02_under_deductible"
RECEIPT_OF = {TICKED: "2610453381", ASKED_BY_CLERK: "2610877420"}


def tick_cover_sheet(db_url: str, packet_name: str) -> int:
    """The packet's cover sheet as the intake stores one (doc_type cover_sheet), "请退回收据原件" ticked."""
    pid = packet_id(db_url, packet_name)
    with session_scope(db_url) as session:
        page = session.exec(select(Page).where(Page.packet_id == pid).order_by(Page.page_index)).first()
        sheet = Document(packet_id=pid, page_id=page.id, doc_type="cover_sheet", doc_type_confidence=1.0)
        session.add(sheet)
        session.flush()
        session.add(ExtractedField(document_id=sheet.id, name="return_originals", value="True", value_type="bool",
                                   confidence=1.0, page=page.page_index))
    return pid


def post(client, pid: int, action: str, **data):
    page = client.get(f"/claims/{pid}")
    return client.post(f"/desk/{pid}/originals/{action}", data={"csrf": csrf_of(page.text), **data},
                       follow_redirects=False)


def letter_of(review_home, packet_name: str) -> str:
    claim_id = current_decision(review_home.db_url, packet_name).claim_id
    letter = run_claims("letter", claim_id, "--db", review_home.db_url, home=review_home.home)
    assert letter.returncode == 0, letter.stderr
    return letter.stdout


def audit_kinds(db_url: str, pid: int) -> list[tuple[str, str]]:
    with session_scope(db_url) as session:
        return [(entry.kind, entry.actor) for entry in repository.audit_trail(session, pid)]


def report_of(review_home) -> tuple[str, dict]:
    summary = nightly(load_settings(str(review_home.home), review_home.db_url))
    folder = review_home.home / "reports"
    return ((folder / f"{summary.day.isoformat()}.html").read_text(encoding="utf-8"),
            json.loads((folder / f"{summary.day.isoformat()}.json").read_text(encoding="utf-8")))


def test_originals_ticked_on_the_cover_sheet_are_listed_after_the_decision_until_marked_sent(client, review_home):
    log_in(client, *CLERK)
    pid = tick_cover_sheet(review_home.db_url, TICKED)
    claim_id = current_decision(review_home.db_url, TICKED).claim_id
    listed = client.get("/originals").text
    assert claim_id in listed and "封面页勾选" in listed and "待核对随附材料" in listed
    assert "正在核对您随附的收据复印件和信封(条款 M2.9)" in letter_of(review_home, TICKED)

    assert post(client, pid, "enclosures", receipt_copy="1", envelope="1").status_code == 303
    listed = client.get("/originals").text
    assert "待退回" in listed and RECEIPT_OF[TICKED] in listed
    html, facts = report_of(review_home)
    table = html[html.index("待退回原件（M2.9）"):html.index("待补材料（M2.7）")]
    assert claim_id in table and RECEIPT_OF[TICKED] in table
    assert [(r["claim_id"], r["receipts"]) for r in facts["originals_to_return"]] == [(claim_id, [RECEIPT_OF[TICKED]])]
    assert "审核完成后,我们将用您提供的信封寄回收据原件(条款 M2.9)" in letter_of(review_home, TICKED)

    response = client.post(f"/desk/{pid}/originals/sent", data={"csrf": csrf_of(listed), "sent_on": "2026-12-03"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "已于 2026-12-03 寄回" in client.get("/originals").text
    assert ("originals_enclosures", CLERK[0]) in audit_kinds(review_home.db_url, pid)
    assert ("originals_sent", CLERK[0]) in audit_kinds(review_home.db_url, pid)
    assert "收据原件已于2026年12月3日用您提供的信封寄回" in letter_of(review_home, TICKED)
    _, facts = report_of(review_home)
    assert facts["originals_to_return"] == []
    again = client.post(f"/desk/{pid}/originals/sent", data={"csrf": csrf_of(listed), "sent_on": "2026-12-04"},
                        follow_redirects=False)
    assert again.status_code == 422 and "收据原件已于 2026-12-03 寄回" in again.text


def test_originals_asked_without_the_stamped_envelope_are_not_returned_and_the_letter_says_so(client, review_home):
    log_in(client, *CLERK)
    pid = packet_id(review_home.db_url, ASKED_BY_CLERK)
    claim_id = current_decision(review_home.db_url, ASKED_BY_CLERK).claim_id
    assert "被保险人未申请退回收据原件" in client.get(f"/claims/{pid}").text
    assert post(client, pid, "requested", requested="1").status_code == 303
    assert post(client, pid, "enclosures", receipt_copy="1").status_code == 303  # no envelope
    page = client.get(f"/claims/{pid}").text
    assert "缺少贴足4.2元邮票的信封：依 M2.9 不予退回" in page
    assert "依 M2.9 不予退回" in client.get("/originals").text
    letter = letter_of(review_home, ASKED_BY_CLERK)
    assert "因您未提供贴有4.2元邮票并写明收件人地址及邮编的信封,依条款 M2.9,相关材料不予退回" in letter
    refused = client.post(f"/desk/{pid}/originals/sent", data={"csrf": csrf_of(page), "sent_on": "2026-12-03"},
                          follow_redirects=False)
    assert refused.status_code == 422
    _, facts = report_of(review_home)
    assert claim_id not in [r["claim_id"] for r in facts["originals_to_return"]]
    assert claim_id in [r["claim_id"] for r in facts["originals_not_returned"]]
    kinds = audit_kinds(review_home.db_url, pid)
    assert ("originals_requested", CLERK[0]) in kinds and ("originals_enclosures", CLERK[0]) in kinds
    assert "originals_sent" not in [kind for kind, _ in kinds]


def test_a_clerk_unsets_a_cover_sheets_request_and_the_claim_is_no_longer_listed(client, review_home):
    log_in(client, *CLERK)
    pid = tick_cover_sheet(review_home.db_url, TICKED)
    claim_id = current_decision(review_home.db_url, TICKED).claim_id
    assert post(client, pid, "requested", requested="0").status_code == 303
    assert claim_id not in client.get("/originals").text
    assert "封面页勾选的申请已由理赔员取消" in client.get(f"/claims/{pid}").text
    assert "收据原件退回" not in letter_of(review_home, TICKED)
    assert ("originals_not_requested", CLERK[0]) in audit_kinds(review_home.db_url, pid)


def test_originals_are_not_marked_sent_before_the_claim_is_decided(client, review_home):
    log_in(client, *CLERK)
    pid = packet_id(review_home.db_url, "03_missing_detail_list")  # pending_documents: not decided yet
    assert post(client, pid, "requested", requested="1").status_code == 303
    assert post(client, pid, "enclosures", receipt_copy="1", envelope="1").status_code == 303
    assert "随附材料齐全，待审核完成" in client.get("/originals").text
    page = client.get("/originals").text
    refused = client.post(f"/desk/{pid}/originals/sent", data={"csrf": csrf_of(page), "sent_on": date.today().isoformat()},
                          follow_redirects=False)
    assert refused.status_code == 422 and "尚未审核完成" in refused.text
