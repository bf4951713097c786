"""File-system edges shared by both halves: atomic writes and folder swaps."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write beside, then rename: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fresh_dir_beside(target: Path) -> Path:
    """An empty folder next to target (same file system, so the final rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))


def swap_in(new: Path, target: Path, *, keep_old: bool = False) -> Path | None:
    """Replace target with new: the old tree is moved aside, the new one renamed into place,
    then the old one deleted (or, with keep_old, returned for the caller to delete). A crash
    in between leaves one complete tree at target or aside."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "tree")
    os.rename(new, target)
    if old is not None and not keep_old:
        shutil.rmtree(old, ignore_errors=True)
        return None
    return old


def working_copy(src: Path, immutable: tuple[str, ...] = ()) -> Path:
    """A copy of src beside it, to change and then swap_in (or delete): files whose names end
    with one of `immutable` (never rewritten in place) are hard-linked, the rest copied."""
    new = fresh_dir_beside(src)
    if src.is_dir():
        def copy(a: str, b: str) -> None:
            if a.endswith(immutable):
                os.link(a, b)
            else:
                shutil.copy2(a, b)
        shutil.copytree(src, new, copy_function=copy, dirs_exist_ok=True)
    return new
