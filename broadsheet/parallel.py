"""Work spread over processes, and the progress hook both pipelines report through."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


PARALLEL_FROM = 200  # fewer items than this: a process pool costs more than it saves


def parallel_map(fn: Callable, items: list, jobs: int, progress: Progress = no_progress,
                 desc: str = "", *, chunksize: int = 32, parallel_from: int = PARALLEL_FROM
                 ) -> list:
    """fn over items, in order, on `jobs` processes when it pays. fn must be a pure function
    of its item (and of module state set before the call: workers are forked), so the
    result is the same as a plain map."""
    if jobs <= 1 or len(items) < parallel_from:
        return [fn(x) for x in progress(items, desc, len(items))]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(progress(pool.map(fn, items, chunksize=chunksize), desc, len(items)))


def default_jobs() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))
