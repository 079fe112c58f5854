"""Make a page image upright and straight before OCR.

Stages, each small and returning what it did:
  crop_document   a phone photo's document cut out of the desk and flattened
  orientation     0/90/180/270: text-line blobs tell horizontal from vertical,
                  PP-OCR's text-line direction classifier tells 0 from 180
  deskew          the median angle of the text-line blobs, undone
PP-OCR reads lines within ±4° but puts rotated pages' lines out of order, and
layout analysis (rows and columns) needs straight rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ocr.models import TEXTLINE_ORIENTATION_FILE, wheel_model_file

_WORK_SIDE = 1600  # analysis happens on a copy scaled to this longest side
_MAX_SKEW_DEGREES = 8.0
_MIN_SKEW_DEGREES = 0.2


@dataclass(frozen=True)
class CleanPage:
    image: np.ndarray
    rotation: int  # degrees clockwise the stored original was turned to be upright
    skew: float  # degrees the content was turned to straighten it
    cropped: bool  # a document was cut out of a photo's background


def upright(image: np.ndarray) -> CleanPage:
    image, cropped = crop_document(image)
    rotation = detect_rotation(image)
    image = rotate_right_angle(image, rotation)
    image, skew = deskew(image)
    return CleanPage(image=image, rotation=rotation, skew=skew, cropped=cropped)


# --- crop -----------------------------------------------------------------

def crop_document(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cut a bright document out of a dark background (phone photos on a desk)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = _WORK_SIDE / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    border = np.concatenate([small[:10].ravel(), small[-10:].ravel(), small[:, :10].ravel(), small[:, -10:].ravel()])
    if np.median(border) > 90:  # a scan: paper reaches the edges
        return image, False
    _, mask = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return image, False
    largest = max(contours, key=cv2.contourArea)
    area_share = cv2.contourArea(largest) / float(small.shape[0] * small.shape[1])
    if not 0.15 < area_share < 0.97:
        return image, False
    corners = _quadrilateral(largest) / (scale if scale < 1 else 1.0)
    return _warp(image, corners), True


def _quadrilateral(contour: np.ndarray) -> np.ndarray:
    perimeter = cv2.arcLength(contour, True)
    approx = cv2.approxPolyDP(contour, 0.02 * perimeter, True)
    if len(approx) == 4:
        points = approx.reshape(4, 2).astype(np.float32)
    else:
        points = cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float32)
    # order: top-left, top-right, bottom-right, bottom-left
    sums, diffs = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(sums)], points[np.argmin(diffs)], points[np.argmax(sums)], points[np.argmax(diffs)]],
        dtype=np.float32,
    )


def _warp(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = corners
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


# --- orientation ----------------------------------------------------------

def rotate_right_angle(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[degrees_clockwise]) if degrees_clockwise in codes else image


def detect_rotation(image: np.ndarray) -> int:
    """Degrees clockwise that turn the page upright."""
    gray, _ = _work_gray(image)
    base = 0
    if _line_length(gray, vertical=True) > _line_length(gray, vertical=False):
        base = 90  # text runs top-to-bottom: a quarter turn makes it horizontal
        gray = cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    if _upside_down(gray, _line_blobs(gray, vertical=False)):
        base += 180
    return base % 360


def _work_gray(image: np.ndarray) -> tuple[np.ndarray, float]:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = min(1.0, _WORK_SIDE / max(gray.shape))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray, scale


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark marks on the page, without specks of dust and scanner noise."""
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    specks = (stats[:, cv2.CC_STAT_WIDTH] <= 4) & (stats[:, cv2.CC_STAT_HEIGHT] <= 4)
    specks[0] = False  # the background
    ink[specks[labels]] = 0
    return ink


def _line_length(gray: np.ndarray, vertical: bool) -> int:
    """Total length of text-line blobs running in that direction."""
    return sum(h if vertical else w for _, _, w, h in _line_blobs(gray, vertical))


def _line_blobs(gray: np.ndarray, vertical: bool) -> list[tuple]:
    """Rotated rectangles of text-line-like blobs (long, thin, character-high)."""
    ink = _ink(gray)
    # Ruled form lines are ink too but no text: remove long thin strokes first.
    long_h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (80, 1)))
    long_v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 80)))
    text = cv2.subtract(ink, cv2.bitwise_or(long_h, long_v))
    kernel = (1, 15) if vertical else (15, 1)
    joined = cv2.dilate(text, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    blobs = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        length, thickness = (h, w) if vertical else (w, h)
        if 8 <= thickness <= 70 and length >= 4 * thickness:
            blobs.append((x, y, w, h))
    return blobs


class _TextlineDirectionClassifier:
    """PP-OCR's text-line 0°/180° classifier (ONNX file from the rapidocr wheel)."""

    _lock = threading.Lock()
    _instance: "_TextlineDirectionClassifier | None" = None

    def __init__(self):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(wheel_model_file(TEXTLINE_ORIENTATION_FILE)), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    @classmethod
    def shared(cls) -> "_TextlineDirectionClassifier":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def upside_down_probabilities(self, crops: list[np.ndarray]) -> np.ndarray:
        batch = np.stack([self._normalise(crop) for crop in crops])
        scores = self._session.run(None, {self._input: batch})[0]
        return scores[:, 1]

    @staticmethod
    def _normalise(crop: np.ndarray) -> np.ndarray:
        height, width = 48, 192
        resized_w = min(width, max(1, int(round(crop.shape[1] * height / crop.shape[0]))))
        resized = cv2.resize(crop, (resized_w, height)).astype(np.float32)
        resized = (resized / 255.0 - 0.5) / 0.5
        padded = np.zeros((height, width, 3), dtype=np.float32)
        padded[:, :resized_w] = resized
        return padded.transpose(2, 0, 1)


def _upside_down(gray: np.ndarray, blobs: list[tuple]) -> bool:
    if not blobs:
        return False
    # The longest lines carry the most evidence; a vote of up to 24 of them.
    chosen = sorted(blobs, key=lambda b: b[2], reverse=True)[:24]
    crops = []
    for x, y, w, h in chosen:
        pad = max(2, h // 4)
        crop = gray[max(0, y - pad): y + h + pad, max(0, x - pad): x + w + pad]
        crops.append(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
    probabilities = _TextlineDirectionClassifier.shared().upside_down_probabilities(crops)
    return float(np.mean(probabilities)) > 0.5


# --- deskew ---------------------------------------------------------------

def deskew(image: np.ndarray) -> tuple[np.ndarray, float]:
    gray, _ = _work_gray(image)
    ink = _ink(gray)
    joined = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles, weights = [], []
    for contour in contours:
        (_, _), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle - 90
        if h >= 6 and w >= 6 * h:
            angle = (angle + 90) % 180 - 90
            if abs(angle) <= _MAX_SKEW_DEGREES:
                angles.append(angle)
                weights.append(w)
    if len(angles) < 3:
        return image, 0.0
    skew = _weighted_median(np.array(angles), np.array(weights))
    if abs(skew) < _MIN_SKEW_DEGREES:
        return image, 0.0
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    straightened = cv2.warpAffine(
        image, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )
    return straightened, round(float(skew), 2)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])



# --- seals ----------------------------------------------------------------

def seal_ink_suppressed(image: np.ndarray) -> np.ndarray:
    """The page as OCR should see it: red and blue seal ink turned pale.

    Red and blue seals sit on top of amounts on Shanghai receipts. Per pixel,
    the brighter of the red and blue channels keeps black print dark while red
    ink (bright in red) and blue ink (bright in blue) fade towards the paper.
    """
    brightest = np.maximum(image[:, :, 2], image[:, :, 0])
    return cv2.merge([brightest, brightest, brightest])
