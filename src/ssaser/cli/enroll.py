"""``ssaser enroll AUDIO... --out FILE``: a speaker's normalisation statistics (JSON).

Use the file with ``ssaser predict --speaker-stats FILE`` (or ``serve``) so that features are
normalised with that speaker's statistics, as the paper does, instead of the model's global ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enroll",
        help="fit a speaker's feature statistics from a few recordings (for --speaker-stats)",
        description="Compute per-channel, per-band mean and std of the 3-D log-Mel features of a few "
        "recordings of one speaker, and write them as JSON for `ssaser predict --speaker-stats`.",
    )
    parser.add_argument("audio", nargs="+", type=Path, metavar="AUDIO", help="recordings of the speaker")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="output JSON file")
    parser.add_argument("--model", metavar="MODEL",
                        help="take the feature settings and std floor from this model directory or bundled model "
                        "(default: the standard ones)")
    parser.add_argument("--speaker", metavar="NAME", help="a name stored in the file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import existing_files, require_model_dir, writable_file

    existing_files(args.audio, "AUDIO")
    if args.model is not None:
        args.model = require_model_dir(args.model)
    writable_file(Path(args.out), "--out")
    from ssaser.features import FeatureConfig, SpeakerNormalizer
    from ssaser.inference import enroll

    config, floor = FeatureConfig(), SpeakerNormalizer().std_floor
    if args.model is not None:
        from ssaser.models import load_model_dir

        model = load_model_dir(args.model)
        config = model.feature_config
        if model.normalizer is not None:
            floor = model.normalizer.std_floor
    stats = enroll(args.audio, config, speaker=args.speaker, std_floor=floor)
    stats.save(args.out)
    seconds = stats.frames * config.hop_length / config.sample_rate
    print(f"wrote {args.out}: {len(stats.files)} recording(s), {stats.frames} frames (~{seconds:.1f} s of audio)")
    return 0
