"""A second look at regions the first reading gets wrong because of how they are printed.

The first reading sees the page with seal ink faded (pipeline.cleanup), which also
fades what forms print in red on purpose, such as a paper receipt's invoice number,
and blue date stamps and digits under a seal. Two kinds of region are read again on
the page as scanned, at scale 1 and 2:
- placed against a line of the first reading (pipeline/data/second_look.yaml); a
  reading of the expected shape replaces the first reading's lines it covers;
- asked for by the page's extractor after the first reading (`read_requested`: a money
  label unread or unsettled by the receipt's sums); its readings are added beside the
  first reading's, for the extractor to choose between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import yaml

from pipeline.normalize import clean_text
from pipeline.ocr import OcrEngine, TextLine, reading_order

_DATA = Path(__file__).parent / "data" / "second_look.yaml"
_COVERED = 0.5  # share of a first-reading line's box inside a second-look line: the same print
DISAGREEING_CONFIDENCE = 0.5  # the region read two ways gives two values: a person reads it
_BORDER = 2  # pixels: a reading this close to the region's left or right edge may have lost characters there


@dataclass(frozen=True)
class Region:
    name: str
    anchor: re.Pattern
    region: tuple[float, float, float, float]
    expect: re.Pattern
    label: str


@lru_cache(maxsize=1)
def regions() -> tuple[Region, ...]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))["regions"]
    return tuple(Region(r["name"], re.compile(r["anchor"]), tuple(r["region"]), re.compile(r["expect"]),
                        r.get("label", "")) for r in raw)


def second_look(image: np.ndarray, lines: list[TextLine], engine: OcrEngine) -> list[TextLine]:
    """The first reading's lines with each region's second reading in place of what it covers."""
    for region in regions():
        anchor = next((line for line in lines if region.anchor.search(clean_text(line.text))), None)
        if anchor is None:
            continue
        found = _read_region(image, anchor, region, engine)
        if found is not None:
            lines = [line for line in lines if _share_inside(line.box, found.box) < _COVERED] + [found]
    return reading_order(lines)


def _read_region(image: np.ndarray, anchor: TextLine, region: Region, engine: OcrEngine) -> TextLine | None:
    height = anchor.height
    x0, y0 = anchor.box[2] + region.region[0] * height, anchor.box[3] + region.region[1] * height
    x1, y1 = anchor.box[2] + region.region[2] * height, anchor.box[3] + region.region[3] * height
    left, top = max(0, int(x0)), max(0, int(y0))
    right, bottom = min(image.shape[1], int(x1)), min(image.shape[0], int(y1))
    if right - left < height or bottom - top < height // 2:
        return None  # the anchor sits at the page's edge: nothing to look at
    crop = image[top:bottom, left:right]
    found = _expected_reading(engine.read(crop), region, crop.shape[1])
    if found is None:
        return None
    value, box, confidence = found
    # Read once more at twice the size: a value both readings agree on is as sure as OCR says.
    again = _expected_reading(engine.read(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)),
                              region, 2 * crop.shape[1])
    if again is None or again[0] != value:
        confidence = min(confidence, DISAGREEING_CONFIDENCE)
    return TextLine(region.label + value, (box[0] + left, box[1] + top, box[2] + left, box[3] + top), confidence)


def _expected_reading(lines: list[TextLine], region: Region, width: int) -> tuple[str, tuple, float] | None:
    for line in lines:
        match = region.expect.match(clean_text(line.text))
        if match and _BORDER < line.box[0] and line.box[2] < width - _BORDER:  # else cut by the region's edge
            return match.group(1), line.box, line.confidence
    return None


def _share_inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> float:
    width = min(box[2], outer[2]) - max(box[0], outer[0])
    height = min(box[3], outer[3]) - max(box[1], outer[1])
    area = max(1, (box[2] - box[0]) * (box[3] - box[1]))
    return max(0, width) * max(0, height) / area


def read_requested(image: np.ndarray, lines: list[TextLine], requests, engine: OcrEngine) -> list[TextLine]:
    """The lines with what each requested region reads as (extractors' RegionRequest) added.

    A value both scales read alike is as sure as OCR says; otherwise each reading found is
    kept, capped at DISAGREEING_CONFIDENCE: the extractor's arithmetic, or a person, chooses.
    """
    added = []
    for request in requests:
        left, top, right, bottom = request.box
        crop = image[top:bottom, left:right]
        if crop.size == 0:
            continue
        found = [_requested_value(engine.read(crop), request, left, top, 1, crop.shape[1])]
        found.append(_requested_value(engine.read(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)),
                                      request, left, top, 2, crop.shape[1]))
        agree = found[0] is not None and found[1] is not None and found[0].text == found[1].text
        read_before = {clean_text(line.text) for line in lines if _share_inside(line.box, request.box) >= _COVERED}
        if not agree and any(line is not None and line.text in read_before for line in found):
            continue  # one scale reads what the first reading read there: the other scale misread it
        for line in found:
            if line is None:
                continue
            confidence = line.confidence if agree else min(line.confidence, DISAGREEING_CONFIDENCE)
            added.append(TextLine(line.text, line.box, confidence))
    return reading_order(list(lines) + _distinct(added))


def _distinct(lines: list[TextLine]) -> list[TextLine]:
    """One line per value read at one place: the two scales agreeing give it once."""
    kept: list[TextLine] = []
    for line in lines:
        if not any(line.text == other.text and _share_inside(line.box, other.box) >= _COVERED for other in kept):
            kept.append(line)
    return kept


def _requested_value(read: list[TextLine], request, left: int, top: int, scale: int, width: int) -> TextLine | None:
    """The first reading in the region that is the expected value once the field's own label is cut off."""
    expect = re.compile(request.expect)
    labels = [re.compile(label) for label in request.strip]
    # The region may start inside the label (付：1050.00 for 现金支付): its characters are no value.
    label_chars = set("".join(re.findall(r"[\u4e00-\u9fff]", "".join(request.strip)))) | set(":：,，")
    for line in read:
        text = clean_text(line.text)
        for label in labels:
            match = label.search(text)
            if match:
                text = text[match.end():]
                break
        text = text.lstrip("".join(label_chars))
        found = expect.match(text)
        # A value that ends its reading at the region's right edge may have lost digits there.
        if found and (found.end() < len(text) or line.box[2] < scale * width - _BORDER):
            x0, y0, x1, y1 = (v // scale for v in line.box)
            return TextLine(found.group(1), (x0 + left, y0 + top, x1 + left, y1 + top), line.confidence)
    return None
