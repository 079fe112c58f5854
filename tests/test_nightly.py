"""`claims nightly` on the processed sample packets: pay once, re-pay only differences,
survive a lost payment file, expire what waited past the claim window, report."""

import csv
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
