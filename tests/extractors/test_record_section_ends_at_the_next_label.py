"""A record section runs over its wrapped lines and ends at the next label, whatever that label is called."""

import pytest

from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page


def _page(*lines) -> OcrPage:
    return OcrPage("m.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines))


def test_a_label_no_section_asks_for_ends_the_section_before_it_and_gives_it_nothing():
    page = _page(("既往史：否认高血压、", (90, 400, 600, 430)), ("糖尿病史。", (90, 440, 300, 470)),
                 ("过敏史：青霉素过敏。", (90, 480, 500, 510)), ("查体：腹软。", (90, 520, 400, 550)))
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("past_history") == "否认高血压、糖尿病史。"
    assert document.value("positive_signs") == "腹软。"


def test_a_header_label_below_the_sections_ends_the_last_one():
    page = _page(("诊断：慢性胃炎", (90, 400, 500, 430)), ("就诊日期：2025-03-04", (90, 440, 500, 470)))
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("diagnosis") == "慢性胃炎"
    assert document.value("visit_date") == "2025-03-04"


def test_a_follow_up_in_the_treatment_text_is_no_follow_up_visit_mark():
    page = _page(("科别：消化内科", (90, 300, 500, 330)), ("处理：清淡饮食，2周后复诊。", (90, 400, 700, 430)))
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert "first_visit" not in document.fields
    marked = _page(("科别：消化内科 复诊", (90, 300, 600, 330)), ("处理：清淡饮食。", (90, 400, 700, 430)))
    assert MedicalRecordExtractor().extract(marked, 1.0).value("first_visit") is False


def test_lines_after_a_blank_of_several_lines_are_the_foot_of_the_page_not_the_last_section():
    page = _page(("医嘱：多饮水。", (90, 400, 500, 430)), ("本病历仅供参考", (90, 900, 500, 930)))
    assert MedicalRecordExtractor().extract(page, 1.0).value("treatment") == "多饮水。"


@pytest.mark.parametrize("family, name", [
    ("tuned_record_inline", "tuned_record_inline_a"), ("tuned_record_inline", "tuned_record_inline_c"),
    ("tuned_record_inline", "tuned_record_inline_d"), ("tuned_record_boxed", "tuned_record_boxed_a"),
    ("tuned_record_boxed", "tuned_record_boxed_b"), ("tuned_record_boxed", "tuned_record_boxed_c"),
    ("tuned_record_boxed", "tuned_record_boxed_d")])
def test_wrapped_inline_and_boxed_sections_read_as_printed(family, name):
    _, truth, page = tuned_page(family, name)
    document = MedicalRecordExtractor().extract(page, 1.0)
    for section in ("chief_complaint", "present_illness", "past_history", "positive_signs", "auxiliary_exam",
                    "diagnosis", "treatment"):
        assert clean_text(document.value(section)) == clean_text(truth["fields"][section]), section
    assert document.value("doctor_signature") is True


@pytest.mark.parametrize("name", ["tuned_record_booklet_a", "tuned_record_booklet_c", "tuned_record_booklet_d"])
def test_a_booklet_entry_takes_its_visit_date_from_the_unlabelled_date_it_opens_with(name):
    _, truth, page = tuned_page("tuned_record_booklet", name)
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("visit_date") == truth["fields"]["visit_date"]
    assert document.value("doctor_signature") is True
    assert document.fields["doctor_signature"].confidence >= 0.9
