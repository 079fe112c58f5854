"""A4 outpatient record copies: header fields, the D3 sections, the doctor's signature."""

from __future__ import annotations

import re

import numpy as np

from extractors.base import SpecExtractor
from extractors.layout import find_labels, union_box
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import clean_text

_SIGNATURE_INK_SHARE = 0.004  # dark pixels beside the label: a handwritten signature


class MedicalRecordExtractor(SpecExtractor):
    doc_type = "medical_record"

    def read_more(self, page: OcrPage, document: Document) -> None:
        hospital = self.first_match(page, "hospital_pattern")
        if hospital:
            document.fields["hospital"] = hospital
        first_visit = self._first_visit(page)
        if first_visit:
            document.fields["first_visit"] = first_visit
        document.fields.update(self._sections(page))
        signature = self._signature(page)
        if signature:
            document.fields["doctor_signature"] = signature

    def _first_visit(self, page: OcrPage) -> Field | None:
        for line in page.lines:
            text = clean_text(line.text)
            for mark, is_first in self.spec.raw["first_visit_marks"].items():
                if mark in text:
                    return Field(is_first, line.confidence, page.index, line.box)
        return None

    def _section_starts(self, page: OcrPage) -> list[tuple[str, object, int]]:
        """(field, line, label end) for every line that opens a section or the signature."""
        starts = []
        labelled = dict(self.spec.raw["sections"])
        labelled["doctor_signature"] = self.spec.raw["signature_labels"]
        for name, labels in labelled.items():
            for hit in find_labels(page, [re.escape(l) for l in labels], at_line_start=True):
                starts.append((name, hit.line, hit.end))
        starts.sort(key=lambda s: (s[1].box[1], s[1].box[0]))
        return starts

    def _sections(self, page: OcrPage) -> dict[str, Field]:
        starts = self._section_starts(page)
        sections = {}
        for position, (name, line, label_end) in enumerate(starts):
            if name == "doctor_signature" or name in sections:
                continue
            next_top = starts[position + 1][1].box[1] if position + 1 < len(starts) else None
            parts = [_after_label(line.text, label_end)]
            used = [line]
            for other in page.lines:
                same_row = abs(other.center_y - line.center_y) < 0.5 * line.height and other.box[0] > line.box[0]
                below = other.box[1] >= line.box[1] + line.height * 0.5
                if other is line or not (same_row or below) or any(other is s[1] for s in starts):
                    continue
                if next_top is not None and other.center_y >= next_top:
                    continue
                parts.append(other.text.strip())
                used.append(other)
            text = "".join(parts).strip()  # a section's printed lines, joined
            if text:
                confidence = min(l.confidence for l in used)
                sections[name] = Field(text, confidence, page.index, union_box(l.box for l in used))
        return sections

    def _signature(self, page: OcrPage) -> Field | None:
        hits = find_labels(page, [re.escape(l) for l in self.spec.raw["signature_labels"]])
        if not hits:
            return None
        hit = hits[-1]
        rest = hit.text[hit.end:].lstrip(":")
        x0, y0, x1, y1 = hit.line.box
        height = y1 - y0
        if re.search(r"[\u4e00-\u9fff]{2,}", rest):  # a printed or legible name
            return Field(True, hit.line.confidence, page.index, hit.line.box)
        if page.image is None:
            return None
        region = (hit.x_at(hit.end), max(0, y0 - height), min(page.image.shape[1], x1 + 8 * height), y1 + height)
        share = _ink_share(page.image, region)
        present = share >= _SIGNATURE_INK_SHARE
        # The further the ink share is from the threshold, the surer the reading.
        confidence = min(0.99, 0.6 + abs(share - _SIGNATURE_INK_SHARE) / _SIGNATURE_INK_SHARE * 0.1)
        return Field(present, confidence, page.index, region)


def _after_label(raw: str, label_end: int) -> str:
    """The raw text after a label that ends at `label_end` characters of the line's clean text."""
    seen = 0
    for position, char in enumerate(raw):
        if seen == label_end:
            return raw[position:].lstrip(":：: ").strip()
        if clean_text(char):
            seen += len(clean_text(char))
    return ""


def _ink_share(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = (int(v) for v in box)
    crop = image[max(0, y0):y1, max(0, x0):x1]
    if crop.size == 0:
        return 0.0
    gray = crop.mean(axis=2) if crop.ndim == 3 else crop
    return float((gray < 110).mean())
