"""``ssaser table1 --iemocap M.csv --atthack M.csv --out DIR``: the paper's Table 1 where a user has the corpora.

Runs ``ssaser cv`` as the paper did (section 3): IEMOCAP improvised with ``sd-random`` and
Att-HACK with ``sd-phrase``, 10 folds each, the three systems, the paper preset and the paper's
training settings (``--config paper``), then prints the paper's figures beside the run's. Each
corpus's run lives in ``DIR/iemocap`` and ``DIR/atthack`` (rerun to resume, as ``cv``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ssaser.cli import arg_types
from ssaser.cli.common import add_training_arguments, config_overrides, passive_omp_threads, trainer_options

#: corpus -> (option, protocol), as the paper's section 3 describes them.
CORPORA = {"IEMOCAP": ("iemocap", "sd-random"), "Att-HACK": ("atthack", "sd-phrase")}
SYSTEMS = ("acrnn", "acrnn-r", "ssa-crnn-r")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table1",
        help="reproduce the paper's Table 1 (IEMOCAP sd-random, Att-HACK sd-phrase, three systems)",
        description="Cross-validate ACRNN, ACRNN-r and SSA-CRNN-r with the paper preset and settings on "
        "IEMOCAP (improvised, sd-random) and Att-HACK (sd-phrase) manifests, and print the paper's UAR "
        "beside the run's. Give either corpus or both.",
    )
    parser.add_argument("--iemocap", type=Path, metavar="CSV", help="IEMOCAP manifest (ssaser prepare iemocap)")
    parser.add_argument("--atthack", type=Path, metavar="CSV", help="Att-HACK manifest (ssaser prepare atthack)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (DIR/iemocap, DIR/atthack)")
    parser.add_argument("--folds", type=arg_types.integer(2, 100), default=10, help="folds per corpus (default 10)")
    parser.add_argument("--max-folds", type=arg_types.positive_int, metavar="N",
                        help="train only the first N folds (rerun without it to complete)")
    parser.add_argument("--jobs", type=arg_types.integer(1, 1024), default=1, help="trainings side by side (default 1)")
    add_training_arguments(parser)
    parser.set_defaults(handler=run, preset="paper", config="paper")


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import existing_files, writable_folder
    from ssaser.errors import SsaserError

    given = {name: getattr(args, option) for name, (option, _) in CORPORA.items() if getattr(args, option)}
    if not given:
        raise SsaserError("give --iemocap and/or --atthack manifests")
    existing_files(list(given.values()), "manifest")
    writable_folder(args.out, "--out")
    passive_omp_threads()
    from ssaser.models.registry import get_system
    from ssaser.training.cv import CvPlan, CvRun, run_cv

    measured = {}
    for name, manifest in given.items():
        option, protocol = CORPORA[name]
        plan = CvPlan(manifest, SYSTEMS, protocol, args.folds, overrides=config_overrides(args), config=args.config)
        options = CvRun(args.cache, trainer_options(args), args.jobs, args.max_folds, name,
                        command="ssaser " + shlex.join(sys.argv[1:]))
        results = run_cv(plan, args.out / option, options)
        if not results:
            return 0  # a non-zero DDP rank
        measured[name] = results
    print("\nUAR % (mean ± 95% CI half-width over folds): the paper's Table 1 | this run")
    print(f"{'system':<12}" + "".join(f"{name + ' paper':>18}{name + ' run':>22}" for name in measured))
    for system in SYSTEMS:
        cells = []
        for name, results in measured.items():
            uar = results["models"][system]["summary"]["uar"]
            ci = f" ± {100 * uar['ci95']:.2f}" if uar["ci95"] is not None else ""
            folds = f" ({results['folds_completed']}/{results['folds']})"
            run_text = f"{100 * uar['mean']:.2f}{ci}{folds}"
            cells.append(f"{get_system(system).paper_uar[name]:>18}{run_text:>22}")
        print(f"{get_system(system).display:<12}" + "".join(cells))
    print("reports: " + ", ".join(str(args.out / CORPORA[n][0] / "report.md") for n in measured))
    return 0
