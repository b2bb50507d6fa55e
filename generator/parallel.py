"""Worker processes for the two phases that are independent per item: parsing and rendering.

Workers are forked, so they inherit the model and the renderer instead of
receiving them pickled.  Interrupts are left to the main process, which stops
the pool and cleans up the output's staging folder.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from multiprocessing.pool import Pool


def worker_count(configured: int, work: int) -> int:
    """How many processes to use for *work* items: as configured, else one per available core.

    Inside a daemonic process (a worker of someone else's pool) it is always
    one, because such a process may not start processes of its own.
    """
    if multiprocessing.current_process().daemon:
        return 1
    if configured > 0:
        return configured
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        available = os.cpu_count() or 1
    return max(1, min(available, work))


def forked_pool(workers: int) -> Pool | None:
    """A pool of forked workers, or None where a pool would not help or cannot fork."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker)


def _quiet_worker() -> None:
    # The model came with the fork and lives as long as the worker: moving it
    # out of the collector's sight saves walking it again at every collection
    # (and copying its pages, which a walk would touch).
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
