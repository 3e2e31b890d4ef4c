"""Emotion timelines of long audio: sliding windows, written as JSON, CSV or a plot.

A :class:`Timeline` is made by :meth:`ssaser.inference.Recognizer.timeline` (sliding 3 s
windows with a configurable hop, the file read in blocks so memory stays bounded).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ssaser.errors import SsaserError
from ssaser.inference.results import Normalization, SegmentResult

TIMELINE_SUFFIXES = (".json", ".csv", ".png")


@dataclass(frozen=True)
class Timeline:
    """Scores of sliding windows over one recording.

    Attributes
    ----------
    source : str
        The audio's name.
    labels : list of str
        The model's labels (column order of the CSV).
    hop, window : float
        Seconds between window starts; seconds per window (3 s).
    duration : float
        Seconds of audio.
    normalization : Normalization
        Which statistics normalised the features.
    windows : list of SegmentResult
        One per window, in time order; the last ones are zero-padded past the end.
    """

    source: str
    labels: list[str]
    hop: float
    window: float
    duration: float
    normalization: Normalization
    windows: list[SegmentResult] = field(default_factory=list)

    def probabilities(self) -> np.ndarray:
        """``(windows, labels)`` posteriors."""
        return np.array([[w.scores[label] for label in self.labels] for w in self.windows])

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source, "labels": list(self.labels), "hop": self.hop, "window": self.window,
            "duration": round(self.duration, 4), "normalization": self.normalization.to_dict(),
            "windows": [w.to_dict() for w in self.windows],
        }

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    def write_csv(self, path: str | Path) -> Path:
        """Columns ``start, end, label`` then one posterior column per label."""
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["start", "end", "label", *self.labels])
            for w in self.windows:
                writer.writerow([f"{w.start:.3f}", f"{w.end:.3f}", w.label,
                                 *(f"{w.scores[label]:.6f}" for label in self.labels)])
        return path

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Posterior of each label over time (window centres), top label as a colour band."""
        import matplotlib

        matplotlib.use("Agg")  # files only; never needs a display
        import matplotlib.pyplot as plt

        probs = self.probabilities()
        centres = np.array([(w.start + min(w.start + self.window, self.duration)) / 2 for w in self.windows])
        colours = plt.get_cmap("tab10")
        fig, (band, ax) = plt.subplots(2, 1, figsize=(10, 4), sharex=True,
                                       gridspec_kw={"height_ratios": [1, 6]})
        for k, label in enumerate(self.labels):
            ax.plot(centres, probs[:, k], marker=".", color=colours(k % 10), label=label)
        # Each window's top label colours the time up to the next window's start (the last: to its end).
        ends = [w.start for w in self.windows[1:]] + [self.windows[-1].end] if self.windows else []
        for w, end, top in zip(self.windows, ends, probs.argmax(axis=1)):
            band.axvspan(w.start, end, color=colours(int(top) % 10), linewidth=0)
        band.set_yticks([])
        band.set_ylabel("top label", rotation=0, ha="right", va="center")
        ax.set_xlim(0, max(self.duration, 1e-3))
        # The axis fits the posteriors (flat ones near 1/C stay readable), with chance marked.
        low, high = (float(probs.min()), float(probs.max())) if probs.size else (0.0, 1.0)
        margin = max(0.02, 0.08 * (high - low))
        ax.set_ylim(max(0.0, low - margin), min(1.0, high + margin))
        ax.axhline(1.0 / len(self.labels), color="grey", lw=0.8, ls=":", label=f"chance (1/{len(self.labels)})")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("posterior")
        # One legend for both panels: a label's colour is its line and its stretch of the top band.
        fig.legend(*ax.get_legend_handles_labels(), loc="upper right", fontsize="small",
                   ncol=min(len(self.labels) + 1, 5), bbox_to_anchor=(0.99, 0.99))
        band.set_title(title or f"{Path(self.source).name}: {self.window:g} s windows every {self.hop:g} s "
                       f"({self.normalization.describe()} normalisation)", loc="left", fontsize="medium")
        fig.tight_layout(rect=(0, 0, 1, 0.9))
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return Path(path)

    def write(self, path: str | Path) -> Path:
        """Write by suffix: ``.json``, ``.csv`` or ``.png`` (folders created as needed).

        Raises
        ------
        SsaserError
            An unknown suffix, or a path that cannot be written (one line, the OS's reason).
        """
        path = Path(path)
        writers = {".json": self.write_json, ".csv": self.write_csv, ".png": self.plot}
        if path.suffix.lower() not in writers:
            raise SsaserError(f"{path}: a timeline file must end with one of {', '.join(TIMELINE_SUFFIXES)}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return writers[path.suffix.lower()](path)
        except OSError as exc:
            raise SsaserError(f"{path}: cannot write the timeline ({exc.strerror or exc})") from None

    def write_all(self, stem: str | Path) -> list[Path]:
        """Write ``STEM.json``, ``STEM.csv`` and ``STEM.png``."""
        stem = Path(stem)
        return [self.write(stem.with_name(stem.name + suffix)) for suffix in TIMELINE_SUFFIXES]
