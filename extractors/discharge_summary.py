"""出院小结 copies: stay dates, diagnosis, surgery, treatment, the doctor's signature."""

from __future__ import annotations

from extractors.model import Document, OcrPage
from extractors.sections import SectionedExtractor


class DischargeSummaryExtractor(SectionedExtractor):
    doc_type = "discharge_summary"

    def read_more(self, page: OcrPage, document: Document) -> None:
        super().read_more(page, document)
        for name in self.spec.raw.get("unreported_sections", []):
            document.fields.pop(name, None)
