"""ONNX export: onnxruntime reproduces PyTorch within 1e-4, front end included; the onnx backend."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from ssaser.errors import ModelFileError
from ssaser.inference import Recognizer
from ssaser.inference.backends import OnnxBackend, TorchBackend
from ssaser.inference.graph import build_graph
from ssaser.inference.onnx_export import _export, export_onnx
from random_models import build_random_model, generated_voice
from ssaser.inference.windows import iter_window_jobs
from ssaser.models import load_model_dir


def real_windows(model, seconds: float = 7.3):
    """Graph inputs cut from a generated voice: full windows and the padded last one."""
    jobs = list(iter_window_jobs([generated_voice(seconds, seed=9)], model.feature_config, [100]))[:-1]
    size = jobs[1].wave.size  # a full span: left and right context present
    same = [j for j in jobs if j.wave.size == size]
    mean, std = (np.asarray(t, np.float32) for t in model.speaker_stats(None))
    return (np.stack([j.wave for j in same]), np.array([j.offset for j in same]),
            np.array([j.valid for j in same]), mean, std)


@pytest.fixture(scope="module")
def exported(model_dir):
    model = load_model_dir(model_dir)
    return model, export_onnx(model, model_dir / "model.onnx")


def test_whole_model_exports_with_front_end(exported):
    model, result = exported
    assert result.input_kind == "waveform" and result.note == "" and result.max_abs_diff <= 1e-4
    proto = onnx.load(str(result.path))
    assert [i.name for i in proto.graph.input] == ["waveform", "offsets", "valid", "mean", "std"]
    assert [o.name for o in proto.graph.output] == ["emotion_logits", "speaker_logits"]
    ops = {node.op_type for node in proto.graph.node}
    assert {"Conv", "LSTM", "MatMul", "Log"} <= ops  # DFT conv, both branches' BLSTMs, mel matmul
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["labels"]) == model.emotions and meta["input"] == "waveform"


def test_onnxruntime_equals_torch_on_speech_windows(exported):
    model, result = exported
    inputs = real_windows(model)
    assert inputs[0].shape[0] >= 3  # a real batch, longer than the export example
    with torch.inference_mode():
        expected = [t.numpy() for t in build_graph(model)(*(torch.from_numpy(a) for a in inputs))]
    session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(["waveform", "offsets", "valid", "mean", "std"], inputs)))
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, atol=1e-4, rtol=0)
        # Logits of an untrained constrained head are small: check relative agreement too.
        assert np.abs(g - e).max() <= 1e-3 * np.abs(e).max()


def test_onnx_backend_predicts_like_torch(exported, model_dir, voice):
    torch_result, torch_timeline = Recognizer.from_pretrained(model_dir).analyze((voice, 16000), hop=0.5)
    onnx_recognizer = Recognizer.from_pretrained(model_dir, backend="onnx")
    assert onnx_recognizer.backend.name == "onnx"
    onnx_result, onnx_timeline = onnx_recognizer.analyze((voice, 16000), hop=0.5)
    assert onnx_result.label == torch_result.label
    np.testing.assert_allclose(onnx_timeline.probabilities(), torch_timeline.probabilities(), atol=1e-6)
    with pytest.raises(ModelFileError, match="not found"):
        Recognizer.from_pretrained(model_dir, backend="onnx", onnx_path=model_dir / "absent.onnx")


def test_single_branch_system_and_features_in_variant(tmp_path):
    model = build_random_model("acrnn", seed=5)
    result = export_onnx(model, tmp_path / "acrnn.onnx")
    assert result.max_abs_diff <= 1e-4
    assert [o.name for o in onnx.load(str(result.path)).graph.output] == ["emotion_logits"]
    # The fallback used when a front end cannot be exported: features in, front end in torch.
    _export(model, tmp_path / "features.onnx", with_frontend=False, exporter="torchscript")
    backend = OnnxBackend(tmp_path / "features.onnx", model.frontend, model.emotions)
    assert backend.input_kind == "features"
    inputs = real_windows(model)
    np.testing.assert_allclose(backend.run(*inputs), TorchBackend(build_graph(model)).run(*inputs), atol=1e-4)
    with pytest.raises(ModelFileError, match="exported for labels"):
        OnnxBackend(result.path, labels=["x", "y"])


def test_padding_masked_attention_exports_and_ignores_padding(tmp_path):
    model = build_random_model("ssa-crnn-r", seed=6, attention_mask="padding")
    result = export_onnx(model, tmp_path / "masked.onnx")
    assert result.input_kind == "waveform" and result.max_abs_diff <= 1e-4
    waves, offsets, valid, mean, std = real_windows(model)
    valid = valid.copy()
    valid[-1] = 40  # a short last window: the rest of its frames is padding
    inputs = (waves, offsets, valid, mean, std)
    onnx_logits = OnnxBackend(result.path).run(*inputs)
    np.testing.assert_allclose(onnx_logits, TorchBackend(build_graph(model)).run(*inputs), atol=1e-4)
    seen = []
    model.system.ssa.register_forward_hook(lambda module, args, out: seen.append(out[1]))
    TorchBackend(build_graph(model)).run(*inputs)
    config = model.system.config
    audio_frames = -(-40 // config.pool[0])  # pooled frames that cover any of the 40 audio frames
    assert (seen[0][-1, audio_frames:] == 0).all() and (seen[0][-1, :audio_frames] > 0).all()
    assert (seen[0][0] > 0).all()


def test_window_normalised_model_exports_with_the_same_outputs(tmp_path):
    model = build_random_model("ssa-crnn-r", seed=7, window_norm="mean_std", attention_mask="padding")
    result = export_onnx(model, tmp_path / "window.onnx")
    assert result.max_abs_diff <= 1e-4
    waves, offsets, valid, mean, std = real_windows(model)
    valid = valid.copy()
    valid[-1] = 25  # a short last window: its statistics come from 25 frames
    inputs = (waves, offsets, valid, mean, std)
    np.testing.assert_allclose(OnnxBackend(result.path).run(*inputs), TorchBackend(build_graph(model)).run(*inputs),
                               atol=1e-4)


def test_cosine_speaker_head_exports_with_the_same_outputs(tmp_path):
    model = build_random_model("ssa-crnn-r", seed=5, speaker_head="cosine")
    result = export_onnx(model, tmp_path / "cosine.onnx")
    assert result.max_abs_diff <= 1e-4
