"""Bad inputs (tests/bad_inputs/, made by tests/tools/make_bad_inputs.py) dropped into a real
inbox beside a good packet and inside it: each is quarantined with a one-line reason or read,
within bounded memory, the watcher keeps running and nothing else is affected."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from flows.packets import readable
from pipeline.pages import LIMITS
from store.archive import sha256_of
from store.db import get_engine
from store.models import Decision, Original, Page, Packet
from tests.samples import (
    ROOT, SAMPLES, db_url_of, inbox_is_empty, new_home, start_watcher, stop_watcher, wait_until,
)
from tests.tools.make_bad_inputs import (
    CORPUS, MANY_FILES, MANY_PAGES, awkward_names, write_packet_with_files, write_pdf_with_pages,
)

MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
EXPECTED = MANIFEST["files"]
GOOD = "03_missing_detail_list"
MEMORY_LIMIT = 1 << 30  # bytes of address space for reading every bad file; a bomb decoded needs GBs


def corpus() -> list[Path]:
    return [CORPUS / name for name in sorted(EXPECTED)]


def test_the_corpus_is_what_its_generator_makes_and_small():
    assert sorted(p.name for p in CORPUS.iterdir() if p.name != "manifest.json") == sorted(EXPECTED)
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 2_000_000


def test_every_bad_file_is_refused_before_decoding_in_bounded_memory(tmp_path):
    """All files read one after another by one process whose address space is capped at 1 GiB and
    CPU time at a minute: a guard that let a bomb through to the decoder kills the process."""
    big_pdf = write_pdf_with_pages(tmp_path / f"pdf_{MANY_PAGES}_pages.pdf")
    files = [*corpus(), big_pdf]
    script = (
        "import json, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (60, 60))\n"
        "from pathlib import Path\n"
        "from pipeline.pages import RefusedFile, pages_of\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        outcome = ('read', str(sum(1 for _ in pages_of(Path(name)))))\n"
        "    except RefusedFile as refused:\n"
        "        outcome = ('quarantined', refused.message)\n"
        "    print(json.dumps([Path(name).name, *outcome]), flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *map(str, files)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = {name: (outcome, detail) for name, outcome, detail in map(json.loads, done.stdout.splitlines())}
    expected = {**EXPECTED, **MANIFEST["generated"]}
    assert set(outcomes) == {p.name for p in files}
    for name, (outcome, detail) in outcomes.items():
        assert outcome == expected[name]["outcome"], (name, detail)
        if outcome == "quarantined":
            assert detail.startswith(f"{name}: ") and expected[name]["reason"] in detail, (name, detail)
            assert "\n" not in detail and str(CORPUS) not in detail and str(tmp_path) not in detail
    assert outcomes[big_pdf.name][1] == (f"{big_pdf.name}: {MANY_PAGES} pages, more than "
                                         f"{LIMITS.max_pages_per_file} in one file (split it into claims)")


@pytest.fixture
def bad_inbox(tmp_path):
    """An inbox holding: the good packet with every unreadable file inside it; every bad file as a packet
    of its own; a 400-page PDF; a packet of 500 files; a packet of awkward names; links and a pipe."""
    inbox = tmp_path / "inbox"
    good = inbox / GOOD
    shutil.copytree(SAMPLES / GOOD, good, ignore=shutil.ignore_patterns("*.json"))
    for bad in corpus():
        if EXPECTED[bad.name]["outcome"] == "quarantined":  # what can be read would be part of the claim
            shutil.copy(bad, good / bad.name)
        shutil.copy(bad, inbox / bad.name)
    write_pdf_with_pages(inbox / f"pdf_{MANY_PAGES}_pages.pdf")
    write_packet_with_files(inbox / f"packet_{MANY_FILES}_files")
    awkward = inbox / "．．"  # full-width dots: ".." once "normalised"
    awkward.mkdir()
    id_copy = (SAMPLES / GOOD / "id_copy.jpg").read_bytes()
    for name in awkward_names():
        (awkward / os.fsdecode(name)).write_bytes(id_copy)
    (awkward / os.fsdecode("损坏.jpg".encode("gbk"))).write_bytes(b"")
    os.symlink("/etc/passwd", inbox / "passwd.jpg")  # would archive a file from outside the inbox
    linked = inbox / "packet_with_a_link"
    linked.mkdir()
    (linked / "id_copy.jpg").write_bytes(id_copy)
    os.symlink("/etc", linked / "etc")
    os.mkfifo(inbox / "pipe.pdf")  # reading it would block for ever
    for folder in (good, awkward, linked, inbox / f"packet_{MANY_FILES}_files"):
        (folder / ".ready").touch()
    return inbox


def test_a_watcher_sets_aside_every_bad_input_and_decides_the_good_packet(tmp_path, bad_inbox, database, prefect_api):
    inbox, home = bad_inbox, new_home(tmp_path / "home", database)
    watcher = start_watcher(inbox, home, prefect_api)
    try:
        wait_until(lambda: inbox_is_empty(inbox) or watcher.poll() is not None, 600, "the inbox to empty")
        assert watcher.poll() is None  # the service keeps running
    finally:
        output, errors = stop_watcher(watcher)
    assert "Traceback" not in errors, errors[-3000:]
    quarantine = home / "quarantine"
    with Session(get_engine(db_url_of(home))) as session:
        packets = {p.name: p for p in session.exec(select(Packet)).all()}

        # The good packet is decided as if the bad files were not in it; each of them is set aside.
        good = packets[GOOD]
        expected = json.loads((SAMPLES / f"{GOOD}.expected.json").read_text(encoding="utf-8"))
        decision = session.exec(select(Decision).where(Decision.packet_id == good.id)).one()
        assert (decision.status, decision.payable) == (expected["status"], expected["payable"])
        for name, expect in EXPECTED.items():
            for folder in (quarantine / GOOD, quarantine / Path(name).stem):
                set_aside = folder / name
                if expect["outcome"] == "quarantined":
                    assert set_aside.read_bytes() == (CORPUS / name).read_bytes(), name
                    reason = set_aside.with_name(name + ".reason.txt").read_text(encoding="utf-8")
                    assert reason.count("\n") == 1 and reason.startswith(f"{name}: ") and expect["reason"] in reason
                else:
                    assert not set_aside.exists(), name
            # A packet of nothing but this file: quarantined as a whole, or read (and waiting for review).
            alone = packets[Path(name).stem]
            pages = session.exec(select(Page).where(Page.packet_id == alone.id)).all()
            assert (alone.status, bool(pages)) == (("quarantined", False) if expect["outcome"] == "quarantined"
                                                   else ("needs_review", True)), name

        # Too big to read: refused before anything is decoded, kept whole with the reason.
        big_pdf = f"pdf_{MANY_PAGES}_pages.pdf"
        assert f"more than {LIMITS.max_pages_per_file} in one file" in (
            quarantine / f"pdf_{MANY_PAGES}_pages" / f"{big_pdf}.reason.txt").read_text(encoding="utf-8")
        many = quarantine / "packets" / f"packet_{MANY_FILES}_files"
        assert len(list(many.glob("*.png"))) == MANY_FILES and f"packet_{MANY_FILES}_files" not in packets
        assert f"{MANY_FILES} files, more than {LIMITS.max_files_per_packet}" in (
            quarantine / "packets" / f"packet_{MANY_FILES}_files.reason.txt").read_text(encoding="utf-8")

        # Links and pipes are never followed or opened: the packets holding them are set aside whole.
        for name in ("passwd.jpg", "pipe.pdf", "packet_with_a_link"):
            assert "never followed" in (quarantine / "packets" / f"{name}.reason.txt").read_text(encoding="utf-8")
            assert Path(name).stem not in packets
        assert (quarantine / "packets" / "passwd.jpg").is_symlink()  # the link it was, not a copy of /etc/passwd

        # Awkward names: stored and shown as text, every original archived, nothing written outside its folder.
        awkward = packets["．．"]
        originals = session.exec(select(Original).where(Original.packet_id == awkward.id)).all()
        assert sorted(o.file_name for o in originals) == sorted(
            readable(os.fsdecode(n)) for n in [*awkward_names(), "损坏.jpg".encode("gbk")])
        assert "收据.jpg" in {o.file_name for o in originals}  # GBK bytes from a Windows station, decoded
        assert awkward.status == "needs_review"
        for original in session.exec(select(Original)).all():
            archived = Path(original.archive_path)
            assert archived.parent.parent == home / "archive" and sha256_of(archived) == original.sha256
    assert "empty file" in (quarantine / "．．" / "损坏.jpg.reason.txt").read_text(encoding="utf-8")
    assert "not a scan" in (quarantine / "．．" / "\\u202egpj.exe.reason.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "inbox"]
    for path in home.rglob("*"):
        assert path.is_symlink() or path.resolve().is_relative_to(home.resolve()), path
    assert len(output.splitlines()) == len(packets) + 4  # a line a packet, and the four set aside whole
