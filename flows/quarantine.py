"""What cannot be read is set aside with the reason beside it, never dropped."""

from __future__ import annotations

import shutil
from pathlib import Path


def set_aside(path: Path, folder: Path, reason: str, keep_original: bool = False) -> Path:
    """Move `path` (or copy it, when the packet still needs it) into `folder` with a `.reason.txt`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    suffix = 1
    while target.exists():
        target = folder / f"{path.name}~{suffix}"
        suffix += 1
    if keep_original:
        shutil.copy2(path, target) if path.is_file() else shutil.copytree(path, target)
    else:
        shutil.move(str(path), target)
    target.with_name(target.name + ".reason.txt").write_text(" ".join(reason.split()) + "\n", encoding="utf-8")
    return target
