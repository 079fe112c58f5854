"""`claims nightly` on the processed sample packets: pay once, re-pay only differences,
survive a lost payment file, expire what waited past the claim window, report."""

import csv
import json
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from flows.nightly import nightly as nightly_flow
from flows.settings import load_settings
from store.db import get_engine
from store.models import Decision, Document, ExtractedField, Packet, Payment
from tests.samples import db_url_of


def nightly(home, day: date | None = None):
    return nightly_flow(load_settings(str(home)), day)


def payment_lines(home):
    lines = []
    for path in sorted((home / "payments").glob("*.csv")):
        with open(path, encoding="utf-8") as handle:
            lines += [(path.name, row["claim_id"], row["amount"]) for row in csv.DictReader(handle)]
    return lines


def test_each_claim_is_paid_once_and_a_lost_file_is_written_again(copied_samples_home):
    home = copied_samples_home
    summary = nightly(home)
    assert (summary.paid_claims, summary.paid_total) == (2, Decimal("735.00"))
    first = payment_lines(home)
    assert sorted((claim, amount) for _, claim, amount in first) == [("C2026-000001", "385.00"),
                                                                      ("C2026-000004", "350.00")]
    assert nightly(home).payment_file is None  # nothing more to pay
    (home / "payments" / first[0][0]).unlink()  # the run died after committing, before the file was kept
    nightly(home)
    assert payment_lines(home) == first
    report = (home / "reports").glob("*.html").__next__().read_text(encoding="utf-8")
    assert "OCR 置信度分布" in report and "<svg" in report


def test_a_claim_decided_higher_after_a_correction_is_paid_the_difference(copied_samples_home):
    home = copied_samples_home
    nightly(home)
    url = db_url_of(home)
    with Session(get_engine(url)) as session:
        packet = session.exec(select(Packet).where(Packet.name == "01_outpatient_pays")).one()
        # A clerk finds the split misread: 分类自负 0.00 and 自负 1030.00 (cash 1050 still adds up),
        # so the base grows by 30.00: eligible 1180.00, payable (1180 − 600) × 0.7 = 406.00.
        for name, value in (("category_self_pay", "0.00"), ("self_borne", "1030.00")):
            row = session.exec(select(ExtractedField).join(Document, Document.id == ExtractedField.document_id)
                               .where(Document.packet_id == packet.id, Document.doc_type == "receipt",
                                      ExtractedField.name == name)).one()
            row.value, row.source, row.confidence = value, "clerk", 1.0
        packet.status = "needs_review"  # as the review screen leaves a corrected packet for the nightly run
        claim_id = packet.claim_id
        session.commit()
    summary = nightly(home)
    assert summary.redecided == {claim_id: "partially_approved"}
    assert (summary.paid_claims, summary.paid_total) == (1, Decimal("21.00"))
    with Session(get_engine(url)) as session:
        paid = [p.amount for p in session.exec(select(Payment).where(Payment.claim_id == claim_id)).all()]
    assert paid == ["385.00", "21.00"]


def test_documents_missing_past_the_claim_window_expire_the_claim(copied_samples_home):
    home = copied_samples_home
    summary = nightly(home, date(2027, 4, 1))   # the 2026 policy year's 15 months are over
    assert summary.expired == ["C2026-000003"]
    with Session(get_engine(db_url_of(home))) as session:
        packet = session.exec(select(Packet).where(Packet.name == "03_missing_detail_list")).one()
        assert packet.status == "expired" and packet.reason.startswith("M3.5")
        decision = session.exec(select(Decision).where(Decision.packet_id == packet.id)).one()
        assert Decimal(decision.payable) == 0


def _set_policy_anchor(home, packet_name: str, anchor: str) -> None:
    """The stored claim's policy-year anchor, as a roster naming the contract's first year would give it."""
    with Session(get_engine(db_url_of(home))) as session:
        packet = session.exec(select(Packet).where(Packet.name == packet_name)).one()
        decision = session.exec(select(Decision).where(Decision.packet_id == packet.id,
                                                       Decision.current == True)).one()  # noqa: E712
        decision.claim = {**decision.claim, "policy": {"year_start": anchor}}
        session.commit()


def _status_of(home, packet_name: str) -> str:
    with Session(get_engine(db_url_of(home))) as session:
        return session.exec(select(Packet.status).where(Packet.name == packet_name)).one()


def test_the_m35_sweep_across_the_year_boundary_with_an_anchor_two_years_old(copied_samples_home):
    """Visit 2026-11-03; the contract's anchor 2024-01-01 is two years old: its year is 2026-01-01 and the window
    closes before 2027-04-01, in the next calendar year, as the adjudicator counts it."""
    home = copied_samples_home
    _set_policy_anchor(home, "03_missing_detail_list", "2024-01-01")
    assert nightly(home, date(2027, 3, 31)).expired == []
    assert _status_of(home, "03_missing_detail_list") == "decided"
    assert nightly(home, date(2027, 4, 1)).expired == ["C2026-000003"]
    assert _status_of(home, "03_missing_detail_list") == "expired"


def test_the_m35_sweep_counts_from_the_visits_own_year_of_an_anchor_one_year_old(copied_samples_home):
    """Anchor 2025-07-01, one year old: the 2026-11-03 visit is in the year from 2026-07-01, open until 2027-10-01.
    Counted from the anchor as given, the claim would have expired on 2026-10-01, before its visit."""
    home = copied_samples_home
    _set_policy_anchor(home, "03_missing_detail_list", "2025-07-01")
    assert nightly(home, date(2027, 4, 1)).expired == []
    assert nightly(home, date(2027, 9, 30)).expired == []
    assert nightly(home, date(2027, 10, 1)).expired == ["C2026-000003"]


def test_a_second_run_on_the_same_day_adds_to_the_days_report(copied_samples_home):
    home = copied_samples_home
    day = date(2026, 12, 4)
    nightly(home, day)
    second = nightly(home, day)
    assert second.paid_claims == 0  # nothing left to pay: the report must not say the day paid nothing
    facts = json.loads((home / "reports" / "2026-12-04.json").read_text(encoding="utf-8"))
    assert (facts["paid_claims"], facts["paid_total"], len(facts["runs"])) == (2, "735.00", 2)
    assert len(facts["payment_files"]) == 1
    page = (home / "reports" / "2026-12-04.html").read_text(encoding="utf-8")
    assert "735.00" in page and "本日夜间处理 2 次" in page
    # 案件状态 by outcome, as the dashboard shows it: not one "已决定" row
    assert facts["statuses"] == {"partially_approved": 1, "approved": 2, "pending_documents": 1}
    assert "部分批准" in page and "待补材料" in page and "已决定" not in page
