"""A photo of several receipts laid on one desk gives one receipt document per receipt.

The photos (tests/several_receipts, made by tests/tools/make_orientation_pages.py) hold 2 and 3
different sample receipts, one of them upside down; `claims extract` reads them with the real OCR.
"""

import json
from pathlib import Path

import cv2
import pytest

from pipeline.cleanup import crop_documents, upright_documents
from tests.samples import SAMPLES, run_claims

PHOTOS = Path(__file__).resolve().parent / "several_receipts"


def _truth(photo: Path) -> dict:
    return json.loads(photo.with_name(photo.stem + ".truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("count", [2, 3])
def test_claims_extract_gives_one_receipt_document_per_receipt_on_the_photo(count, tmp_path):
    photo = PHOTOS / f"{count}_receipts_on_desk.jpg"
    result = run_claims("extract", str(photo), "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [d["doc_type"] for d in documents] == ["receipt"] * count
    assert [d["page"] for d in documents] == list(range(1, count + 1))
    invoice_numbers = [d["fields"]["invoice_number"]["value"] for d in documents]
    assert invoice_numbers == _truth(photo)["invoice_numbers"]  # each receipt read on its own, in order


def test_each_receipt_is_cut_out_and_turned_upright():
    pages = upright_documents(cv2.imread(str(PHOTOS / "3_receipts_on_desk.jpg")))
    assert [page.rotation for page in pages] == [0, 0, 180]
    assert all(page.cropped for page in pages)
    for page in pages:
        height, width = page.image.shape[:2]
        assert 1.4 < width / height < 1.8  # one receipt's proportions, not the desk's or two receipts'


@pytest.mark.parametrize("scan", ["04_second_claim_same_member/receipt_phone_photo_rot90.jpg",
                                  "01_outpatient_pays/receipt_skew2_seal.jpg",
                                  "01_outpatient_pays/id_copy.jpg"])
def test_a_page_of_one_document_stays_one_page(scan):
    crops, _ = crop_documents(cv2.imread(str(SAMPLES / scan)))
    assert len(crops) == 1


def test_a_real_receipt_photographed_on_a_dark_desk_stays_one_page(calibration_receipts):
    for receipt in calibration_receipts:
        crops, _ = crop_documents(cv2.imread(str(receipt)))
        assert len(crops) == 1, receipt.name


def test_one_receipt_crossed_by_a_dark_fold_stays_one_page():
    photo = cv2.imread(str(Path(__file__).resolve().parent / "orientation_pages" / "receipt_photo_on_desk_200.jpg"))
    height, width = photo.shape[:2]
    cv2.line(photo, (0, height // 2), (width, height // 2), (35, 35, 35), 24)  # a fold's shadow, desk-dark
    crops, cropped = crop_documents(photo)
    assert len(crops) == 1 and cropped
