"""``hakobu scale N``: change the desired count of the local service, as update-service does."""

from __future__ import annotations

import argparse
from typing import Any

from hakobu.cli import common, services
from hakobu.cli.commands import COMMANDS
from hakobu.containers.runtime import detect_runtime
from hakobu.engines.local.service import api, records


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scale",
        help=COMMANDS["scale"],
        description=(
            "Set the service's desired count (no new deployment, as `aws ecs update-service "
            "--desired-count`). Scale-in deregisters tasks from the load balancer, drains them "
            "and only then sends them SIGTERM. Waits until the service is steady."
        ),
    )
    parser.add_argument("count", type=int, metavar="N", help="the desired count")
    parser.add_argument("--service", metavar="NAME", help="the service (default: the app's)")
    parser.add_argument("--no-wait", action="store_true", help="return at once")
    parser.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS", help="default: 600"
    )
    common.add_json_option(parser)
    common.add_dry_run_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    name = services.service_name(app, args.service)
    directory = services.directory(app, name)
    if args.dry_run:
        current = records.read_state(directory)
        before = current.desired_count if current else 0
        if args.json:
            common.print_json({"service": name, "desiredCount": args.count, "was": before})
        else:
            print(f"would scale service {name} from {before} to {args.count} tasks")
        return 0
    offset = api.events_size(directory)
    generation = api.scale(app, detect_runtime(), name, args.count)
    if args.no_wait:
        return 0
    on_event = None if args.json else services.print_event
    outcome = api.wait(
        directory, generation, on_event=on_event, timeout=args.timeout, events_from=offset
    )
    if args.json:
        common.print_json(api.describe(app.root, outcome.state))
    else:
        print(outcome.message)
    return 0 if outcome.ok else 1
