"""A cross-validation folder's bookkeeping: its run signature, and ``results.json`` from the finished folds."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Mapping

from ssaser.atomic_files import atomic_write_json
from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import paired_comparisons, summarize_folds
from ssaser.training.config import TrainConfig
from ssaser.training.corpus_data import CorpusData
from ssaser.training.provenance import machine_description


def complete_prefix(done: Mapping[str, Mapping[int, dict]]) -> dict[str, list[dict]]:
    """Per system, the entries of folds 0..K-1, K being the first fold some system lacks."""
    k = 0
    while done and all(k in entries for entries in done.values()):
        k += 1
    return {m: [entries[i] for i in range(k)] for m, entries in done.items()}


def with_newer_defaults(signature: Mapping) -> dict:
    """``signature`` whose per-system configurations also hold the keys that a newer ssaser added,
    at their defaults: a new key's default keeps the old behaviour, so a run recorded before the
    key existed is the same run, and an upgrade does not stop it from resuming."""
    defaults = TrainConfig().to_dict()
    configs = signature.get("configs")
    if not isinstance(configs, Mapping):
        return dict(signature)
    return {**signature, "configs": {m: {**defaults, **c} if isinstance(c, Mapping) else c
                                     for m, c in configs.items()}}


def check_same_run(out_dir: Path, signature: dict) -> None:
    """Record the run's signature in ``cv_config.json``, or refuse a folder holding another run's."""
    path = out_dir / "cv_config.json"
    if path.is_file():
        previous = with_newer_defaults(json.loads(path.read_text()))
        if previous != signature:
            changed = sorted(k for k in set(previous) | set(signature) if previous.get(k) != signature.get(k))
            raise SsaserError(f"{out_dir} holds a run with another configuration ({', '.join(changed)} differ): "
                              "use another --out")
    else:
        atomic_write_json(signature, path)


def assemble_results(corpus: CorpusData, fold_list: list, entries: dict[str, list[dict]], signature: dict,
                     preset: str, reported: str, command: str | None, start: float) -> dict:
    """The ``results.json`` mapping of the folds finished so far (``folds_completed``)."""
    done = min(len(e) for e in entries.values())
    models = {m: {"folds": e[:done], "summary": summarize_folds(e[:done])} for m, e in entries.items()}
    return {
        "corpus": {"name": corpus.name, "manifest": signature["manifest"], "utterances": len(corpus.df),
                   "speakers": int(corpus.df["speaker"].nunique()), "emotions": corpus.emotions,
                   **({"emotion_selection": signature["emotions"], "left_out": corpus.dropped}
                      if signature.get("emotions") else {})},
        "protocol": signature["protocol"], "folds": len(fold_list), "folds_completed": done,
        "folds_description": [f.describe() for f in fold_list],
        "test_fraction": signature["test_fraction"], "split_seed": signature["split_seed"],
        **({"folds_from": signature["folds_from"]["source"]} if signature.get("folds_from") else {}),
        **({"validation": "held-out training speakers" if signature.get("val_by_speaker")
            else "a random share of the non-test rows"} if reported == "test" else {}),
        "reported_split": "test" if reported == "test" else "validation",
        "selection_saw_reported_data": reported == "val",
        "unseen_speaker_norm": next(iter(signature["configs"].values())).get("unseen_speaker_norm", "global"),
        "preset": preset,
        "configs": signature["configs"],
        # The resolved network sizes and options (defaults included), as the runs used them.
        "model_configs": {m: TrainConfig.from_dict(c).model_spec().model_config.to_dict()
                          for m, c in signature["configs"].items()},
        "models": models,
        # UAR of each two systems compared fold by fold (ssaser.evaluation.paired_comparisons).
        "paired": paired_comparisons(models),
        "run": {
            "command": command or " ".join(sys.argv),
            "machine": machine_description(),
            "wall_seconds_this_invocation": round(time.time() - start, 1),
            "training_seconds_all_folds": round(sum(x["seconds"] for e in entries.values() for x in e), 1),
        },
    }
