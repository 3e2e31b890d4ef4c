"""``ssaser export MODEL_DIR --format onnx --out FILE``: the whole model as ONNX.

The graph holds the front end (when it exports; else it takes features and says so), both
branches and the heads; after writing, its outputs are compared with PyTorch's and the largest
difference is printed. ``ssaser predict --backend onnx`` runs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a model directory to ONNX (front end, both branches, heads)",
        description="Export MODEL_DIR to ONNX and check onnxruntime against PyTorch.",
    )
    parser.add_argument("model_dir", type=Path, metavar="MODEL",
                        help="model directory, or a bundled model's name (ssaser models)")
    parser.add_argument("--format", choices=("onnx",), default="onnx", help="export format (default onnx, the only one)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="output file (default MODEL_DIR/model.onnx)")
    parser.add_argument("--exporter", choices=("torchscript", "dynamo"), default="torchscript",
                        help="torch.onnx exporter: torchscript (fast, default) or dynamo (torch.export)")
    parser.add_argument("--tolerance", type=arg_types.number(0, 1e3, lo_open=True), default=1e-4,
                        help="largest accepted |onnxruntime - PyTorch| on the logits (default 1e-4)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import require_model_dir, writable_file

    args.model_dir = require_model_dir(args.model_dir)
    out = args.out or args.model_dir / "model.onnx"
    writable_file(out, "--out")
    from ssaser.inference.onnx_export import export_onnx
    from ssaser.models import load_model_dir

    model = load_model_dir(args.model_dir)
    result = export_onnx(model, out, tolerance=args.tolerance, exporter=args.exporter)
    inside = "front end inside" if result.input_kind == "waveform" else "features in"
    print(f"wrote {result.path} ({model.system_name}, {inside}); "
          f"max |onnxruntime - torch| = {result.max_abs_diff:.2e}")
    if result.note:
        print(f"note: {result.note}")
    return 0
