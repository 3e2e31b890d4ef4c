"""Checks shared by the package's settings dataclasses: known keys, types and finite ranges.

A field declares its check in its metadata (:func:`checked`); :func:`check_fields` runs them
all in ``__post_init__``, and :func:`from_mapping` builds a dataclass from a JSON/YAML mapping,
refusing unknown keys. Every failure is one ``error`` with a one-line message naming the
field, so a model file, a ``--set`` override or a config file all fail the same way, before
anything is allocated from the values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Bounds:
    """What a numeric field (or each item of a tuple field) accepts.

    Attributes
    ----------
    kind : type
        ``int`` (a Python int, not a bool nor a float) or ``float`` (any finite real number).
    lo, hi : float or None
        Inclusive bounds (None: unbounded on that side).
    lo_open, hi_open : bool
        Make a bound exclusive.
    optional : bool
        ``None`` is accepted.
    items : int or None
        The field is a tuple of this many values, each checked.
    """

    kind: type = float
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    optional: bool = False
    items: int | None = None

    def range_text(self) -> str:
        """``in [lo, hi]``, ``>= lo``, ``< hi`` ... (empty without bounds)."""
        if self.lo is not None and self.hi is not None:
            left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
            return f"in {left}{self.lo:g}, {self.hi:g}{right}"
        if self.lo is not None:
            return f"{'>' if self.lo_open else '>='} {self.lo:g}"
        if self.hi is not None:
            return f"{'<' if self.hi_open else '<='} {self.hi:g}"
        return ""

    def describe(self) -> str:
        noun = "an integer" if self.kind is int else "a finite number"
        return f"{noun} {self.range_text()}".rstrip()

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind is int and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):  # an int is finite (and may not fit a float)
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi))

    def check(self, name: str, value: Any, error: type[Exception]) -> None:
        """Raise ``error`` unless ``value`` is accepted."""
        if value is None and self.optional:
            return
        if self.items is not None:
            if not isinstance(value, (tuple, list)) or len(value) != self.items:
                raise error(f"{name} must be {self.items} values, each {self.describe()}; got {value!r}")
            if not all(self.accepts(v) for v in value):
                raise error(f"{name} must be {self.items} values, each {self.describe()}; got {list(value)!r}")
            return
        if not self.accepts(value):
            raise error(f"{name} must be {self.describe()}{' or null' if self.optional else ''}, got {value!r}")


def checked(default: Any = dataclasses.MISSING, **bounds: Any) -> Any:
    """A dataclass field whose value :func:`check_fields` checks against ``Bounds(**bounds)``."""
    return dataclasses.field(default=default, metadata={"bounds": Bounds(**bounds)})


def field_bounds(cls: type, name: str) -> Bounds:
    """The :class:`Bounds` that :func:`checked` declared for field ``name`` of dataclass ``cls``."""
    return next(f.metadata["bounds"] for f in dataclasses.fields(cls) if f.name == name)


def check_fields(instance: Any, error: type[Exception]) -> None:
    """Run the :class:`Bounds` of every field of a dataclass instance (see :func:`checked`)."""
    for item in dataclasses.fields(instance):
        bounds = item.metadata.get("bounds")
        if bounds is not None:
            bounds.check(item.name, getattr(instance, item.name), error)


def check_choice(name: str, value: Any, choices: tuple, error: type[Exception]) -> None:
    """Raise ``error`` unless ``value`` is one of ``choices``."""
    if not isinstance(value, (str, int, float, bool, type(None))) or value not in choices:
        raise error(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")


#: Speed-perturbation factors accepted (beyond them a voice stops sounding like the same person).
SPEED_RANGE = (0.5, 2.0)


def check_speed(factor: Any) -> float:
    """A speed factor as a float; ValueError outside :data:`SPEED_RANGE`."""
    lo, hi = SPEED_RANGE
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not lo <= factor <= hi:
        raise ValueError(f"a speed factor must be a number in [{lo}, {hi}], got {factor!r}")
    return float(factor)


def unknown_keys(cls: type, data: Mapping[str, Any]) -> list[str]:
    """Keys of ``data`` that are not fields of the dataclass ``cls``, sorted."""
    names = {f.name for f in dataclasses.fields(cls)}
    return sorted(str(k) for k in set(data) - names)


def from_mapping(cls: type[T], data: Any, error: type[Exception], what: str) -> T:
    """Build the dataclass ``cls`` from a mapping, as one ``error`` on any problem.

    Parameters
    ----------
    cls : type
        A dataclass whose ``__post_init__`` validates its values.
    data : Any
        Should be a mapping of field names to values (from JSON or YAML).
    error : type
        Exception raised, with a one-line message.
    what : str
        Names the mapping in messages, e.g. ``"model_config"``.
    """
    if not isinstance(data, Mapping):
        raise error(f"{what} must be a mapping of keys to values, got {type(data).__name__}")
    unknown = unknown_keys(cls, data)
    if unknown:
        known = ", ".join(f.name for f in dataclasses.fields(cls))
        raise error(f"unknown {what} key(s): {', '.join(unknown)} (known: {known})")
    try:
        return cls(**dict(data))
    except TypeError as exc:  # e.g. an unhashable value where a choice was expected
        raise error(f"{what}: {exc}") from None
