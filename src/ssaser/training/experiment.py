"""From a fold's segments to a trained, scored system: the part shared by ``ssaser train`` and ``ssaser cv``.

:func:`train_fold` fits a system on a fold (:mod:`ssaser.training.fold_sets`) and scores its best
epoch on the validation (and test) rows; :func:`to_ser_model` turns it into the
:class:`~ssaser.models.pipeline.SerModel` that ``save_model_dir`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ssaser.errors import SsaserError
from ssaser.models.registry import get_system
from ssaser.models.spec import ModelSpec
from ssaser.training.config import TrainConfig
from ssaser.training.corpus_data import CorpusData
from ssaser.training.fit import FitOutcome, TrainerOptions, fit_system, score_set
from ssaser.training.fold_sets import FoldSets


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
