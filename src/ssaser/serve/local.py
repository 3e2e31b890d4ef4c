"""Start ``ssaser serve`` as a child process on a free loopback port (tests, benchmarks).

The real server process, as a user runs it: what is measured or tested is the command line,
uvicorn and the app together.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import httpx

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class LocalServer:
    """``python -m ssaser serve MODEL_DIR --host 127.0.0.1 --port P [args]`` as a context manager.

    Parameters
    ----------
    model_dir : path
        Model directory to serve.
    args : sequence of str
        More ``ssaser serve`` options (e.g. ``["--max-upload-mb", "1"]``).
    startup_timeout : float
        Seconds to wait for ``GET /health`` to answer.
    env : dict, optional
        Extra environment variables (e.g. ``OMP_NUM_THREADS``).

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:P``.
    """

    def __init__(self, model_dir: str | Path, args: Sequence[str] = (), startup_timeout: float = 60.0,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.command = [sys.executable, "-m", "ssaser", "serve", str(model_dir), "--host", LOOPBACK,
                        "--port", str(self.port), *args]
        self.startup_timeout = startup_timeout
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = b""
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server.
        self._log_file = tempfile.TemporaryFile()

    def __enter__(self) -> "LocalServer":
        self.process = subprocess.Popen(self.command, stdout=self._log_file, stderr=subprocess.STDOUT,
                                        env=self.env)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"ssaser serve exited with {self.process.returncode}: {self.log.decode()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ssaser serve did not answer within {self.startup_timeout:g} s: {self.log.decode()[-2000:]}")

    def stop(self) -> None:
        """Interrupt the server (as Ctrl-C does), then collect its output."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.seek(0)
        self.log = self._log_file.read()

    def __exit__(self, *exc: object) -> None:
        self.stop()
