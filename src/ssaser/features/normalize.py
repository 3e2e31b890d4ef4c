"""Per-speaker feature normalisation (paper section 3.2), with a global fallback."""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Mapping, TypeVar

import numpy as np
import torch

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


def checked_stats(mean: Any, std: Any, shape: tuple[int, int] | None, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Normalisation statistics read from a file, validated: ``(mean, std)`` float64 arrays.

    Parameters
    ----------
    mean, std : array-like
        ``(channels, bins)`` each.
    shape : (int, int) or None
        The shape both must have (None: any 2-D shape, the same for both).
    who : str
        Names them in the message.

    Raises
    ------
    ValueError
        Not arrays of numbers, another shape, non-finite values or a std that is not positive.
    """
    try:
        mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: mean and std must be arrays of numbers") from None
    want = shape or mean.shape
    if mean.ndim != 2 or mean.shape != want or std.shape != want:
        raise ValueError(f"{who}: mean and std must have shape {want}, got {mean.shape} and {std.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
        raise ValueError(f"{who}: mean and std must be finite, std positive")
    return mean, std


class _Moments:
    """Running frame count, sum and sum of squares of ``(3, n_mels)`` features (float64)."""

    def __init__(self) -> None:
        self.count = 0
        self.total: np.ndarray | None = None
        self.squares: np.ndarray | None = None

    def add(self, feats: np.ndarray) -> None:
        x = np.asarray(feats, dtype=np.float64)
        total, squares = x.sum(axis=1), np.square(x).sum(axis=1)  # (3, n_mels)
        if self.total is None:
            self.total, self.squares = total, squares
        else:
            self.total += total
            self.squares += squares
        self.count += x.shape[1]

    def merge(self, other: "_Moments") -> None:
        if other.total is None:
            return
        if self.total is None:
            self.total, self.squares = other.total.copy(), other.squares.copy()
        else:
            self.total += other.total
            self.squares += other.squares
        self.count += other.count

    def stats(self, std_floor: float) -> tuple[np.ndarray, np.ndarray]:
        mean = self.total / self.count
        var = np.maximum(self.squares / self.count - np.square(mean), 0.0)
        return mean, np.maximum(np.sqrt(var), std_floor)


class SpeakerNormalizer:
    """Zero mean, unit variance per speaker, channel and mel band.

    Statistics are fitted on unsegmented training features only (no leak from validation);
    a speaker not seen in training (or ``speaker=None``) gets the global statistics of all
    training frames pooled.

    Parameters
    ----------
    std_floor : float
        Lower bound of every std (a constant band, e.g. digital silence, would divide by 0).
    """

    def __init__(self, std_floor: float = 1e-3) -> None:
        self.std_floor = float(std_floor)
        self.speakers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.global_stats: tuple[np.ndarray, np.ndarray] | None = None
        self.frames: dict[str, int] = {}

    def fit(self, features: Iterable[np.ndarray], speakers: Iterable[Hashable]) -> "SpeakerNormalizer":
        """Fit on ``(3, frames, n_mels)`` arrays, one speaker id per array (ids compared as ``str``).

        Returns
        -------
        SpeakerNormalizer
            ``self``.
        """
        moments: dict[str, _Moments] = {}
        count = 0
        for feats, speaker in zip(features, speakers, strict=True):
            if np.ndim(feats) != 3:
                raise ValueError(f"expected unsegmented (3, frames, n_mels) features, got shape {np.shape(feats)}")
            moments.setdefault(str(speaker), _Moments()).add(feats)
            count += 1
        if count == 0:
            raise ValueError("cannot fit a SpeakerNormalizer on no features")
        pooled = _Moments()
        for item in moments.values():
            pooled.merge(item)
        self.speakers = {spk: m.stats(self.std_floor) for spk, m in moments.items()}
        self.frames = {spk: m.count for spk, m in moments.items()}
        self.global_stats = pooled.stats(self.std_floor)
        return self

    def stats_for(self, speaker: Hashable | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``, each ``(3, n_mels)`` float64, of ``speaker`` or the global fallback."""
        if self.global_stats is None:
            raise RuntimeError("SpeakerNormalizer is not fitted")
        if speaker is not None and str(speaker) in self.speakers:
            return self.speakers[str(speaker)]
        return self.global_stats

    def transform(self, feats: ArrayT, speaker: Hashable | None = None) -> ArrayT:
        """Normalise ``(..., 3, frames, n_mels)`` features (numpy or torch; same type and dtype out)."""
        mean, std = self.stats_for(speaker)
        if isinstance(feats, torch.Tensor):
            m = torch.as_tensor(mean[:, None, :], dtype=feats.dtype, device=feats.device)
            s = torch.as_tensor(std[:, None, :], dtype=feats.dtype, device=feats.device)
            return (feats - m) / s
        dtype = feats.dtype if np.issubdtype(feats.dtype, np.floating) else np.float32
        out = (feats - mean[:, None, :]) / std[:, None, :]
        return out.astype(dtype, copy=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able statistics (for a model's config.json)."""
        if self.global_stats is None:
            raise RuntimeError("SpeakerNormalizer is not fitted")

        def pack(stats: tuple[np.ndarray, np.ndarray]) -> dict[str, list]:
            return {"mean": stats[0].tolist(), "std": stats[1].tolist()}

        return {
            "std_floor": self.std_floor,
            "global": pack(self.global_stats),
            "speakers": {spk: {**pack(st), "frames": self.frames.get(spk, 0)} for spk, st in self.speakers.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], shape: tuple[int, int] | None = None) -> "SpeakerNormalizer":
        """Inverse of :meth:`to_dict`, validated.

        Parameters
        ----------
        data : mapping
            From :meth:`to_dict` (e.g. a model's config.json).
        shape : (int, int), optional
            Required shape of every mean and std, ``(3, n_mels)``.

        Raises
        ------
        ValueError
            Missing entries, arrays of another shape, non-finite values or a std that is not
            positive.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("speakers", {}), Mapping):
            raise ValueError("normalizer must be a mapping with 'global' and 'speakers' entries")
        floor = data.get("std_floor")
        if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 < floor < float("inf"):
            raise ValueError(f"normalizer std_floor must be a positive finite number, got {floor!r}")

        def unpack(item: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
            if not isinstance(item, Mapping) or "mean" not in item or "std" not in item:
                raise ValueError(f"normalizer {who}: needs 'mean' and 'std'")
            return checked_stats(item["mean"], item["std"], shape, f"normalizer {who}")

        out = cls(std_floor=floor)
        out.global_stats = unpack(data.get("global"), "global")
        shape = shape or out.global_stats[0].shape
        speakers = data.get("speakers", {})
        out.speakers = {str(spk): unpack(item, f"speaker {spk!r}") for spk, item in speakers.items()}
        out.frames = {str(spk): int(item.get("frames", 0) or 0) for spk, item in speakers.items()}
        return out
