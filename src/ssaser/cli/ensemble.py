"""``ssaser ensemble RUN/<model> RUN/<model> ... --out DIR``: average the posteriors of cv runs on the same folds."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ensemble",
        help="score an ensemble of systems from ssaser cv runs on the same folds (posteriors averaged, no training)",
        description="Average, fold by fold, the utterance posteriors of systems that ssaser cv trained on the "
        "same folds, and write results.json, report.md and figures as a cv run does: the members and the "
        "ensemble, paired fold by fold. Nothing is retrained. Choose the members without looking at the "
        "reported (test) figures, or the ensemble's figure is optimistic.",
    )
    parser.add_argument("members", nargs="+", metavar="[LABEL=]RUN/MODEL",
                        help="a system folder of a cv run, e.g. runs/fast30/ssa-crnn-r (label default: "
                        "<run folder>.<model>)")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.evaluation.report import ci_text
    from ssaser.evaluation.run_ensemble import ENSEMBLE, member_summary, read_member, write_ensemble
    from ssaser.training.provenance import machine_description

    members = [read_member(spec) for spec in args.members]
    command = shlex.join(["ssaser", *sys.argv[1:]])
    results = write_ensemble(members, args.out, command, machine_description())
    print(f"[ensemble] {results['folds_completed']} folds every member completed; "
          f"{results['reported_split']} part; {args.out / 'report.md'}")
    for line in member_summary(results):
        print(f"  {line}")
    for pair in results["paired"]:
        if pair["candidate"] == ENSEMBLE:  # the ensemble is the last system, so always the candidate
            interval = ci_text(pair)
            print(f"  ensemble - {pair['baseline']}: {100 * pair['mean']:+.2f}{' ' * bool(interval)}{interval} points "
                  f"({pair['better']} folds better, {pair['worse']} worse)")
    return 0
