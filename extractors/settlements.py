"""What other payers paid: other insurers, the union, the insurance office, local subsidies."""

from __future__ import annotations

import numpy as np

from extractors.base import SpecExtractor
from extractors.model import Document, Field, OcrPage

_SEAL_RED_SHARE = 0.002  # of the page's pixels in saturated red: a stamped seal


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
            share = _red_share(page.image)
            document.fields["seal"] = Field(share >= _SEAL_RED_SHARE, 0.9, page.index, None, source="image")


def _red_share(image: np.ndarray) -> float:
    blue, green, red = (image[:, :, i].astype(int) for i in range(3))
    return float(((red - np.maximum(green, blue)) > 60).mean())
