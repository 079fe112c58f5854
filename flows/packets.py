"""Which folders and files of an inbox are claim packets, and what each holds."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_serializer

from flows.quarantine import is_folder
from pipeline.pages import LIMITS

# Labels kept beside scans for evaluation (`NAME.truth.json`) and expected
# outcomes (`PACKET.expected.json`) are not part of what a station scanned,
# nor is the marker a station leaves when a folder packet is complete.
SIDECAR_SUFFIXES = (".truth.json", ".expected.json")
READY_MARKER = ".ready"
MULTI_PAGE_SUFFIXES = {".pdf", ".tif", ".tiff"}


class PacketFiles(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    path: Path
    files: tuple[Path, ...]  # every regular file the station dropped, sorted by name
    labels: tuple[str, ...]  # each file's name inside the packet, as text to store and show
    strays: tuple[str, ...] = ()  # links and special files: never followed, never read

    @model_serializer
    def _as_shown(self) -> dict:
        """The packet as recorded outside this process (Prefect's record of a flow's parameters): names as
        text, no paths, since a path may hold bytes that are not text (a GBK name) and JSON cannot."""
        return {"name": self.name, "files": list(self.labels), "strays": list(self.strays)}

    def label(self, file: Path) -> str:
        return self.labels[self.files.index(file)]

    def content_hash(self, archived: dict[Path, tuple[str, Path]]) -> str:
        """Identity of the packet: its files' names and contents (each file's hash, where it is archived)."""
        digest = hashlib.sha256()
        for file, label in zip(self.files, self.labels):
            digest.update(f"{label}\0{archived[file][0]}\n".encode())
        return digest.hexdigest()

    @property
    def ref(self) -> str:
        return name_ref(self.name)


def name_ref(name: str) -> str:
    """A packet as logs and Prefect's run names show it: a hash of its name, which can be a member's."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:10]


def readable(name: str) -> str:
    """A file name as text to store and show on one line: names a Linux file system holds may be any
    bytes, and Chinese stations on Windows write them in GBK; what is neither shows its undecodable
    bytes as �, and control and direction characters (a line break, a right-to-left override that
    makes "gpj.exe" look like "exe.jpg") show as escapes."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _is_sidecar(path: Path) -> bool:
    return path.name == READY_MARKER or any(path.name.endswith(s) for s in SIDECAR_SUFFIXES)


def is_hidden(entry: Path) -> bool:
    """An inbox entry still being written (stations write under a hidden name, then rename) or ours."""
    return entry.name.startswith(".")


def packet_of(entry: Path, dropped_as: str | None = None) -> PacketFiles:
    """A folder, or a single file, as the packet it is; `dropped_as` is its name in the inbox when it
    was since moved under another one."""
    dropped_as = dropped_as or entry.name
    if not is_folder(entry):
        name, label = packet_name(entry, dropped_as), readable(dropped_as)
        if _is_regular(entry):
            return PacketFiles(name=name, path=entry, files=(entry,), labels=(label,))
        return PacketFiles(name=name, path=entry, files=(), labels=(), strays=(label,))
    files, strays = [], []  # hidden files too: whatever the station put in the folder is kept
    for folder, subfolders, names in os.walk(entry):  # links to folders are listed, never entered
        for name in names + [s for s in subfolders if Path(folder, s).is_symlink()]:
            path = Path(folder, name)
            if _is_sidecar(path):
                continue
            (files if _is_regular(path) else strays).append(path)
    files.sort()
    labels = tuple("/".join(readable(part) for part in f.relative_to(entry).parts) for f in files)
    return PacketFiles(name=packet_name(entry, dropped_as), path=entry, files=tuple(files), labels=labels,
                       strays=tuple(sorted(readable(str(s.relative_to(entry))) for s in strays)))


def packet_name(entry: Path, dropped_as: str) -> str:
    """A folder packet is named as the folder, a one-file packet as its file without the suffix."""
    return readable(dropped_as if is_folder(entry) else Path(dropped_as).stem)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def refusal(packet: PacketFiles) -> str | None:
    """Why the packet as a whole is not taken in (it goes to quarantine untouched), or None."""
    if packet.strays:
        return (f"holds {len(packet.strays)} link(s) or special file(s), which are never followed: "
                f"{', '.join(packet.strays[:3])}")
    if not packet.files:
        return "holds no file"
    if len(packet.files) > LIMITS.max_files_per_packet:
        return (f"{len(packet.files)} files, more than {LIMITS.max_files_per_packet} in one packet "
                f"(a day's scans dropped as one claim? split it)")
    return None


def discover(inbox: Path) -> list[PacketFiles]:
    """Folder packets and single multi-page files directly under `inbox`, by name."""
    return [packet_of(entry) for entry in sorted(inbox.iterdir()) if not is_hidden(entry) and not _is_sidecar(entry)
            and (entry.is_dir() or entry.suffix.lower() in MULTI_PAGE_SUFFIXES)]

