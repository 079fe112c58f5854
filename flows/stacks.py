"""Mailroom stacks: the day's applications fed through a sheet-fed scanner as one PDF or multi-page
TIFF, a cover sheet (pipeline/cover_sheet.py) before each. A taken stack is split at every cover sheet
into one packet per run of pages, named `<stack>-01`, `-02`, …; a stack without cover sheets is one
packet, as any dropped file, and so is a file with a cover sheet on its first page only (each packet split
from a stack is such a file: it is never split again).

Exactly once, whatever the moment a watcher dies (only the holder of the taken stack does this):

  1. the stack's original is archived (by content hash, as every original)
  2. its packets are written into a hidden folder under INBOX/.claims/splitting/, which is renamed to
     the stack's token when all are written: the split, whole, or not at all. The folder records which
     taken file it is the split of (its inode, size and time survive the renames), so the leftover of an
     earlier stack of the same name (a crash between 4 and its end) is never taken for this one's
  3. each packet is renamed from there into INBOX/.claims/processing/: in one place or the other, never
     both, never neither
  4. the stack is discarded, then its split folder

A restart after 2 finishes 3 and 4 without splitting again; before 2, it splits again from scratch.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
from datetime import date
from pathlib import Path

from flows.locks import exclusive
from flows.quarantine import remove_entry
from flows.settings import ConfigurationError, Settings
from pipeline import cover_sheet
from pipeline.errors import BadInputError, UnreadableFileError
from pipeline.pages import pages_of
from store.archive import archive_original, sha256_of, written_in_place_of

SPLITTING = "splitting"
_CREATED = re.compile(rb"(/CreationDate\s*\(D:)\d{14}")
_FILE_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32}><[0-9A-Fa-f]{32})>")
_OF = ".split-of"  # in a split folder: which taken file it is the split of
STACK_SUFFIXES = {".pdf", ".tif", ".tiff"}
# Where a Debian/Ubuntu or a Windows machine keeps a Chinese font for the cover sheets' text.
CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("C:/Windows/Fonts/msyh.ttc"),
    Path("C:/Windows/Fonts/simsun.ttc"),
)
MAX_SERIAL = 999_999
PRINT_DPI = 300


# --- printing cover sheets ------------------------------------------------------------------------

def print_cover_sheets(settings: Settings, count: int, out: Path, today: date | None = None) -> list[str]:
    """N cover sheets as one PDF at `out`, one A4 page each; the packet numbers they carry."""
    if not 1 <= count <= 1000:
        raise BadInputError(f"--count {count}: print between 1 and 1000 cover sheets at a time")
    if not out.parent.is_dir():
        raise BadInputError(f"{out.parent}: no such folder")
    font = _cjk_font()
    numbers = issue_packet_numbers(settings, count, (today or date.today()).year)
    sheets = [cover_sheet.render(number, font, PRINT_DPI).convert("1") for number in numbers]
    with written_in_place_of(out) as partial:
        sheets[0].save(partial, format="PDF", save_all=True, append_images=sheets[1:], resolution=PRINT_DPI,
                       title="理赔材料封面页")
    return numbers


def issue_packet_numbers(settings: Settings, count: int, year: int) -> list[str]:
    """The next `count` numbers of the year, never issued before in this CLAIMS_HOME: a counter kept in
    CLAIMS_HOME/cover_sheets/<year>.counter, read and advanced under a lock (two clerks printing at once
    get different numbers), the new value written whole before any sheet is printed: a number is never
    issued twice, though one whose PDF was never printed is skipped."""
    counter = settings.claims_home / "cover_sheets" / f"{year}.counter"
    with exclusive(counter.with_name(f"{year}.lock")):
        last = int(counter.read_text(encoding="ascii")) if counter.exists() else 0
        if last + count > MAX_SERIAL:
            raise BadInputError(f"only {MAX_SERIAL - last} packet numbers are left for {year}")
        with written_in_place_of(counter) as partial:
            with open(partial, "w", encoding="ascii") as handle:
                handle.write(str(last + count))
                handle.flush()
                os.fsync(handle.fileno())
    return [cover_sheet.format_packet_number(year, serial) for serial in range(last + 1, last + count + 1)]


def _cjk_font() -> bytes:
    for path in CJK_FONTS:
        if path.is_file():
            return path.read_bytes()
    raise ConfigurationError("no Chinese font found for the cover sheets (install fonts-noto-cjk)")


# --- splitting a stack ----------------------------------------------------------------------------

def runs_of(stack: Path, name: str) -> list[range] | None:
    """The stack's packets as runs of page numbers (from 0), or None when it is one packet: no cover sheet,
    or one on its first page only (a packet split from a stack is that) — or it cannot be read, and the
    intake says why, as for any file."""
    if stack.suffix.lower() not in STACK_SUFFIXES:
        return None
    try:
        covers = [cover_sheet.detect(page.image) is not None for page in pages_of(stack, name)]
    except UnreadableFileError:
        return None
    packets = cover_sheet.runs(covers)
    return packets if len(packets) > 1 else None


def split_stack(taken: Path, dropped_as: str, work_dir: Path, settings: Settings, adopt, discard) -> list[Path] | None:
    """Split a taken stack this process holds into packets: each is handed to `adopt` (which moves it among
    the taken packets and says where), then the stack to `discard`. The packets this call adopted (a
    restart adopts only those a dead watcher had not), or None when it is no stack of cover sheets."""
    identity = _identity(taken)
    split = work_dir / SPLITTING / hashlib.sha256(os.fsencode(taken.name)).hexdigest()[:32]
    if split.is_dir() and (split / _OF).read_text(encoding="ascii") != identity:
        remove_entry(split)  # the split of an earlier stack of this name, done with and left behind by a crash
    if not split.is_dir():
        archive_original(taken, settings.archive_dir, sha256_of(taken))  # the stack itself, before it is cut
        runs = runs_of(taken, dropped_as)
        if runs is None:
            return None
        _write_split(taken, dropped_as, runs, identity, split)
    adopted = [adopt(packet) for packet in sorted(split.iterdir()) if packet.name != _OF]
    discard(taken)
    remove_entry(split)
    return adopted


def _write_split(stack: Path, dropped_as: str, runs: list[range], identity: str, split: Path) -> None:
    for earlier in split.parent.glob(f".{split.name}-*"):
        remove_entry(earlier)  # written half-way by a holder that died: we hold the stack now
    building = split.with_name(f".{split.name}-{uuid.uuid4().hex[:8]}")
    building.mkdir(parents=True)
    stem, suffix = Path(dropped_as).stem, stack.suffix.lower()
    for number, pages in enumerate(runs, 1):
        _write_pages(stack, pages, building / f"{stem}-{number:02d}{suffix}")
    (building / _OF).write_text(identity, encoding="ascii")
    _fsync_folder(building)
    os.rename(building, split)  # the split whole, or nothing
    _fsync_folder(split.parent)


def _write_pages(stack: Path, pages: range, target: Path) -> None:
    """The pages as a file of the stack's kind, the pages themselves unchanged (a PDF's page objects
    copied; a TIFF's frames written losslessly): the packet reads exactly as the stack's pages would."""
    with open(stack, "rb") as handle:
        is_pdf = b"%PDF-" in handle.read(1024)
    if is_pdf:
        import pypdfium2

        source, part = pypdfium2.PdfDocument(str(stack)), pypdfium2.PdfDocument.new()
        try:
            part.import_pages(source, list(pages))
            created = re.sub(r"\D", "", source.get_metadata_dict().get("CreationDate", ""))[:14].ljust(14, "0")
            written = io.BytesIO()
            part.save(written)
        finally:
            part.close()
            source.close()
        with open(target, "wb") as out:
            out.write(_reproducible(written.getvalue(), created.encode("ascii")))
            out.flush()
            os.fsync(out.fileno())
        return
    from PIL import Image

    with Image.open(stack) as opened:
        frames = []
        for index in pages:
            opened.seek(index)
            frames.append(opened.copy())
    compression = "group4" if all(frame.mode == "1" for frame in frames) else "tiff_lzw"
    frames[0].save(target, format="TIFF", save_all=True, append_images=frames[1:], compression=compression)
    with open(target, "rb") as written:
        os.fsync(written.fileno())


def _reproducible(pdf: bytes, created: bytes) -> bytes:
    """PDFium dates a new file now and gives it an /ID of its memory address: the stack's own date and an
    /ID of the content instead make the same pages split from the same stack the same bytes, so a stack
    dropped twice is recognised as its packets are, by content. Same lengths: the cross-reference offsets
    stay right."""
    pdf = _CREATED.sub(lambda found: found.group(1) + created, pdf, count=1)
    found = list(_FILE_ID.finditer(pdf))
    if not found:
        return pdf
    start, end = found[-1].span(1)
    digest = hashlib.sha256(pdf[:start] + pdf[end:]).hexdigest().upper()[:32].encode("ascii")
    return pdf[:start] + digest + b"><" + digest + pdf[end:]


def _identity(path: Path) -> str:
    status = path.stat()
    return f"{status.st_ino}:{status.st_size}:{status.st_mtime_ns}"


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
