"""Everything a cross-validation folder shows, rebuilt from its saved files.

Input: ``results.json``'s mapping and the per-fold ``<model>/fold_<k>/outputs.npz``
(utterance embeddings and labels of the reported split, one sample segment with its attention
weights). Output: ``report.md``, ``confusion_<model>.png`` (summed over folds),
``tsne_<model>.png`` (fold 0), ``attention.png`` (SSA-CRNN-r when it was run) and ``curves.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from ssaser.errors import SsaserError
from ssaser.evaluation.plots import plot_attention, plot_confusion, plot_curves, plot_tsne
from ssaser.evaluation.report import write_report
from ssaser.models.registry import display_name, get_system

#: Seconds per input frame, for the attention plot's time axis (10 ms hop).
FRAME_SECONDS = 0.01


def _has_speaker_branch(name: str) -> bool:
    try:
        return get_system(name).speaker_branch
    except SsaserError:  # a run of a system this installation does not register
        return False


def _attention_plot(results: Mapping, out_dir: Path) -> Path | None:
    models = list(results["models"])
    # A system with a speaker branch shows both alpha_em and alpha_sp (the paper's Figure 3);
    # others their SA alpha; a system without attention weights has no plot.
    for model in sorted(models, key=lambda m: not _has_speaker_branch(m)):
        path = out_dir / model / "fold_0" / "outputs.npz"
        if not path.is_file():
            continue
        with np.load(path) as data:
            key = "sample_alpha_em" if "sample_alpha_em" in data else "sample_alpha"
            if key not in data:
                continue
            emotion = results["corpus"]["emotions"][int(data["sample_label"])]
            alpha_sp = data["sample_alpha_sp"] if "sample_alpha_sp" in data else None
            title = f"{display_name(model)}, fold 1, one '{emotion}' segment"
            padded = int(data["sample_padded_frames"]) if "sample_padded_frames" in data else 0
            return plot_attention(data["sample_features"], data[key], alpha_sp, out_dir / "attention.png",
                                  FRAME_SECONDS, title, padded)
    return None


def write_outputs(results: Mapping, out_dir: str | Path) -> list[Path]:
    """Write the report and all figures of a cv folder; return the files written."""
    out_dir = Path(out_dir)
    emotions = results["corpus"]["emotions"]
    written = []
    histories = {}
    for model, entry in results["models"].items():
        name = display_name(model)
        written.append(plot_confusion(entry["summary"]["confusion"], emotions, out_dir / f"confusion_{model}.png",
                                      f"{name}: {results['reported_split']} folds summed"))
        if any(f.get("history") for f in entry["folds"]):  # an ensemble trained nothing
            histories[name] = [f["history"] for f in entry["folds"]]
        npz = out_dir / model / "fold_0" / "outputs.npz"
        if npz.is_file():
            with np.load(npz) as data:
                if "embeddings" in data and data["embeddings"].shape[0] >= 5:  # t-SNE needs a few points
                    written.append(plot_tsne(data["embeddings"], data["labels"], emotions,
                                             out_dir / f"tsne_{model}.png", f"{name}: emotion embeddings (fold 1)"))
    attention = _attention_plot(results, out_dir)
    if attention is not None:
        written.append(attention)
    written.append(plot_curves(histories, out_dir / "curves.png"))
    written.append(write_report(results, out_dir / "report.md"))  # last: it links the figures drawn
    return written
