"""Cross-validated ensembles: systems of several ``ssaser cv`` runs on the same folds, averaged.

A member is one system folder of a cv run (``RUN/<model>``, holding ``fold_<k>/outputs.npz`` and
``fold_<k>/result.json``). Every member must have run the same folds
(:func:`~ssaser.evaluation.run_comparison.check_same_folds`). Per fold, the members' utterance
posteriors of the reported part are averaged with equal weights and scored like one system.

The result is a ``results.json`` mapping whose ``models`` hold the members (their fold entries as
they ran, under their labels) and ``ensemble``, so the report pairs the ensemble with each member
fold by fold, and ``ssaser compare`` pairs two ensembles. Nothing is retrained: the ensemble costs
one inference per member. Which members to combine is a choice: made by looking at the reported
(test) figures, it makes the ensemble's figure optimistic.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ssaser.atomic_files import atomic_write_json
from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import classification_metrics, paired_comparisons, speaker_breakdown, summarize_folds
from ssaser.evaluation.run_comparison import check_same_folds, read_results

#: The key of the averaged system in the ensemble's ``models``.
ENSEMBLE = "ensemble"


@dataclass(frozen=True)
class Member:
    """One system of one cv run.

    Attributes
    ----------
    label : str
        Its name in the ensemble's results (default ``<run folder>.<system>``).
    folder : Path
        The system folder, ``RUN/<model>``.
    system : str
        The system's name in its run (``ssa-crnn-r`` ...).
    run : dict
        The run's ``results.json`` mapping.
    """

    label: str
    folder: Path
    system: str
    run: dict

    @property
    def folds(self) -> dict[int, dict]:
        """The member's completed fold entries by fold index."""
        return {f["fold"]: f for f in self.run["models"][self.system]["folds"]}


def read_member(spec: str) -> Member:
    """A member from ``RUN/<model>`` or ``LABEL=RUN/<model>``."""
    label, _, path = spec.rpartition("=")
    folder = Path(path)
    run = read_results(folder.parent)
    system = folder.name
    if system not in run["models"]:
        raise SsaserError(f"{folder}: the run in {folder.parent} has no system {system!r} "
                          f"(it has {', '.join(run['models'])}); give RUN/<model>")
    label = label or f"{folder.resolve().parent.name}.{system}"
    if label == ENSEMBLE or "/" in label or not label.strip():
        raise SsaserError(f"member label {label!r}: choose another (no '/', not {ENSEMBLE!r})")
    return Member(label, folder, system, run)


def _fold_outputs(member: Member, k: int) -> dict[str, np.ndarray]:
    path = member.folder / f"fold_{k}" / "outputs.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in ("probs", "labels", "speakers") if key in data}
    except FileNotFoundError:
        raise SsaserError(f"{path}: missing (the run's folder must keep its fold outputs)") from None


def ensemble_fold(members: Sequence[Member], k: int, emotions: Sequence[str]) -> tuple[dict, dict]:
    """Fold ``k`` scored with the members' utterance posteriors averaged.

    Returns
    -------
    entry : dict
        The fold's result entry: ``fold``, ``uar``, ``wa``, ``macro_f1``, ``confusion``, ``n``,
        ``test`` (the same metrics, when the runs report a test part), ``per_speaker`` when every
        member's outputs name the speakers (runs older than that lack them), ``split``.
    outputs : dict
        ``probs`` ``(utterances, classes)`` (the averaged posteriors), ``labels`` ``(utterances,)``
        and, when known, ``speakers``.

    Raises
    ------
    SsaserError
        When the members scored different utterances (labels or speakers differ).
    """
    outs = [_fold_outputs(m, k) for m in members]
    labels = outs[0]["labels"]
    for member, out in zip(members[1:], outs[1:]):
        if not np.array_equal(out["labels"], labels):  # False for another shape too
            raise SsaserError(f"fold {k + 1}: {member.label} scored other utterances than {members[0].label}")
        if out["probs"].shape != outs[0]["probs"].shape:
            raise SsaserError(f"fold {k + 1}: {member.label} has posteriors of another shape")
    speakers = [o["speakers"] for o in outs if "speakers" in o]
    if any(not np.array_equal(s, speakers[0]) for s in speakers[1:]):
        raise SsaserError(f"fold {k + 1}: the members' utterances come from different speakers")
    probs = np.mean([o["probs"] for o in outs], axis=0)
    predicted = probs.argmax(1)
    metrics = classification_metrics(labels, predicted, len(emotions))
    first = members[0].folds[k]
    entry = {"fold": k, **metrics, "best_epoch": None, "epochs": None, "val": None, "history": [],
             "split": first.get("split"), "members": [m.label for m in members]}
    if first.get("test") is not None:
        entry["test"] = metrics
    outputs = {"probs": probs, "labels": labels}
    if len(speakers) == len(outs):
        entry["per_speaker"] = speaker_breakdown(labels, predicted, speakers[0].tolist(), emotions)
        outputs["speakers"] = speakers[0]
    return entry, outputs


def _shared_value(members: Sequence[Member], key: str):
    values = {json.dumps(m.run.get(key), sort_keys=True) for m in members}
    return members[0].run.get(key) if len(values) == 1 else "mixed: " + ", ".join(
        f"{m.label} {m.run.get(key)}" for m in members)


def ensemble_results(members: Sequence[Member], command: str | None = None, start: float | None = None,
                     fold_outputs: dict[int, dict] | None = None, machine: str | None = None) -> dict:
    """The ``results.json`` mapping of the ensemble of ``members`` on the folds all of them completed.

    ``fold_outputs``, when given, receives each fold's averaged outputs (:func:`ensemble_fold`);
    ``machine`` is recorded in ``run`` (the members' folds keep their own).

    Raises
    ------
    SsaserError
        Fewer than two members, two members with one label, runs on other folds, or fewer
        than one fold that every member completed.
    """
    start = time.time() if start is None else start
    if len(members) < 2:
        raise SsaserError("an ensemble needs at least two members")
    labels = [m.label for m in members]
    if len(set(labels)) < len(labels):
        raise SsaserError(f"two members share a label ({', '.join(labels)}): name them LABEL=RUN/<model>")
    for member in members[1:]:
        check_same_folds(members[0].run, member.run)
    shared = sorted(set.intersection(*(set(m.folds) for m in members)))
    if not shared:
        raise SsaserError("no fold was completed by every member")
    emotions = members[0].run["corpus"]["emotions"]
    entries = []
    for k in shared:
        entry, outputs = ensemble_fold(members, k, emotions)
        entries.append(entry)
        if fold_outputs is not None:
            fold_outputs[k] = outputs
    models = {m.label: {"folds": [m.folds[k] for k in shared], "summary": summarize_folds([m.folds[k] for k in shared])}
              for m in members}
    models[ENSEMBLE] = {"folds": entries, "summary": summarize_folds(entries)}
    base = members[0].run
    copied = ("corpus", "protocol", "folds", "folds_description", "test_fraction", "split_seed", "folds_from",
              "validation", "reported_split", "selection_saw_reported_data")
    return {
        **{key: base[key] for key in copied if key in base},
        "folds_completed": len(shared),
        "unseen_speaker_norm": _shared_value(members, "unseen_speaker_norm"),
        "preset": _shared_value(members, "preset"),
        # the ensemble's "setting" is its members, so ssaser compare names what two ensembles differ in
        "configs": {**{m.label: m.run["configs"].get(m.system, {}) for m in members},
                    ENSEMBLE: {"members": [f"{m.label}={m.system}" for m in members]}},
        "model_configs": {**{m.label: m.run.get("model_configs", {}).get(m.system, {}) for m in members}, ENSEMBLE: {}},
        "ensemble": {"members": [{"label": m.label, "folder": str(m.folder), "system": m.system,
                                  "command": m.run.get("run", {}).get("command")} for m in members],
                     "combination": "mean of the members' utterance posteriors, equal weights"},
        "models": models,
        "paired": paired_comparisons(models),
        "run": {"command": command or " ".join(sys.argv), **({"machine": machine} if machine else {}),
                "wall_seconds_this_invocation": round(time.time() - start, 1),
                "training_seconds_all_folds": round(sum(f.get("seconds", 0.0) for m in members
                                                        for f in models[m.label]["folds"]), 1)},
    }


def write_ensemble(members: Sequence[Member], out_dir: str | Path, command: str | None = None,
                   machine: str | None = None) -> dict:
    """Write the ensemble's ``results.json``, ``ensemble/fold_<k>/{result.json,outputs.npz}``,
    report and figures into ``out_dir``; return the results mapping."""
    from ssaser.evaluation.outputs import write_outputs

    out_dir = Path(out_dir)
    start = time.time()
    outputs: dict[int, dict] = {}
    results = ensemble_results(members, command, start, outputs, machine)
    for entry in results["models"][ENSEMBLE]["folds"]:
        fold_dir = out_dir / ENSEMBLE / f"fold_{entry['fold']}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(fold_dir / "outputs.npz", **outputs[entry["fold"]])
        atomic_write_json(entry, fold_dir / "result.json")
    atomic_write_json(results, out_dir / "results.json")
    write_outputs(results, out_dir)
    return results


def member_summary(results: Mapping) -> list[str]:
    """One line per system of an ensemble's results: mean UAR over the shared folds."""
    return [f"{name}: {100 * entry['summary']['uar']['mean']:.2f} % UAR ({len(entry['folds'])} folds)"
            for name, entry in results["models"].items()]
