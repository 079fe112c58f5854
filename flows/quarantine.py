"""What cannot be read is set aside with the reason beside it, never dropped.

Setting aside is copy, then rename into place: a process killed half-way leaves a hidden
`.partial` copy (replaced by the next attempt), never a half-copied file under its real name,
and the same thing set aside again after a crash is not kept twice.
"""

from __future__ import annotations

import filecmp
import shutil
import stat
from pathlib import Path


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
