"""``ssaser describe``: parameter count and forward GFLOP per 3 s segment of a system, as JSON."""

from __future__ import annotations

import argparse
import json
from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "describe",
        help="parameter count and forward GFLOP per segment of a system (JSON)",
        description="Build a system with random weights and print its size and cost as JSON. "
        "FLOPs come from torch's FlopCounterMode (convs and matmuls) plus the BLSTM counted "
        "analytically (the counter gives 0 for LSTMs).",
    )
    parser.add_argument("--model", default="ssa-crnn-r", help="a registered system (default ssa-crnn-r)")
    parser.add_argument("--preset", default="lite", help="paper, lite or tiny (default lite)")
    parser.add_argument("--emotions", type=arg_types.integer(2, 1000), default=4, help="emotion classes (default 4)")
    parser.add_argument("--speakers", type=arg_types.integer(2, 100000), default=10, help="training speakers (ssa-crnn-r; default 10)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.models.describe import describe_system

    info = describe_system(args.model, args.preset, args.emotions, args.speakers)
    print(json.dumps(info, indent=2))
    return 0
