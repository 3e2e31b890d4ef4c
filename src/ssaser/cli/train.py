"""``ssaser train --manifest M.csv --model NAME --preset P --out DIR``: one model directory.

The workflow is :func:`ssaser.training.train.train_model`; this module only parses.
``--devices``, ``--num-nodes``, ``--strategy`` and ``--accelerator`` reach Lightning unchanged.
"""

from __future__ import annotations

import argparse

from ssaser.cli.common import (
    add_corpus_arguments,
    add_training_arguments,
    check_corpus_arguments,
    config_overrides,
    passive_omp_threads,
    system_choices,
    trainer_options,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train one system on a manifest and write a model directory",
        description="Train a system (ACRNN, ACRNN-r, SSA-CRNN-r or any registered one) on a manifest "
        "(emotion-balanced batches, NAdam), keep the epoch of best validation UAR, and write DIR/model "
        "(loadable by ssaser predict/serve).",
    )
    add_corpus_arguments(parser)
    parser.add_argument("--model", choices=system_choices(), default="ssa-crnn-r", help="system (default ssa-crnn-r)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--resume", action="store_true", help="continue from DIR/checkpoints/last.ckpt")
    add_training_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_corpus_arguments(args)
    passive_omp_threads()
    from ssaser.training.config import load_config
    from ssaser.training.train import train_model

    config = load_config(args.model, args.config, config_overrides(args))
    trainer = trainer_options(args, epoch_label=f"[train] {config.model}", epoch_every=1)
    manifest = args.manifest[0] if len(args.manifest) == 1 else args.manifest
    result = train_model(manifest, args.out, config, args.cache, trainer, resume=args.resume, emotions=args.emotions)
    if result is None:
        return 0  # other DDP ranks: rank 0 writes the outputs
    val = result.val
    # Epochs are numbered from 1 for people (train.json keeps Lightning's 0-based "best_epoch").
    epoch = f"epoch {result.summary['best_epoch'] + 1} of {result.summary['epochs']}"
    score = f"utterance-level validation UAR {100 * val['uar']:.1f}% ({epoch})" if val else "no validation"
    print(f"{config.model}: {score}; model written to {result.model_dir}")
    return 0
