"""ssaser compare: two cv runs paired fold by fold, refused when their folds differ."""

from __future__ import annotations

import copy
import json

import pytest

from ssaser.cli.main import main
from ssaser.errors import SsaserError
from ssaser.evaluation.run_comparison import compare_runs, setting_changes


def _run(test_uars, val_uars, lr=1e-4, mask="none"):
    folds = [{"fold": k, "uar": t, "wa": t, "macro_f1": t, "val": {"uar": v, "wa": v, "macro_f1": v},
              "seconds": 100.0, "history": [{"val_uar": x} for x in (0.2, 0.5, 0.4, 0.6, v)]}
             for k, (t, v) in enumerate(zip(test_uars, val_uars))]
    return {
        "protocol": "loso", "folds": 10, "split_seed": 0, "test_fraction": 0.2, "reported_split": "test",
        "corpus": {"utterances": 535, "emotions": ["a", "b"]},
        "folds_description": [f"loso fold {k + 1}/10: test speaker {k}" for k in range(len(folds))],
        "configs": {"ssa-crnn-r": {"lr": lr, "epochs": 30}},
        "model_configs": {"ssa-crnn-r": {"attention_mask": mask}},
        "models": {"ssa-crnn-r": {"folds": folds}},
    }


def test_differences_are_paired_on_the_shared_folds_with_the_changed_settings():
    base = _run([0.60, 0.50, 0.70, 0.65], [0.8, 0.7, 0.9, 0.8])
    cand = _run([0.64, 0.55, 0.72], [0.82, 0.69, 0.93], lr=3e-4, mask="padding")
    (row,) = compare_runs(base, cand)
    assert row["folds"] == [0, 1, 2]  # the candidate completed three folds
    assert row["reported"]["mean"] == pytest.approx((0.04 + 0.05 + 0.02) / 3)
    assert (row["reported"]["better"], row["reported"]["worse"]) == (3, 0)
    assert row["selection"]["mean"] == pytest.approx((0.02 - 0.01 + 0.03) / 3)
    assert row["changes"] == ["lr: 0.0001 -> 0.0003", "model.attention_mask: none -> padding"]
    assert row["baseline"] == pytest.approx(0.6)
    assert row["seconds"] == (300.0, 300.0)
    # Last third (3 epochs) of 0.2 0.5 0.4 0.6 v: |0.6 - 0.4| and |v - 0.6|, per fold.
    assert row["swing"][1] == pytest.approx(sum((0.2 + abs(v - 0.6)) / 2 for v in (0.82, 0.69, 0.93)) / 3)


@pytest.mark.parametrize("change", ["protocol", "split_seed", "fold", "corpus"])
def test_runs_on_other_folds_are_refused(change):
    base = _run([0.6, 0.5], [0.8, 0.7])
    cand = copy.deepcopy(base)
    if change == "fold":
        cand["folds_description"][1] = "loso fold 2/10: test speaker 9"
    elif change == "corpus":
        cand["corpus"]["utterances"] = 1440
    else:
        cand[change] = "sd-random" if change == "protocol" else 1
    with pytest.raises(SsaserError, match="do not share their folds"):
        compare_runs(base, cand)


def test_setting_changes_name_keys_present_on_one_side_only():
    assert setting_changes({"a": 1, "o": {"x": 1}}, {"a": 1, "o": {"x": 2, "y": 3}}) == ["o.x: 1 -> 2", "o.y: - -> 3"]


def test_cli_prints_the_table_and_reports_bad_folders_in_one_line(tmp_path, capsys):
    for name, uars in (("base", [0.6, 0.5]), ("cand", [0.7, 0.5])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(_run(uars, [0.8, 0.8])))
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "cand")]) == 0
    out = capsys.readouterr().out
    assert "| ssa-crnn-r | 1 2 | 55.00 | 60.00 | +5.00 [" in out and "(1/0/1)" in out and "| 200 / 200 |" in out
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
