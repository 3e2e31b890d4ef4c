"""The hostile-input probe of issue #19, as one command: what each case costs and how it ends.

Runs against whatever ``ssaser`` is importable, so the same script measures a checkout before
and after a change (``PYTHONPATH=/path/to/old/src python benchmarks/hostile_input.py``). Three
parts, each a table:

``service``
    A real ``ssaser serve`` (an untrained model, lite by default; default limits; ``OMP_NUM_THREADS=1``):
    each hostile upload's status, seconds and the server's RSS growth; bad ``?hop`` values;
    the latency of a normal request (4 s) alone, then while two clients send the 4 KB hostile
    upload again and again, and while two clients send long but accepted requests (590 s of audio
    each); the slowest and the median normal request as same-run ratios to the quiet median.
``model``
    ``ssaser predict`` with a model directory whose config.json carries one bad value, each under
    a 60 s timeout and a 6 GB address-space limit: exit status, seconds, stderr lines, last line.
``cli``
    Bad options and output paths of ``serve``, ``predict`` and ``train --resume``: exit status and
    the number of lines on stderr (1 = one-line error; a traceback is dozens).

    python benchmarks/hostile_input.py [--part service model cli] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import soundfile as sf

import ssaser
from _fixtures import build_random_model_dir, generated_voice
from ssaser.serve.local import LocalServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "serve"))
from hostile_files import hostile_uploads, rss_mb, wav  # noqa: E402

ENV = {"OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def timed_post(url: str, payload: bytes, params: dict | None = None, timeout: float = 300.0) -> tuple[int, float, str]:
    start = time.perf_counter()
    try:
        response = httpx.post(f"{url}/predict", content=payload, params=params, timeout=timeout)
        status, text = response.status_code, response.text
    except httpx.HTTPError as exc:
        status, text = -1, f"{type(exc).__name__}: {exc}"
    return status, time.perf_counter() - start, " ".join(text.split())[:110]


def normal_latencies(url: str, payload: bytes, seconds: float) -> list[float]:
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        status, elapsed, _ = timed_post(url, payload)
        if status == 200:
            out.append(elapsed)
    return out


def beside(url: str, normal: bytes, other: bytes, copies: int, seconds: float = 4.0) -> tuple[list[float], list]:
    """Normal requests back to back while ``copies`` clients send ``other`` again and again
    (each at least once, for at least ``seconds``)."""
    results: list = []
    end = time.monotonic() + seconds

    def hammer() -> None:
        while True:
            results.append(timed_post(url, other))
            if time.monotonic() > end:
                return

    threads = [threading.Thread(target=hammer) for _ in range(copies)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    latencies = []
    while any(t.is_alive() for t in threads):
        status, elapsed, _ = timed_post(url, normal)
        if status == 200:
            latencies.append(elapsed)
    for thread in threads:
        thread.join()
    return latencies, results


def service_part(model_dir: Path) -> dict:
    rows, out = [], {}
    normal = wav(4.0, seed=1)
    with LocalServer(model_dir, env=ENV, startup_timeout=120) as server:
        url, pid = server.url, server.process.pid
        timed_post(url, normal)
        quiet = normal_latencies(url, normal, 6.0)
        base = statistics.median(quiet)
        out["normal_alone_median_s"] = base
        for name, payload in hostile_uploads().items():
            before = rss_mb(pid)
            status, elapsed, text = timed_post(url, payload)
            rows.append({"case": name, "bytes": len(payload), "status": status, "seconds": round(elapsed, 3),
                         "rss_growth_mb": round(rss_mb(pid) - before, 1), "answer": text})
        for hop in ["inf", "1e308", "1e400", "nan", "0.01"]:
            status, elapsed, text = timed_post(url, wav(10.0, seed=2), {"hop": hop})
            rows.append({"case": f"10 s WAV, ?hop={hop}", "bytes": None, "status": status,
                         "seconds": round(elapsed, 3), "rss_growth_mb": None, "answer": text})
        four_kb = next(v for k, v in hostile_uploads().items() if k.startswith("4 KB"))
        out["normal_alone_max_s"] = max(quiet)
        for label, payload in (("two_4kb_hostile", four_kb), ("two_590s", wav(590.0, seed=3))):
            lat, results = beside(url, normal, payload, 2)
            out[f"beside_{label}"] = {
                "their_answers": sorted({s for s, _, _ in results}), "their_count": len(results),
                "their_max_s": round(max(e for _, e, _ in results), 2), "normal_requests": len(lat),
                "normal_median_s": round(statistics.median(lat), 3), "normal_max_s": round(max(lat), 3),
                # The stated factor: the slowest normal request against the quiet median.
                "worst_ratio": round(max(lat) / base, 1), "median_ratio": round(statistics.median(lat) / base, 2),
            }
        out["server_rss_end_mb"] = round(rss_mb(pid), 1)
    out["rows"] = rows
    return out


def _edit(good: Path, target: Path, section: str | None, key: str, value) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    config = json.loads((good / "config.json").read_text())
    if section == "raw":
        text = value
    else:
        (config[section] if section else config)[key] = value
        text = json.dumps(config)
    (target / "config.json").write_text(text)
    (target / "model.safetensors").write_bytes((good / "model.safetensors").read_bytes())
    return target


def model_part(model_dir: Path, work: Path) -> list[dict]:
    config = json.loads((model_dir / "config.json").read_text())
    norm = config["normalizer"]
    cases = [
        ("conv_channels -3", "model_config", "conv_channels", -3),
        ("pool [0, 2]", "model_config", "pool", [0, 2]),
        ("n_fft 2e8", "feature_config", "n_fft", 200_000_000),
        ("conv_channels 1e12", "model_config", "conv_channels", 10**12),
        ("n_conv_layers 1e6", "model_config", "n_conv_layers", 10**6),
        ("log_floor inf", "feature_config", "log_floor", float("inf")),
        ("emotions duplicated", None, "emotions", [config["emotions"][0]] * len(config["emotions"])),
        ("normaliser (3, 5)", None, "normalizer", {**norm, "global": {"mean": [[0.0] * 5] * 3, "std": [[1.0] * 5] * 3}}),
        ("format_version '1'", None, "format_version", "1"),
        ("JSON nested 100,000 deep", "raw", "", "[" * 100_000 + "]" * 100_000),
    ]
    clip = work / "clip.wav"
    sf.write(clip, generated_voice(3.0, seed=4), 16000)
    rows = []
    for name, section, key, value in cases:
        target = _edit(model_dir, work / name.replace(" ", "_").replace("'", ""), section, key, value)

        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))

        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "ssaser", "predict", str(target), str(clip), "--json"],
                                  capture_output=True, text=True, timeout=60, preexec_fn=limit,
                                  env={**os.environ, **ENV})
            err = [line for line in done.stderr.splitlines() if line.strip()]
            status = f"{done.returncode}{' (NaN in output)' if 'NaN' in done.stdout else ''}"
        except subprocess.TimeoutExpired:
            status, err = "timeout", ["(killed after 60 s)"]
        rows.append({"case": name, "status": status, "seconds": round(time.perf_counter() - start, 2),
                     "stderr_lines": len(err), "last": (err[-1] if err else "")[:120]})
    return rows


def cli_part(model_dir: Path, work: Path) -> list[dict]:
    good = work / "good.wav"
    sf.write(good, generated_voice(2.0, seed=1), 16000)
    other = work / "other.wav"
    sf.write(other, generated_voice(2.0, seed=2), 16000)
    existing = work / "existing.json"
    existing.write_text("{}")
    blocker = work / "a_file"
    blocker.write_text("x")
    ckpt_run = work / "resume"
    (ckpt_run / "checkpoints").mkdir(parents=True, exist_ok=True)
    (ckpt_run / "checkpoints" / "last.ckpt").write_bytes(b"not a checkpoint")
    loop = work / "loop.wav"
    if not loop.is_symlink():
        os.symlink(loop, loop)
    manifest = work / "m.csv"
    manifest.write_text(f"file,speaker,emotion\n{good},a,angry\n{other},b,sad\n")
    m, g, o = str(model_dir), str(good), str(other)
    cases = [
        ("serve --max-upload-mb nan", ["serve", m, "--max-upload-mb", "nan", "--port", "0"]),
        ("serve --max-upload-mb inf", ["serve", m, "--max-upload-mb", "inf", "--port", "0"]),
        ("serve --concurrency -1", ["serve", m, "--concurrency", "-1", "--port", "0"]),
        ("serve --port 70000", ["serve", m, "--port", "70000"]),
        ("serve --port -5", ["serve", m, "--port", "-5"]),
        ("predict --batch-size 0", ["predict", m, g, "--batch-size", "0"]),
        ("predict --batch-size -3", ["predict", m, g, "--batch-size", "-3"]),
        ("predict --timeline --hop nan", ["predict", m, g, "--timeline", str(work / "t"), "--hop", "nan"]),
        ("predict --timeline --hop inf", ["predict", m, g, "--timeline", str(work / "t"), "--hop", "inf"]),
        ("predict 2 files --timeline existing.json", ["predict", m, g, o, "--timeline", str(existing)]),
        ("predict --timeline under a file", ["predict", m, g, "--timeline", str(blocker / "x" / "t.json")]),
        ("predict missing_dir x.wav", ["predict", str(work / "missing_dir"), "x.wav"]),
        ("predict symlink loop", ["predict", m, str(loop)]),
        ("train --resume corrupt last.ckpt", ["train", "--manifest", str(manifest), "--out", str(ckpt_run),
                                              "--preset", "tiny", "--epochs", "1", "--resume", "--no-progress",
                                              "--set", "val_fraction=0", "--cache", str(work / "cache")]),
    ]
    rows = []
    for name, args in cases:
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "ssaser", *args], capture_output=True, text=True, timeout=120,
                                  env={**os.environ, **ENV})
            status, err = done.returncode, [line for line in done.stderr.splitlines() if line.strip()]
        except subprocess.TimeoutExpired:
            status, err = "timeout (a server started)", []
        rows.append({"case": name, "status": status, "seconds": round(time.perf_counter() - start, 2),
                     "stderr_lines": len(err), "last": (err[-1] if err else "")[:120]})
    return rows


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]).replace("|", "/") for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", nargs="+", choices=("service", "model", "cli"), default=["service", "model", "cli"])
    parser.add_argument("--preset", choices=("tiny", "lite"), default="lite",
                        help="size of the untrained model served (default lite, the bundled size)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    print(f"# hostile-input probe: ssaser from {Path(ssaser.__file__).parent}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, python {platform.python_version()}")
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = build_random_model_dir(work / args.preset, preset=args.preset, seed=1)
        if "service" in args.part:
            service = service_part(model_dir)
            results["service"] = service
            print("\n## service\n\n" + table(service["rows"]))
            print({k: v for k, v in service.items() if k != "rows"})
        if "model" in args.part:
            results["model"] = model_part(model_dir, work)
            print("\n## model\n\n" + table(results["model"]))
        if "cli" in args.part:
            results["cli"] = cli_part(model_dir, work)
            print("\n## cli\n\n" + table(results["cli"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
