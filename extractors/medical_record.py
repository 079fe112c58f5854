"""A4 outpatient record copies: header fields, the D3 sections, the doctor's signature."""

from __future__ import annotations

from extractors.model import Document, Field, OcrPage
from extractors.sections import SectionedExtractor
from pipeline.normalize import clean_text


class MedicalRecordExtractor(SectionedExtractor):
    doc_type = "medical_record"

    def read_more(self, page: OcrPage, document: Document) -> None:
        super().read_more(page, document)
        first_visit = self._first_visit(page)
        if first_visit:
            document.fields["first_visit"] = first_visit

    def _first_visit(self, page: OcrPage) -> Field | None:
        for line in page.lines:
            text = clean_text(line.text)
            for mark, is_first in self.spec.raw["first_visit_marks"].items():
                if mark in text:
                    return Field(is_first, line.confidence, page.index, line.box)
        return None
