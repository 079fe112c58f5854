"""A4 outpatient record copies: header fields, the D3 sections, the doctor's signature."""

from __future__ import annotations

import re

from extractors.kinds import KINDS
from extractors.model import Document, Field, OcrPage
from extractors.sections import SectionedExtractor
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine


class MedicalRecordExtractor(SectionedExtractor):
    doc_type = "medical_record"

    def read_more(self, page: OcrPage, document: Document) -> None:
        super().read_more(page, document)
        header = self._header_lines(page)
        first_visit = self._first_visit(page, header)
        if first_visit:
            document.fields["first_visit"] = first_visit
        if "visit_date" not in document.fields:
            entry_date = self._entry_date(page, header)
            if entry_date:
                document.fields["visit_date"] = entry_date

    def _header_lines(self, page: OcrPage) -> list[TextLine]:
        """The lines above the first section: where the visit's marks and date are printed.

        Below that, 复诊 is a word of the text (2周后复诊), not the mark of a follow-up visit.
        """
        starts = [line for name, line, _ in self.section_starts(page) if name not in (None, "doctor_signature")]
        if not starts:
            return list(page.lines)
        top = min(line.box[1] for line in starts)
        return [line for line in page.lines if line.center_y < top]

    def _first_visit(self, page: OcrPage, header: list[TextLine]) -> Field | None:
        for line in header:
            text = clean_text(line.text)
            for mark, is_first in self.spec.raw["first_visit_marks"].items():
                if mark in text:
                    return Field(is_first, line.confidence, page.index, line.box)
        return None

    def _entry_date(self, page: OcrPage, header: list[TextLine]) -> Field | None:
        """A booklet entry opens with its date and no label (2024年7月19日 中医内科 …)."""
        pattern = re.compile(self.spec.raw["entry_date_pattern"])
        for line in header:
            match = pattern.match(clean_text(line.text))
            value = KINDS["date"](match.group(1)) if match else None
            if value:
                return Field(value, line.confidence, page.index, line.box)
        return None
