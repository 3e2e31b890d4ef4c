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


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An int in ``[lo, hi]`` (either side open when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {_range(lo, hi)}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def number(lo: float | None = None, hi: float | None = None, lo_open: bool = False) -> Callable[[str], float]:
    """A finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if (lo is not None and (value <= lo if lo_open else value < lo)) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {_range(lo, hi, lo_open)}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


def _range(lo: float | None, hi: float | None, lo_open: bool = False) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}]"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    return f"<= {hi:g}"


#: Common kinds.
positive_int = integer(1)
count = integer(0)
port = integer(0, 65535)
seed = integer(0, 2**32 - 1)
positive_seconds = number(0, 1e6, lo_open=True)
fraction = number(0, 1)
