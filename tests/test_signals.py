"""The abuse-signal rules (pipeline/signals.py), each on packets built to trip it and on look-alikes
that must not: the sample packets' real documents (read from their stored OCR), changed where a
rule needs it, and the real scans for the seal colour."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

import cv2
import pytest

from adjudicator.clauses import clause_text
from extractors.model import Field
from extractors.registry import extract
from pipeline import checks
from pipeline import signals as rules
from pipeline.cleanup import upright
from tests.samples import CALIBRATION, ROOT, SAMPLES, stored_page

YEAR = date(2026, 1, 1)
ZHANG, LI = "M498C31BC52", "M613BB72021"  # the sample members of packets 01/04 and 02
HUASHAN, SIXTH = "复旦大学附属华山医院", "上海市第六人民医院"
EVAL_RECEIPTS = ROOT / "tests" / "eval_set" / "receipt"


@lru_cache(maxsize=None)
def _read(packet: str) -> tuple:
    return tuple(extract(stored_page(scan)) for scan in sorted((SAMPLES / packet).glob("*.jpg")))


def _documents(packet: str = "01_outpatient_pays", **receipt_values) -> list:
    """The packet's documents as read, fresh copies, with the receipt's fields set as given (a value
    confirmed by a clerk when given as ("value", "clerk")), and checked."""
    documents = [replace(d, fields=dict(d.fields), items=[dict(i) for i in d.items], checks=[], needs_review=[],
                         marks=set(d.marks)) for d in _read(packet)]
    receipt = next(d for d in documents if d.doc_type == "receipt")
    for name, value in receipt_values.items():
        value, source = value if isinstance(value, tuple) else (value, "ocr")
        if value is None:
            receipt.fields.pop(name, None)
        else:
            receipt.fields[name] = Field(value, 1.0 if source == "clerk" else 0.99, 1, None, source)
    return [checks.check_document(d) for d in documents]


def _facts(documents, packet_id: int = 9, member_id: str | None = ZHANG, ink: int | None = 5000,
           year_start: date | None = YEAR) -> rules.PacketFacts:
    stored = tuple(rules.StoredDocument(d, index + 100, index + 200, ink if d.doc_type == "receipt" else None)
                   for index, d in enumerate(documents))
    return rules.PacketFacts(packet_id, f"C2026-{packet_id:06d}", member_id, year_start, stored,
                             tuple(checks.packet_checks(documents)))


def _raised(rule: str, facts, history=rules.History(), config: dict | None = None) -> list[rules.Signal]:
    return rules.RULES[rule](facts, history, config or rules.signal_rules())


# --- the data -----------------------------------------------------------------------


def test_every_rule_has_its_data_and_every_cited_clause_is_the_manuals():
    config = rules.signal_rules()
    assert set(rules.RULES) | {"paid_before_blacklisting"} == set(config)
    for rule, body in config.items():
        assert body["label"] and body["severity"], rule
        if body.get("clause"):
            assert clause_text(body["clause"]), rule
    assert config["copy_not_original"]["clause"] == "M4.2.8"
    assert config["paid_before_blacklisting"]["clause"] == "M4.2.26"


def test_the_sample_packets_raise_nothing():
    """Originals with their seals, dates in order, each receipt presented once."""
    for packet in ("01_outpatient_pays", "02_under_deductible", "03_missing_detail_list", "04_second_claim_same_member"):
        assert rules.raise_signals(_facts(_documents(packet)), rules.History()) == [], packet


# --- the same receipt twice -----------------------------------------------------------


def _presented(member_id, standing="counted", number="2610453381", code=None, hospital=HUASHAN, day="2026-10-12"):
    return rules.Presentation(1, "C2026-000001", member_id, code, number, hospital, day, standing)


def test_a_receipt_another_member_presented_is_a_high_signal_naming_the_claim():
    history = rules.History(presentations=(_presented(ZHANG),))
    [signal] = _raised("duplicate_receipt", _facts(_documents(), member_id=LI), history)
    assert (signal.severity, signal.clause) == ("high", "M3.4")
    assert signal.evidence["presented_in"][0] == {
        "claim_id": "C2026-000001", "packet_id": 1, "member_id": ZHANG, "day": "2026-10-12", "standing": "counted",
        "other_member": True}
    assert "C2026-000001" in signal.summary and "其他被保险人" in signal.summary
    assert signal.fingerprint == "duplicate_receipt|packet 9 receipt 2610453381"


def test_the_same_member_presenting_a_paid_receipt_again_in_another_year_is_a_signal():
    history = rules.History(presentations=(_presented(ZHANG, day="2025-10-12"),))
    [signal] = _raised("duplicate_receipt", _facts(_documents()), history)
    assert signal.severity == "medium" and "同一被保险人" in signal.summary


@pytest.mark.parametrize("standing, raised", [("counted", 1), ("waiting", 1), ("not_counted", 0)])
def test_a_resubmission_after_a_decision_that_paid_nothing_for_the_receipt_is_no_signal(standing, raised):
    history = rules.History(presentations=(_presented(ZHANG, standing=standing),))
    assert len(_raised("duplicate_receipt", _facts(_documents()), history)) == raised


def test_the_same_number_under_another_invoice_code_is_another_receipt():
    documents = _documents(invoice_code="31060126")
    other_code = rules.History(presentations=(_presented(LI, code="31060125"),))
    same_code = rules.History(presentations=(_presented(LI, code="31060126"),))
    assert _raised("duplicate_receipt", _facts(documents), other_code) == []
    assert len(_raised("duplicate_receipt", _facts(documents), same_code)) == 1


def test_with_a_code_unread_on_one_side_only_the_same_hospital_makes_it_the_same_receipt():
    documents = _documents(invoice_code="31060126")
    assert _raised("duplicate_receipt", _facts(documents), rules.History(presentations=(_presented(LI, hospital=SIXTH),))) == []
    assert len(_raised("duplicate_receipt", _facts(documents),
                       rules.History(presentations=(_presented(LI, hospital="华山医院"),)))) == 1


# --- a copy, not the original -----------------------------------------------------------


def _ink(path) -> int:
    return rules.coloured_ink_pixels(upright(cv2.imread(str(path))).image)


def test_grey_photocopies_of_receipts_have_no_seal_ink_and_real_originals_have_plenty():
    threshold = rules.signal_rules()["copy_not_original"]["min_coloured_ink_pixels"]
    copies = [EVAL_RECEIPTS / f"{name}.jpg" for name in ("r08_selfpay_photocopy", "r14_account_photocopy_note",
                                                         "r20_inpatient_photocopy")]
    originals = sorted(SAMPLES.glob("*/receipt*.jpg")) + [EVAL_RECEIPTS / "r02_account_blue_seal.jpg",
                                                          EVAL_RECEIPTS / "r21_inpatient_photo.jpg"]
    originals += sorted(CALIBRATION.glob("*.jpg"))  # the real receipts, where they sit beside the checkout
    assert all(_ink(copy) < threshold for copy in copies)
    assert all(_ink(original) >= 5 * threshold for original in originals)


def test_a_receipt_without_seal_ink_is_signalled_as_a_copy():
    [signal] = _raised("copy_not_original", _facts(_documents(), ink=0))
    assert (signal.severity, signal.clause, signal.evidence["coloured_ink_pixels"]) == ("medium", "M4.2.8", 0)
    assert signal.evidence["page_id"] == 203  # the receipt's page, for the supervisor to open


@pytest.mark.parametrize("ink, check_code", [(5000, None), (0, "dbdd1f"), (None, None)])
def test_seal_ink_an_electronic_receipt_or_an_unmeasured_page_is_no_copy_signal(ink, check_code):
    assert _raised("copy_not_original", _facts(_documents(check_code=check_code), ink=ink)) == []


# --- amounts that disagree with themselves ------------------------------------------------


def test_digits_and_capitals_that_disagree_are_a_reading_problem_until_a_clerk_confirms_both():
    misread = _documents(total="1250.00", total_in_words="1300.00")
    assert "total" in next(d for d in misread if d.doc_type == "receipt").needs_review  # the queue handles it
    assert _raised("amounts_disagree", _facts(misread)) == []
    half = _documents(total=("1250.00", "clerk"), total_in_words="1300.00")
    assert _raised("amounts_disagree", _facts(half)) == []
    confirmed = _documents(total=("1250.00", "clerk"), total_in_words=("1300.00", "clerk"))
    raised = _raised("amounts_disagree", _facts(confirmed))
    words = next(s for s in raised if s.evidence["check"] == "total_matches_words")
    assert words.severity == "high" and "1300.00" in words.summary


def test_a_confirmed_split_that_does_not_add_up_is_a_signal_and_a_corrected_one_is_not():
    split = dict(fund_paid=("0.00", "clerk"), additional_paid=("0.00", "clerk"), account_paid=("200.00", "clerk"),
                 third_party_paid=None)
    wrong = _documents(total=("1250.00", "clerk"), cash_paid=("1150.00", "clerk"), **split)
    assert [s.evidence["check"] for s in _raised("amounts_disagree", _facts(wrong))] == ["split_adds_up"]
    right = _documents(total=("1250.00", "clerk"), cash_paid=("1050.00", "clerk"), **split)
    assert _raised("amounts_disagree", _facts(right)) == []


# --- dates and numbers ----------------------------------------------------------------------


def test_a_visit_after_the_receipt_was_printed_is_a_signal_a_same_day_one_is_not():
    later = _documents(visit_date="2026-10-13", issue_date="2026-10-12")
    [signal] = _raised("visit_after_receipt", _facts(later))
    assert signal.evidence["visit_date"] == "2026-10-13" and signal.evidence["issue_date"] == "2026-10-12"
    assert _raised("visit_after_receipt", _facts(_documents(visit_date="2026-10-12", issue_date="2026-10-12"))) == []


def test_a_date_still_waiting_for_review_raises_no_date_signal():
    documents = _documents(visit_date="2026-10-13", issue_date="2026-10-12")
    next(d for d in documents if d.doc_type == "receipt").needs_review.append("visit_date")
    assert _raised("visit_after_receipt", _facts(documents)) == []


def _series(hospital=HUASHAN, count=6):
    """Receipts of one hospital about 26,000 numbers a day apart, as 华山's two samples are."""
    return tuple(rules.NumberedReceipt(50 + i, f"C2026-{50 + i:06d}", hospital, None, str(2610000000 + 26000 * 3 * i),
                                       date(2026, 10, 1 + 3 * i)) for i in range(count))


@pytest.mark.parametrize("number, raised", [
    ("2610453381", 0),   # inside the span seen (10-01 … 10-16), on 10-12
    ("2610700000", 0),   # after the span, within the hospital's pace plus the slack
    ("2699000001", 1),   # far beyond anything the hospital has printed
    ("1610453381", 1),   # far below
])
def test_a_receipt_number_far_out_of_the_hospitals_series_is_a_signal(number, raised):
    history = rules.History(hospital_receipts=_series())
    found = _raised("receipt_number_out_of_series", _facts(_documents(invoice_number=number)), history)
    assert len(found) == raised
    if found:
        assert found[0].evidence["series_size"] == 6 and found[0].evidence["numbers_per_day"] == 26000


def test_too_short_a_series_or_another_hospitals_numbers_judge_nothing():
    far = _facts(_documents(invoice_number="2699000001"))
    assert _raised("receipt_number_out_of_series", far, rules.History(hospital_receipts=_series(count=4))) == []
    assert _raised("receipt_number_out_of_series", far, rules.History(hospital_receipts=_series(hospital=SIXTH))) == []


def _stay(hospital, admitted, discharged):
    """A discharge summary of another claim, as the rule's history gives it."""
    values = {"hospital": hospital, "admission_date": admitted.isoformat(), "discharge_date": discharged.isoformat()}
    return rules.stay_from(values, "discharge_summary", 60, "C2026-000060")


def test_an_outpatient_receipt_dated_inside_a_stay_at_another_hospital_is_a_signal():
    stay = _stay(SIXTH, date(2026, 10, 8), date(2026, 10, 15))
    [signal] = _raised("receipt_on_day_elsewhere", _facts(_documents()), rules.History(stays=(stay,)))
    assert signal.severity == "high" and signal.evidence["stays"][0]["claim_id"] == "C2026-000060"


@pytest.mark.parametrize("stay", [
    _stay(SIXTH, date(2026, 10, 12), date(2026, 10, 20)),   # admitted that day: transfers happen
    _stay(SIXTH, date(2026, 10, 1), date(2026, 10, 12)),    # discharged that day
    _stay("华山医院", date(2026, 10, 8), date(2026, 10, 15)),  # the same hospital under its short name
])
def test_a_receipt_on_a_stays_first_or_last_day_or_at_the_same_hospital_is_no_signal(stay):
    assert _raised("receipt_on_day_elsewhere", _facts(_documents()), rules.History(stays=(stay,))) == []


def test_a_stay_is_read_from_a_discharge_summary_or_an_inpatient_receipt():
    summary = {"hospital": SIXTH, "admission_date": "2026-10-08", "discharge_date": "2026-10-15"}
    assert rules.stay_from(summary, "discharge_summary", 1, "C1").admitted == date(2026, 10, 8)
    inpatient = {"hospital": SIXTH, "visit_kind": "inpatient", "visit_date": "2026-10-08", "issue_date": "2026-10-15"}
    assert rules.stay_from(inpatient, "receipt", 1, "C1").discharged == date(2026, 10, 15)
    assert rules.stay_from({**inpatient, "visit_kind": "outpatient"}, "receipt", 1, "C1") is None


# --- frequent claimants and high payouts -------------------------------------------------------


def _population(me_claims: int, me_paid: str, others: int = 40) -> tuple:
    crowd = tuple(rules.MemberYear(f"M{i:03d}", 1 + i % 4, Decimal(300 * (1 + i % 3))) for i in range(others))
    return crowd + (rules.MemberYear(ZHANG, me_claims, Decimal(me_paid)),)


@pytest.mark.parametrize("claims, raised", [(12, 1), (6, 1), (5, 0), (2, 0)])
def test_a_member_in_the_top_tail_of_claims_per_year_is_a_frequent_claimant(claims, raised):
    history = rules.History(member_years=_population(claims, "100.00"))
    found = _raised("frequent_claimant", _facts(_documents()), history)
    assert len(found) == raised
    if found:
        assert found[0].subject == f"member {ZHANG} year 2026-01-01" and found[0].evidence["members"] == 41


def test_the_percentile_lifts_the_bar_above_the_floor_in_a_population_that_claims_often():
    busy = tuple(rules.MemberYear(f"M{i:03d}", 6 + i % 5, Decimal("900")) for i in range(40))
    history = rules.History(member_years=busy + (rules.MemberYear(ZHANG, 8, Decimal("900")),))
    assert _raised("frequent_claimant", _facts(_documents()), history) == []  # 8 claims is ordinary here


def test_high_payout_per_claim_with_a_small_population_judged_by_the_floor_alone():
    few = (rules.MemberYear("M001", 2, Decimal("400")), rules.MemberYear(ZHANG, 2, Decimal("2400.00")))
    [signal] = _raised("high_payout", _facts(_documents()), rules.History(member_years=few))
    assert signal.evidence["value"] == "1200.00" and signal.evidence["percentile_value"] is None
    modest = (rules.MemberYear("M001", 2, Decimal("400")), rules.MemberYear(ZHANG, 3, Decimal("2400.00")))
    assert _raised("high_payout", _facts(_documents()), rules.History(member_years=modest)) == []


def test_member_rules_wait_for_a_decided_claim_of_the_year():
    history = rules.History(member_years=_population(12, "100.00"))
    assert _raised("frequent_claimant", _facts(_documents(), year_start=None), history) == []
    assert _raised("frequent_claimant", _facts(_documents(), member_id=LI), history) == []
