"""The rolling update's decisions, step by step, as ECS documents them."""

from __future__ import annotations

from hakobu.engines.local.service.scheduler import (
    Member,
    Phase,
    breaker_tripped,
    is_steady,
    rolling_step,
)
from hakobu.spec.service import CircuitBreaker, DeploymentConfiguration

H, S, F, X = Phase.HEALTHY, Phase.STARTING, Phase.FAILED, Phase.STOPPING
DEFAULT = DeploymentConfiguration()  # 100 / 200


def tasks(deployment: str, *phases: Phase, adopted: bool = False) -> list[Member]:
    return [
        Member(f"{deployment}-{i}", deployment, p, adopted=adopted, started_at=float(i))
        for i, p in enumerate(phases)
    ]


def test_a_new_service_starts_the_desired_count() -> None:
    step = rolling_step([], primary="new", desired=3, config=DEFAULT)
    assert step.start == 3 and step.stops == ()


def test_100_200_starts_all_new_tasks_and_keeps_old_ones_until_new_are_healthy() -> None:
    old = tasks("old", H, H, H)
    step = rolling_step(old, primary="new", desired=3, config=DEFAULT)
    assert step.start == 3 and step.stops == ()
    starting = old + tasks("new", S, S, S)
    assert rolling_step(starting, primary="new", desired=3, config=DEFAULT).stops == ()
    one_healthy = old + tasks("new", H, S, S)
    step = rolling_step(one_healthy, primary="new", desired=3, config=DEFAULT)
    assert [s.task_id for s in step.stops] == ["old-0"] and step.start == 0
    all_healthy = old + tasks("new", H, H, H)
    step = rolling_step(all_healthy, primary="new", desired=3, config=DEFAULT)
    assert [s.task_id for s in step.stops] == ["old-0", "old-1", "old-2"]


def test_50_100_stops_half_and_starts_as_many_as_stop() -> None:
    # Draining tasks no longer count toward maximumPercent (ECS counts by desired status).
    config = DeploymentConfiguration(minimum_healthy_percent=50, maximum_percent=100)
    old = tasks("old", H, H, H, H)
    step = rolling_step(old, primary="new", desired=4, config=config)
    assert step.start == 2 and [s.task_id for s in step.stops] == ["old-0", "old-1"]
    after = [Member(m.task_id, m.deployment_id, X) for m in old[:2]] + old[2:] + tasks("new", S, S)
    step = rolling_step(after, primary="new", desired=4, config=config)
    assert step.start == 0 and step.stops == ()


def test_old_tasks_that_are_not_serving_go_first_and_regardless_of_the_floor() -> None:
    members = tasks("old", S, H, H) + tasks("new", S, S, S)
    step = rolling_step(members, primary="new", desired=3, config=DEFAULT)
    assert [s.task_id for s in step.stops] == ["old-0"]


def test_failed_tasks_are_stopped_and_replaced() -> None:
    members = tasks("new", H, F, H)
    step = rolling_step(members, primary="new", desired=3, config=DEFAULT)
    assert [(s.task_id, s.why) for s in step.stops] == [("new-1", "failed")]
    assert step.start == 1


def test_scale_in_stops_not_yet_healthy_then_newest_and_ignores_the_floor() -> None:
    members = tasks("svc", H, H, S)
    step = rolling_step(members, primary="svc", desired=1, config=DEFAULT)
    assert [(s.task_id, s.why) for s in step.stops] == [
        ("svc-2", "scale-in"),
        ("svc-1", "scale-in"),
    ]
    assert step.start == 0


def test_scale_out_stays_within_maximum_percent() -> None:
    config = DeploymentConfiguration(minimum_healthy_percent=100, maximum_percent=150)
    step = rolling_step(tasks("old", H, H), primary="new", desired=2, config=config)
    assert step.start == 1


def test_a_failed_deployment_without_rollback_launches_nothing() -> None:
    members = tasks("old", H, H, H)
    step = rolling_step(members, primary="new", desired=3, config=DEFAULT, may_launch=False)
    assert step.start == 0 and step.stops == ()


def test_adopted_tasks_serve_until_replaced() -> None:
    judging = tasks("dep", S, S, adopted=True)
    step = rolling_step(judging, primary="dep", desired=2, config=DEFAULT)
    assert step.start == 2 and step.stops == ()  # not stopped before their first health check
    adopted = tasks("dep", H, H, adopted=True)
    step = rolling_step(adopted, primary="dep", desired=2, config=DEFAULT)
    assert step.start == 2 and step.stops == ()
    with_new = adopted + tasks("dep", H, H)
    step = rolling_step(with_new, primary="dep", desired=2, config=DEFAULT)
    assert step.start == 0 and {s.task_id for s in step.stops} == {"dep-0", "dep-1"}
    assert all(s.why == "replaced" for s in step.stops)


def test_steady_state() -> None:
    assert is_steady(tasks("new", H, H), primary="new", desired=2)
    assert not is_steady(tasks("new", H, S), primary="new", desired=2)
    assert not is_steady(tasks("new", H, H) + tasks("old", X), primary="new", desired=2)
    assert not is_steady(tasks("new", H, H, adopted=True), primary="new", desired=2)
    stopped = [Member("gone", "old", Phase.STOPPED)]
    assert is_steady(tasks("new", H) + stopped, primary="new", desired=1)
    assert is_steady([], primary="new", desired=0)


def test_breaker() -> None:
    breaker = CircuitBreaker(enable=True, rollback=True)
    assert not breaker_tripped(breaker, 2, desired=3)
    assert breaker_tripped(breaker, 3, desired=3)
    assert not breaker_tripped(CircuitBreaker(enable=False), 100, desired=3)
