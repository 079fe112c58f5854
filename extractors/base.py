"""The shape every extractor has: score a page for its document type, then read it."""

from __future__ import annotations

import re

from extractors.hospital import read_hospital
from extractors.model import Document, Field, OcrPage
from extractors.spec import DocSpec, load_spec
from pipeline.normalize import clean_text


class SpecExtractor:
    """Reads the labelled fields its YAML spec lists; subclasses add tables and sections."""

    doc_type: str = ""

    @property
    def spec(self) -> DocSpec:
        return load_spec(self.doc_type)

    def score(self, page: OcrPage) -> float:
        return self.spec.keyword_score(page)

    def extract(self, page: OcrPage, doc_type_confidence: float) -> Document:
        document = Document(
            source=page.source, page=page.index, doc_type=self.doc_type,
            doc_type_confidence=doc_type_confidence, rotation=page.rotation,
        )
        fields, unread = self.spec.read_fields(page)
        document.fields.update(fields)
        document.unread.extend(unread)  # read_more may still find these elsewhere on the page
        self.read_more(page, document)
        document.unread = [name for name in document.unread if name not in document.fields]
        return document

    def read_more(self, page: OcrPage, document: Document) -> None:
        """Document-type specifics beyond labelled fields."""

    def add_hospital(self, page: OcrPage, document: Document) -> None:
        """The hospital the page comes from (extractors.hospital), where one is read."""
        hospital = read_hospital(page, self.spec.raw["hospital_pattern"])
        if hospital:
            document.fields["hospital"] = hospital

    def first_match(self, page: OcrPage, pattern_key: str) -> Field | None:
        """The first line (reading order) matching a pattern from the spec, as a field."""
        pattern = re.compile(self.spec.raw[pattern_key])
        for line in page.lines:
            match = pattern.search(clean_text(line.text))
            if match:
                return Field(match.group(1), line.confidence, page.index, line.box)
        return None
