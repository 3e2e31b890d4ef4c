"""Mixup: a blend of the batch with a permutation of itself, reproducible per (seed, epoch, batch),
and a loss that blends both targets' losses with the same weight."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ssaser.models.config import get_preset
from ssaser.training.augment import step_generator
from ssaser.training.config import ConfigError, TrainConfig
from ssaser.training.mixup import mix_batch
from ssaser.training.module import SerLightningModule


def test_mix_batch_blends_each_row_with_its_partner_and_repeats_per_step():
    x = torch.randn(12, 3, 20, 8)
    mixed = mix_batch(x, 0.4, step_generator(3, epoch=2, batch=5))
    assert 0.0 <= mixed.lam <= 1.0
    assert sorted(mixed.partner.tolist()) == list(range(12))  # a permutation of the batch
    torch.testing.assert_close(mixed.features, mixed.lam * x + (1 - mixed.lam) * x[mixed.partner])
    again = mix_batch(x, 0.4, step_generator(3, epoch=2, batch=5))
    assert again.lam == mixed.lam and torch.equal(again.partner, mixed.partner)
    others = [mix_batch(x, 0.4, step_generator(3, epoch=e, batch=5)) for e in range(3, 8)]
    assert any(o.lam != mixed.lam for o in others)


def test_mix_batch_keeps_padding_only_where_both_segments_are_padding():
    x = torch.randn(2, 3, 10, 4)
    x[0, :, 6:] = 0
    x[1, :, 8:] = 0
    for batch in range(20):
        mixed = mix_batch(x, 1.0, step_generator(0, 0, batch))
        assert (mixed.features[:, :, 8:] == 0).all()
        if 0 < mixed.lam < 1 and mixed.partner.tolist() == [1, 0]:
            assert (mixed.features[0, :, 6:8] != 0).all()  # the partner's audio fills row 0's padding


def test_small_alpha_draws_weights_near_0_or_1():
    lams = [mix_batch(torch.zeros(4, 1, 2, 2), 0.05, step_generator(1, 0, b)).lam for b in range(200)]
    assert sum(min(lam, 1 - lam) < 0.05 for lam in lams) > 150


@pytest.mark.parametrize("alpha", [0.0, -1.0, float("nan")])
def test_mix_batch_refuses_a_weight_distribution_that_is_not_one(alpha):
    with pytest.raises(ValueError, match="alpha must be > 0"):
        mix_batch(torch.zeros(2, 1, 2, 2), alpha, step_generator(0, 0, 0))


@pytest.mark.parametrize("alpha", [-0.1, "much", float("inf")])
def test_config_refuses_bad_mixup_alpha(alpha):
    with pytest.raises(ConfigError, match="mixup_alpha"):
        TrainConfig.from_dict({"mixup_alpha": alpha})


@pytest.mark.filterwarnings(r"ignore:You are trying to `self.log\(\)`")
def test_training_step_loss_blends_both_targets_with_the_batch_weight():
    torch.manual_seed(0)
    module = SerLightningModule("ssa-crnn-r", get_preset("tiny").to_dict(), n_emotions=3, n_speakers=4,
                                seed=11, mixup_alpha=0.4)
    module.eval()  # no dropout: the step's forward can be recomputed here
    features = torch.randn(6, 3, 300, 40)
    emotion = torch.tensor([0, 1, 2, 0, 1, 2])
    speaker = torch.tensor([0, 1, 2, 3, 0, 1])
    loss = module.training_step((features, emotion, speaker, torch.arange(6)), batch_idx=4)
    mixed = mix_batch(features, 0.4, step_generator(11, module.current_epoch, 4))
    out = module.system(mixed.features)

    def joint(e, s):
        return F.cross_entropy(out.emotion_logits, e) + module.config.lambda_speaker * F.cross_entropy(out.speaker_logits, s)

    expected = mixed.lam * joint(emotion, speaker) + (1 - mixed.lam) * joint(emotion[mixed.partner], speaker[mixed.partner])
    torch.testing.assert_close(loss, expected)
    assert not torch.isclose(loss, joint(emotion, speaker))  # the partner's targets do count
