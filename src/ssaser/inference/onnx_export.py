"""ONNX export of a whole model: front end, both branches, heads (:class:`InferenceGraph`).

The exported graph is the one the torch backend runs, with the same inputs (audio spans, window
offsets, valid frames, normalisation statistics), so ``predict --backend onnx`` gives the same
answers. The front end exports through its real-valued DFT path (ONNX has no complex tensors:
:mod:`ssaser.features.real_dft`); if the export with it fails, the graph is exported from
features instead and the result says so.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ssaser import __version__
from ssaser.features.frontends import get_frontend
from ssaser.errors import SsaserError
from ssaser.inference.graph import build_graph

log = logging.getLogger(__name__)

#: ONNX operator set per exporter: 17 has every op the graph uses (LSTM, GatherElements, MatMul
#: for the DFT); the dynamo exporter implements 18 and up (it would convert 17 down, noisily).
EXPORTERS = {"torchscript": 17, "dynamo": 18}


class ExportError(SsaserError):
    """The model could not be exported, or its export does not reproduce PyTorch."""


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_onnx` wrote.

    Attributes
    ----------
    path : Path
        The ``.onnx`` file.
    input_kind : {"waveform", "features"}
        ``waveform``: the front end is inside the graph; ``features``: it could not be exported
        and runs in PyTorch before the graph.
    max_abs_diff : float
        Largest |onnxruntime - PyTorch| over the emotion (and speaker) logits of a check batch.
    note : str
        Why the front end was left out, if it was.
    """

    path: Path
    input_kind: str
    max_abs_diff: float
    note: str = ""


def example_inputs(model, batch: int = 2, seed: int = 0, with_frontend: bool = True) -> tuple[torch.Tensor, ...]:
    """Inputs of the inference graph: two spans with context, stats of the model's global normaliser.

    Returns ``(inputs, offsets, valid, mean, std)`` with ``inputs`` ``(batch, samples)`` audio, or
    ``(batch, channels, frames, bins)`` features when ``with_frontend`` is false.
    """
    cfg = model.feature_config
    context = get_frontend(model.frontend_name).context(cfg)
    frames = cfg.segment_frames + 2 * context  # a window with context both sides
    samples = (frames - 1) * cfg.hop_length + cfg.win_length
    rng = np.random.default_rng(seed)
    waves = torch.from_numpy((0.1 * rng.standard_normal((batch, samples))).astype(np.float32))
    offsets = torch.full((batch,), context, dtype=torch.int64)
    valid = torch.tensor([cfg.segment_frames] + [cfg.segment_frames // 2] * (batch - 1), dtype=torch.int64)
    mean, std = (t.detach().float() for t in model.speaker_stats(None))
    inputs = waves if with_frontend else model.frontend(waves).detach()
    return inputs, offsets, valid, mean, std


def _export(model, path: Path, with_frontend: bool, exporter: str) -> None:
    graph = build_graph(model, with_frontend)
    args = example_inputs(model, with_frontend=with_frontend)
    first = "waveform" if with_frontend else "features"
    inputs = [first, "offsets", "valid", "mean", "std"]
    outputs = ["emotion_logits"] + (["speaker_logits"] if graph.with_speaker else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notes and the exporter's LSTM batch advice
        if exporter == "torchscript":
            axes = {first: {0: "batch", 1 if with_frontend else 2: "length"}, "offsets": {0: "batch"},
                    "valid": {0: "batch"}}
            torch.onnx.export(graph, args, str(path), input_names=inputs, output_names=outputs,
                              dynamic_axes=axes, opset_version=EXPORTERS[exporter], dynamo=False)
            return
        batch, length = torch.export.Dim("batch", min=1), torch.export.Dim("length", min=2)
        shapes = ({0: batch, 1 if with_frontend else 2: length}, {0: batch}, {0: batch}, None, None)
        program = torch.onnx.export(graph, args, input_names=inputs, output_names=outputs,
                                    dynamic_shapes=shapes, opset_version=EXPORTERS[exporter], dynamo=True,
                                    verbose=False)
        program.save(str(path))


def _add_metadata(path: Path, model, input_kind: str) -> None:
    import onnx

    proto = onnx.load(str(path))
    meta = {"labels": json.dumps(list(model.emotions)), "speakers": json.dumps(list(model.speakers)),
            "system": model.system_name, "input": input_kind, "ssaser_version": __version__,
            "feature_config": json.dumps(model.feature_config.to_dict())}
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))


def compare_with_torch(model, path: Path, input_kind: str) -> float:
    """Largest |onnxruntime - PyTorch| over all outputs on :func:`example_inputs` (batch 3)."""
    import onnxruntime as ort

    with_frontend = input_kind == "waveform"
    graph = build_graph(model, with_frontend)
    args = example_inputs(model, batch=3, seed=1, with_frontend=with_frontend)
    with torch.inference_mode():
        expected = [t.numpy() for t in graph(*args)]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    got = session.run(None, {name: a.numpy() for name, a in zip(names, args)})
    return max(float(np.abs(g - e).max()) for g, e in zip(got, expected))


def export_onnx(model, path: str | Path, tolerance: float = 1e-4, exporter: str = "torchscript") -> ExportResult:
    """Export ``model`` (a :class:`ssaser.models.SerModel`) to ONNX and check it against PyTorch.

    Parameters
    ----------
    model : SerModel
        In eval mode.
    path : path
        Output ``.onnx`` file.
    tolerance : float
        Largest accepted |onnxruntime - PyTorch| on the logits.
    exporter : {"torchscript", "dynamo"}
        ``torchscript`` (``torch.onnx.export(dynamo=False)``, about a second for the tiny model)
        or the ``torch.export``-based exporter (tens of seconds); both are checked the same way.

    Raises
    ------
    ExportError
        When no export works or the exported graph disagrees with PyTorch beyond ``tolerance``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if exporter not in EXPORTERS:
        raise ExportError(f"unknown exporter {exporter!r}; choose from {', '.join(EXPORTERS)}")
    model = model.eval()
    input_kind, note = "waveform", ""
    try:
        _export(model, path, True, exporter)
    except Exception as exc:  # the exporter raises many types; fall back to features in
        note = f"front end not exported ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
        note += "the ONNX graph takes features, computed by PyTorch"
        log.warning(note)
        input_kind = "features"
        try:
            _export(model, path, False, exporter)
        except Exception as exc2:
            raise ExportError(f"ONNX export failed: {type(exc2).__name__}: {str(exc2).splitlines()[0]}") from exc2
    _add_metadata(path, model, input_kind)
    diff = compare_with_torch(model, path, input_kind)
    if not diff <= tolerance:
        raise ExportError(f"{path}: onnxruntime differs from PyTorch by {diff:.3g} (> {tolerance:g})")
    return ExportResult(path, input_kind, diff, note)
