"""Every kind of page comes back upright from every quarter turn, sparse pages included.

The pages (tests/orientation_pages, made by tests/tools/make_orientation_pages.py) are stored
upright and turned here; the real PP-OCR models of the rapidocr wheel decide.
"""

import json
from pathlib import Path

import cv2
import pytest

from pipeline.cleanup import crop_document, detect_rotation, rotate_right_angle

PAGES = Path(__file__).resolve().parent / "orientation_pages"
KINDS = json.loads((PAGES / "pages.json").read_text(encoding="utf-8"))


def test_every_document_type_has_sparse_and_dense_pages_at_200_and_300_dpi():
    assert set(KINDS.values()) == {"medical_record", "detail_list", "receipt", "id_copy", "bank_book"}
    for dpi in ("200", "300"):
        kinds = {Path(name).stem.rsplit("_", 1)[0] for name in KINDS if Path(name).stem.endswith(dpi)}
        assert {"id_side_by_side", "id_stacked", "id_one_side", "bank_book_page", "small_receipt_on_bed",
                "receipt_photo_on_desk", "record", "detail_list"} <= kinds


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_page_is_turned_upright_from_every_quarter_turn(name):
    upright = cv2.imread(str(PAGES / name))
    found = {}
    for turn in (0, 90, 180, 270):
        page, _ = crop_document(rotate_right_angle(upright, turn))
        found[turn] = detect_rotation(page)
    assert found == {turn: (360 - turn) % 360 for turn in found}, f"{KINDS[name]} turned by → rotation found"
