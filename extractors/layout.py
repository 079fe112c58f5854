"""Reading a page by its layout: labels, the values beside or below them, rows and columns.

Positions come from the OCR boxes, so a value printed a little off its
pre-printed line (dot-matrix receipts) or in a separate box is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from extractors.model import Box, Field, OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

Parser = Callable[[str], object]


@dataclass(frozen=True)
class LabelHit:
    line: TextLine
    start: int  # character offsets of the label in the line's clean text
    end: int

    @property
    def text(self) -> str:
        return clean_text(self.line.text)

    def x_at(self, offset: int) -> int:
        """Approximate x of a character offset: characters share the box width evenly."""
        x0, _, x1, _ = self.line.box
        length = max(1, len(self.text))
        return int(x0 + (x1 - x0) * offset / length)


MIN_FUZZY_LABEL_LENGTH = 4  # shorter labels are one character from too many other words


def find_labels(
    page: OcrPage, patterns: Iterable[str], at_line_start: bool = False, vocabulary: frozenset[str] = frozenset(),
    opening: str = "",
) -> list[LabelHit]:
    """Lines holding one of the label patterns, in reading order.

    With a `vocabulary` (every label the document type prints), a plain label of
    four or more characters also matches with one character misread (献诊日期 for
    就诊日期, 医师签含 for 医师签名), unless the text read is itself another label
    of the vocabulary (入院日期 is not a misread 出院日期). `opening`: what may come
    before a label at a line start (the bracket of 【主诉】).
    """
    patterns = list(patterns)
    anchor = "^" + opening if at_line_start else ""
    compiled = [re.compile(anchor + p) for p in patterns]
    fuzzy = [re.compile(anchor + pattern) for pattern in _one_misread_forms(patterns)] if vocabulary else []
    hits = []
    for line in page.lines:
        text = clean_text(line.text)
        match = next((m for m in (pattern.search(text) for pattern in compiled) if m), None)
        if match is None:
            match = next((m for m in (pattern.search(text) for pattern in fuzzy)
                          if m and m.group(0) not in vocabulary), None)
        if match:
            hits.append(LabelHit(line, match.start(), match.end()))
    return hits


def _one_misread_forms(patterns: list[str]) -> list[str]:
    """For each plain label long enough, a pattern matching it with any one character replaced."""
    forms = []
    for label in patterns:
        if re.escape(label) != label or len(label) < MIN_FUZZY_LABEL_LENGTH:
            continue  # a regular expression, or too short to tell apart
        forms.append("(?:" + "|".join(label[:i] + "[^:]" + label[i + 1:] for i in range(len(label))) + ")")
    return forms


def plain_labels(patterns: Iterable[str]) -> frozenset[str]:
    """The labels that are plain text, not regular expressions: the vocabulary for misread matching."""
    return frozenset(p.lstrip("^") for p in patterns if re.escape(p.lstrip("^")) == p.lstrip("^"))


def cut_at_next_label(text: str, stop_patterns: list[re.Pattern]) -> str:
    """The text before the next label; nothing when the text starts with one (性别: is no name)."""
    end = len(text)
    for pattern in stop_patterns:
        match = pattern.search(text)
        if match:
            end = min(end, match.start())
    return text[:end]


@dataclass(frozen=True)
class FarValues:
    """Values printed at the far edge of a narrow slip, each label at the other edge (a document
    type's `far_values` in its YAML)."""

    heights: float  # how far right of its label, in label heights, such a value may stand
    aligned_rows: int  # lines on other rows ending where it ends: the slip's right-aligned value column
    unaligned_confidence: float  # no such column: a value that far may be another row's, a person confirms


NEAR_GAP_HEIGHTS = 12  # a value beside its label stands within this many line heights of it
BELOW_REACH_HEIGHTS = 6  # a value under its label starts within this many line heights of the label's end


def value_near(
    page: OcrPage,
    hit: LabelHit,
    parse: Parser,
    stop_patterns: list[re.Pattern],
    below: bool = True,
    far: FarValues | None = None,
) -> Field | None:
    """The parsed value after a label: in the rest of its line, else to its right, else (with `far`)
    alone at the far end of its row, else just below."""
    rest = cut_at_next_label(hit.text[hit.end:].lstrip(":.："), stop_patterns)
    value = parse(rest)
    if value is not None:
        x0, y0, x1, y1 = hit.line.box
        return Field(value, hit.line.confidence, page.index, (hit.x_at(hit.end), y0, x1, y1))
    beside = []
    for line in lines_right_of(page, hit.line):
        text = clean_text(line.text).lstrip(":：")
        value = parse(cut_at_next_label(text, stop_patterns))
        if value is not None:
            beside.append((_row_distance(hit.line, line), Field(value, line.confidence, page.index, line.box)))
        if _has_label(text, stop_patterns):
            break  # what follows belongs to that other label
    if beside:
        return min(beside, key=lambda candidate: candidate[0])[1]
    found = _far_value(page, hit, parse, stop_patterns, far) if far is not None else None
    if found is not None:
        return found
    for line in _below(page, hit.line) if below else []:
        text = clean_text(line.text).lstrip(":：")
        if _has_label(text, stop_patterns):
            continue
        value = parse(text)
        if value is not None:
            return Field(value, line.confidence, page.index, line.box)
    return None


def _far_value(page: OcrPage, hit: LabelHit, parse: Parser, stop_patterns: list[re.Pattern],
               far: FarValues) -> Field | None:
    """The value right-aligned at the far edge of a slip: the first line on the label's row, with
    nothing between them. Sure where other rows' lines end at the same x (the slip's value column)."""
    row = lines_right_of(page, hit.line, max_gap=far.heights)
    height = max(1, hit.line.height)
    if not row:
        line = _wrapped_under(page, hit.line, far)
        if line is None:
            return None
    elif row[0].box[0] - hit.line.box[2] <= NEAR_GAP_HEIGHTS * height:
        return None  # what stands nearer did not parse: the row holds something else
    else:
        line = row[0]
    value = parse(cut_at_next_label(clean_text(line.text).lstrip(":："), stop_patterns))
    if value is None:
        return None
    aligned = sum(1 for other in page.lines
                  if other is not line and abs(other.box[2] - line.box[2]) <= height
                  and abs(other.center_y - line.center_y) > height)
    confidence = line.confidence if aligned >= far.aligned_rows else min(line.confidence, far.unaligned_confidence)
    return Field(value, confidence, page.index, line.box)


def _wrapped_under(page: OcrPage, anchor: TextLine, far: FarValues) -> TextLine | None:
    """A value too long for its label's line, wrapped to the next line at the slip's far edge: the one
    line of the row just under the label, far right of it. A row that holds anything else (a label
    at the left edge) is that label's."""
    height = max(1, anchor.height)
    under = [line for line in page.lines
             if line is not anchor and not _is_vertical(line)
             and anchor.box[3] - height // 3 <= line.center_y - line.height / 2 <= anchor.box[3] + 1.6 * height]
    if len(under) != 1:
        return None
    line = under[0]
    gap = line.box[0] - anchor.box[2]
    return line if BELOW_REACH_HEIGHTS * height <= gap <= far.heights * height else None


def _row_distance(anchor: TextLine, line: TextLine) -> float:
    """How far a value sits from its label's row: dot-matrix values drift up or down by most of a
    line, so the vertical offset counts most, the gap to the right only breaks ties."""
    return abs(line.center_y - anchor.center_y) + 0.05 * max(0, line.box[0] - anchor.box[2])


def _has_label(text: str, stop_patterns: list[re.Pattern]) -> bool:
    return any(p.search(text) for p in stop_patterns)


def lines_right_of(page: OcrPage, anchor: TextLine, max_gap: float = NEAR_GAP_HEIGHTS) -> list[TextLine]:
    """Lines on the anchor's row (allowing a drift of most of a line height) within `max_gap` line
    heights of it, nearest first."""
    ax0, ay0, ax1, ay1 = anchor.box
    height = max(1, ay1 - ay0)
    row = [
        line for line in page.lines
        if line is not anchor and not _is_vertical(line) and line.box[0] >= ax1 - height
        and abs(line.center_y - anchor.center_y) <= 0.8 * height
        and line.box[0] - ax1 <= max_gap * height
    ]
    return sorted(row, key=lambda line: line.box[0])


def _below(page: OcrPage, anchor: TextLine) -> list[TextLine]:
    ax0, ay0, ax1, ay1 = anchor.box
    height = max(1, ay1 - ay0)
    under = [
        line for line in page.lines
        if line is not anchor and not _is_vertical(line) and ay1 - height // 3 <= line.box[1] <= ay1 + 1.6 * height
        and line.box[0] < ax1 + BELOW_REACH_HEIGHTS * height and line.box[2] > ax0 - height
    ]
    return sorted(under, key=lambda line: (line.box[1], abs(line.box[0] - ax0)))


def _is_vertical(line: TextLine) -> bool:
    """Text printed top to bottom (the printer's imprint in a receipt's margin): never a label's value."""
    width = line.box[2] - line.box[0]
    return len(clean_text(line.text)) > 1 and line.height > 1.5 * width


def union_box(boxes: Iterable[Box]) -> Box | None:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def group_rows(lines: Iterable[TextLine]) -> list[list[TextLine]]:
    """Lines clustered into rows by vertical centre, each row left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda l: l.center_y):
        if rows:
            last = rows[-1]
            height = sum(l.height for l in last) / len(last)
            if abs(line.center_y - sum(l.center_y for l in last) / len(last)) <= 0.55 * max(height, line.height):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda l: l.box[0]) for row in rows]
