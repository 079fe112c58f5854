"""One page image to an upright page with its text lines: cleanup, OCR, a second look where print fools the first.

The second look has two passes: regions placed against the title line (pipeline/data/second_look.yaml),
then the regions the page's extractor asks for after reading the first lines (extractors.registry.
regions_to_reread: a receipt's unread or unsettled money labels). The extractor only names regions;
the OCR runs here, so the whole reading is cached and stored as one.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from extractors.model import OcrPage
from extractors.registry import regions_to_reread
from pipeline import cover_sheet
from pipeline.cleanup import CleanPage, seal_ink_suppressed, upright, upright_documents
from pipeline.ocr import OcrEngine, TextLine, batch_pages, read_many
from pipeline.pages import PageImage
from pipeline.second_look import read_requested, second_look


def read_page(page: PageImage, engine: OcrEngine) -> OcrPage:
    """The page as one document."""
    if page.text_lines is not None:  # an electronic document: its own text, exact
        return OcrPage(source=page.source, index=page.index, rotation=0, lines=page.text_lines, image=page.image)
    return _read(page.source, page.index, upright(page.image), engine)


def read_documents(pages: Iterable[PageImage], engine: OcrEngine) -> Iterator[OcrPage]:
    """The pages of one file as the documents on them, numbered 1, 2, … in order: a photo of several
    receipts gives one page per receipt, cut out and upright (its fields' boxes are on that image),
    and the pages after it count on from there. A cover sheet (the first page of a packet split from a
    mailroom's stack) is turned upright and not read: it has nothing to read but its code and tick box.
    An engine that reads several pages at once is given them in windows of its size; the second look
    stays per page."""
    number, window = 0, []
    for page in pages:
        sheet = cover_sheet.detect(page.image) if page.index == 1 else None
        if sheet is not None:
            yield from _read_window(window, engine)
            window = []
            number += 1
            yield OcrPage(source=page.source, index=number, rotation=sheet.rotation, lines=(),
                          image=cover_sheet.upright(page.image, sheet))
            continue
        if page.text_lines is not None:
            yield from _read_window(window, engine)
            window = []
            number += 1
            yield OcrPage(source=page.source, index=number, rotation=0, lines=page.text_lines, image=page.image)
            continue
        for clean in upright_documents(page.image):
            number += 1
            window.append((page.source, number, clean))
            if len(window) == batch_pages(engine):
                yield from _read_window(window, engine)
                window = []
    yield from _read_window(window, engine)


def _read_window(window: list[tuple[str, int, CleanPage]], engine: OcrEngine) -> Iterator[OcrPage]:
    if not window:
        return
    first_reads = read_many(engine, [seal_ink_suppressed(clean.image) for _, _, clean in window])
    for (source, index, clean), first in zip(window, first_reads):
        yield OcrPage(source=source, index=index, rotation=clean.rotation,
                      lines=_looked_again(clean.image, first, engine), image=clean.image, skew=clean.skew)


def ocr_page_from_image(source: str, index: int, rotation: int, image: np.ndarray, engine: OcrEngine) -> OcrPage:
    """OCR of an already upright page image (a stored page being read again)."""
    return OcrPage(source=source, index=index, rotation=rotation, lines=_text_lines(image, engine), image=image)


def _read(source: str, index: int, clean: CleanPage, engine: OcrEngine) -> OcrPage:
    return OcrPage(source=source, index=index, rotation=clean.rotation, lines=_text_lines(clean.image, engine),
                   image=clean.image, skew=clean.skew)


def _text_lines(upright_image: np.ndarray, engine: OcrEngine) -> tuple[TextLine, ...]:
    return _looked_again(upright_image, engine.read(seal_ink_suppressed(upright_image)), engine)


def _looked_again(upright_image: np.ndarray, first: list[TextLine], engine: OcrEngine) -> tuple[TextLine, ...]:
    lines = second_look(upright_image, first, engine)
    requests = regions_to_reread(OcrPage(source="", index=0, rotation=0, lines=tuple(lines), image=upright_image))
    return tuple(read_requested(upright_image, lines, requests, engine) if requests else lines)
