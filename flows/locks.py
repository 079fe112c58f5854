"""Exclusive locks between processes, held by a live process only: the kernel releases an
flock when its holder dies, even by SIGKILL, so a crash never leaves a packet locked.

A lock is a file that exists only while someone holds or waits for it. Whoever gets the
lock checks that the file it locked is still the one at the path (its holder may have
removed it on the way out) and otherwise tries again with the new one.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def exclusive(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold the lock at `path` for the block; yields False at once when `wait` is off and someone holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            yield False
            return
        if _is_current(handle, path):
            break
        os.close(handle)
    try:
        yield True
    finally:
        path.unlink(missing_ok=True)  # while still held: a waiter then sees it is stale
        os.close(handle)


def _is_current(handle: int, path: Path) -> bool:
    try:
        return os.fstat(handle).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
