"""A bounded schemathesis run against a real ``ssaser serve`` process (#19): no 5xx, every answer
(4xx bodies included) matches the OpenAPI document, status codes and headers as declared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from random_models import build_random_model_dir
from ssaser.serve.local import LocalServer

pytest.importorskip("schemathesis")

#: Enough to cover both operations and their 4xx paths in about ten seconds; CI stays short.
MAX_EXAMPLES = 150
SEED = 19


def test_schemathesis_finds_no_server_error_nor_schema_mismatch(tmp_path):
    model_dir = build_random_model_dir(tmp_path / "tiny", seed=5)
    with LocalServer(model_dir, ["--max-upload-mb", "1"], env={"OMP_NUM_THREADS": "1"}) as server:
        # positive_data_acceptance is left out: the schema can only say "binary", so schemathesis
        # takes any bytes (a PNG) for a valid request, which the service rightly refuses as audio.
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance", "--max-examples", str(MAX_EXAMPLES),
             "--seed", str(SEED), "--workers", "1", "--request-timeout", "30", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=Path(tmp_path),
        )
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary + result.stderr[-2000:]
    assert "passed" in summary and "Tested: 2" in summary
