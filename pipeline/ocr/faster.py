"""faster-paddle: PP-OCRv6 tiny or small in Rust on ONNX Runtime, the weights linked into the wheel's extension.

The package takes encoded images, not arrays: a page goes in as BMP, which costs a copy and no
compression. Its boxes come back in the coordinates of the image it was given. `read_many` hands a
window of pages to the package at once, which schedules their recognition crops together.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.errors import OcrEngineError
from pipeline.ocr import TextLine, reading_order

# "medium" is not in the wheel: the package would download it on first use.
BUNDLED_MODEL_SIZES = ("tiny", "small")


class FasterPaddleEngine:
    def __init__(self, name: str, model_size: str, det_max_side: int, batch_pages: int, threads: int = 0):
        if model_size not in BUNDLED_MODEL_SIZES:
            raise OcrEngineError(f"faster-paddle model_size '{model_size}' is not bundled in the wheel "
                                 f"(choose one of: {', '.join(BUNDLED_MODEL_SIZES)})")
        if batch_pages < 1:
            raise OcrEngineError("faster-paddle batch_pages must be at least 1")
        import faster_paddle

        self.name = name
        self.batch_pages = batch_pages
        self._ocr = faster_paddle.OcrEngine(model_size=model_size, threads=threads or None, det_max_side=det_max_side)

    def read(self, image: np.ndarray) -> list[TextLine]:
        return _lines(self._ocr.ocr(_encoded(image)))

    def read_many(self, images: list[np.ndarray]) -> list[list[TextLine]]:
        results = self._ocr.ocr_batch([_encoded(image) for image in images], batch_size=self.batch_pages)
        return [_lines(result) for result in results]


def _encoded(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".bmp", image)
    if not ok:
        raise OcrEngineError(f"a page image of shape {image.shape} cannot be handed to faster-paddle")
    return encoded.tobytes()


def _lines(result: dict) -> list[TextLine]:
    lines = []
    for bound in result["bounds"].values():
        if bound["text"].strip():
            (x0, y0), (x1, y1) = bound["topLeftCoord"], bound["bottomRightCoord"]
            lines.append(TextLine(bound["text"], (int(x0), int(y0), int(x1), int(y1)), float(bound["confidence"])))
    return reading_order(lines)
