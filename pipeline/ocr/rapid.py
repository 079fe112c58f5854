"""RapidOCR: PP-OCR models run by ONNX Runtime, weights shipped inside the wheel."""

from __future__ import annotations

import logging

import numpy as np

from pipeline.ocr import TextLine, box_of_polygon, reading_order


class RapidOcrEngine:
    def __init__(self, threads: int = 0, name: str = "rapidocr"):
        self.name = name
        from rapidocr import RapidOCR

        # Upright pages come from cleanup, so the per-line angle classifier is skipped.
        params = {
            "Global.log_level": "warning",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads or -1,
        }
        self._ocr = RapidOCR(params=params)
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)

    def read(self, image: np.ndarray) -> list[TextLine]:
        result = self._ocr(image)
        if result.boxes is None or result.txts is None:
            return []
        lines = [
            TextLine(text, box_of_polygon(polygon), float(score))
            for polygon, text, score in zip(result.boxes, result.txts, result.scores)
            if text.strip()
        ]
        return reading_order(lines)
