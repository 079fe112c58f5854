"""A watcher killed in the middle of a mailroom's stack: after a restart the stack's three packets are
decided, each once, and the stack's original is in the archive. A split cut short between two of its
packets is finished by the next holder without a packet twice."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from flows.settings import load_settings
from flows.stacks import SPLITTING, split_stack
from flows.watch import WORK_DIR, Inbox
from store.archive import sha256_of
from store.db import get_engine
from store.models import Decision, Packet
from tests.samples import (
    db_url_of, inbox_is_empty, kill_watcher, packets_in_db, start_watcher, stop_watcher, wait_until,
)
from tests.stacks import cover_scan, packet_pages, write_stack_pdf
from tests.test_stack_with_cover_sheets import STACK, drop, expected, mailroom_setup


class _Killed(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


def test_a_watcher_killed_mid_stack_finishes_it_after_a_restart_deciding_each_packet_once(tmp_path, database):
    inbox, home, stack = mailroom_setup(tmp_path, database)
    watcher = start_watcher(inbox, home)
    try:
        drop(stack, inbox)
        wait_until(lambda: {p.status for p in packets_in_db(home)} >= {"decided", "received"}, 900,
                   "the first packet decided and the second being read")
        kill_watcher(watcher)
        left = sorted(p.name for p in (inbox / ".claims" / "processing").iterdir())
        assert "mailroom.pdf" not in left and left and set(left) <= {"mailroom-02.pdf", "mailroom-03.pdf"}

        watcher = start_watcher(inbox, home)
        wait_until(lambda: inbox_is_empty(inbox), 900, "the rest of the stack")
    finally:
        _, errors = stop_watcher(watcher)

    with Session(get_engine(db_url_of(home))) as session:
        packets = sorted(session.exec(select(Packet)).all(), key=lambda p: p.name)
        assert [p.name for p in packets] == ["mailroom-01", "mailroom-02", "mailroom-03"]
        for packet, sample in zip(packets, STACK):
            decisions = session.exec(select(Decision).where(Decision.packet_id == packet.id)).all()
            assert len(decisions) == 1, packet.name
            assert (packet.status, decisions[0].status, decisions[0].payable) == ("decided", *expected(sample))
    digest = sha256_of(stack)
    assert sha256_of(home / "archive" / digest[:2] / f"{digest}.pdf") == digest  # the stack itself, archived
    assert list((inbox / WORK_DIR / SPLITTING).iterdir()) == []
    assert "Traceback" not in errors


def test_a_split_cut_short_between_its_packets_is_finished_once_by_the_next_holder(tmp_path):
    settings = load_settings(str(tmp_path / "home"))
    inbox = Inbox(tmp_path / "inbox", settle_seconds=0)
    pages = []
    for number, name in enumerate(STACK, 101):
        pages += [cover_scan(f"P2026-000{number}"), packet_pages(name)[0]]
    write_stack_pdf(tmp_path / "inbox" / "mailroom.pdf", pages)
    taken = inbox.take(tmp_path / "inbox" / "mailroom.pdf")
    adopted = []

    def adopt_then_die(packet):
        if adopted:
            raise _Killed
        adopted.append(inbox.adopt(packet))
        return adopted[-1]

    with pytest.raises(_Killed):
        split_stack(taken, "mailroom.pdf", inbox.path / WORK_DIR, settings, adopt_then_die, inbox.discard)
    assert taken.exists() and [p.name for p in inbox.left_over()] == ["mailroom-01.pdf", "mailroom.pdf"]

    rest = split_stack(taken, "mailroom.pdf", inbox.path / WORK_DIR, settings, inbox.adopt, inbox.discard)
    assert [p.name for p in rest] == ["mailroom-02.pdf", "mailroom-03.pdf"]
    assert [p.name for p in inbox.left_over()] == ["mailroom-01.pdf", "mailroom-02.pdf", "mailroom-03.pdf"]
    assert not taken.exists() and list((inbox.path / WORK_DIR / SPLITTING).iterdir()) == []
