"""The training hook where augmentations plug in from the configuration.

A configuration's ``augment`` is a list of ``{"name": NAME, **options}``; each name is looked up
here and built once per training. In every training step the batch of normalised segments
``(batch, channels, frames, bins)`` goes through them in order, with a ``torch.Generator``
seeded from ``(seed, epoch, batch index, rank)`` only: the same run gives the same augmented
batches, and a run resumed from ``last.ckpt`` (saved at an epoch's end) continues exactly as an
uninterrupted one. Validation and test segments are never augmented.

Register one with :func:`register_augmentation` (docs: "Extending").
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol, Sequence

import torch

from ssaser.errors import SsaserError
from ssaser.registries import Registry
from ssaser.training.augmentations import BUILTIN_AUGMENTATIONS


class AugmentationError(SsaserError):
    """An ``augment`` entry that names no registered augmentation or has bad options."""


class Augmentation(Protocol):
    """``augmentation(features (batch, C, F, B), labels (batch,), generator) -> features``, same shape."""

    def __call__(self, features: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        ...


#: name -> factory(**options) -> Augmentation
_AUGMENTATIONS: Registry[Callable[..., Augmentation]] = Registry("augmentation", AugmentationError)


def register_augmentation(name: str, factory: Callable[..., Augmentation], replace: bool = False) -> None:
    """Make ``{"name": name, **options}`` usable in a configuration's ``augment`` list."""
    _AUGMENTATIONS.register(name, factory, replace)


def unregister_augmentation(name: str) -> None:
    _AUGMENTATIONS.unregister(name)


def augmentation_names() -> tuple[str, ...]:
    return _AUGMENTATIONS.names()


def build_augmentations(items: Sequence[Mapping[str, Any]]) -> list[Augmentation]:
    """The augmentations of a configuration's ``augment`` list, in order.

    Raises
    ------
    AugmentationError
        An unknown name or options its factory refuses (one line).
    """
    built = []
    for item in items:
        options = dict(item)
        name = options.pop("name", None)
        try:
            factory = _AUGMENTATIONS.get(name)
        except AugmentationError as exc:
            raise AugmentationError(f"augment: {exc}") from None
        try:
            built.append(factory(**options))
        except (TypeError, ValueError) as exc:
            raise AugmentationError(f"augment: {name}: {exc}") from None
    return built


def step_generator(seed: int, epoch: int, batch: int, rank: int = 0) -> torch.Generator:
    """The generator of one training step's augmentations: a function of these four numbers only."""
    generator = torch.Generator()
    generator.manual_seed((int(seed) * 1_000_003 + epoch * 7_919 + batch * 104_729 + rank * 15_485_863) % 2**63)
    return generator


def apply_augmentations(augmentations: Sequence[Augmentation], features: torch.Tensor, labels: torch.Tensor,
                        generator: torch.Generator) -> torch.Tensor:
    """Run ``features (batch, C, F, B)`` through each augmentation in turn."""
    for augmentation in augmentations:
        features = augmentation(features, labels, generator)
    return features


for _name, _factory in BUILTIN_AUGMENTATIONS.items():
    register_augmentation(_name, _factory)
