"""PaddleOCR 3.x pipeline on its ONNX Runtime backend, from local model folders."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from pipeline.ocr import TextLine, box_of_polygon, reading_order
from pipeline.ocr.models import DETECTION_MODEL, RECOGNITION_MODEL, default_model_root, ensure_paddle_model_dirs


class PaddleOcrEngine:
    name = "paddleocr"

    def __init__(self, threads: int = 0, model_root: Path | None = None):
        # Never look for model hosting: everything comes from local folders.
        os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
        from paddleocr import PaddleOCR

        dirs = ensure_paddle_model_dirs(model_root or default_model_root())
        engine_config = {"enable_cpu_mem_arena": False}  # 2.7 GB → 1.2 GB peak RSS
        if threads:
            engine_config["intra_op_num_threads"] = threads
        self._ocr = PaddleOCR(
            engine="onnxruntime",
            engine_config=engine_config,
            text_detection_model_name=DETECTION_MODEL,
            text_detection_model_dir=str(dirs[DETECTION_MODEL]),
            text_recognition_model_name=RECOGNITION_MODEL,
            text_recognition_model_dir=str(dirs[RECOGNITION_MODEL]),
            # Orientation is fixed by our cleanup; those models are not available offline.
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
        )
        for noisy in ("paddlex", "paddleocr"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    def read(self, image: np.ndarray) -> list[TextLine]:
        results = self._ocr.predict(image)
        lines = []
        for result in results:
            for polygon, text, score in zip(result["rec_polys"], result["rec_texts"], result["rec_scores"]):
                if text.strip():
                    lines.append(TextLine(text, box_of_polygon(polygon), float(score)))
        return reading_order(lines)
