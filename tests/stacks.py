"""Mailroom stacks for the tests: sample packets fed through a scanner as one PDF, printed cover sheets
between them, scanned upside down or as a grey, skewed photocopy."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np

from flows.stacks import CJK_FONTS
from pipeline import cover_sheet
from tests.samples import SAMPLES

SCAN_DPI = 200  # as pipeline.pages renders a PDF: the sample pages come back at their own pixel size


def font() -> bytes:
    return next(path for path in CJK_FONTS if path.is_file()).read_bytes()


def cover_scan(number: str, *, ticked: bool = False, upside_down: bool = False, skew: float = 0.0,
               grey: bool = False, dpi: int = SCAN_DPI) -> np.ndarray:
    """A printed cover sheet as a scanner gives it back (BGR): ticked with a pen, fed upside down, skewed,
    or a photocopy's grey paper and toner speckle."""
    printed = np.asarray(cover_sheet.render(number, font(), 300).convert("L")).copy()
    if ticked:
        left, top, right, bottom = cover_sheet.layout(300).tick_box
        middle = (left + right) // 2
        cv2.line(printed, (left + 12, (top + bottom) // 2), (middle, bottom - 12), 0, 9)
        cv2.line(printed, (middle, bottom - 12), (right - 4, top - 25), 0, 9)
    scan = cv2.resize(printed, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA)
    if skew:
        height, width = scan.shape
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        scan = cv2.warpAffine(scan, turn, (width, height), borderValue=255)
    if grey:
        speckle = np.random.default_rng(7).normal(0, 10, scan.shape)
        scan = (scan.astype(np.float64) * 0.6 + 90 + speckle).clip(0, 255).astype(np.uint8)
    if upside_down:
        scan = cv2.rotate(scan, cv2.ROTATE_180)
    return cv2.cvtColor(scan, cv2.COLOR_GRAY2BGR)


def packet_pages(packet: str) -> list[Path]:
    return sorted((SAMPLES / packet).glob("*.jpg"))


def write_stack_pdf(path: Path, pages: list[Path | np.ndarray]) -> None:
    """One PDF page per scan, each JPEG embedded as it is (a sample page is read from the PDF pixel for
    pixel as from its file), sized so that rendering at SCAN_DPI gives its pixels back."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument.new()
    for scan in pages:
        if isinstance(scan, Path):
            data = scan.read_bytes()
            height, width = cv2.imread(str(scan)).shape[:2]
        else:
            data = cv2.imencode(".jpg", scan, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
            height, width = scan.shape[:2]
        points = ((width - 0.01) * 72 / SCAN_DPI, (height - 0.01) * 72 / SCAN_DPI)  # not a pixel more
        page = pdf.new_page(*points)
        image = pypdfium2.PdfImage.new(pdf)
        image.load_jpeg(io.BytesIO(data), pages=[page], inline=False)
        image.set_matrix(pypdfium2.PdfMatrix().scale(*points))
        page.insert_obj(image)
        page.gen_content()
    pdf.save(str(path))
    pdf.close()
