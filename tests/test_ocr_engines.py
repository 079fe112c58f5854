"""Both OCR engines on real scans: weights from installed packages, nothing downloaded."""

import pytest

from pipeline.ocr import get_engine
from pipeline.pages import split
from pipeline.reading import read_page
from tests.samples import sample_pages


def _page(name):
    return split(next(p for p in sample_pages() if p.name == name))[0]


@pytest.mark.parametrize("engine_name", ["paddleocr", "rapidocr"])
def test_engine_reads_a_receipt_under_a_seal(engine_name, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_OCR_MODEL_DIR", str(tmp_path / "models"))  # made from the wheel, offline
    page = read_page(_page("receipt_skew2_seal.jpg"), get_engine(engine_name))
    text = "".join(line.text for line in page.lines)
    for printed in ("2610453381", "1250.00", "1050.00", "620.00", "壹仟贰佰伍拾元整", "复旦大学附属华山医院"):
        assert printed in text, printed
    assert all(0 <= line.confidence <= 1 and line.box[2] > line.box[0] for line in page.lines)


@pytest.mark.parametrize("engine_name", ["paddleocr", "rapidocr"])
def test_engine_reads_an_upside_down_record_once_cleanup_turned_it(engine_name):
    page = read_page(_page("record_a4_rot180.jpg"), get_engine(engine_name))
    assert page.rotation == 180
    text = "".join(line.text for line in page.lines)
    assert "主诉" in text and "现病史" in text and "急性胃肠炎" in text


def test_models_are_loaded_once_per_process():
    assert get_engine("paddleocr") is get_engine("paddleocr")
    assert get_engine("rapidocr") is get_engine("rapidocr")
