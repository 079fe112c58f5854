"""A boxed record form: each cell's text belongs to the label in that cell, wherever in the cell the
label sits (centred in a tall cell, below the first line of text), two cells may share a row, and a
label a narrow cell breaks over two lines (辅助 / 检查) is one label."""

import cv2
import numpy as np
import pytest

from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page

SECTIONS = ("chief_complaint", "present_illness", "past_history", "positive_signs", "auxiliary_exam",
            "diagnosis", "treatment")


def _form(rules: list[int], lines: list[tuple[str, tuple]]) -> OcrPage:
    """A white page with full-width horizontal rules at `rules` and the given OCR lines."""
    image = np.full((1200, 1000, 3), 250, np.uint8)
    for y in rules:
        cv2.line(image, (40, y), (960, y), (20, 20, 20), 2)
    return OcrPage("form.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines), image=image)


def test_a_label_centred_in_its_cell_owns_the_line_above_it():
    page = _form([100, 160, 300, 360], [
        ("主诉", (60, 115, 140, 145)), ("咳嗽3天。", (200, 115, 400, 145)),
        ("患者3天前受凉后咳嗽，", (200, 170, 700, 200)), ("现病史", (60, 215, 150, 245)),
        ("咳白痰，无发热。", (200, 260, 600, 290)),
        ("诊断", (60, 315, 140, 345)), ("急性支气管炎", (200, 315, 450, 345))])
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("chief_complaint") == "咳嗽3天。"
    assert document.value("present_illness") == "患者3天前受凉后咳嗽，咳白痰，无发热。"
    assert document.value("diagnosis") == "急性支气管炎"


def test_two_cells_of_one_row_each_keep_their_own_text():
    page = _form([100, 260], [
        ("诊断", (60, 160, 140, 190)), ("急性支气管炎", (200, 130, 450, 160)),
        ("处理", (520, 160, 600, 190)), ("头孢克洛缓释片口服，", (640, 120, 950, 150)),
        ("多饮水。", (640, 170, 800, 200))])
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("diagnosis") == "急性支气管炎"
    assert document.value("treatment") == "头孢克洛缓释片口服，多饮水。"


def test_a_label_broken_over_two_lines_is_one_label():
    page = _form([100, 200, 260], [
        ("辅助", (70, 110, 130, 140)), ("血常规正常。", (200, 130, 450, 160)), ("检查", (70, 145, 130, 175)),
        ("诊断", (60, 215, 140, 245)), ("上呼吸道感染", (200, 215, 450, 245))])
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("auxiliary_exam") == "血常规正常。"
    assert document.value("diagnosis") == "上呼吸道感染"


def test_without_rules_a_line_above_a_label_stays_with_the_section_before():
    page = OcrPage("m.jpg", 1, 0, tuple(TextLine(t, b, 0.99) for t, b in [
        ("主诉：咳嗽3天，", (60, 100, 400, 130)), ("伴发热。", (60, 140, 300, 170)),
        ("诊断：急性支气管炎", (60, 180, 450, 210))]), image=np.full((400, 600, 3), 250, np.uint8))
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("chief_complaint") == "咳嗽3天，伴发热。"


def test_a_wrapped_line_that_begins_with_fu_zhen_is_text_not_the_first_visit_mark():
    page = _form([100, 200], [
        ("处理", (60, 140, 140, 170)), ("清淡饮食，2周后", (200, 110, 500, 140)), ("复诊。", (200, 155, 300, 185))])
    document = MedicalRecordExtractor().extract(page, 1.0)
    assert document.value("treatment") == "清淡饮食，2周后复诊。"


@pytest.mark.parametrize("name", [f"tuned_record_boxed_spaced_{s}" for s in "abde"])
def test_the_spaced_label_form_family_reads_every_section_as_printed(name):
    scan, truth, page = tuned_page("tuned_record_boxed_spaced", name)
    document = MedicalRecordExtractor().extract(page, 1.0)
    for section in SECTIONS:
        expected = truth["fields"].get(section)
        assert (expected and clean_text(document.value(section))) == (expected and clean_text(expected)), section
