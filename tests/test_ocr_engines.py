"""Every OCR engine on real scans: weights from installed packages, nothing downloaded."""

import os
import subprocess
import sys
from decimal import Decimal

import cv2
import numpy as np
import pytest

from extractors.registry import extract
from pipeline.errors import OcrEngineError
from pipeline.ocr import engine_names, engine_settings, get_engine, read_many
from pipeline.ocr.faster import FasterPaddleEngine
from pipeline.pages import split
from pipeline.reading import read_documents, read_page
from tests.samples import ROOT, sample_pages, truth_of

ENGINES = ["paddleocr", "rapidocr", "faster-paddle-small", "faster-paddle-tiny"]
FASTER = ["faster-paddle-small", "faster-paddle-tiny"]
RECEIPT = "receipt_skew2_seal.jpg"


def _scan(name):
    return next(p for p in sample_pages() if p.name == name)


def _page(name):
    return split(_scan(name))[0]


def test_every_engine_of_the_settings_file_is_tested_here():
    assert engine_names() == ENGINES


@pytest.mark.parametrize("engine_name", [
    *ENGINES[:3],
    # Measured: the tiny models lose the amount in words (壹仟贰佰伍拾元整) under the seal.
    pytest.param("faster-paddle-tiny", marks=pytest.mark.xfail(strict=True, reason="tiny misses the words amount")),
])
def test_engine_reads_a_receipt_under_a_seal(engine_name, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_OCR_MODEL_DIR", str(tmp_path / "models"))  # made from the wheel, offline
    page = read_page(_page(RECEIPT), get_engine(engine_name))
    text = "".join(line.text for line in page.lines)
    for printed in ("2610453381", "1250.00", "1050.00", "620.00", "壹仟贰佰伍拾元整", "复旦大学附属华山医院"):
        assert printed in text, printed
    assert all(0 <= line.confidence <= 1 and line.box[2] > line.box[0] for line in page.lines)


@pytest.mark.parametrize("engine_name", FASTER)
def test_faster_paddle_gives_the_receipts_amounts_as_labelled(engine_name):
    truth = truth_of(_scan(RECEIPT))["fields"]
    document = extract(read_page(_page(RECEIPT), get_engine(engine_name)))
    for amount in ("total", "cash_paid", "account_paid"):
        assert Decimal(document.value(amount)) == Decimal(truth[amount]), amount
    assert document.value("invoice_number") == truth["invoice_number"]


@pytest.mark.parametrize("engine_name", FASTER)
def test_faster_paddle_boxes_are_in_the_pages_pixels(engine_name):
    # The detector sees at most 1600 px of the long side: the boxes must still be the page's own,
    # also on the same page scanned at twice the dpi (3508 px, as a 300-dpi A4).
    image = cv2.imread(str(_scan(RECEIPT)))
    doubled = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    engine = get_engine(engine_name)

    def box_of(lines, text):
        return next(np.array(line.box) for line in lines if text in line.text)

    on_page, on_doubled = engine.read(image), engine.read(doubled)
    # Where the PaddleOCR engine finds the same lines, within a few pixels.
    for text in ("2610453381", "310101198103152316"):
        reference = box_of(get_engine("paddleocr").read(image), text)
        assert np.abs(box_of(on_page, text) - reference).max() <= 8, text
        assert np.abs(box_of(on_doubled, text) - 2 * box_of(on_page, text)).max() <= 12, text


@pytest.mark.parametrize("engine_name", ENGINES)
def test_engine_reads_an_upside_down_record_once_cleanup_turned_it(engine_name):
    page = read_page(_page("record_a4_rot180.jpg"), get_engine(engine_name))
    assert page.rotation == 180
    text = "".join(line.text for line in page.lines)
    assert "主诉" in text and "现病史" in text and "急性胃肠炎" in text


def test_pages_read_together_give_each_page_its_own_lines_in_order():
    engine = get_engine("faster-paddle-tiny")
    images = [cv2.imread(str(_scan(name))) for name in (RECEIPT, "bank_book.jpg", "id_copy.jpg")]
    together = read_many(engine, images)
    assert [[line.text for line in lines] for lines in together] == \
        [[line.text for line in engine.read(image)] for image in images]


def test_a_multi_page_file_is_read_in_windows_with_its_pages_numbered_in_order(tmp_path):
    from PIL import Image

    names = (RECEIPT, "bank_book.jpg", "id_copy.jpg", "detail_list_noise.jpg", "record_a4_first_visit.jpg")
    frames = [Image.open(_scan(name)).convert("RGB") for name in names]
    tiff = tmp_path / "packet.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    engine = get_engine("faster-paddle-tiny")
    assert engine.batch_pages < len(names)  # two windows, the second not full
    pages = list(read_documents(split(tiff), engine))
    assert [page.index for page in pages] == [1, 2, 3, 4, 5]
    assert "2610453381" in "".join(line.text for line in pages[0].lines)
    assert "呼吸内科" in "".join(line.text for line in pages[4].lines)


def test_faster_paddle_reads_with_no_network_and_writes_no_cache(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    script = ("import cv2; from pipeline.ocr import get_engine; "
              f"print(''.join(l.text for l in get_engine('faster-paddle-small').read(cv2.imread({str(_scan(RECEIPT))!r}))))")
    # A network namespace of its own: no interface but loopback, so any download would fail.
    result = subprocess.run(["unshare", "--net", sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")})
    assert result.returncode == 0, result.stderr
    assert "2610453381" in result.stdout
    assert list(home.iterdir()) == []  # the weights came from the wheel, none were fetched and cached


def test_faster_paddle_refuses_a_model_the_wheel_does_not_carry():
    with pytest.raises(OcrEngineError, match="model_size 'medium' is not bundled"):
        FasterPaddleEngine("faster-paddle-medium", "medium", det_max_side=1600, batch_pages=4)


@pytest.mark.parametrize("content, message", [
    ("fast:\n  kind: faster-paddle\n  model_size: tiny\n  det_max_side: 1600\n  batch_pages: 4\n  treads: 2\n",
     "engine 'fast': unknown key 'treads'"),
    ("fast:\n  kind: faster-paddle\n  model_size: tiny\n  batch_pages: 4\n", "engine 'fast': missing key 'det_max_side'"),
    ("fast:\n  model_size: tiny\n", "engine 'fast': missing key 'kind'"),
    ("fast:\n  kind: tesseract\n", "engine 'fast': unknown kind 'tesseract'"),
    ("paddle:\n  kind: paddleocr\n  detection_scale: 1\n", "engine 'paddle': 'detection_scale' must be bool, not '1'"),
])
def test_a_wrong_engines_file_is_a_one_line_error(tmp_path, content, message):
    bad = tmp_path / "ocr_engines.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(OcrEngineError, match=f"ocr_engines.yaml: {message}") as raised:
        engine_settings(bad)
    assert "\n" not in raised.value.one_line()


def test_an_unknown_engine_name_lists_the_known_ones():
    with pytest.raises(OcrEngineError, match="unknown OCR engine 'paddle' .*faster-paddle-tiny"):
        get_engine("paddle")


def test_models_are_loaded_once_per_process():
    for name in ENGINES:
        assert get_engine(name) is get_engine(name)
