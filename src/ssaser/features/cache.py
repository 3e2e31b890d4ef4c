"""On-disk cache of unsegmented features, keyed by (audio content, feature config).

Layout: ``root/v1-<config digest>/<hash[:2]>/<hash>.npy`` with ``hash`` the SHA-256 of the
audio file's bytes, so a renamed or copied file hits the same entry and an edited one misses.
Writes go through :func:`ssaser.atomic_files.atomic_write` (a unique temporary file in the same
folder, fsynced, renamed into place; concurrent writers such as DDP ranks each use their own):
an interrupted write leaves at most a stray ``*.tmp`` file, never a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

import numpy as np

from ssaser.atomic_files import atomic_write
from ssaser.audio import load_many
from ssaser.audio.perturb import change_speed
from ssaser.errors import AudioError
from ssaser.features.config import FeatureConfig
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend
from ssaser.settings_checks import check_speed

#: Bump when the computation changes in a way the config does not capture.
CACHE_VERSION = 1


def content_hash(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes (read in chunks)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(chunk_bytes), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise AudioError(path, "file not found") from None
    except IsADirectoryError:
        raise AudioError(path, "not a file") from None
    return digest.hexdigest()


class FeatureCache:
    """Features of audio files, computed once per (content, config) and reused.

    Parameters
    ----------
    root : str or Path
        Cache folder (created on demand).
    config : FeatureConfig, optional
        Front-end settings; defaults to ``FeatureConfig()``.
    frontend : str
        The registered front end that computes the entries (:mod:`ssaser.features.frontends`).
    """

    def __init__(self, root: str | Path, config: FeatureConfig | None = None,
                 frontend: str = DEFAULT_FRONTEND) -> None:
        self.frontend = get_frontend(frontend)
        self.config = config or self.frontend.config_class()
        # The log-Mel keeps its folder name of before front ends had names (existing caches stay valid).
        name = "" if frontend == DEFAULT_FRONTEND else f"{frontend}-"
        self.folder = Path(root) / f"v{CACHE_VERSION}-{name}{self.config.digest()}"

    def entry_path(self, key: str) -> Path:
        """Where the entry of content hash ``key`` lives."""
        return self.folder / key[:2] / f"{key}.npy"

    def _read(self, entry: Path) -> np.ndarray | None:
        try:
            return np.load(entry, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError):
            return None  # unreadable entry (e.g. disk damage): recompute and overwrite

    def _write(self, entry: Path, feats: np.ndarray) -> None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        config_file = self.folder / "config.json"
        if not config_file.exists():  # for people browsing the cache; never read back
            text = json.dumps(self.config.to_dict(), indent=1).encode()
            atomic_write(config_file, lambda handle: handle.write(text))
        atomic_write(entry, lambda handle: np.save(handle, feats, allow_pickle=False))

    def get(self, path: str | Path) -> np.ndarray:
        """Features of one file, ``(3, frames, n_mels)`` float32 (computed on a miss)."""
        return self.get_many([path])[0]

    def get_many(self, paths: Sequence[str | Path], batch_size: int = 32, progress: bool = False,
                 speed: float = 1.0) -> list[np.ndarray]:
        """Features of many files; misses are computed in batches.

        Parameters
        ----------
        paths : sequence of str or Path
            Audio files.
        batch_size : int
            Files decoded and written per step (the front end batches within it).
        progress : bool
            Show a tqdm progress bar over the misses.
        speed : float
            Speed perturbation of the audio before the front end
            (:func:`ssaser.audio.perturb.change_speed`); each factor has its own entries.

        Returns
        -------
        list of np.ndarray
            ``(3, frames_i, n_mels)`` float32 each, in input order.
        """
        speed = check_speed(speed)
        suffix = "" if speed == 1.0 else f"-speed{speed:g}"
        keys = [content_hash(p) + suffix for p in paths]
        results: list[np.ndarray | None] = [self._read(self.entry_path(k)) for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        bar = _progress_bar(len(missing), suffix) if progress and missing else None
        for start in range(0, len(missing), batch_size):
            chunk = missing[start: start + batch_size]
            chunk_paths = [paths[i] for i in chunk]
            waves = load_many(chunk_paths, self.config.sample_rate)
            waves = [change_speed(w, speed, self.config.sample_rate) for w in waves]
            feats = self.frontend.compute(waves, self.config, sources=[str(p) for p in chunk_paths])
            for i, f in zip(chunk, feats):
                self._write(self.entry_path(keys[i]), f)
                results[i] = f
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results  # type: ignore[return-value]


def _progress_bar(total: int, suffix: str = ""):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"features{suffix.replace('-', ' ')}", unit="file")
