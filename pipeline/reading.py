"""One page image to an upright page with its text lines: cleanup, OCR, a second look where print fools the first."""

from __future__ import annotations

import numpy as np

from extractors.model import OcrPage
from pipeline.cleanup import seal_ink_suppressed, upright
from pipeline.ocr import OcrEngine, TextLine
from pipeline.pages import PageImage
from pipeline.second_look import second_look


def read_page(page: PageImage, engine: OcrEngine) -> OcrPage:
    if page.text_lines is not None:  # an electronic document: its own text, exact
        return OcrPage(source=page.source, index=page.index, rotation=0, lines=page.text_lines, image=page.image)
    clean = upright(page.image)
    return OcrPage(source=page.source, index=page.index, rotation=clean.rotation,
                   lines=_text_lines(clean.image, engine), image=clean.image, skew=clean.skew)


def ocr_page_from_image(source: str, index: int, rotation: int, image: np.ndarray, engine: OcrEngine) -> OcrPage:
    """OCR of an already upright page image (a stored page being read again)."""
    return OcrPage(source=source, index=index, rotation=rotation, lines=_text_lines(image, engine), image=image)


def _text_lines(upright_image: np.ndarray, engine: OcrEngine) -> tuple[TextLine, ...]:
    return tuple(second_look(upright_image, engine.read(seal_ink_suppressed(upright_image)), engine))
