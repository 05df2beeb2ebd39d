"""Run numpy work on blocks of a large array in threads (numpy releases the GIL)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

MAX_THREADS = 8
"""Upper bound on threads per call (numpy's dispatch holds the GIL, so more rarely help)."""


def worker_count() -> int:
    """Threads to use: the CPUs this process may run on, at most :data:`MAX_THREADS`."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(available, MAX_THREADS))


def run_blocks(task: Callable[[int], None], starts: range, name: str) -> None:
    """Call ``task(start)`` for every block start, in threads named ``auromat-<name>`` when it pays."""
    workers = min(worker_count(), len(starts))
    if workers <= 1:
        for start in starts:
            task(start)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"auromat-{name}") as pool:
        for _ in pool.map(task, starts):
            pass
