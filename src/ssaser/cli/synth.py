"""``ssaser synth --out DIR``: generate the small multi-speaker emotional corpus."""

from __future__ import annotations

import argparse
from ssaser.cli import arg_types

#: Kept here (not imported from ssaser.data.synth) so that ``ssaser --help`` stays instant.
EMOTIONS = ("neutral", "happy", "angry", "sad")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="generate a small multi-speaker emotional corpus with its manifest",
        description="Write speech-like 16 kHz audio (glottal source, formants, syllables, pitch contours, "
        "jitter, shimmer, loudness, noise) for several speakers who each express emotions in their own "
        "way, with DIR/manifest.csv and DIR/speakers.json. Same seed, identical files.",
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--speakers", type=arg_types.integer(1, 1000), default=5, help="number of speakers (default 5)")
    parser.add_argument("--utterances-per-emotion", type=arg_types.integer(1, 10000), default=16,
                        help="utterances per speaker and emotion (default 16)")
    parser.add_argument("--phrases", type=arg_types.integer(1, 10000), default=10, help="distinct phrases (default 10)")
    parser.add_argument("--emotions", nargs="+", default=list(EMOTIONS), metavar="EMOTION",
                        help=f"a subset of {', '.join(EMOTIONS)} (default: all)")
    parser.add_argument("--seed", type=arg_types.seed, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.data.manifest import read_manifest
    from ssaser.data.synth import synthesize_corpus

    path = synthesize_corpus(args.out, speakers=args.speakers, utterances_per_emotion=args.utterances_per_emotion,
                             emotions=args.emotions, phrases=args.phrases, seed=args.seed, progress=args.progress)
    df = read_manifest(path)
    print(f"wrote {path}: {len(df)} utterances, {df['speaker'].nunique()} speakers, "
          f"{df['emotion'].nunique()} emotions, {df['phrase'].nunique()} phrases, "
          f"{df['duration'].sum() / 60:.1f} min of audio")
    return 0
