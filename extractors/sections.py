"""Documents written in labelled sections (records, discharge summaries) and signed by a doctor."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import cv2
import numpy as np

from extractors.base import SpecExtractor
from extractors.layout import lines_right_of, union_box
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import as_printed, clean_text
from pipeline.ocr import TextLine

_SIGNATURE_INK_SHARE = 0.004  # stroke pixels beside the label: a handwritten signature
_MIN_STROKE_HEIGHTS = 0.6  # a handwriting stroke spans at least this share of a printed line's height
_INK_GRAY = 110  # darker than this is ink, on white and on grey copies alike
_NO_LABEL_CONFIDENCE = 0.9  # no 签名 label read: sure enough that nobody signed, OCR reads labels well
_SIGNATURE_REACH = 1.6  # label heights above and below the label's line a signature may reach
_PRINTED_CONFIDENCE = 0.9  # a line read this surely is print (the next label, a footer), not a scribble
_CONFIDENCE_PER_DOUBLING = 0.15  # confidence gained each time the ink share doubles away from the threshold
_MAX_BLANK_LINES = 3  # a blank this many label heights tall ends a section
_NAME = re.compile(r"[\u4e00-\u9fff]{2,}")  # a printed or legible name of two or more characters
_PRINT = re.compile(r"[\u4e00-\u9fff]{2}|\d{2}")  # what a scribble is never read as: Chinese words, numbers
_NAME_ALONE = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")  # a line that is only a name (no label, no text)
_LABEL_PART = re.compile(r"^[\u4e00-\u9fff]{1,4}$")  # half of a label a narrow cell breaks over two lines
_RULE_SHARE = 0.4  # of the page's width: a horizontal rule this long divides a form's rows
_RULE_INK = 140  # a rule is darker than this, faint photocopied ones too


class SectionedExtractor(SpecExtractor):
    """Reads `sections:` (field: labels at a line start) and the `signature_labels:` of its spec.

    A section runs from its label to the next label, whatever that label is called:
    any label of any section, the signature, a header field's label, or a line
    shaped like a label (`label_shape:`, e.g. 过敏史：… that no field asks for).
    """

    def read_more(self, page: OcrPage, document: Document) -> None:
        self.add_hospital(page, document)
        document.fields.update(self._sections(self._broken_labels_joined(page)))
        signature = self._signature(page)
        if signature:
            document.fields["doctor_signature"] = signature

    def section_starts(self, page: OcrPage) -> list[tuple[str | None, TextLine, int]]:
        """(field, line, label end) for every line that opens a section, the signature, or another label.

        A line whose start reads as two labels (a misread 入院诊断 that is also one character from
        出院诊断) opens the first section of the spec only. Lines opening a label no section asks
        for (field None) end the section before them and belong to none.
        """
        starts, opening = [], set()
        labelled = dict(self.spec.raw["sections"])
        labelled["doctor_signature"] = self.spec.raw["signature_labels"]
        bracket = self.spec.raw.get("label_opening", "")
        for name, labels in labelled.items():
            hits = self.spec.find_labels(page, [re.escape(label) for label in labels], at_line_start=True,
                                         opening=bracket)
            for hit in hits:
                if id(hit.line) not in opening:
                    opening.add(id(hit.line))
                    starts.append((name, hit.line, hit.end))
        others = [re.compile("^" + label.lstrip("^")) for field in self.spec.fields for label in field.labels]
        others += [re.compile("^" + label) for label in self.spec.raw.get("other_labels", [])]
        shape = re.compile(self.spec.raw["label_shape"]) if "label_shape" in self.spec.raw else None
        for line in page.lines:
            text = clean_text(line.text)
            if id(line) not in opening and (any(p.match(text) for p in others) or (shape and shape.match(text))):
                starts.append((None, line, 0))
        starts.sort(key=lambda start: (start[1].box[1], start[1].box[0]))
        return starts

    def _broken_labels_joined(self, page: OcrPage) -> OcrPage:
        """The page with every label a narrow cell breaks over two lines (辅助 above 检查) read as one line."""
        labels = {clean_text(label) for names in self.spec.raw["sections"].values() for label in names}
        lines, joined = list(page.lines), set()
        for upper in page.lines:
            if id(upper) in joined or not _LABEL_PART.match(clean_text(upper.text)):
                continue
            for lower in page.lines:
                if (lower is not upper and id(lower) not in joined and _LABEL_PART.match(clean_text(lower.text))
                        and clean_text(upper.text) + clean_text(lower.text) in labels
                        and 0 <= lower.box[1] - upper.box[3] + upper.height * 0.2 < upper.height * 0.8
                        and abs((lower.box[0] + lower.box[2]) - (upper.box[0] + upper.box[2])) < upper.height * 2):
                    joined |= {id(upper), id(lower)}
                    lines[lines.index(upper)] = TextLine(upper.text.strip() + lower.text.strip(),
                                                         union_box([upper.box, lower.box]),
                                                         min(upper.confidence, lower.confidence))
                    lines.remove(lower)
                    break
        return replace(page, lines=tuple(lines)) if joined else page

    def _sections(self, page: OcrPage) -> dict[str, Field]:
        """Each section's text: the rest of its label's line, then every line up to the next label.

        Every other line goes to the last label before it (on its row to its left, or above it), so
        no line is lost or read twice; a label printed again continues its section. What follows
        the signature label or a label no section asks for, the page footer, and lines after a
        blank of several lines (the foot of the page) belong to no section.
        """
        starts = self.section_starts(page)
        start_lines = {id(line) for _, line, _ in starts}
        footer = re.compile(self.spec.raw["page_footer_pattern"])
        owned: dict[int, list[TextLine]] = {position: [] for position in range(len(starts))}
        rows = _form_rows(page)
        for other in sorted(page.lines, key=lambda line: (line.box[1], line.box[0])):
            if id(other) in start_lines or footer.match(clean_text(other.text)):
                continue
            owner = _cell_owner(other, starts, rows)
            if owner is None:
                owner = next((position for position in reversed(range(len(starts)))
                              if _follows(other, starts[position][1])), None)
            if owner is not None:
                owned[owner].append(other)
        parts: dict[str, list[str]] = {}
        used: dict[str, list[TextLine]] = {}
        for position, (name, line, label_end) in enumerate(starts):
            if name is None or name == "doctor_signature":
                continue
            parts.setdefault(name, []).append(_after_label(line.text, label_end))
            lines = _until_blank(line, owned[position], page)
            parts[name] += [other.text.strip() for other in lines]
            used.setdefault(name, []).extend([line, *lines])
        sections = {}
        for name, texts in parts.items():
            text = as_printed("".join(texts).strip())  # a section's printed lines, joined (。 may wrap alone)
            if text:
                confidence = min(l.confidence for l in used[name])
                sections[name] = Field(text, confidence, page.index, union_box(l.box for l in used[name]))
        return sections

    def _signature(self, page: OcrPage) -> Field | None:
        """Whether the doctor signed: a name after the label or beside it, else handwriting ink beside it.

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
        # A scribble OCR read into the label's line makes the line taller than print: the label's
        # characters, square as Chinese print is, tell the printed height.
        height = min(y1 - y0, max(1, (hit.x_at(hit.end) - x0) // max(1, hit.end)))
        if _NAME.search(rest):  # a printed or legible name
            return Field(True, hit.line.confidence, page.index, hit.line.box)
        if not rest:
            # The name read as a line of its own, beside the label.
            for line in lines_right_of(page, hit.line)[:1]:
                if _NAME_ALONE.match(clean_text(line.text)):
                    return Field(True, min(hit.line.confidence, line.confidence), page.index,
                                 union_box([hit.line.box, line.box]))
        if page.image is None:
            return None
        # Ink starts after the line OCR read (label and colon), unless a scribble was read as characters.
        # A signature is taller than a printed line and hangs above and below it.
        ink_from = x1 if not re.search(r"[^\W_]", rest) else hit.x_at(hit.end)
        region = (ink_from + height // 4, max(0, int(y0 - _SIGNATURE_REACH * height)),
                  min(page.image.shape[1], x1 + 8 * height), int(y1 + _SIGNATURE_REACH * height))
        printed = [line.box for line in page.lines if line is not hit.line and line.confidence >= _PRINTED_CONFIDENCE
                   and _PRINT.search(clean_text(line.text))]  # a scribble reads as Latin letters (NM), print does not
        share = handwriting_ink_share(page.image, region, min_stroke=height * _MIN_STROKE_HEIGHTS, printed=printed)
        return Field(share >= _SIGNATURE_INK_SHARE, signature_confidence(share), page.index, region)


def signature_confidence(share: float) -> float:
    """How sure the ink reading is: by how many times the ink share is over or under the threshold.

    A signature leaves ten to thirty times the threshold's ink; twice is a faint or clipped one,
    which a person looks at. A blank beside the label is as sure as a page without the label.
    """
    ratio = share / _SIGNATURE_INK_SHARE
    if ratio >= 1:
        return min(0.99, 0.6 + _CONFIDENCE_PER_DOUBLING * math.log2(ratio))
    return min(_NO_LABEL_CONFIDENCE, 0.6 + _CONFIDENCE_PER_DOUBLING * math.log2(1 / max(ratio, 1e-3)))


def _form_rows(page: OcrPage) -> list[float]:
    """The heights of a form's horizontal rules, top to bottom; none on a page without them."""
    if page.image is None:
        return []
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) if page.image.ndim == 3 else page.image
    ink = (gray < _RULE_INK).astype(np.uint8)
    length = int(gray.shape[1] * _RULE_SHARE)
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    heights = np.flatnonzero(rules.any(axis=1))
    rows: list[float] = []
    for run in np.split(heights, np.flatnonzero(np.diff(heights) > 1) + 1) if heights.size else []:
        rows.append(float(run.mean()))  # a rule a few pixels thick is one rule
    return rows


def _cell_owner(line: TextLine, starts: list, rows: list[float]) -> int | None:
    """The label whose cell of the form holds the line: the nearest label left of it between the same
    two rules (a label centred in a tall cell sits below the cell's first lines of text; two cells
    may share a row). None where rules do not tell: no rule, or labels stacked in one cell."""
    if not rows:
        return None
    row = int(np.searchsorted(rows, line.center_y))
    beside = [position for position, (_, label, _) in enumerate(starts)
              if int(np.searchsorted(rows, label.center_y)) == row and label.box[0] <= line.box[0]]
    lefts = sorted(starts[position][1].box[0] for position in beside)
    if not beside or any(b - a < 2 * line.height for a, b in zip(lefts, lefts[1:])):
        return None
    return max(beside, key=lambda position: starts[position][1].box[0])


def _follows(line: TextLine, label_line: TextLine) -> bool:
    """In reading order after the label's line: to its right on the same row, or below it."""
    same_row = abs(line.center_y - label_line.center_y) < 0.5 * label_line.height and line.box[0] > label_line.box[0]
    return same_row or line.box[1] >= label_line.box[1] + label_line.height * 0.5


def _until_blank(label_line: TextLine, lines: list[TextLine], page: OcrPage) -> list[TextLine]:
    """A section's lines up to the first blank of several line heights: what follows it is the page's foot.

    Only empty paper is a blank: a line of no section (a footer, another label) in between is none.
    """
    kept, bottom = [], label_line.box[3]
    for line in lines:
        if line.box[1] - bottom > _MAX_BLANK_LINES * label_line.height and not any(
                other.box[3] > bottom and other.box[1] < line.box[1] for other in page.lines if other is not line):
            break
        kept.append(line)
        bottom = max(bottom, line.box[3])
    return kept


def _after_label(raw: str, label_end: int) -> str:
    """The raw text after a label that ends at `label_end` characters of the line's clean text."""
    seen = 0
    for position, char in enumerate(raw):
        if seen == label_end:
            return raw[position:].lstrip(":：: 】]").strip()
        if clean_text(char):
            seen += len(clean_text(char))
    return ""


def handwriting_ink_share(image: np.ndarray, box: tuple[int, int, int, int], min_stroke: float,
                          printed: list[tuple[int, int, int, int]] = ()) -> float:
    """Share of the box's pixels in dark strokes at least `min_stroke` wide or tall (not specks, not a colon).

    `printed`: boxes of text OCR read clearly; their ink is print, not handwriting.
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return 0.0
    gray = crop.mean(axis=2) if crop.ndim == 3 else crop
    ink = (gray < _INK_GRAY).astype(np.uint8)
    for bx0, by0, bx1, by1 in printed:
        ink[max(0, by0 - y0):max(0, by1 - y0), max(0, bx0 - x0):max(0, bx1 - x0)] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    strokes = sum(int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count)
                  if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= min_stroke)
    return strokes / ink.size
