"""Extractors on the OCR output stored for every sample scan (tests/tools/store_ocr.py).

`test_end_to_end.py` runs the real engine on the images and shows the stored
output is still what the engine gives.
"""

import pytest

from extractors.registry import classify, extract
from pipeline import checks
from pipeline.evaluation import EvalReport, score_document
from tests.samples import page_id, sample_pages, stored_page, truth_of


def _read(scan):
    return checks.check_document(extract(stored_page(scan)))


@pytest.mark.parametrize("scan", sample_pages(), ids=page_id)
def test_each_page_is_classified(scan):
    doc_type, confidence = classify(stored_page(scan))
    assert doc_type == truth_of(scan)["doc_type"]
    assert confidence > 0.5


@pytest.mark.parametrize("scan", sample_pages(), ids=page_id)
def test_a_field_is_read_right_or_sent_to_review_never_silently_wrong(scan):
    truth = truth_of(scan)
    document = _read(scan)
    for name, expected in truth["fields"].items():
        field = document.fields.get(name)
        if field is not None and not _same(field.value, expected):
            assert name in document.needs_review, f"{name}: read {field.value!r}, printed {expected!r}, not flagged"


@pytest.mark.parametrize("scan", sample_pages(), ids=page_id)
def test_no_field_is_invented(scan):
    truth = truth_of(scan)
    document = _read(scan)
    invented = set(document.fields) - set(truth["fields"])
    assert not invented, f"fields not on the page: {sorted(invented)}"


def test_sample_set_accuracy():
    report = EvalReport()
    for scan in sample_pages():
        score_document(report, page_id(scan), truth_of(scan), _read(scan))
    assert report.doc_type.share == 1.0
    assert report.amounts.share >= 0.99, report.render()
    assert report.fields.share >= 0.97, report.render()


def _same(got, expected):
    from pipeline.normalize import clean_text
    if isinstance(expected, bool) or isinstance(got, bool):
        return got == expected
    return clean_text(str(got)) == clean_text(str(expected))


def test_receipt_payment_split_and_items():
    scan = next(p for p in sample_pages() if p.name == "receipt_skew2_seal.jpg")
    document = _read(scan)
    assert {k: document.value(k) for k in ("total", "account_paid", "cash_paid", "category_self_pay",
                                           "self_borne", "self_pay", "total_in_words")} == {
        "total": "1250.00", "account_paid": "200.00", "cash_paid": "1050.00", "category_self_pay": "30.00",
        "self_borne": "1000.00", "self_pay": "20.00", "total_in_words": "1250.00"}
    assert [(i["name"].value, i["amount"].value) for i in document.items] == [
        ("诊查费", "50.00"), ("西药费", "620.00"), ("化验费", "230.00"), ("放射费", "200.00"), ("治疗费", "150.00")]
    assert all(check.ok for check in document.checks)
    field = document.fields["total"]
    assert 0.9 <= field.confidence <= 1.0 and field.box[2] > field.box[0] and field.page == 1


def test_record_sections_with_other_labels_and_a_signature():
    scan = next(p for p in sample_pages() if p.name == "record_a4_follow_up_variant_labels.jpg")
    document = _read(scan)
    assert document.value("first_visit") is False
    assert document.value("department") == "消化内科"        # printed after 科室, not 科别
    assert document.value("positive_signs").startswith("腹软")   # printed after 阳性体征
    assert document.value("treatment").startswith("奥美拉唑")    # printed after 治疗意见
    assert document.value("doctor_signature") is True


def test_a_record_without_signature_ink_says_so():
    scan = next(p for p in sample_pages() if p.name == "record_a4_first_visit.jpg")
    page = stored_page(scan)
    signature = extract(page).fields["doctor_signature"]
    x0, y0, x1, y1 = signature.box
    page.image[y0:y1, x0:x1] = 255  # the signature whited out
    assert extract(page).fields["doctor_signature"].value is False


def test_a_misread_split_fails_its_check_and_goes_to_review():
    scan = next(p for p in sample_pages() if p.name == "receipt_skew2_seal.jpg")
    document = extract(stored_page(scan))
    document.fields["category_self_pay"] = document.fields["category_self_pay"].__class__(
        "0.00", 0.99, 1, document.fields["category_self_pay"].box)
    checks.check_document(document)
    failed = [c.check for c in document.checks if not c.ok]
    assert failed == ["cash_split_adds_up"]
    assert "category_self_pay" in checks.blocking_review(document)
