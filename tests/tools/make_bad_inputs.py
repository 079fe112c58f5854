#!/usr/bin/env python3
"""Generate the corpus of bad inputs in ``tests/bad_inputs/``: files a scanning station
should never send but one day will, each named after what is wrong with it, and
``manifest.json`` saying what the intake must do with each (quarantine it with a reason
containing a given phrase, or read it).

The checked-in files are small (a decompression bomb is a tiny file by definition). What is
big or awkward to check in, a 400-page PDF, a packet of 500 files and file names git should
not carry (bytes that are not UTF-8), is made at test time by the functions of this module.
Deterministic: re-running reproduces the same bytes.

    python3 tests/tools/make_bad_inputs.py [--out tests/bad_inputs]   (fpdf2, from .[dev])
"""
from __future__ import annotations

import argparse
import io
import json
import struct
import zlib
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_inputs"
SOURCE_PAGE = ROOT / "sample_scans" / "02_under_deductible" / "receipt_noise_blue_seal.jpg"

BOMB_SIDE = 60_000
MANY_PAGES = 400
MANY_FILES = 500

# What the intake must do with each file: "quarantined" with a reason containing the phrase,
# or "read" (it looks odd but is a scan).
EXPECTED = {
    "zero_bytes.jpg": ("quarantined", "empty file"),
    "text_named.jpg": ("quarantined", "not a readable image"),
    "truncated_receipt.jpg": ("quarantined", "not a readable image"),
    "truncated_page.png": ("quarantined", "not a readable image"),
    f"bomb_{BOMB_SIDE}x{BOMB_SIDE}.png": ("quarantined", "absurd pixel count"),
    "bomb_65000x65000.jpg": ("quarantined", "absurd pixel count"),
    f"tiff_bomb_page2_{BOMB_SIDE}x{BOMB_SIDE}.tif": ("quarantined", "absurd pixel count"),
    "tiff_zero_pages.tif": ("quarantined", "holds no page"),
    "pdf_zero_pages.pdf": ("quarantined", "not a readable PDF"),
    "pdf_page_200x200_inches.pdf": ("quarantined", "absurd pixel count"),
    f"pdf_image_bomb_{BOMB_SIDE}x{BOMB_SIDE}.pdf": ("quarantined", "absurd pixel count"),
    "encrypted.pdf": ("quarantined", "password"),
    "javascript.pdf": ("quarantined", "JavaScript"),
    "javascript_open_action_only.pdf": ("quarantined", "JavaScript"),  # not in the document's script list
    "not_really.pdf": ("quarantined", "not a readable PDF"),
    "letter.docx": ("quarantined", "not a scan"),
    "owner_password_only.pdf": ("read", ""),  # permissions only: opens without a password
    "pdf_named.jpg": ("read", ""),  # a PDF saved under the wrong suffix is still a scan
    "tiff_next_page_loops_back.tif": ("read", ""),  # the page list points back at itself: one page, no hang
}
# Made at test time by the functions below.
GENERATED = {
    f"pdf_{MANY_PAGES}_pages.pdf": ("quarantined", "more than"),
    f"packet_{MANY_FILES}_files": ("quarantined", "more than"),
}


# --- PDF, PNG and TIFF written byte by byte: the bad parts are exactly where we put them ----

def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF of the given objects (numbered from 1; object 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), entries) + data + b"\nendstream"


A4 = b"[0 0 595 842]"
FRAME = _stream(b"0.2 w 40 40 515 762 re S 60 760 200 30 re S")  # a form's outline, no text


def pdf_with_pages(count: int, media_box: bytes = A4, catalog_extra: bytes = b"", extra: list[bytes] = ()) -> bytes:
    """`count` pages sharing one content stream (object 3); `extra` objects numbered from 4 + count."""
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count), FRAME]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents 3 0 R >>" % media_box] * count
    return pdf_document(objects + list(extra))


def write_pdf_with_pages(path: Path, count: int = MANY_PAGES) -> Path:
    path.write_bytes(pdf_with_pages(count))
    return path


SCRIPT = b"<< /S /JavaScript /JS (app.alert\\('claim'\\); this.submitForm\\('http://x'\\);) >>"


def javascript_pdf(listed: bool = True) -> bytes:
    """A page whose opening runs a script, also listed among the document's scripts when `listed`."""
    action = 4 + 1  # the first object after the one page
    names = b"/Names << /JavaScript << /Names [(claim) %d 0 R] >> >>" % action if listed else b""
    return pdf_with_pages(1, catalog_extra=b"/OpenAction %d 0 R %s" % (action, names), extra=[SCRIPT])


def pdf_image_bomb(side: int = BOMB_SIDE) -> bytes:
    """An A4 page showing one 1-bit image of side × side pixels (white, so it deflates ~1000:1)."""
    row = side // 8
    packer = zlib.compressobj(9)
    chunk = bytes(row * 128)
    data = b"".join(packer.compress(chunk) for _ in range(side // 128)) + packer.compress(bytes(row * (side % 128)))
    data += packer.flush()
    image = _stream(data, b"/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 1 "
                          b"/ColorSpace /DeviceGray /Decode [1 0] /Filter /FlateDecode" % (side, side))
    content = _stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                         b"/Resources << /XObject << /Im0 5 0 R >> >> >>", content, image])


def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A valid 1-bit greyscale PNG of side × side pixels, all black: ~side²/8 bytes decoded, ~0.1% of that stored."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    rows = bytes((1 + side // 8) * 128)  # each row: filter byte 0, then the pixels
    data = b"".join(packer.compress(rows) for _ in range(side // 128))
    data += packer.compress(bytes((1 + side // 8) * (side % 128)))
    data += packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def jpeg_header_bomb(width: int = 65_000, height: int = 65_000) -> bytes:
    """Just the start of a baseline JPEG declaring the largest size the format allows."""
    frame = struct.pack(">HBHHB", 11, 8, height, width, 1) + bytes([1, 0x11, 0])
    return b"\xff\xd8\xff\xc0" + frame + b"\xff\xd9"


def tiff(pages: list[tuple[int, int, bytes]]) -> bytes:
    """A little-endian greyscale TIFF; each page (width, height, pixel bytes) in one strip."""
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    link = 4  # where the offset of the next IFD goes
    for width, height, pixels in pages:
        data_at = len(out)
        out += pixels + (b"\x00" if len(pixels) % 2 else b"")
        tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, data_at), (277, 3, 1), (278, 4, height), (279, 4, len(pixels))]
        ifd_at = len(out)
        struct.pack_into("<I", out, link, ifd_at)
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            entry = (tag, kind, 1, value) if kind == 4 else (tag, kind, 1, value, 0)  # LONG, or SHORT and padding
            out += struct.pack("<HHII" if kind == 4 else "<HHIHH", *entry)
        link = len(out)
        out += b"\x00\x00\x00\x00"
    return bytes(out)


def tiff_looping() -> bytes:
    """One page whose "next page" offset points back at its own directory."""
    data = bytearray(tiff([(64, 64, bytes(range(64)) * 64)]))
    first = struct.unpack_from("<I", data, 4)[0]
    entries = struct.unpack_from("<H", data, first)[0]
    struct.pack_into("<I", data, first + 2 + 12 * entries, first)
    return bytes(data)


# --- the corpus -----------------------------------------------------------------------------

def _fpdf_page(owner_password: str, user_password: str | None) -> bytes:
    from datetime import datetime, timezone

    from fpdf import FPDF

    class FixedIdPdf(FPDF):
        def file_id(self) -> str:  # the same bytes on every run (the default id hashes the time)
            return f"<{'5A' * 16}><{'5A' * 16}>"

    pdf = FixedIdPdf()
    pdf.set_creation_date(datetime(2026, 3, 1, tzinfo=timezone.utc))
    pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Cover sheet from scanning station 3")
    return bytes(pdf.output())


def _source_as(format_: str, **options) -> bytes:
    buffer = io.BytesIO()
    with Image.open(SOURCE_PAGE) as page:
        page.convert("L").reduce(3).save(buffer, format=format_, **options)
    return buffer.getvalue()


def corpus_files() -> dict[str, bytes]:
    receipt = SOURCE_PAGE.read_bytes()
    png = _source_as("PNG", optimize=True)
    return {
        "zero_bytes.jpg": b"",
        "text_named.jpg": "报销申请说明\nPlease find the receipts attached.\n".encode(),
        "truncated_receipt.jpg": receipt[: len(receipt) // 4],
        "truncated_page.png": png[: len(png) // 2],
        f"bomb_{BOMB_SIDE}x{BOMB_SIDE}.png": png_bomb(),
        "bomb_65000x65000.jpg": jpeg_header_bomb(),
        f"tiff_bomb_page2_{BOMB_SIDE}x{BOMB_SIDE}.tif": tiff([(64, 64, bytes(64 * 64)),
                                                               (BOMB_SIDE, BOMB_SIDE, bytes(64))]),
        "tiff_zero_pages.tif": b"II*\x00\x00\x00\x00\x00",  # the first page's offset is 0: no page
        "pdf_zero_pages.pdf": pdf_with_pages(0),
        "pdf_page_200x200_inches.pdf": pdf_with_pages(1, media_box=b"[0 0 14400 14400]"),
        f"pdf_image_bomb_{BOMB_SIDE}x{BOMB_SIDE}.pdf": pdf_image_bomb(),
        "encrypted.pdf": _fpdf_page("owner-secret", "user-secret"),
        "javascript.pdf": javascript_pdf(),
        "javascript_open_action_only.pdf": javascript_pdf(listed=False),
        "not_really.pdf": b"%PDF-1.4\n" + b"this was an e-mail, not a PDF\n" * 4,
        "letter.docx": b"PK\x03\x04" + bytes(26),
        "owner_password_only.pdf": _fpdf_page("owner-secret", None),
        "pdf_named.jpg": pdf_with_pages(1),
        "tiff_next_page_loops_back.tif": tiff_looping(),
    }


def write_corpus(out: Path = CORPUS) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files = corpus_files()
    assert set(files) == set(EXPECTED)
    for name, data in files.items():
        (out / name).write_bytes(data)
    manifest = {"files": {name: {"outcome": outcome, "reason": reason} for name, (outcome, reason) in EXPECTED.items()},
                "generated": {name: {"outcome": outcome, "reason": reason}
                              for name, (outcome, reason) in GENERATED.items()}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- made at test time ------------------------------------------------------------------------

def write_packet_with_files(folder: Path, count: int = MANY_FILES) -> Path:
    """A folder packet of `count` small page images (a whole day's scans dropped as one packet)."""
    folder.mkdir(parents=True)
    page = _tiny_page()
    for index in range(count):
        (folder / f"page_{index:04d}.png").write_bytes(page)
    return folder


def _tiny_page() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def awkward_names() -> list[bytes]:
    """File and folder names a station may produce, as the raw bytes a Linux file system holds."""
    return [
        "收据 扫描 (1).jpg".encode(),
        "收据.jpg".encode("gbk"),  # a Windows station's code page, not UTF-8
        "..\\..\\windows style.jpg".encode(),  # backslashes are ordinary characters here
        "．．／．．／passwd.jpg".encode(),  # full-width dots and slashes: ../../ once "normalised"
        b"~$lock.jpg",
        b"-rf --no-preserve-root.jpg",
        "line\nbreak.jpg".encode(),
        "\u202egpj.exe".encode(),  # right-to-left override: shown as "exe.jpg"
        ("长" * 80 + ".jpg").encode(),  # 244 bytes: near the 255-byte limit of a name
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS)
    args = parser.parse_args()
    write_corpus(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"{len(EXPECTED)} files, {size / 1e6:.2f} MB in {args.out}")


if __name__ == "__main__":
    main()
