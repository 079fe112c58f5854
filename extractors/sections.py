"""Documents written in labelled sections (records, discharge summaries) and signed by a doctor."""

from __future__ import annotations

import re

import cv2
import numpy as np

from extractors.base import SpecExtractor
from extractors.layout import union_box
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_SIGNATURE_INK_SHARE = 0.004  # stroke pixels beside the label: a handwritten signature
_MIN_STROKE_HEIGHTS = 0.6  # a handwriting stroke spans at least this share of a printed line's height
_INK_GRAY = 110  # darker than this is ink, on white and on grey copies alike
_NO_LABEL_CONFIDENCE = 0.9  # no 签名 label read: sure enough that nobody signed, OCR reads labels well


class SectionedExtractor(SpecExtractor):
    """Reads `sections:` (field: labels at a line start) and the `signature_labels:` of its spec."""

    def read_more(self, page: OcrPage, document: Document) -> None:
        self.add_hospital(page, document)
        document.fields.update(self._sections(page))
        signature = self._signature(page)
        if signature:
            document.fields["doctor_signature"] = signature

    def section_starts(self, page: OcrPage) -> list[tuple[str, TextLine, int]]:
        """(field, line, label end) for every line that opens a section or the signature.

        A line whose start reads as two labels (a misread 入院诊断 that is also one character from
        出院诊断) opens the first section of the spec only.
        """
        starts, opening = [], set()
        labelled = dict(self.spec.raw["sections"])
        labelled["doctor_signature"] = self.spec.raw["signature_labels"]
        for name, labels in labelled.items():
            for hit in self.spec.find_labels(page, [re.escape(label) for label in labels], at_line_start=True):
                if id(hit.line) not in opening:
                    opening.add(id(hit.line))
                    starts.append((name, hit.line, hit.end))
        starts.sort(key=lambda start: (start[1].box[1], start[1].box[0]))
        return starts

    def _sections(self, page: OcrPage) -> dict[str, Field]:
        """Each section's text: the rest of its label's line, then every line up to the next label.

        Every other line goes to the last label before it (on its row to its left, or above it), so
        no line is lost or read twice; a label printed again continues its section. What follows
        the signature label, and the page footer, belong to no section.
        """
        starts = self.section_starts(page)
        start_lines = {id(line) for _, line, _ in starts}
        footer = re.compile(self.spec.raw["page_footer_pattern"])
        owned: dict[int, list[TextLine]] = {position: [] for position in range(len(starts))}
        for other in page.lines:
            if id(other) in start_lines or footer.match(clean_text(other.text)):
                continue
            owner = next((position for position in reversed(range(len(starts)))
                          if _follows(other, starts[position][1])), None)
            if owner is not None:
                owned[owner].append(other)
        parts: dict[str, list[str]] = {}
        used: dict[str, list[TextLine]] = {}
        for position, (name, line, label_end) in enumerate(starts):
            if name == "doctor_signature":
                continue
            parts.setdefault(name, []).append(_after_label(line.text, label_end))
            parts[name] += [other.text.strip() for other in owned[position]]
            used.setdefault(name, []).extend([line, *owned[position]])
        sections = {}
        for name, texts in parts.items():
            text = "".join(texts).strip()  # a section's printed lines, joined
            if text:
                confidence = min(l.confidence for l in used[name])
                sections[name] = Field(text, confidence, page.index, union_box(l.box for l in used[name]))
        return sections

    def _signature(self, page: OcrPage) -> Field | None:
        """Whether the doctor signed: a name after the label, else handwriting ink beside it.

        No label on the page means no signature was asked for or given: False. Ink
        is only counted in strokes as large as handwriting, so the label's own colon
        and scanner specks do not pass for a signature.
        """
        hits = self.spec.find_labels(page, [re.escape(label) for label in self.spec.raw["signature_labels"]])
        if not hits:
            return Field(False, _NO_LABEL_CONFIDENCE, page.index, None)
        hit = hits[-1]
        rest = hit.text[hit.end:].lstrip(":")
        x0, y0, x1, y1 = hit.line.box
        height = y1 - y0
        if re.search(r"[\u4e00-\u9fff]{2,}", rest):  # a printed or legible name
            return Field(True, hit.line.confidence, page.index, hit.line.box)
        if page.image is None:
            return None
        # Ink starts after the line OCR read (label and colon), unless a scribble was read as characters.
        ink_from = x1 if not re.search(r"[^\W_]", rest) else hit.x_at(hit.end)
        region = (ink_from + height // 4, max(0, y0 - height), min(page.image.shape[1], x1 + 8 * height), y1 + height)
        share = handwriting_ink_share(page.image, region, min_stroke=height * _MIN_STROKE_HEIGHTS)
        present = share >= _SIGNATURE_INK_SHARE
        # The further the ink share is from the threshold, the surer the reading.
        confidence = min(0.99, 0.6 + abs(share - _SIGNATURE_INK_SHARE) / _SIGNATURE_INK_SHARE * 0.1)
        return Field(present, confidence, page.index, region)


def _follows(line: TextLine, label_line: TextLine) -> bool:
    """In reading order after the label's line: to its right on the same row, or below it."""
    same_row = abs(line.center_y - label_line.center_y) < 0.5 * label_line.height and line.box[0] > label_line.box[0]
    return same_row or line.box[1] >= label_line.box[1] + label_line.height * 0.5


def _after_label(raw: str, label_end: int) -> str:
    """The raw text after a label that ends at `label_end` characters of the line's clean text."""
    seen = 0
    for position, char in enumerate(raw):
        if seen == label_end:
            return raw[position:].lstrip(":：: ").strip()
        if clean_text(char):
            seen += len(clean_text(char))
    return ""


def handwriting_ink_share(image: np.ndarray, box: tuple[int, int, int, int], min_stroke: float) -> float:
    """Share of the box's pixels in dark strokes at least `min_stroke` wide or tall (not specks, not a colon)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    crop = image[max(0, y0):y1, max(0, x0):x1]
    if crop.size == 0:
        return 0.0
    gray = crop.mean(axis=2) if crop.ndim == 3 else crop
    ink = (gray < _INK_GRAY).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    strokes = sum(int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count)
                  if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= min_stroke)
    return strokes / ink.size
