"""Backends that run :class:`~ssaser.inference.graph.InferenceGraph`: PyTorch or onnxruntime.

Both take the same numpy inputs and return emotion logits, so the recognizer does not know
which one it drives; :func:`score_jobs` batches window jobs for either.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from pathlib import Path
from typing import Iterable, Iterator, Protocol

import numpy as np
import torch

from ssaser.errors import ModelFileError
from ssaser.inference.graph import InferenceGraph
from ssaser.inference.windows import StreamEnd, WindowJob


class Backend(Protocol):
    """What the recognizer needs from a backend."""

    name: str

    def run(self, waves: np.ndarray, offsets: np.ndarray, valid: np.ndarray,
            mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        """``waves (batch, samples)`` float32 spans -> emotion logits ``(batch, n_emotions)``."""


class TorchBackend:
    """Runs the graph with PyTorch (eval mode, no autograd)."""

    name = "torch"

    def __init__(self, graph: InferenceGraph) -> None:
        self.graph = graph.eval()

    def run(self, waves: np.ndarray, offsets: np.ndarray, valid: np.ndarray,
            mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = self.graph(torch.from_numpy(waves), torch.from_numpy(offsets), torch.from_numpy(valid),
                             torch.from_numpy(mean), torch.from_numpy(std))
        return out[0].float().numpy()


class OnnxBackend:
    """Runs an exported ONNX graph with onnxruntime.

    Parameters
    ----------
    path : Path
        The ``.onnx`` file from :func:`ssaser.inference.onnx_export.export_onnx`.
    frontend : torch.nn.Module, optional
        The model's front end, needed only for a features-in export (its input is ``features``).
    labels : list of str, optional
        The model's labels; a mismatch with the file's stored labels is an error.
    """

    name = "onnx"

    def __init__(self, path: str | Path, frontend: torch.nn.Module | None = None,
                 labels: list[str] | None = None) -> None:
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"{path}: ONNX file not found (make it with `ssaser export`)")
        try:
            self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelFileError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0]})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        stored = json.loads(meta.get("labels", "null"))
        if labels is not None and stored is not None and list(stored) != list(labels):
            raise ModelFileError(f"{path}: exported for labels {stored}, the model has {labels}")
        self.input_kind = self.session.get_inputs()[0].name  # "waveform" or "features"
        if self.input_kind == "features" and frontend is None:
            raise ModelFileError(f"{path}: a features-in export needs the model's front end")
        self.frontend = frontend.eval() if frontend is not None else None
        self.path = path

    def run(self, waves: np.ndarray, offsets: np.ndarray, valid: np.ndarray,
            mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        inputs = waves
        if self.input_kind == "features":
            with torch.inference_mode():
                inputs = self.frontend(torch.from_numpy(waves)).numpy()
        feed = {self.input_kind: inputs, "offsets": offsets, "valid": valid, "mean": mean, "std": std}
        return self.session.run(["emotion_logits"], feed)[0]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(batch, classes)`` logits, in float64 for stable sums."""
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def score_jobs(
    items: Iterable[WindowJob | StreamEnd], backend: Backend, mean: np.ndarray, std: np.ndarray,
    batch_size: int = 16,
) -> Iterator[tuple[WindowJob, np.ndarray] | StreamEnd]:
    """Score window jobs in batches; yield ``(job, posteriors (n_emotions,))`` and the stream ends.

    Jobs are grouped by span length (a batch is one ``(batch, samples)`` array; spans have one
    length except for audio shorter than a span) and batched across streams: a stream's end does
    not cut a batch short, so many short files fill full batches. A :class:`StreamEnd` is yielded
    once every job of its stream has been, and the ends keep their input order. At most
    ``2 * batch_size`` jobs wait unscored, whatever the number of streams. Job order inside a
    stream is not kept: sort by ``job.start``.
    """
    pending: dict[int, list[WindowJob]] = {}
    unscored: Counter = Counter()  # stream key -> jobs not yet yielded
    ends: deque[StreamEnd] = deque()

    def flush(size: int) -> Iterator[tuple[WindowJob, np.ndarray]]:
        jobs = pending.pop(size)
        waves = np.stack([job.wave for job in jobs])
        offsets = np.array([job.offset for job in jobs], dtype=np.int64)
        valid = np.array([job.valid for job in jobs], dtype=np.int64)
        logits = backend.run(waves, offsets, valid, mean, std)
        if not np.isfinite(logits).all():
            # A score of NaN is never a result (a corrupt model, or statistics that overflow).
            raise ModelFileError("the model gave non-finite scores (NaN or infinity): its weights or "
                                 "normalisation statistics are unusable")
        probs = softmax(logits)
        for job, row in zip(jobs, probs):
            job.wave = np.zeros(0, np.float32)  # release the audio once scored
            unscored[job.key] -= 1
            yield job, row

    def finished_ends() -> Iterator[StreamEnd]:
        while ends and unscored[ends[0].key] == 0:
            del unscored[ends[0].key]
            yield ends.popleft()

    for item in items:
        if isinstance(item, StreamEnd):
            ends.append(item)
        else:
            group = pending.setdefault(item.wave.size, [])
            group.append(item)
            unscored[item.key] += 1
            if len(group) >= batch_size:
                yield from flush(item.wave.size)
            elif sum(map(len, pending.values())) >= 2 * batch_size:  # many lengths: bound the memory
                for size in list(pending):
                    yield from flush(size)
        yield from finished_ends()
    for size in list(pending):
        yield from flush(size)
    yield from finished_ends()


def load_with_backend(model_dir: str | Path, backend: str, onnx_path: str | Path | None = None):
    """A model directory's :class:`~ssaser.models.SerModel` and the ``torch`` or ``onnx`` backend that runs it
    (``onnx_path`` default: :func:`default_onnx_path`)."""
    from ssaser.inference.graph import build_graph
    from ssaser.models import load_model_dir

    model = load_model_dir(model_dir)
    if backend == "onnx":
        return model, OnnxBackend(onnx_path or default_onnx_path(model_dir), model.frontend, model.emotions)
    return model, TorchBackend(build_graph(model))


def default_onnx_path(model_dir: str | Path) -> Path:
    """Where ``ssaser export`` writes by default and ``--backend onnx`` looks: ``MODEL_DIR/model.onnx``,
    else ``MODEL_DIR.onnx`` beside the directory."""
    model_dir = Path(model_dir)
    inside = model_dir / "model.onnx"
    beside = model_dir.with_name(model_dir.name + ".onnx")
    return beside if beside.is_file() and not inside.is_file() else inside
