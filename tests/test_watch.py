"""The watch folder with a real watcher process: packets dropped while it runs, a kill
mid-packet, a restart; every packet decided exactly once, every original archived."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, select

from flows.watch import Inbox
from store.archive import sha256_of
from store.db import get_engine
from store.models import Decision, Original
from tests.samples import (
    ROOT, SAMPLES, db_url_of, inbox_is_empty, kill_watcher, new_home, packets_in_db, start_watcher, stop_watcher,
    wait_until,
)


def test_inbox_takes_a_packet_only_when_it_is_complete(tmp_path):
    now = [0.0]
    inbox = Inbox(tmp_path, settle_seconds=30, clock=lambda: now[0])
    packet = tmp_path / "p1"
    packet.mkdir()
    (packet / "a.jpg").write_bytes(b"half")
    assert inbox.complete() == []
    now[0] = 20
    (packet / "a.jpg").write_bytes(b"half a page more")  # still being written
    assert inbox.complete() == []
    now[0] = 45
    assert inbox.complete() == []  # 25 s since the last change
    now[0] = 51
    assert inbox.complete() == [packet]
    marked = tmp_path / "p2"
    marked.mkdir()
    (marked / ".ready").touch()
    assert marked in inbox.complete()  # the station said it is done: no need to wait
    taken = inbox.take(packet)
    assert taken.parent == inbox.processing and not packet.exists()
    assert inbox.take(packet) is None  # a second taker gets nothing


def test_a_taken_packet_is_held_by_one_live_process_at_a_time(tmp_path):
    inbox = Inbox(tmp_path, settle_seconds=0)
    (tmp_path / "p1").mkdir()
    taken = inbox.take(tmp_path / "p1")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom pathlib import Path\nfrom flows.watch import Inbox\n"
        f"with Inbox(Path({str(tmp_path)!r}), 0).hold(Path({str(taken)!r})) as ours:\n"
        "    print(ours, flush=True)\n    time.sleep(600)\n")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "True\n"
        with inbox.hold(taken) as ours:
            assert not ours  # another watcher works on it
    finally:
        holder.kill()  # it dies holding the packet: the kernel lets go for it
        holder.wait()
    with inbox.hold(taken) as ours:
        assert ours
        inbox.discard(taken)
    with inbox.hold(taken) as ours:
        assert not ours  # done and gone: nothing left to work on
    assert inbox.left_over() == [] and list(inbox.finished.iterdir()) == []


def test_watcher_survives_a_kill_mid_packet_and_decides_every_packet_exactly_once(tmp_path, database):
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    watcher = start_watcher(inbox, home)
    try:
        # A packet with a bad file among good ones, marked ready by the station.
        first = inbox / "01_outpatient_pays"
        shutil.copytree(SAMPLES / "01_outpatient_pays", first, ignore=shutil.ignore_patterns("*.json"))
        (first / "scan_empty.jpg").write_bytes(b"")
        (first / "notes.jpg").write_text("not an image", encoding="utf-8")
        (first / ".ready").touch()
        wait_until(lambda: any(p.status == "received" for p in packets_in_db(home)), 240, "the first packet to start")
        time.sleep(2)  # somewhere in the middle of reading its pages
        kill_watcher(watcher)  # the machine dies: the watcher and its Prefect server
        assert (inbox / ".claims" / "processing" / "01_outpatient_pays").is_dir()  # left over, not lost

        # More packets arrive while no watcher runs; one without a marker, one a rescan of the first.
        shutil.copytree(SAMPLES / "02_under_deductible", inbox / "02_under_deductible",
                        ignore=shutil.ignore_patterns("*.json"))
        shutil.copytree(SAMPLES / "01_outpatient_pays", inbox / "01_rescan",
                        ignore=shutil.ignore_patterns("*.json"))
        (inbox / "01_rescan" / "scan_empty.jpg").write_bytes(b"")
        (inbox / "01_rescan" / "notes.jpg").write_text("not an image", encoding="utf-8")

        watcher = start_watcher(inbox, home)
        wait_until(lambda: inbox_is_empty(inbox), 400, "the inbox to empty")
    finally:
        output, errors = stop_watcher(watcher)

    packets = packets_in_db(home)
    assert sorted(p.name for p in packets) == ["01_outpatient_pays", "02_under_deductible"]  # the rescan is the same packet
    with Session(get_engine(db_url_of(home))) as session:
        for packet in packets:
            decisions = session.exec(select(Decision).where(Decision.packet_id == packet.id)).all()
            assert len(decisions) == 1, packet.name
        statuses = {p.name: (p.status, session.exec(select(Decision).where(Decision.packet_id == p.id)).one().payable)
                    for p in packets}
        originals = session.exec(select(Original)).all()
    assert statuses == {"01_outpatient_pays": ("decided", "385.00"), "02_under_deductible": ("decided", "0.00")}
    for original in originals:
        assert sha256_of(Path(original.archive_path)) == original.sha256
    assert len(originals) == 7 + 5  # 01 with its two bad files, and 02

    quarantined = home / "quarantine" / "01_outpatient_pays"
    reasons = {p.name: p.read_text(encoding="utf-8") for p in quarantined.glob("*.reason.txt")}
    assert "empty file" in reasons["scan_empty.jpg.reason.txt"]
    assert "not a readable image" in reasons["notes.jpg.reason.txt"]
    assert (quarantined / "notes.jpg").read_text(encoding="utf-8") == "not an image"
    assert "01_outpatient_pays" in output and "Traceback" not in errors
