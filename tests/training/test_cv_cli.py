"""``ssaser cv``: results, report and figures; finished folds survive an interruption."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ssaser.cli.main import main

TINY = ["--preset", "tiny", "--epochs", "1", "--set", "batch_size=9", "--no-progress", "--accelerator", "cpu"]


def _cv(manifest, cache, out, *extra):
    return main(["cv", "--manifest", str(manifest), "--cache", str(cache), "--out", str(out), *TINY, *extra])


def test_cv_writes_results_report_and_figures_and_resumes(tiny_manifest, feature_cache, tmp_path, capsys):
    out = tmp_path / "cv"
    args = ("--model", "acrnn", "ssa-crnn-r", "--protocol", "sd-random", "--folds", "2")
    assert _cv(tiny_manifest, feature_cache, out, *args) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["protocol"] == "sd-random" and results["folds"] == 2
    assert results["selection_saw_reported_data"] is True and results["reported_split"] == "validation"
    for model in ("acrnn", "ssa-crnn-r"):
        entry = results["models"][model]
        assert [f["fold"] for f in entry["folds"]] == [0, 1]
        for fold in entry["folds"]:
            assert 0 <= fold["uar"] <= 1 and fold["epochs"] == 1
            assert sum(map(sum, fold["confusion"])) == fold["n"] == fold["split"]["val"]
            assert fold["precision"] in ("bf16-mixed", "32-true") and "logical CPUs" in fold["machine"]
        uar = entry["summary"]["uar"]
        assert uar["mean"] == pytest.approx(sum(uar["values"]) / 2) and uar["ci95"] is not None
        assert (out / f"confusion_{model}.png").stat().st_size > 1000
        assert (out / f"tsne_{model}.png").stat().st_size > 1000
    [paired] = results["paired"]
    assert (paired["baseline"], paired["candidate"], paired["folds"]) == ("acrnn", "ssa-crnn-r", [0, 1])
    diffs = [b["uar"] - a["uar"] for a, b in zip(*(results["models"][m]["folds"] for m in ("acrnn", "ssa-crnn-r")))]
    assert paired["mean"] == pytest.approx(sum(diffs) / 2)
    for name in ("attention.png", "curves.png", "report.md"):
        assert (out / name).stat().st_size > 500
    report = (out / "report.md").read_text()
    assert "SSA-CRNN-r" in report and "**saw** the reported data" in report
    assert "| SSA-CRNN-r − ACRNN | " in report
    precision = results["models"]["acrnn"]["folds"][0]["precision"]
    assert f"- precision `{precision}`, machine `" in report and "ACRNN folds 1-2; SSA-CRNN-r folds 1-2" in report

    # An interruption after some folds: the rerun trains only what is missing.
    kept = out / "acrnn" / "fold_0" / "result.json"
    before = kept.stat().st_mtime_ns
    (out / "ssa-crnn-r" / "fold_1" / "result.json").unlink()
    capsys.readouterr()
    assert _cv(tiny_manifest, feature_cache, out, *args) == 0
    log = capsys.readouterr().out
    assert log.count("[cv] ssa-crnn-r: sd-random fold 2/2") == 1 and "[cv] acrnn:" not in log
    assert kept.stat().st_mtime_ns == before

    # The same folder with another configuration is refused (results would mix).
    assert _cv(tiny_manifest, feature_cache, out, *args, "--set", "lr=0.01") == 1
    assert "another configuration" in capsys.readouterr().err

    # A run recorded before a configuration key existed (here: mixup_alpha) is the same run when
    # the key is at its default, which keeps the old behaviour; another value is another run.
    recorded = out / "cv_config.json"
    signature = json.loads(recorded.read_text())
    for config in signature["configs"].values():
        del config["mixup_alpha"]
    recorded.write_text(json.dumps(signature))
    assert _cv(tiny_manifest, feature_cache, out, *args) == 0
    log = capsys.readouterr().out
    assert "[cv] acrnn:" not in log and "[cv] ssa-crnn-r:" not in log  # nothing retrained
    assert kept.stat().st_mtime_ns == before
    assert _cv(tiny_manifest, feature_cache, out, *args, "--set", "mixup_alpha=0.3") == 1
    assert "another configuration (configs differ)" in capsys.readouterr().err


def test_cv_with_a_test_part_reports_unseen_data(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "cv_test"
    assert _cv(tiny_manifest, feature_cache, out, "--model", "acrnn-r", "--protocol", "loso",
               "--test-fraction", "0.2") == 0
    results = json.loads((out / "results.json").read_text())
    assert results["folds"] == 3  # one per speaker
    assert results["selection_saw_reported_data"] is False and results["reported_split"] == "test"
    for fold in results["models"]["acrnn-r"]["folds"]:
        assert fold["n"] == fold["split"]["test"] and fold["test"]["uar"] == fold["uar"]
    assert "never saw the reported data" in (out / "report.md").read_text()


def test_cv_on_given_folds_from_a_file(tiny_manifest, feature_cache, tmp_path, capsys):
    import pandas as pd

    speakers = sorted(pd.read_csv(tiny_manifest, dtype=str)["speaker"].unique())
    folds = tmp_path / "folds.csv"
    folds.write_text("speaker,fold\n" + "".join(f"{s},{'xy'[i % 2]}\n" for i, s in enumerate(speakers)))
    out = tmp_path / "cv_given"
    assert _cv(tiny_manifest, feature_cache, out, "--model", "acrnn", "--folds-from", str(folds),
               "--save-models") == 0
    results = json.loads((out / "results.json").read_text())
    assert results["protocol"] == "given" and results["folds"] == 2 and results["folds_from"] == str(folds)
    assert results["reported_split"] == "test" and results["selection_saw_reported_data"] is False
    for k, fold in enumerate(results["models"]["acrnn"]["folds"]):
        tested = set(fold["split"]["test_groups"])
        assert tested == {s for i, s in enumerate(speakers) if "xy"[i % 2] == "xy"[k]}
        assert not tested & set(fold["train_speakers"])  # never trained on, nor normalised with
        assert {r["speaker"] for r in fold["per_speaker"]} == tested  # collapse visible per test speaker
        assert all(0 < r["max_class_share"] <= 1 for r in fold["per_speaker"])
        assert 0 < fold["attention"]["entropy/alpha"] <= 1 and 0 <= fold["attention"]["padding_weight"] < 1
        norms = fold["unseen_speaker_norms"]  # the same model scored both ways; global is the reported one
        assert norms["global"]["uar"] == fold["uar"] and 0 <= norms["self"]["uar"] <= 1
        assert (out / "acrnn" / f"fold_{k}" / "model" / "config.json").is_file()
        with np.load(out / "acrnn" / f"fold_{k}" / "outputs.npz") as saved:  # for ssaser ensemble
            assert set(saved["speakers"].tolist()) == tested and saved["speakers"].shape == saved["labels"].shape
    assert f"defined by `{folds}`" in (out / "report.md").read_text()
    assert "## Per speaker (reported part)" in (out / "report.md").read_text()
    assert "## Attention (reported segments, mean over folds)" in (out / "report.md").read_text()
    assert "## Unseen speakers normalised two ways" in (out / "report.md").read_text()
    assert _cv(tiny_manifest, feature_cache, tmp_path / "x", "--folds-from", str(folds), "--protocol", "loso") == 1
    assert "goes with --protocol given" in capsys.readouterr().err
    # A system averaged with itself is itself: the ensemble reads the run's saved posteriors and speakers.
    assert main(["ensemble", f"a={out / 'acrnn'}", f"b={out / 'acrnn'}", "--out", str(tmp_path / "ens")]) == 0
    ensemble = json.loads((tmp_path / "ens" / "results.json").read_text())["models"]
    assert [f["uar"] for f in ensemble["ensemble"]["folds"]] == [f["uar"] for f in results["models"]["acrnn"]["folds"]]
    assert [f["per_speaker"] for f in ensemble["ensemble"]["folds"]] == [
        f["per_speaker"] for f in results["models"]["acrnn"]["folds"]]


def test_cv_max_folds_runs_the_first_folds_and_a_rerun_completes_them(tiny_manifest, feature_cache, tmp_path, capsys):
    out = tmp_path / "cv_first"
    args = ("--model", "acrnn", "--protocol", "sd-random", "--folds", "3", "--name", "Tiny corpus")
    assert _cv(tiny_manifest, feature_cache, out, *args, "--max-folds", "1") == 0
    results = json.loads((out / "results.json").read_text())
    assert results["folds"] == 3 and results["folds_completed"] == 1
    assert [f["fold"] for f in results["models"]["acrnn"]["folds"]] == [0]
    report = (out / "report.md").read_text()
    assert report.startswith("# Cross-validation report: Tiny corpus") and "1 of 3 folds" in report
    # Without the limit, the same folder continues with the folds that are missing.
    capsys.readouterr()
    assert _cv(tiny_manifest, feature_cache, out, *args) == 0
    log = capsys.readouterr().out
    assert "fold 1/3" not in log and "fold 2/3" in log and "fold 3/3" in log
    assert json.loads((out / "results.json").read_text())["folds_completed"] == 3
    assert _cv(tiny_manifest, feature_cache, out, *args, "--max-folds", "0") == 2  # refused by the parser


def test_cv_jobs_trains_folds_in_parallel_processes_with_the_same_results(tiny_manifest, feature_cache, tmp_path,
                                                                            capfd):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the serial run and each of the 2 workers: 1 thread, the same arithmetic
    try:
        args = ("--model", "acrnn", "acrnn-r", "--protocol", "sd-random", "--folds", "2")
        assert _cv(tiny_manifest, feature_cache, tmp_path / "serial", *args) == 0
        assert _cv(tiny_manifest, feature_cache, tmp_path / "parallel", *args, "--jobs", "2") == 0
    finally:
        torch.set_num_threads(threads)
    out = capfd.readouterr().out  # capfd: the workers' own lines too
    assert "4 trainings in 2 parallel jobs" in out
    assert "[cv] acrnn-r fold 2 epoch 1/1: val UAR" in out  # a worker's progress line
    serial, parallel = (json.loads((tmp_path / d / "results.json").read_text()) for d in ("serial", "parallel"))
    for model in ("acrnn", "acrnn-r"):
        a, b = serial["models"][model]["folds"], parallel["models"][model]["folds"]
        assert [f["fold"] for f in b] == [0, 1]
        assert [f["confusion"] for f in a] == [f["confusion"] for f in b]
        assert [f["history"][-1]["train_loss"] for f in a] == pytest.approx([f["history"][-1]["train_loss"] for f in b])
    assert (tmp_path / "parallel" / "report.md").is_file() and (tmp_path / "parallel" / "curves.png").is_file()
    assert _cv(tiny_manifest, feature_cache, tmp_path / "bad", *args, "--jobs", "0") == 2  # refused by the parser


def test_cv_jobs_reports_a_worker_error_as_one_line(tiny_manifest, feature_cache, tmp_path, capsys):
    import pandas as pd

    # One speaker: ssa-crnn-r refuses it when the worker starts training, not before.
    df = pd.read_csv(tiny_manifest, dtype=str)
    one = tiny_manifest.parent / "one_speaker.csv"
    df[df["speaker"] == df["speaker"].iloc[0]].to_csv(one, index=False)
    code = _cv(one, feature_cache, tmp_path / "bad_jobs", "--model", "ssa-crnn-r", "--folds", "2", "--jobs", "2")
    err = capsys.readouterr().err
    assert code == 1 and "needs at least two speakers" in err and "Traceback" not in err


def test_cv_prints_the_corpus_and_the_folds_with_jobs(tiny_manifest, feature_cache, tmp_path, capsys):
    assert _cv(tiny_manifest, feature_cache, tmp_path / "cv", "--model", "acrnn", "--folds", "2", "--jobs", "2") == 0
    out = capsys.readouterr()
    assert "[cv]   per emotion: anger 12, neutral 12, sadness 12" in out.out
    assert "[cv]   per speaker: " in out.out
    assert "[cv] fold 1: " in out.out and "[cv] fold 2: " in out.out
    assert "Tip" not in out.out + out.err and "GPU available" not in out.out + out.err
