"""Files are cut into pages, or refused with a reason a person can act on."""

import io

import pytest
from PIL import Image

from pipeline.errors import UnreadableFileError
from pipeline.pages import MAX_PIXELS_PER_PAGE, split
from tests.samples import sample_pages


def test_a_jpeg_scan_is_one_page():
    pages = split(sample_pages()[0])
    assert len(pages) == 1 and pages[0].image.ndim == 3


def test_a_multi_page_tiff_gives_every_page(tmp_path):
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("white", "gray", "black")]
    tiff = tmp_path / "packet.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    assert [p.index for p in split(tiff)] == [1, 2, 3]


def test_a_pdf_is_rendered_page_by_page(tmp_path):
    pdf = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(pdf, save_all=True,
                                               append_images=[Image.new("RGB", (600, 800), "white")])
    pages = split(pdf)
    assert len(pages) == 2 and pages[0].image.shape[2] == 3


@pytest.mark.parametrize("name, content, reason", [
    ("empty.jpg", b"", "empty file"),
    ("notes.jpg", b"this is a text file, not a scan", "not a readable image"),
    ("broken.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
    ("letter.docx", b"PK\x03\x04", "not a scan"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=reason):
        split(path)


def test_a_truncated_jpeg_is_refused(tmp_path):
    whole = sample_pages()[0].read_bytes()
    path = tmp_path / "truncated.jpg"
    path.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(UnreadableFileError, match="not a readable image"):
        split(path)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    side = int(MAX_PIXELS_PER_PAGE ** 0.5) + 2000
    buffer = io.BytesIO()
    Image.new("1", (side, side), 1).save(buffer, format="PNG")  # tiny file, absurd pixel count
    path = tmp_path / "bomb.png"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnreadableFileError, match="absurd pixel count"):
        split(path)
