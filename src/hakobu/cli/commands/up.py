"""``hakobu up``: run one task of the app's task definition locally, as ECS on Fargate would."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.containers.runtime import detect_runtime
from hakobu.engines.local import engine
from hakobu.engines.local.app import local_secret_resolver, prepare_task
from hakobu.engines.local.plan import TaskPlan
from hakobu.engines.local.state import TaskState


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "up",
        help=COMMANDS["up"],
        description=(
            "Run one task of the app's task definition locally: containers share one network "
            "namespace, secrets come from the local store, health checks, essential and dependsOn "
            "behave as on ECS. Returns once the task is running and healthy; a supervisor keeps "
            "the task going until `hakobu down`."
        ),
    )
    common.add_env_option(parser)
    parser.add_argument("--image", help="image for <IMAGE1_NAME> (default: the last build)")
    parser.add_argument(
        "--attach",
        action="store_true",
        help="stay in the foreground, stream the logs, stop the task on Ctrl-C",
    )
    common.add_json_option(parser)
    common.add_dry_run_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    loaded = common.load_rendered_task_definition(app, args.env, args.image)
    prepared = prepare_task(app, loaded, args.env)
    inputs, plan = prepared.inputs, prepared.plan
    for warning in prepared.warnings:
        common.warn(warning)
    resolver = local_secret_resolver(app)
    if args.dry_run:
        resolver(plan)  # a missing secret fails the dry run too
        _print_plan(plan, args.json)
        return 0
    runtime = detect_runtime()
    printer = _ProgressPrinter(quiet=args.json)
    final = engine.up(
        runtime,
        inputs,
        resolver,
        attach=args.attach,
        console=sys.stdout,
        on_progress=printer,
    )
    if args.json:
        common.print_json(final.to_dict())
    elif not args.attach:
        _print_ready(final)
    return 0


class _ProgressPrinter:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.seen: set[str] = set()

    def __call__(self, s: TaskState) -> None:
        if self.quiet:
            return
        for line in [f"task {s.task_id[:12]} {s.last_status}"] + [
            f"  {c.name}: {c.last_status}" + (f" ({c.health_status})" if c.has_health_check else "")
            for c in s.containers
        ]:
            if line not in self.seen:
                self.seen.add(line)
                common.note(line)


def _print_ready(s: TaskState) -> None:
    print(f"task {s.task_id} is {s.last_status} (health {s.health_status})")
    for port in s.ports:
        host, _, container = port.partition("->")
        print(f"  {container:<10} -> http://{host}/")
    print("  logs: hakobu logs --follow    stop: hakobu down")


def _print_plan(plan: TaskPlan, as_json: bool) -> None:
    ports = [f"{p.host_ip}:{p.host_port}->{p.container_port}/{p.protocol}" for p in plan.pod.ports]
    if not as_json:
        print(f"would create pod {plan.pod.name} publishing {', '.join(ports) or 'no ports'}")
        for c in plan.containers:
            print(f"  would start {c.definition.name} ({c.spec.image})")
        return
    common.print_json(
        {
            "pod": plan.pod.name,
            "ports": ports,
            "containers": [
                {
                    "name": c.definition.name,
                    "image": c.spec.image,
                    "essential": c.definition.essential,
                    "dependsOn": [
                        f"{d.container_name}:{d.condition}" for d in c.definition.depends_on
                    ],
                    "stopTimeout": c.spec.stop_timeout,
                    "secrets": [env for env, _ in c.spec.secret_env],
                }
                for c in plan.containers
            ],
            "warnings": list(plan.warnings),
        }
    )
