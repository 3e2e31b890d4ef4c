"""3-D log-Mel front end: static log-Mel, delta and delta-delta, batched in torch.

Two equivalent spectrum paths (they agree to float32 rounding, see the tests):

- eager (default): frames by ``unfold``, ``torch.fft.rfft`` - the fast one on a CPU;
- export (``torch.onnx`` / ``torch.export`` / tracing, or ``use_dft_conv=True``): a strided
  ``conv1d`` whose kernels are the Hamming-windowed DFT basis (cos and sin rows), because
  ONNX has no complex tensors. Everything else (matmul with the mel filterbank, log, deltas
  by slicing a replicate-padded tensor) exports as is.

Deltas: the regression over +-N frames with the edge frames replicated (HTK/Kaldi style).
It equals ``librosa.feature.delta(x, width=2N+1, mode="nearest")``; librosa's default
``mode="interp"`` fits a polynomial at the edges instead, so it differs in the first and last N
frames (2N for the delta-delta). The delta-delta is the delta of the delta (9-frame support),
not librosa's second-order Savitzky-Golay derivative (``order=2``).
"""

from __future__ import annotations

import functools
from typing import Sequence

import librosa
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ssaser.errors import AudioError
from ssaser.features.config import FeatureConfig


def _exporting() -> bool:
    """True while torch traces or exports the module (ONNX has no complex tensors)."""
    return bool(
        torch.jit.is_tracing()
        or torch.onnx.is_in_onnx_export()
        or torch.compiler.is_exporting()
    )


def check_length(samples: int, config: FeatureConfig, source: str = "<signal>") -> None:
    """Raise :class:`AudioError` for a signal shorter than one analysis window."""
    if samples < config.win_length:
        ms = 1000.0 * config.win_length / config.sample_rate
        raise AudioError(source, f"shorter than one analysis window ({ms:g} ms): {samples} samples")


class LogMel3D(nn.Module):
    """Waveforms to 3-D log-Mel features (static, delta, delta-delta).

    Parameters
    ----------
    config : FeatureConfig
        Front-end settings; the filterbank comes from ``librosa.filters.mel``.
    use_dft_conv : bool
        Always use the conv1d DFT path (the one used for export) instead of ``rfft``.

    Notes
    -----
    The buffers (window, filterbank, DFT basis) are derived from ``config`` and not saved in
    ``state_dict``: a model file holds the config, not these constants.
    """

    def __init__(self, config: FeatureConfig | None = None, use_dft_conv: bool = False) -> None:
        super().__init__()
        self.config = config = config or FeatureConfig()
        self.use_dft_conv = use_dft_conv
        # Periodic Hamming (scipy/librosa "hamming" with fftbins=True), as librosa.stft uses.
        window = librosa.filters.get_window("hamming", config.win_length, fftbins=True)
        mel = librosa.filters.mel(
            sr=config.sample_rate, n_fft=config.n_fft, n_mels=config.n_mels,
            fmin=config.fmin, fmax=config.fmax,
        )  # (n_mels, n_fft // 2 + 1)
        bins = np.arange(config.n_fft // 2 + 1)
        angle = 2.0 * np.pi * np.outer(bins, np.arange(config.win_length)) / config.n_fft
        basis = np.concatenate([np.cos(angle), np.sin(angle)]) * window  # (2 * bins, win)
        self.register_buffer("window", torch.tensor(window, dtype=torch.float32), persistent=False)
        self.register_buffer("mel_basis", torch.tensor(mel.T, dtype=torch.float32), persistent=False)
        self.register_buffer(
            "dft_basis", torch.tensor(basis[:, None, :], dtype=torch.float32), persistent=False
        )

    def power_spectrum(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> power spectrum ``|X|^2`` of shape ``(batch, frames, n_fft // 2 + 1)``."""
        cfg = self.config
        if self.use_dft_conv or _exporting():
            out = F.conv1d(wave.unsqueeze(1), self.dft_basis, stride=cfg.hop_length)
            out = out * out  # (batch, 2 * bins, frames)
            bins = cfg.n_fft // 2 + 1
            return (out[:, :bins] + out[:, bins:]).transpose(1, 2)
        frames = wave.unfold(-1, cfg.win_length, cfg.hop_length) * self.window
        spec = torch.view_as_real(torch.fft.rfft(frames, n=cfg.n_fft))
        return spec.square().sum(-1)

    def log_mel(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> static log-Mel ``(batch, frames, n_mels)``."""
        if not _exporting():
            check_length(wave.shape[-1], self.config)
        mel = torch.matmul(self.power_spectrum(wave), self.mel_basis)
        return torch.log(mel + self.config.log_floor)

    def delta(self, feats: torch.Tensor) -> torch.Tensor:
        """Regression delta over time of ``(batch, frames, n_mels)``, edge frames replicated."""
        width = self.config.delta_width
        frames = feats.shape[1]
        padded = F.pad(feats.transpose(1, 2), (width, width), mode="replicate")
        out = torch.zeros_like(feats.transpose(1, 2))
        for n in range(1, width + 1):
            out = out + n * (padded[..., width + n: width + n + frames] - padded[..., width - n: width - n + frames])
        scale = 2.0 * sum(n * n for n in range(1, width + 1))
        return (out / scale).transpose(1, 2)

    def stack_deltas(self, static: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, n_mels)`` -> ``(batch, 3, frames, n_mels)`` (static, delta, delta-delta)."""
        d1 = self.delta(static)
        return torch.stack([static, d1, self.delta(d1)], dim=1)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` float waveforms -> ``(batch, 3, frames, n_mels)``."""
        return self.stack_deltas(self.log_mel(wave))


@functools.lru_cache(maxsize=8)
def _module(config: FeatureConfig) -> LogMel3D:
    return LogMel3D(config).eval()


def compute_features(
    wave: np.ndarray, config: FeatureConfig | None = None, source: str = "<signal>"
) -> np.ndarray:
    """One waveform to features.

    Parameters
    ----------
    wave : np.ndarray
        ``(samples,)`` mono at ``config.sample_rate``.
    config : FeatureConfig, optional
        Defaults to ``FeatureConfig()``.
    source : str
        Name used in error messages.

    Returns
    -------
    np.ndarray
        ``(3, frames, n_mels)`` float32.
    """
    return compute_features_batch([wave], config, sources=[source])[0]


def compute_features_batch(
    waves: Sequence[np.ndarray],
    config: FeatureConfig | None = None,
    batch_size: int = 32,
    sources: Sequence[str] | None = None,
) -> list[np.ndarray]:
    """Many waveforms to features, batched: the fast path for corpora.

    Waveforms are sorted by length and zero-padded to the longest of their batch for the
    spectrum (frames are not centred, so a frame never sees the padding unless it lies past
    the signal's own last frame, and those are cut); deltas are then taken per signal so
    that their edge handling sees only the signal's own frames.

    Parameters
    ----------
    waves : sequence of np.ndarray
        ``(samples_i,)`` mono signals at ``config.sample_rate``.
    config : FeatureConfig, optional
        Defaults to ``FeatureConfig()``.
    batch_size : int
        Signals per torch call.
    sources : sequence of str, optional
        Names for error messages, one per wave.

    Returns
    -------
    list of np.ndarray
        ``(3, frames_i, n_mels)`` float32 each, in input order.
    """
    config = config or FeatureConfig()
    module = _module(config)
    names = list(sources) if sources is not None else [f"<signal {i}>" for i in range(len(waves))]
    arrays = [np.asarray(w, dtype=np.float32) for w in waves]
    for array, name in zip(arrays, names):
        if array.ndim != 1:
            raise AudioError(name, f"expected a mono signal (samples,), got shape {array.shape}")
        check_length(array.size, config, name)
        if not np.isfinite(array).all():
            raise AudioError(name, "holds NaN or infinite samples")
    order = sorted(range(len(arrays)), key=lambda i: arrays[i].size)
    results: list[np.ndarray] = [np.empty(0)] * len(arrays)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start: start + batch_size]
            longest = arrays[chunk[-1]].size
            batch = np.zeros((len(chunk), longest), dtype=np.float32)
            for row, i in enumerate(chunk):
                batch[row, : arrays[i].size] = arrays[i]
            static = module.log_mel(torch.from_numpy(batch))
            lengths = {config.num_frames(arrays[i].size) for i in chunk}
            if len(lengths) == 1:  # equal lengths: deltas for the whole batch at once
                feats = module.stack_deltas(static).numpy()
                for row, i in enumerate(chunk):
                    results[i] = feats[row]
            else:
                for row, i in enumerate(chunk):
                    frames = config.num_frames(arrays[i].size)
                    results[i] = module.stack_deltas(static[row: row + 1, :frames])[0].numpy()
    return results
