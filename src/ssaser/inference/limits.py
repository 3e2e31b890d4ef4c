"""Bounds on the work of one inference call: audio accepted, windows scored, wall time.

A library call has no bounds by default (files are read in blocks, so memory stays bounded
whatever their length); the service sets them (:mod:`ssaser.serve.limits`), so that a small
upload cannot ask for minutes of CPU or gigabytes of memory.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ssaser.audio import DEFAULT_LIMITS, AudioLimits
from ssaser.errors import SsaserError
from ssaser.settings_checks import check_fields, checked


class WorkLimitError(SsaserError):
    """An input that needs more work than the limits allow (too many windows)."""


class CallTimeoutError(WorkLimitError):
    """A call that ran past its wall-time limit."""


@dataclass(frozen=True)
class InferenceLimits:
    """Bounds of one :class:`~ssaser.inference.Recognizer` call.

    Attributes
    ----------
    audio : AudioLimits
        Accepted sample rates and duration, checked from each input's header.
    max_windows : int or None
        Windows scored per input (the utterance's segments plus a timeline's windows).
    max_call_seconds : float or None
        Wall time of one call, checked between batches.
    min_hop : float or None
        Smallest timeline hop in seconds.
    """

    audio: AudioLimits = DEFAULT_LIMITS
    max_windows: int | None = checked(None, kind=int, lo=1, optional=True)
    max_call_seconds: float | None = checked(None, kind=float, lo=0, lo_open=True, optional=True)
    min_hop: float | None = checked(None, kind=float, lo=0, lo_open=True, optional=True)

    def __post_init__(self) -> None:
        check_fields(self, ValueError)

    def deadline(self) -> float:
        """``time.monotonic()`` value after which the call stops (inf without a limit)."""
        return math.inf if self.max_call_seconds is None else time.monotonic() + self.max_call_seconds

    def check_windows(self, source: str, windows: int) -> None:
        """Raise :class:`WorkLimitError` when ``windows`` passes ``max_windows``."""
        if self.max_windows is not None and windows > self.max_windows:
            raise WorkLimitError(f"{source}: needs {windows} windows, more than the {self.max_windows} "
                                 "allowed per input (shorter audio or a larger hop)")

    def check_time(self, source: str, deadline: float) -> None:
        """Raise :class:`CallTimeoutError` once ``deadline`` has passed."""
        if time.monotonic() > deadline:
            raise CallTimeoutError(f"{source}: stopped after the {self.max_call_seconds:g} s limit of one call")


NO_LIMITS = InferenceLimits()
