"""Cut an original file into page images, refusing what could hurt the process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline.errors import UnreadableFileError
from pipeline.ocr import TextLine, reading_order

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
PAGE_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
MAX_PIXELS_PER_PAGE = 60_000_000  # a 600-dpi A3 scan is ~70 MP grey; more is a bomb, not a scan
MAX_PAGES_PER_FILE = 200
PDF_RENDER_DPI = 200

Image.MAX_IMAGE_PIXELS = MAX_PIXELS_PER_PAGE  # PIL raises instead of decoding a bomb


MIN_TEXT_LAYER_CHARS = 20  # fewer: a scanned PDF with a stray text object, read it by OCR


@dataclass(frozen=True)
class PageImage:
    source: str  # file name inside the packet
    index: int  # 1-based page number within the file
    image: np.ndarray  # BGR
    # Electronic documents (PDF receipts) carry their text: read it, don't OCR it.
    text_lines: tuple[TextLine, ...] | None = None


def is_page_file(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES


def split(path: Path, source_name: str | None = None) -> list[PageImage]:
    """Every page of an image, multi-page TIFF or PDF as a BGR image."""
    name = source_name or path.name
    suffix = path.suffix.lower()
    if suffix not in PAGE_SUFFIXES:
        raise UnreadableFileError(f"{name}: not a scan (expected one of {', '.join(sorted(PAGE_SUFFIXES))})")
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{name}: empty file")
    pages = _split_pdf(path, name) if suffix == ".pdf" else _split_image(path, name)
    if not pages:
        raise UnreadableFileError(f"{name}: holds no page")
    return pages


def _split_image(path: Path, name: str) -> list[PageImage]:
    try:
        with Image.open(path) as opened:
            pages = []
            for index, frame in enumerate(ImageSequence.Iterator(opened), start=1):
                if index > MAX_PAGES_PER_FILE:
                    raise UnreadableFileError(f"{name}: more than {MAX_PAGES_PER_FILE} pages")
                _check_size(name, frame.size)
                rgb = np.asarray(frame.convert("RGB"))
                pages.append(PageImage(name, index, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)))
            return pages
    except Image.DecompressionBombError as exc:
        raise UnreadableFileError(f"{name}: absurd pixel count ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableFileError(f"{name}: not a readable image ({type(exc).__name__}: {exc})") from exc


def _split_pdf(path: Path, name: str) -> list[PageImage]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise UnreadableFileError(f"{name}: not a readable PDF ({exc})") from exc
    try:
        if len(document) > MAX_PAGES_PER_FILE:
            raise UnreadableFileError(f"{name}: {len(document)} pages, more than {MAX_PAGES_PER_FILE}")
        scale = PDF_RENDER_DPI / 72
        text_layers = _pdf_text_lines(path, scale)
        pages = []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            _check_size(name, (int(width * scale), int(height * scale)))
            rgb = page.render(scale=scale).to_numpy()[:, :, :3]
            image = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
            pages.append(PageImage(name, index + 1, image, text_layers.get(index)))
        return pages
    finally:
        document.close()


def _pdf_text_lines(path: Path, scale: float) -> dict[int, tuple[TextLine, ...]]:
    """Words of each page's text layer as text lines in rendered-page pixels (pdfplumber)."""
    import pdfplumber

    layers = {}
    try:
        with pdfplumber.open(path) as pdf:
            for index, page in enumerate(pdf.pages):
                words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
                text = "".join(w["text"] for w in words)
                if len(text) < MIN_TEXT_LAYER_CHARS or "(cid:" in text:  # no text, or glyphs without unicode
                    continue
                lines = [TextLine(w["text"], (int(w["x0"] * scale), int(w["top"] * scale),
                                              int(w["x1"] * scale), int(w["bottom"] * scale)), 1.0) for w in words]
                layers[index] = tuple(reading_order(lines))
    except Exception:  # noqa: BLE001 - pdfminer raises many kinds; no text layer then, OCR reads the page
        return {}
    return layers


def _check_size(name: str, size: tuple[int, int]) -> None:
    width, height = size
    if width < 32 or height < 32:
        raise UnreadableFileError(f"{name}: page too small to be a scan ({width}×{height} px)")
    if width * height > MAX_PIXELS_PER_PAGE:
        raise UnreadableFileError(f"{name}: absurd pixel count ({width}×{height} px)")
