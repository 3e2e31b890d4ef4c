"""argparse ``type=`` functions for numbers: finite, in range, with a one-line error.

``float("nan")``, ``float("inf")`` and ``1e400`` all parse as floats, and a negative count parses
as an int: argparse alone accepts them, and they fail later as tracebacks or as silent
nonsense. Every numeric option of every command takes one of these instead, so a bad value is
``ssaser CMD: error: argument --X: ...`` before anything is imported or computed.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable

from ssaser.settings_checks import Bounds


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An int in ``[lo, hi]`` (either side open when None)."""
    bounds = Bounds(int, lo, hi)

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not bounds.accepts(value):
            raise argparse.ArgumentTypeError(f"must be {bounds.range_text()}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def number(lo: float | None = None, hi: float | None = None, lo_open: bool = False) -> Callable[[str], float]:
    """A finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    bounds = Bounds(float, lo, hi, lo_open=lo_open)

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if not bounds.accepts(value):
            raise argparse.ArgumentTypeError(f"must be {bounds.range_text()}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


def from_bounds(bounds: Bounds) -> Callable[[str], float]:
    """The option type of a settings field (:func:`ssaser.settings_checks.field_bounds`): one
    source for a bound that a dataclass and a command-line option share."""
    if bounds.hi_open:
        raise ValueError("an open upper bound has no option type")
    if bounds.kind is int:
        return integer(bounds.lo, bounds.hi)
    return number(bounds.lo, bounds.hi, lo_open=bounds.lo_open)


#: Common kinds.
positive_int = integer(1)
count = integer(0)
port = integer(0, 65535)
seed = integer(0, 2**32 - 1)
