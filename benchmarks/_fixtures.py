"""The test suite's fixtures (an untrained model directory, generated voices), for the benchmarks.

They live in ``tests/random_models.py``, not in the package: a model of random weights is for
tests and measurements, never for users.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from random_models import build_random_model, build_random_model_dir, generated_voice  # noqa: E402

__all__ = ["build_random_model", "build_random_model_dir", "generated_voice"]
