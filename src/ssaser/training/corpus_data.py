"""A manifest with every utterance's features: what ``ssaser train`` and ``ssaser cv`` start from.

:func:`load_corpus` reads one or more manifests and gets every file's features from the
:class:`~ssaser.features.FeatureCache` (computed once per file, reused by all folds and systems).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ssaser.errors import SsaserError
from ssaser.features import FeatureCache, FeatureConfig
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend


def default_cache_root() -> Path:
    """``$SSASER_CACHE`` or ``~/.cache/ssaser/features``."""
    env = os.environ.get("SSASER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "ssaser" / "features"


@dataclass
class CorpusData:
    """A manifest with every utterance's features.

    Attributes
    ----------
    df : pandas.DataFrame
        The manifest, index reset to ``0..n-1``.
    features : list of np.ndarray
        ``(3, frames, n_mels)`` float32 per row, unnormalised.
    emotions : list of str
        Sorted emotion labels: index ``i`` is class ``i``.
    feature_config : FeatureConfig
    name : str
        Shown in reports (the manifest's name, or its folder's for manifest.csv).
    frontend : str
        The front end that computed ``features``.
    dropped : str
        The rows an emotion selection left out, per corpus and label (``""``: none).
    cache_root : Path, optional
        The feature cache the features came from (speed-perturbed copies are read from it too).
    """

    df: pd.DataFrame
    features: list[np.ndarray]
    emotions: list[str]
    feature_config: FeatureConfig
    name: str = "corpus"
    frontend: str = DEFAULT_FRONTEND
    dropped: str = ""
    cache_root: Path | None = None
    _speed: dict[float, dict[int, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> np.ndarray:
        """``(rows,)`` emotion class index of every row."""
        lookup = {e: i for i, e in enumerate(self.emotions)}
        return self.df["emotion"].map(lookup).to_numpy(dtype=np.int64)

    def speed_features(self, factor: float, rows: Sequence[int]) -> list[np.ndarray]:
        """``(3, frames, n_mels)`` features of ``rows``' audio played ``factor`` times faster
        (:func:`ssaser.audio.perturb.change_speed`), from the feature cache, kept in memory for
        the next fold."""
        known = self._speed.setdefault(float(factor), {})
        missing = [i for i in rows if i not in known]
        if missing:
            cache = FeatureCache(self.cache_root or default_cache_root(), self.feature_config, self.frontend)
            files = self.df["file"].to_numpy()
            for i, feats in zip(missing, cache.get_many([files[i] for i in missing], speed=factor)):
                known[i] = feats
        return [known[i] for i in rows]


def load_corpus(
    manifest: str | Path | Sequence[str | Path],
    features: FeatureConfig | dict | None = None,
    cache_root: str | Path | None = None,
    progress: bool = True,
    frontend: str = DEFAULT_FRONTEND,
    emotions: str | None = None,
) -> CorpusData:
    """Read one or several manifests and the features of all their files (cached).

    Parameters
    ----------
    manifest : str, Path or sequence of them
        The manifest CSV(s) (:func:`ssaser.data.combined.read_manifests`: canonical emotion
        names; with several, speakers are prefixed with their corpus).
    features : FeatureConfig or dict, optional
        The front end's settings (a resolved ``ModelSpec.feature_config``), or overrides of its
        defaults (``feature_options``).
    cache_root : str or Path, optional
        Feature cache folder (default :func:`default_cache_root`).
    progress : bool
        A progress bar over the files to compute.
    frontend : str
        The registered front end.
    emotions : str, optional
        ``--emotions``: the classes to keep or merge (:mod:`ssaser.data.emotions`).

    Raises
    ------
    SsaserError
        For a manifest with fewer than two emotions, or bad feature settings.
    """
    from ssaser.data.combined import manifest_paths, read_manifests

    front = get_frontend(frontend)
    if isinstance(features, front.config_class):
        config = features
    else:
        try:
            config = front.make_config(features)
        except SsaserError as exc:
            raise SsaserError(f"feature_options: {exc}") from None
    paths = manifest_paths(manifest)
    table = read_manifests(paths, emotions)
    df = table.df
    classes = sorted(df["emotion"].astype(str).unique())
    if len(classes) < 2:
        raise SsaserError(f"{' '.join(map(str, paths))}: needs at least two emotions, found {classes}")
    cache = FeatureCache(cache_root or default_cache_root(), config, frontend)
    feats = cache.get_many(df["file"].tolist(), progress=progress)
    # One manifest: its name (manifests/ravdess.csv -> ravdess), or its folder's for a generic
    # name (corpus/manifest.csv -> corpus); several: their names joined.
    only = Path(paths[0]).resolve()
    single = only.parent.name if only.stem.lower() in ("manifest", "metadata", "index", "data") else only.stem
    name = single if len(paths) == 1 else "+".join(table.sources)
    return CorpusData(df, feats, classes, config, name, frontend, table.dropped_text(),
                      Path(cache_root) if cache_root else None)


def print_corpus_summary(corpus: CorpusData, prefix: str) -> None:
    """Counts per emotion and speaker, as ``ssaser prepare`` prints them, and what ``--emotions`` left out."""
    from ssaser.data.corpora.base import PreparedCorpus

    for line in PreparedCorpus(corpus.df, [], corpus.name).summary().splitlines():
        if not line.strip().startswith("skipped"):
            print(f"{prefix} {line}", flush=True)
    if corpus.dropped:
        print(f"{prefix}   left out by --emotions: {corpus.dropped}", flush=True)
