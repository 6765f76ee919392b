"""hakobu.toml -> frozen settings (format: docs/config.md).

Unknown keys and wrong types are errors naming the line and the fix: a typo never passes
silently. tomllib gives no positions, so lines are found by searching the text for the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hakobu.errors import ConfigError
from hakobu.spec.problem import suggest

CONFIG_NAME = "hakobu.toml"
LOCAL = "local"

# [check] is `hakobu check`'s, read by hakobu.checks.settings.
_TOP_KEYS = ("app", "values", "environments", "service", "check", "logs")
_APP_KEYS = ("name", "dockerfile", "context", "task_definition", "image", "service_definition")
_ENV_KEYS = ("values", "ports", "environment_files", "service")
_SERVICE_KEYS = ("target_group", "autoscaling", "hooks", "codedeploy")
_CODEDEPLOY_KEYS = (
    "appspec",
    "deployment_config_name",
    "termination_wait_time_in_minutes",
    "seconds_per_minute",
    "hooks",
    "deployment_configs",
)
# A custom deployment configuration: CreateDeploymentConfig's trafficRoutingConfig, in snake case.
_TRAFFIC_KEYS = {
    "TimeBasedCanary": ("canary_percentage", "canary_interval"),
    "TimeBasedLinear": ("linear_percentage", "linear_interval"),
    "AllAtOnce": (),
}
_ENV_SERVICE_KEYS = ("port", "test_port")
# [service.target_group] keys are hakobu.lb.TargetGroupSettings' own names (AWS's, in snake case;
# a test keeps them equal). Their ranges are checked by the load balancer's settings when a
# service starts: importing the load balancer here would slow every command down.
TARGET_GROUP_KEYS = (
    "health_check_path",
    "health_check_port",
    "health_check_interval_seconds",
    "health_check_timeout_seconds",
    "healthy_threshold_count",
    "unhealthy_threshold_count",
    "matcher",
    "deregistration_delay_seconds",
    "algorithm",
)
_TARGET_GROUP_STRINGS = ("health_check_path", "matcher", "algorithm")
# [service.autoscaling]: the scalable target, and its target tracking policies either inline (one
# policy) or as [[service.autoscaling.policies]] (several), under Application Auto Scaling's names.
_CAPACITY_KEYS = ("min_capacity", "max_capacity", "metric_period_seconds", "policies")
_POLICY_KEYS = (
    "target_value",
    "predefined_metric_type",
    "scale_out_cooldown_seconds",
    "scale_in_cooldown_seconds",
    "disable_scale_in",
)
_AUTOSCALING_KEYS = (*_CAPACITY_KEYS, *_POLICY_KEYS)
REQUESTS_PER_TARGET = "ALBRequestCountPerTarget"
CPU_UTILIZATION = "ECSServiceAverageCPUUtilization"
PREDEFINED_METRICS = (REQUESTS_PER_TARGET, CPU_UTILIZATION)
# PredefinedMetricType values for ECS services that hakobu cannot measure locally (yet).
_ECS_METRICS_NOT_RUN = (
    "ECSServiceAverageMemoryUtilization",
    "ECSServiceAverageCPUUtilizationHighResolution",
    "ECSServiceAverageMemoryUtilizationHighResolution",
)
# ECS's "Tasks per service" quota bounds MaxCapacity ("service quotas might impose lower limits");
# "You can create 50 scaling policies per scalable target" (Application Auto Scaling quotas).
MAX_TASKS_PER_SERVICE = 5000
MAX_POLICIES = 50
_APP_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_VALUE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    values: Mapping[str, str] = field(default_factory=dict)
    ports: Mapping[int, int] = field(default_factory=dict)  # container port -> local host port
    environment_files: Mapping[str, Path] = field(default_factory=dict)  # S3 ARN -> local file
    service_port: int | None = None  # the service's load balancer listener on 127.0.0.1
    service_test_port: int | None = None  # its test listener (blue/green), when wanted


@dataclass(frozen=True)
class ScalingPolicyConfig:
    """One target tracking policy (TargetTrackingScalingPolicyConfiguration, in snake case, with
    ECS's defaults: 300 s cooldowns)."""

    target_value: float
    predefined_metric_type: str = REQUESTS_PER_TARGET
    scale_out_cooldown_seconds: int = 300
    scale_in_cooldown_seconds: int = 300
    disable_scale_in: bool = False

    @property
    def policy_name(self) -> str:
        """The name events give it, as PutScalingPolicy's PolicyName."""
        if self.predefined_metric_type == CPU_UTILIZATION:
            return "hakobu-cpu-utilization"
        return "hakobu-requests-per-target"


@dataclass(frozen=True)
class AutoscalingConfig:
    """[service.autoscaling]: Application Auto Scaling's scalable target (min and max capacity)
    and one or more target tracking policies, each on a different metric."""

    min_capacity: int
    max_capacity: int
    policies: tuple[ScalingPolicyConfig, ...]
    # CloudWatch's period for the metrics (60 s); a local override makes scaling visible faster.
    metric_period_seconds: int = 60

    @property
    def needs_load_balancer(self) -> bool:
        return any(p.predefined_metric_type == REQUESTS_PER_TARGET for p in self.policies)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutoscalingConfig:
        """From ``to_dict()``; also the one-policy form older controllers wrote."""
        data = dict(data)
        policies = data.pop("policies", None)
        if policies is None:  # flat: the policy's keys beside the capacity's
            policies = [{k: data.pop(k) for k in _POLICY_KEYS if k in data}]
        return cls(**data, policies=tuple(ScalingPolicyConfig(**p) for p in policies))


@dataclass(frozen=True)
class CodeDeployConfig:
    """[service.codedeploy]: what a CodeDeploy deployment group and its deployment configuration
    hold for a CODE_DEPLOY service (docs/services.md)."""

    appspec: Path | None = None  # None: appspec.yaml, appspec.yml or appspec.json in the app
    # The CDK's EcsDeploymentGroup default (EcsDeploymentConfig.ALL_AT_ONCE).
    deployment_config_name: str = "CodeDeployDefault.ECSAllAtOnce"
    # BlueInstanceTerminationOption.terminationWaitTimeInMinutes ("The maximum setting is 2880");
    # the API documents no default: 0 terminates the original task set once traffic has moved.
    termination_wait_time_in_minutes: int = 0
    seconds_per_minute: float = 60.0  # the local time scale: explicit, never silent
    hooks: Mapping[str, str] = field(default_factory=dict)  # lifecycle event -> command
    # name -> (type, percentage, interval in minutes)
    deployment_configs: Mapping[str, tuple[str, int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class AppConfig:
    name: str
    dockerfile: Path
    context: Path
    task_definition: Path
    image: str
    root: Path  # the directory holding hakobu.toml; every path above is absolute under it
    environments: Mapping[str, EnvironmentConfig]
    values: Mapping[str, str] = field(default_factory=dict)
    path: Path = Path(CONFIG_NAME)  # hakobu.toml itself, for messages
    service_definition: Path = Path("servicedef.json")
    # [service.target_group] as written, types checked; unset keys take AWS's defaults.
    target_group: Mapping[str, int | str] = field(default_factory=dict)
    autoscaling: AutoscalingConfig | None = None
    # [service.hooks]: a lifecycle hook's Lambda ARN -> the local command that stands in for it.
    hooks: Mapping[str, str] = field(default_factory=dict)
    codedeploy: CodeDeployConfig = field(default_factory=CodeDeployConfig)

    def environment(self, name: str) -> EnvironmentConfig:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(self.environments)
            close = suggest(name, list(self.environments))
            hint = f'did you mean "{close}"? ' if close else ""
            raise ConfigError(
                f"unknown environment '{name}'",
                file=self.path,
                fix=f"{hint}known: {known}; add [environments.{name}] to declare it",
            ) from None

    def values_for(self, env: str) -> dict[str, str]:
        """``[values]`` overridden by ``[environments.ENV.values]``."""
        return {**self.values, **self.environment(env).values}


def find_config(start: Path) -> Path:
    """The nearest hakobu.toml in ``start`` or a parent, as git finds .git."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any parent directory",
        fix="create one (see docs/config.md) or run with -C DIR",
    )


def load_config(path: Path) -> AppConfig:
    """Parse and check ``path``; raises ``ConfigError``."""
    path = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", file=path) from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        match = _TOML_LINE.search(str(e))
        message = _TOML_LINE.sub("", str(e)).strip()
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        raise ConfigError(f"invalid TOML: {message}", file=path, line=line, column=column) from e
    return _Reader(path, text).app(data)


class _Reader:
    """Turns the parsed TOML into settings, raising errors located in ``text``."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.root = path.parent

    def error(self, keys: tuple[str, ...], message: str, fix: str | None = None) -> ConfigError:
        return ConfigError(
            message,
            file=self.path,
            line=find_key_line(self.text, keys),
            field=".".join(keys),
            fix=fix,
        )

    def app(self, data: dict[str, Any]) -> AppConfig:
        self.known_keys(data, (), _TOP_KEYS)
        app = self.table(data, ("app",), required=True)
        self.known_keys(app, ("app",), _APP_KEYS)
        name = self.string(app, ("app", "name"), required=True)
        if not _APP_NAME.fullmatch(name):
            raise self.error(
                ("app", "name"),
                f'invalid app name "{name}"',
                fix="use lowercase letters, digits, -",
            )
        values = self.values(data, ("values",))
        service = self.table(data, ("service",))
        self.known_keys(service, ("service",), _SERVICE_KEYS)
        return AppConfig(
            name=name,
            dockerfile=self.file(app, ("app", "dockerfile"), "Dockerfile"),
            context=self.file(app, ("app", "context"), "."),
            task_definition=self.file(app, ("app", "task_definition"), "taskdef.json"),
            image=self.string(app, ("app", "image")) or name,
            root=self.root,
            environments=MappingProxyType(self.environments(data)),
            values=MappingProxyType(values),
            path=self.path,
            service_definition=self.file(app, ("app", "service_definition"), "servicedef.json"),
            target_group=MappingProxyType(self.target_group(service, ("service", "target_group"))),
            autoscaling=self.autoscaling(service, ("service", "autoscaling")),
            hooks=MappingProxyType(self.hooks(service, ("service", "hooks"))),
            codedeploy=self.codedeploy(service, ("service", "codedeploy")),
        )

    def environments(self, data: dict[str, Any]) -> dict[str, EnvironmentConfig]:
        tables = self.table(data, ("environments",))
        result = {LOCAL: EnvironmentConfig(LOCAL)}  # `local` always exists
        for name in tables:
            keys = ("environments", name)
            if not _ENV_NAME.fullmatch(name):
                raise self.error(
                    keys, f'invalid environment name "{name}"', fix="use a-z, 0-9, -, _"
                )
            table = self.table(tables, keys)
            self.known_keys(table, keys, _ENV_KEYS)
            result[name] = EnvironmentConfig(
                name=name,
                values=MappingProxyType(self.values(table, (*keys, "values"))),
                ports=MappingProxyType(self.ports(table, (*keys, "ports"))),
                environment_files=MappingProxyType(
                    self.environment_files(table, (*keys, "environment_files"))
                ),
                service_port=self.service_port(table, (*keys, "service")),
                service_test_port=self.service_port(table, (*keys, "service"), "test_port"),
            )
        return result

    def service_port(
        self, parent: dict[str, Any], keys: tuple[str, ...], name: str = "port"
    ) -> int | None:
        table = self.table(parent, keys)
        self.known_keys(table, keys, _ENV_SERVICE_KEYS)
        port = table.get(name)
        if port is None:
            return None
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise self.error((*keys, name), f"{name} must be 1-65535, got {port!r}")
        return port

    def hooks(self, parent: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
        table = self.table(parent, keys)
        for arn in table:
            if not arn.startswith("arn:"):
                raise self.error(
                    (*keys, arn), f'"{arn}" is not an ARN', fix="key by the hook's hookTargetArn"
                )
            self.string(table, (*keys, arn))  # the command: a non-empty string
        return dict(table)

    def codedeploy(self, parent: dict[str, Any], keys: tuple[str, ...]) -> CodeDeployConfig:
        table = self.table(parent, keys)
        self.known_keys(table, keys, _CODEDEPLOY_KEYS)
        defaults = CodeDeployConfig()
        wait = self.whole(table, (*keys, "termination_wait_time_in_minutes"), 0, 2880)
        scale = table.get("seconds_per_minute", defaults.seconds_per_minute)
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= 60:
            raise self.error(
                (*keys, "seconds_per_minute"),
                f"expected a number of seconds above 0 and at most 60, got {_toml_type(scale)}",
                fix="e.g. 1: a configuration's minute lasts one second locally",
            )
        hooks = self.table(table, (*keys, "hooks"))
        for event in hooks:
            self.string(hooks, (*keys, "hooks", event))
        return CodeDeployConfig(
            appspec=self.file(table, (*keys, "appspec"), "") if "appspec" in table else None,
            deployment_config_name=self.string(table, (*keys, "deployment_config_name"))
            or defaults.deployment_config_name,
            termination_wait_time_in_minutes=wait if wait is not None else 0,
            seconds_per_minute=float(scale),
            hooks=MappingProxyType(dict(hooks)),
            deployment_configs=MappingProxyType(
                self.deployment_configs(table, (*keys, "deployment_configs"))
            ),
        )

    def deployment_configs(
        self, parent: dict[str, Any], keys: tuple[str, ...]
    ) -> dict[str, tuple[str, int, int]]:
        result = {}
        for name in self.table(parent, keys):
            where = (*keys, name)
            table = self.table(self.table(parent, keys), where)
            kind = self.string(table, (*where, "type"), required=True)
            if kind not in _TRAFFIC_KEYS:
                raise self.error(
                    (*where, "type"), f'"{kind}" is not a type', fix=" or ".join(_TRAFFIC_KEYS)
                )
            self.known_keys(table, where, ("type", *_TRAFFIC_KEYS[kind]))
            percentage, interval = 100, 0
            if _TRAFFIC_KEYS[kind]:
                share, minutes = _TRAFFIC_KEYS[kind]
                percentage = self.whole(table, (*where, share), 1, 99, required=True) or 100
                interval = self.whole(table, (*where, minutes), 0, 2880, required=True) or 0
            result[name] = (kind, percentage, interval)
        return result

    def whole(
        self, table: dict[str, Any], keys: tuple[str, ...], low: int, high: int,
        *, required: bool = False,
    ) -> int | None:  # fmt: skip
        value = table.get(keys[-1])
        if value is None:
            if required:
                raise self.error(keys[:-1], f'missing "{keys[-1]}"', fix=f"add {keys[-1]} = ...")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(keys, f"expected a whole number {low}-{high}, got {_toml_type(value)}")
        return value

    def autoscaling(
        self, parent: dict[str, Any], keys: tuple[str, ...]
    ) -> AutoscalingConfig | None:
        table = self.table(parent, keys)
        if not table:
            return None
        self.known_keys(table, keys, _AUTOSCALING_KEYS)
        for name in ("min_capacity", "max_capacity"):
            if name not in table:
                raise self.error(keys, f'missing "{name}"', fix=f"add {name} = ...")
        capacity = {k: v for k, v in table.items() if k in _CAPACITY_KEYS and k != "policies"}
        for name, value in capacity.items():
            self._check_autoscaling_value((*keys, name), value)
        policies = self._scaling_policies(table, keys)
        config = AutoscalingConfig(**capacity, policies=tuple(policies))
        if config.max_capacity < config.min_capacity:
            raise self.error((*keys, "max_capacity"), "is below min_capacity")
        return config

    def _scaling_policies(
        self, table: dict[str, Any], keys: tuple[str, ...]
    ) -> list[ScalingPolicyConfig]:
        """The inline policy (if any) and each [[service.autoscaling.policies]] entry."""
        inline = {k: v for k, v in table.items() if k in _POLICY_KEYS}
        entries = [(inline, keys)] if inline else []
        listed = table.get("policies", [])
        if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
            raise self.error(
                (*keys, "policies"),
                f"expected [[{'.'.join(keys)}.policies]] tables, got {_toml_type(listed)}",
            )
        for entry in listed:
            self.known_keys(entry, (*keys, "policies"), _POLICY_KEYS)
            entries.append((entry, (*keys, "policies")))
        if not entries:
            raise self.error(
                keys, 'missing "target_value"', fix="add target_value = ... (a policy's target)"
            )
        if len(entries) > MAX_POLICIES:
            raise self.error(
                (*keys, "policies"), f"{len(entries)} policies: at most {MAX_POLICIES}"
            )
        policies: list[ScalingPolicyConfig] = []
        for entry, where in entries:
            if "target_value" not in entry:
                raise self.error(where, 'missing "target_value"', fix="add target_value = ...")
            for name, value in entry.items():
                self._check_autoscaling_value((*where, name), value)
            policy = ScalingPolicyConfig(**entry)
            # "You can have multiple target tracking scaling policies for a scalable target,
            # provided that each of them uses a different metric."
            if any(p.predefined_metric_type == policy.predefined_metric_type for p in policies):
                raise self.error(
                    (*where, "predefined_metric_type"),
                    f"a second policy on {policy.predefined_metric_type}",
                    fix="each policy of a scalable target must use a different metric",
                )
            policies.append(policy)
        return policies

    def _check_autoscaling_value(self, where: tuple[str, ...], value: Any) -> None:
        name = where[-1]
        if name == "predefined_metric_type":
            self._check_metric(where, value)
        elif name == "disable_scale_in":
            if not isinstance(value, bool):
                raise self.error(where, f"expected true or false, got {_toml_type(value)}")
        elif name == "target_value":
            # AWS takes -2^360..2^360; only a positive target can be tracked proportionally.
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise self.error(where, f"expected a positive number, got {_toml_type(value)}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(where, f"expected a whole number >= 0, got {_toml_type(value)}")
        elif name == "metric_period_seconds" and not 1 <= value <= 3600:
            raise self.error(where, f"{value} is not 1-3600")
        elif name == "max_capacity" and value > MAX_TASKS_PER_SERVICE:
            raise self.error(
                where, f"{value} is above ECS's {MAX_TASKS_PER_SERVICE} tasks per service"
            )

    def _check_metric(self, where: tuple[str, ...], value: Any) -> None:
        if value in PREDEFINED_METRICS:
            return
        known = " or ".join(PREDEFINED_METRICS)
        if value in _ECS_METRICS_NOT_RUN:
            raise self.error(where, f"{value!r} is not run locally", fix=f"use {known}")
        raise self.error(
            where,
            f"{value!r} is not a predefined metric type of an ECS service",
            fix=f"use {known} (Application Auto Scaling's names)",
        )

    def target_group(self, parent: dict[str, Any], keys: tuple[str, ...]) -> dict[str, int | str]:
        table = self.table(parent, keys)
        self.known_keys(table, keys, TARGET_GROUP_KEYS)
        for name, value in table.items():
            if name in _TARGET_GROUP_STRINGS:
                self.string(table, (*keys, name))
            elif isinstance(value, bool) or not isinstance(value, int):
                raise self.error((*keys, name), f"expected a whole number, got {_toml_type(value)}")
        return dict(table)

    def values(self, parent: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
        table = self.table(parent, keys)
        for name, value in table.items():
            if not _VALUE_NAME.fullmatch(name):
                raise self.error(
                    (*keys, name),
                    f'invalid value name "{name}"',
                    fix="use letters, digits and _ (it is written ${NAME})",
                )
            if not isinstance(value, str):
                raise self.error(
                    (*keys, name),
                    f"expected a string, got {_toml_type(value)}",
                    fix=f'quote it: {name} = "{value}"',
                )
        return dict(table)

    def ports(self, parent: dict[str, Any], keys: tuple[str, ...]) -> dict[int, int]:
        result: dict[int, int] = {}
        for container, host in self.table(parent, keys).items():
            where = (*keys, container)
            if not container.isdigit() or not 1 <= int(container) <= 65535:
                raise self.error(where, f'"{container}" is not a port', fix='e.g. "8080" = 18080')
            if isinstance(host, bool) or not isinstance(host, int) or not 1 <= host <= 65535:
                raise self.error(where, f"host port must be 1-65535, got {host!r}")
            result[int(container)] = host
        return result

    def environment_files(self, parent: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Path]:
        result: dict[str, Path] = {}
        for arn, local in self.table(parent, keys).items():
            where = (*keys, arn)
            if not arn.startswith("arn:"):
                raise self.error(
                    where,
                    f'"{arn}" is not an ARN',
                    fix="key by the S3 ARN the task definition names",
                )
            if not isinstance(local, str):
                raise self.error(where, f"expected a file path, got {_toml_type(local)}")
            result[arn] = self.root / local
        return result

    def table(
        self, parent: dict[str, Any], keys: tuple[str, ...], *, required: bool = False
    ) -> dict[str, Any]:
        value = parent.get(keys[-1])
        if value is None:
            if required:
                raise ConfigError(
                    f"missing [{'.'.join(keys)}] table", file=self.path, fix="see docs/config.md"
                )
            return {}
        if not isinstance(value, dict):
            raise self.error(keys, f"expected a table, got {_toml_type(value)}")
        return value

    def string(
        self, table: dict[str, Any], keys: tuple[str, ...], *, required: bool = False
    ) -> str:
        value = table.get(keys[-1])
        if value is None:
            if required:
                raise self.error(keys[:-1], f'missing "{keys[-1]}"', fix=f'add {keys[-1]} = "..."')
            return ""
        if not isinstance(value, str) or not value:
            raise self.error(keys, f"expected a non-empty string, got {_toml_type(value)}")
        return value

    def file(self, table: dict[str, Any], keys: tuple[str, ...], default: str) -> Path:
        return (self.root / (self.string(table, keys) or default)).resolve()

    def known_keys(
        self, table: dict[str, Any], keys: tuple[str, ...], known: tuple[str, ...]
    ) -> None:
        for key in table:
            if key not in known:
                close = suggest(key, list(known))
                fix = f'did you mean "{close}"?' if close else "known: " + ", ".join(known)
                raise self.error((*keys, key), f'unknown key "{key}"', fix=fix)


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__  # dates and times


def find_key_line(text: str, keys: tuple[str, ...]) -> int | None:
    """The line where ``keys`` (a dotted key path) is written, found by plain text search.

    Each key is looked for after the previous one, as a bare or quoted key followed by ``=``,
    ``.`` or ``]``: that finds ``[environments.prod]`` then ``values = {...}`` under it, and
    ``prod.values`` written as a dotted key. Good enough for messages; None when not found.
    """
    offset = 0
    found: int | None = None
    for key in keys:
        quoted = re.escape(key)
        pattern = re.compile(
            rf"""(?:^|[\s{{,.\[])(?:{quoted}|"{quoted}"|'{quoted}')\s*(?:=|\.|\])""", re.MULTILINE
        )
        match = pattern.search(text, offset)
        if match is None:
            return found
        offset = match.end() - 1
        found = text.count("\n", 0, match.end() - 1) + 1
    return found
