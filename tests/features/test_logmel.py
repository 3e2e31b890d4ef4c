"""LogMel3D: shapes, frame count, error on short input, both spectrum paths, batching, deltas, ONNX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from signals import make_tone
from ssaser.errors import AudioError
from ssaser.features import FeatureConfig, LogMel3D, compute_features, compute_features_batch


@pytest.mark.parametrize(("samples", "frames"), [(400, 1), (559, 1), (560, 2), (16000, 98), (32000, 198)])
def test_frame_count_is_not_centred(samples: int, frames: int) -> None:
    feats = compute_features(make_tone(samples / 16000))
    assert feats.shape == (3, frames, 40) and feats.dtype == np.float32
    assert FeatureConfig().num_frames(samples) == frames


def test_shorter_than_one_window_is_an_audio_error() -> None:
    with pytest.raises(AudioError, match=r"shorter than one analysis window \(25 ms\)"):
        compute_features(np.zeros(399, dtype=np.float32))
    with pytest.raises(AudioError, match="shorter than one analysis window"):
        LogMel3D()(torch.zeros(2, 100))


def test_non_finite_and_non_mono_input() -> None:
    wave = make_tone(0.1)
    wave[3] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        compute_features(wave, source="clip.wav")
    with pytest.raises(AudioError, match="mono"):
        compute_features(np.zeros((2, 1000), dtype=np.float32))


def test_module_shape_and_buffers_not_saved() -> None:
    module = LogMel3D()
    out = module(torch.from_numpy(np.stack([make_tone(1.0), make_tone(1.0, freq=300)])))
    assert out.shape == (2, 3, 98, 40)
    assert torch.isfinite(out).all()
    assert module.state_dict() == {}  # derived from the config, never stored in model files


def test_real_dft_path_equals_fft_path() -> None:
    wave = torch.from_numpy(np.stack([make_tone(0.7, seed=s) for s in range(3)]))
    fft = LogMel3D()(wave)
    conv = LogMel3D(real_dft=True)(wave)
    torch.testing.assert_close(conv, fft, atol=1e-4, rtol=0)


def test_digital_silence_gives_the_log_floor() -> None:
    config = FeatureConfig()
    feats = compute_features(np.zeros(4000, dtype=np.float32), config)
    np.testing.assert_allclose(feats[0], np.log(config.log_floor), rtol=1e-6)
    np.testing.assert_array_equal(feats[1:], 0.0)


def test_batch_of_mixed_lengths_equals_one_by_one() -> None:
    waves = [make_tone(s, seed=i) for i, s in enumerate([0.3, 1.2, 0.031, 0.9, 1.2])]
    by_count = compute_features_batch(waves, batch_size=3)
    by_samples = compute_features_batch(waves, batch_samples=40000)  # forces 1-2 per batch
    for wave, a, b in zip(waves, by_count, by_samples):
        alone = compute_features(wave)
        np.testing.assert_allclose(a, alone, atol=1e-5)
        np.testing.assert_allclose(b, alone, atol=1e-5)


def test_deltas_of_a_ramp() -> None:
    """Regression delta over +-2 frames: slope inside; edges replicated (HTK style)."""
    module = LogMel3D()
    ramp = torch.arange(12, dtype=torch.float32)[None, :, None].expand(1, 12, 40) * 0.5
    out = module.stack_deltas(ramp)
    delta, delta2 = out[0, 1, :, 0], out[0, 2, :, 0]
    torch.testing.assert_close(delta[2:-2], torch.full((8,), 0.5))
    # first frame: (1 * (x1 - x0) + 2 * (x2 - x0)) / 10 with x[-1] = x[-2] = x0
    assert delta[0].item() == pytest.approx(0.5 * (1 + 4) / 10)
    torch.testing.assert_close(delta2[4:-4], torch.zeros(4))


def test_config_round_trip_and_digest() -> None:
    config = FeatureConfig(n_mels=64, fmax=7600.0)
    assert FeatureConfig.from_dict(config.to_dict()) == config
    assert config.digest() != FeatureConfig().digest()
    assert FeatureConfig().digest() == FeatureConfig().digest()
    with pytest.raises(ValueError, match="unknown"):
        FeatureConfig.from_dict({"n_mel": 40})
    with pytest.raises(ValueError):
        FeatureConfig(win_length=600, n_fft=512)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_runs_on_gpu() -> None:
    wave = torch.from_numpy(make_tone(1.0))[None]
    cpu = LogMel3D()(wave)
    gpu = LogMel3D().cuda()(wave.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-3, rtol=0)


def test_onnx_export_matches(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    module = LogMel3D().eval()
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("samples", min=400, max=10**7)}
    program = torch.onnx.export(module, (torch.randn(2, 8000) * 0.1,), dynamo=True, dynamic_shapes=(dims,))
    path = tmp_path / "logmel.onnx"
    program.save(str(path))
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "DFT" not in ops and "Conv" not in ops  # the folded real-DFT path: no complex tensors
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wave = np.stack([make_tone(1.3, seed=s) for s in range(3)])  # other batch and length
    got = session.run(None, {session.get_inputs()[0].name: wave})[0]
    want = module(torch.from_numpy(wave)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-4)
