"""How well SSA-CRNN-r's speaker branch tells voices apart, seen and unseen (issue #16).

Each fold's selected SSA-CRNN-r of a finished cv run is rescored (nothing retrained). Per
utterance, the speaker embedding is the mean of its segments' embeddings (the FC output before
the speaker classifier). Printed per part:

- ``val`` (training actors): closed-set accuracy of the speaker classifier (argmax over the
  training actors);
- ``test`` (actors never seen in training): speaker verification on every pair of test
  utterances by the cosine of their embeddings (equal error rate, EER) and leave-one-out
  nearest-neighbour speaker accuracy (chance: about 1 / number of test actors). Validation
  utterances get the same two figures, for comparison.

A reference without any network, ``input statistics``: each utterance's per-band mean and std of
its static log-Mel frames as the model saw them (padding left out). Training actors are
normalised with their own statistics, which removes exactly this cue on ``val``; an unseen actor is
normalised with the pooled ones, so on ``test`` it keeps the voice's spectral envelope.

If the closed-set softmax over the training actors gave embeddings that do not carry over to new
voices, the test EER would be far above the validation EER. Speaker labels of the test actors are
used here to score the probe only; nothing is selected on them.

    python benchmarks/speaker_probe.py RUN_DIR [RUN_DIR ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from _cv_run import scored_parts, selected_folds
from sklearn.metrics import roc_curve

from ssaser.evaluation.metrics import aggregate_utterances
from ssaser.models.systems import attention_valid


@torch.no_grad()
def speaker_outputs(system, segments: torch.Tensor, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Speaker logits ``(segments, training speakers)`` and embeddings ``(segments, n_em)``."""
    logits, embeddings = [], []
    for start in range(0, len(segments), batch):
        x = segments[start:start + batch]
        out = system.speaker(x, attention_valid(x, system.config))
        logits.append(out[0].float())
        embeddings.append(out[1].float())
    return torch.cat(logits).numpy(), torch.cat(embeddings).numpy()


def input_statistics(segments: torch.Tensor, utterance: np.ndarray, n: int) -> np.ndarray:
    """Per utterance, mean and std over its audio frames of the static channel: ``(n, 2 * bins)``."""
    static = segments[:, 0].float().numpy()  # (segments, frames, bins)
    audio = (segments != 0).any(dim=1).any(dim=-1).numpy()  # (segments, frames); padding is exactly 0
    out = np.zeros((n, 2 * static.shape[-1]))
    for u in range(n):
        frames = static[utterance == u][audio[utterance == u]]
        out[u] = np.concatenate([frames.mean(0), frames.std(0)])
    return out


def verification(embeddings: np.ndarray, speaker: np.ndarray) -> tuple[float, float]:
    """EER over all utterance pairs (cosine scores) and leave-one-out 1-NN speaker accuracy, in %."""
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    cosine = unit @ unit.T
    upper = np.triu_indices(len(speaker), k=1)
    same = (speaker[:, None] == speaker[None, :])[upper]
    fpr, tpr, _ = roc_curve(same, cosine[upper])
    fnr = 1 - tpr
    k = int(np.argmin(np.abs(fnr - fpr)))
    np.fill_diagonal(cosine, -np.inf)
    nearest = speaker[cosine.argmax(axis=1)]
    return 100 * float((fpr[k] + fnr[k]) / 2), 100 * float(np.mean(nearest == speaker))


def probe(run: Path) -> dict[str, list[tuple[float, ...]]]:
    rows: dict[str, list[tuple[float, ...]]] = {"val": [], "test": [], "val, input statistics": [],
                                                "test, input statistics": []}
    for sel in selected_folds(run, ["ssa-crnn-r"]):
        system = sel.module.system
        for part, data, who_utt in scored_parts(sel):
            utt = data.utterance.numpy()
            logits, embeddings = speaker_outputs(system, data.segments)
            eer, nn_acc = verification(aggregate_utterances(embeddings, utt, data.n_utterances), who_utt)
            closed = float("nan")
            if part == "val":
                index = {s: i for i, s in enumerate(sel.sets.speakers)}
                truth = np.array([index[s] for s in who_utt])
                closed = 100 * float(np.mean(aggregate_utterances(logits, utt, data.n_utterances).argmax(1) == truth))
            rows[part].append((eer, nn_acc, closed, len(set(who_utt))))
            eer, nn_acc = verification(input_statistics(data.segments, utt, data.n_utterances), who_utt)
            rows[f"{part}, input statistics"].append((eer, nn_acc, float("nan"), len(set(who_utt))))
        print(f"{run.name} fold {sel.fold + 1}: " + "; ".join(
            f"{p} EER {rows[p][-1][0]:.1f} 1-NN {rows[p][-1][1]:.1f}" for p in rows if rows[p]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args()
    results = {run: probe(run) for run in args.runs}
    print("\n| run | part | folds | actors per fold | EER % | 1-NN speaker accuracy % | closed-set accuracy % |")
    print("|---|---|---|---|---|---|---|")
    for run, rows in results.items():
        for part, values in rows.items():
            if not values:
                continue
            v = np.array(values)
            closed = f"{np.nanmean(v[:, 2]):.1f}" if part == "val" else ""
            part = part if "input" in part else f"{part}, speaker embedding"
            print(f"| {run.name} | {part} | {len(v)} | {v[:, 3].mean():.0f} | {v[:, 0].mean():.1f} "
                  f"| {v[:, 1].mean():.1f} | {closed} |")


if __name__ == "__main__":
    main()
