"""One page image to an upright page with its text lines: cleanup, OCR, a second look where print fools the first."""

from __future__ import annotations

import numpy as np

from extractors.model import OcrPage
from pipeline.cleanup import seal_ink_suppressed, upright
from pipeline.ocr import OcrEngine
from pipeline.pages import PageImage
from pipeline.second_look import second_look


def read_page(page: PageImage, engine: OcrEngine) -> OcrPage:
    if page.text_lines is not None:  # an electronic document: its own text, exact
        return OcrPage(source=page.source, index=page.index, rotation=0, lines=page.text_lines, image=page.image)
    clean = upright(page.image)
    lines = second_look(clean.image, engine.read(seal_ink_suppressed(clean.image)), engine)
    return OcrPage(source=page.source, index=page.index, rotation=clean.rotation,
                   lines=tuple(lines), image=clean.image, skew=clean.skew)


def ocr_page_from_image(source: str, index: int, rotation: int, image: np.ndarray, engine: OcrEngine) -> OcrPage:
    """OCR of an already upright page image (a stored page being read again)."""
    lines = second_look(image, engine.read(seal_ink_suppressed(image)), engine)
    return OcrPage(source=source, index=index, rotation=rotation, lines=tuple(lines), image=image)
