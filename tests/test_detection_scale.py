"""The detector's input scale follows the page's text height, whatever the scan's dpi."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.errors import OcrEngineError
from pipeline.ocr.detection_scale import DetectionScaleSettings, detection_scale, text_height

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PAGES = sorted((ROOT / "sample_scans").glob("*/*.jpg"))


@pytest.fixture(scope="module")
def settings():
    return DetectionScaleSettings.load()


@pytest.mark.parametrize("page", SAMPLE_PAGES[:8], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_150_dpi_sample_pages_keep_full_size(page, settings):
    # The labelled accuracy of the sample pages was measured at full size: they must not change.
    assert detection_scale(cv2.imread(str(page)), settings) == 1.0


@pytest.mark.parametrize("page", SAMPLE_PAGES[:8], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_same_page_scanned_at_twice_the_dpi_has_twice_the_text_height(page, settings):
    image = cv2.imread(str(page))
    doubled = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    assert text_height(doubled, settings) / text_height(image, settings) == pytest.approx(2.0, rel=0.15)
    assert detection_scale(doubled, settings) < 0.75


def test_a_page_without_text_keeps_full_size(settings):
    blank = np.full((3508, 2480, 3), 245, np.uint8)
    assert text_height(blank, settings) is None
    assert detection_scale(blank, settings) == 1.0


def test_huge_text_is_shrunk_no_further_than_the_smallest_scale(settings):
    image = cv2.imread(str(SAMPLE_PAGES[0]))
    enlarged = cv2.resize(image, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    assert detection_scale(enlarged, settings) == settings.smallest_scale


def test_an_unknown_setting_is_a_one_line_error(tmp_path):
    bad = tmp_path / "detection_scale.yaml"
    bad.write_text("target_text_height: 28\ntarget_text_hieght: 30\n", encoding="utf-8")
    with pytest.raises(OcrEngineError, match="detection_scale.yaml: unknown key 'target_text_hieght'"):
        DetectionScaleSettings.load(bad)
