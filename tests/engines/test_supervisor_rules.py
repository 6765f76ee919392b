"""Pure decisions of the supervisor, checked against the ECS documentation they follow."""

from __future__ import annotations

from hakobu.engines.local.health import HEALTHY, UNHEALTHY, UNKNOWN, HealthTracker, task_health
from hakobu.engines.local.supervisor import should_restart
from hakobu.spec.taskdef import HealthCheck, RestartPolicy


def test_restart_policy() -> None:
    policy = RestartPolicy(enabled=True, ignored_exit_codes=(0,), restart_attempt_period=60)
    assert should_restart(policy, 1, ran_for=61)
    assert not should_restart(policy, 0, ran_for=61)  # ignored exit code
    assert not should_restart(policy, 1, ran_for=59)  # exited before restartAttemptPeriod
    assert not should_restart(RestartPolicy(enabled=False), 1, ran_for=1000)
    assert not should_restart(None, 1, ran_for=1000)


def test_health_tracker_counts_like_docker_and_ecs() -> None:
    check = HealthCheck(("CMD", "true"), interval=5, timeout=2, retries=3, start_period=10)
    tracker = HealthTracker(check, started_at=0.0)
    assert tracker.first_check_at() == 5.0
    assert tracker.record(1, now=5) == UNKNOWN  # inside startPeriod: not counted
    assert tracker.failures == 0
    assert tracker.record(1, now=10) == UNKNOWN
    assert tracker.record(1, now=15) == UNKNOWN
    assert tracker.record(1, now=20) == UNHEALTHY  # third counted failure = retries
    assert tracker.record(0, now=25) == HEALTHY  # one success recovers
    assert tracker.failures == 0


def test_success_inside_start_period_counts() -> None:
    tracker = HealthTracker(HealthCheck(("CMD", "true"), start_period=60), started_at=0.0)
    assert tracker.record(0, now=30) == HEALTHY


def test_task_health_from_essential_containers() -> None:
    # API Task.healthStatus: all HEALTHY -> HEALTHY; any UNHEALTHY -> UNHEALTHY (it wins);
    # else any UNKNOWN -> UNKNOWN.
    assert task_health([HEALTHY, HEALTHY]) == HEALTHY
    assert task_health([HEALTHY, UNKNOWN]) == UNKNOWN
    assert task_health([UNKNOWN, UNHEALTHY]) == UNHEALTHY
    assert task_health([]) == UNKNOWN
