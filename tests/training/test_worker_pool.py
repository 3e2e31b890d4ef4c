"""Worker processes never outlive an interrupted ``ssaser cv --jobs`` or a killed parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ssaser.runtime import is_glibc
from ssaser.training.worker_pool import worker_pool

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from Linux /proc")


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_an_exception_in_the_block_kills_running_workers_at_once():
    before = {p.pid for p in multiprocessing.active_children()}
    with pytest.raises(KeyboardInterrupt):
        with worker_pool(2) as pool:
            pool.submit(time.sleep, 600)  # long "trainings" in flight
            pool.submit(time.sleep, 600)
            pids = {p.pid for p in multiprocessing.active_children()} - before
            start = time.time()
            raise KeyboardInterrupt
    assert time.time() - start < 15, "the pool waited for its running task"
    assert pids and not any(_alive(p) for p in pids)
    # The pool's manager thread has wound down too: left to interpreter exit, it races the exit
    # hook on CPython 3.11 and an "OSError: Bad file descriptor" traceback follows the interruption.
    assert not [t for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread"]


def test_a_normal_exit_waits_for_the_submitted_work():
    with worker_pool(1) as pool:
        future = pool.submit(time.sleep, 0.5)
    assert future.done() and future.exception() is None


def test_workers_exit_by_themselves_when_their_parent_is_killed(tmp_path):
    script = textwrap.dedent("""
        import os, sys, time
        from ssaser.training.worker_pool import worker_pool
        with worker_pool(1) as pool:
            print(pool.submit(os.getpid).result(), flush=True)
            pool.submit(time.sleep, 600)
            time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        parent.kill()  # SIGKILL: no chance to stop its workers itself
        parent.wait(10)
        assert _wait_until(lambda: not _alive(worker), 10), "the orphaned worker kept running"
    finally:
        parent.kill()


def test_sigterm_to_cv_jobs_stops_its_workers_and_reports_nothing_half_trained(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "cv"
    cmd = [sys.executable, "-m", "ssaser", "cv", "--manifest", str(tiny_manifest), "--cache", str(feature_cache),
           "--out", str(out), "--preset", "tiny", "--epochs", "200", "--set", "batch_size=9", "--no-progress",
           "--accelerator", "cpu", "--model", "acrnn", "--folds", "2", "--jobs", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Both workers are training once each has written a checkpoint.
        started = _wait_until(lambda: len(list(out.glob("acrnn/fold_*/checkpoints/last.ckpt"))) == 2, 120)
        workers = _children(proc.pid)
        assert started and proc.poll() is None, "the run ended before it could be stopped"
        # The command restarted itself with ssaser.runtime's tunables and the workers inherited them
        # (raw bytes: glibc cuts the value at its ':' in place as it parses it at start-up).
        if is_glibc():
            for pid in (proc.pid, *workers):
                assert b"glibc.malloc.tcache_count=0" in Path(f"/proc/{pid}/environ").read_bytes()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "stopping" in err and "ssaser cv: interrupted" in err and "Traceback" not in err
    assert workers and _wait_until(lambda: not any(_alive(p) for p in workers), 10)
    assert not (out / "acrnn" / "fold_0" / "result.json").exists()  # nothing half-trained is reported
