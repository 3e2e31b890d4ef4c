"""What one request may cost the service, and the two lanes that keep normal requests flowing.

Every bound is checked from the upload's header before any sample is decoded: the body size,
the sample rate and duration, and the windows the request asks for (its segments plus a
timeline's windows). Accepted requests run in one of two lanes: *light* ones (up to
``heavy_windows`` windows, e.g. a minute of audio) on ``concurrency`` slots, *heavy* ones on a
single slot of their own, with at most ``max_heavy_waiting`` waiting (503 past that). So any
number of long requests occupy at most one extra thread, and a short request never queues
behind them; the CPU they share is what slows it (measured in benchmarks/serve_hostile.py).

Importable without torch or numpy (the command line reads its defaults).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ssaser.errors import SsaserError

if TYPE_CHECKING:
    from ssaser.inference.limits import InferenceLimits


@dataclass(frozen=True)
class ServiceLimits:
    """Bounds of the HTTP service (``ssaser serve`` options of the same names).

    Attributes
    ----------
    max_upload_mb : float
        Request body cap in MiB (413 above it, refused before reading past it).
    max_audio_seconds : float
        Longest accepted audio (413), from the header.
    min_rate, max_rate : int
        Plausible sample rates (400 outside: a header declaring 1 Hz is not speech).
    max_windows : int
        Windows one request may score (413): 600 s of audio is 200 segments; a timeline every
        ``hop`` seconds adds ``duration / hop``.
    min_hop : float
        Smallest timeline hop in seconds (422 below).
    max_request_seconds : float
        Wall time of one inference (503 past it).
    heavy_windows : int
        Requests above this many windows run in the heavy lane.
    max_heavy_waiting : int
        Heavy requests allowed to wait for their lane (503 with ``Retry-After`` past it).
    concurrency : int or None
        Slots of the light lane; default the CPU count.
    max_connections : int
        Connections uvicorn accepts at once (503 past it): bounds the memory of bodies in flight.
    """

    max_upload_mb: float = 20.0
    max_audio_seconds: float = 600.0
    min_rate: int = 4000
    max_rate: int = 768_000
    max_windows: int = 1000
    min_hop: float = 0.1
    max_request_seconds: float = 60.0
    heavy_windows: int = 20
    max_heavy_waiting: int = 4
    concurrency: int | None = None
    max_connections: int = 64

    def __post_init__(self) -> None:
        positive = {"max_upload_mb": (1e-3, 1e5), "max_audio_seconds": (0.1, 1e6), "min_hop": (0.01, 3600.0),
                    "max_request_seconds": (0.1, 1e5)}
        for name, (lo, hi) in positive.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
                raise SsaserError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
        counts = {"min_rate": (1, 10**7), "max_rate": (1, 10**7), "max_windows": (1, 10**7),
                  "heavy_windows": (1, 10**7), "max_heavy_waiting": (0, 10**4), "concurrency": (1, 1024),
                  "max_connections": (1, 10**5)}
        for name, (lo, hi) in counts.items():
            value = getattr(self, name)
            if value is None and name == "concurrency":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SsaserError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
        if self.min_rate > self.max_rate:
            raise SsaserError(f"min_rate ({self.min_rate}) must not exceed max_rate ({self.max_rate})")

    @property
    def upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def slots(self) -> int:
        """Slots of the light lane."""
        return self.concurrency or os.cpu_count() or 1

    def inference(self) -> "InferenceLimits":
        """The bounds each inference call runs under."""
        from ssaser.audio import AudioLimits
        from ssaser.inference.limits import InferenceLimits

        audio = AudioLimits(self.max_audio_seconds, self.min_rate, self.max_rate)
        return InferenceLimits(audio, self.max_windows, self.max_request_seconds, self.min_hop)

    def to_dict(self) -> dict:
        """For ``/health`` (what a client may send)."""
        return {"max_upload_mb": self.max_upload_mb, "max_audio_seconds": self.max_audio_seconds,
                "sample_rates": [self.min_rate, self.max_rate], "max_windows": self.max_windows,
                "min_hop": self.min_hop, "max_request_seconds": self.max_request_seconds}


#: Environment variables of :func:`ssaser.serve.app.create_app_from_env`, per field.
ENV_VARIABLES = {
    "max_upload_mb": ("SSASER_MAX_UPLOAD_MB", float), "max_audio_seconds": ("SSASER_MAX_AUDIO_SECONDS", float),
    "max_windows": ("SSASER_MAX_WINDOWS", int), "max_request_seconds": ("SSASER_MAX_REQUEST_SECONDS", float),
    "concurrency": ("SSASER_CONCURRENCY", int),
}


def limits_from_env(environ: dict[str, str] | None = None) -> ServiceLimits:
    """:class:`ServiceLimits` with the fields set in the environment (one-line error on a bad value)."""
    environ = dict(os.environ if environ is None else environ)
    values = {}
    for name, (variable, kind) in ENV_VARIABLES.items():
        if environ.get(variable):
            try:
                values[name] = kind(environ[variable])
            except ValueError:
                raise SsaserError(f"{variable} must be a {kind.__name__}, got {environ[variable]!r}") from None
    return ServiceLimits(**values)
