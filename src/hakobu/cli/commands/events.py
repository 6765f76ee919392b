"""``hakobu events``: the local service's events, as ``describe-services`` lists them."""

from __future__ import annotations

import argparse
import time
from typing import Any

from hakobu.cli import common, services
from hakobu.cli.commands import COMMANDS
from hakobu.engines.local.service import api, records


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "events",
        help=COMMANDS["events"],
        description=(
            "The service's events in ECS's wording, oldest first (--json: the service as "
            "describe-services shows it, events newest first)."
        ),
    )
    parser.add_argument("--service", metavar="NAME", help="the service (default: the app's)")
    parser.add_argument(
        "-n", "--limit", type=int, default=100, metavar="N", help="at most N events (100)"
    )
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new events")
    common.add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    name = services.service_name(app, args.service)
    directory = services.directory(app, name)
    state = records.read_state(directory)
    if args.json:
        if state is None:
            common.print_json(None)
        else:
            common.print_json(api.describe(app.root, state, events=args.limit))
        return 0
    events, offset = records.read_events(directory)
    if not events and not args.follow:
        print(f"no events for service {name} (start it with `hakobu deploy`)")
        return 0
    for event in events[-args.limit :]:
        print(services.format_event(event), flush=True)
    while args.follow:
        time.sleep(0.2)
        events, offset = records.read_events(directory, offset)
        for event in events:
            print(services.format_event(event), flush=True)
    return 0
