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
from hakobu.errors import HakobuError

# Explicit, ordered registry: `hakobu --help` lists commands in this order.
COMMAND_MODULES = (
    "build",
    "render",
    "up",
    "ps",
    "down",
    "logs",
    "deploy",
    "scale",
    "events",
    "secret",
    "check",
    "rules",
    "explain",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"hakobu: error: {message} (see 'hakobu --help')\n")


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        module = import_module(f"hakobu.cli.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
