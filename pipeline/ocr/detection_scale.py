"""The scale at which the text detector sees a page, chosen from the page's own text height.

The detector reads text best at a certain size in pixels, whatever the scan's dpi: a 300-dpi A4
page has 8.7 MP, four times the pixels of the 150-dpi page it reads just as well. So the page's
character height is estimated from its ink, and the detector's input is scaled so that characters
land near the size it was measured best at. Recognition still reads crops of the full page: only
the boxes are found on the smaller image. Settings are data: `pipeline/data/detection_scale.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import yaml

from pipeline.errors import OcrEngineError

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "data" / "detection_scale.yaml"


@dataclass(frozen=True)
class DetectionScaleSettings:
    target_text_height: float  # pixels a character should have where the detector looks
    smallest_scale: float  # never shrink more than this, however large the text
    estimate_long_side: int  # the ink is measured on a copy this long, for speed
    height_percentile: float  # of the character-sized ink blobs' heights
    least_blobs: int  # fewer character-sized blobs than this: no estimate, full size

    @classmethod
    def load(cls, path: Path = SETTINGS_FILE) -> "DetectionScaleSettings":
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names = set(cls.__dataclass_fields__)
        unknown, missing = set(data) - names, names - set(data)
        if unknown or missing:
            problem = f"unknown key '{sorted(unknown)[0]}'" if unknown else f"missing key '{sorted(missing)[0]}'"
            raise OcrEngineError(f"{path.name}: {problem}")
        return cls(**{name: data[name] for name in names})


def text_height(image: np.ndarray, settings: DetectionScaleSettings) -> float | None:
    """A typical character height in pixels of `image`, or None where too little text is seen."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    shrink = min(1.0, settings.estimate_long_side / max(gray.shape))
    if shrink < 1.0:
        gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    gray = cv2.medianBlur(gray, 3)  # scanner noise and dot-matrix specks are no characters
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT].astype(float)
    widths = stats[1:, cv2.CC_STAT_WIDTH].astype(float)
    # Character-sized blobs: not specks, not rules or frames, not whole seals.
    plausible = (heights >= 3) & (heights <= 0.05 * gray.shape[0]) & (widths <= 3 * heights) & (heights <= 4 * widths)
    if plausible.sum() < settings.least_blobs:
        return None
    # Weighted by blob area, so that the many small specks left count for little beside characters.
    heights, weights = heights[plausible], (heights * widths)[plausible]
    order = np.argsort(heights)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    at = int(np.searchsorted(cumulative, settings.height_percentile / 100))
    return float(heights[order][min(at, len(order) - 1)]) / shrink


def detection_scale(image: np.ndarray, settings: DetectionScaleSettings) -> float:
    """How much to shrink the page for the detector: 1.0 keeps it as it is (text already small)."""
    height = text_height(image, settings)
    if height is None or height <= settings.target_text_height:
        return 1.0
    return max(settings.smallest_scale, settings.target_text_height / height)
