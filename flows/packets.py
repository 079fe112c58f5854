"""Which folders and files of an inbox are claim packets, and what each holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.pages import PAGE_SUFFIXES

# Labels kept beside scans for evaluation (`NAME.truth.json`) and expected
# outcomes (`PACKET.expected.json`) are not part of what a station scanned.
SIDECAR_SUFFIXES = (".truth.json", ".expected.json")
MULTI_PAGE_SUFFIXES = {".pdf", ".tif", ".tiff"}


@dataclass(frozen=True)
class PacketFiles:
    name: str
    path: Path
    files: tuple[Path, ...]  # everything the station dropped, sorted by name

    def content_hash(self, file_hashes: dict[Path, str]) -> str:
        """Identity of the packet: its files' names and contents."""
        digest = hashlib.sha256()
        for file in self.files:
            digest.update(f"{file.name}\0{file_hashes[file]}\n".encode())
        return digest.hexdigest()

    @property
    def ref(self) -> str:
        """The packet as logs and Prefect's run names show it: a hash of its name, which can be a member's."""
        return hashlib.sha256(self.name.encode("utf-8", "surrogateescape")).hexdigest()[:10]


def _is_sidecar(path: Path) -> bool:
    return path.name.startswith(".") or any(path.name.endswith(s) for s in SIDECAR_SUFFIXES)


def packet_of(entry: Path, name: str | None = None) -> PacketFiles:
    """A folder, or a single file, as the packet it is."""
    if entry.is_dir():
        files = tuple(sorted(p for p in entry.rglob("*") if p.is_file() and not _is_sidecar(p)))
        return PacketFiles(name or entry.name, entry, files)
    return PacketFiles(name or entry.stem, entry, (entry,))


def discover(inbox: Path) -> list[PacketFiles]:
    """Folder packets and single multi-page files directly under `inbox`, by name."""
    return [packet_of(entry) for entry in sorted(inbox.iterdir())
            if not _is_sidecar(entry) and (entry.is_dir() or entry.suffix.lower() in MULTI_PAGE_SUFFIXES)]


def is_scan(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES
