"""A finished ``ssaser cv`` run's selected models, with their folds rebuilt as the run built them.

For analyses that rescore trained folds without retraining (``rescore_pooling.py``,
``ssa_probe.py``): the plan is read from the run's ``cv_config.json``, the corpus and folds are
made again (same split seed, same fold file), and each fold's best checkpoint is loaded.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from ssaser.training.cv import CvPlan, CvRun, _prepare
from ssaser.training.fold_sets import FoldSets
from ssaser.training.fold_task import FoldTask, task_sets
from ssaser.training.module import SerLightningModule, module_for_config


@dataclass
class SelectedFold:
    """One fold's selected model and its parts."""

    model: str
    fold: int
    corpus: object  # ssaser.training.corpus_data.CorpusData
    sets: FoldSets
    module: SerLightningModule
    segment_frames: int


def selected_folds(run: Path, models: Sequence[str] | None = None) -> Iterator[SelectedFold]:
    """Every finished (system, fold) of ``run`` with its best checkpoint, in fold order per system."""
    cfg = json.loads((run / "cv_config.json").read_text())
    models = list(models or cfg["configs"])
    overrides = {k: v for k, v in cfg["configs"][models[0]].items() if k != "model"}
    plan = CvPlan(cfg["manifest"], models, cfg["protocol"], cfg["folds"], cfg["test_fraction"], cfg["split_seed"],
                  overrides=overrides, folds_from=(cfg.get("folds_from") or {}).get("source"),
                  val_by_speaker=cfg.get("val_by_speaker", False), emotions=cfg.get("emotions"))
    with tempfile.TemporaryDirectory() as scratch:  # _prepare records the plan in its folder
        exp = _prepare(plan, CvRun(), Path(scratch), None)
    n_emotions = len(exp.corpus.emotions)
    for model in models:
        config = exp.configs[model]
        spec = config.model_spec()
        for k, fold in enumerate(exp.folds):
            fold_dir = run / model / f"fold_{k}"
            checkpoints = sorted((fold_dir / "checkpoints").glob("best-*.ckpt"))
            if not checkpoints or not (fold_dir / "result.json").is_file():  # unfinished: not selected yet
                continue
            sets = task_sets(exp.corpus, FoldTask(k, fold, model, config, run, exp.reported))
            module = module_for_config(config, n_emotions, len(sets.speakers), spec)
            state = torch.load(checkpoints[-1], map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
            yield SelectedFold(model, k, exp.corpus, sets, module.eval(), spec.model_config.segment_frames)


def scored_parts(sel: SelectedFold) -> Iterator[tuple[str, object, np.ndarray]]:
    """``(part, segment set, speaker of each utterance)`` for the fold's ``val`` and ``test`` parts
    that exist, in that order (``sets.rows[part]`` are the utterances' corpus rows)."""
    speakers = sel.corpus.df["speaker"].astype(str).to_numpy()
    for part in ("val", "test"):
        data = getattr(sel.sets, part)
        if data is not None:
            yield part, data, speakers[np.asarray(sel.sets.rows[part])]
