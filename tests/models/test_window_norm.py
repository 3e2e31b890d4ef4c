"""Per-window normalisation: statistics of the audio frames only, padding kept at 0, the prior's pull."""

from __future__ import annotations

import pytest
import torch

from ssaser.models import ModelConfigError, build_system, get_preset
from ssaser.models.window_norm import normalise_windows


def _padded(batch: int = 3, frames: int = 300, audio: tuple[int, ...] = (300, 120, 7)) -> torch.Tensor:
    torch.manual_seed(0)
    x = torch.randn(batch, 3, frames, 40) * 2.0 + 1.5  # another mean and spread than the prior's
    for i, n in enumerate(audio):
        x[i, :, n:] = 0.0
    return x


def test_without_prior_each_window_gets_zero_mean_unit_std_over_its_audio_frames() -> None:
    x = _padded()
    out = normalise_windows(x, "mean_std", prior_frames=0.0)
    for i, n in enumerate((300, 120, 7)):
        audio = out[i, :, :n]
        torch.testing.assert_close(audio.mean(dim=1), torch.zeros(3, 40), atol=1e-5, rtol=0)
        torch.testing.assert_close(audio.std(dim=1, unbiased=False), torch.ones(3, 40), atol=1e-4, rtol=0)
        assert (out[i, :, n:] == 0).all()  # padding stays padding (attention_mask still finds it)


def test_mean_mode_keeps_the_spread() -> None:
    x = _padded()
    out = normalise_windows(x, "mean", prior_frames=0.0)
    torch.testing.assert_close(out[0].std(dim=1), x[0].std(dim=1), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out[1, :, :120], x[1, :, :120] - x[1, :, :120].mean(dim=1, keepdim=True))


def test_statistics_ignore_what_lies_in_other_windows_and_in_the_padding() -> None:
    x = _padded()
    y = x.clone()
    y[0] += 5.0  # another window of the batch
    out_x, out_y = (normalise_windows(v, "mean_std", 20.0) for v in (x, y))
    torch.testing.assert_close(out_x[1:], out_y[1:])


def test_the_prior_leaves_a_window_of_few_frames_almost_as_it_was() -> None:
    x = _padded()
    out = normalise_windows(x, "mean_std", prior_frames=1e6)
    torch.testing.assert_close(out, x, atol=1e-3, rtol=1e-3)
    few = normalise_windows(x, "mean_std", prior_frames=20.0)[2, :, :7]
    assert few.abs().max() < 3 * x[2, :, :7].abs().max()  # no division by a 7-frame std near 0


def test_none_is_the_identity_and_padding_only_windows_stay_zero() -> None:
    x = _padded()
    assert normalise_windows(x, "none", 20.0) is x
    zero = torch.zeros(1, 3, 300, 40)
    assert torch.equal(normalise_windows(zero, "mean_std", 0.0), zero)


@pytest.mark.parametrize("name", ["acrnn-r", "ssa-crnn-r"])
def test_systems_see_the_normalised_window_in_the_emotion_branch_only(name: str) -> None:
    torch.manual_seed(1)
    config = get_preset("tiny", window_norm="mean_std", window_norm_prior=0.0)
    system = build_system(name, config, n_emotions=4, n_speakers=3).eval()
    x = _padded(2, audio=(300, 150))
    shifted = x.clone()
    shifted[:, :, :150] = shifted[:, :, :150] * 3.0 - 2.0  # an affine change of every band of the audio
    shifted[1, :, 150:] = 0.0
    encoder = system.emotion.encoder if name == "acrnn-r" else system.encoder
    seen = []
    encoder.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    with torch.no_grad():
        a, b = system(x), system(shifted)
    torch.testing.assert_close(seen[0][1], seen[1][1], atol=1e-4, rtol=1e-4)
    if name == "acrnn-r":
        torch.testing.assert_close(a.emotion_logits[1], b.emotion_logits[1], atol=1e-4, rtol=1e-4)
    else:  # the speaker branch still sees the level and spread
        assert not torch.allclose(a.speaker_logits[1], b.speaker_logits[1], atol=1e-4)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ModelConfigError, match="window_norm"):
        get_preset("tiny", window_norm="utterance")
    with pytest.raises(ModelConfigError, match="window_norm_prior"):
        get_preset("tiny", window_norm_prior=-1.0)
