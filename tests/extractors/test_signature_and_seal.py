"""Ink on the image: a doctor's signature beside its label, an office's seal on a settlement list."""

import cv2
import numpy as np

from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from extractors.settlements import seal_field
from pipeline.ocr import TextLine

_LABEL = TextLine("医师签名：", (725, 1400, 849, 1439), 0.99)


def _record(image, *lines) -> OcrPage:
    return OcrPage("m.jpg", 1, 0, (TextLine("主诉：头晕2周。", (125, 400, 500, 430), 0.99), *lines), image=image)


def _paper() -> np.ndarray:
    image = np.full((1754, 1240, 3), 245, np.uint8)
    cv2.putText(image, ":", (838, 1432), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 3)  # the label's colon
    return image


def test_an_unsigned_label_with_only_its_colon_and_specks_beside_it_reads_false():
    image = _paper()
    for x, y in ((900, 1390), (1000, 1450), (1100, 1420)):
        image[y:y + 2, x:x + 2] = 0  # scanner specks
    signature = MedicalRecordExtractor().extract(_record(image, _LABEL), 1.0).fields["doctor_signature"]
    assert signature.value is False and signature.confidence >= 0.7


def test_a_scribble_beside_the_label_reads_true():
    image = _paper()
    points = np.array([[870 + 12 * i, 1420 + (25 if i % 2 else -25)] for i in range(20)], np.int32)
    cv2.polylines(image, [points], False, (95, 35, 25), 3)
    assert MedicalRecordExtractor().extract(_record(image, _LABEL), 1.0).value("doctor_signature") is True


def test_a_record_without_a_signature_label_is_unsigned():
    signature = MedicalRecordExtractor().extract(_record(_paper()), 1.0).fields["doctor_signature"]
    assert signature.value is False


def test_a_misread_signature_label_is_still_the_signature_label_and_ends_the_last_section():
    label = TextLine("医师签含：", (725, 1400, 849, 1439), 0.99)
    treatment = TextLine("处理：低盐饮食。", (125, 835, 500, 869), 0.99)
    footer = TextLine("第1页/共1页", (1055, 1675, 1169, 1703), 1.0)
    document = MedicalRecordExtractor().extract(_record(_paper(), treatment, label, footer), 1.0)
    assert document.value("treatment") == "低盐饮食。"


def _settlement(image) -> OcrPage:
    return OcrPage("l.jpg", 1, 0, (), image=image)


def test_a_pale_blue_seal_on_yellowed_paper_is_seen():
    image = np.full((1407, 958, 3), (215, 235, 245), np.uint8)  # BGR: yellowish paper
    cv2.circle(image, (660, 660), 110, (200, 160, 140), 6)  # pale blue ring
    cv2.putText(image, "SEAL", (600, 670), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (200, 160, 140), 4)
    assert seal_field(_settlement(image)).value is True


def test_a_red_seal_is_seen_and_a_small_coloured_emblem_is_not_a_seal():
    image = np.full((1776, 1272, 3), 245, np.uint8)
    cv2.circle(image, (200, 200), 40, (40, 40, 200), 8)  # an emblem: too small
    assert seal_field(_settlement(image)).value is False
    cv2.circle(image, (800, 900), 140, (44, 38, 214), 8)
    assert seal_field(_settlement(image)).value is True


def test_on_a_grey_copy_a_missing_seal_is_left_to_a_person():
    field = seal_field(_settlement(np.full((1754, 1240, 3), 240, np.uint8)))
    assert field.value is False and field.confidence < 0.85
