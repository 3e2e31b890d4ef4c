"""The packaged augmentations: SpecAugment masks and Gaussian noise, reproducible per (seed, epoch, batch)."""

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
