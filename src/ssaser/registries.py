"""A named registry: what the system, front-end and augmentation registries have in common."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Generic, Iterator, TypeVar, Union

from ssaser.errors import SsaserError

T = TypeVar("T")

#: A callable, or its ``"module:function"`` path (imported on first use: a registry entry can
#: name torch code without loading torch when the registry is read).
Ref = Union[str, Callable[..., Any]]


def resolve_ref(ref: Ref) -> Callable[..., Any]:
    """The callable a :data:`Ref` names."""
    if isinstance(ref, str):
        module, _, name = ref.partition(":")
        return getattr(importlib.import_module(module), name)
    return ref


class Registry(Generic[T]):
    """Entries by name, in registration order.

    Parameters
    ----------
    kind : str
        What an entry is, for messages (``"system"``).
    error : type
        Raised, with the known names, for an unknown one.
    """

    def __init__(self, kind: str, error: type[Exception] = SsaserError) -> None:
        self.kind = kind
        self.error = error
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T, replace: bool = False) -> T:
        """Add ``entry`` under ``name`` (``replace=True`` to redefine one)."""
        if name in self._entries and not replace:
            raise SsaserError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            known = ", ".join(self._entries) or "none registered"
            raise self.error(f"unknown {self.kind} {name!r}; choose from {known}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)
