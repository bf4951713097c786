"""Publish atomically: the whole site is written beside site/, then swapped in. A build that
fails at any point leaves the previous site/ as it was."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from broadsheet.errors import BuildError
from broadsheet.fsutil import fresh_dir_beside, swap_in


def publish(files: Iterable[tuple[str, bytes]], static_dir: Path, site_dir: Path) -> int:
    """Write (path, bytes) pairs and static/ (as site/static/) into a new tree, then swap it
    in place of site_dir. Returns the number of files written."""
    new = fresh_dir_beside(site_dir)
    root = new.resolve()
    count = 0
    try:
        if static_dir.is_dir():
            shutil.copytree(static_dir, new / "static", symlinks=False)
            count += sum(1 for p in (new / "static").rglob("*") if p.is_file())
        for rel, data in files:
            target = (new / rel).resolve()
            if not target.is_relative_to(root):  # slugs are validated; this is the last guard
                raise BuildError("page path escapes the site folder", rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
        swap_in(new, site_dir)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return count
