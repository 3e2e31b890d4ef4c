"""``ssaser serve MODEL_DIR``: the HTTP service (FastAPI + uvicorn), on localhost by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from ssaser.cli import arg_types
from ssaser.cli.predict import add_model_options

#: ServiceLimits fields settable on the command line: (metavar, help). Their types (range
#: included) come from the fields themselves.
LIMIT_OPTIONS = {
    "max_upload_mb": ("MB", "largest accepted request body (413 above)"),
    "max_audio_seconds": ("S", "longest accepted audio, read from the header (413)"),
    "max_windows": ("N", "3 s windows one request may score, timeline included (413)"),
    "min_hop": ("S", "smallest timeline hop (422 below)"),
    "max_request_seconds": ("S", "wall time of one inference (503 past it)"),
    "heavy_windows": ("N", "requests above this many windows run one at a time, beside the others"),
    "max_heavy_waiting": ("N", "long requests that may wait for their lane (503 past it)"),
    "concurrency": ("N", "short requests run at once"),
    "max_connections": ("N", "connections accepted at once (503 past it)"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    from ssaser.serve.limits import ServiceLimits  # standard library and ssaser only: fast
    from ssaser.settings_checks import field_bounds

    parser = subparsers.add_parser(
        "serve",
        help="serve a model over HTTP (POST /predict, GET /health, /docs)",
        description="Serve MODEL_DIR over HTTP. POST /predict takes an audio file (multipart field `file` "
        "or the raw body) and returns the JSON of `ssaser predict --json` for it.",
    )
    parser.add_argument("model_dir", type=Path, metavar="MODEL",
                        help="model directory, or a bundled model's name (ssaser models)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    parser.add_argument("--port", type=arg_types.port, default=8000, help="TCP port (default 8000; 0: any free one)")
    limits = parser.add_argument_group("limits (each bounds what one request may cost)")
    defaults = ServiceLimits()
    for name, (metavar, text) in LIMIT_OPTIONS.items():
        default = getattr(defaults, name)
        shown = "the CPU count" if name == "concurrency" else f"{default:g}"
        kind = arg_types.from_bounds(field_bounds(ServiceLimits, name))
        limits.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default, metavar=metavar,
                            help=f"{text} (default {shown})")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.paths import require_model_dir

    args.model_dir = require_model_dir(args.model_dir)
    from ssaser.cli.predict import load_recognizer
    from ssaser.serve import ServiceLimits, serve

    limits = ServiceLimits(**{name: getattr(args, name) for name in LIMIT_OPTIONS})
    serve(load_recognizer(args), host=args.host, port=args.port, limits=limits, access_log=args.access_log)
    return 0
