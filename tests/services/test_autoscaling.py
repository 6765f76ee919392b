"""Target tracking: alarms, proportional steps, bounds, cooldowns, several policies, the CPU
metric, its settings in hakobu.toml, and a service on real podman that scales out on CPU and back
in when idle."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from tests.engines.conftest import BUSYBOX, wait_for
from tests.services.conftest import MakeService, web_container

from hakobu.config import (
    CPU_UTILIZATION,
    REQUESTS_PER_TARGET,
    AutoscalingConfig,
    ScalingPolicyConfig,
    load_config,
)
from hakobu.containers.process import Completed
from hakobu.containers.runtime import (
    PodmanRuntime,
    PodSpec,
    _missing_cpu_accounting,
)
from hakobu.engines.local.service.autoscaler import Autoscaler
from hakobu.engines.local.service.autoscaling import ScalableTarget, TargetTracking
from hakobu.engines.local.service.metrics import CpuUtilization, RequestCountPerTarget, TaskCpu
from hakobu.errors import ConfigError

REQUESTS = ScalingPolicyConfig(
    target_value=100, scale_out_cooldown_seconds=60, scale_in_cooldown_seconds=120
)
CPU = ScalingPolicyConfig(target_value=50, predefined_metric_type=CPU_UTILIZATION)
CONFIG = AutoscalingConfig(1, 6, (REQUESTS,), metric_period_seconds=10)


def tracking(policy: ScalingPolicyConfig = REQUESTS) -> TargetTracking:
    return TargetTracking(policy, CONFIG.min_capacity, CONFIG.max_capacity)


class Feeder:
    """Turns requests per target into the request counter the load balancer keeps, one period
    at a time, and feeds the policy the datapoints the metric closes."""

    def __init__(self, policy: TargetTracking, targets: int) -> None:
        self.policy, self.targets = policy, targets
        self.metric = RequestCountPerTarget(CONFIG.metric_period_seconds)
        self.now, self.total = 0.0, 0
        assert self.metric.observe(self.now, self.total, targets) is None  # starts a period

    def __call__(self, per_target: list[float], targets: int | None = None) -> float:
        self.targets = targets or self.targets
        for value in per_target:
            self.now += CONFIG.metric_period_seconds
            self.total += int(value * self.targets)
            self.policy.add(self.metric.observe(self.now, self.total, self.targets))
        return self.now


def decide(policy: TargetTracking, now: float, current: int, deploying: bool = False) -> object:
    """One policy alone: its proposal, committed as the scalable target would."""
    decision = policy.propose(now, current, deploying=deploying)
    if decision is not None:
        policy.commit(now, decision)
    return decision


def test_three_high_datapoints_scale_out_proportionally() -> None:
    policy = tracking()
    feed = Feeder(policy, targets=2)
    now = feed([250, 250])
    assert decide(policy, now, 2) is None  # two datapoints are not enough
    now = feed([250])
    decision = policy.propose(now, 2, deploying=False)
    assert decision is not None and decision.alarm == "AlarmHigh"
    assert decision.desired_count == 5  # ceil(2 * 250 / 100)
    assert decision.policy == "hakobu-requests-per-target"


def test_scale_out_stops_at_max_capacity_and_respects_the_cooldown() -> None:
    policy = tracking()
    feed = Feeder(policy, targets=1)
    now = feed([1000, 1000, 1000])
    first = decide(policy, now, 1)
    assert first is not None and first.desired_count == 6  # type: ignore[attr-defined]
    now = feed([300, 300, 300], targets=6)
    assert decide(policy, now, 6) is None  # at max already


def test_fifteen_low_datapoints_scale_in_and_never_during_a_deployment() -> None:
    policy = tracking()
    feed = Feeder(policy, targets=4)
    now = feed([20.0] * 14)
    assert decide(policy, now, 4) is None
    now = feed([20.0])
    assert decide(policy, now, 4, deploying=True) is None
    decision = policy.propose(now, 4, deploying=False)
    assert decision is not None and decision.alarm == "AlarmLow"
    assert decision.desired_count == 1  # ceil(4 * 20 / 100), not below min_capacity


def test_values_between_90_percent_and_the_target_change_nothing() -> None:
    policy = tracking()
    now = Feeder(policy, targets=3)([95.0] * 20)
    assert decide(policy, now, 3) is None


def test_a_missing_datapoint_breaks_the_alarms_run() -> None:
    policy = tracking()
    for value in (500.0, 500.0, None, 500.0, 500.0):
        policy.add(value)
    assert policy.propose(0, 1, deploying=False) is None
    policy.add(500.0)
    assert policy.propose(0, 1, deploying=False) is not None


def test_a_count_outside_the_capacity_is_brought_back() -> None:
    decision = ScalableTarget(CONFIG).decide(0, 9, deploying=False)
    assert decision is not None and (decision.desired_count, decision.alarm) == (6, "Capacity")


def test_disable_scale_in() -> None:
    policy = ScalingPolicyConfig(target_value=10, disable_scale_in=True)
    target = ScalableTarget(AutoscalingConfig(1, 4, (policy,)))
    target.policies[0].datapoints.extend([0.0] * 15)
    assert target.decide(0, 3, deploying=False) is None


# -- several policies: Application Auto Scaling's rule ---------------------------------------


def two_policies(cpu: ScalingPolicyConfig = CPU) -> ScalableTarget:
    return ScalableTarget(AutoscalingConfig(1, 10, (REQUESTS, cpu)))


def test_any_policy_scales_out_and_the_largest_capacity_wins() -> None:
    target = two_policies()
    requests, cpu = target.policies
    requests.datapoints.extend([50.0] * 15)  # low: would scale in on its own
    cpu.datapoints.extend([100.0] * 3)  # 2 x 100 / 50 -> 4
    decision = target.decide(0, 2, deploying=False)
    assert decision is not None and decision.desired_count == 4
    assert decision.policy == "hakobu-cpu-utilization"
    requests.datapoints.extend([300.0] * 3)  # 4 x 300 / 100 -> 12, capped at 10
    cpu.datapoints.extend([75.0] * 3)  # 4 x 75 / 50 -> 6
    decision = target.decide(1, 4, deploying=False)
    assert decision is not None and decision.desired_count == 10
    assert decision.policy == "hakobu-requests-per-target"


def test_scale_in_only_when_every_policy_asks_for_it() -> None:
    target = two_policies()
    requests, cpu = target.policies
    requests.datapoints.extend([10.0] * 15)  # 4 x 10 / 100 -> 1
    cpu.datapoints.extend([48.0] * 15)  # between 90 % of the target and the target
    assert target.decide(0, 4, deploying=False) is None
    cpu.datapoints.extend([20.0] * 15)  # 4 x 20 / 50 -> 2: the larger capacity of the two
    decision = target.decide(1, 4, deploying=False)
    assert decision is not None and (decision.desired_count, decision.alarm) == (2, "AlarmLow")
    assert not requests.datapoints and not cpu.datapoints  # both alarms start over


def test_a_policy_with_scale_in_disabled_does_not_hold_scale_in_back() -> None:
    target = two_policies(ScalingPolicyConfig(50, CPU_UTILIZATION, disable_scale_in=True))
    requests, _cpu = target.policies
    requests.datapoints.extend([10.0] * 15)
    decision = target.decide(0, 4, deploying=False)
    assert decision is not None and decision.desired_count == 1


# -- the CPU metric --------------------------------------------------------------------------


def test_cpu_utilization_is_cpu_used_over_cpu_reserved_averaged_per_period() -> None:
    metric = CpuUtilization(period_seconds=60)
    tasks = [TaskCpu("a", ("a-web",), 256), TaskCpu("b", ("b-web", "b-side"), 512)]
    assert not metric.due(0)  # starts the period
    metric.record(0, {"a-web": 10.0, "b-web": 3.0, "b-side": 1.0}, tasks)  # first: no sample
    # In 20 s, a used 5 s of its 0.25 vCPU (100 %), b 2 s of its 0.5 vCPU (20 %):
    # (5 + 2) / ((0.25 + 0.5) * 20) = 46.67 %, the service average, not the mean of 100 and 20.
    metric.record(20, {"a-web": 15.0, "b-web": 4.5, "b-side": 1.5}, tasks)
    metric.record(40, {"a-web": 15.0, "b-web": 4.5, "b-side": 1.5}, tasks)  # idle: 0 %
    assert metric.due(60)
    assert metric.close(60) == pytest.approx((700 / 15 + 0) / 2)
    assert metric.close(120) is None  # no sample in that period: no datapoint


def test_tasks_not_running_or_restarted_are_left_out_of_a_sample() -> None:
    metric = CpuUtilization(period_seconds=30)
    tasks = [TaskCpu("a", ("a-web",), 1024), TaskCpu("b", ("b-web",), 1024)]
    metric.record(0, {"a-web": 5.0, "b-web": 9.0}, tasks)
    metric.record(10, {"a-web": 10.0, "b-web": 1.0}, tasks)  # b restarted: its counter reset
    metric.record(20, {"a-web": 12.0}, tasks)  # b gone
    assert metric.close(30) == pytest.approx((50.0 + 20.0) / 2)


def test_missing_cpu_accounting_is_named() -> None:
    def info(out: str, code: int = 0, err: str = "") -> str:
        return _missing_cpu_accounting(Completed(["podman", "info"], code, out, err))

    assert info("v1 [cpuset cpu cpuacct memory]\n") == ""
    assert info("v2 [cpuset cpu io memory pids]\n") == ""
    assert "without the cpuacct controller" in info("v1 [cpuset cpu memory]\n")
    assert "cgroups v2 without the cpu controller" in info("v2 [memory pids]\n")
    assert "podman info` failed" in info("", 125, "Error: boom")


# An engine whose `podman stats` fails until `stats-works` exists, its cgroups able to account
# CPU all along: a failed reading, as when a container is removed while podman reads them all.
FLAKY_ENGINE = """#!/bin/sh
case "$1" in
  info) echo "v2 [cpuset cpu io memory pids]" ;;
  stats) [ -e "$(dirname "$0")/stats-works" ] || { echo "Error: no such container" >&2; exit 125; }
         echo "t1-web 2000000000" ;;
esac
"""


def test_a_failed_cpu_reading_is_a_sample_fewer_not_the_end_of_the_policy(tmp_path: Path) -> None:
    engine = tmp_path / "podman"
    engine.write_text(FLAKY_ENGINE)
    engine.chmod(0o755)
    config = AutoscalingConfig(1, 3, (CPU,), metric_period_seconds=3)
    scaler = Autoscaler(config, PodmanRuntime(str(engine)), "web")

    class Task:
        task_id, container_names, cpu_units = "t1", ("t1-web",), 256

    async def sample(now: float) -> None:
        scaler.sample_cpu(now, [Task()])  # type: ignore[list-item]
        assert scaler._sampling is not None
        await scaler._sampling

    async def run() -> None:
        for now in range(3):  # a whole period of failed readings
            await sample(float(now))
        (tmp_path / "stats-works").touch()
        await sample(3.0)

    asyncio.run(run())
    assert scaler.not_reported is None  # the policy still gets its datapoints
    assert scaler._cpu is not None and scaler._cpu._last["t1"][0] == 2.0  # the reading taken
    [warning] = scaler.take_warnings()
    assert "failed to report CPU use for a whole period (`podman stats` failed: Error: no such" in (
        warning
    )


@pytest.mark.podman
def test_podman_reports_each_containers_cumulative_cpu(busybox_image: str) -> None:
    runtime = PodmanRuntime("podman")
    pod = f"hakobu-cpu-test-{time.monotonic_ns()}"
    runtime.create_pod(PodSpec(pod, {"hakobu.test": "cpu"}, cpus=0.25))
    names = (f"{pod}-burn", f"{pod}-idle")
    try:
        for name, script in zip(names, ("while :; do :; done", "sleep 600"), strict=True):
            runtime._run("run", "-d", "--name", name, "--pod", pod, BUSYBOX, "sh", "-c", script)
        first = runtime.cpu_seconds([*names, "no-such-container"])
        assert set(first) == set(names)
        assert wait_for(lambda: runtime.cpu_seconds(names)[names[0]] > first[names[0]] + 0.2)
        assert runtime.cpu_seconds(names)[names[1]] < 0.2  # sleeping uses next to nothing
    finally:
        runtime.remove_pod(pod)  # -f: its containers go with it


@pytest.mark.podman
def test_an_engine_that_reports_no_cpu_warns_once_and_never_scales() -> None:
    runtime = PodmanRuntime("podman")
    runtime._cpu_accounting = "cgroups v1 without the cpuacct controller (controllers: [cpu])"
    config = AutoscalingConfig(1, 3, (CPU,), metric_period_seconds=1)
    scaler = Autoscaler(config, runtime, "web")

    class Task:
        task_id, container_names, cpu_units = "t1", ("t1-web",), 256

    async def run() -> list[str]:
        scaler.sample_cpu(0, [Task()])  # type: ignore[list-item]
        assert scaler._sampling is not None
        await scaler._sampling
        scaler.sample_cpu(10, [Task()])  # type: ignore[list-item]
        return scaler.take_warnings()

    [warning] = asyncio.run(run())
    assert "podman does not report CPU use (cgroups v1 without the cpuacct" in warning
    assert "does not scale the service" in warning
    for now in range(1, 6):
        assert scaler.decide(float(now), 1, deploying=False) is None
    assert not scaler.target.policies[0].datapoints


# -- hakobu.toml -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("min_capacity = 1\ntarget_value = 10\n", 'missing "max_capacity"'),
        ("min_capacity = 1\nmax_capacity = 2\n", 'missing "target_value"'),
        ("min_capacity = 3\nmax_capacity = 2\ntarget_value = 10\n", "below min_capacity"),
        ("min_capacity = 1\nmax_capacity = 5001\ntarget_value = 10\n", "5000 tasks per service"),
        ("min_capacity = 1\nmax_capacity = 2\ntarget_value = 0\n", "positive number"),
        ("min_capacity = 1\nmax_capacity = 2\ntarget_value = 5\nscale_in_cooldown_seconds = -1\n",
         "whole number >= 0"),
        (
            "min_capacity = 1\nmax_capacity = 2\ntarget_value = 5\n"
            'predefined_metric_type = "ECSServiceAverageMemoryUtilization"\n',
            "not run locally",
        ),
        (
            "min_capacity = 1\nmax_capacity = 2\ntarget_value = 5\n"
            'predefined_metric_type = "CPUUtilization"\n',
            "not a predefined metric type",
        ),
        (
            "min_capacity = 1\nmax_capacity = 2\ntarget_value = 5\n"
            "[[service.autoscaling.policies]]\ntarget_value = 9\n",
            "a second policy on ALBRequestCountPerTarget",
        ),
        (
            "min_capacity = 1\nmax_capacity = 2\n"
            "[[service.autoscaling.policies]]\ntarget_value = 9\ncooldown = 3\n",
            'unknown key "cooldown"',
        ),
    ],
)  # fmt: skip
def test_bad_autoscaling_settings(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text('[app]\nname = "web"\n[service.autoscaling]\n' + text)
    with pytest.raises(ConfigError, match=words) as caught:
        load_config(path)
    assert caught.value.exit_code == 2


def test_good_autoscaling_settings_one_policy_inline(tmp_path: Path) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text(
        '[app]\nname = "web"\n[service.autoscaling]\n'
        "min_capacity = 1\nmax_capacity = 4\ntarget_value = 50\nmetric_period_seconds = 5\n"
    )
    config = load_config(path).autoscaling
    assert config == AutoscalingConfig(1, 4, (ScalingPolicyConfig(50),), metric_period_seconds=5)
    assert config.policies[0].scale_out_cooldown_seconds == 300  # ECS's default
    assert config.needs_load_balancer
    assert AutoscalingConfig.from_dict(config.to_dict()) == config


def test_good_autoscaling_settings_several_policies(tmp_path: Path) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text(
        '[app]\nname = "web"\n[service.autoscaling]\nmin_capacity = 0\nmax_capacity = 4\n'
        f'[[service.autoscaling.policies]]\npredefined_metric_type = "{CPU_UTILIZATION}"\n'
        "target_value = 60.5\nscale_in_cooldown_seconds = 30\n"
        f'[[service.autoscaling.policies]]\npredefined_metric_type = "{REQUESTS_PER_TARGET}"\n'
        "target_value = 1000\ndisable_scale_in = true\n"
    )
    config = load_config(path).autoscaling
    assert config is not None and [p.predefined_metric_type for p in config.policies] == [
        CPU_UTILIZATION,
        REQUESTS_PER_TARGET,
    ]
    assert config.policies[0].scale_in_cooldown_seconds == 30
    assert config.policies[1].disable_scale_in
    assert AutoscalingConfig.from_dict(config.to_dict()) == config


def test_a_cpu_only_policy_needs_no_load_balancer() -> None:
    assert not AutoscalingConfig(1, 2, (CPU,)).needs_load_balancer


def test_the_flat_form_an_older_controller_wrote_still_reads() -> None:
    flat = {"min_capacity": 1, "max_capacity": 3, "target_value": 20, "metric_period_seconds": 1}
    config = AutoscalingConfig.from_dict(flat)
    assert config == AutoscalingConfig(1, 3, (ScalingPolicyConfig(20),), metric_period_seconds=1)


# -- a service on real podman ----------------------------------------------------------------

# Each task burns CPU for BURN seconds after it starts (its pod is capped at the task's 256 CPU
# units, 0.25 vCPU, so that is 100 % utilization), then only serves. Local, explicit overrides:
# 2 s periods instead of 60 s, 2 s cooldowns instead of 300 s.
BURN = 20
CPU_SCALING = f"""
[service.autoscaling]
min_capacity = 1
max_capacity = 2
metric_period_seconds = 2

[[service.autoscaling.policies]]
predefined_metric_type = "{CPU_UTILIZATION}"
target_value = 50
scale_out_cooldown_seconds = 2
scale_in_cooldown_seconds = 2
"""


@pytest.mark.podman
@pytest.mark.slow
def test_a_busy_service_scales_out_on_cpu_and_back_in_when_idle(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1", desiredCount=1, toml_extra=CPU_SCALING)
    web = web_container("v1")
    burn = f"(timeout {BURN} sh -c 'while :; do :; done' &); {web['command'][-1]}"
    app.write_task(web | {"command": ["sh", "-c", burn]})
    deployed = app.hakobu("deploy", timeout=120)
    assert deployed.returncode == 0, deployed.stderr
    # 3 datapoints of ~100 % against a target of 50: ceil(1 * 100 / 50) = 2 tasks.
    assert wait_for(lambda: app.state().desired_count == 2, timeout=30)
    assert wait_for(lambda: app.state().steady and app.state().running_count == 2, timeout=60)
    # Once both have stopped burning, 15 datapoints below 45 % scale it back in to 1.
    assert wait_for(lambda: app.state().desired_count == 1, timeout=90)
    assert wait_for(lambda: app.state().steady and app.state().running_count == 1, timeout=60)
    scaling = [e for e in app.events() if e.startswith("Message: Successfully set desired count")]
    assert scaling[0].startswith("Message: Successfully set desired count to 2.")
    assert "web-AlarmHigh in state ALARM triggered policy hakobu-cpu-utilization" in scaling[0]
    assert "web-AlarmLow" in scaling[-1] and "desired count to 1." in scaling[-1]
    assert not any("does not report CPU" in e for e in app.events())
