"""Originals kept untouched under their content hash, written atomically."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_PLAIN_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")  # what a station's name ends with is kept only when plain


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_original(path: Path, archive_dir: Path, sha256: str) -> Path:
    """Copy `path` into the archive as <sha[:2]>/<sha><suffix>; a file already there is kept.

    The copy is written beside its place and renamed into it (written_in_place_of)."""
    suffix = path.suffix.lower()
    target = archive_dir / sha256[:2] / f"{sha256}{suffix if _PLAIN_SUFFIX.fullmatch(suffix) else ''}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with written_in_place_of(target) as partial:
        shutil.copyfile(path, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
    return target


@contextmanager
def written_in_place_of(target: Path) -> Iterator[Path]:
    """A file to write the target's content into, renamed into its place when the block ends and removed
    if the block fails: a crash or a full disk never leaves half a file under the target's name."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
