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

import os
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ssaser.errors import SsaserError
from ssaser.settings_checks import check_fields, checked

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

    # One source for each bound: ``ssaser serve`` builds its option types from these fields.
    max_upload_mb: float = checked(20.0, kind=float, lo=1e-3, hi=1e5)
    max_audio_seconds: float = checked(600.0, kind=float, lo=0.1, hi=1e6)
    min_rate: int = checked(4000, kind=int, lo=1, hi=10**7)
    max_rate: int = checked(768_000, kind=int, lo=1, hi=10**7)
    max_windows: int = checked(1000, kind=int, lo=1, hi=10**7)
    min_hop: float = checked(0.1, kind=float, lo=0.01, hi=3600.0)
    max_request_seconds: float = checked(60.0, kind=float, lo=0.1, hi=1e5)
    heavy_windows: int = checked(20, kind=int, lo=1, hi=10**7)
    max_heavy_waiting: int = checked(4, kind=int, lo=0, hi=10**4)
    concurrency: int | None = checked(None, kind=int, lo=1, hi=1024, optional=True)
    max_connections: int = checked(64, kind=int, lo=1, hi=10**5)

    def __post_init__(self) -> None:
        check_fields(self, SsaserError)
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
