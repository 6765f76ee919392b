"""``hakobu render``: the task definition as it would be registered for an environment.

The output is ``RegisterTaskDefinition`` input, ready for ``aws ecs register-task-definition
--cli-input-json file://-``. Secrets appear as their ``valueFrom`` only: a task definition never
holds secret values, and rendering resolves none.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render",
        help=COMMANDS["render"],
        description=(
            "Substitute ${NAME} values of hakobu.toml and the built image for <IMAGE1_NAME>, "
            "validate the result against the ECS API model and the Fargate rules, and print it "
            "as register-task-definition input (JSON)."
        ),
    )
    common.add_env_option(parser)
    parser.add_argument(
        "--image", metavar="IMAGE", help="image for <IMAGE1_NAME> (default: the last build)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    loaded = common.load_rendered_task_definition(app, args.env, args.image)
    # Keys stay in the file's order, so the output reads side by side with the source.
    sys.stdout.write(json.dumps(loaded.raw, indent=2, ensure_ascii=False) + "\n")
    return 0
