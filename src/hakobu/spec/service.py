"""Service definitions: the shape of ECS ``CreateService``, validated as ECS validates it.

``servicedef.json`` is what ``aws ecs create-service --cli-input-json`` takes (one service from
``aws ecs describe-services`` is accepted too: its read-only fields are dropped). It is rendered
like the task definition (``${NAME}`` from hakobu.toml's values), checked against botocore's
``CreateServiceRequest`` shape, then against the rules ECS applies when it creates a service and
against the task definition it will run (a load balancer's container and port must exist).
Every problem names the file, line and JSON path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hakobu.spec.jsonpos import Positions
from hakobu.spec.load import SourceDocument, read_document
from hakobu.spec.problem import Problem
from hakobu.spec.render import substitute
from hakobu.spec.schema import read_only_members, validate_shape
from hakobu.spec.taskdef import TaskDefinition

REQUEST_SHAPE = "CreateServiceRequest"
DESCRIBED_SHAPE = "Service"

# ECS's defaults for a REPLICA service (DeploymentConfiguration, CreateService).
DEFAULT_MINIMUM_HEALTHY_PERCENT = 100
DEFAULT_MAXIMUM_PERCENT = 200
# DeploymentCircuitBreaker.thresholdConfiguration: "By default ... BOUNDED_PERCENT with a value
# of 50"; BOUNDED_PERCENT clamps to "a minimum of 3 and a maximum of 200".
DEFAULT_THRESHOLD_TYPE = "BOUNDED_PERCENT"
DEFAULT_THRESHOLD_VALUE = 50
THRESHOLD_BOUNDS = (3, 200)

# What hakobu can run locally today; the rest is refused with the reason, never ignored.
SUPPORTED_CONTROLLERS = ("ECS", "CODE_DEPLOY")
SUPPORTED_STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")
# LinearConfiguration and CanaryConfiguration defaults (percent, bake minutes).
DEFAULT_LINEAR = (10.0, 6)
DEFAULT_CANARY = (5.0, 10)
MAX_BAKE_MINUTES = 1440


@dataclass(frozen=True)
class LifecycleHook:
    """A DeploymentLifecycleHook: locally its Lambda is a command named in hakobu.toml."""

    target_arn: str
    stages: tuple[str, ...]
    details: Any = None
    timeout_minutes: int | None = None


@dataclass(frozen=True)
class CircuitBreaker:
    enable: bool = False
    rollback: bool = False
    reset_on_healthy_task: bool = True  # "The default is true"
    threshold_type: str = DEFAULT_THRESHOLD_TYPE
    threshold_value: int = DEFAULT_THRESHOLD_VALUE

    def threshold(self, desired_count: int) -> int:
        """How many failed tasks fail a deployment (ServiceDeploymentCircuitBreaker.threshold).

        BOUNDED_PERCENT: ``value``% of the desired count, rounded up, clamped to 3-200 (the
        classic ``0.5 * desired task count``, at least 3, at most 200); UNBOUNDED_PERCENT: the
        same without the clamp; COUNT: ``value`` itself.
        """
        if self.threshold_type == "COUNT":
            return max(1, self.threshold_value)
        computed = math.ceil(self.threshold_value * desired_count / 100)
        if self.threshold_type == "UNBOUNDED_PERCENT":
            return max(1, computed)
        low, high = THRESHOLD_BOUNDS
        return max(low, min(high, computed))


@dataclass(frozen=True)
class DeploymentConfiguration:
    minimum_healthy_percent: int = DEFAULT_MINIMUM_HEALTHY_PERCENT
    maximum_percent: int = DEFAULT_MAXIMUM_PERCENT
    circuit_breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    strategy: str = "ROLLING"
    bake_time_minutes: int = 0
    linear: tuple[float, int] = DEFAULT_LINEAR  # stepPercent, stepBakeTimeInMinutes
    canary: tuple[float, int] = DEFAULT_CANARY  # canaryPercent, canaryBakeTimeInMinutes
    hooks: tuple[LifecycleHook, ...] = ()
    # How long one of the minutes above lasts, in seconds: 60 but for an explicit local time
    # scale (a CODE_DEPLOY service's [service.codedeploy] seconds_per_minute).
    minute_seconds: float = 60.0

    def traffic_steps(self) -> list[tuple[float, int]]:
        """(the new revision's share of production traffic in percent, minutes to bake after).

        BLUE_GREEN shifts all at once; CANARY shifts canaryPercent, bakes, then the rest; LINEAR
        shifts stepPercent more each step, baking between steps ("not applied after reaching 100
        percent traffic"). ``bakeTimeInMinutes`` follows the last step in every case.
        """
        if self.strategy == "CANARY":
            percent, bake = self.canary
            return [(percent, bake), (100.0, self.bake_time_minutes)]
        if self.strategy == "LINEAR":
            step, bake = self.linear
            shares = [round(step * i, 1) for i in range(1, math.ceil(100 / step))]
            return [(share, bake) for share in shares if share < 100] + [
                (100.0, self.bake_time_minutes)
            ]
        return [(100.0, self.bake_time_minutes)]

    def minimum_healthy_tasks(self, desired_count: int) -> int:
        # "the desiredCount multiplied by the minimumHealthyPercent/100, rounded up"
        return math.ceil(desired_count * self.minimum_healthy_percent / 100)

    def maximum_tasks(self, desired_count: int) -> int:
        # "as a percentage of the desiredCount (rounded down to the nearest integer)"
        return desired_count * self.maximum_percent // 100


@dataclass(frozen=True)
class LoadBalancerRef:
    container_name: str
    container_port: int
    target_group_arn: str | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    desired_count: int
    deployment: DeploymentConfiguration = field(default_factory=DeploymentConfiguration)
    load_balancers: tuple[LoadBalancerRef, ...] = ()
    health_check_grace_period: int = 0
    controller: str = "ECS"
    task_definition: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def load_balancer(self) -> LoadBalancerRef | None:
        return self.load_balancers[0] if self.load_balancers else None


def parse_service_definition(raw: Mapping[str, Any]) -> ServiceDefinition:
    """The typed model of a service definition that passed ``validate_service_definition``."""
    config = raw.get("deploymentConfiguration") or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    threshold = breaker.get("thresholdConfiguration") or {}
    linear = config.get("linearConfiguration") or {}
    canary = config.get("canaryConfiguration") or {}
    return ServiceDefinition(
        name=raw["serviceName"],
        desired_count=raw["desiredCount"],
        deployment=DeploymentConfiguration(
            minimum_healthy_percent=config.get(
                "minimumHealthyPercent", DEFAULT_MINIMUM_HEALTHY_PERCENT
            ),
            maximum_percent=config.get("maximumPercent", DEFAULT_MAXIMUM_PERCENT),
            circuit_breaker=CircuitBreaker(
                enable=breaker.get("enable", False),
                rollback=breaker.get("rollback", False),
                reset_on_healthy_task=breaker.get("resetOnHealthyTask", True),
                threshold_type=threshold.get("type", DEFAULT_THRESHOLD_TYPE),
                threshold_value=threshold.get("value", DEFAULT_THRESHOLD_VALUE),
            ),
            strategy=config.get("strategy", "ROLLING"),
            bake_time_minutes=config.get("bakeTimeInMinutes", 0),
            linear=(
                linear.get("stepPercent", DEFAULT_LINEAR[0]),
                linear.get("stepBakeTimeInMinutes", DEFAULT_LINEAR[1]),
            ),
            canary=(
                canary.get("canaryPercent", DEFAULT_CANARY[0]),
                canary.get("canaryBakeTimeInMinutes", DEFAULT_CANARY[1]),
            ),
            hooks=tuple(_hook(h) for h in config.get("lifecycleHooks") or ()),
        ),
        load_balancers=tuple(
            LoadBalancerRef(lb["containerName"], lb["containerPort"], lb.get("targetGroupArn"))
            for lb in raw.get("loadBalancers") or ()
        ),
        health_check_grace_period=raw.get("healthCheckGracePeriodSeconds", 0),
        controller=(raw.get("deploymentController") or {}).get("type", "ECS"),
        task_definition=raw.get("taskDefinition"),
        raw=raw,
    )


def _hook(raw: Mapping[str, Any]) -> LifecycleHook:
    timeout = (raw.get("timeoutConfiguration") or {}).get("timeoutInMinutes")
    return LifecycleHook(
        raw["hookTargetArn"],
        tuple(raw.get("lifecycleStages") or ()),
        raw.get("hookDetails"),
        timeout,
    )


# -- validation ----------------------------------------------------------------------------------


def validate_service_definition(raw: Any, task: TaskDefinition | None) -> list[Problem]:
    """Schema problems; when there are none, ECS's rules and the checks against ``task``."""
    problems = validate_shape(raw, REQUEST_SHAPE)
    if problems:
        return problems
    problems = _service_rules(raw)
    if problems or task is None:
        return problems
    return _against_task_definition(raw, task)


def _service_rules(raw: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if raw.get("schedulingStrategy") == "DAEMON":
        problems.append(
            Problem(("schedulingStrategy",), "Fargate runs no DAEMON services", fix="remove it")
        )
    if raw.get("launchType", "FARGATE") != "FARGATE":
        problems.append(
            Problem(
                ("launchType",),
                f"hakobu runs services as on Fargate, not {raw['launchType']}",
                fix='write "FARGATE" or remove it',
            )
        )
    count = raw.get("desiredCount")
    if count is None:
        # CreateService: "This is required if schedulingStrategy is REPLICA or isn't specified."
        problems.append(
            Problem(("desiredCount",), "required field missing", fix='add "desiredCount": 1')
        )
    elif count < 0:
        problems.append(Problem(("desiredCount",), f"{count} is negative", fix="0 or more"))
    grace = raw.get("healthCheckGracePeriodSeconds")
    if grace is not None and grace < 0:
        problems.append(Problem(("healthCheckGracePeriodSeconds",), "must be 0 or more"))
    problems += _controller_rules(raw)
    problems += _deployment_rules(raw)
    problems += _load_balancer_rules(raw)
    return problems


def _controller_rules(raw: Mapping[str, Any]) -> list[Problem]:
    controller = (raw.get("deploymentController") or {}).get("type", "ECS")
    if controller not in SUPPORTED_CONTROLLERS:
        return [
            Problem(
                ("deploymentController", "type"),
                f"the {controller} deployment controller is not run locally yet",
                fix='use "ECS" (rolling update) locally',
            )
        ]
    config = raw.get("deploymentConfiguration") or {}
    strategy = config.get("strategy", "ROLLING")
    if controller == "CODE_DEPLOY":
        return _code_deploy_rules(raw, config)
    if strategy not in SUPPORTED_STRATEGIES:
        return [
            Problem(
                ("deploymentConfiguration", "strategy"),
                f"the {strategy} strategy is not run locally yet",
                fix='use "ROLLING" locally',
            )
        ]
    return []


def _code_deploy_rules(raw: Mapping[str, Any], config: Mapping[str, Any]) -> list[Problem]:
    """CodeDeploy shifts an ALB's traffic between two target groups; the appspec says how."""
    where = ("deploymentConfiguration",)
    if not raw.get("loadBalancers"):
        # "You must use Elastic Load Balancing with the Amazon ECS service you want to update
        # with an Amazon ECS deployment" (CodeDeploy, "Before you begin an Amazon ECS deployment").
        return [
            Problem(
                ("deploymentController", "type"),
                "a CODE_DEPLOY service needs a load balancer: the service has none",
                fix='add "loadBalancers", or use "ECS"',
            )
        ]
    # DeploymentCircuitBreaker: "can only be used for services using the rolling update (ECS)
    # deployment type"; strategy and lifecycleHooks are the ECS controller's own too.
    for member in ("strategy", "deploymentCircuitBreaker", "lifecycleHooks"):
        if member in config and (member != "strategy" or config[member] != "ROLLING"):
            return [
                Problem(
                    (*where, member),
                    f"{member} applies to the ECS deployment controller only",
                    fix="remove it: with CODE_DEPLOY the appspec and [service.codedeploy] decide",
                    at_key=True,
                )
            ]
    return []


def _deployment_rules(raw: Mapping[str, Any]) -> list[Problem]:
    config = raw.get("deploymentConfiguration") or {}
    low = config.get("minimumHealthyPercent", DEFAULT_MINIMUM_HEALTHY_PERCENT)
    high = config.get("maximumPercent", DEFAULT_MAXIMUM_PERCENT)
    where = ("deploymentConfiguration",)
    if not 0 <= low <= 100:
        return [Problem((*where, "minimumHealthyPercent"), f"{low} is not a percentage 0-100")]
    if high < max(low, 1):
        return [
            Problem(
                (*where, "maximumPercent"),
                f"{high} is below minimumHealthyPercent ({low})",
                fix="maximumPercent is the upper limit of running tasks, in percent",
            )
        ]
    if low == 100 and high == 100:
        return [
            Problem(
                (*where, "maximumPercent"),
                "with minimumHealthyPercent 100 and maximumPercent 100 a deployment can neither "
                "start a new task nor stop an old one",
                fix="raise maximumPercent (e.g. 200) or lower minimumHealthyPercent",
            )
        ]
    threshold = (config.get("deploymentCircuitBreaker") or {}).get("thresholdConfiguration")
    if threshold is not None and threshold["value"] < 1:
        path = (*where, "deploymentCircuitBreaker", "thresholdConfiguration", "value")
        return [Problem(path, f"{threshold['value']} tolerates no failure at all", fix="1 or more")]
    return _strategy_rules(raw, config)


def _strategy_rules(raw: Mapping[str, Any], config: Mapping[str, Any]) -> list[Problem]:
    """Blue/green, canary and linear shift traffic between target groups, with bake times."""
    where = ("deploymentConfiguration",)
    strategy = config.get("strategy", "ROLLING")
    if strategy == "ROLLING":
        return []
    if not raw.get("loadBalancers"):
        return [
            Problem(
                (*where, "strategy"),
                f"a {strategy} deployment shifts load balancer traffic: the service has none",
                fix='add "loadBalancers", or use "ROLLING"',
            )
        ]
    if strategy == "BLUE_GREEN" and "bakeTimeInMinutes" not in config:
        # "You must provide this parameter when you use the BLUE_GREEN deployment strategy."
        return [Problem((*where, "bakeTimeInMinutes"), "required field missing", fix="add it")]
    ranges = [
        (("bakeTimeInMinutes",), 0, MAX_BAKE_MINUTES),
        (("linearConfiguration", "stepPercent"), 3.0, 100.0),
        (("linearConfiguration", "stepBakeTimeInMinutes"), 0, MAX_BAKE_MINUTES),
        (("canaryConfiguration", "canaryPercent"), 0.1, 100.0),
        (("canaryConfiguration", "canaryBakeTimeInMinutes"), 0, MAX_BAKE_MINUTES),
    ]
    for keys, low, high in ranges:
        value = _get(config, keys)
        if value is not None and not low <= value <= high:
            return [Problem((*where, *keys), f"{value} is outside {low}-{high}")]
    return _hook_rules(config)


def _get(config: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = config
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _hook_rules(config: Mapping[str, Any]) -> list[Problem]:
    for index, hook in enumerate(config.get("lifecycleHooks") or ()):
        where = ("deploymentConfiguration", "lifecycleHooks", index)
        if hook.get("targetType", "AWS_LAMBDA") != "AWS_LAMBDA":
            return [
                Problem(
                    (*where, "targetType"),
                    "PAUSE hooks wait for ContinueServiceDeployment, which is not run locally",
                    fix="use an AWS_LAMBDA hook (a local command in hakobu.toml)",
                )
            ]
        if "hookTargetArn" not in hook:
            return [Problem((*where, "hookTargetArn"), "required field missing", fix="add it")]
    return []


def _load_balancer_rules(raw: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for index, lb in enumerate(raw.get("loadBalancers") or ()):
        where = ("loadBalancers", index)
        if "loadBalancerName" in lb:
            problems.append(
                Problem(
                    (*where, "loadBalancerName"),
                    "tasks in awsvpc mode (all of Fargate's) cannot use a Classic Load Balancer",
                    fix="use an Application Load Balancer target group (targetGroupArn)",
                    at_key=True,
                )
            )
        for member in ("containerName", "containerPort"):
            if member not in lb:
                problems.append(
                    Problem((*where, member), "required field missing", fix=f'add "{member}"')
                )
    return problems


def _against_task_definition(raw: Mapping[str, Any], task: TaskDefinition) -> list[Problem]:
    """A load balancer's container and port must be in the task definition, as ECS requires."""
    problems = []
    names = {c.name: c for c in task.containers}
    for index, lb in enumerate(raw.get("loadBalancers") or ()):
        where = ("loadBalancers", index)
        container = names.get(lb["containerName"])
        if container is None:
            problems.append(
                Problem(
                    (*where, "containerName"),
                    f'the task definition has no container "{lb["containerName"]}"',
                    fix="one of: " + ", ".join(names),
                )
            )
            continue
        ports = [p.container_port for p in container.port_mappings]
        if lb["containerPort"] not in ports:
            listed = ", ".join(map(str, ports)) or "none"
            problems.append(
                Problem(
                    (*where, "containerPort"),
                    f"container {container.name} has no portMappings containerPort "
                    f"{lb['containerPort']} (it maps: {listed})",
                    fix="add the port to its portMappings, or name a mapped one",
                )
            )
    family = raw.get("taskDefinition")
    if family is not None and _family_of(family) != task.family:
        problems.append(
            Problem(
                ("taskDefinition",),
                f'"{family}" is not the family of the task definition ({task.family})',
                fix="remove it (hakobu registers and fills in the revision) or name that family",
            )
        )
    return problems


def _family_of(reference: str) -> str:
    """``family``, ``family:3`` or ``arn:...:task-definition/family:3`` -> ``family``."""
    return reference.rsplit("/", 1)[-1].split(":", 1)[0]


# -- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedServiceDefinition:
    path: Path
    display: str
    raw: dict[str, Any]
    model: ServiceDefinition
    positions: Positions = field(repr=False)


def load_service_definition(
    path: Path,
    *,
    values: Mapping[str, str],
    env: str | None = None,
    task: TaskDefinition | None = None,
) -> LoadedServiceDefinition:
    """Read, render for ``env`` and validate the service definition at ``path``; with ``task``,
    also against the task definition it runs. Raises ``SpecError``."""
    source = _drop_read_only(
        read_document(path, kind="service definition", setting="service_definition")
    )
    rendered, problems = substitute(source.raw, values=values, image=None, env=env)
    problems = problems or validate_service_definition(rendered, task)
    if problems:
        raise source.error(problems[0])
    return LoadedServiceDefinition(
        path=source.path,
        display=source.display,
        raw=rendered,
        model=parse_service_definition(rendered),
        positions=source.positions,
    )


def _drop_read_only(source: SourceDocument) -> SourceDocument:
    """One service of ``describe-services`` output becomes a CreateService request."""
    read_only = read_only_members(DESCRIBED_SHAPE, REQUEST_SHAPE)
    raw = {k: v for k, v in source.raw.items() if k not in read_only}
    return SourceDocument(source.path, source.display, raw, source.positions)
