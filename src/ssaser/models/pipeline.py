"""Waveform in, logits out: the front end, the normalisation and a system in one module.

The front end (a registered one, :class:`ssaser.features.LogMel3D` by default) is part of the
model so that training and
serving cannot compute features differently. Normalisation statistics are buffers (the global
ones from the training :class:`~ssaser.features.SpeakerNormalizer`); a caller who knows the
speaker can pass that speaker's statistics per call.
"""

from __future__ import annotations

from typing import Hashable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ssaser.features.config import FeatureConfig
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend
from ssaser.features.normalize import SpeakerNormalizer
from ssaser.models.config import ModelConfig, ModelConfigError
from ssaser.models.spec import ModelSpec, shared_quantities
from ssaser.models.systems import SystemOutput, build_system


class SerModel(nn.Module):
    """Front end + normalisation + system (``acrnn``, ``acrnn-r`` or ``ssa-crnn-r``).

    Parameters
    ----------
    system_name : str
        See :func:`ssaser.models.build_system`.
    model_config : ModelConfig
        Network sizes; ``n_mels`` and ``segment_frames`` must match ``feature_config``.
    feature_config : FeatureConfig, optional
        Front-end settings (defaults to ``FeatureConfig()``).
    emotions : sequence of str
        Emotion label names, in logit order.
    speakers : sequence of str, optional
        Training speaker names, in speaker-logit order (required by ``ssa-crnn-r``).
    normalizer : SpeakerNormalizer, optional
        Fitted training statistics; its global statistics become the default normalisation.
        Without it features pass unnormalised (mean 0, std 1) until :meth:`set_normalization`.
    frontend : str
        The registered front end (:mod:`ssaser.features.frontends`) that ``feature_config``
        configures; its channels and bins must match ``model_config``.

    Notes
    -----
    Every forward is free of data-dependent Python control flow (ONNX-exportable):
    ``forward(wave (batch, samples)) -> emotion logits (batch, C)``.
    """

    def __init__(
        self,
        system_name: str,
        model_config: ModelConfig,
        feature_config: FeatureConfig | None = None,
        emotions: Sequence[str] = (),
        speakers: Sequence[str] | None = None,
        normalizer: SpeakerNormalizer | None = None,
        frontend: str = DEFAULT_FRONTEND,
    ) -> None:
        super().__init__()
        feature_config = feature_config or FeatureConfig()
        shared = shared_quantities(frontend, feature_config)
        stated = {key: getattr(model_config, key) for key in shared}
        if stated != shared:
            raise ModelConfigError(f"the front end {frontend} gives {shared}, the model config says {stated}")
        self.system_name = system_name
        self.model_config = model_config
        self.feature_config = feature_config
        self.emotions = [str(e) for e in emotions]
        self.speakers = [str(s) for s in speakers] if speakers is not None else []
        self.normalizer = normalizer
        #: Free-form training information (filled by :func:`ssaser.models.model_dir.load_model_dir`).
        self.training_info: dict = {}
        self.frontend_name = frontend
        self.frontend = get_frontend(frontend).build(feature_config)
        self.system = build_system(system_name, model_config, len(self.emotions), len(self.speakers) or None)
        shape = (model_config.in_channels, model_config.n_mels)
        self.register_buffer("feature_mean", torch.zeros(shape))
        self.register_buffer("feature_std", torch.ones(shape))
        if normalizer is not None:
            self.set_normalization(*normalizer.stats_for(None))

    @classmethod
    def from_spec(cls, spec: ModelSpec, emotions: Sequence[str], speakers: Sequence[str] | None = None,
                  normalizer: SpeakerNormalizer | None = None) -> "SerModel":
        """The model that a resolved :class:`~ssaser.models.spec.ModelSpec` describes."""
        return cls(spec.system, spec.model_config, spec.feature_config, emotions, speakers, normalizer, spec.frontend)

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec(self.system_name, self.frontend_name, self.feature_config, self.model_config)

    def set_normalization(self, mean, std) -> None:
        """Set the default statistics, ``(3, n_mels)`` each (numpy or torch)."""
        self.feature_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.feature_std.copy_(torch.as_tensor(std, dtype=torch.float32))

    def speaker_stats(self, speaker: Hashable | None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mean, std)`` tensors ``(3, n_mels)`` of a training speaker, or the defaults."""
        if self.normalizer is None:
            return self.feature_mean, self.feature_std
        mean, std = self.normalizer.stats_for(speaker)
        return (torch.as_tensor(mean, dtype=torch.float32, device=self.feature_mean.device),
                torch.as_tensor(std, dtype=torch.float32, device=self.feature_mean.device))

    def features(
        self, wave: torch.Tensor, mean: torch.Tensor | None = None, std: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Waveforms to normalised model input.

        Parameters
        ----------
        wave : torch.Tensor
            ``(batch, samples)`` float at ``feature_config.sample_rate``, at least one window long.
        mean, std : torch.Tensor, optional
            ``(3, n_mels)`` or per row ``(batch, 3, n_mels)``; default: the buffers.

        Returns
        -------
        torch.Tensor
            ``(batch, 3, segment_frames, n_mels)``: normalised, then zero-padded or cropped to
            ``segment_frames`` (normalise first: the padding is then 0 = the mean).
        """
        mean = self.feature_mean if mean is None else mean
        std = self.feature_std if std is None else std
        feats = self.frontend(wave)
        # (3, M) -> (1, 3, 1, M); (B, 3, M) -> (B, 3, 1, M). Branches on rank only (static).
        feats = (feats - mean.unsqueeze(-2)) / std.unsqueeze(-2)
        frames = self.model_config.segment_frames
        # Pad by a full segment, then crop: no branch on the (dynamic) number of frames.
        return F.pad(feats, (0, 0, 0, frames))[:, :, :frames]

    def forward_features(self, features: torch.Tensor) -> SystemOutput:
        """``(batch, 3, segment_frames, n_mels)`` normalised segments (e.g. cached) -> :class:`SystemOutput`."""
        return self.system(features)

    def forward_waveform(
        self, wave: torch.Tensor, mean: torch.Tensor | None = None, std: torch.Tensor | None = None
    ) -> SystemOutput:
        """``(batch, samples)`` waveforms (one segment each, cropped/padded) -> :class:`SystemOutput`."""
        return self.system(self.features(wave, mean, std))

    def forward(
        self, wave: torch.Tensor, mean: torch.Tensor | None = None, std: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``(batch, samples)`` -> emotion logits ``(batch, n_emotions)`` (the export entry point)."""
        return self.forward_waveform(wave, mean, std).emotion_logits
