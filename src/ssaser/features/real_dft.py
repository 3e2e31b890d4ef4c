"""Power spectra without complex tensors: the front end's path for ONNX export and tracing.

ONNX has no complex type, so the exported front end takes ``|DFT|^2`` of each windowed frame with
real matrix products. Two forms, both equal to ``torch.fft.rfft``'s power up to float32 rounding
(tests/features/test_real_dft.py):

- **folded** (a window symmetric about its centre sample, as the periodic Hamming window of even
  length, the default 400): with ``c`` a frame's centre, ``x[c + m] + x[c - m]`` meets the cosines
  and ``x[c + m] - x[c - m]`` the sines, so each frame costs half the multiply-adds of the plain
  DFT (centring the frame changes the phase of every bin, not its power). The frames are cut from
  rows of ``hop_length`` samples with slices: onnxruntime's ``Gather`` copies element by element,
  and the plain ``Conv`` is what this replaces (benchmarks/README.md, "The exported front end").
- **conv**: a strided ``conv1d`` whose kernels are the windowed DFT basis, cosine then sine rows,
  for any other window (an odd length).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class RealDftPower(nn.Module):
    """Power spectrum of non-centred frames by real products.

    Parameters
    ----------
    window : numpy.ndarray
        ``(win_length,)`` analysis window; each frame is ``win_length`` samples, zero-padded to ``n_fft``.
    hop_length : int
        Samples between frames.
    n_fft : int
        DFT size, ``>= win_length``.
    fold : bool
        Fold a symmetric window's frames (default); false forces the conv form (benchmarks).

    Notes
    -----
    Buffers are derived from the arguments and not saved in ``state_dict``.
    """

    def __init__(self, window: np.ndarray, hop_length: int, n_fft: int, fold: bool = True) -> None:
        super().__init__()
        win = len(window)
        self.hop_length, self.win_length = hop_length, win
        bins = np.arange(n_fft // 2 + 1)
        self.folded = fold and win % 2 == 0 and np.allclose(window[1:], window[:0:-1])
        if self.folded:
            half = win // 2
            m = np.arange(half + 1)  # offsets from the centre; m = half: the first sample, alone
            theta = 2.0 * np.pi * np.outer(m, bins) / n_fft
            # The centre sample is in both halves of the fold, so its row counts half.
            weight = window[(half + m) % win] * np.where(m == 0, 0.5, 1.0)
            self.register_buffer("cos_basis", torch.tensor(weight[:, None] * np.cos(theta), dtype=torch.float32),
                                 persistent=False)
            self.register_buffer("sin_basis", torch.tensor(weight[:, None] * np.sin(theta), dtype=torch.float32),
                                 persistent=False)
        else:
            angle = 2.0 * np.pi * np.outer(bins, np.arange(win)) / n_fft
            basis = np.concatenate([np.cos(angle), np.sin(angle)]) * window  # (2 * bins, win)
            self.register_buffer("dft_basis", torch.tensor(basis[:, None, :], dtype=torch.float32),
                                 persistent=False)

    def _frames(self, wave: torch.Tensor, start: int, frames, width: int) -> torch.Tensor:
        """``(batch, frames, width)``: ``wave[:, start + hop * t + j]``, from rows of ``hop`` samples."""
        hop = self.hop_length
        full, rest = divmod(width, hop)
        rows = wave[:, start: start + hop * (frames + full)].reshape(wave.shape[0], -1, hop)
        parts = [rows[:, k: k + frames] for k in range(full)]
        if rest:
            parts.append(rows[:, full: full + frames, :rest])
        return torch.cat(parts, dim=2) if len(parts) > 1 else parts[0]

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> ``(batch, frames, n_fft // 2 + 1)``, ``frames = 1 + (samples - win) // hop``."""
        if not self.folded:
            out = F.conv1d(wave.unsqueeze(1), self.dft_basis, stride=self.hop_length)
            out = out * out  # (batch, 2 * bins, frames): cosine rows then sine rows
            bins = out.shape[1] // 2
            return (out[:, :bins] + out[:, bins:]).transpose(1, 2)
        half, hop = self.win_length // 2, self.hop_length
        frames = (wave.shape[1] - self.win_length) // hop + 1
        padded = F.pad(wave, (0, hop))  # the last rows reach at most hop samples past the end
        after = self._frames(padded, half, frames, half)  # x[c + m], m = 0 .. half - 1
        before = self._frames(padded, 1, frames, half).flip(-1)  # x[c - m]
        first = padded[:, 0: hop * frames: hop].unsqueeze(-1)  # x[c - half], the frame's first sample
        real = torch.matmul(torch.cat([after + before, first], dim=2), self.cos_basis)
        imag = torch.matmul(torch.cat([after - before, -first], dim=2), self.sin_basis)
        return real * real + imag * imag
