"""3-D log-Mel front end: static log-Mel, delta and delta-delta, batched in torch.

Two equivalent spectrum paths (they agree to float32 rounding, see the tests):

- eager (default): frames by ``unfold``, ``torch.fft.rfft`` - the fast one on a CPU;
- export (``torch.onnx`` / ``torch.export`` / tracing, or ``real_dft=True``): real matrix
  products (:class:`ssaser.features.real_dft.RealDftPower`), because ONNX has no complex
  tensors. Everything else (matmul with the mel filterbank, log, deltas by slicing a
  replicate-padded tensor) exports as is.

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
from ssaser.features.real_dft import RealDftPower

#: Blocks of consecutive mel filters in the banded filterbank product (4 was the fastest).
MEL_BLOCKS = 4


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
    real_dft : bool
        Always use the export path (:class:`~ssaser.features.real_dft.RealDftPower`) instead of ``rfft``.

    Notes
    -----
    The buffers (window, filterbank, DFT bases) are derived from ``config`` and not saved in
    ``state_dict``: a model file holds the config, not these constants.
    """

    def __init__(self, config: FeatureConfig | None = None, real_dft: bool = False) -> None:
        super().__init__()
        self.config = config = config or FeatureConfig()
        self.real_dft = real_dft
        # Periodic Hamming (scipy/librosa "hamming" with fftbins=True), as librosa.stft uses.
        window = librosa.filters.get_window("hamming", config.win_length, fftbins=True)
        mel = librosa.filters.mel(
            sr=config.sample_rate, n_fft=config.n_fft, n_mels=config.n_mels,
            fmin=config.fmin, fmax=config.fmax,
        )  # (n_mels, n_fft // 2 + 1)
        # The window zero-extended to n_fft: n_fft-long frames times it equal win-long frames
        # zero-padded to n_fft, without a copy per frame.
        padded_window = np.zeros(config.n_fft)
        padded_window[: config.win_length] = window
        self.register_buffer("window", torch.tensor(padded_window, dtype=torch.float32), persistent=False)
        self.register_buffer("mel_basis", torch.tensor(mel.T, dtype=torch.float32), persistent=False)
        # |X|^2 @ mel == (interleaved [re, im])^2 @ (mel rows repeated per pair): much faster
        # than summing a size-2 last axis. The filterbank is banded, so the product is taken
        # in blocks of consecutive filters, each over only the bins it touches (a quarter of
        # the multiply-adds of the dense product).
        pairs = np.repeat(mel.T, 2, axis=0)  # (2 * bins, n_mels)
        self.mel_blocks: list[tuple[int, int]] = []
        for block, filters in enumerate(np.array_split(np.arange(config.n_mels), min(MEL_BLOCKS, config.n_mels))):
            rows = np.flatnonzero(pairs[:, filters].any(axis=1))
            start, stop = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 1)
            self.mel_blocks.append((start, stop))
            weights = torch.tensor(pairs[start:stop, filters], dtype=torch.float32)
            self.register_buffer(f"mel_block_{block}", weights, persistent=False)
        self.export_power = RealDftPower(window, config.hop_length, config.n_fft)

    def mel_power(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> mel-band power ``(batch, frames, n_mels)`` (before the log)."""
        cfg = self.config
        if self.real_dft or _exporting():
            return torch.matmul(self.export_power(wave), self.mel_basis)
        padded = F.pad(wave, (0, cfg.n_fft - cfg.win_length))
        frames = padded.unfold(-1, cfg.n_fft, cfg.hop_length) * self.window  # (batch, frames, n_fft)
        spec = torch.view_as_real(torch.fft.rfft(frames)).flatten(-2)  # (batch, frames, 2 * bins)
        power = spec * spec
        blocks = [
            torch.matmul(power[..., start:stop], getattr(self, f"mel_block_{block}"))
            for block, (start, stop) in enumerate(self.mel_blocks)
        ]
        return torch.cat(blocks, dim=-1)

    def log_mel(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> static log-Mel ``(batch, frames, n_mels)``."""
        if not _exporting():
            check_length(wave.shape[-1], self.config)
        return torch.log(self.mel_power(wave) + self.config.log_floor)

    def delta(self, feats: torch.Tensor) -> torch.Tensor:
        """Regression delta over time of ``(batch, frames, n_mels)``, edge frames replicated."""
        width = self.config.delta_width
        frames = feats.shape[1]
        # Replicate-pad along time by concatenation: slices stay contiguous rows (fast) and
        # it exports to ONNX as Concat/Slice.
        first, last = feats[:, :1], feats[:, -1:]
        padded = torch.cat([first.expand(-1, width, -1), feats, last.expand(-1, width, -1)], dim=1)
        out = padded[:, width + 1: width + 1 + frames] - padded[:, width - 1: width - 1 + frames]
        for n in range(2, width + 1):
            out = out + n * (padded[:, width + n: width + n + frames] - padded[:, width - n: width - n + frames])
        scale = 2.0 * sum(n * n for n in range(1, width + 1))
        return out * (1.0 / scale)

    def stack_deltas(self, static: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, frames, n_mels)`` -> ``(batch, 3, frames, n_mels)`` (static, delta, delta-delta).

        ``lengths`` (``(batch,)`` int64 frame counts) marks rows padded past their own end: the
        frames past ``lengths[b]`` are replaced by that row's last frame before each delta, so
        that every row gets the same edge handling as if it were alone. Output frames past
        ``lengths[b]`` are then meaningless (cut them).
        """
        if lengths is None:
            d1 = self.delta(static)
            return torch.stack([static, d1, self.delta(d1)], dim=1)
        frames = torch.arange(static.shape[1], device=static.device)
        index = torch.minimum(frames[None, :], (lengths - 1)[:, None])  # (batch, frames)
        index = index[..., None].expand_as(static)
        d1 = self.delta(static.gather(1, index))
        return torch.stack([static, d1, self.delta(d1.gather(1, index))], dim=1)

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
    batch_size: int = 16,
    sources: Sequence[str] | None = None,
    batch_samples: int = 160_000,
) -> list[np.ndarray]:
    """Many waveforms to features, batched: the fast path for corpora.

    Waveforms are sorted by length and zero-padded to the longest of their batch (frames are
    not centred, so a frame never sees the padding unless it lies past the signal's own last
    frame, and those are cut); the deltas replicate each signal's own last frame (see
    :meth:`LogMel3D.stack_deltas`), so the result equals computing each signal alone.

    Parameters
    ----------
    waves : sequence of np.ndarray
        ``(samples_i,)`` mono signals at ``config.sample_rate``.
    config : FeatureConfig, optional
        Defaults to ``FeatureConfig()``.
    batch_size : int
        At most this many signals per torch call.
    sources : sequence of str, optional
        Names for error messages, one per wave.
    batch_samples : int
        At most this many (padded) samples per torch call, unless one signal alone is longer:
        about 10 s of audio (a few MB of spectra) was the fastest on a 2-core CPU in
        ``benchmarks/features.py``; larger batches fall out of the cache.

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
        for chunk in _chunks(order, [arrays[i].size for i in order], batch_size, batch_samples):
            longest = arrays[chunk[-1]].size
            batch = np.zeros((len(chunk), longest), dtype=np.float32)
            for row, i in enumerate(chunk):
                batch[row, : arrays[i].size] = arrays[i]
            lengths = [config.num_frames(arrays[i].size) for i in chunk]
            static = module.log_mel(torch.from_numpy(batch))
            ragged = torch.tensor(lengths) if len(set(lengths)) > 1 else None
            feats = module.stack_deltas(static, ragged).numpy()
            for row, i in enumerate(chunk):
                results[i] = np.ascontiguousarray(feats[row, :, : lengths[row]])
    return results


def _chunks(order: list[int], sizes: list[int], max_count: int, max_samples: int) -> list[list[int]]:
    """Split ``order`` (sorted by ascending ``sizes``) into batches within both limits."""
    chunks: list[list[int]] = []
    current: list[int] = []
    for index, size in zip(order, sizes):
        # sizes ascend, so the padded size of a batch is its newest member times its count
        if current and (len(current) >= max_count or size * (len(current) + 1) > max_samples):
            chunks.append(current)
            current = []
        current.append(index)
    if current:
        chunks.append(current)
    return chunks
