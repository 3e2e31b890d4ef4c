"""A process pool whose workers never outlive their parent.

``concurrent.futures.ProcessPoolExecutor`` alone leaves trainings running when the parent is
stopped: its exit waits for the tasks in flight (minutes each), a SIGTERM'd or SIGKILL'd parent
leaves its workers training as orphans, and a worker whose training ends on Ctrl-C (Lightning
turns it into ``SystemExit``) picks up the next queued task. Here the parent alone reacts to
Ctrl-C, kills its workers when it is interrupted, and a worker whose parent has gone exits by
itself within a second. Killing a training is safe: checkpoints are written atomically and a
rerun resumes from ``last.ckpt``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

#: How often a worker checks that its parent is alive (seconds).
PARENT_CHECK_SECONDS = 1.0


def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)  # no cleanup to wait for: every file a training writes is written atomically


def _start_worker(parent_pid: int, initializer: Callable[..., None] | None, initargs: Sequence[Any]) -> None:
    # Ctrl-C reaches the terminal's whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True, name="parent-watch").start()
    if initializer is not None:
        initializer(*initargs)


@contextmanager
def worker_pool(jobs: int, initializer: Callable[..., None] | None = None,
                initargs: Sequence[Any] = ()) -> Iterator[ProcessPoolExecutor]:
    """A ``spawn`` process pool of ``jobs`` workers, killed if the ``with`` body raises.

    Parameters
    ----------
    jobs : int
        Number of worker processes.
    initializer, initargs
        Run once in each worker after its signal set-up (as in ``ProcessPoolExecutor``).

    Yields
    ------
    ProcessPoolExecutor
        Submit tasks to it inside the ``with`` block. On a normal exit the pool waits for its
        tasks; on an exception (``KeyboardInterrupt`` included) queued tasks are cancelled and
        running ones killed at once, then the exception propagates.

    Notes
    -----
    ``spawn``, not ``fork``: a forked child of a process whose OpenMP pool is running can hang.
    """
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(os.getpid(), initializer, tuple(initargs)))
    try:
        yield pool
    except BaseException:
        workers = [p for p in multiprocessing.active_children() if p not in before]
        if workers:
            print(f"stopping {len(workers)} worker process(es); finished work is kept", file=sys.stderr, flush=True)
        for process in workers:
            process.kill()
        for process in workers:
            process.join(10)
        # With its workers dead the pool's manager thread finds it broken and winds down at once;
        # waiting for it here, not at interpreter exit, avoids CPython 3.11's race between that
        # thread closing its wake-up pipe and the exit hook writing to it ("OSError: [Errno 9]
        # Bad file descriptor" printed after "ssaser cv: interrupted").
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)

