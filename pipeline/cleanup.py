"""Make a page image upright and straight before OCR.

Stages, each small and returning what it did:
  crop_document   a phone photo's document cut out of the desk and flattened
  orientation     0/90/180/270: on a dense page text-line blobs tell horizontal from
                  vertical and PP-OCR's line direction classifier 0 from 180; on a sparse
                  page PP-OCR's recogniser votes over the four turns
  deskew          the median angle of the text-line blobs, undone
PP-OCR reads lines within ±4° but puts rotated pages' lines out of order, and
layout analysis (rows and columns) needs straight rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ocr.models import TEXT_RECOGNITION_FILE, TEXTLINE_ORIENTATION_FILE, wheel_model_file

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
    """The page as one document, upright and straight."""
    image, cropped = crop_document(image)
    return _straightened(image, cropped)


def upright_documents(image: np.ndarray) -> list[CleanPage]:
    """Each document on the page, upright and straight: one, or one per receipt of a photo of several."""
    crops, cropped = crop_documents(image)
    return [_straightened(crop, cropped) for crop in crops]


def _straightened(image: np.ndarray, cropped: bool) -> CleanPage:
    rotation = detect_rotation(image)
    image = rotate_right_angle(image, rotation)
    image, skew = deskew(image)
    return CleanPage(image=image, rotation=rotation, skew=skew, cropped=cropped)


# --- crop -----------------------------------------------------------------

def crop_document(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cut a bright document out of a dark background (phone photos on a desk)."""
    found = _paper_regions(image)
    if found is None:
        return image, False
    regions, scale, area = found
    largest = regions[0]
    if not 0.15 < cv2.contourArea(largest) / area < 0.97:
        return image, False
    return _warp(image, _quadrilateral(largest) / scale), True


_MIN_PAPER_SHARE = 0.04  # of the photo: a smaller bright patch is no document to read on its own
_SEVERAL_PAPERS_SHARE = 0.3  # of the largest paper: sheets this size and larger lie beside it, not on it
_PAPERS_APART = 41  # px of the work copy: paper parted by less (a fold's shadow, a dark rule) is one sheet


def crop_documents(image: np.ndarray) -> tuple[list[np.ndarray], bool]:
    """The documents of a page, and whether they were cut out of a background. Several papers laid
    apart on a dark desk (a member photographs all their receipts at once) are each cut out and
    flattened, in reading order (rows top to bottom, left to right in a row); otherwise the one
    document as crop_document finds it."""
    found = _paper_regions(image, join=_PAPERS_APART)
    if found is None:
        return [image], False
    regions, scale, area = found
    largest = cv2.contourArea(regions[0])
    papers = [r for r in regions
              if cv2.contourArea(r) >= max(_MIN_PAPER_SHARE * area, _SEVERAL_PAPERS_SHARE * largest)]
    if len(papers) < 2:
        crop, cropped = crop_document(image)
        return [crop], cropped
    boxes = [cv2.boundingRect(p) for p in papers]
    row_height = float(np.median([h for _, _, _, h in boxes]))
    order = sorted(range(len(papers)), key=lambda i: (round((boxes[i][1] + boxes[i][3] / 2) / row_height),
                                                       boxes[i][0]))
    return [_warp(image, _quadrilateral(papers[i]) / scale) for i in order], True


def _paper_regions(image: np.ndarray, join: int = 15) -> tuple[list[np.ndarray], float, float] | None:
    """Outlines of bright paper on a dark background, largest first, on a work copy (with its scale
    and area); paper parted by less than `join` px is one. None for a scan, where paper reaches the edges."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, _WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    border = np.concatenate([small[:10].ravel(), small[-10:].ravel(), small[:, :10].ravel(), small[:, -10:].ravel()])
    if np.median(border) > 90:  # a scan: paper reaches the edges
        return None
    _, mask = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((join, join), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    return sorted(contours, key=cv2.contourArea, reverse=True), scale, float(small.shape[0] * small.shape[1])


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
    """Degrees clockwise that turn the page upright.

    A dense page carries plenty of cheap evidence: its text-line blobs run mostly one way, and
    PP-OCR's 0°/180° line classifier judges the longest of them. A sparse page (an ID card or a
    bank-book page copied onto A4, a short receipt) has too few lines for that: there the
    recogniser reads its longest lines in each of the four turns, and the turn whose characters
    it reads most surely wins.
    """
    gray, _ = _work_gray(image)
    text = _text_ink(gray)
    across, down = _line_blobs(text, vertical=False), _line_blobs(text, vertical=True)
    if max(len(across), len(down)) < _DENSE_LINES:
        return _recognition_vote(gray, across, down)
    return _dense_rotation(gray, across, down)


_DENSE_LINES = 20  # text-line blobs one way: fewer, and the page is sparse
_VOTE_LINES = 4  # lines of each direction the recogniser reads in each turn
_RULE_STEPS = 5  # px: a 1-px rule skewed by up to 3.5° steps less than this in 80 px


def _dense_rotation(gray: np.ndarray, across: list[tuple], down: list[tuple]) -> int:
    if sum(h for _, _, _, h in down) > sum(w for _, _, w, _ in across):
        base = 90  # text runs top-to-bottom: a quarter turn makes it horizontal
        crops = [cv2.rotate(c, cv2.ROTATE_90_CLOCKWISE) for c in _line_crops(gray, down, vertical=True, count=24)]
    else:
        base, crops = 0, _line_crops(gray, across, vertical=False, count=24)
    upside_down = float(np.mean(_TextlineDirectionClassifier.shared().upside_down_probabilities(crops)))
    return base + 180 if upside_down > 0.5 else base


def _recognition_vote(gray: np.ndarray, across: list[tuple], down: list[tuple]) -> int:
    """The turn in which the recogniser reads the page's longest lines most surely."""
    lines_across = _line_crops(gray, across, vertical=False, count=_VOTE_LINES)
    lines_down = _line_crops(gray, down, vertical=True, count=_VOTE_LINES)
    turned = {
        0: lines_across,
        180: [cv2.rotate(c, cv2.ROTATE_180) for c in lines_across],
        90: [cv2.rotate(c, cv2.ROTATE_90_CLOCKWISE) for c in lines_down],
        270: [cv2.rotate(c, cv2.ROTATE_90_COUNTERCLOCKWISE) for c in lines_down],
    }
    recogniser = _TextRecogniser.shared()
    evidence = {turn: recogniser.character_evidence(crops) if crops else 0.0 for turn, crops in turned.items()}
    return max(evidence, key=evidence.get)  # a tie (no text at all) keeps the page as it is


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


def _text_ink(gray: np.ndarray) -> np.ndarray:
    """Ink without ruled form lines: those are long thin strokes but no text."""
    ink = _ink(gray)
    # Thickened crosswise first, a rule on a skewed page (steps of a pixel) is one band again
    # that the opening finds; the gaps between characters keep a line of text from being one.
    across = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _RULE_STEPS)))
    down = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (_RULE_STEPS, 1)))
    long_h = cv2.morphologyEx(across, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (80, 1)))
    long_v = cv2.morphologyEx(down, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 80)))
    return cv2.subtract(ink, cv2.bitwise_or(long_h, long_v))


def _line_blobs(text: np.ndarray, vertical: bool) -> list[tuple]:
    """Bounding boxes of text-line-like blobs (long, thin, character-high) running that way."""
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


def _line_crops(gray: np.ndarray, blobs: list[tuple], vertical: bool, count: int) -> list[np.ndarray]:
    """The longest lines (they carry the most evidence), cut out with a margin, in BGR."""
    chosen = sorted(blobs, key=lambda b: b[3] if vertical else b[2], reverse=True)[:count]
    crops = []
    for x, y, w, h in chosen:
        pad = max(2, (w if vertical else h) // 4)
        crop = gray[max(0, y - pad): y + h + pad, max(0, x - pad): x + w + pad]
        crops.append(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
    return crops


class _WheelModel:
    """An ONNX model from the rapidocr wheel, one session per process, one thread (pages run in parallel)."""

    FILE = ""
    _lock = threading.Lock()
    _instances: dict = {}

    def __init__(self):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(wheel_model_file(self.FILE)), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    @classmethod
    def shared(cls):
        with cls._lock:
            if cls not in cls._instances:
                cls._instances[cls] = cls()
            return cls._instances[cls]

    @staticmethod
    def _normalise(crop: np.ndarray, width: int) -> np.ndarray:
        """A line crop 48 px high, padded to `width`, as PP-OCR's line models take it."""
        height = 48
        resized_w = min(width, max(1, int(round(crop.shape[1] * height / crop.shape[0]))))
        resized = cv2.resize(crop, (resized_w, height)).astype(np.float32)
        resized = (resized / 255.0 - 0.5) / 0.5
        padded = np.zeros((height, width, 3), dtype=np.float32)
        padded[:, :resized_w] = resized
        return padded.transpose(2, 0, 1)


class _TextlineDirectionClassifier(_WheelModel):
    """PP-OCR's text-line 0°/180° classifier."""

    FILE = TEXTLINE_ORIENTATION_FILE

    def upside_down_probabilities(self, crops: list[np.ndarray]) -> np.ndarray:
        batch = np.stack([self._normalise(crop, 192) for crop in crops])
        return self._session.run(None, {self._input: batch})[0][:, 1]


class _TextRecogniser(_WheelModel):
    """PP-OCR's line recogniser, asked only how surely it reads characters (not which ones)."""

    FILE = TEXT_RECOGNITION_FILE
    _MAX_WIDTH = 256  # 5 character heights: enough characters to tell reading from noise

    def character_evidence(self, crops: list[np.ndarray]) -> float:
        """Sum over the lines of the probabilities of the characters read (CTC: repeats and blanks dropped).

        Text read the right way up gives many characters at high probability; turned text gives
        few, at low probability."""
        width = max(96, min(self._MAX_WIDTH, max(int(np.ceil(48 * c.shape[1] / c.shape[0])) for c in crops)))
        batch = np.stack([self._normalise(crop[:, : crop.shape[0] * self._MAX_WIDTH // 48], width)
                          for crop in crops])
        frames = self._session.run(None, {self._input: batch})[0]  # lines × time steps × characters
        best, probability = frames.argmax(axis=2), frames.max(axis=2)
        new = np.ones_like(best, dtype=bool)
        new[:, 1:] = best[:, 1:] != best[:, :-1]
        return float(probability[(best != 0) & new].sum())  # index 0 is CTC's blank


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
