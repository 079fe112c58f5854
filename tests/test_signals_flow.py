"""Signals and the blacklist on stored claims (the processed sample packets, SQLite and PostgreSQL):
raised after each decision and only once, cleared when no longer true, shown in the nightly report;
a blacklisting decides the member's claims of the year again (M4.2.26) and never claws back a payment."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from flows import blacklist
from flows.decisions import redecide
from flows.nightly import nightly as nightly_flow
from flows.settings import load_settings
from pipeline.errors import BadInputError
from store.db import get_engine, session_scope
from store.models import AuditEntry, Blacklisting, ExtractedField, Page
from tests.review.helpers import current_decision, field_id, packet_id, photocopy_receipt, raised_signals
from tests.samples import SAMPLES, db_url_of, run_claims

ZHANG, LI = "M498C31BC52", "M613BB72021"
FIRST, SECOND, FOURTH = "01_outpatient_pays", "02_under_deductible", "04_second_claim_same_member"
SUPERVISOR = "wang.supervisor"


def _audit_kinds(db_url: str, packet_name: str) -> list[str]:
    with session_scope(db_url) as session:
        return [e.kind for e in session.exec(select(AuditEntry).where(
            AuditEntry.packet_id == packet_id(db_url, packet_name)).order_by(AuditEntry.id)).all()]


def _outcome(db_url: str, packet_name: str) -> tuple[str, str]:
    decision = current_decision(db_url, packet_name)
    return decision.status, decision.payable


def test_the_sample_packets_go_through_the_intake_without_a_signal(processed_samples):
    home, _ = processed_samples
    assert raised_signals(db_url_of(home)) == []


def test_a_photocopied_receipt_is_signalled_once_and_cleared_when_the_original_is_scanned(copied_samples_home, tmp_path):
    url = db_url_of(copied_samples_home)
    photocopy_receipt(url, SECOND, copied_samples_home)
    [signal] = raised_signals(url)
    assert (signal.rule, signal.status, signal.clause, signal.packet_id) == (
        "copy_not_original", "open", "M4.2.8", packet_id(url, SECOND))
    assert signal.evidence["coloured_ink_pixels"] == 0 and _outcome(url, SECOND) == ("approved", "0.00")

    redecide(url, packet_id(url, SECOND))  # deciding again neither duplicates the signal nor audits it twice
    assert [s.id for s in raised_signals(url)] == [signal.id]
    assert _audit_kinds(url, SECOND) == ["signal_raised"]

    shutil.copy(SAMPLES / SECOND / "receipt_noise_blue_seal.jpg", tmp_path / "colour.jpg")
    with session_scope(url) as session:
        session.get(Page, signal.evidence["page_id"]).image_path = str(tmp_path / "colour.jpg")
    redecide(url, packet_id(url, SECOND))
    [cleared] = raised_signals(url)
    assert (cleared.status, cleared.decided_by) == ("cleared", "system")
    assert _audit_kinds(url, SECOND) == ["signal_raised", "signal_cleared"]


def test_digits_and_capitals_a_clerk_confirmed_that_still_disagree_are_signalled(copied_samples_home):
    url = db_url_of(copied_samples_home)
    with session_scope(url) as session:  # what the review screen stores when a clerk confirms both as read
        for name, value in (("total", "1250.00"), ("total_in_words", "1300.00")):
            field = session.get(ExtractedField, field_id(url, FIRST, "receipt", name))
            field.value, field.source, field.confidence, field.needs_review = value, "clerk", 1.0, False
    redecide(url, packet_id(url, FIRST))
    [signal] = raised_signals(url)
    assert (signal.rule, signal.severity, signal.evidence["check"]) == ("amounts_disagree", "high", "total_matches_words")
    assert "1300.00" in signal.summary


def test_the_nightly_report_counts_signals_per_rule(copied_samples_home):
    url = db_url_of(copied_samples_home)
    photocopy_receipt(url, SECOND, copied_samples_home)
    summary = nightly_flow(load_settings(str(copied_samples_home)))
    facts = json.loads((copied_samples_home / "reports" / f"{summary.day.isoformat()}.json").read_text(encoding="utf-8"))
    assert facts["signals"] == {"copy_not_original": {"open": 1, "raised": 1, "dismissed": 0, "escalated": 0}}
    page = (copied_samples_home / "reports" / f"{summary.day.isoformat()}.html").read_text(encoding="utf-8")
    assert "风险信号" in page and "票据疑为复印件" in page


# --- the blacklist (M4.2.26) ------------------------------------------------------------


def test_a_blacklisting_rejects_the_members_unpaid_claims_of_the_year_and_lifting_restores_them(copied_samples_home):
    url = db_url_of(copied_samples_home)
    change = blacklist.blacklist(url, ZHANG, "2026-06-30", "伪造票据，证据确凿", SUPERVISOR)
    assert change.year_start == date(2026, 1, 1)
    assert change.redecided == {"C2026-000001": "rejected", "C2026-000004": "rejected"} and change.paid_before == []
    for packet in (FIRST, FOURTH):
        decision = current_decision(url, packet)
        assert (decision.status, decision.payable) == ("rejected", "0.00")
        assert [r["clause"] for r in decision.decision["reasons"]] == ["M4.2.26"]
        assert _audit_kinds(url, packet) == ["blacklisted"]
    assert _outcome(url, SECOND) == ("approved", "0.00")  # another member: untouched

    with pytest.raises(BadInputError, match="已在黑名单上"):
        blacklist.blacklist(url, ZHANG, "2026-01-01", "again", SUPERVISOR)
    blacklist.lift(url, "310101198103152316", "2026-11-02", "复核后撤销", SUPERVISOR)  # by ID number
    assert _outcome(url, FIRST) == ("partially_approved", "385.00") and _outcome(url, FOURTH) == ("approved", "350.00")
    assert _audit_kinds(url, FIRST) == ["blacklisted", "unblacklisted"]
    with session_scope(url) as session:
        history = [(b.action, b.actor) for b in session.exec(select(Blacklisting).order_by(Blacklisting.id)).all()]
    assert history == [("blacklisted", SUPERVISOR), ("lifted", SUPERVISOR)]


def test_claims_paid_before_the_blacklisting_stay_paid_and_are_signalled(copied_samples_home):
    url = db_url_of(copied_samples_home)
    nightly_flow(load_settings(str(copied_samples_home)))  # pays 385.00 and 350.00
    change = blacklist.blacklist(url, ZHANG, "2026-10-12", "重复报销", SUPERVISOR)
    assert change.paid_before == ["C2026-000001", "C2026-000004"]
    assert _outcome(url, FIRST) == ("partially_approved", "385.00") and _outcome(url, FOURTH) == ("approved", "350.00")
    flagged = raised_signals(url, "paid_before_blacklisting")
    assert [(s.claim_id, s.severity, s.clause, s.evidence["paid"]) for s in flagged] == [
        ("C2026-000001", "high", "M4.2.26", "385.00"), ("C2026-000004", "high", "M4.2.26", "350.00")]
    assert nightly_flow(load_settings(str(copied_samples_home))).paid_claims == 0  # nothing more, nothing back
    blacklist.lift(url, ZHANG, "2026-10-12", "误列", SUPERVISOR)
    assert {s.status for s in raised_signals(url, "paid_before_blacklisting")} == {"cleared"}


@pytest.mark.parametrize("member, day, reason, message", [
    (ZHANG, "2026-10-12", "  ", "必须填写理由"),
    ("M000000000X", "2026-10-12", "x", "找不到该成员"),
    (ZHANG, "2026/10/12", "x", "YYYY-MM-DD"),
])
def test_a_blacklisting_needs_a_reason_a_known_member_and_a_date(copied_samples_home, member, day, reason, message):
    with pytest.raises(BadInputError, match=message):
        blacklist.blacklist(db_url_of(copied_samples_home), member, day, reason, SUPERVISOR)


def test_the_blacklist_history_refuses_changes_in_the_database_itself(copied_samples_home):
    url = db_url_of(copied_samples_home)
    blacklist.blacklist(url, LI, "2026-10-20", "调查中", SUPERVISOR)
    for statement in ("UPDATE blacklisting SET reason = 'nothing happened'", "DELETE FROM blacklisting"):
        with pytest.raises(Exception, match="append-only"):
            with get_engine(url).begin() as connection:
                connection.execute(text(statement))


ROSTER = "身份证号,姓名,单位,保单年度起始日,总工会住院保障,其他保险,黑名单\n"
MEMBERS = {"310101198103152316": "张伟", "310104197508020025": "李娜", "310115198812090443": "王芳"}


def _roster(folder, flagged: set[str]):
    path = folder / "roster.csv"
    path.write_text(ROSTER + "".join(f"{number},{name},复旦大学,2026-01-01,否,否,{'是' if number in flagged else '否'}\n"
                                     for number, name in MEMBERS.items()), encoding="utf-8")
    return str(path)


def test_the_rosters_flag_blacklists_and_a_later_roster_lifts_only_what_a_roster_did(copied_samples_home, tmp_path):
    home, url = copied_samples_home, db_url_of(copied_samples_home)
    blacklist.blacklist(url, LI, "2026-10-20", "主管调查", SUPERVISOR)
    imported = run_claims("roster", _roster(tmp_path, {"310101198103152316"}), home=home)
    assert imported.returncode == 0, imported.stderr
    assert "the roster changed 1 member-years" in imported.stdout
    assert _outcome(url, FIRST) == ("rejected", "0.00") and _outcome(url, FOURTH) == ("rejected", "0.00")

    again = run_claims("roster", _roster(tmp_path, set()), home=home)
    assert again.returncode == 0, again.stderr
    assert _outcome(url, FIRST) == ("partially_approved", "385.00")
    assert _outcome(url, SECOND) == ("rejected", "0.00")  # the supervisor's blacklisting is not the roster's to lift
    with session_scope(url) as session:
        history = [(b.member_id, b.action, b.actor) for b in session.exec(select(Blacklisting).order_by(Blacklisting.id))]
    assert history == [(LI, "blacklisted", SUPERVISOR), (ZHANG, "blacklisted", "roster"), (ZHANG, "lifted", "roster")]


# --- through the real intake ----------------------------------------------------------------


def test_the_same_receipt_again_from_its_member_and_from_another_member_is_signalled_at_intake(
        copied_samples_home, tmp_path):
    """Two packets as a mailroom would scan them: the first member's whole packet sent again, then the
    first member's receipt inside the second member's packet (the files are the samples' own, so their
    readings come from the session's cache)."""
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / FIRST, inbox / "04b_same_packet_again", ignore=shutil.ignore_patterns("*.truth.json"))
    (inbox / "04b_same_packet_again" / "receipt_skew2_seal.jpg").rename(inbox / "04b_same_packet_again" / "receipt.jpg")
    other = inbox / "05_receipt_of_another_member"
    other.mkdir()
    for name in ("id_copy.jpg", "bank_book.jpg", "detail_list_skew1.jpg", "record_a4_follow_up_variant_labels.jpg"):
        shutil.copy(SAMPLES / SECOND / name, other / name)
    shutil.copy(SAMPLES / FIRST / "receipt_skew2_seal.jpg", other / "receipt.jpg")

    result = run_claims("run", str(inbox), "--json", home=copied_samples_home)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {row["packet"]: row for row in map(json.loads, result.stdout.splitlines())}
    again, stranger = rows["04b_same_packet_again"], rows["05_receipt_of_another_member"]
    assert again["payable"] == "0.00"  # the adjudicator pays a receipt once (M3.4)
    assert stranger["status"] == "needs_review"  # held: the names differ

    by_claim = {s.claim_id: s for s in raised_signals(db_url_of(copied_samples_home), "duplicate_receipt")}
    assert set(by_claim) == {again["claim_id"], stranger["claim_id"]}
    resent = by_claim[again["claim_id"]]
    assert (resent.severity, resent.member_id) == ("medium", ZHANG)
    assert [(p["claim_id"], p["standing"], p["other_member"]) for p in resent.evidence["presented_in"]] == [
        ("C2026-000001", "counted", False)]
    foreign = by_claim[stranger["claim_id"]]
    assert (foreign.severity, foreign.member_id) == ("high", LI)  # known from the held packet's ID copy
    assert [(p["claim_id"], p["member_id"], p["standing"]) for p in foreign.evidence["presented_in"]] == [
        ("C2026-000001", ZHANG, "counted"), (again["claim_id"], ZHANG, "not_counted")]


def test_a_member_who_sends_the_same_packet_again_and_again_becomes_a_frequent_claimant(copied_samples_home, tmp_path):
    """Four more packets of the first member (renamed files, so new packets with cached readings): with
    the two decided before, six claims in the policy year, the floor of frequent_claimant in a population
    too small for a percentile."""
    inbox = tmp_path / "inbox"
    for copy in ("a", "b", "c", "d"):
        folder = inbox / f"04{copy}_sent_again"
        shutil.copytree(SAMPLES / FIRST, folder, ignore=shutil.ignore_patterns("*.truth.json"))
        (folder / "id_copy.jpg").rename(folder / f"id_copy_{copy}.jpg")
    result = run_claims("run", str(inbox), "--json", home=copied_samples_home)
    assert result.returncode == 0, result.stderr[-2000:]
    last = json.loads(result.stdout.splitlines()[-1])

    url = db_url_of(copied_samples_home)
    [frequent] = raised_signals(url, "frequent_claimant")
    assert (frequent.claim_id, frequent.member_id, frequent.status) == (last["claim_id"], ZHANG, "open")
    assert (frequent.evidence["claims"], frequent.evidence["threshold"], frequent.evidence["members"]) == (6, "6", 3)
    assert len(raised_signals(url, "duplicate_receipt")) == 4
    nightly_flow(load_settings(str(copied_samples_home)))  # the nightly refresh keeps it, once
    assert [(s.id, s.status) for s in raised_signals(url, "frequent_claimant")] == [(frequent.id, "open")]
