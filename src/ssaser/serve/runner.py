"""Run the service with uvicorn (``ssaser serve``)."""

from __future__ import annotations

import ipaddress
import logging
import os

import numpy as np
import torch

from ssaser.inference import Recognizer
from ssaser.serve.app import create_app
from ssaser.serve.limits import ServiceLimits

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(recognizer: Recognizer, host: str = "127.0.0.1", port: int = 8000, limits: ServiceLimits | None = None,
          access_log: bool = False, log_level: str = "info") -> None:
    """Serve ``recognizer`` over HTTP until interrupted.

    Parameters
    ----------
    recognizer : Recognizer
        The model to serve.
    host : str
        Interface to bind; loopback by default (other hosts expose the service to the network).
    port : int
        TCP port (0: any free one, printed by uvicorn).
    limits : ServiceLimits, optional
        Upload, audio and work bounds; the light lane's slots each get
        ``cores // concurrency`` torch threads so that they do not oversubscribe the CPU.
    access_log : bool
        Log every request (off: it costs throughput under load).
    log_level : str
        uvicorn's log level.
    """
    import uvicorn

    limits = limits or ServiceLimits()
    cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, cores // limits.slots))
    if not is_loopback(host):
        log.warning("binding %s: the service is reachable from the network and has no authentication", host)
    # One warm-up pass so that the first client does not pay for lazy initialisation.
    recognizer.classify(np.zeros(recognizer.sample_rate, dtype=np.float32), recognizer.sample_rate)
    app = create_app(recognizer, limits)
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level=log_level,
                limit_concurrency=limits.max_connections)
