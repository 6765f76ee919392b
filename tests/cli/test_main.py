"""The command line's dispatch: only the command being run is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hakobu.cli import main as cli


def test_every_command_registers_the_help_listed_for_it() -> None:
    parser = cli.build_parser()  # imports every command module
    (subparsers,) = [a for a in parser._actions if a.dest == "command"]
    listed = {choice.dest: choice.help for choice in subparsers._choices_actions}
    assert listed == cli.COMMANDS


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["build"], "build"),
        (["-C", "app", "up", "--attach"], "up"),
        (["--version"], None),
        (["-C", "check"], None),  # "check" is -C's directory here; no command follows
        (["nonsense"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_that_is_not_an_option(
    argv: list[str], command: str | None
) -> None:
    assert cli.command_named(argv) == command


def test_running_a_command_imports_only_its_own_module() -> None:
    probe = (
        "import sys\n"
        "from hakobu.cli import main\n"
        "try:\n"
        "    main.main(['rules', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('hakobu.cli.commands.'))\n"
        "print(' '.join(loaded), 'engine' if 'hakobu.engines.local.engine' in sys.modules else '',"
        " file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stderr.split() == ["hakobu.cli.commands.rules"]


def test_help_lists_every_command_without_importing_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for name, summary in cli.COMMANDS.items():
        assert name in out and summary.split()[0] in out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["nonsense"])
    assert exited.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err
