"""``ssaser serve MODEL_DIR``: the HTTP service (FastAPI + uvicorn), on localhost by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from ssaser.cli.predict import add_model_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve a model over HTTP (POST /predict, GET /health, /docs)",
        description="Serve MODEL_DIR over HTTP. POST /predict takes an audio file (multipart field `file` "
        "or the raw body) and returns the JSON of `ssaser predict --json` for it.",
    )
    parser.add_argument("model_dir", type=Path, metavar="MODEL_DIR", help="model directory")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--max-upload-mb", type=float, default=20.0, metavar="N",
                        help="largest accepted request body in MB (413 above; default 20)")
    parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="inferences at once (default: the CPU count)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.cli.predict import load_recognizer
    from ssaser.errors import SsaserError
    from ssaser.serve import serve

    if args.max_upload_mb <= 0:
        raise SsaserError("--max-upload-mb must be positive")
    serve(load_recognizer(args), host=args.host, port=args.port, max_upload_mb=args.max_upload_mb,
          max_concurrency=args.concurrency, access_log=args.access_log)
    return 0
