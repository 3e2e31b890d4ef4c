"""Attention layers: self attention pooling (SA, eq. 1-2) and Self Speaker Attention (SSA, eq. 3-7).

Both return their weights with the context, so the weights of a forward pass are available
without a second pass (the paper's Figure 3 plots them).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ssaser.models.config import ModelConfig


def audio_frames(features: torch.Tensor) -> torch.Tensor:
    """``(batch, segment_frames)`` bool: input frames that are not padding.

    ``features (batch, C, segment_frames, n_mels)`` are normalised segments, whose padding frames
    are exactly 0 in every channel and band (:func:`ssaser.features.segment.segment_features`).
    """
    return features.ne(0).any(dim=3).any(dim=1)


def padding_frames_mask(features: torch.Tensor, frames: int) -> torch.Tensor:
    """Which of the ``frames`` frames after the time pool hold any audio.

    Parameters
    ----------
    features : torch.Tensor
        ``(batch, C, segment_frames, n_mels)`` normalised segments; padding frames are exactly 0
        in every channel and band (:func:`ssaser.features.segment.segment_features`).
    frames : int
        ``T``, the frames after the pool (``segment_frames // pool[0]``).

    Returns
    -------
    torch.Tensor
        ``(batch, T)`` bool, True where a pooled frame covers at least one non-padding frame. A
        segment that is padding only (never cut by ssaser) keeps all its frames.
    """
    audio = audio_frames(features)
    window = features.shape[2] // frames
    valid = audio[:, : frames * window].reshape(audio.shape[0], frames, window).any(dim=-1)
    return valid | ~valid.any(dim=-1, keepdim=True)


def _masked(scores: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    return scores if valid is None else scores.masked_fill(~valid, float("-inf"))


def _vector(size: int) -> nn.Parameter:
    # Small random start: all-zero score weights would give uniform attention and, for W_q,
    # a zero query (no gradient through the cross scores at the first step).
    return nn.Parameter(torch.randn(size) / math.sqrt(size))


class SelfAttentionPooling(nn.Module):
    """Self attention pooling over time, eq. 1-2.

    ``alpha = softmax_t(h W_att)``, ``W_att in R^d``; ``c = sum_t alpha_t h_t``.

    Parameters
    ----------
    dim : int
        ``d``, the size of a frame of ``h``.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.w_att = _vector(dim)

    def forward(self, h: torch.Tensor, valid: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Pool ``h (batch, T, d)`` -> context ``(batch, d)`` and weights ``alpha (batch, T)``.

        ``valid (batch, T)`` bool, optional: frames that may get weight (see
        :func:`padding_frames_mask`); all of them when None.
        """
        alpha = torch.softmax(_masked(h @ self.w_att, valid), dim=-1)
        context = torch.einsum("bt,btd->bd", alpha, h)
        return context, alpha


class SelfSpeakerAttention(nn.Module):
    """Self Speaker Attention, eq. 3-7 as reconstructed in ``shared/paper/NOTES.md``.

    1. query ``q_em = h_em^T W_q``, ``W_q in R^T`` -> ``(d,)`` (hence a fixed ``T``);
    2. self scores ``a_em = h_em W_k_em``, ``W_k_em in R^d`` -> ``(T,)``;
    3. cross scores ``a_sp = (h_sp W_k_sp) q_em / s``, ``W_k_sp in R^{d x d}``, with
       ``s = sqrt(T)`` (paper, default), ``sqrt(d)`` or ``1`` (``attention_scaling``: ``sqrt_T``,
       ``sqrt_d``, ``none``);
    4. one softmax over the ``2T`` scores ``[a_em, a_sp]``;
    5. values ``V_em = h_em W_v_em``, ``V_sp = h_sp W_v_sp``;
    6. context ``c = [sum_t alpha_t V_em_t ; sum_t alpha_{T+t} V_sp_t]`` in ``R^{2d}``
       (``ssa_context="concat"``, default: block-placed values) or their sum in ``R^d``
       (``"sum"``).

    Parameters
    ----------
    config : ModelConfig
        Gives ``T``, ``d``, the scaling and the context option.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        frames, dim = config.frames_after_pool, config.hidden_dim
        self.frames = frames
        self.concat = config.ssa_context == "concat"
        divisor = {"sqrt_T": frames, "sqrt_d": dim, "none": 1}[config.attention_scaling]
        self.scale = 1.0 / math.sqrt(divisor)
        self.w_q = _vector(frames)
        self.w_k_em = _vector(dim)
        self.w_k_sp = nn.Linear(dim, dim, bias=False)
        self.w_v_em = nn.Linear(dim, dim, bias=False)
        self.w_v_sp = nn.Linear(dim, dim, bias=False)

    @property
    def out_dim(self) -> int:
        """Size of the context: ``2d`` (concat) or ``d`` (sum)."""
        dim = self.w_v_em.out_features
        return 2 * dim if self.concat else dim

    def forward(
        self, h_em: torch.Tensor, h_sp: torch.Tensor, valid: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attend.

        Parameters
        ----------
        h_em, h_sp : torch.Tensor
            ``(batch, T, d)`` BLSTM outputs of the emotion and speaker CRNNs.
        valid : torch.Tensor, optional
            ``(batch, T)`` bool: frames that may get weight, in both halves of the softmax
            (:func:`padding_frames_mask`); all of them when None.

        Returns
        -------
        context : torch.Tensor
            ``(batch, 2d)`` (concat) or ``(batch, d)`` (sum).
        alpha_em, alpha_sp : torch.Tensor
            ``(batch, T)`` each: the two halves of the one softmax over ``2T``
            (together they sum to 1 per row).
        """
        query = torch.einsum("btd,t->bd", h_em, self.w_q)
        score_em = h_em @ self.w_k_em
        score_sp = torch.einsum("btd,bd->bt", self.w_k_sp(h_sp), query) * self.scale
        mask = None if valid is None else torch.cat([valid, valid], dim=-1)
        alpha = torch.softmax(_masked(torch.cat([score_em, score_sp], dim=-1), mask), dim=-1)
        alpha_em, alpha_sp = alpha[:, : self.frames], alpha[:, self.frames :]
        c_em = torch.einsum("bt,btd->bd", alpha_em, self.w_v_em(h_em))
        c_sp = torch.einsum("bt,btd->bd", alpha_sp, self.w_v_sp(h_sp))
        context = torch.cat([c_em, c_sp], dim=-1) if self.concat else c_em + c_sp
        return context, alpha_em, alpha_sp
