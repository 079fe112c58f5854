"""Record sections whose label stands alone on its line (【主诉】, 主诉：) with the text below it."""

import pytest

from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page

SECTIONS = ("chief_complaint", "present_illness", "past_history", "positive_signs", "auxiliary_exam",
            "diagnosis", "treatment")


def _page(*lines) -> OcrPage:
    return OcrPage("m.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines))


def test_a_bracketed_label_alone_on_its_line_takes_the_indented_lines_below_it():
    page = _page(("【主诉】", (90, 400, 200, 430)), ("咳嗽3天，", (140, 440, 400, 470)), ("伴发热。", (140, 480, 300, 510)),
                 ("【初步诊断】", (90, 530, 260, 560)), ("急性支气管炎", (140, 570, 400, 600)))
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("chief_complaint") == "咳嗽3天，伴发热。"
    assert document.value("diagnosis") == "急性支气管炎"


@pytest.mark.parametrize("name", ["tuned_record_label_above_a", "tuned_record_label_above_b",
                                  "tuned_record_label_above_c", "tuned_record_label_above_d"])
def test_the_label_above_family_reads_every_section_as_printed(name):
    scan, truth, page = tuned_page("tuned_record_label_above", name)
    document = MedicalRecordExtractor().extract(page, 1.0)
    for section in SECTIONS:
        expected = truth["fields"].get(section)
        assert (expected and clean_text(document.value(section))) == (expected and clean_text(expected)), section
    assert document.value("doctor_signature") is truth["fields"]["doctor_signature"]
