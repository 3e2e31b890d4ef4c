"""``ssaser features AUDIO... --out PATH``: raw (un-normalised) 3-D log-Mel features as .npy.

One input: ``--out FILE.npy`` (or an existing folder, which gets ``<stem>.npy``).
Several inputs: ``--out`` is a folder (created if missing) that gets one ``<stem>.npy`` per
input; two inputs with the same stem are refused rather than one overwriting the other.
Every input is decoded before anything is written, so a bad file leaves no partial output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "features",
        help="write the raw 3-D log-Mel features of audio files as .npy",
        description=(
            "Write the raw (un-normalised) features of each AUDIO file as a float32 array of shape "
            "(segments, 3, 300, 40): static, delta, delta-delta log-Mel in 3 s segments, the last "
            "one zero-padded. One input: --out FILE.npy; several: --out FOLDER (one <stem>.npy each)."
        ),
    )
    parser.add_argument("audio", nargs="+", metavar="AUDIO", help="audio files (any format libsndfile reads)")
    parser.add_argument("--out", required=True, type=Path, help="output .npy file (one input) or folder")
    parser.add_argument(
        "--unsegmented", action="store_true",
        help="write the whole utterance as (3, frames, 40) instead of 300-frame segments",
    )
    parser.add_argument(
        "--hop-frames", type=arg_types.integer(1, 6000), default=None,
        help="step between segment starts in frames (default: 300, no overlap)",
    )
    parser.set_defaults(handler=run)


def output_paths(inputs: list[Path], out: Path) -> list[Path]:
    """Where each input's array goes (see the module docstring); raises SsaserError on a clash."""
    from ssaser.errors import SsaserError

    if len(inputs) == 1 and not out.is_dir():
        if out.suffix != ".npy":
            raise SsaserError(f"--out {out}: expected a .npy file name (or an existing folder)")
        return [out]
    if out.exists() and not out.is_dir() or (not out.exists() and out.suffix == ".npy"):
        raise SsaserError(f"--out {out}: with several inputs --out must be a folder")
    targets = [out / f"{path.stem}.npy" for path in inputs]
    seen: dict[Path, Path] = {}
    for source, target in zip(inputs, targets):
        if target in seen:
            raise SsaserError(f"{seen[target]} and {source} would both be written to {target}")
        seen[target] = source
    return targets


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import existing_files

    existing_files([Path(p) for p in args.audio], "AUDIO")
    targets = output_paths([Path(p) for p in args.audio], args.out)  # a bad --out is answered before numpy/torch
    import numpy as np

    from ssaser.audio import load_many
    from ssaser.errors import SsaserError
    from ssaser.features import FeatureConfig, compute_features_batch, segment_features

    if args.hop_frames is not None and args.hop_frames < 1:
        raise SsaserError(f"--hop-frames must be >= 1, got {args.hop_frames}")
    inputs = [Path(p) for p in args.audio]
    config = FeatureConfig()
    waves = load_many(inputs, config.sample_rate)
    feats = compute_features_batch(waves, config, sources=[str(p) for p in inputs])
    for source, target, item in zip(inputs, targets, feats):
        array = item if args.unsegmented else segment_features(item, config.segment_frames, args.hop_frames)
        target.parent.mkdir(parents=True, exist_ok=True)
        np.save(target, array.astype(np.float32, copy=False), allow_pickle=False)
        print(f"{source} -> {target} {tuple(array.shape)}")
    return 0
