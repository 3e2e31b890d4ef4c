"""Entry point of the ``ssaser`` console script.

Each subcommand lives in its own module ``ssaser.cli.<name>`` that defines
``register(subparsers)``; heavy imports (torch, lightning) happen inside the handlers so
that ``ssaser --help`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from typing import Iterator, Sequence

from ssaser import __version__
from ssaser.errors import SsaserError

#: Subcommand modules, in the order of the pipeline (audio -> features -> data -> models
#: -> training -> inference -> serve).
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "features",
    "synth",
    "prepare",
    "describe",
    "train",
    "cv",
    "table1",
    "demo",
    "compare",
    "ensemble",
    "models",
    "enroll",
    "predict",
    "evaluate",
    "export",
    "serve",
)


class UsageError(Exception):
    """A command line that argparse refuses; ``prog`` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors reach :func:`main` as :class:`UsageError` (one line, exit 2)
    instead of a usage block and ``SystemExit`` from deep inside ``parse_args``."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ssaser",
        description="Speaker-attentive speech emotion recognition.",
    )
    parser.add_argument("--version", action="version", version=f"ssaser {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"ssaser.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ssaser.cli.{name}":
                continue  # subcommand not built yet
            raise
        module.register(subparsers)
    return parser


#: Commands that train: they run with glibc tunables that keep freed memory (ssaser.runtime).
TRAINING_COMMANDS: frozenset[str] = frozenset({"train", "cv", "demo"})


def wants_retained_memory(argv: Sequence[str]) -> bool:
    """Whether this command line trains and did not ask for ``--system-malloc``."""
    return bool(argv) and argv[0] in TRAINING_COMMANDS and "--system-malloc" not in argv


def console() -> None:
    """The ``ssaser`` console script and ``python -m ssaser``.

    A training command first restarts itself with :data:`ssaser.runtime.MALLOC_TUNABLES`
    (glibc reads them only when a process starts): paper-size CPU training steps 1.15-1.35x
    faster (benchmarks/README.md).
    """
    argv = sys.argv[1:]
    if wants_retained_memory(argv):
        from ssaser.runtime import reexec_with_retained_memory

        reexec_with_retained_memory()
    sys.exit(main(argv))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"{exc.prog}: error: {exc} (see {exc.prog} --help)", file=sys.stderr)
        return 2
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        with _sigterm_as_keyboard_interrupt(), _warnings_as_lines(args.command):
            return int(args.handler(args) or 0)
    except SsaserError as exc:
        print(f"ssaser {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `ssaser predict ... | head`: the reader left; stop quietly like other Unix tools.
        _silence_stdout()
        return 141
    except OSError as exc:
        # A folder that cannot be made, a full disk: the system's own words, on one line.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ssaser {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ssaser {args.command}: interrupted", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _warnings_as_lines(command: str) -> Iterator[None]:
    """Print the package's own warnings as ``ssaser CMD: warning: ...`` (no file and line)."""
    import warnings

    from ssaser.errors import warning_lines

    previous = warnings.showwarning
    show = warning_lines(f"ssaser {command}", previous)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


@contextlib.contextmanager
def _sigterm_as_keyboard_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM stops the command like Ctrl-C does.

    The default SIGTERM action ends the process at once, skipping every ``finally`` and
    ``except`` clause: ``ssaser cv --jobs`` could not stop its workers, nor a command remove
    its temporary files. A handler installed by someone else (a test runner, a server) and
    threads other than the main one are left alone.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    console()
