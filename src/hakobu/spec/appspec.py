"""CodeDeploy's AppSpec file for an Amazon ECS deployment, and its deployment configurations.

AWS, "AppSpec 'resources' section for Amazon ECS deployments": one ``AWS::ECS::Service``
resource whose ``Properties`` name the ``TaskDefinition`` (required), ``LoadBalancerInfo``
(``ContainerName`` and ``ContainerPort``, required; the container "must be a container specified
in your Amazon ECS task definition"), and optionally ``PlatformVersion``, ``NetworkConfiguration``
(``AwsvpcConfiguration``: "All or none of the settings ... must be specified") and
``CapacityProviderStrategy``. "AppSpec 'hooks' section for an Amazon ECS deployment": a list of
``{LifecycleEvent: LambdaFunction}``, one function per event, from ``BeforeInstall``,
``AfterInstall``, ``AfterAllowTestTraffic``, ``BeforeAllowTraffic`` and ``AfterAllowTraffic``.
Pure: ``validate_appspec`` returns problems located by path; the engine's ``codedeploy`` module
reads the file (YAML or JSON) and turns the first problem into an error naming its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hakobu.spec.jsonpos import JsonPath
from hakobu.spec.problem import Problem, suggest
from hakobu.spec.taskdef import TaskDefinition

APPSPEC_NAMES = ("appspec.yaml", "appspec.yml", "appspec.json")
# The lifecycle events of an ECS deployment, in the order they run ("What happens during an
# Amazon ECS deployment"); the ones a hook can name, and the ones CodeDeploy runs itself.
LIFECYCLE_EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
HOOK_EVENTS = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
# CodePipeline's ECS blue/green action writes the registered task definition here.
TASK_DEFINITION_PLACEHOLDER = "<TASK_DEFINITION>"
_TOP = ("version", "Resources", "Hooks")
_RESOURCE = ("Type", "Properties")
_PROPERTIES = (
    "TaskDefinition",
    "LoadBalancerInfo",
    "PlatformVersion",
    "NetworkConfiguration",
    "CapacityProviderStrategy",
)
_LOAD_BALANCER_INFO = ("ContainerName", "ContainerPort")
_AWSVPC = ("Subnets", "SecurityGroups", "AssignPublicIp")
_CAPACITY = ("Base", "CapacityProvider", "Weight")


@dataclass(frozen=True)
class AppSpec:
    """The parts of an AppSpec that a local deployment acts on."""

    task_definition: str
    container_name: str
    container_port: int
    hooks: Mapping[str, str]  # lifecycle event -> Lambda function (name or ARN)
    platform_version: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict, repr=False)  # as written


def parse_appspec(raw: Mapping[str, Any]) -> AppSpec:
    """The model of an AppSpec that passed ``validate_appspec``."""
    [resource] = raw["Resources"]
    [body] = resource.values()
    props = body["Properties"]
    info = props["LoadBalancerInfo"]
    hooks = {event: fn for hook in raw.get("Hooks") or () for event, fn in hook.items()}
    return AppSpec(
        task_definition=str(props["TaskDefinition"]),
        container_name=info["ContainerName"],
        container_port=info["ContainerPort"],
        hooks=hooks,
        platform_version=props.get("PlatformVersion"),
        properties=props,
    )


# -- validation ----------------------------------------------------------------------------------


def validate_appspec(raw: Any, task: TaskDefinition | None) -> list[Problem]:
    if not isinstance(raw, dict):
        return [Problem((), "an AppSpec file is a mapping", fix="start with `version: 0.0`")]
    problems = _unknown(raw, (), _TOP)
    if problems:
        return problems
    if raw.get("version") not in (0.0, "0.0"):
        # "version: This section specifies the version of the AppSpec file. Do not change this
        # value. It is required. Currently, the only allowed value is 0.0."
        return [Problem(("version",), f"{raw.get('version')!r} is not 0.0", fix="version: 0.0")]
    problems = _resources(raw.get("Resources"))
    problems = problems or _hooks(raw.get("Hooks"))
    if problems or task is None:
        return problems
    return _against_task_definition(raw, task)


def _unknown(table: Mapping[str, Any], where: JsonPath, known: tuple[str, ...]) -> list[Problem]:
    for key in table:
        if key not in known:
            close = suggest(str(key), known)
            fix = f'did you mean "{close}"?' if close else "known: " + ", ".join(known)
            return [Problem((*where, key), f'unknown field "{key}"', fix=fix, at_key=True)]
    return []


def _resources(resources: Any) -> list[Problem]:
    where: JsonPath = ("Resources",)
    if not isinstance(resources, list) or len(resources) != 1:
        return [
            Problem(
                where,
                "an Amazon ECS deployment has exactly one resource, the service",
                fix="Resources: [ {TargetService: {Type: AWS::ECS::Service, Properties: ...}} ]",
            )
        ]
    resource = resources[0]
    if not isinstance(resource, dict) or len(resource) != 1:
        return [
            Problem((*where, 0), "expected one name mapped to the resource", fix="TargetService:")
        ]
    [(name, body)] = resource.items()
    where = (*where, 0, name)
    if not isinstance(body, dict):
        return [Problem(where, "expected Type and Properties")]
    problems = _unknown(body, where, _RESOURCE)
    if problems:
        return problems
    if body.get("Type") != "AWS::ECS::Service":
        return [
            Problem(
                (*where, "Type"),
                f"{body.get('Type')!r} is not an Amazon ECS service",
                fix="Type: AWS::ECS::Service",
            )
        ]
    return _properties(body.get("Properties"), (*where, "Properties"))


def _properties(props: Any, where: JsonPath) -> list[Problem]:
    if not isinstance(props, dict):
        return [
            Problem(where, "required field missing", fix="add TaskDefinition and LoadBalancerInfo")
        ]
    problems = _unknown(props, where, _PROPERTIES)
    for name in ("TaskDefinition", "LoadBalancerInfo"):
        if name not in props:
            problems.append(Problem((*where, name), "required field missing", fix=f"add {name}"))
    if problems:
        return problems
    if not isinstance(props["TaskDefinition"], str) or not props["TaskDefinition"]:
        return [Problem((*where, "TaskDefinition"), "expected the task definition's ARN")]
    for name in ("PlatformVersion",):
        if name in props and not isinstance(props[name], str):
            return [Problem((*where, name), "expected a string", fix='e.g. "LATEST"')]
    return (
        _load_balancer_info(props["LoadBalancerInfo"], (*where, "LoadBalancerInfo"))
        or _network(props.get("NetworkConfiguration"), (*where, "NetworkConfiguration"))
        or _capacity(props.get("CapacityProviderStrategy"), (*where, "CapacityProviderStrategy"))
    )


def _load_balancer_info(info: Any, where: JsonPath) -> list[Problem]:
    if not isinstance(info, dict):
        return [Problem(where, "expected ContainerName and ContainerPort")]
    problems = _unknown(info, where, _LOAD_BALANCER_INFO)
    for name in _LOAD_BALANCER_INFO:
        if name not in info:
            problems.append(Problem((*where, name), "required field missing", fix=f"add {name}"))
    if problems:
        return problems
    if not isinstance(info["ContainerName"], str) or not info["ContainerName"]:
        return [Problem((*where, "ContainerName"), "expected the container's name")]
    port = info["ContainerPort"]
    # "Each property is specified with a string except for ContainerPort, which is a number."
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return [Problem((*where, "ContainerPort"), f"{port!r} is not a port number 1-65535")]
    return []


def _network(network: Any, where: JsonPath) -> list[Problem]:
    if network is None:
        return []
    if not isinstance(network, dict) or set(network) != {"AwsvpcConfiguration"}:
        return [
            Problem(
                where,
                "expected AwsvpcConfiguration",
                fix="NetworkConfiguration: {AwsvpcConfiguration: ...}",
            )
        ]
    vpc = network["AwsvpcConfiguration"]
    where = (*where, "AwsvpcConfiguration")
    if not isinstance(vpc, dict):
        return [Problem(where, "expected Subnets, SecurityGroups and AssignPublicIp")]
    problems = _unknown(vpc, where, _AWSVPC)
    missing = [name for name in _AWSVPC if name not in vpc]
    if not problems and missing:
        problems = [
            Problem(
                (*where, missing[0]),
                "all or none of Subnets, SecurityGroups and AssignPublicIp must be given",
                fix=f"add {missing[0]}",
            )
        ]
    if not problems and vpc["AssignPublicIp"] not in ("ENABLED", "DISABLED"):
        problems = [Problem((*where, "AssignPublicIp"), "expected ENABLED or DISABLED")]
    return problems


def _capacity(strategy: Any, where: JsonPath) -> list[Problem]:
    if strategy is None:
        return []
    if not isinstance(strategy, list):
        return [Problem(where, "expected a list of Base, CapacityProvider, Weight")]
    for index, item in enumerate(strategy):
        if not isinstance(item, dict) or "CapacityProvider" not in item:
            return [Problem((*where, index), "required field missing", fix="add CapacityProvider")]
        problems = _unknown(item, (*where, index), _CAPACITY)
        if problems:
            return problems
    return []


def _hooks(hooks: Any) -> list[Problem]:
    where: JsonPath = ("Hooks",)
    if hooks is None:
        return []  # "This section is required only if you are running ... validation functions"
    if not isinstance(hooks, list):
        return [
            Problem(where, "expected a list", fix="Hooks: [ {AfterAllowTestTraffic: FUNCTION} ]")
        ]
    seen: set[str] = set()
    for index, hook in enumerate(hooks):
        if not isinstance(hook, dict) or len(hook) != 1:
            return [Problem((*where, index), "expected one lifecycle event mapped to a function")]
        [(event, function)] = hook.items()
        if event not in HOOK_EVENTS:
            close = suggest(str(event), HOOK_EVENTS)
            fix = f'did you mean "{close}"?' if close else "one of: " + ", ".join(HOOK_EVENTS)
            if event in LIFECYCLE_EVENTS:
                fix = f"{event} is run by CodeDeploy itself; hooks: " + ", ".join(HOOK_EVENTS)
            return [
                Problem((*where, index, event), f'"{event}" takes no hook', fix=fix, at_key=True)
            ]
        if not isinstance(function, str) or not function:
            return [Problem((*where, index, event), "expected a Lambda function's name or ARN")]
        if event in seen:
            # "An AWS Lambda hook is one Lambda function specified with a string"
            return [Problem((*where, index, event), f"a second {event} hook", fix="keep one")]
        seen.add(event)
    return []


def _against_task_definition(raw: Mapping[str, Any], task: TaskDefinition) -> list[Problem]:
    [resource] = raw["Resources"]
    [(name, body)] = resource.items()
    where: JsonPath = ("Resources", 0, name, "Properties")
    props = body["Properties"]
    reference = props["TaskDefinition"]
    family = reference.rsplit("/", 1)[-1].split(":", 1)[0]
    if reference != TASK_DEFINITION_PLACEHOLDER and family != task.family:
        return [
            Problem(
                (*where, "TaskDefinition"),
                f'"{reference}" is not of the task definition\'s family ({task.family})',
                fix="name that family (hakobu registers the revision), or <TASK_DEFINITION>",
            )
        ]
    info = props["LoadBalancerInfo"]
    containers = {c.name: c for c in task.containers}
    container = containers.get(info["ContainerName"])
    if container is None:
        return [
            Problem(
                (*where, "LoadBalancerInfo", "ContainerName"),
                f'the task definition has no container "{info["ContainerName"]}"',
                fix="one of: " + ", ".join(containers),
            )
        ]
    ports = [p.container_port for p in container.port_mappings]
    if info["ContainerPort"] not in ports:
        return [
            Problem(
                (*where, "LoadBalancerInfo", "ContainerPort"),
                f"container {container.name} maps no containerPort {info['ContainerPort']} "
                f"(it maps: {', '.join(map(str, ports)) or 'none'})",
                fix="name a port in its portMappings",
            )
        ]
    return []


# -- deployment configurations -------------------------------------------------------------------

CANARY, LINEAR, ALL_AT_ONCE = "TimeBasedCanary", "TimeBasedLinear", "AllAtOnce"
TRAFFIC_ROUTING_TYPES = (CANARY, LINEAR, ALL_AT_ONCE)
DEFAULT_DEPLOYMENT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"


@dataclass(frozen=True)
class TrafficRouting:
    """A deployment configuration's ``trafficRoutingConfig`` (CreateDeploymentConfig): the
    share moved at each step, in percent, and the minutes between steps."""

    type: str
    percentage: int = 100
    interval_minutes: int = 0


# AWS CodeDeploy User Guide, "Predefined deployment configurations for an Amazon ECS compute
# platform": "ECSLinear10PercentEvery1Minutes: Shifts 10 percent of traffic every minute until all
# traffic is shifted"; "...Every3Minutes: ... every three minutes"; "ECSCanary10Percent5Minutes:
# Shifts 10 percent of traffic in the first increment. The remaining 90 percent is deployed five
# minutes later"; "...15Minutes: ... 15 minutes later"; "ECSAllAtOnce: Shifts all traffic to the
# updated Amazon ECS container at once".
PREDEFINED_CONFIGS: Mapping[str, TrafficRouting] = {
    "CodeDeployDefault.ECSAllAtOnce": TrafficRouting(ALL_AT_ONCE),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting(LINEAR, 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting(LINEAR, 10, 3),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting(CANARY, 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting(CANARY, 10, 15),
}
