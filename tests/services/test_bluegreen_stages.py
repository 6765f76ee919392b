"""Blue/green, canary and linear without an engine: stages, weights, groups and rules."""

from __future__ import annotations

from tests.services.test_deployments import completed_service, desired

from hakobu.engines.local.service import deployments
from hakobu.engines.local.service.bluegreen import (
    BAKE_TIME,
    CLEAN_UP,
    POST_PRODUCTION_TRAFFIC_SHIFT,
    PRE_PRODUCTION_TRAFFIC_SHIFT,
    PRE_SCALE_UP,
    PRODUCTION_TRAFFIC_SHIFT,
    SCALE_UP,
    blue_green_step,
    next_stage,
    weights,
)
from hakobu.engines.local.service.records import Deployment, ServiceState
from hakobu.engines.local.service.scheduler import Member, Phase
from hakobu.engines.local.service.traffic import Traffic, target_group_arns
from hakobu.lb import LoadBalancer, TargetGroupSettings
from hakobu.spec.service import CircuitBreaker, DeploymentConfiguration

CANARY = DeploymentConfiguration(strategy="CANARY", canary=(10.0, 5), bake_time_minutes=2)


def test_weights_follow_ecs_tenths_of_a_percent() -> None:
    assert weights(0) == (1, 0) and weights(100) == (0, 1)
    assert weights(5.0) == (950, 50)
    assert weights(0.1) == (999, 1) and weights(99.9) == (1, 999)


def drive(config: DeploymentConfiguration, until: float) -> list[tuple[str, float, float]]:
    """Every stage change from PRE_SCALE_UP (green ready), ticking each second."""
    d = Deployment("ecs-svc/1", "PRIMARY", "web:2", 3, stage=PRE_SCALE_UP)
    seen = []
    now = 0.0
    while now < until and d.stage != CLEAN_UP:
        moved = next_stage(d, config, green_ready=True, now=now)
        if moved is not None:
            d.stage, d.step, d.traffic, d.stage_since = moved.stage, moved.step, moved.traffic, now
            seen.append((d.stage, d.traffic, now))
        now += 1
    return seen


def test_canary_shifts_a_share_bakes_then_shifts_the_rest_then_bakes() -> None:
    seen = drive(CANARY, until=3600)
    shifts = [(stage, share, at) for stage, share, at in seen if stage == PRODUCTION_TRAFFIC_SHIFT]
    assert [s[1] for s in shifts] == [10.0, 100.0]
    assert shifts[1][2] - shifts[0][2] >= 5 * 60  # canaryBakeTimeInMinutes
    bake = next(at for stage, _, at in seen if stage == BAKE_TIME)
    clean = next(at for stage, _, at in seen if stage == CLEAN_UP)
    assert clean - bake >= 2 * 60  # bakeTimeInMinutes


def test_linear_runs_each_step_through_pre_production_traffic_shift() -> None:
    config = DeploymentConfiguration(strategy="LINEAR", linear=(25.0, 1))
    seen = drive(config, until=3600)
    shares = [share for stage, share, _ in seen if stage == PRODUCTION_TRAFFIC_SHIFT]
    assert shares == [25.0, 50.0, 75.0, 100.0]
    pre = [stage for stage, _, _ in seen].count(PRE_PRODUCTION_TRAFFIC_SHIFT)
    assert pre == 4  # "invoked before every traffic shift step"
    assert seen[-2][0] == BAKE_TIME and seen[-3][0] == POST_PRODUCTION_TRAFFIC_SHIFT


def test_scale_up_waits_for_green() -> None:
    d = Deployment("ecs-svc/1", "PRIMARY", "web:2", 3, stage=SCALE_UP)
    assert next_stage(d, CANARY, green_ready=False, now=100) is None


def test_green_scales_up_beside_blue_which_goes_only_at_clean_up() -> None:
    blue = [Member(f"b{i}", "blue", Phase.HEALTHY) for i in range(3)]
    green = [Member("g0", "green", Phase.HEALTHY), Member("g1", "green", Phase.FAILED)]
    step = blue_green_step(blue + green, green="green", blue="blue", stage=SCALE_UP, desired=3)
    assert step.start == 2 and [s.task_id for s in step.stops] == ["g1"]
    done = [Member(f"g{i}", "green", Phase.HEALTHY) for i in range(3)]
    step = blue_green_step(blue + done, green="green", blue="blue", stage=CLEAN_UP, desired=3)
    assert step.start == 0 and {s.task_id for s in step.stops} == {"b0", "b1", "b2"}


def test_a_blue_green_deployment_takes_the_other_group() -> None:
    first = ServiceState("web", "app", "local", "default")
    deployments.apply_desired(first, desired(1, "web:1"), "BLUE_GREEN")
    assert first.deployments[0].stage is None  # no blue yet: it just scales up
    state = completed_service()
    deployments.apply_desired(state, desired(2, "web:2"), "BLUE_GREEN")
    green, blue = state.deployments[0], state.deployments[1]
    assert (green.target_group, green.stage, green.replaces) == ("alternate", PRE_SCALE_UP, blue.id)
    assert blue.target_group == "default"


def test_listener_rules_follow_the_stages() -> None:
    lb = LoadBalancer("127.0.0.1", 0, TargetGroupSettings())
    traffic = Traffic(lb, TargetGroupSettings(), target_group_arns("arn:x:targetgroup/tg/1"))
    default, alternate = traffic.group("default"), traffic.group("alternate")
    state = completed_service()
    traffic.apply(state)
    assert lb.listener.rules == [(default, 1), (alternate, 0)]
    deployments.apply_desired(state, desired(2, "web:2"), "CANARY")
    green = state.deployments[0]
    green.stage, green.traffic = PRODUCTION_TRAFFIC_SHIFT, 10.0
    traffic.apply(state)
    assert lb.listener.rules == [(default, 900), (alternate, 100)]
    for _ in range(3):
        deployments.record_failure(state, green.id)
    deployments.run_breaker(state, CircuitBreaker(enable=True, rollback=True))
    traffic.apply(state)  # rolled back: all of it to blue again, at once
    assert lb.listener.rules == [(default, 1), (alternate, 0)]
    assert traffic.arns["alternate"] == "arn:x:targetgroup/tg-alt/1"
