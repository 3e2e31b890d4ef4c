"""``ssaser train --manifest M.csv --model NAME --preset P --out DIR``: one model directory.

Holds out ``val_fraction`` of the utterances (stratified by emotion and speaker) to pick the
best-UAR epoch, then writes ``DIR/model`` (``save_model_dir``: loadable by inference),
``DIR/checkpoints`` (best and last, atomic), ``DIR/logs`` (CSV, TensorBoard) and
``DIR/train.json`` (configuration, history, validation scores). ``--devices``,
``--num-nodes``, ``--strategy`` and ``--accelerator`` reach Lightning unchanged.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from ssaser.cli import arg_types

MODELS = ("acrnn", "acrnn-r", "ssa-crnn-r")


def passive_omp_threads() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose otherwise.

    Must run before torch is imported. On a shared or oversubscribed CPU, spinning threads
    wait at every barrier for a descheduled peer: a 2-thread BLSTM forward+backward (batch 40,
    lite sizes) measured 3-16 s with GNU OpenMP's default policy and 0.22 s with PASSIVE.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``train``, ``cv`` and ``demo``."""
    parser.add_argument("--preset", choices=("paper", "lite", "tiny"), help="model sizes (default: the config's, lite)")
    parser.add_argument("--epochs", type=arg_types.integer(1, 100000), help="maximum epochs")
    parser.add_argument("--seed", type=arg_types.seed, help="seed of weights, batches and dropout")
    parser.add_argument("--patience", type=arg_types.count, help="early stopping patience on validation UAR (0 = off)")
    parser.add_argument("--bf16", action="store_true", default=None, help="bf16 autocast where the hardware has it")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any configuration key, e.g. --set lr=3e-4 --set model_options.dropout=0.2")
    parser.add_argument("--cache", help="feature cache folder (default $SSASER_CACHE or ~/.cache/ssaser/features)")
    lightning = parser.add_argument_group("Lightning (passed unchanged)")
    lightning.add_argument("--accelerator", default="auto", help="cpu, gpu, auto ...")
    lightning.add_argument("--devices", default="auto", help="e.g. 2, or 0,1, or auto")
    lightning.add_argument("--num-nodes", type=arg_types.integer(1, 100000), default=1)
    lightning.add_argument("--strategy", default="auto", help="e.g. ddp")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    parser.add_argument("--system-malloc", action="store_true",
                        help="leave glibc's malloc settings as they are (default: the command restarts itself "
                        "with tunables that keep freed memory for the next step: faster CPU training, for a "
                        "footprint that stays at its peak; see ssaser.runtime)")


def config_overrides(args: argparse.Namespace) -> dict:
    """The configuration keys given on the command line (flags, then ``--set``)."""
    from ssaser.training.config import merge, parse_overrides

    flags = {key: getattr(args, key) for key in ("preset", "epochs", "seed", "patience", "bf16")
             if getattr(args, key, None) is not None}
    return merge(flags, parse_overrides(args.overrides))


def trainer_options(args: argparse.Namespace):
    from ssaser.training.fit import TrainerOptions

    return TrainerOptions(accelerator=args.accelerator, devices=args.devices, num_nodes=args.num_nodes,
                          strategy=args.strategy, progress=args.progress)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train one system on a manifest and write a model directory",
        description="Train ACRNN, ACRNN-r or SSA-CRNN-r on a manifest (emotion-balanced batches, NAdam), "
        "keep the epoch of best validation UAR, and write DIR/model (loadable by ssaser predict/serve).",
    )
    parser.add_argument("--manifest", required=True, help="manifest CSV (file, speaker, emotion, ...)")
    parser.add_argument("--model", choices=MODELS, default="ssa-crnn-r", help="system (default ssa-crnn-r)")
    parser.add_argument("--config", help="YAML configuration (default: the packaged configs/<model>.yaml)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--resume", action="store_true", help="continue from DIR/checkpoints/last.ckpt")
    add_training_arguments(parser)
    parser.set_defaults(handler=run)


def validation_split(df, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row positions (train, val): one ``sd-random`` split (stratified by speaker and emotion)."""
    from ssaser.data.splits import make_folds

    if fraction <= 0:
        return list(range(len(df))), []
    fold = make_folds(df, "sd-random", 1, seed, val_fraction=fraction)[0]
    return fold.train.tolist(), fold.val.tolist()


def run(args: argparse.Namespace) -> int:
    passive_omp_threads()
    from ssaser.models.model_dir import save_model_dir
    from ssaser.atomic_files import atomic_write_json
    from ssaser.training.config import load_config
    from ssaser.training.experiment import build_fold_sets, load_corpus, to_ser_model, train_fold
    from ssaser.training.provenance import provenance

    start = time.time()
    config = load_config(args.model, args.config, config_overrides(args))
    out = Path(args.out)
    corpus = load_corpus(args.manifest, config.feature_options, args.cache, progress=args.progress)
    train_rows, val_rows = validation_split(corpus.df, config.val_fraction, config.seed)
    sets = build_fold_sets(corpus, train_rows, val_rows, None, config.segment_hop)
    trained = train_fold(corpus, sets, config, out, trainer_options(args), resume=args.resume)
    if not trained.fit.is_global_zero:
        return 0  # other DDP ranks: rank 0 writes the outputs
    summary = {
        "manifest": str(Path(args.manifest).resolve()),
        "config": config.to_dict(),
        "train_utterances": len(train_rows),
        "val_utterances": len(val_rows),
        "best_epoch": trained.fit.best_epoch,
        "epochs": trained.fit.epochs,
        "val": trained.metrics.get("val"),
        "history": trained.fit.history,
        "wall_seconds": round(time.time() - start, 1),
        **provenance(trained.fit.precision),
    }
    model_dir = save_model_dir(out / "model", to_ser_model(trained, corpus, config),
                               {k: summary[k] for k in ("manifest", "config", "best_epoch", "epochs", "val")})
    atomic_write_json(summary, out / "train.json")
    val = trained.metrics.get("val")
    score = f"validation UAR {100 * val['uar']:.1f}% (epoch {trained.fit.best_epoch})" if val else "no validation"
    print(f"{config.model}: {score}; model written to {model_dir}")
    return 0
