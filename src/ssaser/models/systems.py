"""The three systems of the paper's Table 1: ``acrnn``, ``acrnn-r`` and ``ssa-crnn-r``.

Every system maps normalised segments ``(batch, 3, segment_frames, n_mels)`` to a
:class:`SystemOutput`. Only audio features are needed at inference: the speaker branch of
SSA-CRNN-r runs on the same segment; speaker labels are used only by the training loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ssaser.models.attention import SelfAttentionPooling, SelfSpeakerAttention, padding_frames_mask
from ssaser.models.classifier import CosineLinear, make_classifier
from ssaser.models.config import ModelConfig, ModelConfigError
from ssaser.models.crnn import CRNNEncoder
from ssaser.models.registry import get_system
from ssaser.models.window_norm import normalise_windows



@dataclass
class SystemOutput:
    """What a forward pass of a system gives.

    Attributes
    ----------
    emotion_logits : torch.Tensor
        ``(batch, n_emotions)``.
    speaker_logits : torch.Tensor or None
        ``(batch, n_speakers)`` for ``ssa-crnn-r``; None for single-branch systems.
    emotion_embedding : torch.Tensor
        ``(batch, embedding_dim)``: ``z_em``, the input of the emotion classifier.
    speaker_embedding : torch.Tensor or None
        ``(batch, embedding_dim)``: ``z_sp`` for ``ssa-crnn-r``, else None.
    attention : dict of str to torch.Tensor
        ``{"alpha": (batch, T)}`` for SA systems; ``{"alpha_em", "alpha_sp"}`` (batch, T) each for
        SSA (the two halves of one softmax over ``2T``), plus ``"alpha_speaker"`` (batch, T),
        the SA weights of the speaker branch.
    """

    emotion_logits: torch.Tensor
    speaker_logits: torch.Tensor | None
    emotion_embedding: torch.Tensor
    speaker_embedding: torch.Tensor | None = None
    attention: dict[str, torch.Tensor] = field(default_factory=dict)


def attention_valid(features: torch.Tensor, config: ModelConfig) -> torch.Tensor | None:
    """``(batch, T)`` frames the attention softmaxes may weight, or None for all (``attention_mask``)."""
    if config.attention_mask == "padding":
        return padding_frames_mask(features, config.frames_after_pool)
    return None


def emotion_input(features: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """What the emotion branch sees: the segments, normalised per window where ``window_norm`` says."""
    return normalise_windows(features, config.window_norm, config.window_norm_prior)


class _Embedding(nn.Sequential):
    """Context -> FC (-> LeakyReLU): the embedding ``z`` (the paper's FC after the attention)."""

    def __init__(self, in_features: int, config: ModelConfig) -> None:
        layers: list[nn.Module] = [nn.Linear(in_features, config.embedding_dim)]
        if config.embedding_activation == "leaky_relu":
            layers.append(nn.LeakyReLU(config.leaky_slope))
        super().__init__(*layers)


class ACRNNBranch(nn.Module):
    """CRNN -> self attention pooling -> embedding -> classifier (an ACRNN).

    Parameters
    ----------
    config : ModelConfig
        Sizes.
    n_classes : int
        Output classes (emotions, or speakers for the speaker branch).
    constrained : bool
        Constrained classification layer (eq. 8, no bias) instead of a plain linear one.
    cosine : bool
        AM-softmax's cosine layer instead (the speaker branch with ``speaker_head="cosine"``).
    """

    def __init__(self, config: ModelConfig, n_classes: int, constrained: bool, cosine: bool = False) -> None:
        super().__init__()
        self.encoder = CRNNEncoder(config)
        self.attention = SelfAttentionPooling(config.hidden_dim)
        self.embedding = _Embedding(config.hidden_dim, config)
        self.dropout = nn.Dropout(config.dropout)
        if cosine:
            self.classifier = CosineLinear(config.embedding_dim, n_classes, config.speaker_scale)
        else:
            self.classifier = make_classifier(config.embedding_dim, n_classes, constrained,
                                              eval_scale=config.constrained_eval_scale, gain=config.constrained_gain)

    def forward(
        self, features: torch.Tensor, valid: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``features (batch, 3, F, M)`` -> logits ``(batch, C)``, embedding ``(batch, n_em)``,
        BLSTM outputs ``h (batch, T, d)`` and SA weights ``(batch, T)``; ``valid (batch, T)``
        bool, optional, masks the SA softmax."""
        h = self.encoder(features)
        context, alpha = self.attention(h, valid)
        embedding = self.embedding(context)
        return self.classifier(self.dropout(embedding)), embedding, h, alpha


class ACRNN(nn.Module):
    """Single-branch emotion ACRNN (``acrnn``; ``acrnn-r`` with ``constrained=True``)."""

    def __init__(self, config: ModelConfig, n_emotions: int, constrained: bool) -> None:
        super().__init__()
        self.config = config
        self.emotion = ACRNNBranch(config, n_emotions, constrained)

    def forward(self, features: torch.Tensor) -> SystemOutput:
        """``features (batch, 3, segment_frames, n_mels)`` -> :class:`SystemOutput`."""
        valid = attention_valid(features, self.config)
        logits, embedding, _, alpha = self.emotion(emotion_input(features, self.config), valid)
        return SystemOutput(logits, None, embedding, None, {"alpha": alpha})


class SSACRNN(nn.Module):
    """SSA-CRNN-r: speaker ACRNN ``C_sp`` + emotion CRNN with SSA ``C_em`` (section 2.3).

    The speaker branch is a full ACRNN classifying the training speakers; its BLSTM outputs
    ``h_sp`` feed SSA, so the emotion loss also trains it (joint training).
    """

    def __init__(self, config: ModelConfig, n_emotions: int, n_speakers: int) -> None:
        super().__init__()
        self.config = config
        self.speaker = ACRNNBranch(config, n_speakers, constrained=False, cosine=config.speaker_head == "cosine")
        self.encoder = CRNNEncoder(config)
        self.ssa = SelfSpeakerAttention(config)
        self.embedding = _Embedding(self.ssa.out_dim, config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = make_classifier(
            config.embedding_dim, n_emotions, constrained=True, eval_scale=config.constrained_eval_scale,
            gain=config.constrained_gain,
        )

    def forward(self, features: torch.Tensor) -> SystemOutput:
        """``features (batch, 3, segment_frames, n_mels)`` -> :class:`SystemOutput`."""
        valid = attention_valid(features, self.config)
        speaker_logits, speaker_embedding, h_sp, alpha_speaker = self.speaker(features, valid)
        h_em = self.encoder(emotion_input(features, self.config))
        context, alpha_em, alpha_sp = self.ssa(h_em, h_sp, valid)
        embedding = self.embedding(context)
        logits = self.classifier(self.dropout(embedding))
        attention = {"alpha_em": alpha_em, "alpha_sp": alpha_sp, "alpha_speaker": alpha_speaker}
        return SystemOutput(logits, speaker_logits, embedding, speaker_embedding, attention)


def build_acrnn(config: ModelConfig, n_emotions: int, n_speakers: int | None = None) -> ACRNN:
    """``acrnn``: plain softmax classifier."""
    return ACRNN(config, n_emotions, constrained=False)


def build_acrnn_r(config: ModelConfig, n_emotions: int, n_speakers: int | None = None) -> ACRNN:
    """``acrnn-r``: the constrained classifier (eq. 8)."""
    return ACRNN(config, n_emotions, constrained=True)


def build_ssa_crnn_r(config: ModelConfig, n_emotions: int, n_speakers: int | None) -> SSACRNN:
    """``ssa-crnn-r``: speaker branch + SSA; needs the number of training speakers."""
    return SSACRNN(config, n_emotions, n_speakers)


def build_system(name: str, config: ModelConfig, n_emotions: int, n_speakers: int | None = None) -> nn.Module:
    """Build a registered system (:mod:`ssaser.models.registry`).

    Parameters
    ----------
    name : str
        System name (``acrnn``, ``acrnn-r``, ``ssa-crnn-r`` or any registered one).
    config : ModelConfig
        Sizes (a preset from :func:`ssaser.models.config.get_preset`).
    n_emotions : int
        Emotion classes.
    n_speakers : int, optional
        Training speakers; required by systems with a speaker branch, ignored by the others.

    Returns
    -------
    torch.nn.Module
        Its ``forward(features (batch, 3, segment_frames, n_mels))`` returns a :class:`SystemOutput`.
    """
    spec = get_system(name)
    if n_emotions < 2:
        raise ModelConfigError(f"need at least 2 emotion classes, got {n_emotions}")
    if spec.speaker_branch and (not n_speakers or n_speakers < 2):
        raise ModelConfigError(f"{name} needs at least 2 training speakers, got {n_speakers}")
    return spec.build(config, n_emotions, n_speakers)


def system_loss(
    output: SystemOutput,
    emotion_targets: torch.Tensor,
    speaker_targets: torch.Tensor | None = None,
    lambda_speaker: float = 1.0,
    label_smoothing: float = 0.0,
    speaker_margin: float = 0.0,
) -> torch.Tensor:
    """``CE(emotion) + lambda * CE(speaker)``; the speaker term only where the system has one.

    Parameters
    ----------
    output : SystemOutput
        A forward pass.
    emotion_targets : torch.Tensor
        ``(batch,)`` class indices.
    speaker_targets : torch.Tensor, optional
        ``(batch,)`` training-speaker indices; required when ``output.speaker_logits`` is set.
    lambda_speaker : float
        Weight of the speaker term (``ModelConfig.lambda_speaker``).
    label_smoothing : float
        Label smoothing of the emotion term only.
    speaker_margin : float
        Subtracted from the target speaker's logit (AM-softmax's ``s * m``,
        ``ModelConfig.speaker_logit_margin``); 0 = plain cross-entropy.
    """
    loss = F.cross_entropy(output.emotion_logits, emotion_targets, label_smoothing=label_smoothing)
    if output.speaker_logits is not None:
        if speaker_targets is None:
            raise ValueError("this system has a speaker branch: speaker_targets are needed for its loss")
        logits = output.speaker_logits
        if speaker_margin:
            logits = logits - speaker_margin * F.one_hot(speaker_targets, logits.shape[-1]).to(logits.dtype)
        loss = loss + lambda_speaker * F.cross_entropy(logits, speaker_targets)
    return loss
