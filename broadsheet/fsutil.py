"""File-system edges shared by both halves: atomic writes and folder swaps."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path


def _read_umask() -> int:
    """The process's umask, without setting it (os.umask() sets it, for a moment, for every
    thread): from /proc where Linux shows it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # at import, before any thread
    os.umask(mask)
    return mask


# mkstemp and mkdtemp make private files and folders (0600, 0700): the site, its files and
# the content files are given the mode a plain open() or mkdir() would (0644, 0755 under
# the usual umask), so a web server running as another user can read what is published
_UMASK = _read_umask()


def leads_outside(path: str | Path, folder: Path) -> bool:
    """A symlink whose target is not inside folder (resolved): never followed, so that a
    commit or a download cannot make broadsheet read, and publish, any file of the machine.
    The one such guard, for raw inputs, content/ and static/ alike."""
    return os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(
        folder.resolve())


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write beside, then rename: a reader sees the old file or the new one, never half."""
    with atomic_file(path) as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)


@contextmanager
def atomic_file(path: Path):
    """A binary file written beside path and renamed onto it when the block ends without an
    error (atomic_write for what is written a piece at a time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fresh_dir_beside(target: Path) -> Path:
    """An empty folder next to target (same file system, so the final rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    fresh.chmod(0o777 & ~_UMASK)  # it becomes site/ or the index: see _UMASK
    return fresh


def discard_tree(tree: Path, beside: Path) -> None:
    """Delete a folder without waiting: renamed at once to `.<beside's name>.gone-*` (no
    build takes it for anything), then removed by an `rm -rf` that may outlive this process.
    At 50,000 articles a site is 100,000 files: seconds to delete that no build should wait
    for. Folders a removal left (a machine stopped meanwhile) are removed with the next."""
    gone = Path(tempfile.mkdtemp(prefix=f".{beside.name}.gone-", dir=beside.parent))
    try:
        os.rename(tree, gone / "tree")
    except FileNotFoundError:
        pass
    except OSError:  # cannot be moved aside (another file system?): deleted here and now
        shutil.rmtree(tree, ignore_errors=True)
    doomed = sorted(beside.parent.glob(f".{beside.name}.gone-*"))
    try:
        subprocess.Popen(["rm", "-rf", *map(str, doomed)], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    except OSError:  # no rm: here and now
        for folder in doomed:
            shutil.rmtree(folder, ignore_errors=True)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE): at no moment is either
    missing. False where the system or file system cannot, and the caller renames twice."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc without it
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, target: Path, *, keep_old: bool = False) -> Path | None:
    """Replace target with new, atomically where the system can (readers, and a build
    killed at that moment, see the old tree or the new one, never none); the old tree is
    deleted, or with keep_old moved into a folder returned as `folder / "tree"`."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        if exchange(new, target):
            os.rename(new, old / "tree")  # new now holds the old tree
            new = None
        else:  # two renames: a crash between leaves the tree aside, complete
            os.rename(target, old / "tree")
    if new is not None:
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
