"""``hakobu down``: stop the app's local tasks as ECS stops them, and remove all they left."""

from __future__ import annotations

import argparse
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.containers.runtime import detect_runtime
from hakobu.engines.local.engine import down
from hakobu.engines.local.service.api import stop_services


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "down",
        help=COMMANDS["down"],
        description=(
            "Stop every local task of the app: containers get SIGTERM in reverse dependsOn order, "
            "then SIGKILL after their own stopTimeout. Then remove everything labelled as the "
            "app's, even what a crashed hakobu left behind."
        ),
    )
    common.add_json_option(parser)
    common.add_dry_run_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    # Services first: their controllers stop their tasks (drained) and do not replace them.
    actions = stop_services(app.root, dry_run=args.dry_run)
    actions += down(detect_runtime(), app.root, dry_run=args.dry_run)
    if args.json:
        common.print_json({"dry_run": args.dry_run, "actions": actions})
    elif not actions:
        print("nothing to stop")
    else:
        prefix = "would " if args.dry_run else ""
        for action in actions:
            print(f"{prefix}{action}")
    return 0
