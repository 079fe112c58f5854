#!/usr/bin/env python3
"""Generate the upright pages of every kind that the orientation tests turn by 0/90/180/270.

Sparse pages are where orientation goes wrong, so besides the dense A4 record and
detail list there are: an ID card's front and back side by side, stacked, or one
side alone on an A4 sheet; a bank book's account page alone on the sheet; a small
receipt alone on a scanner bed; a receipt photographed on a dark desk; a 就医记录册 page
written in a 楷书 hand on ruled paper and scanned skewed (AR PL KaitiM GB, Debian's
fonts-arphic-gkai00mp: a skewed rule steps, and the steps once read as lines of text). Every kind
at 200 and 300 dpi (the drawing helpers draw at 150 dpi; the page is scaled before
the scanner marks are added, so noise and toner dust have the target resolution's grain).

Only the upright page is stored (tests/orientation_pages/<kind>_<dpi>.jpg or .png, with
pages.json naming each page's document type): the tests turn it, which keeps the
repository small. Drawn with tests/tools/make_sample_scans.py's helpers and
packets; deterministic (seeded by the page name).

    python tests/tools/make_orientation_pages.py [--out tests/orientation_pages]

Also tests/several_receipts/<n>_receipts_on_desk.jpg: n = 2 and 3 receipts laid on one desk and
photographed together, with <name>.truth.json listing their invoice numbers in reading order.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_sample_scans as scans  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "orientation_pages"
SEVERAL_OUT = Path(__file__).resolve().parents[1] / "several_receipts"
BASE_DPI = 150  # make_sample_scans draws an A4 page 1240 px wide
DPIS = (200, 300)
BED = (233, 233, 229)  # a flatbed's lid, as a scanner sees it around a small slip


def _packet(number: int) -> tuple[dict, dict]:
    pk = scans.PACKETS[number]
    return pk, scans.MEMBERS[pk["member"]]


def _receipt_page(pk: dict) -> dict:
    return next(p for p in pk["pages"] if p["kind"] == "receipt")


def _render(kind: str, number: int, name: str) -> scans.Rendered:
    pk, member = _packet(number)
    rng, np_rng = scans.seeded(f"orientation/{name}")
    page = _receipt_page(pk) if kind == "receipt" else {"kind": kind}
    return scans.RENDERERS[kind](pk, member, page, rng, np_rng)


# Where render_id_copy and render_bank_book put their parts on the A4 sheet.
_ID_FRONT = (230, 220, 1010, 712)
_ID_BACK = (230, 860, 1010, 1352)
_BANK_ACCOUNT_PAGE = (130, 260, 1110, 900)


def _on_a4(parts: list[tuple[Image.Image, tuple[int, int]]], fill=scans.PAPER["white"]) -> Image.Image:
    sheet = Image.new("RGB", scans.A4, fill)
    for part, xy in parts:
        sheet.paste(part, xy)
    return sheet


def _id_parts(number: int, name: str, scale: float) -> tuple[Image.Image, Image.Image]:
    card = _render("id_copy", number, name).image
    front, back = card.crop(_ID_FRONT), card.crop(_ID_BACK)
    size = (int(front.width * scale), int(front.height * scale))
    return front.resize(size, Image.LANCZOS), back.resize(size, Image.LANCZOS)


def id_side_by_side() -> Image.Image:
    """Both sides of the card at their real size, next to each other across the top of the sheet."""
    front, back = _id_parts(0, "id_side_by_side", 0.7)
    return _on_a4([(front, (50, 160)), (back, (50 + front.width + 48, 160))])


def id_stacked() -> Image.Image:
    """The copy shop's usual sheet: front above back, enlarged 1.5×."""
    return _render("id_copy", 1, "id_stacked").image


def id_one_side() -> Image.Image:
    """Only the front, real size, in the upper left of the sheet."""
    front, _ = _id_parts(2, "id_one_side", 0.7)
    return _on_a4([(front, (110, 140))])


def id_turned_on_sheet() -> Image.Image:
    """Both sides laid a quarter turn on a portrait sheet: made upright, the page is a landscape A4
    with the sides next to each other."""
    front, back = _id_parts(0, "id_turned_on_sheet", 0.85)
    sheet = Image.new("RGB", (scans.A4[1], scans.A4[0]), scans.PAPER["white"])
    sheet.paste(front, (150, 300))
    sheet.paste(back, (150 + front.width + 60, 300))
    return sheet


def bank_book_spread() -> Image.Image:
    return _render("bank_book", 1, "bank_book_spread").image


def bank_book_page() -> Image.Image:
    """The account page alone, copied onto the upper part of a sheet."""
    page = _render("bank_book", 2, "bank_book_page").image.crop(_BANK_ACCOUNT_PAGE)
    return _on_a4([(page, (130, 120))])


def record() -> Image.Image:
    return _render("record", 0, "record").image


def detail_list() -> Image.Image:
    return _render("detail_list", 3, "detail_list").image


def receipt_flatbed() -> Image.Image:
    return _render("receipt", 1, "receipt_flatbed").image


def small_receipt_on_bed() -> Image.Image:
    """A receipt at 55 % of the form's size, alone in a corner of an A4 scan of the bed."""
    slip = _render("receipt", 2, "small_receipt_on_bed").image
    slip = slip.resize((int(slip.width * 0.55), int(slip.height * 0.55)), Image.LANCZOS)
    return _on_a4([(slip, (90, 110))], fill=BED)


KAI = "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"
BOOKLET_LINES = [
    "2026年3月12日  内科  上海市第六人民医院",
    "主诉：反复咳嗽咳痰两周，加重伴低热三天。",
    "现病史：患者两周前受凉后出现咳嗽，咳白色粘痰，",
    "近三天体温最高三十七度八，无胸痛气促。",
    "既往史：否认高血压、糖尿病史。",
    "查体：咽部充血，双肺呼吸音粗，未闻及干湿啰音。",
    "辅助检查：血常规白细胞偏高，胸片未见明显异常。",
    "诊断：急性支气管炎。",
    "处理：头孢克洛缓释片口服，止咳化痰，多饮水。",
    "注意休息，一周后复诊。",
]


def record_booklet() -> Image.Image:
    """A 就医记录册 page: a printed heading, then lines written by hand between faint rules."""
    page = Image.new("RGB", (1240, 1754), (246, 243, 232))
    draw = ImageDraw.Draw(page)
    draw.text((620, 80), "上海市医疗机构就医记录册", font=scans.font("song", 36), fill=(60, 60, 90), anchor="mm")
    for y in range(240, 1650, 52):
        draw.line((80, y + 44, 1160, y + 44), fill=(170, 170, 200), width=1)
    hand = ImageFont.truetype(KAI, 30)
    for row, text in enumerate(BOOKLET_LINES):
        draw.text((90 + (row % 3) * 2, 242 + 52 * row), text, font=hand, fill=(30, 40, 110))
    return page


PAGES = {  # kind → (document type, drawing)
    "record": ("medical_record", record),
    "detail_list": ("detail_list", detail_list),
    "receipt_flatbed": ("receipt", receipt_flatbed),
    "small_receipt_on_bed": ("receipt", small_receipt_on_bed),
    "id_side_by_side": ("id_copy", id_side_by_side),
    "id_stacked": ("id_copy", id_stacked),
    "id_one_side": ("id_copy", id_one_side),
    "id_turned_on_sheet": ("id_copy", id_turned_on_sheet),
    "bank_book_spread": ("bank_book", bank_book_spread),
    "bank_book_page": ("bank_book", bank_book_page),
    "record_booklet": ("medical_record", record_booklet),
}
# Kinds scanned their own way: (skew in degrees, sensor noise), kept grey at both resolutions.
# The other kinds are skewed at random by up to 1.2°.
OWN_SCAN = {"record_booklet": (1.5, 8)}
PHOTO_KIND = "receipt_photo_on_desk"


def _scanned(image: Image.Image, dpi: int, name: str) -> Image.Image:
    """The drawn page at `dpi` with a little skew: at 200 dpi a grey photocopy, at 300 dpi a blurred
    bilevel scan (black and white only, as many office scanners store a page)."""
    scale = dpi / BASE_DPI
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.BICUBIC)
    rng, np_rng = scans.seeded(f"orientation/{name}/{dpi}")
    ctx = scans.ScanContext(rng, np_rng, None)
    if name in OWN_SCAN:
        skew, noise = OWN_SCAN[name]
        steps = [("skew", skew), ("noise", noise)]
    else:
        steps = [("skew", rng.uniform(-1.2, 1.2))]
        steps += [("photocopy", 0.35), ("noise", 2)] if dpi == 200 else [("blur", 1.2)]
    for step, param in steps:
        image = scans.DEGRADATIONS[step](image, ctx, param)
    if dpi == 200 or name in OWN_SCAN:
        return image.convert("L")
    return image.convert("L").point(lambda v: 255 if v > 170 else 0).convert("1")


def receipt_photo(dpi: int) -> Image.Image:
    """A receipt photographed on a dark desk; 300 dpi stands for a phone with 1.5× the pixels."""
    rendered = _render("receipt", 3, PHOTO_KIND)
    rendered = scans.Rendered(rendered.image, rendered.truth, None)
    rng, np_rng = scans.seeded(f"orientation/{PHOTO_KIND}/{dpi}")
    photo = scans.phone_photo(rendered.image, scans.ScanContext(rng, np_rng, None), 0)
    scale = dpi / 200
    return photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.BICUBIC)


def several_receipts_photo(count: int) -> np.ndarray:
    """`count` (2–4) different receipts laid side by side on a dark desk, photographed from above (BGR).

    Each receipt lies a little crooked, with a gap of desk between them, as a member
    lays them out to photograph them all at once; the third lies upside down.
    """
    rng, np_rng = scans.seeded(f"several_receipts/{count}")
    cols = 2 if count > 1 else 1
    rows = (count + cols - 1) // cols
    slot_w, slot_h = 1350, 950
    width, height = cols * slot_w + 160, rows * slot_h + 160
    desk = np.full((height, width, 3), (31, 34, 38), np.float32)
    grain = cv2.resize(np_rng.random((height // 40, width // 40)).astype(np.float32), (width, height))
    desk += (grain[:, :, None] - 0.5) * 18
    for n in range(count):
        pk = scans.PACKETS[n % len(scans.PACKETS)]
        member = scans.MEMBERS[pk["member"]]
        page = _receipt_page(pk)
        r_rng, r_np = scans.seeded(f"several_receipts/{count}/{n}")
        receipt = np.asarray(scans.RENDERERS["receipt"](pk, member, page, r_rng, r_np).image, np.float32)
        receipt = cv2.resize(receipt, (1200, int(1200 * receipt.shape[0] / receipt.shape[1])),
                             interpolation=cv2.INTER_AREA)[:, :, ::-1]
        h, w = receipt.shape[:2]
        cx = 80 + (n % cols) * slot_w + slot_w / 2 + rng.uniform(-20, 20)
        cy = 80 + (n // cols) * slot_h + slot_h / 2 + rng.uniform(-20, 20)
        turn = 180 if n == 2 else 0
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), turn + rng.uniform(-6, 6), 1.0)
        matrix[:, 2] += (cx - w / 2, cy - h / 2)
        placed = cv2.warpAffine(receipt, matrix, (width, height), flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(np.ones((h, w), np.float32), matrix, (width, height))[:, :, None]
        desk = placed * mask + desk * (1 - mask)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.04 - 0.16 * (((xx - 0.4 * width) / width) ** 2 + ((yy - 0.3 * height) / height) ** 2)
    desk *= light[:, :, None] * np.array([0.93, 0.98, 1.0], np.float32)  # warm indoor light (BGR)
    desk = cv2.GaussianBlur(desk, (0, 0), 0.8)
    desk += np_rng.normal(0, 4, desk.shape[:2]).astype(np.float32)[:, :, None]
    return np.clip(desk, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--several-out", type=Path, default=SEVERAL_OUT)
    args = parser.parse_args()
    args.several_out.mkdir(parents=True, exist_ok=True)
    for count in (2, 3):
        name = f"{count}_receipts_on_desk"
        photo = Image.fromarray(several_receipts_photo(count)[:, :, ::-1])
        photo.save(args.several_out / f"{name}.jpg", "JPEG", quality=75, optimize=True)
        truth = {"invoice_numbers": [scans.PACKETS[n]["receipt"]["invoice_number"] for n in range(count)]}
        (args.several_out / f"{name}.truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        print(f"{name}.jpg  {(args.several_out / f'{name}.jpg').stat().st_size // 1024} KB")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for dpi in DPIS:
        for kind, (doc_type, draw) in PAGES.items():
            name = f"{kind}_{dpi}"
            suffix = ".jpg" if dpi == 200 or kind in OWN_SCAN else ".png"
            _save(_scanned(draw(), dpi, kind), args.out / f"{name}{suffix}")
            manifest[f"{name}{suffix}"] = doc_type
        name = f"{PHOTO_KIND}_{dpi}"
        _save(receipt_photo(dpi), args.out / f"{name}.jpg")
        manifest[f"{name}.jpg"] = "receipt"
    (args.out / "pages.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")


def _save(image: Image.Image, path: Path) -> None:
    if path.suffix == ".png":
        image.save(path, "PNG", optimize=True)
    else:
        image.save(path, "JPEG", quality=65, optimize=True)
    print(f"{path.name}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
