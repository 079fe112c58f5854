"""What cannot be read is set aside with the reason beside it, never dropped.

Setting aside is copy, then rename into place: a process killed half-way leaves a hidden
`.partial` copy (replaced by the next attempt), never a half-copied file under its real name,
and the same thing set aside again after a crash is not kept twice.
"""

from __future__ import annotations

import filecmp
import hashlib
import logging
import os
import re
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import BadInputError, ClaimsError

log = logging.getLogger("claims.quarantine")  # entries by key: file names may be members' names


def set_aside(path: Path, folder: Path, reason: str, name: str | None = None) -> Path:
    """Copy the file or folder `path` into `folder` as `name` (default: its own) with a `.reason.txt`
    beside it. The caller removes `path` once it no longer needs it."""
    folder.mkdir(parents=True, exist_ok=True)
    name = _safe_name(name or path.name)
    target, suffix = folder / name, 1
    while target.exists() and not _same(path, target):
        target = folder / f"{name}~{suffix}"
        suffix += 1
    if not target.exists():
        partial = folder / f".{target.name}.partial"
        remove_entry(partial)
        if is_folder(path):  # links are kept as links, never followed
            shutil.copytree(path, partial, symlinks=True, ignore=_special_files)
        elif _is_special(path):
            partial.touch()  # a pipe or a device has no content to keep: the name and the reason say what it was
        else:
            shutil.copy2(path, partial, follow_symlinks=False)
        partial.rename(target)
    target.with_name(target.name + ".reason.txt").write_text(" ".join(reason.split()) + "\n", encoding="utf-8")
    return target


def is_folder(path: Path) -> bool:
    """A folder itself, not a link to one: links are never followed."""
    return path.is_dir() and not path.is_symlink()


def _safe_name(name: str) -> str:
    """One path component inside `folder`, whatever the station called it."""
    name = name.replace("/", "_").replace("\0", "_")
    return name if name not in ("", ".", "..") else "_"


def _same(path: Path, target: Path) -> bool:
    if path.is_symlink() or target.is_symlink():
        return False
    if path.is_file() and target.is_file():
        return filecmp.cmp(path, target, shallow=False)
    if path.is_dir() and target.is_dir():
        mine = sorted(p.relative_to(path) for p in path.rglob("*"))
        return mine == sorted(p.relative_to(target) for p in target.rglob("*")) and all(
            _same(path / relative, target / relative) for relative in mine if not (path / relative).is_dir())
    return False


def _is_special(path: Path) -> bool:
    mode = path.lstat().st_mode
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def _special_files(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if _is_special(Path(folder, name))]


def remove_entry(path: Path) -> None:
    """A file, link or folder, gone; someone removing it at the same time is no error."""
    if is_folder(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --- what a supervisor sees and does with it (review/admin.py) ---------------------------------

PACKETS = "packets"  # quarantine/packets/<name>: whole packets the watcher set aside
DISCARDED = ".discarded"  # quarantine/.discarded/<when>-<key>/: what a supervisor discarded, kept
REASON_SUFFIX = ".reason.txt"


class QuarantineError(BadInputError):
    """A release or discard that cannot be done as asked (the message is for the supervisor)."""


class EntryNotFoundError(ClaimsError):
    """No quarantined file or packet has this key (released or discarded meanwhile, or never was)."""

    code = "NOT_FOUND"


@dataclass(frozen=True)
class QuarantineEntry:
    key: str  # stable for the entry's place: what the app's URLs name it by
    kind: str  # packet (set aside whole by the watcher) | file (one file of a packet the intake could not read)
    path: Path
    name: str  # as text to show
    packet: str  # the packet it came from, as text (for a whole packet, its own name)
    reason: str  # as the reason file says it (English: the system's own words)
    at: datetime  # when it was set aside
    size: int  # bytes, all files of a folder together

    @property
    def relative(self) -> str:
        return f"{PACKETS}/{self.name}" if self.kind == "packet" else f"{self.packet}/{self.name}"


def quarantined(quarantine_dir: Path) -> list[QuarantineEntry]:
    """Everything set aside and not yet released or discarded, newest first."""
    entries = []
    if not quarantine_dir.is_dir():
        return entries
    for folder in sorted(quarantine_dir.iterdir()):
        if folder.name.startswith(".") or not is_folder(folder):  # .discarded; packets are never named so
            continue
        kind = "packet" if folder.name == PACKETS else "file"
        for entry in sorted(folder.iterdir()):
            if _is_partial(entry) or entry.name.endswith(REASON_SUFFIX):
                continue
            entries.append(_entry(quarantine_dir, entry, kind))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def quarantined_entry(quarantine_dir: Path, key: str) -> QuarantineEntry:
    for entry in quarantined(quarantine_dir):
        if entry.key == key:
            return entry
    raise EntryNotFoundError(f"no quarantined entry {key}")


def _entry(quarantine_dir: Path, path: Path, kind: str) -> QuarantineEntry:
    from flows.packets import readable

    reason_file = _reason_file(path)
    reason = reason_file.read_text(encoding="utf-8", errors="replace").strip() if reason_file.exists() else ""
    moment = (reason_file if reason_file.exists() else path).lstat().st_mtime
    packet = readable(path.name) if kind == "packet" else readable(path.parent.name)
    return QuarantineEntry(entry_key(quarantine_dir, path), kind, path, readable(path.name), packet, reason,
                           datetime.fromtimestamp(moment, timezone.utc), _size(path))


def entry_key(quarantine_dir: Path, path: Path) -> str:
    return hashlib.sha256(os.fsencode(path.relative_to(quarantine_dir))).hexdigest()[:20]


def _is_partial(entry: Path) -> bool:
    """A copy `set_aside` had not finished (a hidden file of a packet is set aside under its own name)."""
    return entry.name.startswith(".") and entry.name.endswith(".partial")


def _reason_file(path: Path) -> Path:
    return path.with_name(path.name + REASON_SUFFIX)


def _size(path: Path) -> int:
    if is_folder(path):
        return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir() or p.is_symlink())
    return path.lstat().st_size


def release(entry: QuarantineEntry, inbox: Path) -> str:
    """Put a packet the watcher set aside back into the inbox, as a station drops one: copied under a
    hidden name, then renamed into place (a folder with its `.ready` marker), so the watcher takes it
    whole and runs it through the intake again. The intake's own rules keep it exactly-once: its
    content hash finds a packet decided before, which is then reported as done, never decided twice.
    The quarantined copy is removed only once the inbox holds the packet. Gives the name it has there.

    A single file of a packet cannot be released: the rest of its packet went on without it, and
    alone it is no claim packet (dropped alone, it would be one)."""
    from flows.packets import READY_MARKER

    if entry.kind != "packet":
        raise QuarantineError("单个文件不能放行：其所属案件已在没有它的情况下处理；请让寄件方重新投递完整案件")
    if not inbox.is_dir():
        raise QuarantineError("收件箱不存在或无法访问，未放行")
    name = re.sub(r"~\d+$", "", entry.path.name)  # as dropped: `set_aside` tells namesakes apart by ~1, ~2…
    target = inbox / name
    if target.exists() or target.is_symlink():
        raise QuarantineError("收件箱中已有同名的案件，未放行：请待其处理完后再试")
    partial = inbox / f".{name}.released-{uuid.uuid4().hex[:8]}"
    try:
        if is_folder(entry.path):
            shutil.copytree(entry.path, partial, symlinks=True, ignore=_special_files)
            (partial / READY_MARKER).touch()
        else:
            shutil.copy2(entry.path, partial, follow_symlinks=False)
        partial.rename(target)
    finally:
        remove_entry(partial)  # only there if the copy failed half-way
    remove_entry(entry.path)
    _reason_file(entry.path).unlink(missing_ok=True)
    return name


def discarded_folder(entry: QuarantineEntry, quarantine_dir: Path) -> Path:
    """Where `discard` keeps an entry: quarantine/.discarded/<when>-<key>/."""
    return quarantine_dir / DISCARDED / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{entry.key}"


def discard(entry: QuarantineEntry, folder: Path) -> None:
    """Take an entry out of the quarantine list without deleting it: moved whole, with its reason file,
    into `folder` (see discarded_folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.rename(entry.path, folder / entry.path.name)  # one file system: the entry is never half moved
    reason_file = _reason_file(entry.path)
    if reason_file.exists():
        os.rename(reason_file, folder / reason_file.name)


def release_audited(db_url: str, quarantine_dir: Path, key: str, inbox: Path, actor: str) -> str:
    """`release`, in the administration trail. The trail's row is written in the transaction the move
    happens in: a move that fails leaves no row, a row is never missing for a move."""
    from store import admin
    from store.db import session_scope

    entry = quarantined_entry(quarantine_dir, key)
    with session_scope(db_url) as session:
        action = admin.add_admin_action(session, "quarantine_released", actor, f"quarantine:{entry.relative}", None,
                                        {"kind": entry.kind, "reason": entry.reason, "size": entry.size})
        name = release(entry, inbox)
        log.info("quarantine entry %s released into the inbox (action %s)", key, action.id)
    return name


def discard_audited(db_url: str, quarantine_dir: Path, key: str, reason: str, actor: str) -> Path:
    """`discard`, with the supervisor's reason (required), in the administration trail."""
    from store import admin
    from store.db import session_scope

    reason = " ".join(reason.split())
    if not reason:
        raise QuarantineError("丢弃必须填写理由")
    entry = quarantined_entry(quarantine_dir, key)
    folder = discarded_folder(entry, quarantine_dir)
    with session_scope(db_url) as session:
        action = admin.add_admin_action(session, "quarantine_discarded", actor, f"quarantine:{entry.relative}",
                                        reason, {"kind": entry.kind, "reason": entry.reason, "size": entry.size,
                                                 "kept_in": str(folder.relative_to(quarantine_dir))})
        discard(entry, folder)
        log.info("quarantine entry %s discarded (action %s)", key, action.id)
    return folder
