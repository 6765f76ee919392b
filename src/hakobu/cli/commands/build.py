"""``hakobu build``: build the app's image, tagged with the git commit, and record its digest."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.containers.runtime import detect_runtime
from hakobu.images.build import build_image


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "build",
        help=COMMANDS["build"],
        description=(
            "Build the app's Dockerfile with docker or podman. The tag is the git commit, with a "
            "'-dirty-HASH' marker when the tree has changes; the image ID and digest are recorded "
            "in .hakobu/build.json for up, render and deploy."
        ),
    )
    common.add_json_option(parser)
    common.add_dry_run_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    runtime = detect_runtime()
    record = build_image(runtime, app, dry_run=args.dry_run)
    if args.json:
        common.print_json(asdict(record))
    elif args.dry_run:
        print(f"would build {record.image} from {app.dockerfile}")
    else:
        if record.dirty:
            common.warn("the tree has uncommitted changes: the tag says -dirty")
        print(f"built {record.image}")
        print(f"  image id {record.image_id}")
        if record.digest:
            print(f"  digest   {record.digest}")
    return 0
