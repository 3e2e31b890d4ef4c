"""Figures of a cross-validation run, drawn with matplotlib's Agg backend (no display).

- :func:`plot_confusion`: row-normalised confusion matrix (the paper's Figure 4).
- :func:`plot_attention`: ``alpha_em`` and ``alpha_sp`` over time under the segment's
  log-Mel spectrogram (Figure 3).
- :func:`plot_tsne`: 2-D t-SNE of emotion embeddings coloured by emotion (Figure 5).
- :func:`plot_curves`: training loss and validation UAR per epoch, one line per fold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def plot_confusion(confusion: Sequence[Sequence[float]], labels: Sequence[str], path: str | Path, title: str = "") -> Path:
    """Row-normalised confusion matrix: percent of each true class, in the cells and the colour bar.

    Parameters
    ----------
    confusion : array-like
        ``(classes, classes)`` counts, rows = true class, columns = predicted class.
    labels : sequence of str
        Class names in index order.
    path : str or Path
        PNG file to write.
    """
    plt = _pyplot()
    counts = np.asarray(confusion, dtype=np.float64)
    rows = counts.sum(axis=1, keepdims=True)
    norm = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    size = 1.2 + 0.55 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    # Cells and colour bar in one unit: percent of the true class.
    image = ax.imshow(100 * norm, vmin=0, vmax=100, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(norm.shape[0]):
        for j in range(norm.shape[1]):
            ax.text(j, i, f"{100 * norm[i, j]:.0f}", ha="center", va="center",
                    color="white" if norm[i, j] > 0.5 else "black", fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.046).set_label("% of the true class")
    ax.set_title(title)
    return _save(fig, path)


def plot_attention(
    features: np.ndarray,
    alpha_em: np.ndarray,
    alpha_sp: np.ndarray | None,
    path: str | Path,
    frame_seconds: float,
    title: str = "",
    padded_frames: int = 0,
) -> Path:
    """Self (``alpha_em``) and speaker (``alpha_sp``) attention over a segment's time axis.

    Parameters
    ----------
    features : np.ndarray
        ``(3, frames, n_mels)`` normalised segment; its static channel is drawn on top.
    alpha_em : np.ndarray
        ``(T,)`` self-attention weights over the ``T`` encoder steps.
    alpha_sp : np.ndarray or None
        ``(T,)`` speaker-attention weights (None for a system without SSA).
    frame_seconds : float
        Duration of one input frame (hop), to put the x axis in seconds.
    padded_frames : int
        Trailing frames that are zero padding, shaded in both panels.
    """
    plt = _pyplot()
    frames = features.shape[1]
    duration = frames * frame_seconds
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True, height_ratios=[1.2, 1])
    top.imshow(features[0].T, origin="lower", aspect="auto", cmap="magma", extent=(0, duration, 0, features.shape[2]))
    top.set_ylabel("mel band")
    top.set_title(title)
    t_em = (np.arange(alpha_em.size) + 0.5) * duration / alpha_em.size
    bottom.plot(t_em, alpha_em, label=r"$\alpha_{em}$ (self)", color="tab:blue")
    if alpha_sp is not None:
        t_sp = (np.arange(alpha_sp.size) + 0.5) * duration / alpha_sp.size
        bottom.plot(t_sp, alpha_sp, label=r"$\alpha_{sp}$ (speaker)", color="tab:orange")
    if padded_frames > 0:
        start = (frames - padded_frames) * frame_seconds
        for ax in (top, bottom):
            ax.axvspan(start, duration, color="grey", alpha=0.35, lw=0, label="zero padding" if ax is bottom else None)
    # SSA's two halves share one softmax over 2T steps; plain self-attention spreads over T.
    steps = alpha_em.size + (alpha_sp.size if alpha_sp is not None else 0)
    bottom.axhline(1.0 / steps, color="grey", lw=0.8, ls=":", label=f"uniform (1/{steps})")
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("attention weight")
    bottom.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


def plot_tsne(
    embeddings: np.ndarray, labels: np.ndarray, names: Sequence[str], path: str | Path, title: str = "", seed: int = 0
) -> Path:
    """2-D t-SNE (sklearn) of embeddings, one colour per class.

    Parameters
    ----------
    embeddings : np.ndarray
        ``(items, dim)`` emotion embeddings.
    labels : np.ndarray
        ``(items,)`` class index of each item.
    names : sequence of str
        Class names in index order (the legend).
    """
    from sklearn.manifold import TSNE

    plt = _pyplot()
    x = np.asarray(embeddings, dtype=np.float64)
    # t-SNE needs perplexity < n_samples; tiny test sets get a smaller one.
    perplexity = float(min(30.0, max(2.0, (x.shape[0] - 1) / 3)))
    points = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for c, name in enumerate(names):
        mask = np.asarray(labels) == c
        if mask.any():
            ax.scatter(points[mask, 0], points[mask, 1], s=10, label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, markerscale=1.5, loc="best")
    ax.set_title(title)
    return _save(fig, path)


def plot_curves(histories: Mapping[str, Sequence[Sequence[Mapping[str, float]]]], path: str | Path) -> Path:
    """Training loss and validation UAR per epoch: a row per model, a colour per fold.

    Epochs and folds are numbered from 1, as the command line prints them.

    Parameters
    ----------
    histories : mapping
        ``{model: [fold_history, ...]}`` where a fold history is a list of per-epoch dicts
        holding ``epoch`` (0-based, as Lightning counts) and optionally ``train_loss`` and
        ``val_uar`` (in [0, 1]).
    """
    plt = _pyplot()
    rows = max(1, len(histories))
    fig, axes = plt.subplots(rows, 2, figsize=(10, 2.6 + 2.4 * rows), squeeze=False, sharex=True)
    colours = plt.get_cmap("tab10").colors
    for (model, folds), (left, right) in zip(histories.items(), axes):
        for f, history in enumerate(folds):
            for ax, key, scale in ((left, "train_loss", 1.0), (right, "val_uar", 100.0)):
                points = [(h["epoch"] + 1, scale * h[key]) for h in history if h.get(key) is not None]
                if points:
                    ax.plot(*zip(*points), color=colours[f % len(colours)], alpha=0.8, marker=".", lw=1,
                            label=f"fold {f + 1}")
        left.set_ylabel(f"{model}\ntraining loss")
        right.set_ylabel("validation UAR (%)")
        if len(folds) <= 12:
            right.legend(fontsize=7, ncol=2)
    axes[0][0].set_title("training loss (SSA-CRNN-r: + speaker CE)")
    axes[0][1].set_title("validation UAR, utterance level")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    return _save(fig, path)
