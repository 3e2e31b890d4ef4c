"""Attention summaries: uniform weights read 1, one-hot 0; padding and the speaker half measured."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssaser.evaluation.attention_stats import attention_summary


def _segments(audio_frames: list[int], frames: int = 8) -> torch.Tensor:
    x = torch.randn(len(audio_frames), 3, frames, 4)
    for i, n in enumerate(audio_frames):
        x[i, :, n:] = 0
    return x


def test_uniform_and_one_hot_weights_over_the_audio_frames():
    segments = _segments([8, 4])  # T = 4 after a pool of 2: all audio, then 2 audio frames
    uniform = np.array([[0.25] * 4, [0.25] * 4])  # the second puts half its weight on padding
    one_hot = np.array([[0, 1.0, 0, 0], [1.0, 0, 0, 0]])
    stats = attention_summary({"alpha": uniform}, segments)
    assert stats["entropy/alpha"] == pytest.approx(1.0)  # uniform over its audio frames, both
    assert stats["padding_weight"] == pytest.approx(0.25)  # (0 + 0.5) / 2
    assert attention_summary({"alpha": one_hot}, segments)["entropy/alpha"] == pytest.approx(0.0, abs=1e-9)


def test_ssa_speaker_share_is_the_weight_of_the_speaker_half():
    segments = _segments([8])
    alpha_em = np.array([[0.4, 0.2, 0.1, 0.0]])
    alpha_sp = np.array([[0.075] * 4])
    stats = attention_summary({"alpha_em": alpha_em, "alpha_sp": alpha_sp}, segments)
    assert stats["speaker_share"] == pytest.approx(0.3)
    assert stats["entropy/alpha_sp"] == pytest.approx(1.0) and stats["entropy/alpha_em"] < 0.8
    assert stats["padding_weight"] == 0.0
