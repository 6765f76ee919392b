"""Blue/green deployments as CodeDeploy runs them for a ``deploymentController: CODE_DEPLOY``
service, on the native blue/green machinery.

CodeDeploy's lifecycle events map one to one onto the stages ``bluegreen.py`` already drives (AWS,
"What happens during an Amazon ECS deployment"): ``BeforeInstall`` before the replacement task
set exists, ``Install`` creates it in the second target group, ``AllowTestTraffic`` points the
test listener at it, ``AllowTraffic`` shifts the production listener as the deployment
configuration says (canary, linear or all at once), and the original task set is terminated
``terminationWaitTimeInMinutes`` later. A hook is a local command standing in for its Lambda
function; a failed one, or a replacement task set whose tasks keep failing, fails the deployment
and rolls it back: traffic returns to the original task set, as CodeDeploy's automatic rollback
on ``DEPLOYMENT_FAILURE`` does. So this module only translates: settings at deploy time, the
deployment configuration for the controller, and the lifecycle's hooks and event names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hakobu.config import AppConfig, CodeDeployConfig, find_key_line
from hakobu.engines.local.service.bluegreen import (
    BAKE_TIME,
    CLEAN_UP,
    POST_PRODUCTION_TRAFFIC_SHIFT,
    POST_SCALE_UP,
    POST_TEST_TRAFFIC_SHIFT,
    PRE_PRODUCTION_TRAFFIC_SHIFT,
    PRE_SCALE_UP,
    PRODUCTION_TRAFFIC_SHIFT,
    SCALE_UP,
    TEST_TRAFFIC_SHIFT,
    Transition,
)
from hakobu.engines.local.service.codedeploy_appspec import find_appspec, load_appspec
from hakobu.engines.local.service.coverage import APPSPEC_WARNED
from hakobu.engines.local.service.records import Deployment, Desired
from hakobu.errors import ConfigError
from hakobu.spec.appspec import (
    ALL_AT_ONCE,
    CANARY,
    HOOK_EVENTS,
    PREDEFINED_CONFIGS,
    TrafficRouting,
)
from hakobu.spec.service import (
    CircuitBreaker,
    DeploymentConfiguration,
    LifecycleHook,
    LoadBalancerRef,
    ServiceDefinition,
    parse_service_definition,
)
from hakobu.spec.taskdef import TaskDefinition

CODE_DEPLOY = "CODE_DEPLOY"
# The CodeDeploy lifecycle event each native stage stands for.
EVENTS: Mapping[str, str] = {
    PRE_SCALE_UP: "BeforeInstall",
    SCALE_UP: "Install",
    POST_SCALE_UP: "AfterInstall",
    TEST_TRAFFIC_SHIFT: "AllowTestTraffic",
    POST_TEST_TRAFFIC_SHIFT: "AfterAllowTestTraffic",
    PRE_PRODUCTION_TRAFFIC_SHIFT: "BeforeAllowTraffic",
    PRODUCTION_TRAFFIC_SHIFT: "AllowTraffic",
    POST_PRODUCTION_TRAFFIC_SHIFT: "AfterAllowTraffic",
}
STAGES: Mapping[str, str] = {event: stage for stage, event in EVENTS.items()}


# -- at deploy time ------------------------------------------------------------------------------


def traffic_routing(app: AppConfig) -> TrafficRouting:
    """The deployment group's configuration: a predefined one or one of [service.codedeploy]."""
    config = app.codedeploy
    name = config.deployment_config_name
    if name in config.deployment_configs:
        kind, percentage, interval = config.deployment_configs[name]
        return TrafficRouting(kind, percentage, interval)
    if name in PREDEFINED_CONFIGS:
        return PREDEFINED_CONFIGS[name]
    known = [*PREDEFINED_CONFIGS, *config.deployment_configs]
    raise _config_error(
        app,
        ("deployment_config_name",),
        f'"{name}" is neither a predefined ECS configuration nor declared here',
        "one of: " + ", ".join(known),
    )


def settings(app: AppConfig, task: TaskDefinition) -> dict[str, Any]:
    """What the controller needs of the AppSpec and [service.codedeploy], checked now: a bad
    AppSpec or a hook without a command fails ``deploy`` (exit 2), not the controller."""
    config = app.codedeploy
    path = find_appspec(app.root, config.appspec)
    if path is None:
        raise ConfigError(
            "a CODE_DEPLOY service deploys what its AppSpec file says: there is none",
            file=app.path,
            field="service.codedeploy.appspec",
            fix="write appspec.yaml beside hakobu.toml (docs/services.md), or name it here",
        )
    loaded = load_appspec(path, task)
    appspec, routing = loaded.model, traffic_routing(app)
    return {
        "appspec": str(path),
        "deployment_config_name": config.deployment_config_name,
        "traffic": [routing.type, routing.percentage, routing.interval_minutes],
        "termination_wait_minutes": config.termination_wait_time_in_minutes,
        "seconds_per_minute": config.seconds_per_minute,
        "container_name": appspec.container_name,
        "container_port": appspec.container_port,
        "hooks": _hook_commands(app, appspec.hooks),
        "unemulated": [
            f"{loaded.display}: {name}: {why}"
            for name, why in APPSPEC_WARNED.items()
            if appspec.properties.get(name) is not None
        ],
    }


def _hook_commands(app: AppConfig, functions: Mapping[str, str]) -> dict[str, list[str]]:
    """lifecycle event -> [Lambda function, local command]; by event in [service.codedeploy.hooks],
    else by the function's ARN in [service.hooks]."""
    by_event = app.codedeploy.hooks
    for event in by_event:
        if event not in HOOK_EVENTS:
            raise _config_error(
                app, ("hooks", event), f'"{event}" is not a lifecycle event with a hook',
                "one of: " + ", ".join(HOOK_EVENTS),
            )  # fmt: skip
        if event not in functions:
            raise _config_error(
                app, ("hooks", event), f"the AppSpec names no {event} hook: it would never run",
                f"add `- {event}: FUNCTION` to the AppSpec's Hooks, or remove this line",
            )  # fmt: skip
    result = {}
    for event, function in functions.items():
        command = by_event.get(event) or app.hooks.get(function)
        if command is None:
            raise _config_error(
                app, ("hooks",), f"AppSpec hook {event} ({function}) has no local command",
                f'add [service.codedeploy.hooks] {event} = "COMMAND" (exit 0: Succeeded)',
            )  # fmt: skip
        result[event] = [function, command]
    return result


def _config_error(app: AppConfig, keys: tuple[str, ...], message: str, fix: str) -> ConfigError:
    where = ("service", "codedeploy", *keys)
    try:
        line = find_key_line(app.path.read_text(encoding="utf-8"), where)
    except OSError:
        line = None
    return ConfigError(message, file=app.path, line=line, field=".".join(where), fix=fix)


# -- in the controller ---------------------------------------------------------------------------


def service_for(desired: Desired) -> ServiceDefinition:
    """The service definition the controller runs: for CODE_DEPLOY, its deployment configuration
    in the native terms (strategy, steps, bake time = termination wait) and the AppSpec's
    container and port behind the load balancer."""
    service = parse_service_definition(desired.service)
    s = desired.codedeploy
    if service.controller != CODE_DEPLOY or not s:
        return service
    return replace(
        service,
        deployment=deployment_configuration(s, service.deployment),
        load_balancers=(
            LoadBalancerRef(
                s["container_name"],
                s["container_port"],
                service.load_balancer.target_group_arn if service.load_balancer else None,
            ),
        ),
    )


def deployment_configuration(
    s: Mapping[str, Any], base: DeploymentConfiguration
) -> DeploymentConfiguration:
    kind, percentage, interval = s["traffic"]
    strategy = {CANARY: "CANARY", ALL_AT_ONCE: "BLUE_GREEN"}.get(kind, "LINEAR")
    return replace(
        base,
        # Locally, a replacement task set whose tasks keep failing fails the Install event after
        # as many failed tasks as ECS's circuit breaker allows (CodeDeploy waits for a steady
        # task set instead), and DEPLOYMENT_FAILURE rolls back.
        circuit_breaker=CircuitBreaker(enable=True, rollback=True),
        strategy=strategy,
        bake_time_minutes=s["termination_wait_minutes"],
        linear=(float(percentage), interval),
        canary=(float(percentage), interval),
        hooks=(),
        minute_seconds=float(s["seconds_per_minute"]),
    )


def strategy(service: ServiceDefinition) -> str:
    """What a new deployment records as its strategy: CODE_DEPLOY, or ECS's strategy."""
    return CODE_DEPLOY if service.controller == CODE_DEPLOY else service.deployment.strategy


def stage_label(d: Deployment) -> str | None:
    """The deployment's stage as ``hakobu ps`` names it: CodeDeploy's lifecycle event for a
    CODE_DEPLOY deployment, ECS's lifecycle stage otherwise."""
    if d.stage is not None and d.strategy == CODE_DEPLOY:
        after = {BAKE_TIME: "waiting to terminate the original task set", CLEAN_UP: "terminating"}
        return EVENTS.get(d.stage) or after.get(d.stage, d.stage)
    return d.stage


class CodeDeployProgram:
    """The lifecycle's hooks and events in CodeDeploy's terms (see ``lifecycle.Program``)."""

    def __init__(self, desired: Desired) -> None:
        self.name = desired.name
        self.settings = desired.codedeploy or {}
        self.hooks_by_event: Mapping[str, list[str]] = self.settings.get("hooks", {})

    def hooks(self, d: Deployment) -> list[LifecycleHook]:
        event = self.stage_name(d)
        if d.stage == PRE_PRODUCTION_TRAFFIC_SHIFT and d.step > 0:
            return []  # "Each hook is executed once per deployment", not once per linear step
        if event not in self.hooks_by_event:
            return []
        function, _ = self.hooks_by_event[event]
        # No timeout of its own: "The deployment is considered to have failed if CodeDeploy is
        # not notified by the Lambda validation function within one hour" (hooks.py's default).
        return [LifecycleHook(function, (d.stage or "",))]

    def commands(self, d: Deployment) -> Mapping[str, str]:
        function, command = self.hooks_by_event.get(self.stage_name(d), ["", ""])
        return {function: command}

    def stage_name(self, d: Deployment) -> str:
        return EVENTS.get(d.stage or "", d.stage or "")

    def moved(self, d: Deployment, moved: Transition) -> list[str]:
        """Events for ``d`` leaving its stage for ``moved``: the lifecycle event that succeeded,
        each production traffic step, and the original task set's termination."""
        events = []
        repeat = d.stage == PRODUCTION_TRAFFIC_SHIFT and moved.stage == PRE_PRODUCTION_TRAFFIC_SHIFT
        later_step = d.stage == PRE_PRODUCTION_TRAFFIC_SHIFT and d.step > 0
        event = EVENTS.get(d.stage or "")
        if event is not None and not repeat and not later_step:
            events.append(lifecycle_event(self.name, d.id, event, "Succeeded"))
        if moved.stage == PRODUCTION_TRAFFIC_SHIFT:
            events.append(traffic_shifted(self.name, d.id, moved.traffic))
        if moved.stage == BAKE_TIME:
            minutes = self.settings.get("termination_wait_minutes", 0)
            events.append(termination_wait(self.name, d.id, minutes))
        if moved.stage == CLEAN_UP:
            events.append(terminating(self.name, d.id))
        return events

    def failed(self, d: Deployment) -> list[str]:
        return [lifecycle_event(self.name, d.id, self.stage_name(d), "Failed")]


# Events in CodeDeploy's words (its lifecycle event names and statuses), prefixed as ECS's are.


def lifecycle_event(service: str, deployment: str, event: str, status: str) -> str:
    return f"(service {service}) (deployment {deployment}) lifecycle event {event}: {status}."


def traffic_shifted(service: str, deployment: str, share: float) -> str:
    return (
        f"(service {service}) (deployment {deployment}) AllowTraffic: {share:g}% of production "
        "traffic on the replacement task set."
    )


def termination_wait(service: str, deployment: str, minutes: int) -> str:
    return (
        f"(service {service}) (deployment {deployment}) all traffic on the replacement task set; "
        f"the original task set is terminated in {minutes} minutes "
        "(terminationWaitTimeInMinutes)."
    )


def terminating(service: str, deployment: str) -> str:
    return f"(service {service}) (deployment {deployment}) terminating the original task set."


def describe(s: Mapping[str, Any] | None, config: CodeDeployConfig) -> str:
    """One line for ``deploy --dry-run``: the configuration and the local time scale."""
    name = s["deployment_config_name"] if s else config.deployment_config_name
    scale = config.seconds_per_minute
    local = "" if scale == 60 else f", one minute = {scale:g} s locally (seconds_per_minute)"
    return f"CODE_DEPLOY {name}{local}"
