"""What other payers paid: other insurers, the union, the insurance office, local subsidies."""

from __future__ import annotations

import cv2
import numpy as np

from extractors.base import SpecExtractor
from extractors.model import Document, Field, OcrPage

_SEAL_COLOUR_DELTA = 15  # Lab a*/b* units redder or bluer than the paper: seal ink, not black print
_SEAL_MIN_SIDE_SHARE = 0.15  # of the page width: a seal is wider than an ID emblem or a signature
_SEAL_MIN_INK_PIXELS = 1500
_GREY_COPY_CONFIDENCE = 0.5


class OtherInsurerSettlementExtractor(SpecExtractor):
    doc_type = "other_insurer_settlement"

    def read_more(self, page: OcrPage, document: Document) -> None:
        insurer = self.first_match(page, "insurer_pattern")
        if insurer:
            document.fields["insurer"] = insurer


class UnionSettlementExtractor(SpecExtractor):
    doc_type = "union_settlement"


class LocalSubsidyListExtractor(SpecExtractor):
    doc_type = "local_subsidy_list"


class InsuranceReimbursementListExtractor(SpecExtractor):
    doc_type = "insurance_reimbursement_list"

    def read_more(self, page: OcrPage, document: Document) -> None:
        if page.image is not None:
            document.fields["seal"] = seal_field(page)


def coloured_ink(image: np.ndarray) -> np.ndarray:
    """1 where the page has red or blue ink (seals), 0 elsewhere; judged against the page's own paper."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.int16)
    redder = lab[:, :, 1] - int(np.median(lab[:, :, 1]))
    bluer = int(np.median(lab[:, :, 2])) - lab[:, :, 2]
    return ((redder > _SEAL_COLOUR_DELTA) | (bluer > _SEAL_COLOUR_DELTA)).astype(np.uint8)


def seal_field(page: OcrPage) -> Field:
    """Whether the office stamped the list: a round cluster of red or blue ink, as large as a seal.

    Colour is judged against the page's own paper (yellowed paper makes every
    print look bluish). A page with no coloured ink at all is a grey copy, on
    which a seal cannot be told from print: that reading goes to a person.
    """
    ink = coloured_ink(page.image)
    if not ink.any():
        return Field(False, _GREY_COPY_CONFIDENCE, page.index, None, source="image")
    joined = cv2.dilate(ink, np.ones((15, 15), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined)
    min_side = _SEAL_MIN_SIDE_SHARE * page.image.shape[1]
    for index in range(1, count):
        x, y, width, height = (int(v) for v in stats[index, :4])
        round_enough = 0.75 <= width / max(1, height) <= 1.33
        if round_enough and min(width, height) >= min_side and ink[labels == index].sum() >= _SEAL_MIN_INK_PIXELS:
            return Field(True, 0.95, page.index, (x, y, x + width, y + height), source="image")
    return Field(False, 0.9, page.index, None, source="image")
