"""Cut an original file into page images, refusing what could hurt the process.

Everything that can be judged from a file's header and structure (page count, each page's
pixel size, the size of every image a PDF page shows, active content) is judged before
the first page is decoded, and pages are decoded one at a time: a file costs the memory
of one page, whatever it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import yaml
from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline.errors import UnreadableFileError
from pipeline.ocr import TextLine, reading_order

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
PAGE_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
PDF_RENDER_DPI = 200
MIN_PAGE_SIDE = 32  # pixels: anything smaller is an icon, not a scan
MIN_TEXT_LAYER_CHARS = 20  # fewer: a scanned PDF with a stray text object, read it by OCR


@dataclass(frozen=True)
class IntakeLimits:
    max_pixels_per_page: int
    max_pages_per_file: int
    max_files_per_packet: int

    @classmethod
    def load(cls, path: Path = Path(__file__).resolve().parent / "data" / "intake_limits.yaml") -> "IntakeLimits":
        with open(path, encoding="utf-8") as handle:
            return cls(**yaml.safe_load(handle))


LIMITS = IntakeLimits.load()
MAX_PIXELS_PER_PAGE = LIMITS.max_pixels_per_page

Image.MAX_IMAGE_PIXELS = MAX_PIXELS_PER_PAGE  # PIL raises instead of decoding a bomb


class RefusedFile(UnreadableFileError):
    """A file that is not taken in, and why; `reason` does not name the file (the same content may
    come again under another name)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.reason = reason


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
    return list(pages_of(path, source_name))


def pages_of(path: Path, source_name: str | None = None) -> Iterator[PageImage]:
    """The pages of a file one at a time; UnreadableFileError before the first one if the file is refused."""
    name = source_name or path.name
    if path.suffix.lower() not in PAGE_SUFFIXES:
        raise RefusedFile(name, f"not a scan (expected one of {', '.join(sorted(PAGE_SUFFIXES))})")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if not head:
        raise RefusedFile(name, "empty file")
    # What the file holds decides how it is read: stations do save PDFs under .jpg.
    return _pdf_pages(path, name) if b"%PDF-" in head else _image_pages(path, name, head)


def _image_pages(path: Path, name: str, head: bytes) -> Iterator[PageImage]:
    try:
        opened = Image.open(path)
    except Image.DecompressionBombError:
        raise RefusedFile(name, f"absurd pixel count (more than {MAX_PIXELS_PER_PAGE:,} px on a page)") from None
    except UnidentifiedImageError:
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            raise RefusedFile(name, "holds no page (a TIFF without a readable page)") from None
        raise RefusedFile(name, "not a readable image (the content is not a JPEG, PNG, TIFF or PDF)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise RefusedFile(name, f"not a readable image (damaged: {_one_line(exc)})") from None
    with opened:
        kind = opened.format or "image"
        try:
            sizes = [frame.size for frame in ImageSequence.Iterator(opened)]  # reads headers, decodes nothing
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise RefusedFile(name, f"not a readable image (damaged {kind}: {_one_line(exc)})") from None
        _check_page_count(name, len(sizes))
        for size in sizes:
            _check_size(name, size)
        for index in range(len(sizes)):
            try:
                opened.seek(index)
                rgb = np.asarray(opened.convert("RGB"))
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise RefusedFile(name, f"not a readable image (truncated or damaged {kind}: "
                                        f"{_one_line(exc)})") from None
            yield PageImage(name, index + 1, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def _pdf_pages(path: Path, name: str) -> Iterator[PageImage]:
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise RefusedFile(name, "password-protected PDF (ask the sender for a copy without a password)") from None
        detail = re.search(r"PDFium: ([^)]*)", str(exc))
        raise RefusedFile(name, f"not a readable PDF ({detail.group(1) if detail else exc})") from None
    scale = PDF_RENDER_DPI / 72
    text_pdf = _open_text_layer(path)
    try:
        _check_page_count(name, len(document))
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document) > 0 or (
                text_pdf is not None and _pdf_has_javascript(text_pdf.doc)):
            raise RefusedFile(name, "PDF with JavaScript (active content has no place in a scan)")
        for index in range(len(document)):
            _check_pdf_page(name, document[index], index, scale)
        for index in range(len(document)):
            rgb = document[index].render(scale=scale).to_numpy()[:, :, :3]
            image = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
            text_lines = _pdf_text_lines(text_pdf, index, scale) if text_pdf is not None else None
            yield PageImage(name, index + 1, image, text_lines)
    finally:
        document.close()
        if text_pdf is not None:
            text_pdf.close()


def _open_text_layer(path: Path):
    """The PDF as pdfminer reads it (pdfplumber), once: for its actions and its text layer."""
    import pdfplumber

    try:
        return pdfplumber.open(path)
    except Exception:  # noqa: BLE001 - pdfminer raises many kinds; PDFium read the file: OCR reads its pages
        return None


def _check_pdf_page(name: str, page, index: int, scale: float) -> None:
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    _check_size(name, (int(width * scale), int(height * scale)))
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        width, height = image.get_px_size()  # the image as stored, which the renderer would decode
        if width * height > MAX_PIXELS_PER_PAGE:
            raise RefusedFile(name, f"absurd pixel count (an image of {width}×{height} px on page "
                                      f"{index + 1})")


def _pdf_has_javascript(document) -> bool:
    """Any action of the file, at any level (open action, page, link, form field), that runs a script."""
    from pdfminer.pdftypes import PDFStream

    for xref in document.xrefs:
        for object_id in xref.get_objids():
            try:
                found = document.getobj(object_id)
            except Exception:  # noqa: BLE001 - an object pdfminer cannot parse holds no action it could see
                continue
            entries = found.attrs if isinstance(found, PDFStream) else found
            if isinstance(entries, dict) and ("JS" in entries or "JavaScript" in entries):
                return True
    return False


def _pdf_text_lines(pdf, index: int, scale: float) -> tuple[TextLine, ...] | None:
    """Words of a page's text layer as text lines in rendered-page pixels (pdfplumber)."""
    page = None
    try:
        page = pdf.pages[index]
        words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    except Exception:  # noqa: BLE001 - pdfminer raises many kinds; no text layer then, OCR reads the page
        return None
    finally:
        if page is not None:
            page.close()  # pdfplumber keeps each page's layout until told: a long PDF would pile them up
    text = "".join(w["text"] for w in words)
    if len(text) < MIN_TEXT_LAYER_CHARS or "(cid:" in text:  # no text, or glyphs without unicode
        return None
    lines = [TextLine(w["text"], (int(w["x0"] * scale), int(w["top"] * scale),
                                  int(w["x1"] * scale), int(w["bottom"] * scale)), 1.0) for w in words]
    return tuple(reading_order(lines))


def _check_page_count(name: str, count: int) -> None:
    if count == 0:
        raise RefusedFile(name, "holds no page")
    if count > LIMITS.max_pages_per_file:
        raise RefusedFile(name, f"{count} pages, more than {LIMITS.max_pages_per_file} in one file "
                                  f"(split it into claims)")


def _check_size(name: str, size: tuple[int, int]) -> None:
    width, height = size
    if width < MIN_PAGE_SIDE or height < MIN_PAGE_SIDE:
        raise RefusedFile(name, f"page too small to be a scan ({width}×{height} px)")
    if width * height > MAX_PIXELS_PER_PAGE:
        raise RefusedFile(name, f"absurd pixel count ({width}×{height} px)")


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:160]
