"""Load test of the HTTP service: N concurrent clients x M requests against a local server.

Starts ``ssaser serve`` itself on a free loopback port (an untrained model it builds, ``tiny`` or
``lite`` preset, or a given model directory), then each of N asyncio clients sends M
``POST /predict`` requests of one generated recording, back to back. Prints throughput, latency
percentiles and the error count (any non-200 answer or transport failure).

    python benchmarks/serve_load.py --clients 16 --requests 200
    python benchmarks/serve_load.py --model-dir runs/demo/model --seconds 3
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

from _fixtures import build_random_model_dir, generated_voice
from ssaser.serve.local import LocalServer


async def client_loop(http: httpx.AsyncClient, payload: bytes, requests: int, latencies: list[float],
                      errors: list[str]) -> None:
    for _ in range(requests):
        start = time.perf_counter()
        try:
            response = await http.post("/predict", files={"file": ("bench.wav", payload, "audio/wav")})
            if response.status_code != 200:
                errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
        except httpx.HTTPError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append(time.perf_counter() - start)


async def run_load(url: str, payload: bytes, clients: int, requests: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as http:
        await http.post("/predict", files={"file": ("warmup.wav", payload, "audio/wav")})
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(http, payload, requests, latencies, errors) for _ in range(clients)))
        wall = time.perf_counter() - start
    ms = np.array(latencies) * 1000.0
    return {
        "clients": clients, "requests_per_client": requests, "requests": len(latencies), "errors": len(errors),
        "wall_s": round(wall, 2), "throughput_rps": round(len(latencies) / wall, 1),
        "latency_ms": {"p50": round(float(np.percentile(ms, 50)), 1), "p90": round(float(np.percentile(ms, 90)), 1),
                       "p99": round(float(np.percentile(ms, 99)), 1), "max": round(float(ms.max()), 1)},
        "first_errors": errors[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--requests", type=int, default=200, help="requests per client (default 200)")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of the posted recording (default 2 s)")
    parser.add_argument("--model-dir", type=Path, help="serve this model (default: build an untrained one)")
    parser.add_argument("--preset", default="tiny", choices=("tiny", "lite"), help="preset of the built model")
    parser.add_argument("--system", default="ssa-crnn-r", help="system of the built model")
    parser.add_argument("--serve-args", default="", help="extra `ssaser serve` options, e.g. '--backend onnx'")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir or build_random_model_dir(Path(tmp) / "model", args.system, args.preset)
        if "--backend onnx" in args.serve_args and args.model_dir is None:
            from ssaser.inference.onnx_export import export_onnx
            from ssaser.models import load_model_dir

            export_onnx(load_model_dir(model_dir), model_dir / "model.onnx")
        buffer = io.BytesIO()
        sf.write(buffer, generated_voice(args.seconds, seed=1), 16000, format="WAV", subtype="PCM_16")
        with LocalServer(model_dir, args.serve_args.split()) as server:
            result = asyncio.run(run_load(server.url, buffer.getvalue(), args.clients, args.requests))
    result.update({"model": str(args.model_dir) if args.model_dir else f"untrained {args.system} {args.preset}",
                   "audio_seconds": args.seconds, "serve_args": args.serve_args,
                   "machine": f"{platform.machine()} {platform.system()}, {__import__('os').cpu_count()} CPUs"})
    print(f"{result['requests']} requests ({result['clients']} clients x {result['requests_per_client']}), "
          f"{result['audio_seconds']:g} s audio each, {result['model']}")
    print(f"throughput {result['throughput_rps']} req/s; latency p50 {result['latency_ms']['p50']} ms, "
          f"p99 {result['latency_ms']['p99']} ms; errors {result['errors']}")
    print(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
