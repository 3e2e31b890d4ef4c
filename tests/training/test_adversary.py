"""The speaker adversary: a gradient reversal, a loss term in training, nothing in the saved model."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ssaser.models.config import get_preset
from ssaser.models.systems import system_loss
from ssaser.training.adversary import SpeakerAdversary, reverse_gradient
from ssaser.training.config import ConfigError, TrainConfig
from ssaser.training.module import SerLightningModule, module_for_config

TINY = get_preset("tiny").to_dict()


def test_reverse_gradient_is_the_identity_forward_and_flips_and_scales_backward():
    x = torch.randn(5, 4, requires_grad=True)
    y = reverse_gradient(x, 0.3)
    torch.testing.assert_close(y, x)
    weights = torch.randn(5, 4)
    (y * weights).sum().backward()
    torch.testing.assert_close(x.grad, -0.3 * weights)


def _module(**kwargs) -> SerLightningModule:
    torch.manual_seed(0)
    return SerLightningModule("acrnn-r", TINY, n_emotions=3, n_speakers=4, seed=5, **kwargs)


def _batch():
    g = torch.Generator().manual_seed(1)
    return (torch.randn(6, 3, 300, 40, generator=g), torch.tensor([0, 1, 2, 0, 1, 2]),
            torch.tensor([0, 1, 2, 3, 0, 1]), torch.arange(6))


@pytest.mark.filterwarnings(r"ignore:You are trying to `self.log\(\)`")
def test_training_loss_adds_the_adversarys_speaker_cross_entropy():
    module = _module(speaker_adversary=0.5).eval()  # no dropout: the forward can be recomputed
    features, emotion, speaker, utt = _batch()
    loss = module.training_step((features, emotion, speaker, utt), batch_idx=0)
    out = module.system(features)
    adversary_term = F.cross_entropy(module.adversary(out.emotion_embedding), speaker)
    torch.testing.assert_close(loss, system_loss(out, emotion) + adversary_term)
    assert adversary_term > 0.5  # an untrained 4-speaker classifier: about log 4, not negligible


def test_the_emotion_branch_gets_the_adversarys_gradient_reversed_and_scaled():
    module = _module(speaker_adversary=0.5).eval()
    features, _, speaker, _ = _batch()
    encoder_weight = next(module.system.emotion.encoder.parameters())

    embedding = module.system(features).emotion_embedding
    F.cross_entropy(module.adversary(embedding), speaker).backward()
    reversed_grad, head_grad = encoder_weight.grad.clone(), module.adversary.classifier[0].weight.grad.clone()
    module.zero_grad()

    embedding = module.system(features).emotion_embedding
    F.cross_entropy(module.adversary.classifier(embedding), speaker).backward()  # no reversal
    torch.testing.assert_close(reversed_grad, -module.adversary.reversal_scale(1.0) * encoder_weight.grad)
    # The adversary itself learns at the full rate, in the usual direction.
    torch.testing.assert_close(head_grad, module.adversary.classifier[0].weight.grad)


def test_the_reversal_rises_from_zero_to_its_weight_over_training():
    adversary = SpeakerAdversary(8, 4, weight=0.5)
    scales = [adversary.reversal_scale(p / 10) for p in range(11)]
    assert scales[0] == 0.0 and all(a < b for a, b in zip(scales, scales[1:]))
    assert 0.49 < scales[-1] <= 0.5 and adversary.reversal_scale(7.0) == scales[-1]  # clipped past the end
    x = torch.randn(3, 8, requires_grad=True)
    adversary(x, progress=0.0).sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))  # no push on the first step


def test_the_system_and_its_saved_weights_are_the_same_with_or_without_the_adversary():
    plain, adversarial = _module(), _module(speaker_adversary=1.0)
    assert plain.adversary is None
    plain_state, adversarial_state = plain.system.state_dict(), adversarial.system.state_dict()
    assert plain_state.keys() == adversarial_state.keys()
    assert all(torch.equal(plain_state[k], adversarial_state[k]) for k in plain_state)  # same initial weights
    assert any(k.startswith("adversary.") for k in adversarial.state_dict())  # resumed with the run
    out = adversarial.eval().system(_batch()[0])
    assert out.emotion_logits.shape == (6, 3)


def test_a_module_rebuilt_from_the_runs_config_takes_its_checkpoint_state():
    # What rescoring a finished fold does (benchmarks/_cv_run.py): the adversary's weights need a place.
    config = TrainConfig.from_dict({"model": "acrnn-r", "preset": "tiny", "speaker_adversary": 0.5, "lr": 3e-4})
    trained = module_for_config(config, n_emotions=3, n_speakers=4)
    rebuilt = module_for_config(config, n_emotions=3, n_speakers=4)
    rebuilt.load_state_dict(trained.state_dict())  # strict
    assert rebuilt.adversary is not None and rebuilt.hparams.speaker_adversary == 0.5 and rebuilt.hparams.lr == 3e-4
    with pytest.raises(RuntimeError, match="adversary"):
        module_for_config(TrainConfig.from_dict({"model": "acrnn-r", "preset": "tiny"}), 3, 4).load_state_dict(
            trained.state_dict())


def test_an_adversary_needs_two_training_speakers():
    with pytest.raises(ConfigError, match="at least 2 training speakers"):
        SerLightningModule("acrnn-r", TINY, n_emotions=3, n_speakers=1, speaker_adversary=0.5)
    with pytest.raises(ConfigError, match="must be > 0"):
        SpeakerAdversary(8, 4, 0.0)


@pytest.mark.parametrize("weight", [-0.5, "strong", float("nan")])
def test_config_refuses_a_bad_adversary_weight(weight):
    with pytest.raises(ConfigError, match="speaker_adversary"):
        TrainConfig.from_dict({"speaker_adversary": weight})
