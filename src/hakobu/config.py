"""hakobu.toml -> frozen settings (format: docs/config.md).

Unknown keys and wrong types are errors naming the line and the fix: a typo never passes
silently. tomllib gives no positions, so lines are found by searching the text for the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
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
_SERVICE_KEYS = ("target_group", "autoscaling", "hooks")
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
_AUTOSCALING_KEYS = (
    "min_capacity",
    "max_capacity",
    "target_value",
    "predefined_metric_type",
    "scale_out_cooldown_seconds",
    "scale_in_cooldown_seconds",
    "disable_scale_in",
    "metric_period_seconds",
)
PREDEFINED_METRICS = ("ALBRequestCountPerTarget",)
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
class AutoscalingConfig:
    """[service.autoscaling]: Application Auto Scaling's scalable target and one target tracking
    policy, under their API names in snake case, with ECS's defaults."""

    min_capacity: int
    max_capacity: int
    target_value: float
    predefined_metric_type: str = "ALBRequestCountPerTarget"
    scale_out_cooldown_seconds: int = 300
    scale_in_cooldown_seconds: int = 300
    disable_scale_in: bool = False
    # CloudWatch's period for the metric (60 s); a local override makes scaling visible faster.
    metric_period_seconds: int = 60


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

    def autoscaling(
        self, parent: dict[str, Any], keys: tuple[str, ...]
    ) -> AutoscalingConfig | None:
        table = self.table(parent, keys)
        if not table:
            return None
        self.known_keys(table, keys, _AUTOSCALING_KEYS)
        for name in ("min_capacity", "max_capacity", "target_value"):
            if name not in table:
                raise self.error(keys, f'missing "{name}"', fix=f"add {name} = ...")
        for name, value in table.items():
            self._check_autoscaling_value((*keys, name), value)
        config = AutoscalingConfig(**table)
        if config.max_capacity < config.min_capacity:
            raise self.error((*keys, "max_capacity"), "is below min_capacity")
        return config

    def _check_autoscaling_value(self, where: tuple[str, ...], value: Any) -> None:
        name = where[-1]
        if name == "predefined_metric_type":
            if value not in PREDEFINED_METRICS:
                raise self.error(
                    where,
                    f"{value!r} is not run locally",
                    fix="ALBRequestCountPerTarget (the engine reports no CPU yet)",
                )
        elif name == "disable_scale_in":
            if not isinstance(value, bool):
                raise self.error(where, f"expected true or false, got {_toml_type(value)}")
        elif name == "target_value":
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise self.error(where, f"expected a positive number, got {_toml_type(value)}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(where, f"expected a whole number >= 0, got {_toml_type(value)}")
        elif name == "metric_period_seconds" and not 1 <= value <= 3600:
            raise self.error(where, f"{value} is not 1-3600")

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
