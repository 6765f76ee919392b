"""hakobu.toml's service settings turned into the load balancer's, with located errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hakobu.config import AppConfig, find_key_line
from hakobu.errors import ConfigError
from hakobu.spec.service import ServiceDefinition

if TYPE_CHECKING:
    from hakobu.lb import TargetGroupSettings

TARGET_GROUP_TABLE = ("service", "target_group")


def target_group_settings(
    values: Mapping[str, Any], config_file: Path | None = None
) -> TargetGroupSettings:
    """AWS's defaults and ranges, as the load balancer checks them; errors name the line."""
    # Imported here: the load balancer package costs ~100 ms, which `ps` and `down` need not pay.
    from hakobu.lb import TargetGroupSettings, TargetGroupSettingsError

    try:
        return TargetGroupSettings(**values)
    except TargetGroupSettingsError as e:
        keys = (*TARGET_GROUP_TABLE, e.field)
        line = None
        if config_file is not None:
            try:
                line = find_key_line(config_file.read_text(encoding="utf-8"), keys)
            except OSError:
                line = None
        message = str(e).removeprefix(f"{e.field}: ")
        raise ConfigError(message, file=config_file, line=line, field=".".join(keys)) from None


def app_target_group(app: AppConfig) -> TargetGroupSettings:
    return target_group_settings(app.target_group, app.path)


def listener_port(app: AppConfig, env_name: str, service: ServiceDefinition) -> int:
    """``[environments.ENV.service] port``, else the load balancer's container port, as task
    ports default to the container port."""
    port = app.environment(env_name).service_port
    if port is not None:
        return port
    if service.load_balancer is not None:
        return service.load_balancer.container_port
    return 8080
