"""PaddleOCR 3.x pipeline on its ONNX Runtime backend, from local model folders."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from pipeline.ocr import TextLine, box_of_polygon, reading_order
from pipeline.ocr.detection_scale import DetectionScaleSettings, detection_scale
from pipeline.ocr.models import DETECTION_MODEL, RECOGNITION_MODEL, default_model_root, ensure_paddle_model_dirs


class PaddleOcrEngine:
    def __init__(self, threads: int = 0, model_root: Path | None = None, scale_detection: bool = True,
                 name: str = "paddleocr"):
        """`scale_detection=False` is the engine as configured before the detector's scale followed the text
        (kept for benchmarks: tests/tools/benchmark_batch.py measures against it)."""
        self.name = name
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
        self._scale_settings = DetectionScaleSettings.load() if scale_detection else None
        for noisy in ("paddlex", "paddleocr"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    def read(self, image: np.ndarray) -> list[TextLine]:
        scale = detection_scale(image, self._scale_settings) if self._scale_settings else 1.0
        if scale < 1.0:  # the detector sees a smaller copy; recognition still reads the full page's crops
            long_side = int(round(max(image.shape[:2]) * scale))
            results = self._ocr.predict(image, text_det_limit_type="resize_long", text_det_limit_side_len=long_side)
        else:
            results = self._ocr.predict(image)
        lines = []
        for result in results:
            for polygon, text, score in zip(result["rec_polys"], result["rec_texts"], result["rec_scores"]):
                if text.strip():
                    lines.append(TextLine(text, box_of_polygon(polygon), float(score)))
        return reading_order(lines)
