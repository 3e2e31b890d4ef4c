"""Figures are written as PNGs; the report reflects results.json."""

from __future__ import annotations

import numpy as np
from matplotlib import image

from ssaser.evaluation.metrics import classification_metrics, summarize_folds
from ssaser.evaluation.plots import (
    plot_attention,
    plot_confusion,
    plot_curves,
    plot_tsne,
)
from ssaser.evaluation.report import (
    ordering_statement,
    paired_lines,
    provenance_lines,
    render_report,
)


def _png_ok(path):
    img = image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.01  # not a blank canvas


def test_plots_write_pngs(tmp_path):
    rng = np.random.default_rng(0)
    _png_ok(plot_confusion([[5, 1], [2, 7]], ["angry", "sad"], tmp_path / "c.png", "x"))
    feats = rng.standard_normal((3, 300, 40))
    alpha = rng.dirichlet(np.ones(150))
    _png_ok(plot_attention(feats, alpha, alpha[::-1], tmp_path / "a.png", frame_seconds=0.01))
    emb = np.concatenate([rng.normal(0, 1, (10, 8)), rng.normal(5, 1, (10, 8))])
    _png_ok(plot_tsne(emb, np.repeat([0, 1], 10), ["a", "b"], tmp_path / "t.png"))
    hist = {"acrnn": [[{"epoch": 0, "train_loss": 2.0, "val_uar": 0.3}, {"epoch": 1, "train_loss": 1.5, "val_uar": 0.5}]]}
    _png_ok(plot_curves(hist, tmp_path / "curves.png"))


def _model(uars):
    folds = []
    for k, u in enumerate(uars):
        n_right = int(round(u * 10))
        m = classification_metrics([0] * 10 + [1] * 10, [0] * n_right + [1] * (10 - n_right) + [1] * 10, 2)
        folds.append({**m, "fold": k, "best_epoch": 1, "epochs": 3})
    return {"folds": folds, "summary": summarize_folds(folds)}


def test_report_table_and_ordering():
    results = {
        "protocol": "sd-random", "folds": 2, "test_fraction": 0.0, "selection_saw_reported_data": True,
        "reported_split": "validation", "preset": "tiny",
        "corpus": {"name": "synth", "utterances": 20, "speakers": 2, "emotions": ["a", "b"]},
        "models": {"acrnn": _model([0.6, 0.8]), "ssa-crnn-r": _model([0.4, 0.6])},
    }
    text = render_report(results)
    assert "| ACRNN | 85.00 ±" in text  # UAR = (0.6 + 1)/2 and (0.8 + 1)/2 -> mean 0.85
    assert "**saw** the reported data" in text
    assert "does not hold" in ordering_statement(results["models"])
    results["models"] = {"acrnn": _model([0.2, 0.4]), "ssa-crnn-r": _model([0.6, 0.8])}
    statement = ordering_statement(results["models"])
    assert "ACRNN < SSA-CRNN-r holds" in statement and "ACRNN 65.00%" in statement
    assert ordering_statement({"acrnn": _model([0.5])}) is None


def test_paired_differences_use_the_folds_both_systems_ran():
    models = {"acrnn": _model([0.2, 0.4, 0.6]), "acrnn-r": _model([0.4, 0.4, 0.8]),
              "ssa-crnn-r": _model([0.6, 0.2])}
    lines = paired_lines(models)
    assert lines[0] == "## Paired differences (UAR, same folds)"
    rows = {line.split(" | ")[0]: line for line in lines if line.startswith("| ") and "−" in line}
    # ACRNN-r vs ACRNN: UARs 0.6/0.7/0.8 vs 0.7/0.7/0.9 -> +10, 0, +10 points
    assert rows["| ACRNN-r − ACRNN"].endswith("| +6.67 | [-7.68, +21.01] | 2 / 0 / 1 | 0.5 | 3 |")  # exact: 2 * (1/2)^2
    # SSA-CRNN-r ran two folds: compared on those two only
    assert rows["| SSA-CRNN-r − ACRNN-r"].endswith("| 1 / 1 / 0 | 1 | 2 |")
    assert "Paired differences" in render_report({"protocol": "loso", "folds": 3, "corpus": {},
                                                  "models": models})
    assert paired_lines({"acrnn": _model([0.5, 0.6])}) == []
    assert paired_lines({"acrnn": _model([0.5]), "acrnn-r": _model([0.6])}) == []


def test_report_numbers_folds_and_epochs_from_1_and_links_only_drawn_figures():
    models = {"acrnn": _model([0.5, 0.6])}
    for fold in models["acrnn"]["folds"]:
        fold["best_epoch"] = 0  # Lightning's first epoch
    results = {"protocol": "sd-random", "folds": 2, "reported_split": "validation",
               "corpus": {"emotions": ["a", "b"]}, "models": models}
    text = render_report(results)
    assert "| system | 1 | 2 |" in text and "| 2 | 1.0 |" in text  # 2 folds, best epoch 1 (mean, from 1)
    finished = render_report(results, drawn={"confusion_acrnn.png"})  # e.g. an ensemble draws only some
    assert "(confusion_acrnn.png)" in finished and "(curves.png)" not in finished
    assert "drawn when the run finishes" not in finished
    partial = render_report({**results, "folds_completed": 1}, drawn={"confusion_acrnn.png"})
    assert "drawn when the run finishes" in partial


def test_per_speaker_table_shows_collapse():
    models = {"acrnn": _model([0.5, 0.6]), "ssa-crnn-r": _model([0.5, 0.6])}
    models["acrnn"]["folds"][0]["per_speaker"] = [
        {"speaker": "s1", "n": 10, "uar": 0.5, "max_class_share": 1.0, "max_class": "anger"}]
    models["ssa-crnn-r"]["folds"][1]["per_speaker"] = [
        {"speaker": "s1", "n": 10, "uar": 0.8, "max_class_share": 0.5, "max_class": "sadness"}]
    text = render_report({"protocol": "loso", "folds": 2, "corpus": {"emotions": ["a", "b"]}, "models": models})
    assert "| s1 | 50.0 / 1.00 anger | 80.0 / 0.50 sadness |" in text
    assert "Per speaker" not in render_report({"protocol": "loso", "folds": 2, "corpus": {},
                                               "models": {"acrnn": _model([0.5, 0.6])}})


def test_partial_report_says_so():
    results = {"protocol": "loso", "folds": 3, "folds_completed": 1, "reported_split": "validation",
               "corpus": {"emotions": ["a", "b"]}, "models": {"acrnn": _model([0.5])}}
    assert "**Partial**: 1 of 3 folds" in render_report(results)
    results["folds_completed"] = 3
    assert "Partial" not in render_report(results)


def test_provenance_groups_folds_by_precision_and_machine():
    acrnn, ssa = _model([0.5, 0.6, 0.7, 0.8]), _model([0.5, 0.6, 0.7, 0.8])
    for fold in acrnn["folds"][2:] + ssa["folds"][3:]:  # resumed elsewhere; folds 0-1 predate the record
        fold.update(precision="32-true", machine="zen3")
    ssa["folds"][2].update(precision="bf16-mixed", machine="zen5")
    lines = provenance_lines({"acrnn": acrnn, "ssa-crnn-r": ssa})
    assert lines == [
        "- precision `not recorded`, machine `not recorded`: ACRNN folds 1-2; SSA-CRNN-r folds 1-2",
        "- precision `32-true`, machine `zen3`: ACRNN folds 3-4; SSA-CRNN-r fold 4",
        "- precision `bf16-mixed`, machine `zen5`: SSA-CRNN-r fold 3",
    ]


def test_a_tie_prints_as_zero_not_minus_zero():
    from ssaser.evaluation.report import _signed

    assert [_signed(v) for v in (-0.0, -1e-9, 0.004, -0.004, 1.234, -1.236)] == \
        ["0.00", "0.00", "0.00", "0.00", "+1.23", "-1.24"]
