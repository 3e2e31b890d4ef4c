"""The inference function as one ``torch.nn.Module``: what the torch backend runs and ONNX exports.

``audio spans -> front end -> window frames -> normalise -> pad -> both branches -> logits``.
Putting the frame selection, normalisation and padding inside the graph makes the torch and
ONNX backends run the very same computation, so their outputs can be compared directly.
"""

from __future__ import annotations

import torch
from torch import nn

from ssaser.models.registry import get_system


class InferenceGraph(nn.Module):
    """Scores fixed-length windows cut from audio spans (see :mod:`ssaser.inference.windows`).

    Parameters
    ----------
    system : nn.Module
        ``forward(features (batch, 3, segment_frames, n_mels)) -> SystemOutput`` (in eval mode).
    segment_frames : int
        Frames per window (300).
    frontend : nn.Module or None
        ``LogMel3D``: ``(batch, samples) -> (batch, 3, frames, n_mels)``. ``None`` builds the
        features-in variant (the inputs are already features), used where the front end
        cannot be exported.
    with_speaker : bool
        Also return the speaker branch's logits (systems with one, e.g. ``ssa-crnn-r``).

    Notes
    -----
    ``forward(inputs, offsets, valid, mean, std)``:

    - ``inputs``: ``(batch, samples)`` float32 audio spans, or ``(batch, 3, frames, n_mels)``
      features for the features-in variant;
    - ``offsets``: ``(batch,)`` int64, first frame of each window inside its span;
    - ``valid``: ``(batch,)`` int64, frames of real audio in each window (the rest is set to 0,
      the normalised mean: "normalise first, then pad");
    - ``mean``, ``std``: ``(3, n_mels)`` normalisation statistics.

    Returns ``emotion_logits (batch, n_emotions)`` and, with ``with_speaker``,
    ``speaker_logits (batch, n_speakers)``.
    """

    def __init__(self, system: nn.Module, segment_frames: int, frontend: nn.Module | None = None,
                 with_speaker: bool = False) -> None:
        super().__init__()
        self.system = system
        self.frontend = frontend
        self.segment_frames = segment_frames
        self.with_speaker = with_speaker

    def forward(self, inputs: torch.Tensor, offsets: torch.Tensor, valid: torch.Tensor,
                mean: torch.Tensor, std: torch.Tensor) -> tuple[torch.Tensor, ...]:
        feats = self.frontend(inputs) if self.frontend is not None else inputs
        batch, channels, frames, mels = feats.shape
        steps = torch.arange(self.segment_frames, device=feats.device)
        index = offsets.unsqueeze(1) + steps.unsqueeze(0)  # (batch, segment_frames)
        # Padded positions may point past the span; clamp them in, they are zeroed below.
        index = torch.minimum(index, torch.full_like(index, frames - 1))
        gathered = torch.gather(feats, 2, index[:, None, :, None].expand(batch, channels, -1, mels))
        normed = (gathered - mean[None, :, None, :]) / std[None, :, None, :]
        keep = (steps.unsqueeze(0) < valid.unsqueeze(1)).to(normed.dtype)
        normed = normed * keep[:, None, :, None]
        out = self.system(normed)
        if self.with_speaker:
            return out.emotion_logits, out.speaker_logits
        return (out.emotion_logits,)


def build_graph(model, with_frontend: bool = True) -> InferenceGraph:
    """The inference graph of a :class:`ssaser.models.SerModel` (sharing its modules, eval mode).

    ``with_frontend=False`` gives the features-in variant.
    """
    return InferenceGraph(model.system, model.feature_config.segment_frames,
                          model.frontend if with_frontend else None,
                          with_speaker=get_system(model.system_name).speaker_branch).eval()
