"""Originals kept untouched under their content hash, written atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_original(path: Path, archive_dir: Path, sha256: str) -> Path:
    """Copy `path` into the archive as <sha[:2]>/<sha><suffix>; a file already there is kept."""
    target = archive_dir / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{os.getpid()}.partial")
    shutil.copyfile(path, partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return target
