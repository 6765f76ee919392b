"""Target tracking on requests per target: alarms, proportional steps, bounds and cooldowns."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.config import AutoscalingConfig, load_config
from hakobu.engines.local.service.autoscaling import TargetTracking
from hakobu.errors import ConfigError

CONFIG = AutoscalingConfig(
    min_capacity=1,
    max_capacity=6,
    target_value=100,
    scale_out_cooldown_seconds=60,
    scale_in_cooldown_seconds=120,
    metric_period_seconds=10,
)


class Feeder:
    """Feeds one datapoint per period at so many requests per target."""

    def __init__(self, tracking: TargetTracking, targets: int) -> None:
        self.tracking, self.targets = tracking, targets
        self.now, self.total = 0.0, 0
        tracking.observe(self.now, self.total, targets)

    def __call__(self, per_target: list[float], targets: int | None = None) -> float:
        self.targets = targets or self.targets
        for value in per_target:
            self.now += CONFIG.metric_period_seconds
            self.total += int(value * self.targets)
            self.tracking.observe(self.now, self.total, self.targets)
        return self.now


def test_three_high_datapoints_scale_out_proportionally() -> None:
    tracking = TargetTracking(CONFIG)
    feed = Feeder(tracking, targets=2)
    now = feed([250, 250])
    assert tracking.decide(now, 2, deploying=False) is None  # two datapoints are not enough
    now = feed([250])
    decision = tracking.decide(now, 2, deploying=False)
    assert decision is not None and decision.alarm == "AlarmHigh"
    assert decision.desired_count == 5  # ceil(2 * 250 / 100)


def test_scale_out_stops_at_max_capacity_and_respects_the_cooldown() -> None:
    tracking = TargetTracking(CONFIG)
    feed = Feeder(tracking, targets=1)
    now = feed([1000, 1000, 1000])
    first = tracking.decide(now, 1, deploying=False)
    assert first is not None and first.desired_count == 6
    now = feed([300, 300, 300], targets=6)
    assert tracking.decide(now, 6, deploying=False) is None  # at max already


def test_fifteen_low_datapoints_scale_in_and_never_during_a_deployment() -> None:
    tracking = TargetTracking(CONFIG)
    feed = Feeder(tracking, targets=4)
    now = feed([20.0] * 14)
    assert tracking.decide(now, 4, deploying=False) is None
    now = feed([20.0])
    assert tracking.decide(now, 4, deploying=True) is None
    decision = tracking.decide(now, 4, deploying=False)
    assert decision is not None and decision.alarm == "AlarmLow"
    assert decision.desired_count == 1  # ceil(4 * 20 / 100), not below min_capacity


def test_values_between_90_percent_and_the_target_change_nothing() -> None:
    tracking = TargetTracking(CONFIG)
    now = Feeder(tracking, targets=3)([95.0] * 20)
    assert tracking.decide(now, 3, deploying=False) is None


def test_a_count_outside_the_capacity_is_brought_back() -> None:
    decision = TargetTracking(CONFIG).decide(0, 9, deploying=False)
    assert decision is not None and (decision.desired_count, decision.alarm) == (6, "Capacity")


def test_disable_scale_in() -> None:
    tracking = TargetTracking(
        AutoscalingConfig(min_capacity=1, max_capacity=4, target_value=10, disable_scale_in=True)
    )
    tracking.datapoints.extend([0.0] * 15)
    assert tracking.decide(0, 3, deploying=False) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("min_capacity = 1\ntarget_value = 10\n", 'missing "max_capacity"'),
        ("min_capacity = 3\nmax_capacity = 2\ntarget_value = 10\n", "below min_capacity"),
        ("min_capacity = 1\nmax_capacity = 2\ntarget_value = 0\n", "positive number"),
        (
            "min_capacity = 1\nmax_capacity = 2\ntarget_value = 5\n"
            'predefined_metric_type = "ECSServiceAverageCPUUtilization"\n',
            "not run locally",
        ),
    ],
)
def test_bad_autoscaling_settings(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text('[app]\nname = "web"\n[service.autoscaling]\n' + text)
    with pytest.raises(ConfigError, match=words):
        load_config(path)


def test_good_autoscaling_settings(tmp_path: Path) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text(
        '[app]\nname = "web"\n[service.autoscaling]\n'
        "min_capacity = 1\nmax_capacity = 4\ntarget_value = 50\nmetric_period_seconds = 5\n"
    )
    config = load_config(path).autoscaling
    assert config == AutoscalingConfig(1, 4, 50, metric_period_seconds=5)
    assert config.scale_out_cooldown_seconds == 300  # ECS's default
