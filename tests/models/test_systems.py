"""The three systems: shapes per preset, attention outputs, joint loss and gradients."""

from __future__ import annotations

import inspect

import pytest
import torch

from ssaser.models import ModelConfigError, SystemOutput, build_system, get_preset, system_loss


@pytest.mark.parametrize("preset", ["tiny", "lite"])
@pytest.mark.parametrize("name", ["acrnn", "acrnn-r", "ssa-crnn-r"])
def test_shapes(preset: str, name: str) -> None:
    torch.manual_seed(0)
    config = get_preset(preset)
    system = build_system(name, config, n_emotions=4, n_speakers=6).eval()
    with torch.no_grad():
        out = system(torch.randn(2, 3, 300, 40))
    assert isinstance(out, SystemOutput)
    assert out.emotion_logits.shape == (2, 4)
    assert out.emotion_embedding.shape == (2, config.embedding_dim)
    T = config.frames_after_pool
    assert T == 150
    if name == "ssa-crnn-r":
        assert out.speaker_logits.shape == (2, 6)
        assert out.speaker_embedding.shape == (2, config.embedding_dim)
        assert out.attention["alpha_em"].shape == out.attention["alpha_sp"].shape == (2, T)
        total = out.attention["alpha_em"].sum(1) + out.attention["alpha_sp"].sum(1)
        torch.testing.assert_close(total, torch.ones(2))
    else:
        assert out.speaker_logits is None and out.speaker_embedding is None
        assert out.attention["alpha"].shape == (2, T)
        torch.testing.assert_close(out.attention["alpha"].sum(1), torch.ones(2))
    for alpha in out.attention.values():
        assert (alpha >= 0).all()


@pytest.mark.parametrize("name", ["acrnn", "ssa-crnn-r"])
def test_paper_preset_shapes_batch_one(name: str) -> None:
    config = get_preset("paper")
    assert (config.conv_first_channels, config.conv_channels, config.n_conv_layers) == (128, 256, 6)
    assert (config.linear_units, config.hidden_dim, config.embedding_dim) == (768, 256, 128)
    system = build_system(name, config, n_emotions=4, n_speakers=3).eval()
    with torch.no_grad():
        out = system(torch.randn(1, 3, 300, 40))
    assert out.emotion_logits.shape == (1, 4)
    if name == "ssa-crnn-r":
        assert out.speaker_logits.shape == (1, 3)
        assert system.ssa.w_q.shape == (150,) and system.ssa.out_dim == 512
        assert out.attention["alpha_sp"].shape == (1, 150)


def test_joint_loss_reaches_every_parameter_of_both_branches() -> None:
    torch.manual_seed(1)
    config = get_preset("tiny")
    system = build_system("ssa-crnn-r", config, n_emotions=3, n_speakers=4).train()
    out = system(torch.randn(6, 3, 300, 40))
    loss = system_loss(out, torch.tensor([0, 1, 2, 0, 1, 2]), torch.tensor([0, 1, 2, 3, 0, 1]))
    loss.backward()
    missing = [n for n, p in system.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert missing == []
    assert any(n.startswith("speaker.") for n, _ in system.named_parameters())
    assert any(n.startswith("encoder.") for n, _ in system.named_parameters())


def test_emotion_loss_alone_trains_the_speaker_encoder_through_ssa() -> None:
    torch.manual_seed(2)
    system = build_system("ssa-crnn-r", get_preset("tiny"), n_emotions=3, n_speakers=4).train()
    out = system(torch.randn(4, 3, 300, 40))
    torch.nn.functional.cross_entropy(out.emotion_logits, torch.tensor([0, 1, 2, 0])).backward()
    grad = system.speaker.encoder.blstm.weight_ih_l0.grad
    assert grad is not None and grad.abs().sum() > 0


def test_loss_weighting_and_speaker_targets() -> None:
    torch.manual_seed(3)
    system = build_system("ssa-crnn-r", get_preset("tiny"), n_emotions=3, n_speakers=4).eval()
    with torch.no_grad():
        out = system(torch.randn(4, 3, 300, 40))
    em, sp = torch.tensor([0, 1, 2, 0]), torch.tensor([3, 2, 1, 0])
    ce = torch.nn.functional.cross_entropy
    expected = ce(out.emotion_logits, em) + 0.5 * ce(out.speaker_logits, sp)
    torch.testing.assert_close(system_loss(out, em, sp, lambda_speaker=0.5), expected)
    with pytest.raises(ValueError):
        system_loss(out, em)


def test_inference_needs_only_audio_features() -> None:
    torch.manual_seed(4)
    system = build_system("ssa-crnn-r", get_preset("tiny"), n_emotions=3, n_speakers=4).eval()
    assert list(inspect.signature(system.forward).parameters) == ["features"]
    x = torch.randn(3, 3, 300, 40)
    with torch.no_grad():
        batch = system(x).emotion_logits
        rows = torch.cat([system(x[i : i + 1]).emotion_logits for i in range(3)])
    # In evaluation a row's prediction does not depend on the other rows of its batch.
    torch.testing.assert_close(batch, rows, rtol=1e-4, atol=1e-5)


def test_bad_names() -> None:
    with pytest.raises(ModelConfigError):
        build_system("resnet", get_preset("tiny"), 4, 4)
    with pytest.raises(ModelConfigError):
        build_system("ssa-crnn-r", get_preset("tiny"), 4, None)
    with pytest.raises(ModelConfigError):
        get_preset("huge")


def test_config_round_trip_and_validation() -> None:
    config = get_preset("lite", attention_scaling="sqrt_d", ssa_context="sum")
    assert type(config).from_dict(config.to_dict()) == config
    with pytest.raises(ModelConfigError):
        type(config).from_dict({**config.to_dict(), "colour": "red"})
    with pytest.raises(ModelConfigError):
        config.replace(ssa_context="product")


def test_embedding_activation_option_changes_the_embedding_layer():
    from ssaser.models import build_system, get_preset

    with_act = build_system("acrnn-r", get_preset("tiny"), 4)
    without = build_system("acrnn-r", get_preset("tiny", embedding_activation="none"), 4)
    assert len(with_act.emotion.embedding) == 2 and len(without.emotion.embedding) == 1
    with pytest.raises(Exception):
        get_preset("tiny", embedding_activation="relu6")
