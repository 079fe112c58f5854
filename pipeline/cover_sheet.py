"""Cover sheets: the separator page a mailroom puts before each claim in a scanner's feeder.

A cover sheet carries a QR code with its packet number ("CLAIMS-COVER:P2026-000123"), room for the
member's name and a tick box "请退回收据原件（M2.9）". Everything on it is placed in units of the QR
code's side, from the QR code's top-left corner: the detector finds the code's four corners (in the
code's own orientation, whatever way up the sheet was fed) and maps the tick box through them, so an
upside-down, skewed or rescaled scan is measured where the box really is.

Pure: rendering gives images, detection takes an image.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.model import Document, Field

PAYLOAD_PREFIX = "CLAIMS-COVER:"
PACKET_NUMBER = re.compile(r"P\d{4}-\d{6}")
A4_MM = (210, 297)

# The layout, in QR sides (s) from the QR code's top-left corner (u to the right, v down).
QR_LEFT_MM, QR_TOP_MM, QR_SIDE_MM = 22, 22, 40  # the code itself, without its quiet zone
TITLE_U = 1.3
NAME_V = 1.55
BOX_U, BOX_V, BOX_SIDE = 0.0, 2.2, 0.22
BOX_MARGIN = 0.2  # of the box side: the printed border is not ink of a tick
TICKED_INK_RATIO = 0.04  # a pen tick covers 8–20 % of the box; photocopy speckle stays under 2 %

TITLE = "医疗费用理赔申请 · 封面页"
INSTRUCTION = "请将本页放在每份理赔材料的最前面，与材料一起扫描。"
NAME_LABEL = "会员姓名："
RETURN_LABEL = "请退回收据原件（M2.9）"
RETURN_NOTE = ("如需退回原件，请附收据复印件及贴足邮资（4.2元）的回邮信封；"
               "缺少其一时，原件不予退回。")
FOOTER = "本页为分隔页，不作为理赔材料。"


@dataclass(frozen=True)
class CoverSheet:
    packet_number: str
    return_originals: bool  # the member ticked "请退回收据原件"
    rotation: int  # degrees clockwise the scan must be turned to be upright (0, 90, 180, 270)
    ink_ratio: float  # inside the tick box, for the record


def payload(packet_number: str) -> str:
    return PAYLOAD_PREFIX + packet_number


def format_packet_number(year: int, serial: int) -> str:
    return f"P{year:04d}-{serial:06d}"


# --- rendering ---------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Where things are on a rendered sheet, in pixels."""

    qr_left: int
    qr_top: int
    qr_side: int
    width: int
    height: int

    def at(self, u: float, v: float) -> tuple[int, int]:
        return round(self.qr_left + u * self.qr_side), round(self.qr_top + v * self.qr_side)

    @property
    def tick_box(self) -> tuple[int, int, int, int]:
        """Left, top, right, bottom of the tick box."""
        left, top = self.at(BOX_U, BOX_V)
        right, bottom = self.at(BOX_U + BOX_SIDE, BOX_V + BOX_SIDE)
        return left, top, right, bottom


def layout(dpi: int) -> Layout:
    def px(mm: float) -> int:
        return round(mm / 25.4 * dpi)

    return Layout(px(QR_LEFT_MM), px(QR_TOP_MM), px(QR_SIDE_MM), px(A4_MM[0]), px(A4_MM[1]))


def render(packet_number: str, font: bytes, dpi: int = 300) -> Image.Image:
    """One A4 cover sheet, black on white ("L" mode), at `dpi`. `font` is a CJK TrueType/OpenType file."""
    if not PACKET_NUMBER.fullmatch(packet_number):
        raise ValueError(f"not a packet number: {packet_number!r}")
    at = layout(dpi)
    sheet = Image.new("L", (at.width, at.height), 255)
    sheet.paste(_qr_image(payload(packet_number), at.qr_side), (at.qr_left, at.qr_top))
    draw = ImageDraw.Draw(sheet)

    def text(u: float, v: float, words: str, size: float) -> None:
        draw.text(at.at(u, v), words, fill=0, font=ImageFont.truetype(io.BytesIO(font), round(size * at.qr_side)))

    text(TITLE_U, 0.05, TITLE, 0.16)
    text(TITLE_U, 0.4, f"编号：{packet_number}", 0.11)
    text(TITLE_U, 0.65, INSTRUCTION, 0.075)
    text(0.0, NAME_V, NAME_LABEL, 0.11)
    name_left, name_y = at.at(0.75, NAME_V + 0.15)
    draw.line([(name_left, name_y), (at.width - at.qr_left, name_y)], fill=0, width=max(2, dpi // 100))
    left, top, right, bottom = at.tick_box
    draw.rectangle([left, top, right, bottom], outline=0, width=max(3, dpi // 75))
    text(BOX_U + BOX_SIDE + 0.15, BOX_V + 0.03, RETURN_LABEL, 0.11)
    text(BOX_U + BOX_SIDE + 0.15, BOX_V + 0.3, RETURN_NOTE[:RETURN_NOTE.index("；") + 1], 0.07)
    text(BOX_U + BOX_SIDE + 0.15, BOX_V + 0.42, RETURN_NOTE[RETURN_NOTE.index("；") + 1:], 0.07)
    text(0.0, (at.height - at.qr_top) / at.qr_side - 0.2, FOOTER, 0.075)
    return sheet


def _qr_image(text: str, side: int) -> Image.Image:
    """The code without its quiet zone (the page around it is white), `side` pixels square."""
    params = cv2.QRCodeEncoder.Params()
    params.correction_level = cv2.QRCodeEncoder_CORRECT_LEVEL_M  # survives a smudged photocopy
    modules = cv2.QRCodeEncoder.create(params).encode(text)
    border = _quiet_zone(modules)
    core = modules[border:modules.shape[0] - border, border:modules.shape[1] - border]
    return Image.fromarray(core).resize((side, side), Image.Resampling.NEAREST)


def _quiet_zone(modules: np.ndarray) -> int:
    dark_rows = np.where((modules < 128).any(axis=1))[0]
    return int(dark_rows[0])


# --- detection ---------------------------------------------------------------

def detect(image: np.ndarray) -> CoverSheet | None:
    """The cover sheet on a page image (BGR or grey), or None when the page is not one."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = _find_code(grey)
    if found is None:
        return None
    number, corners = found
    ink = _tick_ink_ratio(grey, corners)
    return CoverSheet(number, ink >= TICKED_INK_RATIO, _rotation(corners), round(ink, 4))


def upright(image: np.ndarray, sheet: CoverSheet) -> np.ndarray:
    """The scan turned the way the sheet was printed."""
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, turns[sheet.rotation]) if sheet.rotation else image


def as_document(source: str, page: int, sheet: CoverSheet, rotation: int) -> Document:
    """The cover sheet as a packet's document: its number and the member's tick, never a claim document."""
    return Document(source=source, page=page, doc_type="cover_sheet", doc_type_confidence=1.0, rotation=rotation,
                    fields={"packet_number": Field(sheet.packet_number, 1.0, page, None, source="qr"),
                            "return_originals": Field(sheet.return_originals, _tick_confidence(sheet.ink_ratio),
                                                      page, None, source="tick_box")})


def _tick_confidence(ink: float) -> float:
    """Far from the threshold either way is sure; a faint mark near it is for a clerk to look at."""
    return round(min(1.0, abs(ink - TICKED_INK_RATIO) / TICKED_INK_RATIO), 4)


def _find_code(grey: np.ndarray) -> tuple[str, np.ndarray] | None:
    """The packet number and the code's corners (in the code's own order: its top-left first), trying the
    scan as it is, then smaller (a 300-dpi page's modules are large for the detector), then binarised (a grey
    photocopy's low contrast)."""
    detector = cv2.QRCodeDetector()
    for scale, attempt in _attempts(grey):
        try:
            text, points, _ = detector.detectAndDecode(attempt)
        except cv2.error:
            continue
        if points is None or not text:
            continue
        if not text.startswith(PAYLOAD_PREFIX):
            return None  # another code (an e-invoice's QR): not a cover sheet
        number = text[len(PAYLOAD_PREFIX):]
        if not PACKET_NUMBER.fullmatch(number):
            return None
        return number, points.reshape(4, 2).astype(np.float64) / scale
    return None


def _attempts(grey: np.ndarray):
    yield 1.0, grey
    longest = max(grey.shape)
    scale = 1200 / longest if longest > 1400 else 1.0
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else grey
    if scale < 1.0:
        yield scale, small
    _, binary = cv2.threshold(cv2.GaussianBlur(small, (3, 3), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    yield scale, binary


def _rotation(corners: np.ndarray) -> int:
    """From the code's top edge (top-left to top-right corner): how far the scan is turned."""
    dx, dy = corners[1] - corners[0]
    turned = np.degrees(np.arctan2(dy, dx))  # 0 upright, 90 turned clockwise, ±180 upside down
    return int((-round(turned / 90) * 90) % 360)


def _tick_ink_ratio(grey: np.ndarray, corners: np.ndarray) -> float:
    """The share of dark pixels inside the tick box, the box mapped through the code's corners; dark is
    judged against the paper around the box, so a grey photocopy's paper is not ink."""
    # A similarity (turn, scale, shift) fitted to the four corners, not a perspective through them: paper in a
    # feeder is flat, and one corner found a few pixels off would tilt a perspective at the box, two sides away.
    similarity, _ = cv2.estimateAffinePartial2D(np.float32([[0, 0], [1, 0], [1, 1], [0, 1]]), np.float32(corners))
    to_image = np.vstack([similarity, [0, 0, 1]])
    pixels = 64
    inner = BOX_SIDE * (1 - 2 * BOX_MARGIN)
    left, top = BOX_U + BOX_SIDE * BOX_MARGIN, BOX_V + BOX_SIDE * BOX_MARGIN
    # Sample the box's inside onto a pixels × pixels square: box units → QR units → image.
    box_to_qr = np.float64([[inner / pixels, 0, left], [0, inner / pixels, top], [0, 0, 1]])
    inside = cv2.warpPerspective(grey, to_image @ box_to_qr, (pixels, pixels),
                                 flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=255)
    around = BOX_SIDE * 3
    around_to_qr = np.float64([[around / pixels, 0, BOX_U - BOX_SIDE], [0, around / pixels, BOX_V - BOX_SIDE],
                               [0, 0, 1]])
    surroundings = cv2.warpPerspective(grey, to_image @ around_to_qr, (pixels, pixels),
                                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=255)
    paper = float(np.percentile(surroundings, 90))
    return float(np.mean(inside < paper * 0.6))


def runs(is_cover: list[bool]) -> list[range]:
    """A stack's pages as packets: a new packet at every cover sheet (which stays its first page); pages
    before the first cover sheet, if any, are a packet of their own."""
    starts = [0] + [index for index, cover in enumerate(is_cover) if cover and index > 0]
    return [range(start, end) for start, end in zip(starts, starts[1:] + [len(is_cover)])] if is_cover else []
