"""What the SSA layer takes from the speaker branch, probed on a finished cv run (issue #16).

Each fold's selected SSA-CRNN-r is rescored (nothing retrained) with the speaker branch's BLSTM
outputs ``h_sp`` of every segment replaced by those of another segment of the same part:

- ``own``: unchanged (the run's figures);
- ``other speaker, same emotion``: a segment of another speaker with the same label;
- ``same speaker, other emotion``: a segment of the same speaker with another label;
- ``any``: a random segment; ``zeros``: ``h_sp = 0``.

If SSA conditioned emotion on *who speaks*, swapping the speaker would hurt and swapping the
emotion would not. If ``h_sp`` mainly carries emotion (the emotion loss trains the speaker branch
too), the reverse holds. The donor choice uses the labels, so the swapped rows are a probe, not a
result. Prints, per part: UAR, utterance decisions changed against ``own``, alpha_sp's share.

    python benchmarks/ssa_probe.py RUN_DIR [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from _cv_run import scored_parts, selected_folds

from ssaser.evaluation.metrics import aggregate_utterances, classification_metrics
from ssaser.models.systems import attention_valid, emotion_input

VARIANTS = ("own", "other speaker, same emotion", "same speaker, other emotion", "any", "zeros")


def donors(speaker: np.ndarray, emotion: np.ndarray, variant: str, rng: np.random.Generator) -> np.ndarray:
    """For each segment, the segment whose ``h_sp`` it gets (its own where no donor fits)."""
    n = speaker.size
    out = np.arange(n)
    if variant == "own":
        return out
    for i in range(n):
        if variant == "any":
            ok = np.ones(n, dtype=bool)
        elif variant == "other speaker, same emotion":
            ok = (speaker != speaker[i]) & (emotion == emotion[i])
        else:
            ok = (speaker == speaker[i]) & (emotion != emotion[i])
        choices = np.flatnonzero(ok)
        if choices.size:
            out[i] = rng.choice(choices)
    return out


@torch.no_grad()
def branch_outputs(system, segments: torch.Tensor, batch: int = 64):
    """``h_em``, ``h_sp`` ``(segments, T, d)`` and the attention mask of every segment."""
    h_em, h_sp, valid = [], [], []
    for start in range(0, len(segments), batch):
        x = segments[start:start + batch]
        v = attention_valid(x, system.config)
        h_sp.append(system.speaker(x, v)[2])
        h_em.append(system.encoder(emotion_input(x, system.config)))
        valid.append(v)
    return torch.cat(h_em), torch.cat(h_sp), (None if valid[0] is None else torch.cat(valid))


@torch.no_grad()
def head(system, h_em: torch.Tensor, h_sp: torch.Tensor, valid) -> tuple[np.ndarray, float]:
    """Posteriors ``(segments, classes)`` from the SSA layer on, and alpha_sp's mean share."""
    context, _, alpha_sp = system.ssa(h_em, h_sp, valid)
    logits = system.classifier(system.dropout(system.embedding(context)))
    return torch.softmax(logits.float(), -1).numpy(), float(alpha_sp.sum(-1).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    table: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for sel in selected_folds(args.run, ["ssa-crnn-r"]):
        system = sel.module.system
        n_emo = len(sel.corpus.emotions)
        for part, data, utterance_speaker in scored_parts(sel):
            utt = data.utterance.numpy()
            speaker = utterance_speaker[utt]
            emotion = data.emotion.numpy()
            h_em, h_sp, valid = branch_outputs(system, data.segments)
            own_pred = None
            for variant in VARIANTS:
                donor_h = torch.zeros_like(h_sp) if variant == "zeros" else h_sp[donors(speaker, emotion, variant, rng)]
                probs, share = head(system, h_em, donor_h, valid)
                pred = aggregate_utterances(probs, utt, data.n_utterances).argmax(1)
                own_pred = pred if own_pred is None else own_pred
                uar = 100 * classification_metrics(data.utterance_emotion, pred, n_emo)["uar"]
                table.setdefault((part, variant), []).append((uar, 100 * float(np.mean(pred != own_pred)), share))
        print(f"fold {sel.fold + 1}: " + ", ".join(f"{p} {v} {table[(p, v)][-1][0]:.1f}"
                                                   for p in ("val", "test") for v in VARIANTS), flush=True)
    print(f"\n{args.run}: SSA-CRNN-r, h_sp swapped (folds: {len(table[('test', 'own')])})")
    print("| part | h_sp from | UAR % | minus own | decisions changed % | alpha_sp share |")
    print("|---|---|---|---|---|---|")
    for (part, variant), rows in table.items():
        values = np.array(rows)
        own = np.array(table[(part, "own")])[:, 0]
        print(f"| {part} | {variant} | {values[:, 0].mean():.2f} | {values[:, 0].mean() - own.mean():+.2f} "
              f"| {values[:, 1].mean():.1f} | {values[:, 2].mean():.3f} |")


if __name__ == "__main__":
    main()
