"""``ssaser predict MODEL AUDIO...`` or ``ssaser predict --model MODEL AUDIO...``: emotion of each
file, as a table or JSON. ``MODEL`` is a model directory or a bundled model's name (``ssaser models``).

A file that cannot be read gets its one-line error on stderr (and an ``{"file", "error"}``
element in the JSON); the others still run; the exit status is 1 if any failed.

``--timeline OUT`` also writes an emotion timeline per file (windows every ``--hop`` seconds):
with one input and ``OUT`` ending in ``.json``, ``.csv`` or ``.png``, that file; otherwise ``OUT``
is a folder that gets ``<stem>.timeline.json``, ``.csv`` and ``.png`` per input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ssaser.errors import SsaserError
from ssaser.cli import arg_types


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify the emotion of audio files (table or JSON), optionally with timelines",
        description="Classify each AUDIO file with MODEL (a model directory, or a bundled model's name: "
        "ssaser models). The utterance score is the mean of its 3 s segments' posteriors. Files are read "
        "in blocks: any length works.",
        usage="ssaser predict [options] (MODEL AUDIO... | --model MODEL AUDIO...)",
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="[MODEL] AUDIO",
                        help="the model (unless --model gives it), then audio files (any format libsndfile reads), "
                        "folders (their audio files) or manifest CSVs")
    parser.add_argument("--model", metavar="MODEL", help="model directory or bundled model name; then every "
                        "positional argument is audio")
    parser.add_argument("--json", action="store_true", help="print JSON (a list, one object per file) instead of a table")
    parser.add_argument("--timeline", type=Path, metavar="OUT",
                        help="write emotion timelines: a .json/.csv/.png file (one input) or a folder")
    parser.add_argument("--hop", type=arg_types.number(0, 3600, lo_open=True), default=1.0, metavar="S", help="timeline hop in seconds (default 1.0)")
    add_model_options(parser)
    parser.add_argument("--batch-size", type=arg_types.integer(1, 4096), default=32,
                        help="windows per forward pass, across files (default 32)")
    parser.add_argument("--decode-threads", type=arg_types.integer(1, 64), default=2,
                        help="threads decoding the next files while the model runs (default 2)")
    parser.set_defaults(handler=run)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``ssaser serve``: backend and normalisation."""
    parser.add_argument("--backend", choices=("torch", "onnx"), default="torch",
                        help="torch (default) or onnx (onnxruntime on the file from `ssaser export`)")
    parser.add_argument("--onnx", type=Path, metavar="FILE",
                        help="the ONNX file (default MODEL_DIR/model.onnx, else MODEL_DIR.onnx)")
    parser.add_argument("--speaker-stats", type=Path, metavar="FILE",
                        help="normalise with this speaker's statistics (from `ssaser enroll`); default: the model's global ones")
    parser.add_argument("--speaker", metavar="NAME", help="normalise with a training speaker's stored statistics")
    parser.add_argument("--ensemble", action="append", metavar="MODEL",
                        help="a further model (same emotions and features) whose posteriors are averaged with "
                        "MODEL's; repeat for more (one forward pass each)")


def load_recognizer(args: argparse.Namespace, batch_size: int = 16):
    """The :class:`~ssaser.inference.Recognizer` that the model options describe."""
    from ssaser.cli.paths import require_model_dir
    from ssaser.inference import Recognizer

    ensemble = [require_model_dir(member) for member in args.ensemble or []]
    return Recognizer.from_pretrained(args.model_dir, backend=args.backend, onnx_path=args.onnx,
                                      speaker_stats=args.speaker_stats, speaker=args.speaker, batch_size=batch_size,
                                      ensemble=ensemble)


def timeline_targets(inputs: list[Path], out: Path) -> list[Path]:
    """Per input: the timeline file (one input, ``out`` with a known suffix) or stem (folder)."""
    from ssaser.inference.timeline import TIMELINE_SUFFIXES

    if len(inputs) == 1 and out.suffix.lower() in TIMELINE_SUFFIXES:
        return [out]
    stems: list[Path] = []
    for path in inputs:
        stem, k = out / f"{path.stem}.timeline", 2
        while stem in stems:  # two inputs with one name: keep both
            stem, k = out / f"{path.stem}-{k}.timeline", k + 1
        stems.append(stem)
    return stems


def format_table(rows: list[dict[str, Any]], labels: list[str]) -> str:
    """A fixed-width table: file, top label, its score, every label's score, segments, duration."""
    header = ["file", "label", "score", *labels, "segments", "seconds"]
    lines = [header]
    for row in rows:
        if "error" in row:
            lines.append([row["file"], "ERROR", "-", *("-" for _ in labels), "-", "-"])
            continue
        lines.append([row["file"], row["label"], f"{row['score']:.3f}",
                      *(f"{row['scores'][label]:.3f}" for label in labels),
                      str(len(row["segments"])), f"{row['duration']:.2f}"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)


def check_timeline_target(inputs: list[Path], out: Path) -> None:
    """Refuse, before any work, a ``--timeline`` target that cannot be written."""
    from ssaser.cli.paths import writable_file, writable_folder
    from ssaser.inference.timeline import TIMELINE_SUFFIXES

    if len(inputs) == 1 and out.suffix.lower() in TIMELINE_SUFFIXES:
        writable_file(out, "--timeline")
    elif out.suffix.lower() in TIMELINE_SUFFIXES and not out.is_dir():
        raise SsaserError(f"--timeline {out}: one file cannot hold the timelines of {len(inputs)} inputs; "
                          "give a folder")
    else:
        writable_folder(out, "--timeline")


def split_inputs(args: argparse.Namespace) -> None:
    """Set ``args.model_dir`` and ``args.audio`` from ``--model`` and the positional arguments."""
    from ssaser.cli.paths import expand_inputs, require_model_dir

    inputs = list(args.inputs)
    if args.model is None:
        if len(inputs) < 2:
            raise SsaserError("give MODEL then AUDIO files, or --model MODEL and AUDIO files")
        args.model, inputs = str(inputs[0]), inputs[1:]
    args.model_dir, args.audio = require_model_dir(args.model), expand_inputs(inputs)


def run(args: argparse.Namespace) -> int:
    split_inputs(args)
    if args.timeline:
        check_timeline_target(args.audio, args.timeline)

    recognizer = load_recognizer(args, args.batch_size)
    if args.timeline:
        recognizer.hop_frames(args.hop)  # a bad --hop is one error, not one per file
    started = time.perf_counter()
    rows, failed, written = (_with_timelines(args, recognizer) if args.timeline
                             else _corpus_rows(args, recognizer))
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_table(rows, recognizer.labels))
        print(f"normalisation: {recognizer.normalization.describe()}; backend: {recognizer.backend.name}")
    if written:
        where = args.timeline if len(written) > 1 and args.timeline.is_dir() else written[0]
        print(f"wrote {len(written)} timeline file(s) to {where}", file=sys.stderr)
    if len(rows) > 1:
        audio = sum(row.get("duration", 0.0) for row in rows)
        print(f"ssaser predict: {len(rows)} files, {audio / 60:.1f} min of audio in {seconds:.1f} s "
              f"({audio / max(seconds, 1e-9):.0f}x real time)", file=sys.stderr)
    return 1 if failed else 0


def _bar(total: int):
    from tqdm import tqdm

    # None: a bar only on a terminal
    return tqdm(total=total, desc="predict", unit="file", disable=True if total < 2 else None, file=sys.stderr)


def _corpus_rows(args: argparse.Namespace, recognizer) -> tuple[list[dict[str, Any]], int, list[Path]]:
    """Many files: decoded ahead in threads, windows batched across files."""
    from ssaser.inference.corpus import classify_files

    rows, failed = [], 0
    with _bar(len(args.audio)) as bar:
        for result in classify_files(recognizer, args.audio, threads=args.decode_threads, progress=bar.update):
            if result.error is not None:
                failed += 1
                bar.write(f"ssaser predict: error: {result.error}", file=sys.stderr)
                rows.append({"file": str(result.path), "error": result.error})
            else:
                rows.append(result.prediction.to_dict())
    return rows, failed, []


def _with_timelines(args: argparse.Namespace, recognizer) -> tuple[list[dict[str, Any]], int, list[Path]]:
    from ssaser.inference.timeline import TIMELINE_SUFFIXES

    rows, failed, written = [], 0, []
    targets = timeline_targets(args.audio, args.timeline)
    with _bar(len(args.audio)) as bar:
        for path, target in zip(args.audio, targets):
            try:
                prediction, timeline = recognizer.analyze(path, args.hop)
                row = prediction.to_dict()
                files = [timeline.write(target)] if target.suffix.lower() in TIMELINE_SUFFIXES \
                    else timeline.write_all(target)
                written.extend(files)
                row["timeline_files"] = [str(p) for p in files]
            except SsaserError as exc:
                failed += 1
                bar.write(f"ssaser predict: error: {exc}", file=sys.stderr)
                row = {"file": str(path), "error": str(exc)}
            rows.append(row)
            bar.update(1)
    return rows, failed, written
