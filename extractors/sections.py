"""Documents written in labelled sections (records, discharge summaries) and signed by a doctor."""

from __future__ import annotations

import re

import numpy as np

from extractors.base import SpecExtractor
from extractors.layout import find_labels, union_box
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_SIGNATURE_INK_SHARE = 0.004  # dark pixels beside the label: a handwritten signature


class SectionedExtractor(SpecExtractor):
    """Reads `sections:` (field: labels at a line start) and the `signature_labels:` of its spec."""

    def read_more(self, page: OcrPage, document: Document) -> None:
        hospital = self.first_match(page, "hospital_pattern")
        if hospital:
            document.fields["hospital"] = hospital
        document.fields.update(self._sections(page))
        signature = self._signature(page)
        if signature:
            document.fields["doctor_signature"] = signature

    def _section_starts(self, page: OcrPage) -> list[tuple[str, TextLine, int]]:
        """(field, line, label end) for every line that opens a section or the signature."""
        starts = []
        labelled = dict(self.spec.raw["sections"])
        labelled["doctor_signature"] = self.spec.raw["signature_labels"]
        for name, labels in labelled.items():
            for hit in find_labels(page, [re.escape(label) for label in labels], at_line_start=True):
                starts.append((name, hit.line, hit.end))
        starts.sort(key=lambda start: (start[1].box[1], start[1].box[0]))
        return starts

    def _sections(self, page: OcrPage) -> dict[str, Field]:
        """Each section's text: the rest of its label's line, then every line until the next label."""
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
        hits = find_labels(page, [re.escape(label) for label in self.spec.raw["signature_labels"]])
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
