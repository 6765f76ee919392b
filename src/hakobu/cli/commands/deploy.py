"""``hakobu deploy``: run the app as an ECS service locally, and roll out every change.

The first deploy starts the service: a controller process, the load balancer on one host port,
and the desired count of tasks. Each later deploy registers a new task definition revision when
something changed and rolls it out as ECS's rolling update does, circuit breaker included.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hakobu.cli import common, services
from hakobu.cli.commands import COMMANDS
from hakobu.config import AppConfig
from hakobu.containers.runtime import detect_runtime
from hakobu.engines.local.app import local_secret_resolver, prepare_task
from hakobu.engines.local.service import api
from hakobu.engines.local.service.coverage import unemulated_service_fields


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "deploy",
        help=COMMANDS["deploy"],
        description=(
            "Register the task definition (a new revision when it changed) and deploy it to the "
            "local service described by servicedef.json: new tasks within maximumPercent, "
            "registered with the load balancer once healthy, old ones drained and stopped within "
            "minimumHealthyPercent; the circuit breaker rolls a failing revision back. Waits "
            "until the service is steady and prints its events."
        ),
    )
    common.add_env_option(parser)
    parser.add_argument("--image", help="image for <IMAGE1_NAME> (default: the last build)")
    parser.add_argument(
        "--force-new-deployment",
        action="store_true",
        help="replace every task even when nothing changed",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="return once the deployment has started"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for a steady state (default: 600, as `aws ecs wait`)",
    )
    parser.add_argument(
        "--stop",
        action="store_true",
        help="stop the blue/green deployment in progress and shift traffic back "
        "(as `aws deploy stop-deployment --auto-rollback-enabled`)",
    )
    common.add_json_option(parser)
    common.add_dry_run_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    if args.stop:
        return _stop(app, args)
    task, service = services.load_definitions(app, args.env, args.image)
    prepared = prepare_task(app, task, args.env)
    plan = prepared.plan
    for warning in prepared.warnings:
        common.warn(warning)
    for warning in unemulated_service_fields(service.raw):
        common.warn(f"{service.display}: {warning}")
    local_secret_resolver(app)(plan)  # a missing secret fails before anything changes
    if args.dry_run:
        deploy_plan = api.plan_deploy(app, args.env, task, service, force=args.force_new_deployment)
        _print_plan(deploy_plan, args.json)
        return 0
    runtime = detect_runtime()
    api.check_images(runtime, plan)
    directory = services.directory(app, service.model.name)
    offset = api.events_size(directory)
    deploy_plan, generation = api.deploy(
        runtime, app, args.env, task, service, force=args.force_new_deployment
    )
    if not args.json:
        _print_plan(deploy_plan, as_json=False, prefix="")
    if args.no_wait:
        return 0
    return _follow(app, args, directory, generation, offset, deploy_plan.revision)


def _follow(
    app: AppConfig,
    args: argparse.Namespace,
    directory: Path,
    generation: int,
    offset: int,
    revision: str | None = None,
) -> int:
    """Wait for the service to settle, printing its events; 0 when it got where it was sent."""
    on_event = None if args.json else services.print_event
    outcome = api.wait(
        directory,
        generation,
        on_event=on_event,
        timeout=args.timeout,
        events_from=offset,
        revision=revision,
    )
    return _report(app, args, outcome)


def _report(app: AppConfig, args: argparse.Namespace, outcome: api.Outcome) -> int:
    if args.json:
        common.print_json(api.describe(app.root, outcome.state))
    else:
        print(outcome.message)
    return 0 if outcome.ok else 1


def _stop(app: AppConfig, args: argparse.Namespace) -> int:
    name = services.service_name(app, None)
    directory = services.directory(app, name)
    if args.dry_run:  # a mutating verb's --dry-run changes nothing
        print(f"would stop deployment {api.deployment_to_stop(app, name)} of service {name}")
        return 0
    offset = api.events_size(directory)
    stopped, generation = api.stop_deployment(app, detect_runtime(), name)
    if not args.json:
        print(f"stopping deployment {stopped} of service {name} (unless it is past stopping)")
    if args.no_wait:
        return 0
    # The controller may refuse the stop (the deployment reached its clean-up meanwhile): the
    # outcome says which, and the exit code with it.
    outcome = api.wait_for_stop(
        directory,
        generation,
        stopped,
        on_event=None if args.json else services.print_event,
        timeout=args.timeout,
        events_from=offset,
    )
    return _report(app, args, outcome)


def _print_plan(plan: api.DeployPlan, as_json: bool, prefix: str = "would ") -> None:
    for warning in (plan.codedeploy or {}).get("unemulated", []):
        common.warn(warning)
    if as_json:
        common.print_json(plan.to_dict())
        return
    revision = f"{plan.revision} ({'new revision' if plan.new_revision else 'unchanged'})"
    action = "deploy" if plan.new_deployment else "keep"
    print(f"{prefix}{action} {revision} to service {plan.service}, {plan.desired_count} tasks")
    if plan.listener:
        print(f"  load balancer: http://{plan.listener}/")
    if plan.test_listener:
        print(f"  test listener: http://{plan.test_listener}/")
    if plan.strategy == "ROLLING":
        print(
            f"  rolling update: at least {plan.minimum_healthy_tasks} healthy, "
            f"at most {plan.maximum_tasks} running"
        )
    else:
        shifts = ", ".join(f"{share:g}% then {bake} min" for share, bake in plan.traffic_steps)
        label = plan.strategy.lower().replace("_", "/")
        if plan.codedeploy:  # "CODE_DEPLOY <configuration name>", as written
            label = plan.strategy
        print(f"  {label}: production traffic {shifts}")
    if plan.circuit_breaker_threshold is not None:
        print(f"  circuit breaker: fails after {plan.circuit_breaker_threshold} failed tasks")
