"""Work spread over processes, and the progress hook both pipelines report through."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


def _die_with_parent() -> None:
    """In every forked child: die when the parent dies. A build killed with -9 must not leave
    workers behind, still writing pages into the tree the next build starts from, or holding
    the project's lock (lock.py) after its holder is gone."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != _forking[0]:  # the parent died before prctl took effect
        os._exit(1)


_forking = [0]
os.register_at_fork(before=lambda: _forking.__setitem__(0, os.getpid()),
                    after_in_child=_die_with_parent)

_START_METHODS = multiprocessing.get_all_start_methods()
PARALLEL_FROM = 200  # fewer items than this: a process pool costs more than it saves


def parallel_map(fn: Callable, items: list, jobs: int, progress: Progress = no_progress,
                 desc: str = "", *, chunksize: int = 32, parallel_from: int = PARALLEL_FROM
                 ) -> list:
    """fn over items, in order, on `jobs` processes when it pays. fn must be a pure function
    of its item (and of module state set before the call: workers are forked), so the
    result is the same as a plain map."""
    if jobs <= 1 or len(items) < parallel_from or "fork" not in _START_METHODS:
        return [fn(x) for x in progress(items, desc, len(items))]
    # forked, wherever the platform's default is another method (macOS spawns): the workers
    # must see the module state set before the call. fn and items reach them with the fork
    # (a forked process's arguments are not pickled), so what crosses a pipe is a chunk's
    # bounds one way and its results the other: sending the items (pages, cleaned states)
    # cost the parent a fifth of its time.
    fork = multiprocessing.get_context("fork")
    bounds = [(i, min(i + chunksize, len(items))) for i in range(0, len(items), chunksize)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=fork, initializer=_take_job,
                             initargs=(fn, items)) as pool:
        results = (x for chunk in pool.map(_run_chunk, bounds) for x in chunk)
        return list(progress(results, desc, len(items)))


_job: list = []  # in a worker: (fn, items) of the map it serves (see _take_job)


def _take_job(fn: Callable, items: list) -> None:
    _job[:] = [fn, items]


def _run_chunk(bounds: tuple[int, int]) -> list:
    fn, items = _job
    return [fn(x) for x in items[bounds[0]:bounds[1]]]


def default_jobs() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


class Background:
    """fn() computed in a forked process while this one goes on: the search index is made on
    one core while the pages are rendered on the other. fn sees this process's memory as it
    was at the fork; its result (or exception) comes back pickled."""

    def __init__(self, fn: Callable[[], object]):
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run_and_send, args=(fn, send))
        self._proc.start()
        send.close()

    def ready(self, timeout: float) -> bool:
        """Whether fn has finished (or the process died), waiting up to timeout seconds."""
        return self._recv.poll(timeout)

    def result(self):
        try:
            ok, value = self._recv.recv()
        except EOFError:
            self._proc.join()
            raise RuntimeError(f"a build process died (exit code {self._proc.exitcode})") from None
        finally:
            self._recv.close()
        self._proc.join()
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._recv.close()


class Tally:
    """How far the index process is, shared with its parent, which shows it while it waits:
    `total` documents to give Whoosh and `done` so far. One process writes (the one that
    writes the index), so there is no lock: a lock held by a process killed mid-update
    would hang the parent's next read."""

    def __init__(self):
        ctx = multiprocessing.get_context("fork")
        self._total, self._done = ctx.RawValue("q", 0), ctx.RawValue("q", 0)

    def start(self, total: int) -> None:
        self._total.value, self._done.value = total, 0

    def add(self) -> None:
        self._done.value += 1

    @property
    def total(self) -> int:
        return self._total.value

    @property
    def done(self) -> int:
        return self._done.value


def _run_and_send(fn: Callable[[], object], send) -> None:
    try:
        result = (True, fn())
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        result = (False, exc)
    send.send(result)
    send.close()
