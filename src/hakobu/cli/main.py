"""``hakobu [-C DIR] COMMAND``: parse, dispatch, map exceptions to exit codes.

Exit codes: 0 ok, 1 findings or failure, 2 bad input or usage. Only this module prints errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from hakobu import __version__
from hakobu.cli.commands import COMMANDS
from hakobu.errors import HakobuError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"hakobu: error: {message} (see 'hakobu --help')\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with ``command``'s own arguments (None: every command's)."""
    parser = _Parser(
        prog="hakobu",
        description="Carry a containerized app from its repository to ECS on Fargate.",
    )
    parser.add_argument("--version", action="version", version=f"hakobu {__version__}")
    parser.add_argument(
        "-C",
        dest="directory",
        metavar="DIR",
        help="run as if hakobu was started in DIR (as git -C and make -C do)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name, summary in COMMANDS.items():
        if command is None or name == command:
            import_module(f"hakobu.cli.commands.{name}").register(subparsers)
        else:  # listed in `hakobu --help`; never parsed, as the command line names another
            subparsers.add_parser(name, help=summary)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs: its first word that is not an option (nor -C's value)."""
    words = iter(argv)
    for word in words:
        if word in ("-C", "--"):
            if word == "-C":
                next(words, None)
            continue
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_named(argv) or "")
    args = parser.parse_args(argv)
    try:
        if args.directory:
            try:
                os.chdir(args.directory)
            except OSError as e:
                print(f"hakobu: error: -C {args.directory}: {e.strerror}", file=sys.stderr)
                return 2
        code: int = args.func(args)
        return code
    except HakobuError as e:
        print(f"hakobu: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("hakobu: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
