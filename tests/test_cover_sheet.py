"""Cover sheets as a mailroom prints and scans them: found by their QR code whatever way up and however
copied, their packet number read and the member's tick seen; any other page is not one."""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2
import pytest

from extractors.registry import extract
from pipeline import cover_sheet
from pipeline.pages import PageImage, pages_of
from pipeline.reading import read_documents
from tests.samples import SAMPLES, run_claims
from tests.stacks import cover_scan


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_cover_sheet_fed_upside_down_is_found_and_turned_upright(dpi):
    found = cover_sheet.detect(cover_scan("P2026-000007", upside_down=True, dpi=dpi))
    assert (found.packet_number, found.rotation, found.return_originals) == ("P2026-000007", 180, False)


@pytest.mark.parametrize("skew", [-4.0, 3.0])
def test_a_cover_sheet_scanned_skewed_is_found(skew):
    found = cover_sheet.detect(cover_scan("P2026-000008", skew=skew))
    assert (found.packet_number, found.rotation, found.return_originals) == ("P2026-000008", 0, False)


def test_a_grey_skewed_photocopy_of_a_cover_sheet_is_found():
    found = cover_sheet.detect(cover_scan("P2026-000009", grey=True, skew=2.5, dpi=300))
    assert (found.packet_number, found.return_originals) == ("P2026-000009", False)


@pytest.mark.parametrize("copy", [dict(), dict(upside_down=True), dict(grey=True, skew=-3.0),
                                  dict(grey=True, skew=3.0, upside_down=True, dpi=300)])
def test_a_ticked_box_asks_for_the_originals_back_and_an_empty_one_does_not(copy):
    assert cover_sheet.detect(cover_scan("P2026-000010", ticked=True, **copy)).return_originals
    assert not cover_sheet.detect(cover_scan("P2026-000010", **copy)).return_originals


@pytest.mark.parametrize("page", ["02_under_deductible/receipt_noise_blue_seal.jpg",
                                  "03_missing_detail_list/record_a4_rot180.jpg", "01_outpatient_pays/id_copy.jpg"])
def test_a_claim_document_is_not_a_cover_sheet(page):
    assert cover_sheet.detect(cv2.imread(str(SAMPLES / page))) is None


def test_a_qr_code_that_is_not_ours_is_not_a_cover_sheet():
    modules = cv2.QRCodeEncoder.create().encode("https://inv-veri.chinatax.gov.cn/?code=144031900111")
    page = np.full((1754, 1240), 255, np.uint8)
    page[100:400, 100:400] = cv2.resize(modules, (300, 300), interpolation=cv2.INTER_NEAREST)
    assert cover_sheet.detect(page) is None  # an e-invoice's code on a receipt


def test_a_cover_sheet_is_not_read_by_ocr_and_becomes_a_cover_sheet_document():
    scan = cover_scan("P2026-000011", upside_down=True, ticked=True)
    # No OCR engine at all: a cover sheet has nothing to read but its code and its box.
    [page] = read_documents([PageImage("stack-01.pdf", 1, scan)], engine=None)
    assert (page.lines, page.rotation) == ((), 180)
    document = extract(page)
    assert (document.doc_type, document.rotation) == ("cover_sheet", 180)
    assert (document.value("packet_number"), document.value("return_originals")) == ("P2026-000011", True)


def test_claims_cover_sheet_prints_a4_pages_with_numbers_never_issued_before(tmp_path):
    home = tmp_path / "home"
    first = run_claims("cover-sheet", "--count", "2", "--out", str(tmp_path / "a.pdf"), home=home, timeout=300)
    second = run_claims("cover-sheet", "--count", "1", "--out", str(tmp_path / "b.pdf"), home=home, timeout=300)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    numbers = []
    for printed in (tmp_path / "a.pdf", tmp_path / "b.pdf"):
        document = pypdfium2.PdfDocument(str(printed))
        assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in (p.get_size() for p in document))  # A4
        document.close()
        numbers += [cover_sheet.detect(page.image).packet_number for page in pages_of(printed)]
    assert len(numbers) == 3 and len(set(numbers)) == 3
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3]


def test_claims_cover_sheet_refuses_a_count_of_none_in_one_line(tmp_path):
    result = run_claims("cover-sheet", "--count", "0", "--out", str(tmp_path / "a.pdf"), home=tmp_path, timeout=300)
    assert result.returncode == 2 and result.stderr.startswith("error [BAD_INPUT]") and "Traceback" not in result.stderr
    assert not (tmp_path / "a.pdf").exists()
