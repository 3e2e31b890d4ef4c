"""The packaged augmentations: SpecAugment masks, Gaussian noise and mel warping, reproducible per (seed, epoch, batch)."""

from __future__ import annotations

import pytest
import torch

from ssaser.training.augment import AugmentationError, augmentation_names, build_augmentations, step_generator


def test_specaugment_masks_whole_bands_across_channels_and_repeats_per_step():
    (masks,) = build_augmentations([{"name": "specaugment", "time_masks": 2, "time_width": 30,
                                     "freq_masks": 1, "freq_width": 5}])
    x = torch.randn(16, 3, 300, 40) + 5.0  # no real value is 0: zeros are masked cells
    out = masks(x, torch.zeros(16, dtype=torch.long), step_generator(3, epoch=1, batch=2))
    zero = out == 0
    assert torch.equal(zero[:, 0], zero[:, 1]) and torch.equal(zero[:, 0], zero[:, 2])  # the 3 channels together
    cells = zero[:, 0]
    times = cells.all(dim=2)  # frames masked over every bin
    bins = cells.all(dim=1)
    assert (times.sum(1) <= 60).all() and (bins.sum(1) <= 5).all()
    assert times.any() and bins.any()
    # the rest is untouched: a masked cell is in a masked frame or a masked bin
    assert torch.equal(cells, times[:, :, None] | bins[:, None, :])
    assert torch.equal(out[~zero], x[~zero])
    again = masks(x, torch.zeros(16, dtype=torch.long), step_generator(3, epoch=1, batch=2))
    other = masks(x, torch.zeros(16, dtype=torch.long), step_generator(3, epoch=2, batch=2))
    assert torch.equal(out, again) and not torch.equal(out, other)


def test_noise_and_bad_options():
    (noise,) = build_augmentations([{"name": "gaussian-noise", "std": 0.5}])
    x = torch.randn(4, 3, 10, 8)
    x[:, :, 6:] = 0  # padding of short utterances: stays padding
    y = noise(x, torch.zeros(4, dtype=torch.long), step_generator(0, 0, 0))
    assert 0.3 < float((y - x)[:, :, :6].std()) < 0.7
    assert (y[:, :, 6:] == 0).all()
    assert {"specaugment", "gaussian-noise"} <= set(augmentation_names())
    with pytest.raises(AugmentationError, match="specaugment: time_width must be an integer"):
        build_augmentations([{"name": "specaugment", "time_width": -3}])
    with pytest.raises(AugmentationError, match="gaussian-noise: std must be a number"):
        build_augmentations([{"name": "gaussian-noise", "std": "loud"}])


def test_mel_warp_moves_a_spectral_peak_keeps_padding_and_repeats_per_step():
    (warp,) = build_augmentations([{"name": "mel-warp", "max_warp": 0.2}])
    x = torch.zeros(32, 3, 12, 40)
    x[:, :, :8, 20] = 1.0  # one peak at bin 20 in the audio frames; frames 8+ are padding
    labels = torch.zeros(32, dtype=torch.long)
    out = warp(x, labels, step_generator(5, epoch=3, batch=1))
    assert out.shape == x.shape
    assert (out[:, :, 8:] == 0).all()  # padding stays padding
    assert torch.equal(out[:, 0], out[:, 1]) and torch.equal(out[:, 0], out[:, 2])  # one warp per example
    peak = out[:, 0, 0].argmax(dim=-1).float()  # bin k reads k * alpha: the peak lands near 20 / alpha
    assert peak.min() >= 20 / 1.2 - 1 and peak.max() <= 20 / 0.8 + 1
    assert len(set(peak.tolist())) > 3  # examples get different factors
    assert torch.equal(out, warp(x, labels, step_generator(5, epoch=3, batch=1)))
    assert not torch.equal(out, warp(x, labels, step_generator(5, epoch=4, batch=1)))
    (identity,) = build_augmentations([{"name": "mel-warp", "max_warp": 0}])
    y = torch.randn(4, 3, 10, 40)
    torch.testing.assert_close(identity(y, labels[:4], step_generator(0, 0, 0)), y)
    with pytest.raises(AugmentationError, match="mel-warp: max_warp must be a number in"):
        build_augmentations([{"name": "mel-warp", "max_warp": 0.9}])
