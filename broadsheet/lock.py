"""One writer at a time: a build, an index update or an ingest holds the project's lock.

The lock is an advisory flock(2) on a file in the state folder, not the file's existence:
the kernel releases it when its holder dies, however it dies (kill -9 included), so a lock
left by a crashed build is never stale. The file holds the holder's PID and command, for
the message the second writer prints.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from broadsheet.errors import LockedError

LOCK_FILE = "lock"


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def project_lock(state_dir: Path, what: str, wait: float = 0.0):
    """Hold the lock of the project whose build state is in state_dir while the block runs.
    Another holder: wait up to `wait` seconds for it, then LockedError naming it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    advice = (f"it was still writing after {wait:g} s of waiting" if wait
                              else "wait for it to finish, or pass --wait SECONDS")
                    raise LockedError(
                        f"another broadsheet process is writing this project ({_holder(fd)}); "
                        f"{advice}", path) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {what}\n".encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
