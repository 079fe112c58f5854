"""OCR engines behind one small interface: an image in, text lines out.

Engines are chosen by name (`paddleocr` | `rapidocr`) and loaded once per
process: model sessions are expensive, pages are many.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from pipeline.errors import OcrEngineError

DEFAULT_ENGINE = "paddleocr"


@dataclass(frozen=True)
class TextLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the page image
    confidence: float

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    def to_json(self) -> dict:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}

    @classmethod
    def from_json(cls, obj: dict) -> "TextLine":
        return cls(obj["text"], tuple(obj["box"]), float(obj["confidence"]))


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[TextLine]:
        """Text lines of a BGR page image, in reading order (top to bottom, left to right)."""


def box_of_polygon(points) -> tuple[int, int, int, int]:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return (int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()), int(pts[:, 1].max()))


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    return sorted(lines, key=lambda line: (line.box[1], line.box[0]))


def _load_paddleocr(threads: int) -> OcrEngine:
    from pipeline.ocr.paddle import PaddleOcrEngine

    return PaddleOcrEngine(threads=threads)


def _load_rapidocr(threads: int) -> OcrEngine:
    from pipeline.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine(threads=threads)


ENGINE_LOADERS: dict[str, Callable[[int], OcrEngine]] = {
    "paddleocr": _load_paddleocr,
    "rapidocr": _load_rapidocr,
}

_engines: dict[tuple[str, int], OcrEngine] = {}
_engines_lock = threading.Lock()


def get_engine(name: str = DEFAULT_ENGINE, threads: int = 0) -> OcrEngine:
    """The process-wide engine of that name; `threads` 0 lets ONNX Runtime decide."""
    if name not in ENGINE_LOADERS:
        raise OcrEngineError(f"unknown OCR engine '{name}' (choose one of: {', '.join(ENGINE_LOADERS)})")
    key = (name, threads)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = ENGINE_LOADERS[name](threads)
        return _engines[key]
