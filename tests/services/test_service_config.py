"""hakobu.toml's service settings: AWS's defaults and ranges, unknown keys refused with the line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hakobu.config import TARGET_GROUP_KEYS, load_config
from hakobu.engines.local.service.settings import app_target_group, listener_port
from hakobu.errors import ConfigError
from hakobu.lb import TargetGroupSettings
from hakobu.spec.service import LoadBalancerRef, ServiceDefinition


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hakobu.toml"
    path.write_text('[app]\nname = "web"\n' + text)
    return path


def test_target_group_keys_are_the_load_balancers_own() -> None:
    own = tuple(f.name for f in dataclasses.fields(TargetGroupSettings) if f.init)
    assert set(TARGET_GROUP_KEYS) == set(own)


def test_defaults_are_aws_defaults(tmp_path: Path) -> None:
    app = load_config(config(tmp_path, ""))
    settings = app_target_group(app)
    assert settings.health_check_path == "/"
    assert settings.health_check_interval_seconds == 30
    assert settings.health_check_timeout_seconds == 5
    assert settings.healthy_threshold_count == 5
    assert settings.unhealthy_threshold_count == 2
    assert settings.matcher == "200"
    assert settings.deregistration_delay_seconds == 300
    assert app.service_definition == tmp_path / "servicedef.json"


def test_explicit_overrides(tmp_path: Path) -> None:
    app = load_config(
        config(
            tmp_path,
            '[service.target_group]\nhealth_check_path = "/health"\n'
            "health_check_interval_seconds = 5\nhealth_check_timeout_seconds = 2\n"
            "healthy_threshold_count = 2\nderegistration_delay_seconds = 1\n"
            'algorithm = "least_outstanding_requests"\n'
            "[environments.local.service]\nport = 18080\n",
        )
    )
    settings = app_target_group(app)
    assert settings.health_check_path == "/health"
    assert settings.deregistration_delay_seconds == 1
    assert settings.algorithm == "least_outstanding_requests"
    service = ServiceDefinition("web", 1, load_balancers=(LoadBalancerRef("app", 8080),))
    assert listener_port(app, "local", service) == 18080
    assert listener_port(load_config(config(tmp_path, "")), "local", service) == 8080


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[service.target_group]\nintervall = 5\n", 4, 'unknown key "intervall"'),
        ("[service.target_group]\nhealth_check_interval_seconds = 1\n", 4, "range 5-300"),
        ("[service.target_group]\nhealth_check_timeout_seconds = 200\n", 4, "range 2-120"),
        ("[service.target_group]\nhealthy_threshold_count = 11\n", 4, "range 2-10"),
        ("[service.target_group]\nderegistration_delay_seconds = 4000\n", 4, "range 0-3600"),
        ('[service.target_group]\nderegistration_delay_seconds = "1"\n', 4, "whole number"),
        ('[service.target_group]\nmatcher = "100"\n', 4, "between 200 and 499"),
        ("[service]\nport = 1\n", 4, 'unknown key "port"'),
        ("[environments.local.service]\nport = 0\n", 4, "1-65535"),
    ],
)
def test_out_of_range_or_unknown_is_a_located_error(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        app_target_group(load_config(path))
    assert words in str(caught.value)
    assert caught.value.line == line, str(caught.value)
