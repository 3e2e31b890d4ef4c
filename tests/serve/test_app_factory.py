"""``create_app_from_env``: the app that ``uvicorn --factory`` workers build from environment variables."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from random_models import build_random_model_dir
from ssaser.serve.app import create_app_from_env


def test_the_environment_names_the_model_and_its_ensemble(tmp_path, monkeypatch):
    first = build_random_model_dir(tmp_path / "first", seed=1)
    second = build_random_model_dir(tmp_path / "second", system="acrnn-r", seed=2)
    monkeypatch.setenv("SSASER_MODEL_DIR", str(first))
    monkeypatch.setenv("SSASER_ENSEMBLE", os.pathsep.join([str(second), str(first)]))
    with TestClient(create_app_from_env()) as client:
        health = client.get("/health").json()
    assert health["backend"] == "ensemble of 3 (torch)" and health["model"] == "first + second + first"
    monkeypatch.delenv("SSASER_ENSEMBLE")
    with TestClient(create_app_from_env()) as client:
        assert client.get("/health").json()["backend"] == "torch"
