"""benchmarks/features.py runs and prints both pipelines' throughput and their difference."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.corpus
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "features.py"


def test_benchmark_smoke(data_root: Path, emodb_dir: Path, capsys: pytest.CaptureFixture) -> None:
    spec = importlib.util.spec_from_file_location("features_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--data", str(data_root), "--limit", "6", "--repeats", "1", "--chunk", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"median \(wall clock\): end-to-end \d+ vs \d+ audio-s/s, ratio [\d.]+x", out)
    diffs = [float(x) for x in re.search(r"max abs diff \(static, delta, delta-delta\): (\S+), (\S+), (\S+)", out).groups()]
    assert max(diffs) < 5e-4  # the tolerance of test_librosa_agreement.py
