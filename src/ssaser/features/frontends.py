"""The front-end registry: an input representation is a named component of the model spec.

A front end is what turns a waveform into the model's input ``(batch, channels, frames, bins)``.
Everything downstream reads it through its :class:`FrontEndSpec` instead of assuming the 3-D
log-Mel: the feature cache (which batch function computes, under which key), the segmenter and
the inference windows (``segment_frames``, ``hop_length``, the context a window needs each side),
the network (``channels`` and ``bins`` fix its input shape), the model directory (its name is
stored in config.json) and the ONNX export (the module is part of the exported graph). Adding a
representation is a config dataclass, a torch module, a batch function and one
:func:`register_frontend` call (docs: "Extending").

Importing this module loads no torch (callables are named as ``"module:function"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ssaser.features.config import FeatureConfig
from ssaser.registries import Ref, Registry, resolve_ref


@dataclass(frozen=True)
class FrontEndSpec:
    """One input representation.

    Attributes
    ----------
    name : str
        Identifier in configs and model files (``logmel3d``).
    config_class : type
        Frozen dataclass of its settings with ``from_dict``, ``to_dict``, ``digest`` and the
        fields ``sample_rate``, ``win_length``, ``hop_length``, ``segment_frames`` and
        ``num_frames(samples)`` that segmenting and windowing use.
    module : str or callable
        ``module(config) -> nn.Module``, ``(batch, samples) -> (batch, channels, frames, bins)``;
        exportable to ONNX.
    compute_batch : str or callable
        ``compute_batch(waves, config, sources=...) -> list of (channels, frames, bins)`` arrays:
        what the feature cache stores.
    channels : int
        Input channels it gives (3: static, delta, delta-delta).
    bins_field : str
        The config field holding the number of bins (frequency axis).
    context : callable
        ``context(config) -> int``: frames each side a window needs so that its features equal
        those of the whole utterance.
    """

    name: str
    config_class: type
    module: Ref
    compute_batch: Ref
    channels: int
    bins_field: str
    context: Callable[[Any], int]
    description: str = ""

    def make_config(self, options: dict | None = None) -> Any:
        """The settings from defaults plus ``options`` (validated by the config class)."""
        return self.config_class.from_dict({**self.config_class().to_dict(), **(options or {})})

    def bins(self, config: Any) -> int:
        return int(getattr(config, self.bins_field))

    def build(self, config: Any) -> Any:
        """The torch module of this front end."""
        return resolve_ref(self.module)(config)

    def compute(self, waves: Sequence[Any], config: Any, sources: Sequence[str] | None = None) -> list:
        """Features of many waveforms (numpy), as the cache stores them."""
        return resolve_ref(self.compute_batch)(waves, config, sources=sources)


_FRONTENDS: Registry[FrontEndSpec] = Registry("front end")


def register_frontend(spec: FrontEndSpec, replace: bool = False) -> FrontEndSpec:
    return _FRONTENDS.register(spec.name, spec, replace)


def unregister_frontend(name: str) -> None:
    _FRONTENDS.unregister(name)


def get_frontend(name: str) -> FrontEndSpec:
    return _FRONTENDS.get(name)


def frontend_names() -> tuple[str, ...]:
    return _FRONTENDS.names()


#: The front end the paper uses, and the default everywhere.
DEFAULT_FRONTEND = "logmel3d"

register_frontend(FrontEndSpec(
    DEFAULT_FRONTEND, FeatureConfig, "ssaser.features.logmel:LogMel3D", "ssaser.features.logmel:compute_features_batch",
    channels=3, bins_field="n_mels",
    # The delta of the delta looks delta_width frames each way, twice.
    context=lambda config: 2 * config.delta_width,
    description="static, delta and delta-delta log-Mel (25 ms Hamming, 10 ms hop, 40 Slaney mels)",
))
