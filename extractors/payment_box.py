"""The payment box of a paper receipt when its values were printed off their lines.

The form is pre-printed; the hospital's dot-matrix printer adds the values. Paper fed
askew puts every value of the box the same distance above or below its label's line,
often most of a line, so the value nearest a label's line is its neighbour's. The
offset is the one most labels agree on: each label has a candidate value at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.layout import LabelHit
from extractors.model import Field, OcrPage
from extractors.spec import DocSpec
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_REACH = 8.0  # a value starts at most this many line heights right of its label's end
_MAX_OFFSET = 1.3  # line heights: farther off, a value belongs to another row
_SAME_OFFSET = 0.35  # line heights: values this close to the agreed offset are on it
_MIN_AGREEING = 3  # labels that must agree before the box counts as printed off its lines
_WHOLE_YUAN_CONFIDENCE = 0.8  # 111 read as 111.00: the cents are not printed, a person confirms


@dataclass(frozen=True)
class _Label:
    name: str
    hit: LabelHit

    @property
    def end_x(self) -> int:
        return self.hit.x_at(self.hit.end)

    @property
    def height(self) -> int:
        return max(1, self.hit.line.height)


def misaligned_payment_box(page: OcrPage, spec: DocSpec) -> dict[str, Field]:
    """The box's values read at the offset its labels agree on; nothing when the box is printed in line."""
    amount = re.compile(spec.raw["payment_box_amount"])
    labels = _labels(page, spec)
    values = [line for line in page.lines if amount.match(clean_text(line.text))
              and not any(line is label.hit.line for label in labels)]
    candidates = {label.name: _candidates(label, labels, values) for label in labels}
    offset = _agreed_offset(labels, candidates)
    if offset is None:
        return {}
    found, used = {}, set()
    for label in labels:
        near = [(abs(dy - offset * label.height), line) for dy, line in candidates[label.name]
                if abs(dy - offset * label.height) <= _SAME_OFFSET * label.height and id(line) not in used]
        if near:
            _, line = min(near, key=lambda candidate: candidate[0])
            used.add(id(line))
            found[label.name] = _value(page, line, amount)
    return found


def _labels(page: OcrPage, spec: DocSpec) -> list[_Label]:
    labels = []
    for field in spec.fields:
        if field.name in spec.raw["payment_box"]:
            hits = spec.find_labels(page, field.labels)
            if hits:
                labels.append(_Label(field.name, hits[0]))
    return labels


def _candidates(label: _Label, labels: list[_Label], values: list[TextLine]) -> list[tuple[float, TextLine]]:
    """(vertical offset, line) of the values that may be this label's: right of it, before the next label."""
    line = label.hit.line
    next_label_x = min((other.hit.x_at(other.hit.start) for other in labels
                        if other.hit.x_at(other.hit.start) > label.end_x
                        and abs(other.hit.line.center_y - line.center_y) < 0.5 * label.height), default=None)
    found = []
    for value in values:
        dy = value.center_y - line.center_y
        if (label.end_x - label.height <= value.box[0] <= label.end_x + _REACH * label.height
                and (next_label_x is None or value.box[0] < next_label_x)
                and abs(dy) <= _MAX_OFFSET * label.height):
            found.append((dy, value))
    return found


def _agreed_offset(labels: list[_Label], candidates: dict[str, list[tuple[float, TextLine]]]) -> float | None:
    """The offset (in line heights) most labels have a value at, if it is off the line."""
    offsets = {dy / label.height for label in labels for dy, _ in candidates[label.name]}
    best, best_count = None, 0
    for offset in sorted(offsets, key=abs):
        count = sum(any(abs(dy / label.height - offset) <= _SAME_OFFSET for dy, _ in candidates[label.name])
                    for label in labels)
        if count > best_count:
            best, best_count = offset, count
    if best is None or best_count < _MIN_AGREEING:
        return None
    # Each agreeing label's value nearest that offset; their median is the offset all were printed at.
    nearest = sorted(min((dy / label.height for dy, _ in candidates[label.name]), key=lambda o: abs(o - best))
                     for label in labels if any(abs(dy / label.height - best) <= _SAME_OFFSET
                                                for dy, _ in candidates[label.name]))
    agreed = nearest[len(nearest) // 2]
    return agreed if abs(agreed) > _SAME_OFFSET else None


def _value(page: OcrPage, line: TextLine, amount: re.Pattern) -> Field:
    yuan, cents = amount.match(clean_text(line.text)).groups()
    confidence = line.confidence if cents is not None or int(yuan) == 0 else min(line.confidence,
                                                                                 _WHOLE_YUAN_CONFIDENCE)
    return Field(f"{int(yuan)}.{cents or '00'}", confidence, page.index, line.box)
