"""The CRNN encoder shared by every branch: 3-D log-Mel segment -> BLSTM frame outputs.

Section 2.2.1 of the paper (after Chen et al. 2018): conv (first ``conv_first_channels`` maps)
-> max-pool -> ``n_conv_layers - 1`` more convs -> reshape keeping time -> linear -> BLSTM.
"""

from __future__ import annotations

import torch
from torch import nn

from ssaser.models.config import ModelConfig


def _conv_block(config: ModelConfig, in_channels: int, out_channels: int) -> nn.Sequential:
    pad = (config.kernel[0] // 2, config.kernel[1] // 2)  # "same" padding for odd kernels
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, config.kernel, padding=pad, bias=not config.batch_norm)
    ]
    if config.batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    # In place: neither BatchNorm's nor the conv's backward needs its output, and a fresh
    # activation-sized buffer per layer costs page faults (paper bf16 step ~2.5% faster).
    layers.append(nn.LeakyReLU(config.leaky_slope, inplace=True))
    return nn.Sequential(*layers)


class CRNNEncoder(nn.Module):
    """Conv stack, linear layer and BLSTM.

    Parameters
    ----------
    config : ModelConfig
        Sizes; the input must be ``(batch, in_channels, segment_frames, n_mels)``.

    Notes
    -----
    ``forward(x (batch, 3, segment_frames, n_mels)) -> h (batch, T, d)`` with
    ``T = segment_frames // pool[0]`` and ``d = 2 * lstm_hidden``.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        blocks = [_conv_block(config, config.in_channels, config.conv_first_channels)]
        blocks.append(nn.MaxPool2d(config.pool))
        channels = config.conv_first_channels
        for _ in range(config.n_conv_layers - 1):
            blocks.append(_conv_block(config, channels, config.conv_channels))
            channels = config.conv_channels
        self.convs = nn.Sequential(*blocks)
        self.linear = nn.Linear(channels * config.mels_after_pool, config.linear_units)
        self.activation = nn.LeakyReLU(config.leaky_slope)
        self.dropout = nn.Dropout(config.dropout)
        self.blstm = nn.LSTM(config.linear_units, config.lstm_hidden, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode segments.

        Parameters
        ----------
        x : torch.Tensor
            ``(batch, 3, segment_frames, n_mels)`` normalised features.

        Returns
        -------
        torch.Tensor
            ``(batch, T, d)`` BLSTM outputs.
        """
        # Channels-last (NHWC): oneDNN's convs, BatchNorm and pooling run on it without the
        # NCHW<->NHWC reorders around every conv (paper-size bf16 training step 1.4x faster on
        # this CPU, see benchmarks/README.md). Same values; only the memory layout changes.
        y = self.convs(x.contiguous(memory_format=torch.channels_last))  # (batch, channels, T, mels_after_pool)
        # Keep time, flatten maps x frequency (the paper's "reshape to 2D").
        y = y.permute(0, 2, 1, 3).flatten(2)  # (batch, T, channels * mels_after_pool)
        y = self.dropout(self.activation(self.linear(y)))
        h, _ = self.blstm(y)
        return h
