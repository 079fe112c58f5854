"""Faults, with real processes, a real database and real files: the intake and the nightly
payment run killed (SIGKILL) at random points, the database away for a while, the disk full
while archiving, two watchers on one inbox. After recovery every packet is decided exactly
once, every original is archived, and no claim is paid twice.

The kills come at delays drawn from seeded generators, so a failure can be replayed; each test
prints where its kills landed (pytest -s)."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from store.archive import sha256_of
from store.db import get_engine
from store.models import Decision, LedgerEntry, Member, Original, Packet, Payment
from tests.samples import (
    POSTGRES_URL, ROOT, SAMPLES, db_url_of, inbox_is_empty, kill_watcher, new_home, packets_in_db,
    start_watcher, stop_watcher, wait_until,
)
from tests.tools.make_bad_inputs import write_packet_with_files

# Two claims of one member (the second's ledger starts from the first) and another member's: 14 pages.
PACKETS = ["01_outpatient_pays", "03_missing_detail_list", "04_second_claim_same_member"]


def drop(inbox: Path, packet: str, as_name: str | None = None) -> Path:
    """A sample packet as a station drops it: its scans, then the `.ready` marker."""
    target = inbox / (as_name or packet)
    shutil.copytree(SAMPLES / packet, target, ignore=shutil.ignore_patterns("*.json"))
    (target / ".ready").touch()
    return target


def expected(packet: str) -> tuple[str, str]:
    outcome = json.loads((SAMPLES / f"{packet}.expected.json").read_text(encoding="utf-8"))
    return outcome["status"], outcome["payable"]


def assert_decided_exactly_once(home: Path, dropped: dict[str, list[Path]],
                                superseded: bool = False) -> dict[str, Decision]:
    """Every packet dropped (name → its scans, as dropped) is registered once, holds one current decision
    (the only one, unless `superseded` decisions are expected: a later claim decided again after an
    earlier one) with at most one current ledger entry, and has every scan archived under its hash."""
    with Session(get_engine(db_url_of(home))) as session:
        packets = session.exec(select(Packet)).all()
        assert Counter(p.name for p in packets) == Counter(list(dropped)), "a packet registered twice, or lost"
        decisions = {}
        for packet in packets:
            rows = session.exec(select(Decision).where(Decision.packet_id == packet.id)).all()
            current = [row for row in rows if row.current]
            assert len(current) == 1 and (superseded or len(rows) == 1), f"{packet.name}: {len(rows)} decisions"
            entries = session.exec(select(LedgerEntry).where(LedgerEntry.decision_id.in_([r.id for r in rows]),
                                                             LedgerEntry.current == True)).all()  # noqa: E712
            assert len(entries) <= 1
            assert packet.status == "decided", (packet.name, packet.status, packet.reason)
            decisions[packet.name] = current[0]
        archived = {o.sha256: Path(o.archive_path) for o in session.exec(select(Original)).all()}
    for name, scans in dropped.items():
        for scan in scans:
            digest = sha256_of(scan)
            assert digest in archived and sha256_of(archived[digest]) == digest, f"{name}/{scan.name} not archived"
    return decisions


def scans_of(packet: str) -> list[Path]:
    return sorted((SAMPLES / packet).glob("*.jpg"))


def report(what: str, **numbers) -> None:
    print(f"\n{what}: " + ", ".join(f"{key}={value}" for key, value in numbers.items()))


def watch_until_the_inbox_is_empty(inbox: Path, home: Path, prefect_api: dict) -> None:
    watcher = start_watcher(inbox, home, prefect_api)
    try:
        wait_until(lambda: inbox_is_empty(inbox), 600, "the inbox to empty")
    finally:
        _, errors = stop_watcher(watcher)
    assert "Traceback" not in errors, errors[-3000:]


# --- the intake killed at random points ------------------------------------------------------

def test_the_intake_killed_at_random_points_decides_every_packet_once(tmp_path, database, prefect_api):
    rng = random.Random(20260301)
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    for packet in PACKETS:
        drop(inbox, packet)
    landed = []
    steps = 2 * len(PACKETS)  # each packet is registered, then decided

    def progress() -> int:
        return sum(1 + (p.status == "decided") for p in packets_in_db(home))

    for _ in range(4):
        # A random moment of the intake: a few seconds after a random step (a packet registered or decided)
        # still to come, however fast this machine reads.
        step = rng.randrange(min(progress(), steps - 1), steps)
        watcher = start_watcher(inbox, home, prefect_api)
        wait_until(lambda: progress() > step or watcher.poll() is not None, 600, f"step {step + 1} of the intake")
        time.sleep(rng.uniform(0.0, 3.0))
        kill_watcher(watcher)  # SIGKILL: no handler runs, nothing is flushed
        states = Counter(p.status for p in packets_in_db(home))
        landed.append(f"{dict(states)}, {len(list((inbox / '.claims' / 'processing').iterdir()))} taken")
        if inbox_is_empty(inbox):
            break
    watch_until_the_inbox_is_empty(inbox, home, prefect_api)
    decisions = assert_decided_exactly_once(home, {p: scans_of(p) for p in PACKETS})
    assert {name: (d.status, d.payable) for name, d in decisions.items()} == {p: expected(p) for p in PACKETS}
    with Session(get_engine(db_url_of(home))) as session:
        paid = sum(Decimal(e.outpatient_paid) for e in session.exec(select(LedgerEntry)).all())
    assert paid == sum(Decimal(d.payable) for d in decisions.values())  # the ledger counts each claim once
    report("intake kills", database=database, kills=len(landed), packets=len(PACKETS),
           decisions=len(decisions), duplicates=0, landed=landed)


def test_a_claim_finished_after_a_crash_is_not_paid_for_a_receipt_a_later_claim_was_paid_for(
        tmp_path, database, prefect_api):
    """The watcher dies reading one claim; meanwhile a second claim of the member with the same receipt
    arrives and, its name coming first, is decided first after the restart. The first claim's ledger
    does not see the second (it came in later), so the second is decided again after it."""
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    first = drop(inbox, "01_outpatient_pays", "b_received_first")
    write_packet_with_files(tmp_path / "cover", 1)
    shutil.copy(tmp_path / "cover" / "page_0000.png", first / "cover.png")
    watcher = start_watcher(inbox, home, prefect_api)
    wait_until(lambda: packets_in_db(home) or watcher.poll() is not None, 300, "the first claim to be registered")
    kill_watcher(watcher)
    assert [p.status for p in packets_in_db(home)] == ["received"]
    drop(inbox, "01_outpatient_pays", "a_received_second")
    watch_until_the_inbox_is_empty(inbox, home, prefect_api)
    decisions = assert_decided_exactly_once(home, {"b_received_first": scans_of("01_outpatient_pays"),
                                                   "a_received_second": scans_of("01_outpatient_pays")},
                                            superseded=True)
    assert (decisions["b_received_first"].payable, decisions["a_received_second"].payable) == ("385.00", "0.00")


# --- the nightly payment run killed at random points ------------------------------------------

def payment_file_lines(home: Path) -> list[tuple[str, str, str]]:
    """(file, claim, amount) of every line of every payment file written."""
    lines = []
    for path in sorted((home / "payments").glob("*.csv")):
        with open(path, encoding="utf-8") as handle:
            lines += [(path.name, row["claim_id"], row["amount"]) for row in csv.DictReader(handle)]
    return lines


def assert_paid_once(home: Path) -> int:
    """Every line written to a payment file is committed and the other way round, no claim is in two
    files, and each claim is paid its payable; how many lines."""
    written = payment_file_lines(home)
    with Session(get_engine(db_url_of(home))) as session:
        committed = [(p.payment_file, p.claim_id, p.amount) for p in session.exec(select(Payment)).all()]
        owed = {}
        current = (select(Packet, Decision).join(Decision, Decision.packet_id == Packet.id)
                   .where(Packet.status == "decided", Decision.current == True))  # noqa: E712
        for packet, decision in session.exec(current).all():
            member = session.get(Member, packet.member_id)
            if Decimal(decision.payable) > 0 and member.bank_account:
                owed[packet.claim_id] = decision.payable
    assert sorted(written) == sorted(committed)
    assert Counter(claim for _, claim, _ in written) == Counter(list(owed))
    assert {claim: amount for _, claim, amount in written} == owed
    assert sum(Decimal(amount) for _, _, amount in written) == sum(map(Decimal, owed.values())) == Decimal("735.00")
    return len(written)


def forget_payments(home: Path) -> None:
    """As if nothing had been paid yet, so that the next run pays again (and may be killed doing it)."""
    with Session(get_engine(db_url_of(home))) as session:
        for payment in session.exec(select(Payment)).all():
            session.delete(payment)
        session.commit()
    shutil.rmtree(home / "payments")


def test_the_nightly_run_killed_at_random_points_pays_each_claim_once(copied_samples_home, prefect_api):
    """Runs killed at a random moment of the time a whole run takes (learned from the runs that finish);
    after each run that finishes, the payments are checked and forgotten, so every run has claims to pay."""
    rng = random.Random(20260302)
    home = copied_samples_home
    env = {**os.environ, **prefect_api, "CLAIMS_HOME": str(home)}
    span, landed, checked = 10.0, [], 0
    for _ in range(6):
        started = time.monotonic()
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", "nightly"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            _, errors = run.communicate(timeout=rng.uniform(0.1, 1.0) * span)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate(timeout=60)
            with Session(get_engine(db_url_of(home))) as session:
                committed = len(session.exec(select(Payment)).all())
            landed.append(f"{committed} lines committed, {len(payment_file_lines(home))} written")
            continue
        assert run.returncode == 0 and "Traceback" not in errors, errors[-2000:]
        span = time.monotonic() - started
        assert_paid_once(home)
        checked += 1
        forget_payments(home)
    final = subprocess.run([sys.executable, "-m", "flows.cli", "nightly"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert final.returncode == 0 and "Traceback" not in final.stderr, final.stderr[-2000:]
    lines = assert_paid_once(home)
    report("nightly kills", kills=len(landed), runs_checked=checked + 1, claims_paid=lines, duplicates=0,
           landed=landed)


# --- the database away for a while ------------------------------------------------------------

# How long the database stays away: SQLite waits 30 s for a lock before it gives up, so its outage must
# be longer for the watcher to see one; a PostgreSQL that refuses connections is seen at once.
OUTAGE_SECONDS = {"postgresql": 5, "sqlite": 35}


@contextmanager
def database_away(home: Path):
    """PostgreSQL refuses every connection (and drops the open ones); SQLite is locked by another program
    writing (a backup, a bulk load)."""
    url = db_url_of(home)
    if url.startswith("postgresql"):
        name = make_url(url).database
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                               {"name": name})
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
            admin.dispose()
    else:
        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def test_the_watcher_waits_out_a_database_outage_and_then_decides(tmp_path, database, prefect_api):
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    get_engine(db_url_of(home))  # the schema exists before the outage, as in a running installation
    watcher = start_watcher(inbox, home, prefect_api)
    try:
        with database_away(home):
            drop(inbox, "03_missing_detail_list")
            taken = inbox / ".claims" / "processing" / "03_missing_detail_list"
            wait_until(taken.exists, 120, "the packet to be taken")
            time.sleep(OUTAGE_SECONDS[database])  # the watcher tries, fails, waits, tries again
            assert taken.exists() and watcher.poll() is None  # not lost, not quarantined, still running
        wait_until(lambda: inbox_is_empty(inbox), 300, "the packet to be decided after the outage")
    finally:
        _, errors = stop_watcher(watcher)
    assert "waits where it is: OperationalError" in errors and "Traceback" not in errors, errors[-3000:]
    decisions = assert_decided_exactly_once(home, {"03_missing_detail_list": scans_of("03_missing_detail_list")})
    assert (decisions["03_missing_detail_list"].status, decisions["03_missing_detail_list"].payable) == expected(
        "03_missing_detail_list")
    assert not (home / "quarantine" / "packets").exists()
    report("database outage", database=database, failed_attempts=errors.count("waits where it is"),
           decisions=len(decisions), duplicates=0)


# --- the disk full while archiving ------------------------------------------------------------

@contextmanager
def small_disk(folder: Path, size: str):
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"a small file system to fill needs mount (root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_while_archiving_keeps_the_packet_until_there_is_room(tmp_path, prefect_api):
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", "sqlite")
    inbox.mkdir()
    with small_disk(home / "archive", "2m") as archive:
        filler = archive / "someone_elses_file"
        filler.write_bytes(bytes(1_200_000))  # leaves room for two of the packet's four scans
        watcher = start_watcher(inbox, home, prefect_api)
        try:
            drop(inbox, "03_missing_detail_list")
            taken = inbox / ".claims" / "processing" / "03_missing_detail_list"
            wait_until(taken.exists, 120, "the packet to be taken")
            time.sleep(4)  # archiving fails on the full disk, the watcher waits and tries again
            assert {p.name for p in taken.iterdir()} == {p.name for p in scans_of("03_missing_detail_list")} | {
                ".ready"}  # all there, untouched
            assert packets_in_db(home) == [] and not list(archive.rglob("*.partial"))  # nothing half-done
            for kept in archive.rglob("*.jpg"):  # what did fit is whole, under its hash
                assert sha256_of(kept) == kept.stem
            filler.unlink()  # space is freed
            wait_until(lambda: inbox_is_empty(inbox), 300, "the packet to be decided once there is room")
        finally:
            _, errors = stop_watcher(watcher)
        decisions = assert_decided_exactly_once(home, {"03_missing_detail_list": scans_of("03_missing_detail_list")})
    assert "waits where it is: OSError: [Errno 28] No space left on device" in errors, errors[-3000:]
    assert "Traceback" not in errors
    report("disk full", failed_attempts=errors.count("waits where it is"), decisions=len(decisions), duplicates=0)


# --- two watchers on one inbox -------------------------------------------------------------------

def test_two_watchers_on_one_inbox_decide_each_packet_once(tmp_path, database, prefect_api):
    """Two watchers take from one inbox and one database; one is killed mid-way and restarted, racing
    the other for what it left. Among the packets: a rescan (same files, another folder name) and the
    same receipt in two packets of one member, decided at the same time."""
    rng = random.Random(20260303)
    inbox, home = tmp_path / "inbox", new_home(tmp_path / "home", database)
    inbox.mkdir()
    get_engine(db_url_of(home))  # the schema, before two processes start at once
    first, second = start_watcher(inbox, home, prefect_api), start_watcher(inbox, home, prefect_api)
    outputs = []
    try:
        for packet in ("01_outpatient_pays", "03_missing_detail_list"):
            drop(inbox, packet)
        drop(inbox, "01_outpatient_pays", "01_again_with_a_cover_page")
        write_packet_with_files(tmp_path / "cover", 1)
        shutil.copy(tmp_path / "cover" / "page_0000.png", inbox / "01_again_with_a_cover_page" / "cover.png")
        drop(inbox, "03_missing_detail_list", "03_rescanned")
        time.sleep(rng.uniform(3.0, 15.0))
        outputs.append(kill_watcher(first))
        first = start_watcher(inbox, home, prefect_api)
        wait_until(lambda: inbox_is_empty(inbox), 600, "the inbox to empty")
    finally:
        for watcher in (first, second):
            outputs.append(stop_watcher(watcher))
    for _, errors in outputs:
        assert "Traceback" not in errors, errors[-3000:]
    # The rescan is the same packet: one of the two is registered (whichever came first), not both.
    twin = next(p.name for p in packets_in_db(home) if p.name in ("03_missing_detail_list", "03_rescanned"))
    dropped = {"01_outpatient_pays": scans_of("01_outpatient_pays"), twin: scans_of("03_missing_detail_list"),
               "01_again_with_a_cover_page": scans_of("01_outpatient_pays")}
    decisions = assert_decided_exactly_once(home, dropped, superseded=True)
    assert (decisions[twin].status, decisions[twin].payable) == expected("03_missing_detail_list")
    # One receipt in two packets of the member, decided by two watchers in either order: paid once.
    assert sorted(decisions[name].payable for name in ("01_outpatient_pays", "01_again_with_a_cover_page")) == [
        "0.00", expected("01_outpatient_pays")[1]]
    lines = [line for output, _ in outputs for line in output.splitlines()]
    fresh = Counter(line.split()[2] for line in lines if "already processed" not in line)  # after date and time
    assert set(fresh) <= set(dropped) and max(fresh.values()) == 1, lines  # none decided by two watchers
    with Session(get_engine(db_url_of(home))) as session:
        redecided = len(session.exec(select(Decision)).all()) - len(decisions)
    report("two watchers", database=database, packets_dropped=len(dropped) + 1, decided=len(decisions),
           later_claims_decided_again=redecided, lines_by_watcher=[len(o.splitlines()) for o, _ in outputs],
           duplicates=0)
