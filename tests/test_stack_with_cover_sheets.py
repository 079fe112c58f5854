"""A mailroom's stack: three sample packets fed through a scanner as one PDF, a printed cover sheet
before each (one fed upside down, one a grey, skewed photocopy with its box ticked). The watcher splits it
into three packets decided as the samples are; the same stack dropped again gives nothing new."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sqlmodel import Session, select

from flows.desk import originals_standing
from flows.settings import load_settings
from flows.stacks import runs_of, split_stack
from flows.watch import WORK_DIR, Inbox
from pipeline.cover_sheet import runs
from pipeline.pages import pages_of
from store import repository
from store.archive import sha256_of
from store.db import get_engine
from store.models import Decision, Packet
from tests.samples import (
    SAMPLES, db_url_of, inbox_is_empty, new_home, packets_in_db, start_watcher, stop_watcher, wait_until,
)
from tests.stacks import cover_scan, packet_pages, write_stack_pdf

# 14 pages read by OCR; in this order each is decided as its expected.json says (as `claims run` of them all).
STACK = ["01_outpatient_pays", "02_under_deductible", "03_missing_detail_list"]


def mailroom_stack() -> list:
    """The three packets, each after its cover sheet: upright, a ticked grey photocopy skewed 3°, upside down."""
    first, second, third = (packet_pages(name) for name in STACK)
    return ([cover_scan("P2026-000101"), *first,
             cover_scan("P2026-000102", grey=True, skew=3.0, ticked=True), *second,
             cover_scan("P2026-000103", upside_down=True), *third])


def mailroom_setup(tmp_path: Path, database: str) -> tuple[Path, Path, Path]:
    """A watch folder, its CLAIMS_HOME, and the mailroom stack as a PDF beside them, not yet dropped."""
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    stack = tmp_path / "mailroom.pdf"
    write_stack_pdf(stack, mailroom_stack())
    return inbox, home, stack


def drop(stack: Path, inbox: Path) -> None:
    """As a station drops a file: copied under a hidden name, then renamed into the inbox."""
    hidden = inbox / f".{stack.name}.partial"
    shutil.copyfile(stack, hidden)
    os.rename(hidden, inbox / stack.name)


def expected(packet: str) -> tuple[str, str]:
    outcome = json.loads((SAMPLES / f"{packet}.expected.json").read_text(encoding="utf-8"))
    return outcome["status"], outcome["payable"]


def test_pages_before_the_first_cover_sheet_are_a_packet_and_each_cover_sheet_starts_one():
    assert runs([False, False, True, False, True]) == [range(0, 2), range(2, 4), range(4, 5)]
    assert runs([True, False, False]) == [range(0, 3)]
    assert runs([True, True]) == [range(0, 1), range(1, 2)]  # a cover sheet with nothing after it: its own packet


def test_a_stack_without_cover_sheets_stays_one_packet(tmp_path):
    stack = tmp_path / "stack.pdf"
    write_stack_pdf(stack, packet_pages("02_under_deductible")[:3])
    assert runs_of(stack, "stack.pdf") is None


def test_a_packet_behind_its_one_cover_sheet_is_not_split_again(tmp_path):
    packet = tmp_path / "mailroom-01.pdf"
    write_stack_pdf(packet, [cover_scan("P2026-000104"), *packet_pages("02_under_deductible")[:2]])
    assert runs_of(packet, "mailroom-01.pdf") is None
    write_stack_pdf(packet, [*packet_pages("02_under_deductible")[:2], cover_scan("P2026-000104")])
    assert runs_of(packet, "mailroom-01.pdf") == [range(0, 2), range(2, 3)]


def test_a_stack_with_cover_sheets_gives_one_claim_per_packet_and_dropped_again_nothing_new(tmp_path, database):
    inbox, home, stack = mailroom_setup(tmp_path, database)
    watcher = start_watcher(inbox, home)
    try:
        drop(stack, inbox)
        wait_until(lambda: len(packets_in_db(home)) == 3 and inbox_is_empty(inbox), 900, "the stack's three packets")
        drop(stack, inbox)  # the same file dropped again
        wait_until(lambda: inbox_is_empty(inbox), 300, "the second stack to be worked through")
    finally:
        _, errors = stop_watcher(watcher)

    with Session(get_engine(db_url_of(home))) as session:
        packets = sorted(session.exec(select(Packet)).all(), key=lambda p: p.name)
        assert [p.name for p in packets] == ["mailroom-01", "mailroom-02", "mailroom-03"], "a packet twice, or lost"
        outcomes, covers = {}, {}
        for packet, sample in zip(packets, STACK):
            name = packet.name
            decisions = session.exec(select(Decision).where(Decision.packet_id == packet.id)).all()
            assert len(decisions) == 1, name
            outcomes[name] = (decisions[0].status, decisions[0].payable)
            assert outcomes[name] == expected(sample), (name, sample, packet.reason)
            documents = repository.load_documents(session, packet.id)
            cover = [d for d in documents if d.doc_type == "cover_sheet"]
            assert len(cover) == 1 and (cover[0].source, cover[0].page) == (f"{name}.pdf", 1)
            covers[name] = (cover[0].value("packet_number"), cover[0].value("return_originals"))
            assert "unknown" not in {d.doc_type for d in documents}  # the sheet was not read as a document
        # The ticked box is the member's request to have the originals back (M2.9), with no clerk involved.
        asking = [packet.name for packet in packets if originals_standing(session, packet) is not None]
    assert asking == ["mailroom-02"]
    assert covers == {"mailroom-01": ("P2026-000101", False), "mailroom-02": ("P2026-000102", True),
                      "mailroom-03": ("P2026-000103", False)}
    assert "Traceback" not in errors


def test_a_tiff_stack_is_archived_and_split_into_tiff_packets_of_its_own_pages(tmp_path):
    pages = [cover_scan("P2026-000105"), cv2.imread(str(packet_pages("02_under_deductible")[0])),
             cover_scan("P2026-000106", upside_down=True), cv2.imread(str(packet_pages("03_missing_detail_list")[0]))]
    frames = [Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB)) for page in pages]
    (tmp_path / "inbox").mkdir()
    frames[0].save(tmp_path / "inbox" / "stack.tif", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    digest = sha256_of(tmp_path / "inbox" / "stack.tif")
    settings = load_settings(str(tmp_path / "home"))
    inbox = Inbox(tmp_path / "inbox", settle_seconds=0)
    taken = inbox.take(tmp_path / "inbox" / "stack.tif")
    parts = split_stack(taken, "stack.tif", inbox.path / WORK_DIR, settings, inbox.adopt, inbox.discard)
    assert [p.name for p in parts] == ["stack-01.tif", "stack-02.tif"] and not taken.exists()
    assert [len(list(pages_of(part))) for part in parts] == [2, 2]
    read = [page.image for part in parts for page in pages_of(part)]
    assert all(np.array_equal(again, page) for again, page in zip(read, pages))  # pixel for pixel
    assert sha256_of(settings.archive_dir / digest[:2] / f"{digest}.tif") == digest
