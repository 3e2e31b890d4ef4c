"""Options shared by the training commands (``train``, ``cv``, ``demo``), defined once.

Choices come from the registries (systems, presets, front ends) and defaults from the packaged
configuration, so ``--help`` shows what a run will use; nothing here imports torch.
"""

from __future__ import annotations

import argparse
import os

from ssaser.cli import arg_types


def passive_omp_threads() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose otherwise.

    Must run before torch is imported. On a shared or oversubscribed CPU, spinning threads
    wait at every barrier for a descheduled peer: a 2-thread BLSTM forward+backward (batch 40,
    lite sizes) measured 3-16 s with GNU OpenMP's default policy and 0.22 s with PASSIVE.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def system_choices() -> tuple[str, ...]:
    from ssaser.models.registry import system_names

    return system_names()


def add_training_arguments(parser: argparse.ArgumentParser, epochs_default: int | None = None) -> None:
    """Options shared by ``train``, ``cv`` and ``demo`` (``None`` defaults: the configuration's)."""
    from ssaser.models.config import PRESETS

    parser.add_argument("--config", metavar="FILE_OR_NAME",
                        help="YAML configuration, or a packaged one's name: paper (the paper's settings), fast "
                        "(15 epochs, warm-up and cosine decay) (default: the packaged default.yaml)")
    parser.add_argument("--preset", choices=tuple(PRESETS), help="model sizes (default: the configuration's, lite)")
    shown = epochs_default if epochs_default is not None else "the configuration's, 30"
    parser.add_argument("--epochs", type=arg_types.integer(1, 100000), help=f"maximum epochs (default: {shown})")
    parser.add_argument("--seed", type=arg_types.seed, help="seed of weights, batches and dropout (default 0)")
    parser.add_argument("--patience", type=arg_types.count,
                        help="early stopping patience on validation UAR (default 0 = off)")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                        help="bf16 autocast where the hardware has it, else float32 (default: on)")
    parser.add_argument("--unseen-speaker-norm", choices=("global", "self"),
                        help="a speaker absent from training: global = the training statistics (default), self = "
                        "their own unlabelled audio in the scored part (transductive)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any configuration key, e.g. --set lr=3e-4 --set model_options.dropout=0.2")
    parser.add_argument("--cache", help="feature cache folder (default $SSASER_CACHE or ~/.cache/ssaser/features)")
    lightning = parser.add_argument_group("Lightning (passed unchanged)")
    lightning.add_argument("--accelerator", default="auto", help="cpu, gpu, auto ... (default auto)")
    lightning.add_argument("--devices", default="auto", help="e.g. 2, or 0,1, or auto (default auto)")
    lightning.add_argument("--num-nodes", type=arg_types.integer(1, 100000), default=1, help="(default 1)")
    lightning.add_argument("--strategy", default="auto", help="e.g. ddp (default auto)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bars (a line per epoch instead)")
    parser.add_argument("--system-malloc", action="store_true",
                        help="leave glibc's malloc settings as they are (default: the command restarts itself "
                        "with tunables that keep freed memory for the next step: faster CPU training, for a "
                        "footprint that stays at its peak; see ssaser.runtime)")


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """``--manifest`` (one or several) and ``--emotions``, shared by ``train`` and ``cv``."""
    parser.add_argument("--manifest", required=True, nargs="+", metavar="CSV",
                        help="manifest CSV(s) (file, speaker, emotion, ...); several train together, speakers "
                        "prefixed with their manifest's name, labels on the canonical names (angry -> anger ...)")
    parser.add_argument("--emotions", metavar="LIST",
                        help="classes to keep, comma-separated, each NAME or NAME=LABEL+LABEL to merge; 'common' "
                        "keeps those every manifest has (default: every label of the manifests)")


def check_corpus_arguments(args: argparse.Namespace) -> None:
    """Manifests, ``--emotions`` and ``--out`` checked before torch is imported (seconds earlier)."""
    from pathlib import Path

    from ssaser.cli.paths import existing_files, writable_folder
    from ssaser.data.emotions import parse_emotion_selection

    existing_files([Path(m) for m in args.manifest], "--manifest")
    parse_emotion_selection(args.emotions)
    if args.config is not None:
        from ssaser.training.config import resolve_config

        resolve_config(args.config)
    writable_folder(Path(args.out), "--out")


def config_overrides(args: argparse.Namespace) -> dict:
    """The configuration keys given on the command line (flags, then ``--set``)."""
    from ssaser.training.config import merge, parse_overrides

    flags = {key: getattr(args, key) for key in ("preset", "epochs", "seed", "patience", "bf16", "unseen_speaker_norm")
             if getattr(args, key, None) is not None}
    return merge(flags, parse_overrides(args.overrides))


def trainer_options(args: argparse.Namespace, epoch_label: str | None = None, epoch_every: int = 5):
    """The Lightning options of the command line (:class:`ssaser.training.fit.TrainerOptions`);
    with ``epoch_label``, ``--no-progress`` prints a line every ``epoch_every`` epochs."""
    from ssaser.training.fit import TrainerOptions

    extra = {"epoch_label": epoch_label, "epoch_every": epoch_every} if epoch_label else {}
    return TrainerOptions(accelerator=args.accelerator, devices=args.devices, num_nodes=args.num_nodes,
                          strategy=args.strategy, progress=args.progress, **extra)
