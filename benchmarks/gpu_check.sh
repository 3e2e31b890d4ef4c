#!/usr/bin/env bash
# Issue #6's GPU figures in one device call (about 5 minutes on an H100/H200): the paper-size
# SSA-CRNN-r bf16 training step at batch 40 as the ratio to the same-run bf16 peak, eager, with
# the whole step replayed as one CUDA graph, compiled, and the graph at batch 160.
#
# On the device machine the image's torch and lightning are used. Packages it lacks (soundfile,
# soxr, librosa: ssaser.models imports the front end) travel as wheels in .whl/ (see the device
# tool's README for the `pip download` line); this script installs them when .whl/ is there.
# Usage (device tool): command `bash benchmarks/gpu_check.sh`, carry [".whl"] if needed.
set -uo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD/src:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
log="${OUT:-/tmp}/gpu_check.log"
case_() {
  echo "== $*"
  timeout 240 python3 benchmarks/train_throughput.py --device cuda --iters 20 --peak-size 8192 \
    --presets paper --systems ssa-crnn-r --precisions bf16 "$@" 2>&1 | grep -v Warning
}
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  python3 -c "import torch; print('torch', torch.__version__)"
  case_
  case_ --cuda-graph
  case_ --cuda-graph --batch 160
  case_ --compile
} 2>&1 | tee "$log"
