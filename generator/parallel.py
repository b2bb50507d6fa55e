"""Worker processes for the two phases that are independent per item (parsing and
rendering), a process for work that only writes files while the main process goes
on alone (:func:`meanwhile`), and the garbage collector around the model they share.

Workers are forked, so they inherit the model and the renderer instead of
receiving them pickled.  Interrupts are left to the main process, which stops
the pool and cleans up the output's staging folder.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Hold back Python's cyclic garbage collector while the model is built.

    Loading creates millions of small objects and almost no garbage, yet each
    full collection walks every object made so far: at 10,000 journeys the
    collector alone took more than half of the load.  With *freeze* (a one-shot
    command, whose model lives until the process ends) what was made is moved
    out of the collector's sight, or the first collection afterwards walks it
    all anyway (half a second at 10,000 journeys).  The dev server, which
    replaces its model on every edit, leaves it to the collector.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def meanwhile(work: Callable[[], None] | None) -> Iterator[None]:
    """Run *work* in a forked process while the block runs, and wait for it at the end.

    For work whose result is only files (the build cache's parsed documents)
    while the main process goes on alone (validation and the model) and the
    other core would idle.  The child has a snapshot of the memory, so later
    changes do not reach it.  It ignores Ctrl+C and SIGTERM (held back while
    forking, so that none can arrive in between): it finishes its files and
    the main process, which waits for it, then stops.  In a process with
    threads (the preview) forking is not safe, and a process may not be able
    to fork at all: the work then runs first, in this process.
    """
    if work is None:
        yield
        return
    pid, held = -1, set()
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pid = os.fork()
        except OSError:  # no process to spare (a limit on processes, no memory)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        if pid == 0:  # pragma: no cover - the child; coverage cannot follow it
            _run_child(work, held)
    if pid < 0:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - as in the child: only a cache write is lost
            _unsaved(exc)
        yield
        return
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl+C held back meanwhile arrives here, and is waited out
        yield
    finally:
        with contextlib.suppress(ChildProcessError):  # already reaped: SIGCHLD ignored by whoever started us
            os.waitpid(pid, 0)


def _unsaved(exc: BaseException) -> None:
    """Say in one line that the build cache was not saved: the build goes on without it."""
    with contextlib.suppress(BaseException):
        os.write(2, f"warning: the build cache was not saved: {exc!r}\n".encode("utf-8", "replace"))


def _run_child(work: Callable[[], None], held: set[int | signal.Signals]) -> None:  # pragma: no cover - in the child
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        work()
        status = 0
    except BaseException as exc:  # noqa: BLE001 - only a cache write is lost: say so in one line, as the build goes on
        _unsaved(exc)
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers a second time
