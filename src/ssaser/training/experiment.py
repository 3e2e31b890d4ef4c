"""From a manifest to trained, scored systems: the part shared by ``ssaser train`` and ``ssaser cv``.

:func:`load_corpus` reads a manifest and gets every file's features from the
:class:`~ssaser.features.FeatureCache` (computed once per file, reused by all folds and
systems). :func:`build_fold_sets` fits the fold's :class:`~ssaser.features.SpeakerNormalizer`
on its training rows only and cuts the segments. :func:`train_fold` fits a system and scores its
best epoch on the validation (and test) rows; :func:`to_ser_model` turns it into the
:class:`~ssaser.models.pipeline.SerModel` that ``save_model_dir`` writes.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ssaser.errors import SsaserError
from ssaser.features import FeatureCache, FeatureConfig, SpeakerNormalizer
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend
from ssaser.models.registry import get_system
from ssaser.models.spec import ModelSpec
from ssaser.training.config import TrainConfig
from ssaser.training.data import SegmentSet, build_segment_set, concat_segment_sets
from ssaser.training.fit import FitOutcome, TrainerOptions, fit_system, score_set


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


@dataclass
class FoldSets:
    """Segments of one fold, the normaliser fitted on its training rows and its speakers."""

    train: SegmentSet
    val: SegmentSet | None
    test: SegmentSet | None
    normalizer: SpeakerNormalizer
    speakers: list[str]
    rows: dict[str, list[int]] = field(default_factory=dict)


def build_fold_sets(
    corpus: CorpusData,
    train_rows: Sequence[int],
    val_rows: Sequence[int] | None,
    test_rows: Sequence[int] | None = None,
    segment_hop: int | None = None,
    unseen_speaker_norm: str = "global",
    speed_perturb: Sequence[float] = (),
    training_norm: str = "speaker",
) -> FoldSets:
    """Normalise with training-only statistics and segment a fold's three parts.

    Parameters
    ----------
    corpus : CorpusData
    train_rows, val_rows, test_rows : sequence of int
        Row positions in ``corpus.df`` (val/test may be None or empty).
    segment_hop : int, optional
        Frames between segment starts (None: no overlap).
    unseen_speaker_norm : {"global", "self"}
        A validation or test speaker absent from training: the training part's pooled statistics,
        or (``self``) statistics fitted on that speaker's rows of that part only (transductive).
        The returned ``normalizer`` (the model's) holds training speakers only, either way.
    speed_perturb : sequence of float
        Extra speed factors (e.g. ``(0.9, 1.1)``): the training part also gets those copies of
        its utterances, same labels and speakers, normalised with the statistics of the
        unperturbed audio; an epoch still counts the unperturbed part's segments, so it draws
        from the enlarged pool at the same cost. Validation and test stay unperturbed.
    training_norm : {"speaker", "global"}
        ``global``: the normaliser keeps the pooled statistics only, so every speaker of every
        part, training ones included, is normalised with them (``TrainConfig.training_norm``).
    """
    speakers_col = corpus.df["speaker"].astype(str).to_numpy()
    train_rows = list(train_rows)
    normalizer = SpeakerNormalizer().fit([corpus.features[i] for i in train_rows], speakers_col[train_rows])
    if training_norm == "global":
        normalizer.speakers, normalizer.frames = {}, {}
    speakers = sorted(set(speakers_col[train_rows]))
    rows = {"train": train_rows, "val": list(val_rows or []), "test": list(test_rows or [])}
    train = build_part(corpus, normalizer, speakers, train_rows, segment_hop)
    if speed_perturb:
        copies = [train]
        for factor in speed_perturb:
            copies.append(build_part(corpus, normalizer, speakers, train_rows, segment_hop,
                                     features=corpus.speed_features(factor, train_rows)))
        train = concat_segment_sets(copies, epoch_segments=len(train))
    val, test = (build_part(corpus, normalizer, speakers, part, segment_hop, unseen_speaker_norm)
                 for part in (val_rows, test_rows))
    return FoldSets(train, val, test, normalizer, speakers, rows)


def unseen_speakers(corpus: CorpusData, rows: Sequence[int], speakers: Sequence[str]) -> list[str]:
    """Speakers of ``rows`` that are not among the training ``speakers``, sorted."""
    known = set(speakers)
    return sorted({s for s in corpus.df["speaker"].astype(str).to_numpy()[list(rows)] if s not in known})


def build_part(
    corpus: CorpusData,
    normalizer: SpeakerNormalizer,
    speakers: Sequence[str],
    rows: Sequence[int] | None,
    segment_hop: int | None = None,
    unseen_speaker_norm: str = "global",
    features: Sequence[np.ndarray] | None = None,
) -> SegmentSet | None:
    """The segments of one part (``rows``) of a fold, normalised; None for no rows.

    ``normalizer`` holds the training speakers (``speakers``, in class order); a speaker absent
    from it gets the global statistics, or with ``unseen_speaker_norm="self"`` statistics fitted
    on that speaker's own rows of this part only (transductive). ``features``: the rows' own
    features by default, or others of the same rows (e.g. speed-perturbed copies).
    """
    if rows is None or len(rows) == 0:
        return None
    rows = list(rows)
    speakers_col = corpus.df["speaker"].astype(str).to_numpy()
    index = {s: k for k, s in enumerate(speakers)}
    part_normalizer = normalizer
    if unseen_speaker_norm == "self":
        unseen = [i for i in rows if speakers_col[i] not in index]
        if unseen:
            own = SpeakerNormalizer(normalizer.std_floor).fit([corpus.features[i] for i in unseen],
                                                              speakers_col[unseen])
            part_normalizer = copy.copy(normalizer)
            part_normalizer.speakers = {**own.speakers, **normalizer.speakers}
    if features is None:
        features = [corpus.features[i] for i in rows]
    return build_segment_set(features, speakers_col[rows], corpus.labels[rows],
                             part_normalizer, index, corpus.feature_config.segment_frames, segment_hop)


@dataclass
class TrainedFold:
    """A fitted system with its scores (``val``/``test`` metrics and segment outputs)."""

    fit: FitOutcome
    sets: FoldSets
    metrics: dict[str, dict]
    outputs: dict[str, dict[str, np.ndarray]]


def train_fold(
    corpus: CorpusData,
    sets: FoldSets,
    config: TrainConfig,
    out_dir: str | Path,
    options: TrainerOptions | None = None,
    resume: bool = False,
    spec: ModelSpec | None = None,
) -> TrainedFold:
    """Fit ``config.model`` on a fold and score the selected epoch on val and test.

    Scoring happens on the global-zero process only (other DDP ranks return empty scores).
    ``spec`` is ``config.model_spec()`` when the caller resolved it already.
    """
    n_emotions = len(corpus.emotions)
    if get_system(config.model).speaker_branch and len(sets.speakers) < 2:
        raise SsaserError(f"{config.model} needs at least two speakers in the training part")
    spec = spec or config.model_spec()
    if (spec.frontend, spec.feature_config) != (corpus.frontend, corpus.feature_config):
        raise SsaserError(f"{config.model}: the corpus's features were computed with other front-end settings "
                          "than its configuration's (feature_options / frontend)")
    fit = fit_system(config, sets.train, sets.val, n_emotions, len(sets.speakers), out_dir, options, resume, spec)
    metrics, outputs = {}, {}
    if fit.is_global_zero:
        for part, data in (("val", sets.val), ("test", sets.test)):
            if data is not None:
                metrics[part], outputs[part] = score_set(fit.module.system, data, n_emotions)
    return TrainedFold(fit, sets, metrics, outputs)


def to_ser_model(trained: TrainedFold, corpus: CorpusData):
    """The trained system wrapped with its front end and normaliser (for ``save_model_dir``)."""
    from ssaser.models.pipeline import SerModel

    model = SerModel.from_spec(trained.fit.spec, corpus.emotions, trained.sets.speakers, trained.sets.normalizer)
    model.system.load_state_dict(trained.fit.module.system.state_dict())
    return model.eval()
