"""One extractor per document type; each scores a page and the best one reads it."""

from __future__ import annotations

from dataclasses import replace

from extractors.bank_book import BankBookExtractor
from extractors.detail_list import DetailListExtractor, InpatientFeeDetailExtractor
from extractors.discharge_summary import DischargeSummaryExtractor
from extractors.id_copy import IdCopyExtractor
from extractors.medical_record import MedicalRecordExtractor
from extractors.model import Document, OcrPage
from extractors.receipt import ReceiptExtractor
from extractors.settlements import (InsuranceReimbursementListExtractor, LocalSubsidyListExtractor,
                                    OtherInsurerSettlementExtractor, UnionSettlementExtractor)
from pipeline import cover_sheet
from pipeline.normalize import as_printed

EXTRACTORS = (
    ReceiptExtractor(),
    MedicalRecordExtractor(),
    DetailListExtractor(),
    IdCopyExtractor(),
    BankBookExtractor(),
    DischargeSummaryExtractor(),
    InpatientFeeDetailExtractor(),
    OtherInsurerSettlementExtractor(),
    UnionSettlementExtractor(),
    InsuranceReimbursementListExtractor(),
    LocalSubsidyListExtractor(),
)
MIN_SCORE = 0.25  # below this share of a type's keywords the page is `unknown`


def classify(page: OcrPage) -> tuple[str, float]:
    """The best-scoring document type and how sure we are of it."""
    scores = sorted(((extractor.score(page), extractor.doc_type) for extractor in EXTRACTORS), reverse=True)
    best_score, best_type = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best_score < MIN_SCORE:
        return "unknown", round(1.0 - best_score, 4)
    # Sure when most of the type's keywords are there and no other type comes close.
    confidence = min(1.0, best_score / 0.6) * (1.0 - 0.5 * runner_up / best_score)
    return best_type, round(confidence, 4)


def as_read(page: OcrPage) -> OcrPage:
    """The page with OCR's certain misreads of printed text undone in every line (see `as_printed`)."""
    return replace(page, lines=tuple(replace(line, text=as_printed(line.text)) for line in page.lines))


def regions_to_reread(page: OcrPage) -> list:
    """What the page's extractor asks the reading stage to read again (a second look), if anything."""
    page = as_read(page)
    doc_type, _ = classify(page)
    extractor = next((e for e in EXTRACTORS if e.doc_type == doc_type), None)
    return extractor.regions_to_reread(page) if extractor is not None and hasattr(extractor, "regions_to_reread") else []


def extract(page: OcrPage) -> Document:
    if not page.lines and page.image is not None:  # cover sheets are never OCR'd (pipeline.reading)
        sheet = cover_sheet.detect(page.image)
        if sheet is not None:
            return cover_sheet.as_document(page.source, page.index, sheet, page.rotation)
    page = as_read(page)
    doc_type, confidence = classify(page)
    for extractor in EXTRACTORS:
        if extractor.doc_type == doc_type:
            return extractor.extract(page, confidence)
    return Document(source=page.source, page=page.index, doc_type="unknown",
                    doc_type_confidence=confidence, rotation=page.rotation)
