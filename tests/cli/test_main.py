"""The dispatcher: one-line errors, help, broken pipes, no traceback for user errors."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from ssaser.cli import main as cli_main
from ssaser.errors import AudioError


def _install_fake(monkeypatch: pytest.MonkeyPatch, handler) -> None:
    module = types.ModuleType("ssaser.cli.fake")

    def register(subparsers):
        parser = subparsers.add_parser("fake")
        parser.set_defaults(handler=handler)

    module.register = register
    monkeypatch.setitem(sys.modules, "ssaser.cli.fake", module)
    monkeypatch.setattr(cli_main, "SUBCOMMAND_MODULES", ("fake",))


def test_user_error_is_one_line_and_exit_1(monkeypatch, capsys):
    def handler(args):
        raise AudioError("x.wav", "file is empty")

    _install_fake(monkeypatch, handler)
    assert cli_main.main(["fake"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "ssaser fake: error: x.wav: file is empty"


def test_broken_pipe_exits_quietly(monkeypatch, capsys):
    def handler(args):
        raise BrokenPipeError

    _install_fake(monkeypatch, handler)
    monkeypatch.setattr(cli_main, "_silence_stdout", lambda: None)
    assert cli_main.main(["fake"]) == 141
    assert "Traceback" not in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert cli_main.main([]) == 2
    assert "usage: ssaser" in capsys.readouterr().out


def test_every_subcommand_is_registered():
    parser = cli_main.build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert set(choices) == set(cli_main.SUBCOMMAND_MODULES)


def test_help_does_not_import_torch():
    code = "import sys; from ssaser.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("argv", [
    ["predict", "missing_dir", "x.wav"], ["predict", "--model", "no-such-model", "x.wav"],
    ["train", "--manifest", "missing.csv", "--out", "o"], ["cv", "--manifest", "missing.csv", "--out", "o"],
    ["evaluate", "missing_dir", "m.csv", "--out", "o"], ["enroll", "missing.wav", "--out", "s.json"],
    ["features", "missing.wav", "--out", "f.npy"], ["serve", "missing_dir"], ["export", "missing_dir"],
    ["train", "--manifest", __file__, "--emotions", "anger,,sadness", "--out", "o"],
])
def test_argument_errors_are_answered_before_torch_loads(argv, tmp_path):
    """A typo is answered in well under a second: torch (2-20 s to import) is never loaded for it."""
    code = ("import sys; from ssaser.cli.main import main; rc = main(sys.argv[1:]); "
            "print(rc, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.split() == ["1", "False"], done.stderr
    assert done.stderr.count("\n") == 1 and "error:" in done.stderr


def test_every_option_has_help_that_shows_its_default():
    import argparse

    parser = cli_main.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = []
    for name, sub in commands.items():
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction)) or not action.option_strings:
                continue
            text = action.help or ""
            flag = isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
            if not text or (action.default not in (None, [], argparse.SUPPRESS) and not flag
                            and "default" not in text):
                missing.append(f"{name} {action.option_strings[0]}")
    assert not missing, f"options without help or without their default: {', '.join(missing)}"


def test_warning_lines_print_our_warnings_as_one_line_and_pass_others_on(capsys):
    import warnings

    from ssaser.errors import SsaserWarning, warning_lines

    seen = []
    show = warning_lines("ssaser cv", lambda *args: seen.append(args[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        warnings.warn("bf16 falls back", SsaserWarning)
        warnings.warn("something else", DeprecationWarning)
    assert capsys.readouterr().err == "ssaser cv: warning: bf16 falls back\n"
    assert seen == [DeprecationWarning]
