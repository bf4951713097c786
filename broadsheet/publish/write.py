"""Publish atomically: the next site is made beside site/, then swapped in. A build that fails
or is killed at any point leaves the previous site/ as it was.

An incremental build does not copy the site: the new tree starts as hard links to the old
site's files (no data copied), changed files are replaced by new files (never written through
a link, which would change the old site too) and files no longer produced are unlinked.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

from broadsheet.errors import BuildError
from broadsheet.fsutil import discard_tree, fresh_dir_beside, swap_in


def link_tree(src: Path, dst: Path) -> set[str]:
    """Hard-link every file of src into dst (an empty folder); returns their paths."""
    linked: set[str] = set()
    stack = [(src, dst, "")]
    while stack:
        s, d, prefix = stack.pop()
        with os.scandir(s) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    os.mkdir(d / e.name)
                    stack.append((Path(e.path), d / e.name, f"{prefix}{e.name}/"))
                elif e.is_file(follow_symlinks=False):
                    os.link(e.path, d / e.name)
                    linked.add(prefix + e.name)
    return linked


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_file(root: Path, rel: str, data: bytes, twin: Path | None = None) -> tuple[int, int]:
    """Write data at root/rel as a new file (hard-linked at twin/rel too); its (size, mtime)."""
    target = root / rel
    if ".." in rel.split("/") or rel.startswith("/") or "\\" in rel or "\0" in rel:
        raise BuildError("page path escapes the site folder", rel)  # slugs are validated too
    # the common case first (a cold build: a new file in a folder that exists), the others on
    # the way back: a build writes tens of thousands of files, and each extra call counts
    # (os.open: Python's open() asks whether each file is a terminal, and for its block size)
    try:
        fd = os.open(target, _NEW_FILE, 0o666)  # never through an existing file: it may be a
    except FileExistsError:                     # link to the published site's file
        os.unlink(target)
        fd = os.open(target, _NEW_FILE, 0o666)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        st = os.fstat(fd)  # closing changes neither size nor mtime
    finally:
        os.close(fd)
    if twin is not None:
        _link_into(target, twin / rel)
    return st.st_size, st.st_mtime_ns


def _link_into(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        os.unlink(target)
        os.link(source, target)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)


class Staging:
    """The next site/, beside the current one.

    Cold (keep=None): an empty folder, and every file written into it is hard-linked into a
    twin, kept aside as the next build's tree (the one that first build brings up to date).
    Incremental: the current files, as hard links. Two ways to get them: the previous site/
    (kept aside as `.site.prev-<token>` by the last build, which records its token and what
    it changed) brought up to date by re-linking the few files the last build changed; or,
    when there is no such tree, `cp -al` of site/ on another core while the build plans.
    Either way publishing swaps it in and keeps the replaced tree aside for the next build:
    no build copies a whole tree, and none waits for one to be deleted.
    """

    def __init__(self, site_dir: Path, keep: set[str] | None = None,
                 prev: tuple[str, list[str], list[str]] | None = None):
        """prev: (token, files the last build wrote, files it removed)."""
        self.site_dir = site_dir
        self.linked: set[str] = set(keep or ())
        self.index: Path | None = None  # an updated copy of the index, swapped in with the site
        self.index_dir: Path | None = None
        self.token = secrets.token_hex(8)  # names the tree this build keeps aside
        self._copy = None
        self.twin: Path | None = None  # cold: the copy of this tree kept aside when published
        old = self._prev_dir(prev[0]) if prev else None
        for stale in site_dir.parent.glob(f".{site_dir.name}.prev-*"):
            if stale != old:  # left by a build that failed or crashed, or by a cold one
                discard_tree(stale, site_dir)
        if keep and old is not None and old.is_dir() and site_dir.is_dir():
            if len(prev[1]) + len(prev[2]) <= max(2000, len(keep) // 20):
                # claimed under a working name first: if this build is killed while changing
                # it, what is left is a .new-* tree the next build deletes, never a tree it
                # would take for the one the state describes
                self.root = fresh_dir_beside(site_dir)
                try:
                    os.rename(old, self.root)
                    self._catch_up(prev[1], prev[2])
                    return
                except OSError:
                    shutil.rmtree(self.root, ignore_errors=True)
                    shutil.rmtree(old, ignore_errors=True)
            else:  # too far behind: cp -al on the other core beats re-linking one by one
                discard_tree(old, site_dir)
        self.root = fresh_dir_beside(site_dir)
        if keep and site_dir.is_dir():
            try:
                self._copy = subprocess.Popen(["cp", "-al", f"{site_dir}/.", str(self.root)],
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)
            except OSError:  # no GNU cp: link from here
                self._copy = None
                self.linked = self._link()
        else:
            self.linked = set()
            self.twin = self._prev_dir(self.token)
            shutil.rmtree(self.twin, ignore_errors=True)
            self.twin.mkdir()

    def _prev_dir(self, token: str) -> Path:
        return self.site_dir.parent / f".{self.site_dir.name}.prev-{token}"

    def _catch_up(self, written: list[str], removed: list[str]) -> None:
        """The tree before last is the current site but for the last build's changes."""
        for rel in removed:
            self.remove(rel)
        for rel in written:
            target = self.root / rel
            try:
                os.unlink(target)
            except FileNotFoundError:
                target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.site_dir / rel, target)
            except FileNotFoundError:  # deleted from site/ by hand: rendered again
                pass

    def _link(self) -> set[str]:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir()
        return link_tree(self.site_dir, self.root)

    def ready(self) -> None:
        """Wait for the links: call before writing or removing anything."""
        if self._copy is not None:
            if self._copy.wait() != 0:
                self.linked = self._link()
            self._copy = None

    def write(self, rel: str, data: bytes) -> tuple[int, int]:
        return write_file(self.root, rel, data, self.twin)

    def move_in(self, rel: str, source: Path) -> tuple[int, int]:
        """A file made elsewhere on this file system, renamed into place; its (size, mtime)."""
        target = self.root / rel
        try:
            os.unlink(target)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        st = os.stat(target)
        if self.twin is not None:
            _link_into(target, self.twin / rel)
        return st.st_size, st.st_mtime_ns

    def remove(self, rel: str) -> None:
        if self.twin is not None:
            (self.twin / rel).unlink(missing_ok=True)
        (self.root / rel).unlink(missing_ok=True)
        parent = (self.root / rel).parent
        while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        """Published when the build went through; discarded, the site as it was, when it
        raised (or was interrupted)."""
        if kind is not None:
            self.discard()
            return
        try:
            self.publish()
        except BaseException:
            self.discard()
            raise

    def publish(self) -> None:
        """Swap the new tree in; the replaced one is kept aside for the next build."""
        self.ready()
        old = swap_in(self.root, self.site_dir, keep_old=True)
        if self.index is not None:  # a crash just before: the next build sees an index
            # behind the site, updates it and exports the static search files afresh
            swap_in(self.index, self.index_dir)
            self.index = None
        if old is not None and self.twin is not None:
            discard_tree(old, self.site_dir)  # the twin is the tree kept aside
        elif old is not None:
            os.rename(old / "tree", self._prev_dir(self.token))
            os.rmdir(old)

    def discard(self) -> None:
        if self._copy is not None:
            self._copy.kill()
            self._copy.wait()
            self._copy = None
        shutil.rmtree(self.root, ignore_errors=True)
        if self.twin is not None:
            shutil.rmtree(self.twin, ignore_errors=True)
        if self.index is not None:
            shutil.rmtree(self.index, ignore_errors=True)
