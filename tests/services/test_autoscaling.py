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
    CpuReading,
    PodmanRuntime,
    PodSpec,
    _missing_cpu_accounting,
)
from hakobu.engines.local.service.autoscaler import Autoscaler
from hakobu.engines.local.service.autoscaling import Decision, ScalableTarget, TargetTracking
from hakobu.engines.local.service.metrics import CpuUtilization, RequestCountPerTarget, TaskCpu
from hakobu.errors import ConfigError

REQUESTS = ScalingPolicyConfig(
    target_value=100, scale_out_cooldown_seconds=60, scale_in_cooldown_seconds=120
)
CPU = ScalingPolicyConfig(target_value=50, predefined_metric_type=CPU_UTILIZATION)
CONFIG = AutoscalingConfig(1, 6, (REQUESTS,), metric_period_seconds=10)


def scalable(policy: ScalingPolicyConfig = REQUESTS, max_capacity: int = 6) -> ScalableTarget:
    return ScalableTarget(AutoscalingConfig(1, max_capacity, (policy,), metric_period_seconds=10))


class Feeder:
    """A fake clock and a load balancer's request counter: turns requests per target into the
    counter, one period at a time, and feeds the policy the datapoints the metric closes."""

    def __init__(self, target: ScalableTarget, targets: int) -> None:
        [self.policy] = target.policies
        self.targets = targets
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


def feed(policy: TargetTracking, values: list[float]) -> None:
    for value in values:
        policy.add(value)


def count(decision: Decision | None) -> int | None:
    return None if decision is None else decision.desired_count


def test_three_high_datapoints_scale_out_proportionally() -> None:
    target = scalable()
    feeder = Feeder(target, targets=2)
    now = feeder([250, 250])
    assert target.decide(now, 2, deploying=False) is None  # two datapoints are not enough
    now = feeder([250])
    decision = target.decide(now, 2, deploying=False)
    assert decision is not None and decision.alarm == "AlarmHigh"
    assert decision.desired_count == 5  # ceil(2 * 250 / 100)
    assert decision.policy == "hakobu-requests-per-target"


def test_scale_out_stops_at_max_capacity() -> None:
    target = scalable()
    feeder = Feeder(target, targets=1)
    assert count(target.decide(feeder([1000, 1000, 1000]), 1, deploying=False)) == 6
    assert target.decide(feeder([300, 300, 300], targets=6), 6, deploying=False) is None


def test_fifteen_low_datapoints_scale_in_and_never_during_a_deployment() -> None:
    target = scalable()
    feeder = Feeder(target, targets=4)
    assert target.decide(feeder([20.0] * 14), 4, deploying=False) is None
    now = feeder([20.0])
    assert target.decide(now, 4, deploying=True) is None
    decision = target.decide(feeder([20.0]), 4, deploying=False)  # the alarm, still in ALARM
    assert decision is not None and decision.alarm == "AlarmLow"
    assert decision.desired_count == 1  # ceil(4 * 20 / 100), not below min_capacity


def test_values_between_90_percent_and_the_target_change_nothing() -> None:
    target = scalable()
    assert target.decide(Feeder(target, targets=3)([95.0] * 20), 3, deploying=False) is None


def test_a_missing_datapoint_breaks_the_alarms_run() -> None:
    policy = scalable().policies[0]
    for value in (500.0, 500.0, None, 500.0, 500.0):
        policy.add(value)
    assert policy.propose(0, 1, deploying=False) is None
    policy.add(500.0)
    assert policy.propose(0, 1, deploying=False) is not None


def test_a_count_outside_the_capacity_is_brought_back() -> None:
    decision = ScalableTarget(CONFIG).decide(0, 9, deploying=False)
    assert decision is not None and (decision.desired_count, decision.alarm) == (6, "Capacity")


def test_disable_scale_in() -> None:
    target = scalable(ScalingPolicyConfig(target_value=10, disable_scale_in=True))
    feed(target.policies[0], [0.0] * 15)
    assert target.decide(0, 3, deploying=False) is None


# -- cooldowns: the alarms keep evaluating, the cooldowns hold them back ----------------------
# Application Auto Scaling API Reference, TargetTrackingScalingPolicyConfiguration:
# ScaleOutCooldown, ScaleInCooldown. REQUESTS: 60 s out, 120 s in; 10 s periods.


def test_an_alarm_invokes_the_policy_once_per_evaluation_not_at_every_tick() -> None:
    target = scalable(ScalingPolicyConfig(100, scale_out_cooldown_seconds=0), max_capacity=30)
    feeder = Feeder(target, targets=2)
    now = feeder([250] * 3)
    assert count(target.decide(now, 2, deploying=False)) == 5
    for tick in range(1, 5):  # the controller's ticks within the period: no new datapoint
        assert target.decide(now + tick, 5, deploying=False) is None
    # The next period's datapoint is an evaluation: the alarm, still in ALARM, invokes it again.
    assert count(target.decide(feeder([250], targets=5), 5, deploying=False)) == 13


def test_the_scale_out_cooldown_blocks_all_but_a_larger_scale_out() -> None:
    target = scalable(max_capacity=30)
    feeder = Feeder(target, targets=2)
    assert count(target.decide(feeder([250] * 3), 2, deploying=False)) == 5  # cooldown from here
    # The alarm stays in ALARM (the new tasks do not show yet): within the 60 s the capacity
    # added counts towards the next scale-out, ceil(2 * 250 / 100) = 5 is not larger.
    for _ in range(4):  # at 40 to 70 s
        assert target.decide(feeder([250]), 5, deploying=False) is None
    # A larger one is triggered: ceil(2 * 400 / 100) = 8 > 5 (the 2 before the cooldown's
    # scale-out, not 5 * 4 = 20 on top of it).
    assert count(target.decide(feeder([400]), 5, deploying=False)) == 8  # at 80 s
    for _ in range(5):  # the larger scale-out started a cooldown of its own: 90 to 130 s
        assert target.decide(feeder([250]), 8, deploying=False) is None
    # At 140 s, 60 s after it, the alarm still in ALARM scales out again from the current count.
    assert count(target.decide(feeder([250]), 8, deploying=False)) == 20  # ceil(8 * 250 / 100)


def test_the_scale_in_cooldown_blocks_scale_in_until_it_ends() -> None:
    target = scalable(max_capacity=10)
    feeder = Feeder(target, targets=8)
    assert count(target.decide(feeder([60.0] * 15), 8, deploying=False)) == 5  # ceil(8 * 0.6)
    for _ in range(11):  # 110 s of the 120 s: the low alarm, still in ALARM, is held back
        assert target.decide(feeder([60.0], targets=5), 5, deploying=False) is None
    assert count(target.decide(feeder([60.0], targets=5), 5, deploying=False)) == 3


def test_a_scale_out_ends_the_scale_in_cooldown() -> None:
    policy = ScalingPolicyConfig(100, scale_out_cooldown_seconds=0, scale_in_cooldown_seconds=600)
    target = scalable(policy, max_capacity=10)
    feeder = Feeder(target, targets=8)
    assert count(target.decide(feeder([60.0] * 15), 8, deploying=False)) == 5  # cooldown: 600 s
    assert count(target.decide(feeder([150.0] * 3, targets=5), 5, deploying=False)) == 8
    # "the scale-in cooldown period stops and doesn't complete": 15 low datapoints (150 s, well
    # within the 600 s) and the service scales in again.
    assert target.decide(feeder([50.0] * 14, targets=8), 8, deploying=False) is None
    assert count(target.decide(feeder([50.0], targets=8), 8, deploying=False)) == 4


# -- several policies: Application Auto Scaling's rule ---------------------------------------


def two_policies(cpu: ScalingPolicyConfig = CPU) -> ScalableTarget:
    return ScalableTarget(AutoscalingConfig(1, 10, (REQUESTS, cpu)))


def test_any_policy_scales_out_and_the_largest_capacity_wins() -> None:
    target = two_policies()
    requests, cpu = target.policies
    feed(requests, [50.0] * 15)  # low: would scale in on its own
    feed(cpu, [100.0] * 3)  # 2 x 100 / 50 -> 4
    decision = target.decide(0, 2, deploying=False)
    assert decision is not None and decision.desired_count == 4
    assert decision.policy == "hakobu-cpu-utilization"
    feed(requests, [300.0] * 3)  # 4 x 300 / 100 -> 12, capped at 10
    feed(cpu, [75.0] * 3)  # within its cooldown: 2 x 75 / 50 -> 3, not larger than 4
    decision = target.decide(1, 4, deploying=False)
    assert decision is not None and decision.desired_count == 10
    assert decision.policy == "hakobu-requests-per-target"


def test_scale_in_only_when_every_policy_asks_for_it() -> None:
    target = two_policies()
    requests, cpu = target.policies
    feed(requests, [10.0] * 15)  # 4 x 10 / 100 -> 1
    feed(cpu, [48.0] * 15)  # between 90 % of the target and the target
    assert target.decide(0, 4, deploying=False) is None
    feed(cpu, [20.0] * 15)  # 4 x 20 / 50 -> 2: the larger capacity of the two
    decision = target.decide(1, 4, deploying=False)
    assert decision is not None and (decision.desired_count, decision.alarm) == (2, "AlarmLow")
    feed(requests, [10.0])  # both alarms still in ALARM; both policies in their cooldowns
    assert target.decide(2, 2, deploying=False) is None


def test_a_policy_with_scale_in_disabled_does_not_hold_scale_in_back() -> None:
    target = two_policies(ScalingPolicyConfig(50, CPU_UTILIZATION, disable_scale_in=True))
    requests, _cpu = target.policies
    feed(requests, [10.0] * 15)
    decision = target.decide(0, 4, deploying=False)
    assert decision is not None and decision.desired_count == 1


# -- the CPU metric --------------------------------------------------------------------------


def read(at: float, seconds: dict[str, float]) -> dict[str, CpuReading]:
    return {name: CpuReading(used, at) for name, used in seconds.items()}


def test_cpu_utilization_is_cpu_used_over_cpu_reserved_averaged_per_period() -> None:
    metric = CpuUtilization(period_seconds=60)
    tasks = [TaskCpu("a", ("a-web",), 256), TaskCpu("b", ("b-web", "b-side"), 512)]
    assert not metric.due(0)  # starts the period
    metric.record(read(0, {"a-web": 10.0, "b-web": 3.0, "b-side": 1.0}), tasks)  # no sample yet
    # In 20 s, a used 5 s of its 0.25 vCPU (100 %), b 2 s of its 0.5 vCPU (20 %):
    # (5 + 2) / ((0.25 + 0.5) * 20) = 46.67 %, the service average, not the mean of 100 and 20.
    metric.record(read(20, {"a-web": 15.0, "b-web": 4.5, "b-side": 1.5}), tasks)
    metric.record(read(40, {"a-web": 15.0, "b-web": 4.5, "b-side": 1.5}), tasks)  # idle: 0 %
    assert metric.due(60)
    assert metric.close(60) == pytest.approx((700 / 15 + 0) / 2)
    assert metric.close(120) is None  # no sample in that period: no datapoint


def test_each_task_is_timed_by_the_engines_own_reading_times() -> None:
    metric = CpuUtilization(period_seconds=60)
    tasks = [TaskCpu("a", ("a-web",), 1024), TaskCpu("b", ("b-web",), 1024)]
    metric.record({"a-web": CpuReading(1.0, 100.0), "b-web": CpuReading(1.0, 100.5)}, tasks)
    # b read 0.5 s after a the first time, at the same moment as a the second: a used 0.5 s in
    # 1 s, b 0.5 s in 0.5 s, however long `podman stats` took to return.
    metric.record({"a-web": CpuReading(1.5, 101.0), "b-web": CpuReading(1.5, 101.0)}, tasks)
    metric.record({"a-web": CpuReading(1.5, 101.0), "b-web": CpuReading(1.5, 101.0)}, tasks)
    assert metric.close(60) == pytest.approx(100 * (0.5 + 0.5) / (1.0 + 0.5))  # one sample


def test_tasks_not_running_or_restarted_are_left_out_of_a_sample() -> None:
    metric = CpuUtilization(period_seconds=30)
    tasks = [TaskCpu("a", ("a-web",), 1024), TaskCpu("b", ("b-web",), 1024)]
    metric.record(read(0, {"a-web": 5.0, "b-web": 9.0}), tasks)
    metric.record(read(10, {"a-web": 10.0, "b-web": 1.0}), tasks)  # b restarted: counter reset
    metric.record(read(20, {"a-web": 12.0}), tasks)  # b gone
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
         echo "t1-web 2000000000 1700000000000000000" ;;
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


# The real podman, each call's arguments written down.
LOGGING_PODMAN = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/calls"
exec podman "$@"
"""


@pytest.mark.podman
def test_podman_reports_each_containers_cumulative_cpu(busybox_image: str, tmp_path: Path) -> None:
    engine = tmp_path / "podman"
    engine.write_text(LOGGING_PODMAN)
    engine.chmod(0o755)
    calls = tmp_path / "calls"
    runtime = PodmanRuntime(str(engine))
    pod = f"hakobu-cpu-test-{time.monotonic_ns()}"
    runtime.create_pod(PodSpec(pod, {"hakobu.test": "cpu"}, cpus=0.25))
    names = (f"{pod}-burn", f"{pod}-idle")
    try:
        for name, script in zip(names, ("while :; do :; done", "sleep 600"), strict=True):
            runtime._run("run", "-d", "--name", name, "--pod", pod, BUSYBOX, "sh", "-c", script)
        calls.write_text("")
        before = time.time()
        first = runtime.cpu_seconds(names)
        after = time.time()
        # Only the service's containers are read, each timed by podman as it read it.
        stats = calls.read_text().splitlines()[-1]  # after `podman info`, checked once
        assert stats.endswith(" ".join(names)) and "--all" not in stats
        assert all(before < r.at < after for r in first.values())
        assert first[names[0]].at != first[names[1]].at  # one after the other
        # A name podman does not know fails a named call: the reading falls back to --all.
        assert set(runtime.cpu_seconds([*names, "no-such-container"])) == set(names)
        assert "--all" in calls.read_text().splitlines()[-1]
        assert wait_for(
            lambda: runtime.cpu_seconds(names)[names[0]].seconds > first[names[0]].seconds + 0.2
        )
        assert runtime.cpu_seconds(names)[names[1]].seconds < 0.2  # sleeping uses next to nothing
        runtime._run("stop", "-t", "0", names[1])
        assert set(runtime.cpu_seconds(names)) == {names[0]}  # podman's "0 0": not running
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
