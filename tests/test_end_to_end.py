"""`claims run sample_scans/` as a user runs it: the real OCR engine, Prefect and SQLite."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, select

from flows.decisions import redecide
from store.db import get_engine
from store.models import Decision, Document, ExtractedField, LedgerEntry, Original, Packet, Page
from tests.samples import SAMPLES, db_url_of, run_claims, stored_ocr

EXPECTED = {p.name.removesuffix(".expected.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in SAMPLES.glob("*.expected.json")}


def claims(*args: str, home: Path) -> subprocess.CompletedProcess:
    return run_claims(*args, home=home)


def test_every_sample_packet_gets_its_expected_decision(processed_samples):
    _, rows = processed_samples
    assert set(rows) == set(EXPECTED)
    for packet, expected in EXPECTED.items():
        row = rows[packet]
        assert (row["status"], row["payable"]) == (expected["status"], expected["payable"]), packet
        assert row["decision"]["missing_documents"] == expected["missing_documents"], packet
        assert row["needs_review"] == [], packet


def test_decisions_explain_every_exclusion_with_a_clause(processed_samples):
    _, rows = processed_samples
    decision = rows["01_outpatient_pays"]["decision"]
    items = decision["visits"][0]["receipts"][0]["items"]
    excluded = [item for item in items if Decimal(item["excluded_amount"]) > 0]
    assert [(i["name"], i["excluded_amount"], i["reasons"][0]["clause"]) for i in excluded] == [
        ("专家门诊诊查费", "50.00", "M4.2.1")]   # the detail list's row, read with the receipt


def test_the_second_claim_of_a_member_starts_from_the_first_ones_ledger(processed_samples):
    _, rows = processed_samples
    first, second = rows["01_outpatient_pays"], rows["04_second_claim_same_member"]
    assert first["member_id"] == second["member_id"]
    assert second["decision"]["ledger_after"]["outpatient_eligible_ytd"] == "1650.00"
    assert second["decision"]["ledger_after"]["outpatient_paid_ytd"] == "735.00"


def test_running_again_changes_nothing_and_pays_nothing_twice(processed_samples):
    home, rows = processed_samples
    with Session(get_engine(db_url_of(home))) as session:
        before = {table.__name__: len(session.exec(select(table)).all())
                  for table in (Packet, Original, Page, Document, ExtractedField, Decision, LedgerEntry)}
    again = claims("run", str(SAMPLES), home=home)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.count("(already processed)") == len(EXPECTED)
    with Session(get_engine(db_url_of(home))) as session:
        after = {table.__name__: len(session.exec(select(table)).all())
                 for table in (Packet, Original, Page, Document, ExtractedField, Decision, LedgerEntry)}
        assert after == before
        paid = sum(Decimal(e.outpatient_paid) for e in session.exec(select(LedgerEntry)).all())
    assert paid == Decimal("735.00")


def test_every_stored_field_has_confidence_page_and_box(processed_samples):
    home, _ = processed_samples
    with Session(get_engine(db_url_of(home))) as session:
        fields = session.exec(select(ExtractedField)).all()
        assert len(fields) > 150
        for field in fields:
            if field.source == "ocr":
                assert 0 < field.confidence <= 1 and field.page >= 1 and len(field.box) == 4, field.name


def test_originals_are_archived_untouched(processed_samples):
    home, _ = processed_samples
    with Session(get_engine(db_url_of(home))) as session:
        originals = session.exec(select(Original, Packet).join(Packet, Packet.id == Original.packet_id)).all()
    assert len(originals) == sum(1 for _ in SAMPLES.glob("*/*.jpg"))
    for original, packet in originals:
        dropped = SAMPLES / packet.name / original.file_name
        assert Path(original.archive_path).read_bytes() == dropped.read_bytes()
        assert original.sha256 in original.archive_path


def test_the_stored_ocr_used_by_extractor_tests_is_what_the_engine_gives(processed_samples):
    """tests/ocr/ was written by tests/tools/store_ocr.py; this run read the same images afresh."""
    home, _ = processed_samples
    with Session(get_engine(db_url_of(home))) as session:
        rows = session.exec(select(Page, Original, Packet).join(Original, Original.id == Page.original_id)
                            .join(Packet, Packet.id == Page.packet_id)).all()
    assert len(rows) == sum(1 for _ in SAMPLES.glob("*/*.jpg"))
    for page, original, packet in rows:
        stored = stored_ocr(SAMPLES / packet.name / original.file_name)
        assert page.rotation == stored["rotation"], original.file_name
        assert [l["text"] for l in page.ocr_lines] == [l["text"] for l in stored["lines"]], original.file_name
        for fresh, kept in zip(page.ocr_lines, stored["lines"]):
            assert max(abs(a - b) for a, b in zip(fresh["box"], kept["box"])) <= 2, original.file_name


def test_bad_input_gets_one_line_and_a_non_zero_exit(tmp_path):
    result = claims("run", str(tmp_path / "nowhere"), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "not a folder of claim packets" in result.stderr


def _field(session, packet_name: str, doc_type: str, name: str) -> ExtractedField:
    return session.exec(
        select(ExtractedField).join(Document, Document.id == ExtractedField.document_id)
        .join(Packet, Packet.id == Document.packet_id)
        .where(Packet.name == packet_name, Document.doc_type == doc_type, ExtractedField.name == name,
               ExtractedField.item_index == None)  # noqa: E711
    ).one()


def test_a_corrected_field_re_adjudicates_from_the_stored_documents(copied_samples_home):
    home = copied_samples_home
    url = db_url_of(home)
    with Session(get_engine(url)) as session:
        packet = session.exec(select(Packet).where(Packet.name == "02_under_deductible")).one()
        field = _field(session, "02_under_deductible", "receipt", "self_borne")
        field.value, field.source, field.confidence = "150.00", "clerk", 1.0   # a wrong correction
        session.add(field)
        session.commit()
        packet_id = packet.id
    result = redecide(url, packet_id)
    assert result.status == "needs_review"            # 现金支付中 no longer adds up
    # The clerk's value is settled; the check's other fields wait (and then the check itself would).
    assert "receipt.cash_paid" in result.reason and "receipt.self_borne" not in result.reason
    with Session(get_engine(url)) as session:
        field = _field(session, "02_under_deductible", "receipt", "self_borne")
        field.value = "200.00"
        session.add(field)
        session.commit()
    result = redecide(url, packet_id)
    assert (result.status, result.payable) == ("approved", "0.00")
    with Session(get_engine(url)) as session:
        decisions = session.exec(select(Decision).where(Decision.packet_id == packet_id)).all()
        assert [d.current for d in decisions] == [False, False, True]   # superseded, never deleted
        entries = session.exec(select(LedgerEntry).join(Decision, Decision.id == LedgerEntry.decision_id)
                               .where(Decision.packet_id == packet_id, LedgerEntry.current == True)).all()  # noqa: E712
        assert [e.outpatient_eligible for e in entries] == ["295.00"]   # counted once


def test_the_member_gets_a_letter_that_explains_the_decision(processed_samples):
    home, rows = processed_samples
    result = claims("letter", rows["01_outpatient_pays"]["claim_id"], home=home)
    assert result.returncode == 0, result.stderr
    letter = result.stdout
    assert "385.00" in letter and "M4.2.1" in letter and "张*" in letter
    assert "310101198103152316" not in letter and "张伟" not in letter
    unknown = claims("letter", "C1999-000000", home=home)
    assert unknown.returncode == 2 and "no decided claim C1999-000000" in unknown.stderr


def test_deciding_an_earlier_claim_again_does_not_see_the_later_ones_and_redecides_them(copied_samples_home):
    home = copied_samples_home
    url = db_url_of(home)
    with Session(get_engine(url)) as session:
        first = session.exec(select(Packet).where(Packet.name == "01_outpatient_pays")).one().id
        second = session.exec(select(Packet).where(Packet.name == "04_second_claim_same_member")).one().id
    assert redecide(url, first).payable == "385.00"  # not 735.00: the later claim's ledger entry is not its past
    with Session(get_engine(url)) as session:
        current = {d.packet_id: d.payable for d in session.exec(select(Decision).where(Decision.current == True)).all()}  # noqa: E712
        history = session.exec(select(Decision).where(Decision.packet_id == second)).all()
    assert current[first] == "385.00" and current[second] == "350.00"
    assert len(history) == 2  # the later claim was decided again after the earlier one
