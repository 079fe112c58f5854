"""The watch folder: scanning stations drop packets into an inbox; each complete packet
is taken once, run through the intake flow, and removed from the inbox only after its
decision is stored. Polling, not file events: network shares do not deliver events.

    INBOX/<packet>/            a folder packet, complete with a `.ready` marker or when
                               nothing in it changed for `settle_seconds`
    INBOX/<file>.pdf|.tif|...  a single file dropped in INBOX is a packet by itself
    INBOX/.claims/processing/  packets taken by the watcher; what is left here when the
                               process died is finished first on the next start
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flows.packets import packet_of
from flows.quarantine import set_aside
from flows.settings import Settings

log = logging.getLogger("claims.watch")

WORK_DIR = ".claims"
READY_MARKER = ".ready"


@dataclass
class _Seen:
    signature: tuple
    since: float  # when the packet last changed


class Inbox:
    """Which packets of an inbox are complete, judged over successive polls."""

    def __init__(self, path: Path, settle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._seen: dict[str, _Seen] = {}
        self.processing = path / WORK_DIR / "processing"
        self.processing.mkdir(parents=True, exist_ok=True)

    def complete(self) -> list[Path]:
        now = self.clock()
        ready, present = [], set()
        for entry in sorted(self.path.iterdir()):
            if entry.name.startswith("."):
                continue
            present.add(entry.name)
            signature = _signature(entry)
            seen = self._seen.get(entry.name)
            if seen is None or seen.signature != signature:
                self._seen[entry.name] = seen = _Seen(signature, now)
            marked = entry.is_dir() and (entry / READY_MARKER).exists()
            if marked or now - seen.since >= self.settle_seconds:
                ready.append(entry)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready

    def settled(self) -> list[Path]:
        """Complete packets judged in one look, by the files' own times (for scheduled, stateless runs)."""
        now = time.time()
        ready = []
        for entry in sorted(self.path.iterdir()):
            if entry.name.startswith("."):
                continue
            newest = max((mtime_ns for _, _, mtime_ns in _signature(entry)), default=0) / 1e9
            if (entry.is_dir() and (entry / READY_MARKER).exists()) or now - newest >= self.settle_seconds:
                ready.append(entry)
        return ready

    def take(self, entry: Path) -> Path | None:
        """Move a complete packet out of the stations' reach; None if someone else took it first."""
        target = self.processing / entry.name
        suffix = 1
        while target.exists():
            target = self.processing / f"{entry.name}~{suffix}"
            suffix += 1
        try:
            os.rename(entry, target)  # atomic on one file system: one taker wins
        except FileNotFoundError:
            return None
        self._seen.pop(entry.name, None)
        return target

    def left_over(self) -> list[Path]:
        """Packets taken by a process that died before it finished them."""
        return sorted(self.processing.iterdir())


def _signature(entry: Path) -> tuple:
    """Names, sizes and modification times: any write by a station changes it."""
    files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*"))
    return tuple((str(p.relative_to(entry.parent)), p.stat().st_size if p.is_file() else -1, p.stat().st_mtime_ns)
                 for p in files if p.exists())


def watch(inbox_path: Path, settings: Settings, settle_seconds: float = 30.0, poll_seconds: float = 2.0,
          stop: Callable[[], bool] = lambda: False, report: Callable[[object], None] = lambda result: None) -> None:
    """Process complete packets as they arrive until `stop()` says so."""
    from flows.intake import process_packet

    inbox = Inbox(inbox_path, settle_seconds)
    for taken in inbox.left_over():
        _process(taken, settings, process_packet, report)
    while not stop():
        for entry in inbox.complete():
            taken = inbox.take(entry)
            if taken is not None:
                _process(taken, settings, process_packet, report)
            if stop():
                return
        time.sleep(poll_seconds)


def watch_once(inbox_path: Path, settings: Settings, settle_seconds: float = 30.0,
               report: Callable[[object], None] = lambda result: None) -> int:
    """One look at the inbox: finish left-overs, process every settled packet; how many were taken."""
    from flows.intake import process_packet

    inbox = Inbox(inbox_path, settle_seconds)
    taken = list(inbox.left_over()) + [t for t in map(inbox.take, inbox.settled()) if t is not None]
    for packet in taken:
        _process(packet, settings, process_packet, report)
    return len(taken)


def _process(taken: Path, settings: Settings, process_packet, report) -> None:
    name = taken.name.split("~")[0]
    packet = packet_of(taken, name)
    try:
        result = process_packet(packet, settings)
    except Exception as error:  # noqa: BLE001 - one bad packet never stops the watcher
        reason = f"{type(error).__name__}: {error}"
        log.error("packet %s could not be processed: %s", name, reason)
        set_aside(taken, settings.quarantine_dir / "packets", reason)
        return
    report(result)
    shutil.rmtree(taken) if taken.is_dir() else taken.unlink()  # its originals are in the archive

