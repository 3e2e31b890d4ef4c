"""The speaker branch's AM-softmax head (``speaker_head="cosine"``): bounded cosine logits, the
margin in the loss, a model file that round-trips, and the paper's linear head by default."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ssaser.models import ModelConfigError, build_system, get_preset, system_loss
from ssaser.models.classifier import CosineLinear


def test_cosine_logits_are_scaled_cosines_whatever_the_embedding_norm():
    torch.manual_seed(0)
    head = CosineLinear(8, 5, scale=30.0)
    x = torch.randn(4, 8)
    logits = head(x)
    assert logits.shape == (4, 5) and logits.abs().max() <= 30.0 + 1e-4
    torch.testing.assert_close(head(7.0 * x), logits)  # direction only
    w = head.weight[2]
    torch.testing.assert_close(head(w[None])[0, 2], torch.tensor(30.0))  # a class's own direction: cos = 1


def test_ssa_speaker_branch_takes_the_configured_head_and_the_loss_its_margin():
    torch.manual_seed(1)
    config = get_preset("tiny", speaker_head="cosine", speaker_scale=20.0, speaker_margin=0.3)
    assert config.speaker_logit_margin == pytest.approx(6.0)
    assert get_preset("tiny").speaker_logit_margin == 0.0  # the paper's softmax by default
    system = build_system("ssa-crnn-r", config, n_emotions=3, n_speakers=4).train()
    assert isinstance(system.speaker.classifier, CosineLinear)
    assert isinstance(build_system("ssa-crnn-r", get_preset("tiny"), 3, 4).speaker.classifier, torch.nn.Linear)
    out = system(torch.randn(6, 3, 300, 40))
    emotion, speaker = torch.tensor([0, 1, 2, 0, 1, 2]), torch.tensor([0, 1, 2, 3, 0, 1])
    assert out.speaker_logits.abs().max() <= 20.0 + 1e-4
    plain = system_loss(out, emotion, speaker)
    margin = system_loss(out, emotion, speaker, speaker_margin=6.0)
    shifted = out.speaker_logits - 6.0 * F.one_hot(speaker, 4)
    expected = F.cross_entropy(out.emotion_logits, emotion) + F.cross_entropy(shifted, speaker)
    torch.testing.assert_close(margin, expected)
    assert margin > plain  # the margin makes the target harder to win
    margin.backward()
    assert system.speaker.classifier.weight.grad.abs().sum() > 0


def test_cosine_head_state_round_trips_and_bad_settings_are_refused():
    config = get_preset("tiny", speaker_head="cosine")
    a = build_system("ssa-crnn-r", config, n_emotions=3, n_speakers=4)
    b = build_system("ssa-crnn-r", type(config).from_dict(config.to_dict()), n_emotions=3, n_speakers=4)
    b.load_state_dict(a.state_dict())  # strict: same keys (no bias on the cosine head)
    assert "speaker.classifier.bias" not in a.state_dict()
    with pytest.raises(ModelConfigError, match="speaker_head"):
        get_preset("tiny", speaker_head="arcface")
    with pytest.raises(ModelConfigError, match="speaker_margin"):
        get_preset("tiny", speaker_margin=-0.1)
