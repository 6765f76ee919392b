"""Target group settings: AWS's defaults and allowed ranges, and the matcher syntax."""

from __future__ import annotations

from typing import Any

import pytest

from hakobu.errors import UsageError
from hakobu.lb import Matcher, TargetGroupSettings, TargetGroupSettingsError


def test_defaults_are_aws_defaults() -> None:
    s = TargetGroupSettings()
    assert s.health_check_path == "/"
    assert s.health_check_port is None  # the traffic port
    assert s.health_check_interval_seconds == 30
    assert s.health_check_timeout_seconds == 5
    assert s.healthy_threshold_count == 5
    assert s.unhealthy_threshold_count == 2
    assert s.matcher == "200"
    assert s.deregistration_delay_seconds == 300
    assert s.algorithm == "round_robin"


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("health_check_interval_seconds", [6, 300], [4, 301]),
        ("health_check_timeout_seconds", [2, 5], [1]),
        ("healthy_threshold_count", [2, 10], [1, 11]),
        ("unhealthy_threshold_count", [2, 10], [1, 11]),
        ("deregistration_delay_seconds", [0, 3600], [-1, 3601]),
        ("health_check_port", [1, 65535], [0, 65536]),
    ],
)
def test_ranges_are_aws_ranges(field: str, good: list[int], bad: list[int]) -> None:
    for value in good:
        TargetGroupSettings(**settings(field, value))
    for value in bad:
        with pytest.raises(TargetGroupSettingsError) as e:
            TargetGroupSettings(**settings(field, value))
        assert e.value.field == field
        assert "AWS's range" in str(e.value)


def settings(field: str, value: object) -> dict[str, Any]:
    return {field: value}


def test_timeout_must_be_smaller_than_interval() -> None:
    TargetGroupSettings(health_check_interval_seconds=120, health_check_timeout_seconds=119)
    with pytest.raises(TargetGroupSettingsError, match="smaller than"):
        TargetGroupSettings(health_check_interval_seconds=10, health_check_timeout_seconds=10)


@pytest.mark.parametrize("value", [True, 5.0, "30"], ids=["bool", "float", "string"])
def test_durations_are_whole_numbers(value: Any) -> None:
    with pytest.raises(TargetGroupSettingsError, match="whole number"):
        TargetGroupSettings(health_check_interval_seconds=value)


def test_errors_are_usage_errors() -> None:
    with pytest.raises(UsageError) as e:
        TargetGroupSettings(algorithm="random")  # type: ignore[arg-type]
    assert e.value.exit_code == 2


def test_matcher_codes_and_ranges() -> None:
    m = Matcher("200-299,302")
    assert [c for c in (199, 200, 250, 299, 300, 302, 404) if m.matches(c)] == [200, 250, 299, 302]
    assert Matcher().matches(200) and not Matcher().matches(204)
    assert TargetGroupSettings(matcher="200,202").parsed_matcher.matches(202)


@pytest.mark.parametrize("text", ["", "ok", "199", "500", "300-200", "200-", "200,,201"])
def test_matcher_refuses_what_alb_refuses(text: str) -> None:
    with pytest.raises(TargetGroupSettingsError) as e:
        TargetGroupSettings(matcher=text)
    assert e.value.field == "matcher"


@pytest.mark.parametrize("path", ["health", "", "/a b", "/a\n"])
def test_health_check_path(path: str) -> None:
    with pytest.raises(TargetGroupSettingsError):
        TargetGroupSettings(health_check_path=path)
