"""Page orientation, deskew and document crop on the real sample scans and real receipts."""

import json

import cv2
import numpy as np
import pytest

from pipeline.cleanup import crop_document, deskew, detect_rotation, rotate_right_angle, upright
from tests.samples import page_id, sample_pages, truth_of


@pytest.mark.parametrize("scan", sample_pages(), ids=page_id)
def test_every_sample_page_is_turned_upright_from_any_quarter_turn(scan):
    image = cv2.imread(str(scan))
    truth = truth_of(scan)["rotation"]
    for turned in (0, 90, 180, 270):
        page, _ = crop_document(rotate_right_angle(image, turned))
        assert detect_rotation(page) == (truth - turned) % 360, f"turned by {turned}"


def test_real_receipts_are_turned_upright(calibration_receipts):
    for receipt in calibration_receipts:
        truth = json.loads(receipt.with_name(receipt.stem + ".truth.json").read_text(encoding="utf-8"))
        assert upright(cv2.imread(str(receipt))).rotation == truth["rotation"], receipt.name


def test_phone_photo_on_a_dark_desk_is_cut_out_of_the_background(calibration_receipts):
    photo = next(r for r in calibration_receipts if "dark_background" in r.name)
    image = cv2.imread(str(photo))
    cropped, did_crop = crop_document(image)
    assert did_crop
    assert cropped.shape[0] * cropped.shape[1] < 0.8 * image.shape[0] * image.shape[1]
    assert np.median(cv2.cvtColor(cropped, cv2.COLOR_BGR2GRAY)) > 120  # paper, not desk


def test_a_flatbed_scan_is_not_cropped():
    scan = next(p for p in sample_pages() if "receipt_skew2" in p.name)
    _, did_crop = crop_document(cv2.imread(str(scan)))
    assert not did_crop


@pytest.mark.parametrize("angle", [-4.0, -2.5, -1.0, 1.5, 3.0, 4.0])
def test_deskew_recovers_the_angle_a_page_was_turned_by(angle):
    straight = upright(cv2.imread(str(next(p for p in sample_pages() if "record_a4_follow_up.jpg" in str(p))))).image
    height, width = straight.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    tilted = cv2.warpAffine(straight, matrix, (width, height), borderValue=(255, 255, 255))
    _, found = deskew(tilted)
    assert found == pytest.approx(-angle, abs=0.35)
