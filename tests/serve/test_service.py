"""The HTTP service, as a real ``ssaser serve`` process on a free loopback port, over httpx."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from ssaser.cli.main import build_parser, main
from random_models import build_random_model_dir, generated_voice
from ssaser.serve.local import LocalServer
from ssaser.serve.runner import is_loopback

MAX_UPLOAD_MB = 0.5


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return build_random_model_dir(tmp_path_factory.mktemp("serve") / "tiny", seed=7)


@pytest.fixture(scope="module")
def server(model_dir):
    with LocalServer(model_dir, ["--max-upload-mb", str(MAX_UPLOAD_MB)], env={"OMP_NUM_THREADS": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        yield http


@pytest.fixture(scope="module")
def wav_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve_audio") / "speech.wav"
    sf.write(path, generated_voice(4.5, seed=3), 16000)
    return path


def test_health_and_openapi(client, server):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["labels"] == ["angry", "happy", "neutral", "sad"]
    assert health["backend"] == "torch" and health["max_upload_mb"] == MAX_UPLOAD_MB
    assert server.url.startswith("http://127.0.0.1:")
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/octet-stream"} <= set(body)
    assert "/health" in schema["paths"]


def test_predict_equals_cli_json(client, model_dir, wav_file, capsys):
    upload = client.post("/predict", files={"file": (wav_file.name, wav_file.read_bytes(), "audio/wav")})
    raw = client.post("/predict", content=wav_file.read_bytes(), headers={"content-type": "audio/wav"})
    assert upload.status_code == 200 and raw.status_code == 200
    assert main(["predict", str(model_dir), str(wav_file), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)[0]
    for response, name in ((upload, wav_file.name), (raw, "<upload>")):
        data = response.json()
        assert data["file"] == name
        assert {k: v for k, v in data.items() if k != "file"} == {k: v for k, v in expected.items() if k != "file"}


def test_timeline_query(client, wav_file):
    data = client.post("/predict", params={"hop": 0.5}, content=wav_file.read_bytes()).json()
    assert [w["start"] for w in data["timeline"]["windows"]] == pytest.approx([0.0, 0.5, 1.0, 1.5])
    assert client.post("/predict", params={"hop": "x"}, content=wav_file.read_bytes()).status_code == 422


@pytest.mark.parametrize("payload, cause", [
    (b"", "file is empty"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt garbage", "not a readable audio file"),
    (b"\x00" * 100, "not a readable audio file"),
])
def test_bad_audio_is_a_400_with_one_line(client, payload, cause):
    for response in (client.post("/predict", content=payload),
                     client.post("/predict", files={"file": ("clip.wav", payload, "audio/wav")})):
        assert response.status_code == 400
        error = response.json()["error"]
        assert cause in error and "\n" not in error


def test_too_short_nan_and_missing_field(client):
    short = io.BytesIO()
    sf.write(short, np.zeros(100, np.float32), 16000, format="WAV")
    response = client.post("/predict", content=short.getvalue())
    assert response.status_code == 400 and "shorter than one analysis window" in response.json()["error"]
    nan = io.BytesIO()
    sf.write(nan, np.full(1600, np.nan, np.float32), 16000, format="WAV", subtype="FLOAT")
    assert "NaN" in client.post("/predict", content=nan.getvalue()).json()["error"]
    response = client.post("/predict", files={"other": ("a.wav", short.getvalue(), "audio/wav")})
    assert response.status_code == 400 and "'file'" in response.json()["error"]
    assert client.get("/predict").status_code == 405 and "error" in client.get("/nowhere").json()


def test_upload_cap_is_413(client, server):
    big = np.random.default_rng(0).uniform(-0.5, 0.5, int(MAX_UPLOAD_MB * 1024 * 1024 / 2) + 16000)
    buffer = io.BytesIO()
    sf.write(buffer, big.astype(np.float32), 16000, format="WAV", subtype="PCM_16")
    payload = buffer.getvalue()
    assert len(payload) > MAX_UPLOAD_MB * 1024 * 1024
    for response in (client.post("/predict", content=payload),
                     client.post("/predict", files={"file": ("big.wav", payload, "audio/wav")})):
        assert response.status_code == 413 and "limit" in response.json()["error"]

    def chunks():  # no Content-Length: the cap is enforced while reading
        for lo in range(0, len(payload), 65536):
            yield payload[lo:lo + 65536]

    response = httpx.post(f"{server.url}/predict", content=chunks(), timeout=30.0)
    assert response.status_code == 413
    assert client.get("/health").status_code == 200  # still serving


def test_binds_loopback_by_default():
    args = build_parser().parse_args(["serve", "some_model"])
    assert args.host == "127.0.0.1" and args.port == 8000 and is_loopback(args.host)
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_concurrent_requests_get_their_own_answers(client, server):
    from concurrent.futures import ThreadPoolExecutor

    payloads = []
    for k in range(6):
        buffer = io.BytesIO()
        sf.write(buffer, generated_voice(1.0 + 0.7 * k, seed=40 + k), 16000, format="WAV")
        payloads.append(buffer.getvalue())
    sequential = [client.post("/predict", content=p).json() for p in payloads]

    def post(payload: bytes) -> dict:
        return httpx.post(f"{server.url}/predict", content=payload, timeout=60.0).json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(post, payloads * 2))
    assert concurrent == sequential * 2
    assert len({json.dumps(answer["scores"]) for answer in sequential}) == len(payloads)
