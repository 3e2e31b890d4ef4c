"""``ssaser cv --manifest M.csv --model NAME [NAME ...] --protocol P --folds K --out DIR``.

Cross-validates one or more systems and writes ``DIR/results.json`` (per system: per-fold UAR,
WA, macro-F1, confusion, epochs; mean and 95% CI; protocol and whether model selection saw
the reported data), ``DIR/report.md``, ``DIR/confusion_<model>.png``, ``DIR/tsne_<model>.png``,
``DIR/attention.png`` and ``DIR/curves.png``. Rerunning the same command skips finished folds.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from ssaser.cli.common import (
    add_corpus_arguments,
    add_training_arguments,
    check_corpus_arguments,
    config_overrides,
    passive_omp_threads,
    system_choices,
    trainer_options,
)
from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cv",
        help="cross-validate systems on a protocol and write results, report and figures",
        description="k-fold cross-validation (sd-random, sd-phrase or loso) of one or more systems with "
        "per-fold normalisation statistics, best-UAR epoch selection, utterance-level metrics and a "
        "Table-1-like report. Interrupted runs continue where they stopped when rerun.",
    )
    add_corpus_arguments(parser)
    from ssaser.data.protocols import PROTOCOLS

    systems = system_choices()
    parser.add_argument("--model", nargs="+", choices=systems, default=list(systems),
                        help=f"systems (default: {' '.join(systems)})")
    parser.add_argument("--protocol", choices=tuple(PROTOCOLS),
                        help="; ".join(f"{k}: {v}" for k, v in PROTOCOLS.items())
                        + " (default sd-random, or given with --folds-from)")
    parser.add_argument("--folds-from", metavar="FILE",
                        help="CSV speaker,fold or file,fold defining each fold's test part, or a bundled one's name "
                        "(emobox-ravdess: EmoBox's 6 RAVDESS folds); implies --protocol given")
    parser.add_argument("--folds", type=arg_types.integer(2, 10000), help="number of folds (default 10; loso: one per speaker)")
    parser.add_argument("--test-fraction", type=arg_types.number(0, 0.9), default=0.0,
                        help="share held out as a test part never seen by model selection (default 0: the paper's protocol)")
    parser.add_argument("--val-speakers", action="store_true",
                        help="loso (with a test part) and given folds: select on held-out training speakers "
                        "(20 %% of them) instead of 20 %% of the training utterances")
    parser.add_argument("--split-seed", type=arg_types.seed, default=0, help="seed of the fold assignment (default 0)")
    parser.add_argument("--max-folds", type=arg_types.positive_int, metavar="N",
                        help="train only the first N of the folds (a quick look; rerun without it to complete)")
    parser.add_argument("--jobs", type=arg_types.integer(1, 1024), default=1, metavar="N",
                        help="trainings side by side in N processes, sharing the CPU threads (default 1)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local: this machine (--jobs processes); dask: a Dask cluster, one task per "
                        "(fold, system) (default local)")
    parser.add_argument("--address", metavar="URL",
                        help="Dask scheduler, e.g. tcp://head:8786 (default with --executor dask: a local "
                        "cluster of --jobs workers)")
    parser.add_argument("--task-resources", metavar="SPEC",
                        help="what each Dask task asks of a worker, e.g. CPU=2,GPU=1 (default: none, one task "
                        "per worker thread)")
    parser.add_argument("--save-models", action="store_true",
                        help="also write each fold's model directory, OUT/<model>/fold_<k>/model (for predict, evaluate)")
    parser.add_argument("--name", help="corpus name in the report (default: the manifest's name, or its folder's for manifest.csv)")
    parser.add_argument("--out", required=True, help="output folder")
    add_training_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_corpus_arguments(args)
    from ssaser.errors import SsaserError

    if args.folds_from:
        from ssaser.data.fold_files import read_fold_file

        read_fold_file(args.folds_from)  # a bad file is answered before torch loads
        if args.protocol not in (None, "given"):
            raise SsaserError(f"--folds-from defines the folds: it goes with --protocol given, not {args.protocol}")
    protocol = args.protocol or ("given" if args.folds_from else "sd-random")
    if args.executor == "dask":
        from ssaser.training.dask_executor import parse_resources

        parse_resources(args.task_resources)
    elif args.address or args.task_resources:
        raise SsaserError("--address and --task-resources go with --executor dask")
    passive_omp_threads()
    from ssaser.training.cv import CvPlan, CvRun, run_cv

    start = time.time()
    manifest = args.manifest[0] if len(args.manifest) == 1 else args.manifest
    plan = CvPlan(manifest, tuple(args.model), protocol, args.folds, args.test_fraction,
                  args.split_seed, config_overrides(args), args.emotions, args.folds_from, args.config,
                  args.val_speakers)
    run_options = CvRun(args.cache, trainer_options(args), args.jobs, args.max_folds, args.name,
                        command="ssaser " + shlex.join(sys.argv[1:]), save_models=args.save_models,
                        executor=args.executor, address=args.address, task_resources=args.task_resources)
    results = run_cv(plan, args.out, run_options)
    if not results:
        return 0  # a non-zero DDP rank
    print_summary(results)
    print(f"report: {args.out}/report.md ({time.time() - start:.0f} s)")
    return 0


def print_summary(results: dict) -> None:
    """One line per system: mean UAR +- 95% CI over folds."""
    for model, entry in results["models"].items():
        uar = entry["summary"]["uar"]
        ci = f" ± {100 * uar['ci95']:.1f}" if uar["ci95"] is not None else ""
        print(f"{model}: UAR {100 * uar['mean']:.1f}{ci} % over {len(entry['folds'])} folds "
              f"({results['protocol']}, {results['reported_split']})")
