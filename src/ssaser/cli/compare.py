"""``ssaser compare BASELINE CANDIDATE``: two cv runs on the same folds, paired fold by fold."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="pair two ssaser cv runs on the same folds (an ablation row: one setting on and off)",
        description="Compare two ssaser cv output folders (or results.json files) that ran the same folds: "
        "per system, the fold-by-fold difference CANDIDATE - BASELINE of the reported part (test when the "
        "runs have one) and of the validation figure used for selection, with its 95%% CI and the settings "
        "that differ. Runs on other folds are refused.",
    )
    parser.add_argument("baseline", help="cv output folder or results.json of the baseline run")
    parser.add_argument("candidate", help="cv output folder or results.json of the run with the change")
    parser.add_argument("--metric", choices=("uar", "wa", "macro_f1"), default="uar",
                        help="metric to pair (default: uar)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.evaluation.run_comparison import compare_runs, comparison_lines, read_results
    from ssaser.models.config import ModelConfig
    from ssaser.training.config import TrainConfig

    base, cand = read_results(args.baseline), read_results(args.candidate)
    # A setting added after a run was recorded reads as its default, not as a change.
    defaults = {"config": TrainConfig().to_dict(), "model": ModelConfig().to_dict()}
    rows = compare_runs(base, cand, args.metric, defaults)
    reported = cand.get("reported_split", "validation")
    print(f"candidate {args.candidate} - baseline {args.baseline}, paired on the folds both completed")
    print("\n".join(comparison_lines(rows, reported, args.metric)))
    if reported == "validation":
        print("note: these runs report the part that selected their epochs (optimistic)")
    return 0
