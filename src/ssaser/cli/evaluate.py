"""``ssaser evaluate MODEL MANIFEST... --out DIR``: score a model on labelled data it was not trained on.

Writes ``DIR/results.json`` (UAR, WA, macro-F1, confusion, per-speaker UAR and largest
single-class share), ``DIR/predictions.csv``, ``DIR/confusion.png`` and ``DIR/report.md``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model on labelled manifests (cross-corpus): metrics, per-speaker collapse, report",
        description="Classify every utterance of the MANIFEST(s) with MODEL (a model directory or bundled "
        "model name) and report UAR, WA, macro-F1, the confusion matrix and, per speaker, the UAR and the "
        "largest share of one predicted class. Labels are matched on the canonical emotion names.",
    )
    parser.add_argument("model", metavar="MODEL", help="model directory or bundled model name (ssaser models)")
    parser.add_argument("manifests", nargs="+", metavar="MANIFEST", help="labelled manifest CSV(s)")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--emotions", metavar="LIST", help="classes to keep or merge first (as for ssaser train)")
    parser.add_argument("--speaker-norm", choices=("global", "self"), default="global",
                        help="global: the model's training statistics (default); self: each speaker's own "
                        "statistics from their unlabelled audio here (transductive)")
    parser.add_argument("--backend", choices=("torch", "onnx"), default="torch", help="(default torch)")
    parser.add_argument("--ensemble", action="append", metavar="MODEL",
                        help="a further model whose posteriors are averaged with MODEL's; repeat for more")
    parser.add_argument("--batch-size", type=arg_types.integer(1, 4096), default=32,
                        help="windows per forward pass (default 32)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(handler=run)


def training_overlap(model_dir: Path, files: list[str]) -> int:
    """How many of ``files`` the model's recorded training manifests list (0 if they are not readable)."""
    from ssaser.data.combined import manifest_paths
    from ssaser.data.manifest import read_manifest
    from ssaser.errors import SsaserError

    try:
        recorded = json.loads((model_dir / "config.json").read_text()).get("training", {}).get("manifest")
    except (OSError, ValueError):
        return 0
    seen: set[str] = set()
    for path in manifest_paths(recorded) if recorded else []:
        try:
            seen.update(read_manifest(path, check_files=False)["file"])
        except SsaserError:
            continue
    return len(seen.intersection(files))


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import existing_files, require_model_dir, writable_folder
    from ssaser.data.emotions import parse_emotion_selection

    model_dir = require_model_dir(args.model)
    existing_files([Path(m) for m in args.manifests], "MANIFEST")
    parse_emotion_selection(args.emotions)
    writable_folder(args.out, "--out")

    from ssaser.atomic_files import atomic_write_json, atomic_write_text
    from ssaser.evaluation.evaluation_report import write_evaluation_report
    from ssaser.evaluation.plots import plot_confusion
    from ssaser.inference import Recognizer
    from ssaser.inference.evaluate import evaluate_manifests

    ensemble = [require_model_dir(member) for member in args.ensemble or []]
    recognizer = Recognizer.from_pretrained(model_dir, backend=args.backend, batch_size=args.batch_size,
                                            ensemble=ensemble)
    evaluation = evaluate_manifests(recognizer, args.manifests, args.emotions, args.speaker_norm, args.progress)
    for path, error in evaluation.failed:
        print(f"ssaser evaluate: error: {error}", file=sys.stderr)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    figure = plot_confusion(evaluation.metrics["confusion"], evaluation.labels, out / "confusion.png",
                            f"{model_dir.name}: UAR {100 * evaluation.metrics['uar']:.1f} %")
    results = {"model": " + ".join([model_dir.name, *(m.name for m in ensemble)]),
               "manifests": [str(Path(m).resolve()) for m in args.manifests],
               "command": "ssaser " + shlex.join(sys.argv[1:]),
               "training_overlap": training_overlap(model_dir, evaluation.predictions["file"].tolist()),
               **evaluation.to_dict(), "figures": [str(figure)]}
    written = [atomic_write_json(results, out / "results.json"),
               atomic_write_text(out / "predictions.csv", evaluation.predictions.to_csv(index=False)),
               figure, write_evaluation_report(results, out / "report.md")]
    m = evaluation.metrics
    print(f"{model_dir.name}: UAR {100 * m['uar']:.1f} %, WA {100 * m['wa']:.1f} %, macro-F1 {100 * m['macro_f1']:.1f} % "
          f"on {m['n']} utterances ({args.speaker_norm} normalisation)")
    if results["training_overlap"]:
        print(f"ssaser evaluate: warning: {results['training_overlap']} of the files were in the model's training "
              "manifests", file=sys.stderr)
    print("wrote " + ", ".join(str(p) for p in written))
    return 1 if evaluation.failed else 0
