"""A real ``ssaser serve`` under the hostile-input probe's requests (#19): small uploads that
declare huge work get a quick 4xx, the server's memory stays bounded, and normal requests keep
being answered meanwhile."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from random_models import build_random_model_dir
from ssaser.serve.local import LocalServer

sys.path.insert(0, str(Path(__file__).parent))
from hostile_files import hostile_uploads, rss_mb, wav, wav_bytes  # noqa: E402

#: Generous bounds: a refusal reads the header only, so it is milliseconds on a quiet machine.
REFUSAL_SECONDS = 10.0
RSS_GROWTH_MB = 300.0


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return build_random_model_dir(tmp_path_factory.mktemp("hostile") / "tiny", seed=3)


@pytest.fixture(scope="module")
def server(model_dir):
    with LocalServer(model_dir, env={"OMP_NUM_THREADS": "1"}) as running:  # the service's default limits
        yield running


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's RSS from /proc")
def test_hostile_uploads_are_quick_4xx_while_normal_requests_flow(server):
    normal = wav(2.0)
    answers: list[int] = []
    stop = threading.Event()

    def normal_traffic() -> None:
        with httpx.Client(base_url=server.url, timeout=60.0) as http:
            while not stop.is_set():
                answers.append(http.post("/predict", content=normal).status_code)

    with httpx.Client(base_url=server.url, timeout=60.0) as http:
        assert http.post("/predict", content=normal).status_code == 200
        before = rss_mb(server.process.pid)
        worker = threading.Thread(target=normal_traffic)
        worker.start()
        try:
            for name, payload in hostile_uploads().items():
                start = time.monotonic()
                response = http.post("/predict", content=payload)
                elapsed = time.monotonic() - start
                assert response.status_code in (400, 413), (name, response.status_code, response.text)
                message = response.json()["error"]
                assert "\n" not in message and ("sample rate" in message or "limit" in message), message
                assert elapsed < REFUSAL_SECONDS, (name, elapsed)
            time.sleep(0.5)
        finally:
            stop.set()
            worker.join()
        after = rss_mb(server.process.pid)
    assert answers and set(answers) == {200}
    assert after - before < RSS_GROWTH_MB, (before, after)


@pytest.mark.parametrize("hop", ["inf", "-inf", "nan", "1e308", "1e400", "0", "-1", "0.01", "x"])
def test_bad_hops_are_422(server, hop):
    response = httpx.post(f"{server.url}/predict", params={"hop": hop}, content=wav(1.0), timeout=30.0)
    assert response.status_code == 422 and "hop" in response.json()["error"]


def test_405_says_allow_and_health_shows_no_server_path(server, model_dir):
    response = httpx.get(f"{server.url}/predict")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    text = httpx.get(f"{server.url}/health").text
    assert str(model_dir.parent) not in text and '"model": "tiny"' in text.replace('":"', '": "')


@pytest.fixture(scope="module")
def strict_server(model_dir):
    args = ["--max-audio-seconds", "20", "--max-windows", "30", "--min-hop", "0.2"]
    with LocalServer(model_dir, args, env={"OMP_NUM_THREADS": "1"}) as running:
        yield running


def test_work_limits_are_413_before_decoding(strict_server):
    with httpx.Client(base_url=strict_server.url, timeout=60.0) as http:
        assert http.post("/predict", content=wav(10.0)).status_code == 200
        long = http.post("/predict", content=wav(25.0))
        assert long.status_code == 413 and "20 s limit" in long.json()["error"]
        busy = http.post("/predict", params={"hop": 0.25}, content=wav(10.0))  # 4 segments + 29 windows
        assert busy.status_code == 413 and "windows" in busy.json()["error"]
        assert http.post("/predict", params={"hop": 0.5}, content=wav(10.0)).status_code == 200
        assert http.post("/predict", params={"hop": 0.1}, content=wav(10.0)).status_code == 422
        slow_rate = http.post("/predict", content=wav_bytes(4000, 2000))
        assert slow_rate.status_code == 400 and "sample rate 2000 Hz" in slow_rate.json()["error"]
        assert http.get("/health").json()["max_windows"] == 30


@pytest.mark.parametrize("args, message", [
    (["--max-upload-mb", "nan"], "--max-upload-mb: must be a finite number"),
    (["--max-upload-mb", "inf"], "--max-upload-mb: must be a finite number"),
    (["--concurrency", "-1"], "--concurrency: must be in [1, 1024]"),
    (["--port", "70000"], "--port: must be in [0, 65535]"),
    (["--port", "-5"], "--port: must be in [0, 65535]"),
])
def test_bad_serve_options_are_one_line(model_dir, args, message, capsys):
    from ssaser.cli.main import main

    assert main(["serve", str(model_dir), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
