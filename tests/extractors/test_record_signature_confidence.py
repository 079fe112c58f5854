"""The doctor's signature: clear ink or a printed name is sure, a faint trace goes to a person."""

import cv2
import numpy as np

from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from extractors.sections import signature_confidence
from pipeline.checks import check_document
from pipeline.ocr import TextLine

_LABEL = TextLine("医师签名：", (725, 1400, 849, 1439), 0.99)


def _record(image, *lines) -> OcrPage:
    return OcrPage("m.jpg", 1, 0, (TextLine("主诉：头晕2周。", (125, 400, 500, 430), 0.99), *lines), image=image)


def _paper() -> np.ndarray:
    return np.full((1754, 1240, 3), 245, np.uint8)


def _scribble(image, x0, y_mid, amplitude, count=20):
    points = np.array([[x0 + 12 * i, y_mid + (amplitude if i % 2 else -amplitude)] for i in range(count)], np.int32)
    cv2.polylines(image, [points], False, (95, 35, 25), 3)


def test_a_signature_reaching_above_and_below_the_label_line_is_sure():
    image = _paper()
    _scribble(image, 870, 1420, 45)  # taller than the printed line
    document = check_document(MedicalRecordExtractor().extract(_record(image, _LABEL), 1.0))
    assert document.value("doctor_signature") is True
    assert "doctor_signature" not in document.needs_review


def test_a_blank_beside_the_label_is_surely_unsigned():
    document = check_document(MedicalRecordExtractor().extract(_record(_paper(), _LABEL), 1.0))
    assert document.value("doctor_signature") is False
    assert document.fields["doctor_signature"].confidence >= 0.85


def test_a_faint_trace_is_read_but_goes_to_a_person():
    assert signature_confidence(0.006) < 0.7 <= signature_confidence(0.012)
    assert signature_confidence(0.003) < 0.7  # some ink, just under the threshold
    assert signature_confidence(0.05) >= 0.95 and signature_confidence(0.0) >= 0.85


def test_a_printed_name_read_as_its_own_line_beside_the_label_is_a_signature():
    name = TextLine("王建华", (870, 1402, 980, 1437), 0.98)
    signature = MedicalRecordExtractor().extract(_record(_paper(), _LABEL, name), 1.0).fields["doctor_signature"]
    assert signature.value is True and signature.confidence == 0.98


def test_printed_text_beside_the_label_is_not_taken_for_ink():
    image = _paper()
    cv2.putText(image, "2025 03 04", (880, 1432), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 3)
    date = TextLine("2025 03 04", (875, 1400, 1110, 1439), 0.99)
    signature = MedicalRecordExtractor().extract(_record(image, _LABEL, date), 1.0).fields["doctor_signature"]
    assert signature.value is False
