"""``ssaser demo [--out DIR]``: the README's main job, end to end on a CPU.

Generates the small multi-speaker corpus (``ssaser.data.synth``), cross-validates ACRNN-r and
SSA-CRNN-r on it with the lite preset (``sd-random``, few folds and epochs), writes the report
and leaves ``OUT/model``, fold 1's SSA-CRNN-r, for ``predict``, ``serve`` and ``Recognizer``.
Rerunning continues an interrupted demo.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from ssaser.cli.common import add_training_arguments, config_overrides, passive_omp_threads, trainer_options
from ssaser.cli import arg_types

#: The demo's defaults: about five minutes on 2 cores with bf16 kernels, about 19 in float32 on
#: an AVX2-only CPU (benchmarks/README.md, "The main job").
#: 3x the paper's learning rate: 20 epochs of 10 batches do not reach a plateau at 1e-4.
DEMO_FOLDS = 3
DEMO_EPOCHS = 20
DEMO_LR = 3e-4
DEMO_SPEAKERS = 5
DEMO_UTTERANCES_PER_EMOTION = 24
#: Two 1-thread trainings at once use 2 cores better than one 2-thread training.
DEMO_JOBS = min(2, os.cpu_count() or 1)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate a small corpus, compare ACRNN-r and SSA-CRNN-r, write the report",
        description="The main job: synthesise a small multi-speaker emotional corpus, cross-validate "
        "ACRNN-r against SSA-CRNN-r (lite preset) and write report.md with figures.",
    )
    parser.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    parser.add_argument("--folds", type=arg_types.integer(2, 100), default=DEMO_FOLDS, help=f"folds (default {DEMO_FOLDS})")
    parser.add_argument("--speakers", type=arg_types.integer(2, 1000), default=DEMO_SPEAKERS,
                        help=f"generated speakers (default {DEMO_SPEAKERS})")
    parser.add_argument("--utterances-per-emotion", type=arg_types.integer(1, 10000),
                        default=DEMO_UTTERANCES_PER_EMOTION,
                        help=f"utterances per speaker and emotion (default {DEMO_UTTERANCES_PER_EMOTION})")
    parser.add_argument("--jobs", type=arg_types.integer(1, 1024), default=DEMO_JOBS,
                        help=f"trainings side by side in worker processes (default {DEMO_JOBS} here)")
    add_training_arguments(parser, epochs_default=DEMO_EPOCHS)
    parser.set_defaults(handler=run, preset="lite", epochs=DEMO_EPOCHS)


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import writable_folder

    writable_folder(Path(args.out), "--out")
    passive_omp_threads()
    from ssaser.cli.cv import print_summary
    from ssaser.data.synth import synthesize_corpus
    from ssaser.training.cv import CvPlan, CvRun, run_cv

    start = time.time()
    out = Path(args.out)
    manifest = out / "generated-corpus" / "manifest.csv"
    if not manifest.is_file():
        print(f"[demo] generating the corpus: {args.speakers} speakers, "
              f"{args.utterances_per_emotion} utterances per emotion and speaker", flush=True)
        manifest = synthesize_corpus(out / "generated-corpus", speakers=args.speakers,
                                     utterances_per_emotion=args.utterances_per_emotion, seed=0,
                                     progress=args.progress)
    cache = args.cache or out / "feature_cache"
    overrides = {"lr": DEMO_LR, **config_overrides(args)}  # --set lr=... still wins
    plan = CvPlan(manifest, ("acrnn-r", "ssa-crnn-r"), "sd-random", args.folds, overrides=overrides, config=args.config)
    run_options = CvRun(cache, trainer_options(args), args.jobs, command="ssaser " + shlex.join(sys.argv[1:]),
                        save_models=True)
    results = run_cv(plan, out / "cv", run_options)
    if not results:
        return 0
    print_summary(results)
    model_dir = keep_model(out / "cv" / "ssa-crnn-r" / "fold_0" / "model", out / "model")
    print(f"[demo] done in {time.time() - start:.0f} s; report: {out / 'cv' / 'report.md'}")
    if model_dir is not None:
        print(f"[demo] model (SSA-CRNN-r of fold 1): {model_dir}; try: ssaser predict {model_dir} "
              f"{out / 'generated-corpus' / 'wav' / 'spk01' / 'spk01_angry_000.wav'}")
    return 0


def keep_model(fold_model: Path, target: Path) -> Path | None:
    """Copy fold 1's model directory to ``target`` (a finished folder is replaced whole)."""
    import shutil

    if not (fold_model / "config.json").is_file():
        return None  # fold 1 finished in an earlier demo that kept no model
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(fold_model, partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
