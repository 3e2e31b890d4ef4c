"""Per-speaker feature normalisation (paper section 3.2), with a global fallback."""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Mapping, TypeVar

import numpy as np
import torch

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


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
    def from_dict(cls, data: Mapping[str, Any]) -> "SpeakerNormalizer":
        """Inverse of :meth:`to_dict`."""

        def unpack(item: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
            return np.asarray(item["mean"], dtype=np.float64), np.asarray(item["std"], dtype=np.float64)

        out = cls(std_floor=data["std_floor"])
        out.global_stats = unpack(data["global"])
        out.speakers = {spk: unpack(item) for spk, item in data["speakers"].items()}
        out.frames = {spk: int(item.get("frames", 0)) for spk, item in data["speakers"].items()}
        return out
