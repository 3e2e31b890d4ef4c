"""``ssaser cv --executor dask``: the same per-fold results as the local run, on a 2-worker cluster."""

from __future__ import annotations

import json

import pytest

from ssaser.cli.main import main

distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed (pip install 'ssaser[cluster]')")

TINY = ["--preset", "tiny", "--epochs", "2", "--set", "batch_size=9", "--no-progress", "--accelerator", "cpu",
        "--model", "acrnn", "ssa-crnn-r", "--folds", "2"]


def _folds(out):
    results = json.loads((out / "results.json").read_text())
    return {m: [(f["fold"], f["uar"], f["confusion"], f["best_epoch"], [h["val_uar"] for h in f["history"]])
                for f in entry["folds"]] for m, entry in results["models"].items()}


def test_a_two_worker_cluster_gives_the_local_runs_folds(tiny_manifest, feature_cache, tmp_path, capsys):
    base = ["cv", "--manifest", str(tiny_manifest), "--cache", str(feature_cache), *TINY]
    assert main([*base, "--out", str(tmp_path / "local"), "--jobs", "2"]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        assert main([*base, "--out", str(out), "--executor", "dask", "--address", cluster.scheduler_address]) == 0
        log = capsys.readouterr().out
        assert f"4 trainings on Dask ({cluster.scheduler_address})" in log
        assert _folds(out) == _folds(tmp_path / "local")
        assert (out / "report.md").is_file() and (out / "ssa-crnn-r" / "fold_1" / "result.json").is_file()
        # A rerun finds every fold done: nothing is sent to the cluster.
        assert main([*base, "--out", str(out), "--executor", "dask", "--address", cluster.scheduler_address]) == 0
        assert "trainings on Dask" not in capsys.readouterr().out


def test_a_task_error_reaches_the_cli_as_one_line(tiny_manifest, feature_cache, tmp_path, capsys, monkeypatch):
    from ssaser.errors import SsaserError
    from ssaser.training import fold_task

    def fail(*args, **kwargs):
        raise SsaserError("a worker's error")

    monkeypatch.setattr(fold_task, "run_task", fail)  # seen by an in-process worker only
    base = ["cv", "--manifest", str(tiny_manifest), "--cache", str(feature_cache), *TINY, "--executor", "dask"]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        assert main([*base, "--out", str(tmp_path / "bad"), "--address", cluster.scheduler_address]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "ssaser cv: error: a worker's error"
    assert main([*base, "--out", str(tmp_path / "bad"), "--task-resources", "CPU=x"]) == 1
    assert "--task-resources 'CPU=x'" in capsys.readouterr().err
    assert main(["cv", "--manifest", str(tiny_manifest), "--out", str(tmp_path / "x"), "--address", "tcp://h:1"]) == 1
    assert "go with --executor dask" in capsys.readouterr().err
