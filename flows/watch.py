"""The watch folder: scanning stations drop packets into an inbox; each complete packet
is taken once, run through the intake flow, and removed from the inbox only after its
decision is stored. Polling, not file events: network shares do not deliver events.

    INBOX/<packet>/            a folder packet, complete with a `.ready` marker or when
                               nothing in it changed for `settle_seconds`
    INBOX/<file>.pdf|.tif|...  a single file dropped in INBOX is a packet by itself
    INBOX/.claims/processing/  packets taken by a watcher; one that no live watcher holds
                               (its watcher died, or the database was away) is taken up again
    INBOX/.claims/locks/       which watcher holds which taken packet (a lock dies with its process)
    INBOX/.claims/splitting/   a stack of several packets with cover sheets, being split (flows/stacks.py)
    INBOX/.claims/finished/    packets done with, renamed here whole and then deleted: a crash
                               never leaves half a packet behind to be taken for a new one

Several watchers may share an inbox: taking is an atomic rename, a taken packet is worked on
by whoever holds its lock, and the same content dropped twice is decided once (the intake's
own lock and the packet's content hash). When the database or the disk is away, packets
stay where they are and the watcher tries again later, waiting longer each time.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable, Iterator

from flows.decisions import PacketResult, as_dropped
from flows.locks import exclusive
from flows.packets import READY_MARKER, is_hidden, packet_of, readable, refusal
from flows.quarantine import is_folder, remove_entry, set_aside
from flows.settings import Settings
from flows.stacks import split_stack

log = logging.getLogger("claims.watch")  # packets are named by a hash of their name (PacketFiles.ref)

WORK_DIR = ".claims"
RETRY_FIRST_SECONDS = 2.0
RETRY_MAX_SECONDS = 60.0
# A full disk, a stale network share: the packet is not at fault and waits. (Database errors of
# the kind "cannot connect, locked, connection lost" are recognised by their type.)
_TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.ESTALE, errno.ETIMEDOUT, errno.EROFS}
_COUNTER = "~~"  # taken/<name>~~2: a second packet of a name that is still being worked on


@dataclass
class _Seen:
    signature: tuple
    since: float  # when the packet last changed


class Inbox:
    """Which packets of an inbox are complete, judged over successive polls, and the packets taken from it."""

    def __init__(self, path: Path, settle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._seen: dict[str, _Seen] = {}
        self.processing = path / WORK_DIR / "processing"
        self.finished = path / WORK_DIR / "finished"
        self.locks = path / WORK_DIR / "locks"
        for folder in (self.processing, self.finished, self.locks):
            folder.mkdir(parents=True, exist_ok=True)

    def complete(self) -> list[Path]:
        now = self.clock()
        ready, present = [], set()
        for entry in self._entries():
            signature = _signature(entry)
            if signature is None:
                continue  # gone or changing under our eyes: look again next time
            present.add(entry.name)
            seen = self._seen.get(entry.name)
            if seen is None or seen.signature != signature:
                self._seen[entry.name] = seen = _Seen(signature, now)
            if _marked_ready(entry) or now - seen.since >= self.settle_seconds:
                ready.append(entry)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready

    def settled(self) -> list[Path]:
        """Complete packets judged in one look, by the files' own times (for scheduled, stateless runs)."""
        now = time.time()
        ready = []
        for entry in self._entries():
            signature = _signature(entry)
            if signature is None:
                continue
            newest = max((mtime_ns for _, _, mtime_ns in signature), default=0) / 1e9
            if _marked_ready(entry) or now - newest >= self.settle_seconds:
                ready.append(entry)
        return ready

    def _entries(self) -> list[Path]:
        return sorted(entry for entry in self.path.iterdir() if not is_hidden(entry))

    def take(self, entry: Path) -> Path | None:
        """Move a complete packet out of the stations' reach; None if someone else took it first."""
        try:
            target = self.adopt(entry)
        except FileNotFoundError:
            return None
        self._seen.pop(entry.name, None)
        return target

    def adopt(self, entry: Path) -> Path:
        """Move a packet among the taken ones under its name, or with a counter when a namesake is there."""
        is_file = not is_folder(entry)
        target, suffix = self.processing / entry.name, 1
        while target.exists() or target.is_symlink():
            stem, extension = (entry.stem, entry.suffix) if is_file else (entry.name, "")
            target = self.processing / f"{stem}{_COUNTER}{suffix}{extension}"
            suffix += 1
        os.rename(entry, target)  # atomic on one file system: one taker wins
        return target

    def left_over(self) -> list[Path]:
        """Taken packets not yet done: being worked on, or waiting for a watcher."""
        return sorted(self.processing.iterdir())

    @contextmanager
    def hold(self, taken: Path) -> Iterator[bool]:
        """Whether this process may work on the taken packet: nobody else holds it, and it is still there."""
        lock = self.locks / f"{hashlib.sha256(os.fsencode(taken.name)).hexdigest()[:32]}.lock"
        with exclusive(lock, wait=False) as held:
            yield held and (taken.exists() or taken.is_symlink())

    def discard(self, taken: Path) -> None:
        """Remove a packet that is done with (its originals are archived, or it is in quarantine)."""
        gone = self.finished / uuid.uuid4().hex
        os.rename(taken, gone)
        remove_entry(gone)

    def purge_finished(self) -> None:
        """Packets a crashed watcher was deleting."""
        for gone in self.finished.iterdir():
            remove_entry(gone)  # another watcher may be removing it too


def dropped_as(taken: Path) -> str:
    """The name the station gave a taken packet (before a counter told it from a namesake)."""
    if is_folder(taken):
        return re.sub(rf"{_COUNTER}\d+$", "", taken.name)
    return re.sub(rf"{_COUNTER}\d+(?=\.[^.]*$|$)", "", taken.name)


def _marked_ready(entry: Path) -> bool:
    return is_folder(entry) and (entry / READY_MARKER).exists()


def _signature(entry: Path) -> tuple | None:
    """Names, sizes and modification times: any write by a station changes it. None if the entry
    went away while we looked (another watcher took it)."""
    try:
        files = sorted(entry.rglob("*")) if is_folder(entry) else [entry]
        return tuple((str(path.relative_to(entry.parent)), status.st_size, status.st_mtime_ns)
                     for path in files for status in [path.lstat()])
    except (FileNotFoundError, NotADirectoryError):
        return None


class Outcome(Enum):
    DONE = "done"  # decided, or set aside with its reason
    NOT_OURS = "not ours"  # another watcher holds it
    LATER = "later"  # the database or the disk is away: it waits where it is


def watch(inbox_path: Path, settings: Settings, settle_seconds: float = 30.0, poll_seconds: float = 2.0,
          stop: Callable[[], bool] = lambda: False,
          report: Callable[[PacketResult], None] = lambda result: None) -> None:
    """Process complete packets as they arrive until `stop()` says so; keep going whatever happens."""
    inbox = Inbox(inbox_path, settle_seconds)
    inbox.purge_finished()
    delay, resume_at = 0.0, 0.0
    while not stop():
        if time.monotonic() >= resume_at:
            try:
                take_all(inbox, inbox.complete())
                _, waiting = _work_through(inbox, settings, report, stop)
            except Exception as error:  # noqa: BLE001 - the inbox itself failed (a share away): look again later
                log.error("inbox %s: %s", inbox_path, _one_line(error))
                waiting = True
            if waiting:
                delay = min(max(2 * delay, RETRY_FIRST_SECONDS), RETRY_MAX_SECONDS)
                resume_at = time.monotonic() + delay
                log.warning("trying the waiting packets again in %.0fs", delay)
            else:
                delay = 0.0
        time.sleep(poll_seconds)


def watch_once(inbox_path: Path, settings: Settings, settle_seconds: float = 30.0,
               report: Callable[[PacketResult], None] = lambda result: None) -> int:
    """One look at the inbox: take every settled packet, work through what is taken; how many were done."""
    inbox = Inbox(inbox_path, settle_seconds)
    inbox.purge_finished()
    take_all(inbox, inbox.settled())
    done, _ = _work_through(inbox, settings, report, lambda: False)
    return done


def take_all(inbox: Inbox, entries: list[Path]) -> None:
    for entry in entries:
        try:
            inbox.take(entry)
        except OSError as error:  # this entry only (a name too long to count, no permission): the rest go on
            log.error("cannot take a packet from the inbox: %s", _one_line(error))


def set_aside_whole(taken: Path, reason: str, settings: Settings) -> None:
    """A taken packet into quarantine/packets as the station named it, with the reason beside it."""
    set_aside(taken, settings.quarantine_dir / "packets", reason, name=readable(dropped_as(taken)))


def _work_through(inbox: Inbox, settings: Settings, report, stop) -> tuple[int, bool]:
    """Every taken packet nobody else holds: how many were done, and whether one has to wait (then the
    rest wait too: what keeps one away keeps all away)."""
    done = 0
    for taken in inbox.left_over():
        if stop():
            break
        outcome = work_on(taken, inbox, settings, report)
        if outcome is Outcome.LATER:
            return done, True
        done += outcome is Outcome.DONE
    return done, False


def work_on(taken: Path, inbox: Inbox, settings: Settings,
            report: Callable[[PacketResult], None] = lambda result: None) -> Outcome:
    from flows.intake import process_packet

    with inbox.hold(taken) as ours:
        if not ours:
            return Outcome.NOT_OURS
        name = dropped_as(taken)
        packet = packet_of(taken, name)
        ref = packet.ref
        refused = refusal(packet)
        parts = None  # a mailroom's stack: the packets it was split into
        try:
            if refused:  # the reason names files: it goes beside the packet, not into the log
                log.warning("packet %s… set aside as a whole in quarantine/packets, with the reason", ref)
                set_aside_whole(taken, refused, settings)
                result = PacketResult(packet.name, "quarantined", reason=refused)
            elif not is_folder(taken) and (parts := split_stack(taken, name, inbox.path / WORK_DIR, settings,
                                                                 inbox.adopt, inbox.discard)) is not None:
                log.info("stack %s… split into %d packet(s)", ref, len(parts))  # and the stack discarded
            else:
                result = as_dropped(process_packet(packet, settings), packet.name)
        except Exception as error:  # noqa: BLE001 - one bad packet never stops the watcher
            reason = _one_line(error)
            if _is_transient(error):
                log.warning("packet %s… waits where it is: %s", ref, reason)
                return Outcome.LATER
            log.error("packet %s… could not be processed (%s), set aside as a whole in quarantine/packets",
                      ref, type(error).__name__)
            set_aside_whole(taken, reason, settings)
            result = PacketResult(packet.name, "error", reason=reason)
        if parts is None:
            report(result)
            inbox.discard(taken)
            return Outcome.DONE
    return _work_on_parts(parts, inbox, settings, report)


def _work_on_parts(parts: list[Path], inbox: Inbox, settings: Settings, report) -> Outcome:
    """The packets split from a stack, right away (each as any taken packet: another watcher may have one)."""
    for part in parts:
        if work_on(part, inbox, settings, report) is Outcome.LATER:
            return Outcome.LATER
    return Outcome.DONE


def _is_transient(error: BaseException) -> bool:
    """The database, the disk or the Prefect server is away, not the packet at fault."""
    from httpx import TransportError
    from prefect.exceptions import PrefectHTTPStatusError
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (OperationalError, InterfaceError, PoolTimeout, TransportError)):
            return True
        if isinstance(error, OSError) and error.errno in _TRANSIENT_ERRNOS:
            return True
        if isinstance(error, PrefectHTTPStatusError) and error.response.status_code >= 500:
            return True
        if isinstance(error, RuntimeError) and "Prefect API server" in str(error):
            return True  # Prefect's temporary server did not come up (its own words)
        error = error.__cause__ or error.__context__
    return False


def _one_line(error: BaseException) -> str:
    """What went wrong, for the log: never a path (its folders and files may be named after members)."""
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: [Errno {error.errno}] {error.strerror}"
    detail = getattr(error, "orig", None) or error  # a database error: the driver's own words
    return f"{type(detail).__name__}: {' '.join(str(detail).split())}"[:300]
