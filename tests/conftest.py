"""Shared fixtures: the real corpora (through SSASER_DATA) and generated audio."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from signals import make_tone


def _data_root() -> Path | None:
    value = os.environ.get("SSASER_DATA")
    if not value:
        return None
    path = Path(value)
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def data_root() -> Path:
    """Root of the real corpora (``../shared/data``); skips the test where it is absent."""
    root = _data_root()
    if root is None:
        pytest.skip("real corpora not available: set SSASER_DATA to the folder holding emodb/ and ravdess/")
    return root


@pytest.fixture(scope="session")
def emodb_dir(data_root: Path) -> Path:
    path = data_root / "emodb"
    if not (path / "wav").is_dir():
        pytest.skip(f"EmoDB-2s not found under {path}")
    return path


@pytest.fixture(scope="session")
def ravdess_dir(data_root: Path) -> Path:
    path = data_root / "ravdess"
    if not path.is_dir():
        pytest.skip(f"RAVDESS not found under {path}")
    return path


@pytest.fixture
def tone() -> np.ndarray:
    return make_tone()
