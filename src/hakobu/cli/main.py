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

# Explicit, ordered registry: `hakobu --help` lists commands in this order. Each command lives in
# hakobu.cli.commands.<name>; only the one being run is imported (importing all of them costs more
# than half a second of every command), so the one-line help of the others is kept here, and a
# test keeps it equal to what each module registers.
COMMANDS: dict[str, str] = {
    "build": "build the image, tagged with the git commit (never latest)",
    "render": "print the task definition rendered for an environment",
    "up": "run the task definition locally with Fargate semantics",
    "ps": "list the app's local tasks, their containers, status and health",
    "down": "stop the app's local tasks and remove their containers, pods and secrets",
    "logs": "show the output of the app's local tasks (the latest by default)",
    "deploy": "run the service locally behind a load balancer; roll out changes",
    "scale": "set how many tasks the local service runs",
    "events": "show the local service's events (deployments, tasks, load balancer)",
    "secret": "set, list and remove the app's local secrets",
    "check": "review the repository against the talk's practices",
    "rules": "list the rules of `hakobu check`",
    "explain": "explain one rule of `hakobu check`",
}


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
