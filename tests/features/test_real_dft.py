"""RealDftPower: both forms equal rfft's power for any length and framing, and export with a dynamic length."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
import torch

from ssaser.features.real_dft import RealDftPower


def rfft_power(wave: torch.Tensor, window: np.ndarray, hop: int, n_fft: int) -> torch.Tensor:
    """The eager front end's spectrum, in float64: non-centred frames, window zero-padded to n_fft."""
    frames = wave.double().unfold(-1, len(window), hop) * torch.from_numpy(window)
    spec = torch.fft.rfft(frames, n=n_fft)
    return (spec.real ** 2 + spec.imag ** 2).float()


@pytest.mark.parametrize(("win", "hop", "n_fft", "folded"), [
    (400, 160, 512, True),    # the default front end
    (400, 300, 512, True),    # hop longer than half a window
    (256, 128, 256, True),    # win = n_fft, half a multiple of hop
    (401, 160, 512, False),   # odd length: not symmetric about a sample, conv form
])
@pytest.mark.parametrize("samples", [0, 1, 159, 160, 161, 1234])
def test_equals_rfft_power(win: int, hop: int, n_fft: int, folded: bool, samples: int) -> None:
    window = librosa.filters.get_window("hamming", win, fftbins=True)
    module = RealDftPower(window, hop, n_fft)
    assert module.folded is folded
    wave = torch.randn(3, win + samples, generator=torch.Generator().manual_seed(samples))
    expected = rfft_power(wave, window, hop, n_fft)
    got = module(wave)
    assert got.shape == expected.shape == (3, 1 + samples // hop, n_fft // 2 + 1)
    torch.testing.assert_close(got, expected, rtol=0, atol=2e-5 * expected.abs().max().item())
    assert module.state_dict() == {}


def test_an_asymmetric_window_takes_the_conv_form() -> None:
    window = np.hanning(402)[:400]  # even length, not symmetric about sample 200
    module = RealDftPower(window, 160, 512)
    assert not module.folded
    wave = torch.randn(2, 2000)
    expected = rfft_power(wave, window, 160, 512)
    torch.testing.assert_close(module(wave), expected, rtol=0, atol=2e-5 * expected.abs().max().item())


def test_onnx_export_with_a_dynamic_length() -> None:
    ort = pytest.importorskip("onnxruntime")
    import io

    window = librosa.filters.get_window("hamming", 400, fftbins=True)
    module = RealDftPower(window, 160, 512)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 4000),), buffer, input_names=["wave"], output_names=["power"],
                          dynamic_axes={"wave": {0: "batch", 1: "samples"}}, opset_version=17, dynamo=False)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    for samples in (400, 559, 560, 9999):
        wave = torch.randn(3, samples)
        expected = module(wave).numpy()
        got = session.run(None, {"wave": wave.numpy()})[0]
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
